import os
import time

import httpx

client = httpx.Client(
    base_url="https://api.pixapi.ai",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
)


def wait_for(task_id: str) -> dict:
    task = client.get(f"/v1/tasks/{task_id}").json()
    while task["status"] != "succeeded":
        time.sleep(3)
        task = client.get(f"/v1/tasks/{task_id}").json()
    return task
