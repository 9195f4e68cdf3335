"""Async tasks: submission handles, progress from the clock, one render and one charge at
completion, per-key visibility, real PNG and AVI outputs."""

from __future__ import annotations

import io

import httpx2
import pytest
from PIL import Image, ImageStat

from pixapi_mcp.contract import task_path
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, SandboxState, create_app
from tests.sandbox.harness import (
    AUTH,
    BASE,
    KEY,
    OTHER_AUTH,
    VIDEO,
    decode_png,
    error_of,
    finish_task,
    mean_distance,
    near,
    parse_avi,
    png_bytes,
    rgb_at,
)

pytestmark = pytest.mark.anyio


async def test_async_image_task_life_cycle_and_single_charge(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    submitted = await client.post(
        "/v1/async/images/generations", json={"model": "nano-banana-2", "prompt": "a fox", "size": "320x200"}
    )
    assert submitted.status_code == 200
    handle = submitted.json()
    assert set(handle) == {"status", "id", "progress", "created_at", "model"}
    assert handle["status"] == "submitted" and handle["progress"] == 0
    assert handle["model"] == "gemini-3.1-flash-image-preview"
    assert handle["created_at"] == int(clock.now())
    assert handle["id"].startswith("task_") and len(handle["id"]) == 5 + 26

    first = (await client.get(task_path(handle["id"]))).json()
    assert first["status"] == "submitted" and first["progress"] == 0
    progress: list[int] = []
    for _ in range(5):
        clock.advance(0.5)
        task = (await client.get(task_path(handle["id"]))).json()
        assert task["status"] == "processing"
        assert "result" not in task and "credits_cost" not in task
        progress.append(task["progress"])
    assert progress == sorted(progress) and len(set(progress)) == 5
    assert progress[0] >= 1 and progress[-1] <= 99
    assert state.balance(KEY) == 1000.0, "nothing is charged before completion"

    clock.advance(0.5)  # 3.0 s: the default image task duration
    done = (await client.get(task_path(handle["id"]))).json()
    assert done["status"] == "completed" and done["progress"] == 100
    assert done["credits_cost"] == 4.0
    assert done["model"] == "gemini-3.1-flash-image-preview"
    assert done["created"] == handle["created_at"]
    assert done["completed"] == handle["created_at"] + 3
    assert done["result"]["type"] == "image"
    image = decode_png((await client.get(done["result"]["data"][0]["url"])).content)
    assert image.size == (320, 200)
    assert state.balance(KEY) == 996.0

    again = (await client.get(task_path(handle["id"]))).json()
    assert again == done
    assert state.balance(KEY) == 996.0, "charged once"


async def test_task_durations_are_configurable(clock: ManualClock) -> None:
    default = SandboxConfig(clock=clock)
    assert (default.image_task_seconds, default.video_task_seconds) == (3.0, 8.0)
    assert default.with_task_seconds() == default and default.with_task_seconds(None, None) == default
    config = default.with_task_seconds(image=0.0, video=20)
    assert (config.image_task_seconds, config.video_task_seconds) == (0.0, 20.0)
    assert config.clock is clock and default.image_task_seconds == 3.0  # a copy, the rest kept
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=create_app(config)), base_url=BASE, headers=AUTH
    ) as http:
        image = (
            await http.post("/v1/async/images/generations", json={"model": "nano-banana", "prompt": "x"})
        ).json()
        video = (await http.post("/v1/async/videos/generations", json={"model": "veo", "prompt": "x"})).json()
        assert (await http.get(task_path(image["id"]))).json()["status"] == "completed"  # 0 s: at once
        clock.advance(19.9)
        assert (await http.get(task_path(video["id"]))).json()["status"] == "processing"
        clock.advance(0.1)
        assert (await http.get(task_path(video["id"]))).json()["status"] == "completed"


