"""Generate a hero image for a landing page and save its URL."""

import os

import requests

PIXAPI_URL = "https://api.pixapi.ai/v1/images/generations"


def generate_hero(prompt: str) -> str:
    resp = requests.post(
        PIXAPI_URL,
        headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
        json={"model": "nano-banana", "prompt": prompt, "size": "1536x1024"},
        timeout=120,
    )
    resp.raise_for_status()
    return resp.json()["data"][0]["url"]


if __name__ == "__main__":
    print(generate_hero("A calm lake at dawn, mist over the water"))
