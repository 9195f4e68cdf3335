import asyncio
import os

import aiohttp

API_ROOT = "https://api.pixapi.ai"


async def submit_and_wait(session: aiohttp.ClientSession, prompt: str) -> str:
    async with session.post(
        f"{API_ROOT}/v1/async/videos/generations",
        json={"model": "wan", "prompt": prompt, "size": "720x1280", "duration": 5},
    ) as resp:
        resp.raise_for_status()
        task_id = (await resp.json())["id"]

    for _ in range(200):
        async with session.get(f"{API_ROOT}/v1/tasks/{task_id}") as resp:
            task = await resp.json()
        if task["status"] == "completed":
            return task["result"]["data"][0]["url"]
        if task["status"] == "failed":
            raise RuntimeError(task.get("error"))
        await asyncio.sleep(3)
    raise TimeoutError(task_id)


async def main() -> None:
    headers = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        print(await submit_and_wait(session, "A vertical clip of rain on a window"))


asyncio.run(main())
