import os

import requests

s = requests.Session()
s.headers.update({"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"})

models = s.get("https://api.pixapi.ai/v1/models").json()["data"]
image_models = [m["id"] for m in models if m.get("category") == "image"]
chosen = "nano-banana-2" if "gemini-3.1-flash-image-preview" in image_models else image_models[0]

r = s.post(
    "https://api.pixapi.ai/v1/images/generations",
    json={"model": chosen, "prompt": "A cozy reading nook with a cat", "size": "1024x1536"},
)
r.raise_for_status()
for item in r.json()["data"]:
    print(item["url"])
