import os
import time

import httpx

H = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}
r = httpx.post(
    "https://api.pixapi.ai/v1/async/images/generations",
    headers=H,
    json={"model": "gpt-image-2", "prompt": "Isometric coffee shop interior"},
)
r.raise_for_status()
task_id = r.json()["task_id"]

while True:
    task = httpx.get(f"https://api.pixapi.ai/v1/tasks/{task_id}", headers=H).json()
    if task["status"] == "completed":
        print(task["result"]["data"][0]["url"])
        break
    if task["status"] == "failed":
        break
    time.sleep(2)
