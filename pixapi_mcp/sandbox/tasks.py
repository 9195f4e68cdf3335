"""Async tasks after submission: ``GET /v1/tasks/{id}``. A task's status is computed from the
clock on every read (``submitted`` -> ``processing`` with progress -> ``completed``/``failed``);
the first read that sees it due renders its outputs and charges for them, exactly once."""

from __future__ import annotations

import functools
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pixapi_mcp.sandbox import render
from pixapi_mcp.sandbox.errors import error
from pixapi_mcp.sandbox.outputs import store
from pixapi_mcp.sandbox.state import SandboxConfig, SandboxState, SandboxTask


class Tasks:
    """``GET /v1/tasks/{id}`` over one ``SandboxState``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        # One lock per task being finished, so two concurrent reads render and charge it once.
        self._finishing: dict[str, anyio.Lock] = {}

    async def get(self, request: Request, key: str, task_id: str) -> Response:
        task = self.state.task_for(task_id, key)
        if task is None:
            return error(
                request,
                404,
                f"No task `{task_id}` for this API key: use the `id` an `/v1/async/*` submission returned, "
                "with the same key.",
                param="id",
            )
        now = self.state.clock.now()
        if task.status is None and not task.stuck and now >= task.created + task.duration:
            await self._finish(request, task)
        return JSONResponse(task_json(task, now))

    async def _finish(self, request: Request, task: SandboxTask) -> None:
        """Render, store and charge a task that has reached its completion time, exactly once."""
        lock = self._finishing.setdefault(task.id, anyio.Lock())
        try:
            async with lock:
                if task.status is None:
                    await self._resolve(request, task)
        finally:
            self._finishing.pop(task.id, None)

    async def _resolve(self, request: Request, task: SandboxTask) -> None:
        task.completed = task.created + task.duration
        if task.fail:
            task.status = "failed"
            task.credits_cost = 0.0
            task.error = {
                "code": "task_failed",
                "message": "The sandbox failed this task on purpose (task_fail fault); nothing was charged.",
            }
            return
        ext = "avi" if task.media == "video" else "png"
        outputs = await anyio.to_thread.run_sync(functools.partial(render_task, task, self.state.config))
        if not self.state.try_charge(task.key, task.price):
            task.status = "failed"
            task.credits_cost = 0.0
            task.error = {
                "code": "insufficient_credits",
                "message": f"Insufficient credits at completion: needs {task.price:g}; nothing was charged.",
            }
            return
        task.outputs = [{"url": store(self.state, request, data, ext, task.base_url)} for data in outputs]
        task.credits_cost = task.price
        task.status = "completed"
        task.sources = []  # the inputs are no longer needed; free the memory


def render_task(task: SandboxTask, config: SandboxConfig) -> list[bytes]:
    """The output files of a finished task (runs in a worker thread: rendering is CPU work)."""
    if task.media == "video":
        size = render.video_size(task.size)
        picture = render.read_upload(task.sources[0]) if task.sources else None
        source = render.source_for_video(picture, task.prompt, task.model, size)
        frames = render.render_video_frames(
            source, size, render.video_seconds(task.video_duration), task.prompt
        )
        return [
            render.write_mjpeg_avi(frames, size, render.VIDEO_FPS, pad_to_bytes=int(task.pad_mb * render.MIB))
        ]
    sources = [render.read_upload(data) for data in task.sources]
    size = render.image_size(task.size, config.max_image_side)
    return render.render_images(task.prompt, task.model, task.n, size, sources, task.pad_mb)


def task_json(task: SandboxTask, now: float) -> dict[str, Any]:
    """The task as ``GET /v1/tasks/{id}`` shows it at time ``now``."""
    body: dict[str, Any] = {
        "id": task.id,
        "object": "task",
        "status": "submitted",
        "progress": 0,
        "model": task.model,
        "created": int(task.created),
        "created_at": int(task.created),
    }
    if task.status == "completed":
        body.update(
            status="completed",
            progress=100,
            credits_cost=task.credits_cost,
            result={"type": task.media, "data": task.outputs},
            completed=int(task.completed or now),
        )
    elif task.status == "failed":
        body.update(status="failed", progress=100, credits_cost=0.0, error=task.error)
    elif now > task.created:
        elapsed = now - task.created
        fraction = elapsed / task.duration if task.duration > 0 else 1.0
        body.update(status="processing", progress=min(99, max(1, int(fraction * 100))))
    return body
