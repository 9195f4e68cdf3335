import argparse
import os

import requests

parser = argparse.ArgumentParser()
parser.add_argument("prompt")
parser.add_argument("--image")
parser.add_argument("--duration", type=int, default=8)
parser.add_argument("--model", default="veo", choices=["veo", "wan"])
args = parser.parse_args()

payload = {"model": args.model, "prompt": args.prompt}
payload["duration"] = args.duration
if args.image:
    payload["input_image"] = args.image

r = requests.post(
    "https://api.pixapi.ai/v1/async/videos/generations",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    json=payload,
)
r.raise_for_status()
print("task:", r.json()["id"])
