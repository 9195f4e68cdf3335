import os
import time

import httpx

BASE = "https://api.pixapi.ai"


def endpoint(*parts: str) -> str:
    return f"{BASE}/v1/" + "/".join(parts)


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}


def submit_video(prompt: str, image: str) -> str:
    r = httpx.post(
        endpoint("async", "videos", "generations"),
        headers=auth(),
        json={"model": "wan", "prompt": prompt, "input_image": image, "duration": 5},
    )
    r.raise_for_status()
    return r.json()["id"]


def wait(task_id: str) -> str:
    while True:
        task = httpx.get(endpoint("tasks", task_id), headers=auth()).json()
        if task["status"] == "completed":
            return task["result"]["data"][0]["url"]
        if task["status"] == "failed":
            raise RuntimeError(task)
        time.sleep(4)
