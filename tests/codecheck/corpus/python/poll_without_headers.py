import os
import time

import requests

BASE = "https://api.pixapi.ai"
key = os.environ["PIXAPI_KEY"]

sub = requests.post(
    f"{BASE}/v1/async/videos/generations",
    headers={"Authorization": f"Bearer {key}"},
    json={"model": "veo", "prompt": "Fireflies in a summer field", "duration": 6},
)
tid = sub.json()["id"]

while True:
    task = requests.get(f"{BASE}/v1/tasks/{tid}").json()
    if task["status"] == "completed":
        print(task["result"]["data"][0]["url"])
        break
    if task["status"] == "failed":
        raise SystemExit("failed")
    time.sleep(5)
