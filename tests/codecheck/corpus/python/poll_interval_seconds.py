import os
import time

import requests

POLL_SECONDS = 5
TIMEOUT_SECONDS = 600
session = requests.Session()
session.headers["Authorization"] = f"Bearer {os.environ['PIXAPI_KEY']}"


def video(prompt: str, duration: int = 6) -> str:
    r = session.post(
        "https://api.pixapi.ai/v1/async/videos/generations",
        json={"model": "veo", "prompt": prompt, "duration": duration, "size": "1280x720"},
    )
    r.raise_for_status()
    task_id = r.json()["id"]
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        task = session.get(f"https://api.pixapi.ai/v1/tasks/{task_id}").json()
        if task["status"] == "completed":
            return task["result"]["data"][0]["url"]
        if task["status"] == "failed":
            raise RuntimeError("generation failed")
        time.sleep(POLL_SECONDS)
    raise TimeoutError(task_id)
