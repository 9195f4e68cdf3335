import os

import httpx


def video_body(prompt: str, image: str, length: int = 8) -> dict:
    return {"model": "veo", "prompt": prompt, "image_url": image, "duration": length}


def submit(prompt: str, image: str) -> str:
    r = httpx.post(
        "https://api.pixapi.ai/v1/async/videos/generations",
        headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
        json=video_body(prompt, image),
    )
    r.raise_for_status()
    return r.json()["id"]
