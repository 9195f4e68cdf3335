import os

import requests

payload = {
    "model": "veo",
    "prompt": "A paper airplane glides across a classroom",
}
payload["seconds"] = 5
payload["size"] = "1280x720"

r = requests.post(
    "https://api.pixapi.ai/v1/async/videos/generations",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    json=payload,
)
print(r.json())
