"""Helpers for the sandbox tests: keys, request shortcuts, the OpenAI error-body check, and
decoders that check PNG and AVI files for real (also used by test_runner.py over real HTTP)."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any, cast

import httpx2
from PIL import Image, ImageChops, ImageStat

from pixapi_mcp.contract import SANDBOX_KEY, task_path
from pixapi_mcp.sandbox import ManualClock, SandboxState

KEY = SANDBOX_KEY
OTHER = "sk-other"
AUTH = {"Authorization": f"Bearer {KEY}"}
OTHER_AUTH = {"Authorization": f"Bearer {OTHER}"}
BASE = "http://sandbox.test"
IMAGES = "/v1/images/generations"
VIDEO = "/v1/async/videos/generations"


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


async def generate(client: httpx2.AsyncClient, **body: Any) -> httpx2.Response:
    payload = {"model": "nano-banana", "prompt": "a lighthouse at dusk", **body}
    return await client.post("/v1/images/generations", json=payload)


async def finish_task(client: httpx2.AsyncClient, clock: ManualClock, task_id: str) -> dict[str, Any]:
    clock.advance(1000)
    response = await client.get(task_path(task_id))
    assert response.status_code == 200
    return cast(dict[str, Any], response.json())
