import base64
import io
import os

import requests
from PIL import Image

resp = requests.post(
    "https://api.pixapi.ai/v1/images/generations",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    json={"model": "gpt-image-1.5", "prompt": "Line art of a fern leaf", "response_format": "b64_json"},
)
resp.raise_for_status()
raw = base64.b64decode(resp.json()["data"][0]["b64_json"])

img = Image.open(io.BytesIO(raw)).convert("RGB")
img.save("fern.jpg", quality=85)
img.thumbnail((256, 256))
img.save("fern_thumb.jpg", quality=70)
