import asyncio
import os

import httpx

BASE_URL = "https://api.pixapi.ai"


async def make_clip(image_url: str, prompt: str, duration: int = 8) -> str:
    headers = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}
    async with httpx.AsyncClient(base_url=BASE_URL, headers=headers, timeout=60) as client:
        submitted = await client.post(
            "/v1/async/videos/generations",
            json={"model": "veo", "prompt": prompt, "input_image": image_url, "duration": duration},
        )
        submitted.raise_for_status()
        task_id = submitted.json()["id"]

        while True:
            r = await client.get(f"/v1/tasks/{task_id}")
            r.raise_for_status()
            task = r.json()
            if task["status"] == "completed":
                return task["result"]["data"][0]["url"]
            if task["status"] == "failed":
                raise RuntimeError(f"video task {task_id} failed")
            await asyncio.sleep(5)


if __name__ == "__main__":
    print(asyncio.run(make_clip("https://cdn.pixapi.ai/generated/image.png", "Slow push-in on the subject")))