async def test_async_edit_task_renders_from_the_uploads(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    teal = (20, 180, 170)
    submitted = await client.post(
        "/v1/async/images/edits",
        data={"model": "nano-banana", "prompt": "on a beach", "size": "200x200"},
        files={"image": ("p.png", png_bytes(teal), "image/png")},
    )
    assert submitted.status_code == 200, submitted.text
    done = await finish_task(client, clock, submitted.json()["id"])
    out = decode_png((await client.get(done["result"]["data"][0]["url"])).content)
    centre = rgb_at(out, (100, 80))
    assert near(centre, teal, 60)


async def test_video_task_produces_a_playable_mjpeg_avi_from_the_input_image(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    magenta = (220, 30, 200)
    edit = await client.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "keep it pink", "size": "640x360"},
        files={"image": ("pink.png", png_bytes(magenta), "image/png")},
    )
    input_url = edit.json()["data"][0]["url"]
    balance = state.balance(KEY)
    submitted = await client.post(
        VIDEO,
        json={
            "model": "veo",
            "prompt": "slow push in",
            "size": "16:9",
            "duration": 2,
            "input_image": input_url,
        },
    )
    assert submitted.status_code == 200, submitted.text
    task_id = submitted.json()["id"]
    clock.advance(4)
    halfway = (await client.get(task_path(task_id))).json()
    assert halfway["status"] == "processing" and halfway["progress"] == 50
    clock.advance(4)
    done = (await client.get(task_path(task_id))).json()
    assert done["status"] == "completed"
    assert done["result"]["type"] == "video"
    assert done["credits_cost"] == 10.0
    assert state.balance(KEY) == balance - 10.0

    video = await client.get(done["result"]["data"][0]["url"])
    assert video.headers["content-type"] == "video/x-msvideo"
    assert int(video.headers["content-length"]) == len(video.content)
    avi = parse_avi(video.content)
    assert (avi.width, avi.height) == (640, 360)
    assert avi.handler == b"MJPG"
    assert avi.total_frames == avi.index_entries == 16  # 2 s at 8 fps
    first = Image.open(io.BytesIO(avi.frames[0]))
    assert first.format == "JPEG" and first.size == (640, 360)
    last = Image.open(io.BytesIO(avi.frames[-1])).convert("RGB")
    assert mean_distance(first.convert("RGB"), last) > 3, "frames animate"
    top_middle = first.convert("RGB").crop((200, 60, 440, 200))
    mean = tuple(int(v) for v in ImageStat.Stat(top_middle).mean)
    assert near(mean, magenta, 60), mean


async def test_video_without_an_own_input_image_uses_a_placeholder(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    submitted = await client.post(
        VIDEO,
        json={
            "model": "wan",
            "prompt": "waves",
            "size": "720x1280",
            "input_image": "https://example.invalid/a.png",
        },
    )
    assert submitted.status_code == 200
    done = await finish_task(client, clock, submitted.json()["id"])
    assert done["credits_cost"] == 6.0
    avi = parse_avi((await client.get(done["result"]["data"][0]["url"])).content)
    assert (avi.width, avi.height) == (360, 640)


async def test_tasks_are_per_key_and_unknown_ids_are_404(client: httpx2.AsyncClient) -> None:
    submitted = await client.post(
        "/v1/async/images/generations", json={"model": "nano-banana", "prompt": "x"}
    )
    task_id = submitted.json()["id"]
    assert (await client.get(task_path(task_id))).status_code == 200
    other = await client.get(task_path(task_id), headers=OTHER_AUTH)
    assert other.status_code == 404
    unknown = await client.get(task_path("task_01NOSUCHTASK0000000000000"))
    assert unknown.status_code == 404
    assert error_of(unknown)["message"] == error_of(other)["message"].replace(
        task_id, "task_01NOSUCHTASK0000000000000"
    )
    no_id = await client.get("/v1/tasks")
    assert no_id.status_code == 404


async def test_a_task_that_cannot_be_paid_at_completion_fails_without_charge(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    submitted = await client.post(
        "/v1/async/images/generations", json={"model": "nano-banana", "prompt": "x"}
    )
    state.set_balance(KEY, 1.0)
    done = await finish_task(client, clock, submitted.json()["id"])
    assert done["status"] == "failed"
    assert done["error"]["code"] == "insufficient_credits"
    assert state.balance(KEY) == 1.0
