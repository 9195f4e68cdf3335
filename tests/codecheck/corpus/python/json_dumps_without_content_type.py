import json
import os

import requests

body = {"model": "gpt-image-2", "prompt": "A retro travel poster of Lisbon", "size": "1024x1536"}
r = requests.post(
    "https://api.pixapi.ai/v1/images/generations",
    data=json.dumps(body),
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
)
r.raise_for_status()
print(r.json()["data"][0]["url"])
