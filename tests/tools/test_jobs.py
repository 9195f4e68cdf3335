"""The paid-job flow end to end: generate, edit, animate and poll; nothing paid is lost or sent twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp_types import CallToolResult
from PIL import Image

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import Fault, ManualClock, SandboxConfig, create_app
from pixapi_mcp.server import build_server
from tests.server_harness import SANDBOX_URL, SharedTimer, harness, structured, text_of

pytestmark = pytest.mark.anyio


MODES = ["auto", "legacy"]


@pytest.mark.parametrize("mode", MODES)
async def test_generate_edit_animate_poll(
    make_settings: Callable[..., Settings], tmp_path: Path, mode: str
) -> None:
    config = SandboxConfig(video_task_seconds=600.0)
    async with harness(make_settings, config) as h, h.client(mode) as client:
        seen: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append(progress)

        gen = structured(
            await client.call_tool(
                "generate_image",
                {"prompt": "a red fox in snow", "size": "512x384"},
                progress_callback=on_progress,
            )
        )
        assert gen["status"] == "completed"
        image_path = Path(gen["data"][0]["path"])
        assert image_path.is_file() and image_path.parent == tmp_path / "out"
        with Image.open(image_path) as img:
            assert img.size == (512, 384)
        assert gen["data"][0]["url"].startswith("http://sandbox.test/files/")
        assert gen["credits"]["estimate"] == 2.0
        assert seen == sorted(seen) and len(set(seen)) == len(seen) and seen[-1] == 100

        edited = structured(
            await client.call_tool("edit_image", {"prompt": "add a hat", "image": str(image_path)})
        )
        edit_path = Path(edited["data"][0]["path"])
        assert edit_path.is_file() and edit_path != image_path

        # A 10-minute video: the call returns a handle within its deadline, nothing hangs.
        video = structured(
            await client.call_tool(
                "create_video",
                {"prompt": "the fox walks", "input_image": edited["data"][0]["url"], "duration": 4},
            )
        )
        assert video["status"] in ("submitted", "processing")
        assert video["id"] and video["poll_after_s"] > 0
        assert "get_task" in video["next_step"]
        assert sum(h.timer.slept) <= h.settings.tool_deadline_s

        done: dict[str, Any] = {}
        for _ in range(40):  # bounded: each call waits at most the deadline of sandbox time
            done = structured(await client.call_tool("get_task", {"task_id": video["id"], "wait_s": 45}))
            if done["status"] == "completed":
                break
        assert done["status"] == "completed"
        video_path = Path(done["result"]["data"][0]["path"])
        assert video_path.read_bytes()[:4] == b"RIFF"
        assert done["result"]["data"][0]["url"].startswith("http://sandbox.test/")

        # Asking again reuses the saved file instead of downloading a second copy.
        again = structured(await client.call_tool("get_task", {"task_id": video["id"]}))
        assert again["result"]["data"][0]["path"] == str(video_path)
        assert len(list(video_path.parent.glob("*video*"))) == 1


async def test_post_is_never_resent_after_a_server_error(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        h.sandbox.inject(Fault(kind="status", status=503, path_prefix="/v1/async/"), times=1)
        result = await client.call_tool("generate_image", {"prompt": "p"})
        assert result.is_error and "retryable: yes" in text_of(result)
        assert len(h.posts()) == 1


async def test_failed_task_is_an_error_and_not_charged(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        before = h.sandbox.balance(SANDBOX_KEY)
        h.sandbox.inject(Fault(kind="task_fail", path_prefix="/v1/async/"), times=1)
        result = await client.call_tool("generate_image", {"prompt": "p"})
        assert result.is_error and "category: task_failed" in text_of(result)
        assert h.sandbox.balance(SANDBOX_KEY) == before
        rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert rows[0]["status"] == "failed"


async def test_slow_task_handle_then_resume_in_a_new_server(make_settings: Callable[..., Settings]) -> None:
    config = SandboxConfig(video_task_seconds=3600.0)
    async with harness(make_settings, config) as h:
        async with h.client() as client:
            handle = structured(await client.call_tool("create_video", {"prompt": "slow"}))
            assert handle["status"] != "completed" and handle["id"]
        # A new server process over the same data folder finds the task in the ledger and finishes it.
        h.timer.clock.advance(4000)
        async with h.client("legacy") as client:
            listed = structured(await client.call_tool("list_tasks", {"unfinished_only": True}))
            assert [t["id"] for t in listed["tasks"]] == [handle["id"]]
            done = structured(await client.call_tool("get_task", {"task_id": handle["id"]}))
            assert done["status"] == "completed" and Path(done["result"]["data"][0]["path"]).is_file()
            listed = structured(await client.call_tool("list_tasks", {"unfinished_only": True}))
            assert listed["tasks"] == []


async def test_client_cancel_keeps_the_task(make_settings: Callable[..., Settings]) -> None:
    config = SandboxConfig(video_task_seconds=3600.0)
    async with harness(make_settings, config) as h, h.client() as client:
        first_progress = anyio.Event()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            first_progress.set()

        h.timer.block = True  # the server's first wait blocks until the cancel arrives

        async def call() -> None:
            await client.call_tool("create_video", {"prompt": "cancel me"}, progress_callback=on_progress)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                await first_progress.wait()
                tg.cancel_scope.cancel()
        h.timer.block = False
        rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert rows[0]["id"] and rows[0]["id"].startswith("task_")
        assert len(h.posts()) == 1


class _SignallingTransport(httpx2.AsyncBaseTransport):
    """Delegates to the sandbox, and says when a submission POST has been handed over."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.posted = anyio.Event()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method == "POST":
            self.posted.set()
        return await self.inner.handle_async_request(request)


