"""Where files go, what they are called, small previews, and reading inputs safely.

One rule decides every file access: a path is used only when, with symlinks resolved, it lies
inside an allowed folder (the host's workspace roots, ``PIXAPI_OUTPUT_DIR``, the per-user output
folder and ``PIXAPI_ALLOWED_DIRS``). Reads of edit inputs and writes of outputs both go through
``ensure_inside``. URL inputs go through ``check_public_url`` (after DNS resolution, on every
redirect hop) so a prompt cannot make the server fetch from the machine's private network.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import ipaddress
import mimetypes
import re
import socket
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import anyio
import anyio.to_thread

if TYPE_CHECKING:
    from PIL import Image

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import ImageFile

# An edit input larger than this is refused before it is uploaded.
MAX_INPUT_BYTES = 25 * 1024 * 1024
MAX_INPUT_SIDE = 8192
PREVIEW_MAX_SIDE = 256
PREVIEW_MAX_BYTES = 200_000
# Larger saved outputs get no preview and no full verification: Pillow would read (and decode)
# the whole file into memory, hundreds of MB for a big image. Their header still gives the size.
PREVIEW_SOURCE_MAX_BYTES = 20 * 1024 * 1024
WORKSPACE_SUBDIR = "pixapi-output"


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


class MediaError(ValueError):
    """An input or output location was refused; the message says why and what to do instead."""


# -- allowed folders ---------------------------------------------------------------------------


def roots_to_paths(uris: Iterable[str]) -> list[Path]:
    """Local folders from MCP root URIs (only ``file://`` roots count)."""
    paths: list[Path] = []
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme == "file" and parts.path:
            paths.append(Path(unquote(parts.path)))
    return paths


def allowed_folders(settings: Settings, roots: Sequence[Path]) -> list[Path]:
    """Every folder tools may read from or write to, resolved."""
    folders = [*roots, *settings.allowed_dirs, settings.default_output_dir]
    seen: list[Path] = []
    for folder in folders:
        resolved = folder.expanduser().resolve()
        if resolved not in seen:
            seen.append(resolved)
    return seen


# Longer path text is refused before it reaches the file system (Linux PATH_MAX is 4096 bytes).
MAX_PATH_CHARS = 4096


def shown(text: str, limit: int = 200) -> str:
    """``text`` cut short for an error message: a 300 KB argument must not come back 300 KB long."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def local_path(text: str) -> Path:
    """A path from user text, ``~`` expanded; ``MediaError`` for text no file system takes (NUL
    bytes, unpaired surrogates, an unknown ``~user``, absurd length) instead of a crash later."""
    if len(text) > MAX_PATH_CHARS:
        raise MediaError(f"the path {shown(text, 60)} is too long ({len(text)} characters).")
    if "\x00" in text:
        raise MediaError("paths cannot contain NUL characters.")
    try:
        text.encode("utf-8")
        return Path(text).expanduser()
    except UnicodeEncodeError:
        raise MediaError("the path is not valid Unicode text (it contains an unpaired surrogate).") from None
    except RuntimeError:  # "~someone" with no such user
        raise MediaError(f"{shown(text)}: cannot expand `~` (no such user); use an absolute path.") from None


def ensure_inside(path: Path, allowed: Sequence[Path]) -> Path:
    """``path`` resolved (symlinks followed); raises ``MediaError`` unless it lies in ``allowed``."""
    try:
        resolved = path.expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, overlong names, NUL bytes
        raise MediaError(f"{shown(str(path))} cannot be used: {_reason(exc)}.") from None
    for folder in allowed:
        if resolved == folder or resolved.is_relative_to(folder):
            return resolved
    names = ", ".join(str(f) for f in allowed) or "(none)"
    raise MediaError(
        f"{shown(str(path))} is outside the allowed folders ({names}). Use a path inside the workspace, "
        "or add the folder to PIXAPI_ALLOWED_DIRS."
    )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return "symlink loop" if isinstance(exc, RuntimeError) else type(exc).__name__


def choose_output_dir(requested: str | None, settings: Settings, roots: Sequence[Path]) -> Path:
    """Where outputs of one call go: the explicit ``output_dir`` (relative paths are taken from the
    workspace root), else the host's first workspace root, else ``PIXAPI_OUTPUT_DIR``, else the
    per-user folder. Always inside an allowed folder; created if missing."""
    allowed = allowed_folders(settings, roots)
    if requested:
        candidate = local_path(requested)
        if not candidate.is_absolute():
            base = roots[0] if roots else settings.default_output_dir
            candidate = base / candidate
        target = ensure_inside(candidate, allowed)
    elif roots:
        target = ensure_inside(roots[0] / WORKSPACE_SUBDIR, allowed)
    else:
        target = ensure_inside(settings.default_output_dir, allowed)
    try:
        if target.exists() and not target.is_dir():
            raise MediaError(f"{shown(str(target))} exists and is not a folder; choose another output_dir.")
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a name too long, a read-only or full disk, a file in the way
        raise MediaError(f"Cannot create the folder {shown(str(target))}: {_reason(exc)}.") from None
    return target


# -- names ----------------------------------------------------------------------------------


def slug(text: str, limit: int = 40) -> str:
    """A short, filesystem-safe, lowercase ASCII version of ``text``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()
    return words[:limit].rstrip("-") or "untitled"


def extension_for(content_type: str | None, url: str | None, kind: str) -> str:
    """A file extension from the content type, else the URL, else the media kind."""
    if content_type:
        guessed = mimetypes.guess_extension(content_type.split(";")[0].strip())
        if guessed:
            return {".jpe": ".jpg", ".jpeg": ".jpg"}.get(guessed, guessed)
    if url:
        suffix = Path(urlsplit(url).path).suffix.lower()
        if re.fullmatch(r"\.[a-z0-9]{2,5}", suffix):
            return suffix
    return ".mp4" if kind == "video" else ".png"


def output_name(kind: str, model: str, prompt: str, index: int, ext: str, when: float | None = None) -> str:
    """``20261121-224501-image-nano-banana-a-red-fox-1.png``: sortable, says what it is."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    return f"{stamp}-{kind}-{slug(model, 30)}-{slug(prompt)}-{index}{ext}"


def candidate_paths(folder: Path, name: str) -> Iterable[Path]:
    """``name``, then ``name-2``, ``name-3``...: writers create exclusively and take the next one
    when a file exists, so nothing is ever overwritten, even by a concurrent call."""
    stem, ext = Path(name).stem, Path(name).suffix
    yield folder / name
    for n in range(2, 10_000):
        yield folder / f"{stem}-{n}{ext}"


def write_new_file(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a fresh file in ``folder`` (never overwriting); returns its path."""
    for path in candidate_paths(folder, name):
        try:
            with path.open("xb") as fh:
                fh.write(data)
            return path
        except FileExistsError:
            continue
    raise MediaError(f"Could not find a free file name for {name} in {folder}.")


# -- images ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageFacts:
    width: int
    height: int
    format: str


def _open(source: bytes | Path) -> Image.Image:
    # A path is read lazily by Pillow (header first, pixels on demand), never whole into memory.
    from PIL import Image  # imported on first use: Pillow costs start-up time the server rarely needs

    return Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)


