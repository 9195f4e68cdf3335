import os
from pathlib import Path

from openai import OpenAI

client = OpenAI(
    api_key=os.getenv("PIXAPI_KEY"),
    base_url=os.getenv("PIXAPI_BASE_URL", "https://api.pixapi.ai/v1"),
)


def restyle(paths: list[Path], prompt: str) -> list[str]:
    images = [p.open("rb") for p in paths]
    try:
        edited = client.images.edit(model="nano-banana-2", image=images, prompt=prompt, size="1024x1024")
    finally:
        for f in images:
            f.close()
    return [item.url for item in edited.data]


print(restyle([Path("room.png"), Path("palette.png")], "Repaint the room using the palette"))
