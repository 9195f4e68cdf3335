import os

import requests

BASE_URL = "https://pixapi.ai/api"


def generate(prompt: str) -> str:
    r = requests.post(
        f"{BASE_URL}/v1/images/generations",
        headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
        json={"model": "nano-banana", "prompt": prompt},
    )
    r.raise_for_status()
    return r.json()["data"][0]["url"]
