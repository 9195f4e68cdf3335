"""Where outputs land and how they come back: files never overwritten, small previews, checked images."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from mcp.client import Client
from mcp_types import ImageContent
from PIL import Image

from pixapi_mcp.config import Settings
from pixapi_mcp.server import build_server
from tests.server_harness import harness, structured, text_of
from tests.test_media import IMAGE_FORMAT_CASES
from tests.tools import NoWait

pytestmark = pytest.mark.anyio


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


@pytest.mark.parametrize("shape", ["url", "b64_json"])
async def test_an_unreadable_image_output_is_not_reported_as_saved(
    make_settings: Callable[..., Settings], shape: str
) -> None:
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
        Client(build_server(settings, http, timer=NoWait())) as client,
    ):
        out = structured(await client.call_tool("generate_image", {"prompt": "p", "sync": True}))
    item = out["data"][0]
    assert item["path"] is None and "not a readable image" in item["download_error"]
    # A sync call has no task id: the next step must not send the model to get_task.
    assert "download_error" in out["next_step"] and out["next_call"] is None
    assert list((settings.default_output_dir).glob("*")) == []


@pytest.mark.parametrize(("pil_format", "suffix", "media_type"), IMAGE_FORMAT_CASES)
async def test_b64_outputs_are_saved_in_their_own_format(
    make_settings: Callable[..., Settings], pil_format: str, suffix: str, media_type: str
) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, format=pil_format)
    encoded = base64.b64encode(buf.getvalue()).decode()

    def api(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"created": 1, "data": [{"b64_json": encoded}]})

    settings = make_settings({"PIXAPI_KEY": "sk-x"})
    async with (
        httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http,
        Client(build_server(settings, http, timer=NoWait())) as client,
    ):
        out = structured(
            await client.call_tool(
                "generate_image", {"prompt": "p", "sync": True, "response_format": "b64_json"}
            )
        )
    item = out["data"][0]
    assert item["path"].endswith(suffix) and item["media_type"] == media_type
    assert (item["width"], item["height"]) == (40, 30)
    with Image.open(item["path"]) as img:
        assert img.format == pil_format
