"""One behaviour suite for PixapiClient, run against three backends: a mock of the documented API
(``httpx2.MockTransport``), the sandbox in-process (``ASGITransport``) and the sandbox over real HTTP.
The client must behave the same on all of them: that is what makes the sandbox a faithful stand-in."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.lowlevel
import httpx2
import pytest
from PIL import Image

from pixapi_mcp import client as api
from pixapi_mcp.contract import (
    SANDBOX_KEY,
    Endpoint,
    ImageEditRequest,
    ImageFile,
    ImageGenerationRequest,
    VideoGenerationRequest,
    check_request,
    estimate_credits,
)
from pixapi_mcp.sandbox import Fault, ManualClock, SandboxConfig, create_app, running_sandbox

pytestmark = pytest.mark.anyio
KEY = SANDBOX_KEY


def _png(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class MockPixapi:
    """The documented API, reduced to what the suite needs: every answer shape from the seeds."""

    balance: float = 1000.0
    posts: int = 0
    faults: list[tuple[str, int, float | None]] = field(default_factory=list[tuple[str, int, float | None]])
    tasks: dict[str, int] = field(default_factory=dict[str, int])
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        rid = {"x-request-id": f"req_mock_{next(self.ids)}"}
        if request.method == "POST":
            self.posts += 1
        for i, (prefix, status, retry_after) in enumerate(self.faults):
            if path.startswith(prefix):
                del self.faults[i]
                headers = dict(rid, **({"retry-after": str(retry_after)} if retry_after else {}))
                return self._error(status, "injected", headers)
        if path.startswith("/files/"):
            return httpx2.Response(200, content=_png(), headers={"content-type": "image/png"})
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return self._error(401, "Invalid API key", rid)
        if path == Endpoint.MODELS.value:
            data = [
                {"id": m, "object": "model", "category": c, "capabilities": []}
                for m, c in (("gemini-2.5-flash-image", "image"), ("veo", "video"))
            ]
            return httpx2.Response(200, json={"object": "list", "data": data}, headers=rid)
        if path.startswith(Endpoint.TASKS.value + "/"):
            task_id = path.rsplit("/", 1)[1]
            if task_id not in self.tasks:
                return self._error(404, "Task not found", rid)
            self.tasks[task_id] += 1
            done = self.tasks[task_id] >= 2
            body: dict[str, Any] = {
                "id": task_id,
                "status": "completed" if done else "processing",
                "progress": 100 if done else 50,
                "model": "veo",
            }
            if done:
                body["result"] = {"type": "video", "data": [{"url": "https://cdn.mock/files/v.png"}]}
            return httpx2.Response(200, json=body, headers=rid)
        multipart = request.headers.get("content-type", "").startswith("multipart/")
        fields: dict[str, Any] = {} if multipart else json.loads(request.content)
        if multipart:
            fields = {"model": "nano-banana", "prompt": "p", "image": ["x.png"]}
        violations = check_request(path, fields, multipart=multipart)
        if violations:
            return self._error(400, violations[0].message, rid)
        price = estimate_credits(str(fields.get("model", "")), int(fields.get("n", 1) or 1)) or 10.0
        if self.balance < price:
            return self._error(402, "Insufficient credits", rid)
        if path.startswith("/v1/async/"):
            task_id = f"task_mock_{next(self.ids)}"
            self.tasks[task_id] = 0
            return httpx2.Response(
                200,
                json={
                    "status": "submitted",
                    "id": task_id,
                    "progress": 0,
                    "created_at": 1703884800,
                    "model": fields["model"],
                },
                headers=rid,
            )
        self.balance -= price
        return httpx2.Response(
            200, json={"created": 1766880000, "data": [{"url": "https://cdn.mock/files/i.png"}]}, headers=rid
        )

    @staticmethod
    def _error(status: int, message: str, headers: dict[str, str]) -> httpx2.Response:
        return httpx2.Response(
            status, json={"error": {"code": status, "message": message, "type": "x"}}, headers=headers
        )


@dataclass
class Backend:
    client: api.PixapiClient
    inject: Callable[[str, int, float | None], None]
    set_balance: Callable[[float], None]
    posts: Callable[[], int]
    tick: Callable[[], None]
    sleeps: list[float]


BACKENDS = ["mock", "sandbox-asgi", "sandbox-http"]


@asynccontextmanager
async def backend(kind: str, key: str = KEY) -> AsyncIterator[Backend]:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await anyio.lowlevel.checkpoint()

    if kind == "mock":
        mock = MockPixapi()
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(mock.handler)) as http:
            client = api.PixapiClient(http, base_url="https://api.mock", api_key=key, sleep=sleep)
            yield Backend(
                client,
                lambda p, s, r: mock.faults.append((p, s, r)),
                lambda b: setattr(mock, "balance", b),
                lambda: mock.posts,
                lambda: None,
                sleeps,
            )
        return
    clock = ManualClock()
    config = SandboxConfig(clock=clock, image_task_seconds=1.0, video_task_seconds=1.0)

    def make(state: Any, client: api.PixapiClient) -> Backend:
        def inject(prefix: str, status: int, retry_after: float | None) -> None:
            state.inject(
                Fault(kind="status", status=status, path_prefix=prefix, retry_after=retry_after or 1.0)
            )

        return Backend(
            client,
            inject,
            lambda b: state.set_balance(KEY, b),
            lambda: sum(1 for r in state.requests if r.method == "POST"),
            lambda: clock.advance(0.6),
            sleeps,
        )

    if kind == "sandbox-asgi":
        app = create_app(config)
        async with httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.test"
        ) as http:
            yield make(
                app.state.sandbox,
                api.PixapiClient(http, base_url="http://sandbox.test", api_key=key, sleep=sleep),
            )
        return
    with running_sandbox(config) as running:
        async with httpx2.AsyncClient() as http:
            yield make(
                running.state, api.PixapiClient(http, base_url=running.base_url, api_key=key, sleep=sleep)
            )


IMAGE = ImageGenerationRequest(model="nano-banana", prompt="a red fox", n=1, size="1024x1024")


@pytest.mark.parametrize("kind", BACKENDS)
async def test_sync_image_then_download(kind: str, tmp_path: Path) -> None:
    async with backend(kind) as b:
        response = await b.client.create_image(IMAGE)
        url = response.data[0].url
        assert url and url.startswith("http")
        saved = await b.client.download(url, tmp_path / "fox.png", max_bytes=50_000_000)
        with Image.open(saved.path) as img:
            img.verify()
        assert b.posts() == 1


@pytest.mark.parametrize("kind", BACKENDS)
async def test_async_video_is_polled_to_a_result_url(kind: str) -> None:
    async with backend(kind) as b:
        submission = await b.client.submit_video(
            VideoGenerationRequest(model="veo", prompt="waves", duration=2)
        )
        assert submission.status == "submitted" and submission.progress == 0 and submission.id
        task = await b.client.get_task(submission.id)
        for _ in range(10):
            if task.is_terminal:
                break
            b.tick()
            task = await b.client.get_task(submission.id)
        assert task.status == "completed" and task.output_urls()


@pytest.mark.parametrize("kind", BACKENDS)
async def test_multipart_edit_is_accepted(kind: str) -> None:
    async with backend(kind) as b:
        request = ImageEditRequest(
            model="nano-banana",
            prompt="warm background",
            images=(ImageFile("a.png", _png()), ImageFile("b.png", _png("blue"))),
        )
        submission = await b.client.submit_image_edit(request)
        assert submission.id


@pytest.mark.parametrize("kind", BACKENDS)
async def test_models_list_has_canonical_ids(kind: str) -> None:
    async with backend(kind) as b:
        ids = {m.id for m in (await b.client.list_models()).data}
        assert {"gemini-2.5-flash-image", "veo"} <= ids and "nano-banana" not in ids
        assert "gemini-2.5-flash-image" in b.client.known_models


@pytest.mark.parametrize("kind", BACKENDS)
async def test_wrong_key_is_an_authentication_error(kind: str) -> None:
    async with backend(kind, key="sk-wrong") as b:
        with pytest.raises(api.AuthenticationError) as caught:
            await b.client.create_image(IMAGE)
        assert caught.value.status == 401 and caught.value.request_id


@pytest.mark.parametrize("kind", BACKENDS)
async def test_short_balance_is_insufficient_credits(kind: str) -> None:
    async with backend(kind) as b:
        b.set_balance(1.0)
        with pytest.raises(api.InsufficientCreditsError) as caught:
            await b.client.create_image(IMAGE)
        assert caught.value.status == 402 and not caught.value.retryable


@pytest.mark.parametrize("kind", BACKENDS)
async def test_unknown_task_is_not_found(kind: str) -> None:
    async with backend(kind) as b:
        with pytest.raises(api.NotFoundError):
            await b.client.get_task("task_does_not_exist")


@pytest.mark.parametrize("kind", BACKENDS)
async def test_get_retries_503_and_honours_retry_after(kind: str) -> None:
    async with backend(kind) as b:
        b.inject("/v1/models", 503, None)
        b.inject("/v1/models", 429, 3.0)
        assert (await b.client.list_models()).data
        assert len(b.sleeps) == 2 and 3.0 in [round(s) for s in b.sleeps]


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("status", [429, 500, 503])
async def test_post_failure_is_sent_once(kind: str, status: int) -> None:
    async with backend(kind) as b:
        b.inject("/v1/images/generations", status, 1.0)
        with pytest.raises(api.PixapiError) as caught:
            await b.client.create_image(IMAGE)
        assert caught.value.status == status and caught.value.sent and b.posts() == 1


@pytest.mark.parametrize("kind", BACKENDS)
async def test_forbidden_requests_never_reach_the_backend(kind: str) -> None:
    async with backend(kind) as b:
        forbidden: list[ImageGenerationRequest | VideoGenerationRequest] = [
            VideoGenerationRequest(model="nano-banana", prompt="p"),
            VideoGenerationRequest(model="veo", prompt="p", controls={"seconds": 5}),
            VideoGenerationRequest(model="veo", prompt="p", controls={"image_url": "https://x/a.png"}),
            ImageGenerationRequest(model="veo", prompt="p"),
            ImageGenerationRequest(model="nano-banana", prompt="p", controls={"async": True}),
        ]
        for request in forbidden:
            with pytest.raises(api.ContractError):
                if isinstance(request, VideoGenerationRequest):
                    await b.client.submit_video(request)
                else:
                    await b.client.submit_image(request)
        assert b.posts() == 0
