import asyncio
import os

import aiohttp


async def fetch_video(task_id: str) -> str:
    headers = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}
    async with aiohttp.ClientSession(headers=headers) as s:
        while True:
            async with s.get(f"https://api.pixapi.ai/v1/tasks/{task_id}") as r:
                task = await r.json()
            if task["status"] == "completed":
                return task["data"][0]["url"]
            if task["status"] == "failed":
                raise RuntimeError("failed")
            await asyncio.sleep(4)
