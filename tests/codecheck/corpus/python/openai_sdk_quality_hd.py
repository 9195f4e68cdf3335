import os

from openai import OpenAI

client = OpenAI(base_url="https://api.pixapi.ai/v1", api_key=os.environ["PIXAPI_KEY"])
image = client.images.generate(
    model="gpt-image-2",
    prompt="A macro photo of dew on a spider web",
    size="1024x1024",
    quality="hd",
)
print(image.data[0].url)
