import asyncio
import os

import aiohttp


async def edit_image(path: str, instruction: str) -> str:
    form = aiohttp.FormData()
    form.add_field("model", "gemini-2.5-flash-image")
    form.add_field("prompt", instruction)
    form.add_field("image", open(path, "rb"), filename=os.path.basename(path), content_type="image/png")

    headers = {"Authorization": "Bearer " + os.environ["PIXAPI_KEY"]}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post("https://api.pixapi.ai/v1/images/edits", data=form) as resp:
            resp.raise_for_status()
            payload = await resp.json()
    return payload["data"][0]["url"]


print(asyncio.run(edit_image("sofa.png", "Change the sofa fabric to green velvet")))
