"""Edit inputs: workspace files (opened once, checked on the descriptor), data URIs, and the checks
every input's bytes pass (a real image, of a format and size the API takes)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from pixapi_mcp.contract import ImageFile
from pixapi_mcp.media.images import IMAGE_FORMATS, image_facts
from pixapi_mcp.media.names import slug
from pixapi_mcp.media.paths import MediaError, local_path, open_inside, read_regular, shown

# An edit input larger than this is refused before it is uploaded.
MAX_INPUT_BYTES = 25 * 1024 * 1024
MAX_INPUT_SIDE = 8192


def check_input_image(name: str, data: bytes) -> ImageFile:
    """An edit input, checked to be a real image of sane size."""
    if len(data) > MAX_INPUT_BYTES:
        raise MediaError(
            f"{name} is {len(data) // 1024 // 1024} MB; inputs are limited to "
            f"{MAX_INPUT_BYTES // 1024 // 1024} MB."
        )
    try:
        facts = image_facts(data)
    except MediaError as exc:
        raise MediaError(f"{name} is {exc}; pass a PNG, JPEG, WebP or GIF image.") from None
    if max(facts.width, facts.height) > MAX_INPUT_SIDE:
        raise MediaError(
            f"{name} is {facts.width}x{facts.height}; inputs are limited to {MAX_INPUT_SIDE} px a side."
        )
    known = IMAGE_FORMATS.get(facts.format)
    if known is None:
        raise MediaError(f"{name} is a {facts.format or 'unknown'} image; pass PNG, JPEG, WebP or GIF.")
    stem = Path(urlsplit(name).path).stem or "input"
    return ImageFile(
        filename=f"{slug(stem, 60)}{known.extension}", content=data, content_type=known.media_type
    )


def read_local_image(path_text: str, allowed: Sequence[Path], roots: Sequence[Path]) -> ImageFile:
    """A local edit input: relative paths are taken from the workspace root. Opened once
    (``open_inside``: its real path must lie in an allowed folder), then checked on the open
    descriptor: a regular file (never a FIFO or a device), at most ``MAX_INPUT_BYTES`` read,
    and a real image. Nothing is opened again by name, so a path swapped for a symlink after
    the check cannot lead outside."""
    path = local_path(path_text)
    if not path.is_absolute():
        path = (roots[0] if roots else Path.cwd()) / path
    fd, real = open_inside(path, allowed)
    data = read_regular(fd, shown(path_text), MAX_INPUT_BYTES)
    return check_input_image(real.name, data)


_DATA_URI = re.compile(
    r"^data:(?P<type>[\w/+.-]+)?(?P<params>(;[\w-]+=[\w-]+)*)(?P<b64>;base64)?,(?P<data>.*)$", re.S
)


def read_data_uri(uri: str) -> ImageFile:
    """An edit input given inline as ``data:image/png;base64,...``."""
    match = _DATA_URI.match(uri)
    if not match or not match.group("b64"):
        raise MediaError("data URIs must be base64 encoded, like data:image/png;base64,<data>.")
    payload = match.group("data")
    if len(payload) > MAX_INPUT_BYTES * 4 // 3 + 4:
        raise MediaError(f"the data URI is larger than {MAX_INPUT_BYTES // 1024 // 1024} MB.")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise MediaError("the data URI is not valid base64.") from None
    return check_input_image("inline-image", data)


def input_kind(value: str) -> str:
    """``url``, ``data`` or ``path`` for an image input string."""
    lowered = value[:8].lower()
    if lowered.startswith(("http://", "https://")):
        return "url"
    if lowered.startswith("data:"):
        return "data"
    return "path"
