import os
import time

import requests

API = "https://api.pixapi.ai"
HEADERS = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}


def render_in_background(prompt: str) -> str:
    """Queue a render and wait for it.

    Other providers we used took a ``?async=true`` query flag or an ``"async": true`` field for
    this; Pixapi has a separate endpoint instead, /v1/async/images/generations.
    """
    sub = requests.post(f"{API}/v1/async/images/generations", headers=HEADERS,
                        json={"model": "nano-banana-pro", "prompt": prompt})
    sub.raise_for_status()
    task_id = sub.json()["id"]
    while True:
        task = requests.get(f"{API}/v1/tasks/{task_id}", headers=HEADERS).json()
        if task["status"] in ("completed", "failed"):
            break
        time.sleep(3)
    if task["status"] == "failed":
        raise RuntimeError("render failed")
    return task["result"]["data"][0]["url"]
