import os

import requests

DEFAULT_SIZE = "1024*1024"

r = requests.post(
    "https://api.pixapi.ai/v1/images/generations",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    json={"model": "nano-banana", "prompt": "A tidy desk with a plant", "size": DEFAULT_SIZE},
)
print(r.json()["data"][0]["url"])
