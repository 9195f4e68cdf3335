import os

import httpx

KEY = os.environ["PIXAPI_KEY"]
headers = {"Authorization": "Bearer" + KEY, "Content-Type": "application/json"}

r = httpx.post(
    "https://api.pixapi.ai/v1/images/generations",
    headers=headers,
    json={"model": "nano-banana", "prompt": "A bowl of ramen, top-down"},
)
print(r.json()["data"][0]["url"])
