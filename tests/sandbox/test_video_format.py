"""Sandbox videos as H.264 MP4 (``video_format="mp4"``, ``PIXAPI_SANDBOX_VIDEO_FORMAT=mp4``):
browsers cannot play the default MJPEG AVI, so a sandbox that feeds the MCP App's player writes
what the real models deliver. Judged by an independent reader (PyAV's demuxer and this package's
``video_facts``), not by the writer's own account."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx2
import pytest

from pixapi_mcp.config import Settings, SettingsError
from pixapi_mcp.contract import task_path
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, create_app, render
from pixapi_mcp.video_facts import describe_video
from tests.sandbox.harness import AUTH, BASE, KEY, VIDEO

av = pytest.importorskip("av")


def _frames(seconds: float = 2.0) -> tuple[list[bytes], tuple[int, int]]:
    size = (320, 180)
    source = render.source_for_video(None, "a fox", "veo", size)
    return render.render_video_frames(source, size, seconds, "a fox"), size


def test_write_mp4_is_h264_of_every_frame_at_the_frame_rate(tmp_path: Path) -> None:
    frames, size = _frames()
    data = render.write_mp4(frames, size, render.VIDEO_FPS)
    assert data[4:8] == b"ftyp"
    container: Any = av.open(io.BytesIO(data))
    stream = container.streams.video[0]
    decoded = list(container.decode(stream))
    assert stream.codec_context.name == "h264"
    assert (stream.codec_context.width, stream.codec_context.height) == size
    assert len(decoded) == len(frames) == 16
    container.close()

    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    facts, poster = describe_video(path)
    assert facts.media_type == "video/mp4"
    assert (facts.width, facts.height) == size
    assert facts.duration == pytest.approx(2.0, abs=0.01)
    assert facts.codec == "avc1"
    assert poster.jpeg is not None


def test_padding_grows_the_file_with_a_box_readers_skip() -> None:
    frames, size = _frames(1.0)
    data = render.write_mp4(frames, size, render.VIDEO_FPS, pad_to_bytes=300_000)
    assert len(data) == 300_000
    boxes: list[bytes] = []
    offset = 0
    while offset < len(data):  # the top-level boxes, by their own sizes
        boxes.append(data[offset + 4 : offset + 8])
        offset += int.from_bytes(data[offset : offset + 4], "big")
    assert offset == len(data) and boxes[0] == b"ftyp" and boxes[-1] == b"free"
    container: Any = av.open(io.BytesIO(data))
    assert len(list(container.decode(video=0))) == len(frames)
    container.close()


@pytest.mark.anyio
async def test_a_video_task_in_mp4_is_served_as_video_mp4() -> None:
    clock = ManualClock()
    app = create_app(SandboxConfig(keys={KEY: 100.0}, clock=clock).with_video_format("mp4"))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        submitted = await http.post(VIDEO, json={"model": "veo", "prompt": "waves", "duration": 2})
        clock.advance(1000)
        done = (await http.get(task_path(submitted.json()["id"]))).json()
        url = done["result"]["data"][0]["url"]
        assert url.endswith(".mp4")
        video = await http.get(url)
    assert video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"


def test_the_setting_is_read_from_the_environment_and_checked(tmp_path: Path) -> None:
    base = {"HOME": str(tmp_path)}
    assert Settings.from_env(base).sandbox_video_format is None
    assert SandboxConfig().video_format == "avi"
    assert Settings.from_env({**base, "PIXAPI_SANDBOX_VIDEO_FORMAT": "mp4"}).sandbox_video_format == "mp4"
    with pytest.raises(SettingsError, match="PIXAPI_SANDBOX_VIDEO_FORMAT"):
        Settings.from_env({**base, "PIXAPI_SANDBOX_VIDEO_FORMAT": "webm"})