async def test_cancel_during_the_submission_still_records_the_task(
    make_settings: Callable[..., Settings],
) -> None:
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock))
    app.state.sandbox.inject(Fault(kind="latency", seconds=0.3, path_prefix="/v1/async/"), times=1)
    transport = _SignallingTransport(httpx2.ASGITransport(app=app))
    settings = make_settings({"PIXAPI_KEY": SANDBOX_KEY, "PIXAPI_BASE_URL": SANDBOX_URL}, sandbox=True)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http,
        Client(build_server(settings, http, timer=SharedTimer(clock))) as client,
    ):
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.call_tool, "create_video", {"prompt": "cancel mid-POST"})
                await transport.posted.wait()  # the POST is in flight (0.3 s of sandbox latency)
                tg.cancel_scope.cancel()
        with anyio.fail_after(10):
            rows: list[dict[str, Any]] = []
            while not (rows and rows[0]["id"]):  # bounded: the shielded POST finishes in ~0.3 s
                rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
    assert rows[0]["id"].startswith("task_") and rows[0]["status"] in ("submitted", "processing")


ROUTES: list[tuple[str, dict[str, Any], str]] = [
    ("generate_image", {}, "/v1/async/images/generations"),
    ("generate_image", {"sync": True}, "/v1/images/generations"),
    ("edit_image", {}, "/v1/async/images/edits"),
    ("edit_image", {"sync": True}, "/v1/images/edits"),
    ("create_video", {"wait_s": 0}, "/v1/async/videos/generations"),
]


@pytest.mark.parametrize(("tool", "extra", "path"), ROUTES, ids=[f"{r[0]}:{r[2]}" for r in ROUTES])
async def test_each_paid_tool_sends_once_to_its_endpoint_and_records_it(
    make_settings: Callable[..., Settings], tmp_path: Path, tool: str, extra: dict[str, Any], path: str
) -> None:
    source = tmp_path / "out" / "source.png"
    source.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 32), "red").save(source)
    args: dict[str, Any] = {"prompt": "route", **extra}
    if tool == "edit_image":
        args["image"] = str(source)
    async with harness(make_settings) as h, h.client() as client:
        result = structured(await client.call_tool(tool, args))
        assert [p.path for p in h.posts()] == [path]
        rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
    assert len(rows) == 1 and rows[0]["tool"] == tool and rows[0]["ledger_id"] == result["ledger_id"]
    assert rows[0]["status"] == result["status"]


# -- the tool deadline covers the submission POST ------------------------------------------------


