"""Backend for the video page: the browser calls our routes, we call Pixapi with the server key."""

import os

import httpx
from fastapi import FastAPI, HTTPException

app = FastAPI()
PIXAPI = httpx.AsyncClient(
    base_url="https://api.pixapi.ai",
    headers={"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"},
    timeout=30,
)


@app.post("/api/videos")
async def create_video(body: dict) -> dict:
    r = await PIXAPI.post(
        "/v1/async/videos/generations",
        json={"model": "veo", "prompt": body["prompt"], "duration": 8},
    )
    if r.status_code >= 400:
        raise HTTPException(r.status_code, r.json()["error"]["message"])
    return {"task_id": r.json()["id"]}


@app.get("/api/videos/{task_id}")
async def video_status(task_id: str) -> dict:
    task = (await PIXAPI.get(f"/v1/tasks/{task_id}")).json()
    url = task["result"]["data"][0]["url"] if task["status"] == "completed" else None
    return {"status": task["status"], "url": url}
