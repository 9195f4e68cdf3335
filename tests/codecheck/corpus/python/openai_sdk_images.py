import os

from openai import OpenAI

# Pixapi speaks the OpenAI image API, so the official SDK works with a different base URL.
client = OpenAI(api_key=os.environ["PIXAPI_KEY"], base_url="https://api.pixapi.ai/v1")

result = client.images.generate(
    model="gpt-image-2",
    prompt="A product flat lay of stationery on pastel paper",
    size="1024x1024",
    quality="high",
    n=1,
)
print(result.data[0].url)
