"""How saved files reach the app: ``pixapi://outputs/{ledger_id}/{index}/<variant>`` resources the
app reads through the host (``resources/read``), never a blob in the model's context.

A browser cannot open a local file, nor the in-process sandbox's URLs, nor an expired URL, so the
app asks the server for the file instead. What it may ask for is narrow:

- scope: only a file the ledger recorded as an output of that row (``paths[index]``), still
  inside the row's own output folder, as a regular file; a URI names ids, never a path, and a
  file swapped for a link elsewhere is refused. The rows are the ones ``list_tasks`` shows this
  caller (``state.visible_owner``): another caller's row reads exactly like one that never was;
- size: every variant has a cap, and a file over it is refused with the reason, never sent;
- type: each variant has one MIME type, and the file must be (or be made) of that type.

Variants: ``preview.jpg`` (a small JPEG: the image's thumbnail, a video's poster frame),
``image.jpg`` (the image at its own size, up to ``IMAGE_MAX_SIDE``, as JPEG within
``IMAGE_MAX_BYTES``), ``video.mp4`` (an MP4 as saved) and ``video.webm`` (a WebM as saved, or an
MJPEG AVI, which browsers do not play, re-encoded to VP8 by ``playable``), both within
``VIDEO_MAX_BYTES``.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from pixapi_mcp import media, video_facts
from pixapi_mcp.app import playable
from pixapi_mcp.auth import current_caller
from pixapi_mcp.ledger import LedgerRow
from pixapi_mcp.tools.state import AppContext, AppState, app_state, visible_owner

SCHEME = "pixapi://outputs/"
# The app's thumbnails: twice the size of a result's preview, for sharp gallery tiles.
PREVIEW_SIDE = 512
IMAGE_MAX_SIDE = 4096
IMAGE_MAX_BYTES = 4 * 1024 * 1024
VIDEO_MAX_BYTES = 8 * 1024 * 1024
_VARIANTS = {
    "preview.jpg": "image/jpeg",
    "image.jpg": "image/jpeg",
    "video.mp4": "video/mp4",
    "video.webm": "video/webm",
}


_ASCII_NUMBER = re.compile(r"[0-9]+")


def output_uri(ledger_id: int, index: int, variant: str) -> str:
    return f"{SCHEME}{ledger_id}/{index}/{variant}"


class OutputRefused(ResourceError):
    """A read the scope or a cap forbids; its text says which and what to do instead."""


async def resolve(state: AppState, ledger_id: str, index: str) -> Path:
    """The file behind an output URI, or ``OutputRefused``. Ids arrive as text from the URI; the
    row must be one the current caller may see."""
    # ASCII digits only: "²" is a digit to str.isdigit, and int("²") raises.
    if (
        not (_ASCII_NUMBER.fullmatch(ledger_id) and _ASCII_NUMBER.fullmatch(index))
        or len(ledger_id) > 18
        or len(index) > 4
    ):
        raise OutputRefused("Not an output: pixapi://outputs/{ledger_id}/{index}/... takes two numbers.")
    row = await state.ledger.get(int(ledger_id), visible_owner(current_caller()))
    position = int(index)
    if row is None or position >= len(row.paths):
        raise OutputRefused(f"No saved output {index} in ledger row {ledger_id} (see list_tasks).")
    return await anyio.to_thread.run_sync(_checked_file, row, position)


def _checked_file(row: LedgerRow, position: int) -> Path:
    recorded = Path(row.paths[position])
    if row.output_dir is None or recorded.is_symlink():
        raise OutputRefused(f"Output {position} of ledger row {row.id} is not a file this server saved.")
    path = recorded.resolve()
    if path.parent != Path(row.output_dir).resolve() or not path.is_file():
        raise OutputRefused(
            f"Output {position} of ledger row {row.id} is no longer where it was saved ({row.output_dir})."
        )
    return path


def describe(ledger_id: int, index: int, path: Path) -> dict[str, Any]:
    """What the app needs to show one saved output: its kind, the preview URI, and the URI that
    plays or shows it in full (None, with ``note``, when no variant can carry it). Blocking."""
    facts = video_facts.read_facts(path)
    size = path.stat().st_size
    entry: dict[str, Any] = {"index": index, "path": str(path), "bytes": size}
    if facts.media_type is None:
        entry.update(kind="image", full=output_uri(ledger_id, index, "image.jpg"))
    else:
        entry["kind"] = "video"
        variant = _video_variant(facts, size)
        entry["full"] = output_uri(ledger_id, index, variant) if variant else None
        if variant is None:
            entry["note"] = _unplayable(facts, size)
    entry["preview"] = output_uri(ledger_id, index, "preview.jpg")
    return entry


def _video_variant(facts: video_facts.VideoFacts, size: int) -> str | None:
    if facts.media_type == "video/mp4" and size <= VIDEO_MAX_BYTES:
        return "video.mp4"
    if facts.media_type == "video/webm" and size <= VIDEO_MAX_BYTES:
        return "video.webm"
    if facts.codec == "MJPG" and playable.available() and size <= playable.MAX_SOURCE_BYTES:
        return "video.webm"
    return None


def _unplayable(facts: video_facts.VideoFacts, size: int) -> str:
    if facts.codec == "MJPG" and not playable.available():
        return f"Browsers do not play MJPEG AVI; re-encoding it needs PyAV ({video_facts.VIDEO_EXTRA})."
    if size > VIDEO_MAX_BYTES:
        return f"Too large to hand to the app ({size} bytes; at most {VIDEO_MAX_BYTES}): open the saved file."
    return f"A browser cannot play this container ({facts.media_type}): open the saved file."


def read_variant(path: Path, variant: str) -> bytes:
    """The bytes of ``variant`` for the file at ``path``, within its cap, or ``OutputRefused``."""
    facts = video_facts.read_facts(path)
    if variant == "preview.jpg":
        jpeg = video_facts.describe_video(path)[1].jpeg if facts.media_type else None
        jpeg = jpeg or (None if facts.media_type else media.make_preview(path, PREVIEW_SIDE))
        if jpeg is None:
            raise OutputRefused("No preview can be made of this output.")
        return jpeg
    if variant == "image.jpg":
        if facts.media_type is not None:
            raise OutputRefused("This output is a video: read video.mp4 or video.webm.")
        return _full_jpeg(path)
    size = path.stat().st_size
    if _video_variant(facts, size) != variant:
        raise OutputRefused(f"This output cannot be read as {variant}: {_unplayable(facts, size)}")
    if facts.codec == "MJPG":
        data = playable.webm_from_mjpeg(path, VIDEO_MAX_BYTES)
        if data is None:
            raise OutputRefused(
                f"The re-encoded video would exceed {VIDEO_MAX_BYTES} bytes: open the saved file."
            )
        return data
    return _read_no_link(path)


def _read_no_link(path: Path) -> bytes:
    """The file's bytes, refusing a link put in its place since it was checked."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        raise OutputRefused("The output changed since it was checked: read it again.") from None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(VIDEO_MAX_BYTES + 1)
    if len(data) > VIDEO_MAX_BYTES:  # it grew since it was checked
        raise OutputRefused(
            f"Too large to hand to the app (over {VIDEO_MAX_BYTES} bytes): open the saved file."
        )
    return data


