import os
import time

from openai import OpenAI

client = OpenAI(base_url="https://api.pixapi.ai/v1", api_key=os.environ["PIXAPI_KEY"])

video = client.videos.create(
    model="veo",
    prompt="A slow pan across a misty pine forest",
    seconds="8",
)
while video.status in ("queued", "in_progress"):
    time.sleep(5)
    video = client.videos.retrieve(video.id)
print(video.status)
