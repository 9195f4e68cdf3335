import os

import httpx

API_BASE = "https://api.pixapi.ai"
VIDEO_URL = f"{API_BASE}/v1/videos/generations"


def start_video(prompt: str) -> str:
    r = httpx.post(
        VIDEO_URL,
        headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
        json={"model": "veo", "prompt": prompt, "duration": 8},
        timeout=60,
    )
    r.raise_for_status()
    return r.json()["id"]
