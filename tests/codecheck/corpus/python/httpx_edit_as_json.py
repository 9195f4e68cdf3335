import os

import httpx

EDITS = "https://api.pixapi.ai/v1/images/edits"


def recolor(image_url: str) -> str:
    r = httpx.post(
        EDITS,
        headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
        json={"model": "nano-banana", "prompt": "Make the car bright yellow", "image": image_url},
    )
    r.raise_for_status()
    return r.json()["data"][0]["url"]
