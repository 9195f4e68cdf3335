import os

import requests

url = "https://api.pixapi.ai/v1/images/generations"
params = {"async": "true"}
resp = requests.post(
    url,
    params=params,
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    json={"model": "gemini-3-pro-image-preview", "prompt": "A vast desert canyon at noon"},
)
print(resp.json()["id"])
