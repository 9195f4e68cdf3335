import os

import requests

r = requests.post(
    "https://api.pixapi.ai/v1/images/generations",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    json={"model": "gpt-image-2", "prompt": "A logo of a fox", "response_format": "b64_json"},
)
r.raise_for_status()
logo = r.json()
print(logo["data"][0]["url"])
