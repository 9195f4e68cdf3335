"""Results read the way hosts read them.

Claude Code hands the model only ``JSON.stringify(structuredContent)`` when a result has one
(anthropics/claude-code#79944); other hosts hand it only the text. So: everything the model needs
(what happened, paths, URLs, credits, the next call) is in the structured content of every tool,
and the text is a short rendering of the same, never a second copy of the JSON. Credits are judged
against the sandbox's own balance, not against what the server says about itself.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client
from mcp_types import CallToolResult, ImageContent, TextContent
from PIL import Image, ImageChops, ImageStat

from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import SandboxConfig, render
from pixapi_mcp.server import build_server
from pixapi_mcp.tool_result import TEXT_LIMIT
from tests.server_harness import ALL_TOOLS, SANDBOX_URL, harness, structured, text_of
from tests.tools import NoWait

pytestmark = pytest.mark.anyio

KEY = "sk-sandbox"
BAD_CODE = (
    "import requests\n"
    "requests.post('https://api.pixapi.ai/v1/videos/generations',\n"
    "    json={'model': 'veo', 'prompt': 'x', 'seconds': 5, 'image_url': 'https://a/b.png', 'async': True})\n"
)


async def seen_by_structured_only_host(
    client: Client, tool: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    """What a host that forwards only ``JSON.stringify(structuredContent)`` gives the model: the
    text and image blocks are dropped, the structured content goes through JSON and back."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None, f"{tool} has no structured content"
    return json.loads(json.dumps(result.structured_content, separators=(",", ":")))


