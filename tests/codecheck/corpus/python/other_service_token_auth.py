"""Generate a cover image with Pixapi and attach it to a post in our CMS."""

import os

import requests

PIXAPI_KEY = os.environ["PIXAPI_KEY"]
CMS_TOKEN = os.environ["CMS_TOKEN"]


def cover_for(post_id: int, title: str) -> None:
    gen = requests.post(
        "https://api.pixapi.ai/v1/images/generations",
        headers={"Authorization": f"Bearer {PIXAPI_KEY}"},
        json={"model": "nano-banana", "prompt": f"Editorial illustration for: {title}"},
    )
    gen.raise_for_status()
    url = gen.json()["data"][0]["url"]

    requests.patch(
        f"https://cms.internal.example.com/api/posts/{post_id}",
        headers={"Authorization": f"Token {CMS_TOKEN}"},
        json={"cover_image": url},
    ).raise_for_status()
