"""The ``pixapi://outputs/`` resources: what the app reads local files through. Bounded in size,
limited to files the ledger recorded as a row's outputs, and of the MIME type their name says."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from mcp_types import BlobResourceContents
from PIL import Image

from pixapi_mcp import media
from pixapi_mcp.app import outputs, playable
from pixapi_mcp.config import Settings
from pixapi_mcp.ledger import SqliteLedger
from tests.app.conftest import MODES, app_client, app_facts
from tests.server_harness import Harness, harness, structured

pytestmark = pytest.mark.anyio


async def _blob(client: Client, uri: str) -> BlobResourceContents:
    contents = (await client.read_resource(uri)).contents
    assert len(contents) == 1 and isinstance(contents[0], BlobResourceContents)
    return contents[0]


async def _refused(client: Client, uri: str) -> str:
    with pytest.raises(MCPError) as caught:
        await client.read_resource(uri)
    return str(caught.value)


def _decoded(blob: BlobResourceContents) -> bytes:
    return base64.b64decode(blob.blob)


@pytest.mark.parametrize("mode", MODES)
async def test_an_image_reaches_the_app_as_a_small_preview_and_a_bounded_full_view(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    async with harness(make_settings) as h, app_client(h, mode) as client:
        made = await client.call_tool("generate_image", {"prompt": "a fox", "size": "1024x1024"})
        (entry,) = app_facts(made)["outputs"]
        assert entry["path"] == structured(made)["data"][0]["path"]
        preview = await _blob(client, entry["preview"])
        full = await _blob(client, entry["full"])
    assert preview.mime_type == "image/jpeg" and full.mime_type == "image/jpeg"
    small = _decoded(preview)
    assert len(small) <= media.PREVIEW_MAX_BYTES
    with Image.open(io.BytesIO(small)) as thumb:
        assert max(thumb.size) <= outputs.PREVIEW_SIDE
    big = _decoded(full)
    assert len(big) <= outputs.IMAGE_MAX_BYTES
    with Image.open(io.BytesIO(big)) as shown:
        assert shown.size == (1024, 1024)  # full size on click, as the file has it


async def _video(h: Harness, client: Client) -> dict[str, Any]:
    video = structured(await client.call_tool("create_video", {"prompt": "a fox runs", "wait_s": 0}))
    for _ in range(50):
        done = await client.call_tool("get_task", {"task_id": video["id"], "wait_s": 0})
        if structured(done)["status"] == "completed":
            return app_facts(done)
        await h.timer.sleep(5)
    raise AssertionError("the sandbox video did not complete")


@pytest.mark.skipif(not playable.available(), reason="re-encoding MJPEG needs PyAV (the video extra)")
async def test_the_sandbox_video_is_handed_over_as_playable_webm_with_a_poster(
    make_settings: Callable[..., Settings],
) -> None:
    import av

    async with harness(make_settings) as h, app_client(h) as client:
        facts = await _video(h, client)
        (entry,) = facts["outputs"]
        assert entry["kind"] == "video" and entry["full"].endswith("/video.webm")
        poster = await _blob(client, entry["preview"])
        webm = await _blob(client, entry["full"])
        # The container is the file's: an AVI cannot be read as an MP4.
        assert "cannot be read as video.mp4" in await _refused(client, entry["full"].replace(".webm", ".mp4"))
    assert poster.mime_type == "image/jpeg" and webm.mime_type == "video/webm"
    data = _decoded(webm)
    assert len(data) <= outputs.VIDEO_MAX_BYTES
    container: Any = av.open(io.BytesIO(data))
    try:
        assert container.streams.video[0].codec_context.name == "vp8"
        assert container.duration and container.duration > 0
    finally:
        container.close()


async def test_only_outputs_the_ledger_recorded_are_served(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    async with harness(make_settings) as h, app_client(h) as client:
        made = await client.call_tool("generate_image", {"prompt": "a fox"})
        row_id = structured(made)["ledger_id"]
        for uri in (
            f"pixapi://outputs/{row_id}/1/preview.jpg",  # the row has one output
            f"pixapi://outputs/{row_id + 100}/0/preview.jpg",  # no such row
            f"pixapi://outputs/{row_id}/x/preview.jpg",  # ids are numbers
            f"pixapi://outputs/{row_id}/0/secret.txt",  # no such variant
        ):
            await _refused(client, uri)
        # Odd spellings of an id: each the same plain refusal, never an internal error.
        for odd in ("\u00b2", "-1", "1e3", "0x1", " 1", "9" * 40):
            assert "takes two numbers" in await _refused(client, f"pixapi://outputs/{odd}/0/preview.jpg"), odd
        # A saved file swapped for a link to a file elsewhere is not followed.
        saved = Path(structured(made)["data"][0]["path"])
        secret = tmp_path / "secret.png"
        Image.new("RGB", (8, 8)).save(secret)
        saved.unlink()
        os.symlink(secret, saved)
        assert "not a file this server saved" in await _refused(
            client, f"pixapi://outputs/{row_id}/0/image.jpg"
        )
        # A file moved out of the row's folder is no longer served either.
        saved.unlink()
        assert "no longer where it was saved" in await _refused(
            client, f"pixapi://outputs/{row_id}/0/preview.jpg"
        )


async def test_a_video_over_the_cap_is_refused_not_sent(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, app_client(h) as client:
        folder = h.settings.default_output_dir
        folder.mkdir(parents=True, exist_ok=True)
        big = folder / "big.mp4"
        # An MP4 by its header (ftyp), one byte over the cap.
        big.write_bytes(b"\0\0\0\x18ftypisom" + b"\0" * (outputs.VIDEO_MAX_BYTES - 11))
        ledger = SqliteLedger(h.settings.data_dir / "ledger-sandbox.sqlite3")
        try:
            row_id = ledger.open_sync(
                tool="create_video",
                endpoint="/v1/async/videos/generations",
                base_url="http://sandbox.test",
                model="veo",
                prompt="big",
                params={"model": "veo", "prompt": "big"},
                output_dir=str(folder),
                credits_estimate=20.0,
            )
            ledger.update_sync(row_id, status="completed", paths=[str(big)])
        finally:
            ledger.close()
        history = await client.call_tool("list_tasks", {})
        entry = app_facts(history)["rows"][str(row_id)]["outputs"][0]
        assert entry["kind"] == "video" and entry["full"] is None and "Too large" in entry["note"]
        assert "Too large" in await _refused(client, f"pixapi://outputs/{row_id}/0/video.mp4")


def test_a_link_put_in_place_after_the_check_is_not_followed(tmp_path: Path) -> None:
    """Between the scope check and the read, the file is swapped for a link: the read refuses."""
    elsewhere = tmp_path / "elsewhere.mp4"
    elsewhere.write_bytes(b"\0\0\0\x18ftypisom" + b"\0" * 64)
    swapped = tmp_path / "out.mp4"
    os.symlink(elsewhere, swapped)
    with pytest.raises(outputs.OutputRefused, match="changed since it was checked"):
        outputs.read_variant(swapped, "video.mp4")
