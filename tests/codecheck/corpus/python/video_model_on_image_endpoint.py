import os

import httpx

VIDEO_MODEL = "veo"


def storyboard_frame(prompt: str) -> str:
    r = httpx.post(
        "https://api.pixapi.ai/v1/images/generations",
        headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
        json={"model": VIDEO_MODEL, "prompt": prompt},
    )
    r.raise_for_status()
    return r.json()["data"][0]["url"]