def _images(result: CallToolResult) -> list[Image.Image]:
    blocks = [b for b in result.content if isinstance(b, ImageContent)]
    return [Image.open(io.BytesIO(base64.b64decode(b.data))) for b in blocks]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_host_that_forwards_only_structured_content_finds_what_to_do(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    async with (
        harness(make_settings, SandboxConfig(video_task_seconds=20.0)) as h,
        h.client(mode=mode) as client,
    ):
        used: set[str] = set()

        async def host(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
            used.add(tool)
            return await seen_by_structured_only_host(client, tool, arguments)

        # An image that finishes within the call: paths, URLs, the charge, the next step.
        before = h.sandbox.balance(KEY)
        images = await host("generate_image", {"prompt": "a red fox", "n": 2})
        assert images["status"] == "completed" and images["summary"].startswith("2 images completed")
        assert images["credits"]["charged"] == before - h.sandbox.balance(KEY) > 0
        for item in images["data"]:
            assert Path(item["path"]).is_file() and item["url"].startswith(SANDBOX_URL)
            assert (item["width"], item["height"]) == Image.open(item["path"]).size
        assert "data[0].path" in images["next_step"] and images["next_call"] is None

        # A video that does not: the handle says which call to make, and when.
        handle = await host("create_video", {"prompt": "waves at dusk", "size": "16:9", "wait_s": 0})
        assert handle["status"] in ("submitted", "processing") and handle["poll_after_s"] > 0
        call = handle["next_call"]
        assert call["tool"] == "get_task" and call["arguments"]["task_id"] == handle["id"]
        assert "get_task(" in handle["next_step"] and handle["id"] in handle["summary"]

        # list_tasks offers the same call for the unfinished row, and paths and credits for the rest.
        listed = await host("list_tasks", {})
        rows = {row["id"]: row for row in listed["tasks"]}
        assert rows[handle["id"]]["next_call"] == call
        assert rows[images["id"]]["paths"] == [item["path"] for item in images["data"]]
        assert rows[images["id"]]["credits_charged"] == images["credits"]["charged"]
        assert listed["summary"] and "next_call" in listed["next_step"]

        # Following next_call exactly as given finishes the video, without sending it again.
        before = h.sandbox.balance(KEY)
        done = await host(call["tool"], call["arguments"])
        assert done["status"] == "completed" and done["next_call"] is None
        video = done["result"]["data"][0]
        assert Path(video["path"]).is_file() and video["url"].startswith(SANDBOX_URL)
        assert (video["width"], video["height"]) == render.video_size("16:9")
        assert done["credits"]["charged"] == before - h.sandbox.balance(KEY) > 0
        assert "result.data[0].path" in done["next_step"] and done["summary"].startswith("1 video completed")
        assert [r.path for r in h.posts() if "videos" in r.path] == ["/v1/async/videos/generations"]

        models = await host("list_models", {})
        assert {"veo", "gemini-2.5-flash-image"} <= {m["id"] for m in models["data"]}
        assert "create_video" in models["next_step"] and models["summary"]

        docs = await host("search_docs", {"query": "how do I poll a video task"})
        assert docs["hits"] and docs["hits"][0]["uri"] in docs["next_step"] and docs["summary"]

        checked = await host("check_code", {"code": BAD_CODE, "language": "python"})
        assert not checked["ok"] and all(f["fix"] for f in checked["findings"])
        assert "check_code again" in checked["next_step"]

        edit_input = images["data"][0]["path"]
        edited = await host("edit_image", {"prompt": "make it blue", "image": edit_input})
        assert Path(edited["data"][0]["path"]).is_file() and edited["credits"]["charged"]
        assert edited["next_step"]
        assert used == ALL_TOOLS


def _assert_short(result: CallToolResult) -> str:
    assert not result.is_error, text_of(result)
    (text,) = [b.text for b in result.content if isinstance(b, TextContent)]
    assert 0 < len(text) <= TEXT_LIMIT, f"{len(text)} characters:\n{text}"
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)  # a rendering, not a copy of the structured content
    summary, first = (result.structured_content or {})["summary"], text.split("\n")[0]
    assert first.startswith(summary) or summary.startswith(first.rstrip("…")), (first, summary)
    return text


async def test_every_result_text_is_short_and_no_copy_of_the_json(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    deep = tmp_path / "a-rather-long-folder-name-for-the-generated-assets" / "of-this-project" / "and-more"
    settings_env = {"PIXAPI_ALLOWED_DIRS": str(tmp_path), "PIXAPI_CONFIRM_ABOVE_CREDITS": "1000"}
    async with (
        harness(make_settings, SandboxConfig(video_task_seconds=600.0), env=settings_env) as h,
        h.client() as client,
    ):
        many = await client.call_tool(
            "generate_image", {"prompt": "a fox " * 50, "n": 4, "output_dir": str(deep)}
        )
        text = _assert_short(many)
        assert "more in the structured result" in text and text.endswith(structured(many)["next_step"])
        assert len(_images(many)) == 4  # previews stay for hosts that show them
        handle = await client.call_tool("create_video", {"prompt": "slow", "wait_s": 0})
        assert _assert_short(handle).endswith(structured(handle)["next_step"])
        for _ in range(30):  # rows enough to overflow any text
            await client.call_tool("create_video", {"prompt": "queued " * 20, "wait_s": 0})
        for tool, arguments in (
            ("list_tasks", {"limit": 200}),
            ("list_models", {}),
            ("search_docs", {"query": "poll a video task and read result.data", "max_chars": 50_000}),
            ("check_code", {"code": BAD_CODE * 20, "language": "python"}),
            ("check_code", {"code": "print('hello')", "language": "python"}),
            ("get_task", {"task_id": structured(handle)["id"], "wait_s": 0}),
        ):
            _assert_short(await client.call_tool(tool, arguments))


async def test_a_video_result_has_its_real_size_length_and_a_poster(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings, SandboxConfig(video_task_seconds=5.0)) as h, h.client() as client:
        result = await client.call_tool(
            "create_video", {"prompt": "a lighthouse", "size": "480x320", "duration": 3}
        )
        data = structured(result)
        assert data["status"] == "completed" and video_path_in(_assert_short(result), data)
        video = data["result"]["data"][0]
        assert (video["width"], video["height"]) == render.video_size("480x320")
        assert video["duration"] == render.video_seconds(3)
        assert video["media_type"] == "video/x-msvideo" and video["preview_note"] is None
        (poster,) = _images(result)
        assert poster.format == "JPEG" and max(poster.size) <= 256
        assert abs(poster.width / poster.height - 480 / 320) < 0.02
        # The poster is the first frame: compare it with the sandbox's own first frame.
        first = render.render_video_frames(
            render.source_for_video(None, "a lighthouse", "veo", (480, 320)), (480, 320), 3, "a lighthouse"
        )[0]
        expected = Image.open(io.BytesIO(first)).convert("RGB").resize(poster.size)
        diff = sum(ImageStat.Stat(ImageChops.difference(expected, poster.convert("RGB"))).mean) / 3
        assert diff < 12, diff


def video_path_in(text: str, data: dict[str, Any]) -> bool:
    return data["result"]["data"][0]["path"] in text


def _stable(data: dict[str, Any]) -> dict[str, Any]:
    """A read without what may legitimately change between reads: the session's credit total."""
    copy = json.loads(json.dumps(data))
    copy["credits"].pop("session_total")
    return copy


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("create_video", {"prompt": "a slow pan", "wait_s": 0}),
        ("generate_image", {"prompt": "an owl", "wait_s": 0}),
    ],
)
async def test_every_read_of_a_task_answers_with_the_same_fields(
    make_settings: Callable[..., Settings], tool: str, arguments: dict[str, Any]
) -> None:
    async with harness(make_settings, SandboxConfig(video_task_seconds=20.0)) as h:
        async with h.client() as client:
            handle = structured(await client.call_tool(tool, arguments))
            first = structured(await client.call_tool("get_task", handle["next_call"]["arguments"]))
            second = structured(await client.call_tool("get_task", {"task_id": handle["id"]}))
        async with h.client(mode="legacy") as restarted:  # a new server on the same ledger and files
            third = structured(await restarted.call_tool("get_task", {"task_id": handle["id"]}))
        gets = [r for r in h.sandbox.requests if r.path.startswith("/files/")]
    assert first["status"] == "completed" and first["created_at"] == handle["created_at"]
    assert first["result"]["type"] in ("image", "video")
    assert _stable(first) == _stable(second) == _stable(third)
    assert len(gets) == 1  # the file was downloaded once; later reads use the saved file


