import json
import os

import requests

body = {
    "model": "gemini-3-pro-image-preview",
    "prompt": "An infographic-style illustration of the water cycle",
    "n": 1,
    "size": "auto",
}
headers = {
    "Authorization": "Bearer " + os.environ["PIXAPI_KEY"],
    "Content-Type": "application/json",
}
r = requests.post("https://api.pixapi.ai/v1/images/generations", data=json.dumps(body), headers=headers)
r.raise_for_status()
print(r.json()["data"][0]["url"])
