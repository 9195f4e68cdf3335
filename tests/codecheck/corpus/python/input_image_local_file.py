import os

import requests

hero = "./assets/hero.png"

r = requests.post(
    "https://api.pixapi.ai/v1/async/videos/generations",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    json={
        "model": "veo",
        "prompt": "The hero turns toward the camera",
        "input_image": hero,
        "duration": 8,
    },
)
print(r.json()["id"])