def _image_errors() -> tuple[type[BaseException], ...]:
    """What Pillow raises for bytes that are not a (safe) image."""
    from PIL import Image, UnidentifiedImageError

    return (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def image_facts(source: bytes | Path, *, verify: bool = True) -> ImageFacts:
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


def make_preview(source: bytes | Path, max_side: int = PREVIEW_MAX_SIDE) -> bytes | None:
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


@functools.lru_cache(maxsize=256)
def _file_facts(path: str, mtime_ns: int, size: int) -> ImageFacts | str:
    del mtime_ns  # part of the cache key only
    try:
        # Large files: header only (a full verify would read the whole file into memory).
        return image_facts(Path(path), verify=size <= PREVIEW_SOURCE_MAX_BYTES)
    except MediaError as exc:
        return str(exc)


def describe_file(path: Path, check_image: bool) -> tuple[int, ImageFacts | None, str | None]:
    """Size of a saved file and, when ``check_image``, its image facts or what is wrong with it
    (cached per file version, so answering about the same output again reads nothing)."""
    stat = path.stat()
    if not check_image:
        return stat.st_size, None, None
    facts = _file_facts(str(path), stat.st_mtime_ns, stat.st_size)
    return (stat.st_size, None, facts) if isinstance(facts, str) else (stat.st_size, facts, None)


@functools.lru_cache(maxsize=128)
def _file_preview(path: str, mtime_ns: int, size: int) -> bytes | None:
    del mtime_ns, size  # part of the cache key only: a changed file gets a new preview
    return make_preview(Path(path))


def file_preview(path: Path) -> bytes | None:
    """``make_preview`` of a saved file, cached: asking about the same task again costs nothing."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size > PREVIEW_SOURCE_MAX_BYTES:
        return None
    return _file_preview(str(path), stat.st_mtime_ns, stat.st_size)


async def file_preview_async(path: Path) -> bytes | None:
    return await anyio.to_thread.run_sync(file_preview, path)


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
    """A local edit input: relative paths are taken from the workspace root; must be inside an
    allowed folder, a regular file, and a real image."""
    path = local_path(path_text)
    if not path.is_absolute():
        path = (roots[0] if roots else Path.cwd()) / path
    resolved = ensure_inside(path, allowed)
    try:
        if not resolved.is_file():
            raise MediaError(f"{shown(path_text)} does not exist or is not a file.")
        size = resolved.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise MediaError(
                f"{shown(path_text)} is {size // 1024 // 1024} MB; inputs are limited to "
                f"{MAX_INPUT_BYTES // 1024 // 1024} MB."
            )
        data = resolved.read_bytes()
    except OSError as exc:  # unreadable, vanished, too long a name
        raise MediaError(f"Cannot read {shown(path_text)}: {_reason(exc)}.") from None
    return check_input_image(resolved.name, data)


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


# -- URL safety -----------------------------------------------------------------------------

Resolver = Callable[[str, int], Awaitable[list[str]]]


async def _resolve_host(host: str, port: int) -> list[str]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local (cloud metadata lives there), multicast, reserved,
    unspecified and shared (CGNAT) addresses, including IPv4 mapped into IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_guard(
    allow_private: bool, resolve: Resolver = _resolve_host, allow_hosts: Iterable[str] = ()
) -> Callable[[str], Awaitable[None]]:
    """A check run before every URL fetch (and every redirect hop): https/http only, and the host
    must resolve only to public addresses unless ``allow_private`` (PIXAPI_ALLOW_PRIVATE_URLS).
    ``allow_hosts`` lists hosts trusted regardless (the in-process sandbox)."""
    trusted = {h.lower() for h in allow_hosts}

    async def guard(url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MediaError(f"Only http(s) URLs can be fetched, not {parts.scheme or 'this'}: URLs.")
        host = parts.hostname.lower()
        if allow_private or host in trusted:
            return
        try:
            addresses = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        except OSError:
            raise MediaError(f"Could not resolve {host}.") from None
        if not addresses or not all(is_public_address(a) for a in addresses):
            raise MediaError(
                f"{host} resolves to a private, loopback or link-local address; fetching it is refused. "
                "Set PIXAPI_ALLOW_PRIVATE_URLS=1 to allow local URLs."
            )

    return guard
