"""Image facts, output formats and small previews, read lazily by Pillow and cached per file."""

from __future__ import annotations

import io
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

import anyio
import anyio.to_thread

from pixapi_mcp.media.paths import MediaError, open_saved

if TYPE_CHECKING:
    from PIL import Image

_V = TypeVar("_V")
_K = TypeVar("_K", bound=Hashable)

PREVIEW_MAX_SIDE = 256
PREVIEW_MAX_BYTES = 200_000
# Larger saved outputs get no preview and no full verification: Pillow would read (and decode)
# the whole file into memory, hundreds of MB for a big image. Their header still gives the size.
PREVIEW_SOURCE_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImageFormat:
    """A Pillow image format this server takes and writes: its media type and file extension."""

    media_type: str
    extension: str


# The one table of image formats: which edit inputs are accepted (and how their upload is named
# and typed), and the extension of a saved b64_json output.
IMAGE_FORMATS = {
    "PNG": ImageFormat("image/png", ".png"),
    "JPEG": ImageFormat("image/jpeg", ".jpg"),
    "WEBP": ImageFormat("image/webp", ".webp"),
    "GIF": ImageFormat("image/gif", ".gif"),
}


@dataclass(frozen=True, slots=True)
class ImageFacts:
    width: int
    height: int
    format: str


def _open(source: bytes | Path | BinaryIO) -> Image.Image:
    # A file is read lazily by Pillow (header first, pixels on demand), never whole into memory.
    from PIL import Image  # imported on first use: Pillow costs start-up time the server rarely needs

    if isinstance(source, bytes):
        return Image.open(io.BytesIO(source))
    if not isinstance(source, Path):
        source.seek(0)
    return Image.open(source)