class _SlowAnswer(httpx2.AsyncBaseTransport):
    """The POST reaches the sandbox (which accepts and charges it), but its answer is held back
    until the test lets it go: a slow API, as a 15 s POST under a 3 s deadline was."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.accepted = anyio.Event()
        self.let_go = anyio.Event()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST":
            self.accepted.set()
            await self.let_go.wait()
        return response


@pytest.mark.parametrize(
    ("mode", "extra"), [("auto", {}), ("legacy", {"sync": True})], ids=["async-auto", "sync-legacy"]
)
async def test_a_post_slower_than_the_deadline_returns_unknown_and_its_answer_is_still_recorded(
    make_settings: Callable[..., Settings], mode: str, extra: dict[str, Any]
) -> None:
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock, max_image_side=64))
    sandbox = app.state.sandbox
    transport = _SlowAnswer(httpx2.ASGITransport(app=app))
    settings = make_settings(
        {"PIXAPI_KEY": SANDBOX_KEY, "PIXAPI_BASE_URL": SANDBOX_URL, "PIXAPI_TOOL_DEADLINE_S": "2"},
        sandbox=True,
    )
    async with (
        httpx2.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http,
        Client(build_server(settings, http, timer=SharedTimer(clock)), mode=mode) as client,  # pyright: ignore[reportArgumentType]
    ):
        returned = anyio.Event()

        async def slow_api_gives_up() -> None:
            # Without a deadline over the POST the call would wait for the answer for good: after
            # 10 s this lets the answer go, and the assertions below say what happened.
            with anyio.move_on_after(10):
                await returned.wait()
            if not returned.is_set():
                transport.let_go.set()

        results: list[CallToolResult] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(slow_api_gives_up)
            try:
                results.append(
                    await client.call_tool(
                        "generate_image", {"prompt": "slow answer", "size": "64x64", **extra}
                    )
                )
            finally:
                returned.set()
        [result] = results
        # The call answered while the POST's answer was still held back: the deadline covered it.
        assert transport.accepted.is_set() and not transport.let_go.is_set()
        data = structured(result)
        assert data["status"] == "unknown" and data["id"] is None and data["ledger_id"]
        assert data["next_call"] == {"tool": "list_tasks", "arguments": {"unfinished_only": True}}
        assert "not resent" in data["summary"] and "Do not submit again" in data["next_step"]
        rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert [(r["status"], r["id"]) for r in rows] == [("unknown", None)]

        transport.let_go.set()  # the answer arrives after the call returned
        with anyio.fail_after(20):
            while not (rows[0]["id"] or rows[0]["paths"]):  # bounded: recorded in the background
                rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert len([r for r in sandbox.requests if r.method == "POST"]) == 1  # never resent
        if extra.get("sync"):
            # A synchronous answer carries the images: saved all the same, since they were paid for.
            with anyio.fail_after(20):
                while rows[0]["status"] != "completed":
                    rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
            assert rows[0]["paths"] and Path(rows[0]["paths"][0]).is_file()
        else:
            assert rows[0]["id"] == next(iter(sandbox.tasks)) and rows[0]["status"] in (
                "submitted",
                "processing",
            )
            clock.advance(3600)
            done = structured(await client.call_tool("get_task", {"task_id": rows[0]["id"]}))
            assert done["status"] == "completed" and Path(done["result"]["data"][0]["path"]).is_file()


@pytest.mark.slow  # waits out the server's shutdown grace (SHUTDOWN_GRACE_S) in real time
async def test_a_post_still_unanswered_at_shutdown_is_recorded_as_interrupted(
    make_settings: Callable[..., Settings],
) -> None:
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock, max_image_side=64))
    transport = _SlowAnswer(httpx2.ASGITransport(app=app))
    settings = make_settings(
        {"PIXAPI_KEY": SANDBOX_KEY, "PIXAPI_BASE_URL": SANDBOX_URL, "PIXAPI_TOOL_DEADLINE_S": "2"},
        sandbox=True,
    )
    async with httpx2.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http:
        with anyio.fail_after(30):
            async with Client(build_server(settings, http, timer=SharedTimer(clock))) as client:
                data = structured(await client.call_tool("generate_image", {"prompt": "never answered"}))
                assert data["status"] == "unknown"
            # The server has shut down (after its grace) with the answer still held back.
        transport.let_go.set()
    conn = sqlite3.connect(settings.data_dir / "ledger-sandbox.sqlite3")
    try:
        rows = conn.execute("SELECT status, task_id, error FROM requests").fetchall()
    finally:
        conn.close()
    assert rows == [("unknown", None, "interrupted while sending")]
    assert len([r for r in app.state.sandbox.requests if r.method == "POST"]) == 1
