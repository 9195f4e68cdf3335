import os
import time

import requests

API = "https://api.pixapi.ai"
H = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}

img = requests.post(f"{API}/v1/images/generations", headers=H,
                    json={"model": "nano-banana", "prompt": "A vintage red bicycle against a brick wall"})
img.raise_for_status()
image_url = img.json()["data"][0]["url"]

sub = requests.post(f"{API}/v1/async/videos/generations", headers=H,
                    json={"model": "veo", "prompt": "The camera circles the bicycle",
                          "input_image": image_url, "duration": 8})
sub.raise_for_status()
task_id = sub.json()["id"]

while (task := requests.get(f"{API}/v1/tasks/{task_id}", headers=H).json())["status"] not in ("completed", "failed"):
    time.sleep(5)
print(task["result"]["data"][0]["url"] if task["status"] == "completed" else "failed")
