import os
import time

import requests

API = "https://api.pixapi.ai"
MODEL = "nano-banana"
HEADERS = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}


def make_still(prompt: str) -> str:
    r = requests.post(f"{API}/v1/images/generations", headers=HEADERS, json={"model": MODEL, "prompt": prompt})
    r.raise_for_status()
    return r.json()["data"][0]["url"]


def animate(image_url: str, prompt: str) -> str:
    r = requests.post(
        f"{API}/v1/async/videos/generations",
        headers=HEADERS,
        json={"model": MODEL, "prompt": prompt, "input_image": image_url, "duration": 6},
    )
    r.raise_for_status()
    task_id = r.json()["id"]
    while True:
        task = requests.get(f"{API}/v1/tasks/{task_id}", headers=HEADERS).json()
        if task["status"] in ("completed", "failed"):
            return task["result"]["data"][0]["url"] if task["status"] == "completed" else ""
        time.sleep(5)
