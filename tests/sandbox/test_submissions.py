"""The sandbox API in-process (``httpx2.ASGITransport``): endpoints, auth, credits, the rule table,
task life cycle, real media, faults and the admin endpoints. Time moves only by ``ManualClock``."""

from __future__ import annotations

import base64
import io
import json
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import anyio
import httpx2
import pytest
from PIL import Image, ImageChops, ImageStat

from pixapi_mcp.contract import CATALOG, RULES, SANDBOX_KEY, task_path
from pixapi_mcp.sandbox import (
    DroppedConnection,
    Fault,
    ManualClock,
    SandboxConfig,
    SandboxState,
    create_app,
)
from tests.conftest import CANARY_KEY

pytestmark = pytest.mark.anyio

KEY = SANDBOX_KEY
OTHER = "sk-other"
AUTH = {"Authorization": f"Bearer {KEY}"}
OTHER_AUTH = {"Authorization": f"Bearer {OTHER}"}
BASE = "http://sandbox.test"


# --------------------------------------------------------------------------------------------
# Helpers (also used by test_sandbox_http.py)
# --------------------------------------------------------------------------------------------


def png_bytes(colour: tuple[int, int, int], size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def decode_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


@dataclass
class AviInfo:
    width: int
    height: int
    fps: float
    total_frames: int
    handler: bytes
    frames: list[bytes]
    index_entries: int
    junk_bytes: int


def parse_avi(data: bytes) -> AviInfo:
    """Walk the RIFF structure: RIFF/AVI, LIST hdrl (avih, LIST strl with strh/strf), LIST movi with
    ``00dc`` JPEG chunks, idx1 whose offsets point at those chunks (JUNK padding is allowed)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"AVI "
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8

    def chunks(start: int, end: int) -> list[tuple[bytes, int, int]]:
        found: list[tuple[bytes, int, int]] = []
        pos = start
        while pos + 8 <= end:
            fourcc = data[pos : pos + 4]
            size = struct.unpack("<I", data[pos + 4 : pos + 8])[0]
            found.append((fourcc, pos + 8, size))
            pos += 8 + size + (size % 2)
        assert pos == end, "chunks must tile their parent exactly"
        return found

    top = chunks(12, len(data))
    lists = {data[p : p + 4]: (p, s) for c, p, s in top if c == b"LIST"}
    assert list(lists) == [b"hdrl", b"movi"], "hdrl then movi"
    assert {c for c, _, _ in top} <= {b"LIST", b"idx1", b"JUNK"}
    hdrl_pos, hdrl_size = lists[b"hdrl"]
    hdrl = chunks(hdrl_pos + 4, hdrl_pos + hdrl_size)
    assert hdrl[0][0] == b"avih" and hdrl[0][2] == 56
    avih = struct.unpack("<14I", data[hdrl[0][1] : hdrl[0][1] + 56])
    micro_per_frame, total_frames, streams, width, height = avih[0], avih[4], avih[6], avih[8], avih[9]
    assert avih[3] & 0x10, "AVIF_HASINDEX"
    assert streams == 1
    strl_pos, strl_size = next((p, s) for c, p, s in hdrl if c == b"LIST" and data[p : p + 4] == b"strl")
    strl = chunks(strl_pos + 4, strl_pos + strl_size)
    strh = next((p, s) for c, p, s in strl if c == b"strh")
    strf = next((p, s) for c, p, s in strl if c == b"strf")
    assert strh[1] == 56 and strf[1] == 40
    fcc_type, handler = data[strh[0] : strh[0] + 4], data[strh[0] + 4 : strh[0] + 8]
    scale, rate, _, length = struct.unpack("<4I", data[strh[0] + 20 : strh[0] + 36])
    assert fcc_type == b"vids"
    assert length == total_frames
    assert struct.unpack("<ii", data[strf[0] + 4 : strf[0] + 12]) == (width, height)
    assert data[strf[0] + 16 : strf[0] + 20] == b"MJPG"  # biCompression

    movi_pos, movi_size = lists[b"movi"]
    movi = chunks(movi_pos + 4, movi_pos + movi_size)
    frames = [data[p : p + s] for c, p, s in movi if c == b"00dc"]
    assert len(frames) == total_frames
    idx = next((p, s) for c, p, s in top if c == b"idx1")
    entries = [struct.unpack("<4sIII", data[idx[0] + i : idx[0] + i + 16]) for i in range(0, idx[1], 16)]
    for (ckid, flags, offset, size), (_, pos, chunk_size) in zip(entries, movi, strict=True):
        assert ckid == b"00dc" and flags & 0x10
        # idx1 offsets count from the 'movi' fourcc and point at the chunk header.
        assert movi_pos + offset == pos - 8
        assert size == chunk_size
    assert abs(1_000_000 / micro_per_frame - rate / scale) < 0.01
    junk = sum(s for c, _, s in top if c == b"JUNK")
    return AviInfo(width, height, rate / scale, total_frames, handler, frames, len(entries), junk)


def state_of(app: Any) -> SandboxState:
    return cast(SandboxState, app.state.sandbox)


def error_of(response: httpx2.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    error = cast(dict[str, Any], body["error"])
    assert error["code"] == response.status_code
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def rgb_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    pixel = image.convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def mean_distance(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int) -> bool:
    return all(abs(p - c) <= tolerance for p, c in zip(pixel, colour, strict=False))


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def config(clock: ManualClock) -> SandboxConfig:
    return SandboxConfig(keys={KEY: 1000.0, OTHER: 50.0}, clock=clock)


@pytest.fixture
def app(config: SandboxConfig) -> Any:
    return create_app(config)


@pytest.fixture
def state(app: Any) -> SandboxState:
    return state_of(app)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE, headers=AUTH) as http:
        yield http


async def generate(client: httpx2.AsyncClient, **body: Any) -> httpx2.Response:
    payload = {"model": "nano-banana", "prompt": "a lighthouse at dusk", **body}
    return await client.post("/v1/images/generations", json=payload)


async def finish_task(client: httpx2.AsyncClient, clock: ManualClock, task_id: str) -> dict[str, Any]:
    clock.advance(1000)
    response = await client.get(task_path(task_id))
    assert response.status_code == 200
    return cast(dict[str, Any], response.json())


# --------------------------------------------------------------------------------------------
# Basics: health, models, auth, request ids
# --------------------------------------------------------------------------------------------


async def test_health_needs_no_key_and_has_request_id(client: httpx2.AsyncClient) -> None:
    response = await client.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-request-id"].startswith("req_")


async def test_models_lists_canonical_ids_in_the_documented_shape(client: httpx2.AsyncClient) -> None:
    response = await client.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert {m["id"] for m in body["data"]} == {m.id for m in CATALOG}
    aliases = {a for m in CATALOG for a in m.aliases}
    for entry in body["data"]:
        assert set(entry) == {"id", "object", "category", "capabilities"}
        assert entry["object"] == "model"
        assert entry["id"] not in aliases
        assert entry["category"] in ("image", "video")
        assert entry["capabilities"]


async def test_models_omits_video_models_the_sandbox_does_not_price(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(clock=clock, video_credits={"veo": 3.0}))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        ids = {m["id"] for m in (await http.get("/v1/models")).json()["data"]}
        assert "veo" in ids and "wan" not in ids
        refused = await http.post("/v1/async/videos/generations", json={"model": "wan", "prompt": "waves"})
    assert refused.status_code == 400
    assert error_of(refused)["param"] == "model"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/models"),
        ("POST", "/v1/images/generations"),
        ("POST", "/v1/async/videos/generations"),
        ("GET", "/v1/tasks/task_123"),
    ],
)
async def test_missing_or_unknown_key_is_401(
    client: httpx2.AsyncClient, state: SandboxState, method: str, path: str
) -> None:
    body = {"model": "nano-banana", "prompt": "x"} if method == "POST" else None
    for headers in ({"Authorization": ""}, {"Authorization": f"Bearer {CANARY_KEY}"}, {"Authorization": KEY}):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401
        error = error_of(response)
        assert error["type"] == "authentication_error"
        assert "Bearer" in error["message"]
        assert CANARY_KEY not in response.text
    assert state.balance(KEY) == 1000.0
    recorded = [r.key for r in state.requests]
    assert recorded == [None, "<invalid>", "<invalid>"]
    assert CANARY_KEY not in repr(state.requests)


async def test_unknown_paths_and_wrong_methods_answer_json_errors(client: httpx2.AsyncClient) -> None:
    for path in ("/nope", "/v1/images/generate"):
        response = await client.post(path, json={})
        assert response.status_code == 404
        assert response.headers["x-request-id"].startswith("req_")
        error_of(response)
    wrong = await client.get("/v1/images/generations")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert "POST" in error_of(wrong)["message"]


# --------------------------------------------------------------------------------------------
# Sync images, credits
# --------------------------------------------------------------------------------------------


async def test_sync_generation_returns_a_downloadable_png_at_the_requested_size(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    response = await generate(client, size="512x256")
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == int(clock.now())
    assert len(body["data"]) == 1
    url = body["data"][0]["url"]
    assert url.startswith(f"{BASE}/files/")
    download = await client.get(url, headers={"Authorization": ""})
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert int(download.headers["content-length"]) == len(download.content)
    assert decode_png(download.content).size == (512, 256)
    assert state.balance(KEY) == 998.0  # nano-banana is 2 credits per image


async def test_credits_are_catalog_price_times_n_and_aliases_resolve(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    response = await generate(client, model="nano-banana-pro", n=3, size="64x64")
    assert response.status_code == 200
    urls = [d["url"] for d in response.json()["data"]]
    assert len(set(urls)) == 3
    assert state.balance(KEY) == 1000.0 - 8.0 * 3
    images = [decode_png((await client.get(u)).content) for u in urls]
    assert mean_distance(images[0], images[1]) > 1, "n outputs are not identical"
    await generate(client, model="gpt-image-2", size="64x64")
    assert state.balance(KEY) == 1000.0 - 24.0 - 1.0


async def test_auto_size_is_1024_square_and_large_sizes_are_capped(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(clock=clock, max_image_side=256))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        capped = await generate(http, size="4096x2048")
        auto = await generate(http, size="auto")
        default = await generate(http)
        sizes = [
            decode_png((await http.get(r.json()["data"][0]["url"])).content).size
            for r in (capped, auto, default)
        ]
    assert sizes == [(256, 128), (256, 256), (256, 256)]


async def test_auto_size_defaults_to_1024(client: httpx2.AsyncClient) -> None:
    response = await generate(client, size="auto")
    assert decode_png((await client.get(response.json()["data"][0]["url"])).content).size == (1024, 1024)


async def test_b64_json_returns_the_png_inline(client: httpx2.AsyncClient, state: SandboxState) -> None:
    response = await generate(client, response_format="b64_json", size="128x64", n=2)
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 2
    for item in data:
        assert set(item) == {"b64_json"}
        assert decode_png(base64.b64decode(item["b64_json"])).size == (128, 64)
    assert state.balance(KEY) == 996.0


async def test_different_prompts_give_visibly_different_images_and_same_prompt_same_image(
    client: httpx2.AsyncClient,
) -> None:
    async def image(prompt: str) -> Image.Image:
        response = await generate(client, prompt=prompt, size="256x256")
        return decode_png((await client.get(response.json()["data"][0]["url"])).content)

    fox, whale, fox_again = await image("a red fox"), await image("a blue whale"), await image("a red fox")
    assert mean_distance(fox, whale) > 20
    assert mean_distance(fox, fox_again) == 0


async def test_402_when_credits_are_short_and_nothing_is_charged(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.set_balance(KEY, 3.0)
    short = await generate(client, n=2)  # 4 credits
    assert short.status_code == 402
    error = error_of(short)
    assert error["type"] == "insufficient_credits"
    assert "needs 4" in error["message"] and "balance 3" in error["message"]
    assert state.balance(KEY) == 3.0
    video = await client.post("/v1/async/videos/generations", json={"model": "veo", "prompt": "waves"})
    assert video.status_code == 402
    assert "needs 10" in error_of(video)["message"]
    ok = await generate(client)
    assert ok.status_code == 200
    assert state.balance(KEY) == 1.0


async def test_invalid_json_and_non_object_bodies_are_400(client: httpx2.AsyncClient) -> None:
    broken = await client.post(
        "/v1/images/generations",
        content=b'{"model": "nano-banana", ',
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert "not valid JSON" in error_of(broken)["message"]
    listed = await client.post("/v1/images/generations", json=["model", "prompt"])
    assert listed.status_code == 400
    assert "object" in error_of(listed)["message"]
    form = await client.post(
        "/v1/images/generations",
        data={"model": "nano-banana", "prompt": "x"},
        files={"image": ("a.png", b"x")},
    )
    assert form.status_code == 400
    assert "application/json" in error_of(form)["message"]


# --------------------------------------------------------------------------------------------
# The rule table: every request-scope rule has a case, and each answers with its rule id
# --------------------------------------------------------------------------------------------

VIDEO = "/v1/async/videos/generations"
IMAGES = "/v1/images/generations"

# rule id -> (path, JSON body, expected status). A new request-scope rule without a case fails
# test_every_request_rule_has_a_case.
RULE_CASES: dict[str, tuple[str, dict[str, Any], int]] = {
    "async-endpoint": (IMAGES + "?async=true", {"model": "nano-banana", "prompt": "x"}, 400),
    "video-async-only": ("/v1/videos/generations", {"model": "veo", "prompt": "x"}, 404),
    "unknown-endpoint": ("/v1/images/generate", {"model": "nano-banana", "prompt": "x"}, 404),
    "model-required": (IMAGES, {"prompt": "x"}, 400),
    "prompt-required": (IMAGES, {"model": "nano-banana", "prompt": "  "}, 400),
    "unknown-model": (IMAGES, {"model": "nano-bananna", "prompt": "x"}, 400),
    "video-model-on-image-endpoint": (IMAGES, {"model": "veo", "prompt": "x"}, 400),
    "image-model-on-video-endpoint": (VIDEO, {"model": "nano-banana", "prompt": "x"}, 400),
    "input-image-field": (VIDEO, {"model": "veo", "prompt": "x", "image_url": "https://x.test/a.png"}, 400),
    "duration-field": (VIDEO, {"model": "veo", "prompt": "x", "seconds": 5}, 400),
    "duration-value": (VIDEO, {"model": "veo", "prompt": "x", "duration": -1}, 400),
    "input-image-url": (VIDEO, {"model": "veo", "prompt": "x", "input_image": "cat.png"}, 400),
    "response-format-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "response_format": "png"}, 400),
    "quality-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "quality": "ultra"}, 400),
    "size-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "size": "big"}, 400),
    "n-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "n": 0}, 400),
    "edit-multipart": ("/v1/images/edits", {"model": "nano-banana", "prompt": "x"}, 400),
}


def test_every_request_rule_has_a_case() -> None:
    assert set(RULE_CASES) == {rule.id for rule in RULES if rule.scope == "request"}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
async def test_each_rule_answers_with_its_id_and_fix(
    client: httpx2.AsyncClient, state: SandboxState, rule_id: str
) -> None:
    path, body, status = RULE_CASES[rule_id]
    response = await client.post(path, json=body)
    assert response.status_code == status
    error = error_of(response)
    assert error["rule"] == rule_id
    assert error["type"] == ("invalid_request_error" if status == 400 else "not_found_error")
    message = next(v["message"] for v in error["violations"] if v["rule"] == rule_id)
    assert message in error["message"]
    assert state.balance(KEY) == 1000.0
    assert state.requests[-1].status == status


async def test_forbidden_video_path_names_the_async_endpoint(client: httpx2.AsyncClient) -> None:
    response = await client.post("/v1/videos/generations", json={"model": "veo", "prompt": "waves"})
    assert response.status_code == 404
    assert "/v1/async/videos/generations" in error_of(response)["message"]


async def test_several_violations_are_all_reported_first_one_leads(client: httpx2.AsyncClient) -> None:
    response = await client.post(VIDEO, json={"model": "veo", "prompt": "x", "seconds": 5, "image_url": "u"})
    error = error_of(response)
    assert [v["rule"] for v in error["violations"]] == ["input-image-field", "duration-field"]
    assert error["rule"] == "input-image-field" and error["param"] == "image_url"
    assert "`duration`" in error["message"] and "`input_image`" in error["message"]


async def test_async_flag_in_the_body_is_refused(client: httpx2.AsyncClient) -> None:
    response = await generate(client, **{"async": True})
    assert error_of(response)["rule"] == "async-endpoint"


async def test_multipart_edit_without_an_image_part_is_the_edit_rule(client: httpx2.AsyncClient) -> None:
    form = (
        b'--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\nnano-banana\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx\r\n--xyz--\r\n'
    )
    response = await client.post(
        "/v1/images/edits", content=form, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["rule"] == "edit-multipart" and error["param"] == "image"
    assert "`image`" in error["message"]


# --------------------------------------------------------------------------------------------
# Edits
# --------------------------------------------------------------------------------------------


async def test_edit_with_one_image_visibly_derives_from_it(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    orange = (240, 140, 20)
    response = await client.post(
        "/v1/images/edits",
        data={"model": "gemini-3-pro-image-preview", "prompt": "warm studio background", "size": "400x300"},
        files={"image": ("product.png", png_bytes(orange, (120, 80)), "image/png")},
    )
    assert response.status_code == 200, response.text
    out = decode_png((await client.get(response.json()["data"][0]["url"])).content)
    assert out.size == (400, 300)
    centre = rgb_at(out, (200, 120))
    assert near(centre, orange, 60), centre
    corner = rgb_at(out, (1, 1))
    assert not near(corner, orange, 10), "a border frames the edit"
    assert state.balance(KEY) == 992.0
    assert state.requests[-2].image_parts == 1
    assert state.requests[-2].fields["prompt"] == "warm studio background"


async def test_edit_with_three_images_composes_them_side_by_side(client: httpx2.AsyncClient) -> None:
    colours = [(230, 20, 20), (20, 230, 20), (20, 20, 230)]
    files = [("image", (f"ref{i}.png", png_bytes(c), "image/png")) for i, c in enumerate(colours)]
    response = await client.post(
        "/v1/images/edits", data={"model": "nano-banana", "prompt": "combine", "size": "600x600"}, files=files
    )
    assert response.status_code == 200, response.text
    out = decode_png((await client.get(response.json()["data"][0]["url"])).content)
    for x, colour in zip((100, 300, 500), colours, strict=True):
        pixel = rgb_at(out, (x, 250))
        dominant = max(range(3), key=lambda channel: pixel[channel])
        assert dominant == colour.index(max(colour)), (x, pixel)
        assert near(pixel, colour, 70), (x, pixel)


async def test_edit_rejects_uploads_that_are_not_images(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    response = await client.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "x"},
        files={"image": ("notes.txt", b"definitely not an image", "text/plain")},
    )
    assert response.status_code == 400
    assert error_of(response)["param"] == "image"
    assert state.balance(KEY) == 1000.0


async def test_edit_image_given_as_text_or_image_brackets_is_explained(client: httpx2.AsyncClient) -> None:
    text = await client.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "x", "image": "product.png"},
        files={"other": ("x.png", png_bytes((1, 2, 3)))},
    )
    assert text.status_code == 400
    assert "file part" in error_of(text)["message"]
    brackets = await client.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "x"},
        files=[("image[]", ("a.png", png_bytes((1, 2, 3)), "image/png"))],
    )
    assert brackets.status_code == 400
    assert "`image[]`" in error_of(brackets)["message"]


# --------------------------------------------------------------------------------------------
# Async tasks
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------


async def test_task_fail_fault_fails_the_task_and_charges_nothing(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    state.inject(Fault("task_fail"))
    submitted = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    assert submitted.status_code == 200
    assert state.requests[-1].fault == Fault("task_fail")
    done = await finish_task(client, clock, submitted.json()["id"])
    assert done["status"] == "failed"
    assert set(done["error"]) >= {"code", "message"}
    assert done["credits_cost"] == 0.0
    assert "result" not in done
    assert state.balance(KEY) == 1000.0
    healthy = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    assert (await finish_task(client, clock, healthy.json()["id"]))["status"] == "completed"


async def test_task_stuck_fault_never_completes(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    submitted = await client.post(
        "/v1/async/images/generations",
        json={"model": "nano-banana", "prompt": "x"},
        headers={"X-Sandbox-Fault": "task_stuck"},
    )
    task_id = submitted.json()["id"]
    for _ in range(3):
        clock.advance(10_000)
        task = (await client.get(task_path(task_id))).json()
        assert task["status"] == "processing"
        assert task["progress"] == 99
    assert state.balance(KEY) == 1000.0


async def test_status_faults_answer_error_bodies_and_charge_nothing(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    for status, kind in ((500, "server_error"), (502, "bad_gateway"), (503, "service_unavailable")):
        state.inject(Fault("status", status=status))
        response = await generate(client)
        assert response.status_code == status
        assert error_of(response)["type"] == kind
        assert state.requests[-1].fault == Fault("status", status=status)
    assert state.balance(KEY) == 1000.0
    assert (await generate(client)).status_code == 200, "times=1 by default"


async def test_429_carries_retry_after(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.inject(Fault("status", status=429, retry_after=1.5))
    response = await generate(client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.headers["retry-after-ms"] == "1500"
    assert error_of(response)["type"] == "rate_limit_error"


async def test_malformed_json_fault_is_a_200_that_does_not_parse(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    response = await client.post(
        IMAGES, json={"model": "nano-banana", "prompt": "x"}, headers={"X-Sandbox-Fault": "malformed_json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert state.balance(KEY) == 1000.0
    assert state.requests[-1].fault is not None


async def test_drop_connection_in_process_raises_a_connection_error(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.inject(Fault("drop_connection", path_prefix="/v1/images/"))
    with pytest.raises(ConnectionError) as caught:
        await generate(client)
    assert isinstance(caught.value, DroppedConnection)
    assert state.balance(KEY) == 1000.0
    assert state.requests[-1].status == 200  # the headers went out before the cut


async def test_latency_fault_delays_the_answer(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.inject(Fault("latency", seconds=0.2, method="GET"))
    started = time.monotonic()
    with anyio.fail_after(5):
        response = await client.get("/v1/models")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2
    assert state.requests[-1].fault == Fault("latency", seconds=0.2, method="GET")


async def test_large_output_fault_pads_valid_files(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    state.inject(Fault("large_output", size_mb=2), times=2)
    response = await generate(client, size="64x64")
    data = (await client.get(response.json()["data"][0]["url"])).content
    assert 2 * 1024 * 1024 <= len(data) < 2 * 1024 * 1024 + 1024
    assert decode_png(data).size == (64, 64)
    assert state.balance(KEY) == 998.0, "a large output is still a successful, paid output"

    submitted = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    done = await finish_task(client, clock, submitted.json()["id"])
    video = (await client.get(done["result"]["data"][0]["url"])).content
    assert 2 * 1024 * 1024 <= len(video) < 2 * 1024 * 1024 + 1024
    avi = parse_avi(video)
    assert avi.junk_bytes > 2 * 1024 * 1024 - 200_000, "the padding is a JUNK chunk readers skip"
    assert Image.open(io.BytesIO(avi.frames[0])).format == "JPEG"


async def test_fault_scopes_per_key_times_and_until_cleared(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.inject(Fault("status", status=503), key=OTHER, times=None)
    assert (await client.get("/v1/models")).status_code == 200
    for _ in range(3):
        assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 503
    state.clear_faults()
    assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 200

    state.inject(Fault("status", status=500, path_prefix="/v1/tasks/"), times=2)
    assert (await client.get("/v1/models")).status_code == 200, "path_prefix does not match"
    assert (await client.get(task_path("task_x"))).status_code == 500
    assert (await client.get(task_path("task_x"))).status_code == 500
    assert (await client.get(task_path("task_x"))).status_code == 404

    state.inject(Fault("status", status=500, method="POST"))
    assert (await client.get("/v1/models")).status_code == 200, "method does not match"
    assert (await generate(client)).status_code == 500
    with pytest.raises(ValueError, match="configured keys"):
        state.inject(Fault("latency"), key="sk-nobody")


async def test_work_faults_are_not_used_up_by_rejected_requests(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    state.inject(Fault("task_fail"))
    assert (await client.post(VIDEO, json={"model": "veo"})).status_code == 400
    assert state.requests[-1].fault is None
    submitted = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    assert (await finish_task(client, clock, submitted.json()["id"]))["status"] == "failed"


async def test_fault_header_forms_and_errors(client: httpx2.AsyncClient, state: SandboxState) -> None:
    response = await client.post(
        IMAGES,
        json={"model": "nano-banana", "prompt": "x"},
        headers={"X-Sandbox-Fault": "status=429; retry_after=3"},
    )
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    for bad in ("explode", "status=abc", "drop_connection=1", "latency=0.1; colour=red", "latency=99999"):
        refused = await client.get("/v1/models", headers={"X-Sandbox-Fault": bad})
        assert refused.status_code == 400, bad
        assert error_of(refused)["type"] == "sandbox_fault_error"
    misplaced = await client.get("/v1/models", headers={"X-Sandbox-Fault": "task_fail"})
    assert misplaced.status_code == 400
    sync_task_fault = await client.post(
        IMAGES, json={"model": "nano-banana", "prompt": "x"}, headers={"X-Sandbox-Fault": "task_stuck"}
    )
    assert sync_task_fault.status_code == 400
    assert state.balance(KEY) == 1000.0


async def test_file_downloads_can_be_faulted_too(client: httpx2.AsyncClient, state: SandboxState) -> None:
    url = (await generate(client, size="64x64")).json()["data"][0]["url"]
    state.inject(Fault("status", status=503, path_prefix="/files/"))
    assert (await client.get(url)).status_code == 503
    with pytest.raises(DroppedConnection):
        await client.get(url, headers={"X-Sandbox-Fault": "drop_connection"})
    assert (await client.get(url)).status_code == 200
    missing = await client.get(f"{BASE}/files/img_missing.png")
    assert missing.status_code == 404


# --------------------------------------------------------------------------------------------
# Recording and admin endpoints
# --------------------------------------------------------------------------------------------


async def test_requests_are_recorded_with_fields_status_and_key(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    await generate(client, size="64x64")
    await client.get("/v1/models?x=1", headers=OTHER_AUTH)
    first, second = state.requests
    assert (first.method, first.path, first.key, first.status) == ("POST", IMAGES, KEY, 200)
    assert first.fields == {"model": "nano-banana", "prompt": "a lighthouse at dusk", "size": "64x64"}
    assert first.request_id.startswith("req_")
    assert (second.method, second.path, second.key) == ("GET", "/v1/models?x=1", OTHER)
    await client.get("/_sandbox/requests")
    await client.get("/_sandbox/balance")
    assert len(state.requests) == 2, "admin calls are not recorded"


async def test_admin_endpoints(client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock) -> None:
    assert (await client.get("/_sandbox/balance", headers={"Authorization": ""})).status_code == 401

    armed = await client.post("/_sandbox/faults", json={"kind": "status", "status": 502, "times": 2})
    assert armed.status_code == 200 and armed.json()["fault"]["status"] == 502
    assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 200, "caller's key only"
    assert (await client.get("/v1/models")).status_code == 502
    assert (await client.delete("/_sandbox/faults")).status_code == 200
    assert (await client.get("/v1/models")).status_code == 200

    everyone = await client.post(
        "/_sandbox/faults", json={"kind": "status", "status": 503, "all": True, "times": None}
    )
    assert everyone.status_code == 200
    assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 503
    assert (await client.get("/v1/models")).status_code == 503
    assert len((await client.get("/_sandbox/faults")).json()["faults"]) == 1
    await client.delete("/_sandbox/faults")

    bad = await client.post("/_sandbox/faults", json={"kind": "meteor"})
    assert bad.status_code == 400
    assert (await client.post("/_sandbox/faults", json={"kind": "latency", "times": 0})).status_code == 400

    before = clock.now()
    advanced = await client.post("/_sandbox/advance", json={"seconds": 5})
    assert advanced.status_code == 200 and advanced.json()["now"] == before + 5 == clock.now()
    assert (await client.post("/_sandbox/advance", json={"seconds": -1})).status_code == 400

    await generate(client, size="64x64")
    assert (await client.get("/_sandbox/balance")).json() == {"balance": 998.0}
    assert (await client.post("/_sandbox/balance", json={"credits": 7})).json() == {"balance": 7.0}
    assert state.balance(KEY) == 7.0

    mine = (await client.get("/_sandbox/requests")).json()["data"]
    assert all(r["key"] == KEY for r in mine)
    assert any(r["status"] == 502 for r in mine)
    everything = (await client.get("/_sandbox/requests?all=1")).json()["data"]
    assert len(everything) > len(mine)
    assert (await client.get("/_sandbox/unknown")).status_code == 404


async def test_advance_needs_a_manual_clock() -> None:
    app = create_app(SandboxConfig())
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        response = await http.post("/_sandbox/advance", json={"seconds": 1})
    assert response.status_code == 409


async def test_public_url_is_the_base_of_output_urls(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(clock=clock, public_url="https://sandbox.example.com/"))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        url = (await generate(http)).json()["data"][0]["url"]
        assert url.startswith("https://sandbox.example.com/files/img_")
        submitted = await http.post(VIDEO, json={"model": "veo", "prompt": "x", "input_image": url})
        clock.advance(100)
        task = (await http.get(task_path(submitted.json()["id"]))).json()
    assert task["result"]["data"][0]["url"].startswith("https://sandbox.example.com/files/vid_")
