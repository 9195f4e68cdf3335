"""The MCP tools through the SDK's own client, against the real sandbox, in both protocol eras."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp_types import ImageContent
from PIL import Image

from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import Fault, SandboxConfig
from tests.server_harness import ALL_TOOLS, PAID_TOOLS, harness, structured, text_of

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


async def test_results_carry_small_previews_not_blobs(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool(
            "generate_image", {"prompt": "big poster", "size": "2048x2048", "response_format": "b64_json"}
        )
        data = structured(result)
        previews = [b for b in result.content if isinstance(b, ImageContent)]
        assert len(previews) == 1
        raw = base64.b64decode(previews[0].data)
        assert len(raw) < 200_000
        with Image.open(io.BytesIO(raw)) as img:
            assert max(img.size) <= 256
        # b64_json answers become files; the base64 never reaches the model.
        assert Path(data["data"][0]["path"]).stat().st_size > 10_000
        assert "b64_json" not in str(data) and len(str(result.content[0])) < 4000


async def test_files_never_overwrite(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        paths = set()
        for _ in range(3):
            out = structured(await client.call_tool("generate_image", {"prompt": "same prompt", "n": 2}))
            paths.update(item["path"] for item in out["data"])
        assert len(paths) == 6 and all(Path(p).is_file() for p in paths)


async def test_workspace_root_and_output_dir(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    workspace = tmp_path / "project"
    workspace.mkdir()
    async with harness(make_settings) as h, h.client("legacy", roots=[workspace.as_uri()]) as client:
        out = structured(await client.call_tool("generate_image", {"prompt": "hero"}))
        assert Path(out["data"][0]["path"]).parent == workspace / "pixapi-output"
        out = structured(
            await client.call_tool("generate_image", {"prompt": "hero", "output_dir": "public/img"})
        )
        assert Path(out["data"][0]["path"]).parent == workspace / "public" / "img"
        bad = await client.call_tool("generate_image", {"prompt": "x", "output_dir": "/etc"})
        assert bad.is_error and "outside the allowed folders" in text_of(bad)
        bad = await client.call_tool("generate_image", {"prompt": "x", "output_dir": "../../escape"})
        assert bad.is_error
    assert not (tmp_path / "escape").exists()


MISUSES: list[tuple[str, dict[str, Any], str]] = [
    ("generate_image", {"prompt": "p", "model": "veo"}, "video-model-on-image-endpoint"),
    ("create_video", {"prompt": "p", "model": "nano-banana"}, "image-model-on-video-endpoint"),
    ("generate_image", {"prompt": "p", "controls": {"async": True}}, "async-endpoint"),
    ("create_video", {"prompt": "p", "controls": {"seconds": 5}}, "duration-field"),
    ("create_video", {"prompt": "p", "controls": {"image_url": "https://x.test/a.png"}}, "input-image-field"),
    ("generate_image", {"prompt": "p", "model": "nano-bananna"}, "unknown-model"),
    ("generate_image", {"prompt": "p", "controls": {"quality": "ultra"}}, "quality-value"),
    ("generate_image", {"prompt": "p", "size": "big"}, "size"),
    ("generate_image", {"prompt": "p", "n": 0}, "n"),
    ("generate_image", {"prompt": "p", "quality": "ultra"}, "quality"),
    ("generate_image", {"prompt": "p", "response_format": "png"}, "response_format"),
    ("generate_image", {"prompt": ""}, "prompt"),
    ("create_video", {"prompt": "p", "input_image": "/tmp/local.png"}, "input_image must be an http(s) URL"),
    ("create_video", {"prompt": "p", "duration": -3}, "duration"),
]


@pytest.mark.parametrize(("tool", "args", "expect"), MISUSES, ids=[m[2] + ":" + m[0] for m in MISUSES])
async def test_misuse_is_actionable_and_sends_nothing(
    make_settings: Callable[..., Settings], tool: str, args: dict[str, Any], expect: str
) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool(tool, args)
        assert result.is_error
        text = text_of(result)
        assert expect in text
        assert "retryable: no" in text or "validation error" in text.lower()
        assert h.posts() == []


async def test_did_you_mean_for_unknown_model(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool("generate_image", {"prompt": "p", "model": "nano-bananna"})
        assert "Did you mean `nano-banana`" in text_of(result)
        assert h.posts() == []


async def test_api_error_maps_to_tool_error_with_request_id(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        h.sandbox.set_balance("sk-sandbox", 1.0)
        result = await client.call_tool("generate_image", {"prompt": "p", "model": "nano-banana-pro"})
        assert result.is_error
        text = text_of(result)
        assert "category: credits" in text and "retryable: no" in text and "request_id: req_" in text
        rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert rows[0]["status"] == "rejected"


async def test_post_is_never_resent_after_a_server_error(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        h.sandbox.inject(Fault(kind="status", status=503, path_prefix="/v1/async/"), times=1)
        result = await client.call_tool("generate_image", {"prompt": "p"})
        assert result.is_error and "retryable: yes" in text_of(result)
        assert len(h.posts()) == 1


async def test_failed_task_is_an_error_and_not_charged(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        before = h.sandbox.balance("sk-sandbox")
        h.sandbox.inject(Fault(kind="task_fail", path_prefix="/v1/async/"), times=1)
        result = await client.call_tool("generate_image", {"prompt": "p"})
        assert result.is_error and "category: task_failed" in text_of(result)
        assert h.sandbox.balance("sk-sandbox") == before
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


async def test_list_models_merges_live_and_catalog(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        out = structured(await client.call_tool("list_models", {}))
        assert out["source"] == "live+catalog"
        by_id = {m["id"]: m for m in out["data"]}
        assert by_id["gemini-2.5-flash-image"]["aliases"] == ["nano-banana"]
        assert by_id["gemini-2.5-flash-image"]["credits_from"] == 2.0
        assert by_id["veo"]["category"] == "video" and by_id["veo"]["live"] is True


async def test_list_models_answers_offline_from_catalog(make_settings: Callable[..., Settings]) -> None:
    import httpx2

    from pixapi_mcp.server import build_server

    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("network unreachable", request=request)

    from mcp.client import Client

    settings = make_settings({"PIXAPI_KEY": "sk-x"})
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(refuse)) as http:
        server = build_server(settings, http, timer=_NoWait())
        async with Client(server) as client:
            out = structured(await client.call_tool("list_models", {}))
    assert out["source"] == "catalog" and "could not be fetched" in out["note"]
    assert {m["id"] for m in out["data"]} >= {"gemini-2.5-flash-image", "veo", "wan", "gpt-image-2"}


class _NoWait:
    def now(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        await anyio.lowlevel.checkpoint()


async def test_annotations_are_truthful(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == ALL_TOOLS
    for name, tool in tools.items():
        ann = tool.annotations
        assert ann is not None, name
        assert tool.description and len(tool.description) > 80, name
        assert tool.output_schema is not None, name
        assert "anyOf" not in tool.input_schema and "oneOf" not in tool.input_schema, name
        if name in PAID_TOOLS:
            assert (
                ann.read_only_hint is False and ann.idempotent_hint is False and ann.open_world_hint is True
            )
        else:
            assert ann.read_only_hint is True, name


async def test_read_only_registers_no_paid_tools(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings, read_only=True) as h, h.client() as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert not names & PAID_TOOLS and "get_task" in names
        result = await client.call_tool("generate_image", {"prompt": "p"})
        assert result.is_error


async def test_local_edit_inputs_are_checked(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.png").write_text("not an image")
    outside = tmp_path / "secret.png"
    Image.new("RGB", (8, 8)).save(outside)
    (out / "link.png").symlink_to(outside)
    async with harness(make_settings) as h, h.client() as client:
        for image, expect in [
            (str(out / "notes.png"), "not a readable image"),
            (str(outside), "outside the allowed folders"),
            (str(out / "link.png"), "outside the allowed folders"),
            (str(out / "missing.png"), "does not exist"),
            ("data:image/png;base64,!!!", "not valid base64"),
        ]:
            result = await client.call_tool("edit_image", {"prompt": "p", "image": image})
            assert result.is_error and expect in text_of(result), (image, text_of(result))
        assert h.posts() == []


async def test_edit_with_several_inputs_and_data_uri(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = out / "a.png"
    Image.new("RGB", (64, 64), "red").save(first)
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "blue").save(buf, format="PNG")
    data_uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    async with harness(make_settings) as h, h.client() as client:
        result = structured(
            await client.call_tool("edit_image", {"prompt": "combine", "image": [str(first), data_uri]})
        )
        assert Path(result["data"][0]["path"]).is_file()
        assert h.posts()[-1].image_parts == 2


async def test_unknown_task_id_leaves_no_ledger_row(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool("get_task", {"task_id": "task_not_real"})
        assert result.is_error and "category: not_found" in text_of(result)
        assert structured(await client.call_tool("list_tasks", {}))["tasks"] == []


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
    from mcp.client import Client

    from pixapi_mcp.sandbox import ManualClock, create_app
    from pixapi_mcp.server import build_server
    from tests.server_harness import SANDBOX_URL, SharedTimer

    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock))
    app.state.sandbox.inject(Fault(kind="latency", seconds=0.3, path_prefix="/v1/async/"), times=1)
    transport = _SignallingTransport(httpx2.ASGITransport(app=app))
    settings = make_settings({"PIXAPI_KEY": "sk-sandbox", "PIXAPI_BASE_URL": SANDBOX_URL}, sandbox=True)
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


def test_poll_policy_is_bounded_and_follows_the_task() -> None:
    from pixapi_mcp.tools import MAX_POLL_INTERVAL_S, MIN_POLL_INTERVAL_S, next_poll_delay

    for age in (0.0, 1.0, 30.0, 1e6):
        for progress in (0, 1, 50, 99, 100):
            for polls in (0, 1, 10, 100):
                assert MIN_POLL_INTERVAL_S <= next_poll_delay(age, progress, polls) <= MAX_POLL_INTERVAL_S
    # Without progress: back off with the task's age. With progress: aim at half the time left.
    assert next_poll_delay(4.0, 0, 1) < next_poll_delay(40.0, 0, 1)
    assert next_poll_delay(10.0, 50, 1) == 5.0
    assert next_poll_delay(10.0, 95, 1) < next_poll_delay(10.0, 20, 1)


async def test_agent_loop_keeps_the_polling_pace_across_calls(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings, SandboxConfig(video_task_seconds=600.0)) as h, h.client() as client:
        handle = structured(await client.call_tool("create_video", {"prompt": "long", "wait_s": 0}))
        delays = [handle["poll_after_s"]]
        for _ in range(5):
            await h.timer.sleep(delays[-1])  # the agent waits as told, then looks once
            out = structured(await client.call_tool("get_task", {"task_id": handle["id"], "wait_s": 0}))
            delays.append(out["poll_after_s"])
        assert delays == sorted(delays) and delays[-1] == 10.0


@pytest.mark.parametrize("shape", ["url", "b64_json"])
async def test_an_unreadable_image_output_is_not_reported_as_saved(
    make_settings: Callable[..., Settings], shape: str
) -> None:
    from mcp.client import Client

    from pixapi_mcp.server import build_server

    garbage = b"\x89PNG\r\n\x1a\n garbage"

    def api(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/v1/images/generations":
            item = (
                {"url": "https://cdn.test/out.png"}
                if shape == "url"
                else {"b64_json": base64.b64encode(garbage).decode()}
            )
            return httpx2.Response(200, json={"created": 1, "data": [item]})
        return httpx2.Response(200, content=garbage, headers={"content-type": "image/png"})

    settings = make_settings({"PIXAPI_KEY": "sk-x"})
    async with (
        httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http,
        Client(build_server(settings, http, timer=_NoWait())) as client,
    ):
        out = structured(await client.call_tool("generate_image", {"prompt": "p", "sync": True}))
    item = out["data"][0]
    assert item["path"] is None and "not a readable image" in item["download_error"]
    assert "get_task again" in out["next_step"]
    assert list((settings.default_output_dir).glob("*")) == []