def _full_jpeg(path: Path) -> bytes:
    from PIL import Image  # Pillow: a dependency of the package, imported where it is used

    if path.stat().st_size > media.PREVIEW_SOURCE_MAX_BYTES:
        raise OutputRefused(
            f"Too large to show here (over {media.PREVIEW_SOURCE_MAX_BYTES} bytes): open the file."
        )
    try:
        with Image.open(path) as image:
            image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            rgb = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise OutputRefused(
            f"This output is not an image this server can read ({type(exc).__name__})."
        ) from None
    for quality in (92, 85, 75, 60):
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=quality)
        if out.tell() <= IMAGE_MAX_BYTES:
            return out.getvalue()
    raise OutputRefused(f"The image does not fit in {IMAGE_MAX_BYTES} bytes as JPEG: open the saved file.")


def register_outputs(server: MCPServer[Any]) -> None:
    """The output resources, one template per variant (each has its own MIME type)."""
    for variant, mime in _VARIANTS.items():
        _register(server, variant, mime)


def _register(server: MCPServer[Any], variant: str, mime: str) -> None:
    @server.resource(
        f"{SCHEME}{{ledger_id}}/{{index}}/{variant}",
        name=f"output {variant}",
        title=f"Saved output ({variant})",
        description="A saved output of a ledger row, bounded in size, for the Pixapi app "
        "(list_tasks shows ledger ids; index counts the row's saved paths).",
        mime_type=mime,
    )
    async def read(ledger_id: str, index: str, ctx: AppContext) -> bytes:  # pyright: ignore[reportUnusedFunction]
        state = app_state(ctx)
        path = await resolve(state, ledger_id, index)
        return await anyio.to_thread.run_sync(read_variant, path, variant)