def _image_errors() -> tuple[type[BaseException], ...]:
    """What Pillow raises for bytes that are not a (safe) image."""
    from PIL import Image, UnidentifiedImageError

    return (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def image_facts(source: bytes | Path | BinaryIO, *, verify: bool = True) -> ImageFacts:
    """Size and format of an image (bytes or a file); raises ``MediaError`` when it is not a
    readable image. ``verify=False`` reads only the header (cheap for any file size)."""
    try:
        if verify:
            with _open(source) as img:
                img.verify()
        with _open(source) as img:
            return ImageFacts(img.width, img.height, img.format or "")
    except _image_errors() as exc:
        raise MediaError(f"not a readable image ({type(exc).__name__})") from None


def output_format(data: bytes) -> ImageFormat:
    """The format to save image bytes as: what they are, PNG when unknown or unreadable (the saved
    file is checked afterwards, and refused if it is no image)."""
    try:
        return IMAGE_FORMATS.get(image_facts(data).format, IMAGE_FORMATS["PNG"])
    except MediaError:
        return IMAGE_FORMATS["PNG"]


def media_type_of(facts: ImageFacts) -> str | None:
    """The media type of a read image (None when Pillow named no format)."""
    if not facts.format:
        return None
    known = IMAGE_FORMATS.get(facts.format)
    return known.media_type if known else f"image/{facts.format.lower()}"


def make_preview(source: bytes | Path | BinaryIO, max_side: int = PREVIEW_MAX_SIDE) -> bytes | None:
    """A small JPEG thumbnail (well under host result limits), or None if it is no image."""
    try:
        with _open(source) as img:
            img.draft("RGB", (max_side, max_side))
            return jpeg_thumbnail(img, max_side)
    except _image_errors():
        return None


def jpeg_thumbnail(image: Image.Image, max_side: int = PREVIEW_MAX_SIDE) -> bytes | None:
    """``image`` (already in memory, e.g. a decoded video frame) as a preview JPEG of at most
    ``max_side`` px and ``PREVIEW_MAX_BYTES``; None if no quality fits."""
    thumb = image.convert("RGB")
    thumb.thumbnail((max_side, max_side))
    for quality in (75, 55, 35):
        out = io.BytesIO()
        thumb.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= PREVIEW_MAX_BYTES:
            return out.getvalue()
    return None


# Per file version (path, device, inode, mtime, size): answering about the same output again reads
# nothing. A version is looked up by ``lstat`` of the path (a symlink never matches), so a repeat
# answer costs one ``lstat`` on the event loop instead of a hop to a worker thread: the facts
# themselves were read earlier from the file opened by ``open_saved``, and a file changed since
# (or a different file under the same name) is a different version, read again.
_Key = tuple[str, int, int, int, int]
_FACTS: OrderedDict[tuple[_Key, bool], ImageFacts | str | None] = OrderedDict()
_PREVIEWS: OrderedDict[_Key, bytes | None] = OrderedDict()
_CACHE_SIZE = 256
# Worker threads fill the caches while the event loop reads them.
_LOCK = threading.Lock()
_MISSING = object()


def _key(path: Path, info: os.stat_result) -> _Key:
    return (str(path), info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)


def _known_key(path: Path) -> _Key | None:
    """The cache key of the regular file now at ``path`` (not followed if a symlink), or None."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return None
    return _key(path, info) if stat.S_ISREG(info.st_mode) else None


def _peek(cache: OrderedDict[_K, _V], key: _K) -> _V | object:
    with _LOCK:
        if key not in cache:
            return _MISSING
        cache.move_to_end(key)
        return cache[key]


def _remembered(cache: OrderedDict[_K, _V], key: _K, make: Callable[[], _V]) -> _V:
    found = _peek(cache, key)
    if found is not _MISSING:
        return found  # pyright: ignore[reportReturnType]
    value = make()
    with _LOCK:
        cache[key] = value
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _facts_of(fh: BinaryIO, size: int) -> ImageFacts | str:
    try:
        # Large files: header only (a full verify would read the whole file into memory).
        return image_facts(fh, verify=size <= PREVIEW_SOURCE_MAX_BYTES)
    except MediaError as exc:
        return str(exc)


def _described(size: int, facts: ImageFacts | str | None) -> tuple[int, ImageFacts | None, str | None]:
    return (size, None, facts) if isinstance(facts, str) else (size, facts, None)


def describe_file(path: Path, check_image: bool) -> tuple[int, ImageFacts | None, str | None]:
    """Size of a saved file and, when ``check_image``, its image facts or what is wrong with it.
    Read from the file opened once by ``open_saved`` (never through a symlink), cached per version."""
    with os.fdopen(open_saved(path), "rb") as fh:
        info = os.fstat(fh.fileno())
        facts = _remembered(
            _FACTS,
            (_key(path, info), check_image),
            lambda: _facts_of(fh, info.st_size) if check_image else None,
        )
    return _described(info.st_size, facts)


async def describe_file_async(path: Path, check_image: bool) -> tuple[int, ImageFacts | None, str | None]:
    """``describe_file`` answered on the event loop when this version of the file was described
    before, else in a worker thread (Pillow reads the file)."""
    key = _known_key(path)
    if key is not None:
        found = _peek(_FACTS, (key, check_image))
        if found is not _MISSING:
            return _described(key[4], found)  # pyright: ignore[reportArgumentType]
    return await anyio.to_thread.run_sync(describe_file, path, check_image)


def known_files(paths: Sequence[str | Path]) -> bool:
    """Whether each of ``paths`` is a regular file in a version described before (one ``lstat``
    each, no thread): False says "look", not "missing"."""
    for path in paths:
        key = _known_key(Path(path))
        if key is None or all(_peek(_FACTS, (key, check)) is _MISSING for check in (True, False)):
            return False
    return True


def file_preview(path: Path) -> bytes | None:
    """``make_preview`` of a saved file (opened like ``describe_file``), cached: asking about the
    same task again costs nothing."""
    try:
        fh = os.fdopen(open_saved(path), "rb")
    except (MediaError, OSError):
        return None
    with fh:
        info = os.fstat(fh.fileno())
        if info.st_size > PREVIEW_SOURCE_MAX_BYTES:
            return None
        return _remembered(_PREVIEWS, _key(path, info), lambda: make_preview(fh))


async def file_preview_async(path: Path) -> bytes | None:
    """``file_preview``: from the cache on the event loop, else rendered in a worker thread."""
    key = _known_key(path)
    if key is not None:
        found = _peek(_PREVIEWS, key)
        if found is not _MISSING:
            return found  # pyright: ignore[reportReturnType]
    return await anyio.to_thread.run_sync(file_preview, path)
