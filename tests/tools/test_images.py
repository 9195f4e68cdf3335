"""edit_image inputs: workspace files, several references and data URIs, checked before anything is sent."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from pixapi_mcp.config import Settings
from tests.server_harness import harness, structured, text_of

pytestmark = pytest.mark.anyio


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
