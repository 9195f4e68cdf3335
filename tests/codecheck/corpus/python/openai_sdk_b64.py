import base64
import os

from openai import OpenAI

client = OpenAI(base_url="https://api.pixapi.ai/v1", api_key=os.environ["PIXAPI_KEY"])

img = client.images.generate(
    model="gpt-image-1.5",
    prompt="A sticker of a smiling cactus, white border",
    response_format="b64_json",
)
with open("cactus.png", "wb") as fh:
    fh.write(base64.b64decode(img.data[0].b64_json))