async def test_an_mp4_video_from_the_api_gets_its_size_and_a_decoded_poster(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Hosted video APIs return H.264 in MP4: the size comes from its headers, the poster from
    PyAV (the ``video`` extra), on a task this server did not submit."""
    av: Any = pytest.importorskip("av")
    clip = tmp_path / "made.mp4"
    with av.open(str(clip), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for i in range(8):
            frame = av.VideoFrame.from_image(Image.new("RGB", (160, 96), (30, 90, 200 - i * 10)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)

    def api(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/v1/tasks/task_mp4":
            task = {
                "id": "task_mp4",
                "status": "completed",
                "progress": 100,
                "model": "veo",
                "credits_cost": 10,
                "created": 1763088289,
                "result": {"type": "video", "data": [{"url": "https://cdn.test/v/clip.mp4"}]},
            }
            return httpx2.Response(200, json=task)
        return httpx2.Response(200, content=clip.read_bytes(), headers={"content-type": "video/mp4"})

    settings = make_settings({"PIXAPI_KEY": "sk-x"})
    async with (
        httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http,
        Client(build_server(settings, http, timer=NoWait())) as client,
    ):
        result = await client.call_tool("get_task", {"task_id": "task_mp4"})
        again = await client.call_tool("get_task", {"task_id": "task_mp4"})
    data = structured(result)
    video = data["result"]["data"][0]
    assert (video["media_type"], video["width"], video["height"]) == ("video/mp4", 160, 96)
    assert video["duration"] == pytest.approx(1.0, abs=0.2) and video["preview_note"] is None
    (poster,) = _images(result)
    assert poster.size == (160, 96)
    assert data["created_at"] == 1763088289 and data["credits"]["charged"] == 10
    # The second read reuses the saved video (a task of unknown kind is never taken for an image).
    assert _stable(structured(again)) == _stable(data) and len(_images(again)) == 1
    assert Path(video["path"]).is_file()
