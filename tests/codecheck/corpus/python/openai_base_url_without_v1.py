import os

from openai import OpenAI

client = OpenAI(
    api_key=os.environ["PIXAPI_KEY"],
    base_url="https://api.pixapi.ai",
)
out = client.images.generate(model="nano-banana", prompt="A cut-paper style mountain range")
print(out.data[0].url)
