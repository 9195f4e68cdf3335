"""What a saved video is: its container, pixel size and length, and a poster frame for a preview.

Read from the file's own headers in pure Python, with bounded reads (a 500 MB video is never read
whole): the RIFF AVI headers (``avih``/``strh``/``strf``, what the sandbox writes) and the MP4 /
QuickTime boxes (``moov`` > ``mvhd``, ``trak`` > ``tkhd`` of the ``vide`` track; the ISO base
media file format, ISO/IEC 14496-12), which is what hosted video APIs return.

A poster frame needs the first frame as a picture. An MJPEG AVI stores each frame as a JPEG, so
Pillow reads it directly. Other codecs (H.264 in MP4 above all) need a decoder: PyAV (the optional
``video`` extra, which bundles FFmpeg) when it is installed; otherwise ``Poster.note`` says plainly
why there is no preview. The work is blocking file I/O: callers run it off the event loop
(``anyio.to_thread``) and results are cached per file version.
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pixapi_mcp import media

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

# Header reads are bounded: an AVI's ``hdrl`` list and an MP4's ``moov`` box are a few KB to a few
# MB (``moov`` grows with the sample tables of long videos); larger means a broken or hostile file.
MAX_HEADER_BYTES = 16 * 1024 * 1024
MAX_FRAME_BYTES = 16 * 1024 * 1024
# Boxes walked at most, so a file of a million empty boxes cannot keep a worker thread busy.
MAX_BOXES = 10_000
VIDEO_EXTRA = "pip install 'pixapi-mcp[video]'"

_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"udta"}


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """What the headers say; any field may be unknown (None)."""

    media_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None  # seconds
    codec: str | None = None  # fourcc / FFmpeg name, e.g. "MJPG", "avc1"


@dataclass(frozen=True, slots=True)
class Poster:
    """A small JPEG of the first frame, or why there is none."""

    jpeg: bytes | None
    note: str | None = None


# -- containers ---------------------------------------------------------------------------------


def read_facts(path: Path) -> VideoFacts:
    """The facts of the video at ``path``; an empty ``VideoFacts`` when the container is unknown or
    its headers cannot be read (never raises for a bad file)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
                return _avi_facts(fh)
            if head[4:8] == b"ftyp":
                return _mp4_facts(fh, head[8:12])
            if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska / WebM, sized by the decoder only
                return VideoFacts(media_type="video/webm")
    except (OSError, struct.error, ValueError):
        log.debug("cannot read video headers of %s", path, exc_info=True)
    return VideoFacts()


def _chunks(fh: IO[bytes], start: int, end: int) -> list[tuple[bytes, int, int]]:
    """RIFF chunks between ``start`` and ``end``: (fourcc, payload offset, payload size)."""
    found: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end and len(found) < MAX_BOXES:
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            break
        fourcc, size = header[:4], struct.unpack("<I", header[4:])[0]
        found.append((fourcc, pos + 8, size))
        pos += 8 + size + (size & 1)  # word-aligned
    return found


def _avi_list(fh: IO[bytes], chunks: list[tuple[bytes, int, int]], kind: bytes) -> tuple[int, int] | None:
    for fourcc, offset, size in chunks:
        if fourcc == b"LIST":
            fh.seek(offset)
            if fh.read(4) == kind:
                return offset + 4, offset + size
    return None


def _avi_facts(fh: IO[bytes]) -> VideoFacts:
    fh.seek(0, 2)
    top = _chunks(fh, 12, fh.tell())
    hdrl = _avi_list(fh, top, b"hdrl")
    if hdrl is None or hdrl[1] - hdrl[0] > MAX_HEADER_BYTES:
        return VideoFacts(media_type="video/x-msvideo")
    fh.seek(hdrl[0])
    data = fh.read(hdrl[1] - hdrl[0])
    width = height = None
    duration = None
    codec = None
    if data[:4] == b"avih" and len(data) >= 8 + 40:
        us_per_frame, _, _, _, frames = struct.unpack("<5I", data[8:28])
        width, height = struct.unpack("<2I", data[8 + 32 : 8 + 40])
        duration = round(frames * us_per_frame / 1_000_000, 3) if us_per_frame else None
    at = data.find(b"strh")
    if at >= 0 and data[at + 8 : at + 12] == b"vids":
        codec = data[at + 12 : at + 16].decode("latin-1").strip("\0 ") or None
    return VideoFacts("video/x-msvideo", width or None, height or None, duration, codec)


def _boxes(fh: IO[bytes], start: int, end: int) -> list[tuple[bytes, int, int]]:
    """MP4 boxes between ``start`` and ``end``: (type, payload offset, payload size)."""
    found: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end and len(found) < MAX_BOXES:
        fh.seek(pos)
        header = fh.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I", header[:4])[0], header[4:]
        head_len = 8
        if size == 1:  # a 64-bit size follows
            size = struct.unpack(">Q", fh.read(8))[0]
            head_len = 16
        elif size == 0:  # to the end of the file
            size = end - pos
        if size < head_len:
            break
        found.append((kind, pos + head_len, size - head_len))
        pos += size
    return found


def _mp4_facts(fh: IO[bytes], brand: bytes) -> VideoFacts:
    media_type = "video/quicktime" if brand == b"qt  " else "video/mp4"
    fh.seek(0, 2)
    moov = next((b for b in _boxes(fh, 0, fh.tell()) if b[0] == b"moov"), None)
    if moov is None or moov[2] > MAX_HEADER_BYTES:
        return VideoFacts(media_type=media_type)
    fh.seek(moov[1])
    data = fh.read(moov[2])
    duration = None
    width = height = None
    codec = None
    for kind, body in _walk(data):
        if kind == b"mvhd":
            duration = _mvhd_duration(body)
        elif kind == b"trak":
            track = dict(_walk(body))
            if track.get(b"hdlr", b"")[8:12] != b"vide" or b"tkhd" not in track:
                continue
            width, height = _tkhd_size(track[b"tkhd"])
            stsd = track.get(b"stsd", b"")  # version, flags, count, then the first entry's size, format
            if len(stsd) >= 16:
                codec = stsd[12:16].decode("latin-1").strip("\0 ") or None
            break
    return VideoFacts(media_type, width, height, duration, codec)


def _walk(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every box in ``data`` (an in-memory ``moov``), depth first, containers opened."""
    out: list[tuple[bytes, bytes]] = []
    stack = [(0, len(data))]
    while stack and len(out) < MAX_BOXES:
        pos, end = stack.pop()
        while pos + 8 <= end and len(out) < MAX_BOXES:
            size, kind = struct.unpack(">I", data[pos : pos + 4])[0], data[pos + 4 : pos + 8]
            head = 8
            if size == 1:
                size, head = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
            elif size == 0:
                size = end - pos
            if size < head or pos + size > end:
                break
            body = data[pos + head : pos + size]
            out.append((kind, body))
            if kind in _MP4_CONTAINERS and kind != b"trak":
                stack.append((pos + head, pos + size))
            pos += size
    return out


def _mvhd_duration(body: bytes) -> float | None:
    if body[:1] == b"\x01":  # version 1: 64-bit times
        timescale, duration = struct.unpack(">IQ", body[20:32])
    else:
        timescale, duration = struct.unpack(">II", body[12:20])
    return round(duration / timescale, 3) if timescale else None


def _tkhd_size(body: bytes) -> tuple[int | None, int | None]:
    # The last 44 bytes are the 3x3 matrix then width and height as 16.16 fixed point; a matrix
    # that turns by 90 degrees (a portrait phone video) swaps what a viewer sees.
    if len(body) < 84:
        return None, None
    a, b = struct.unpack(">ii", body[-44:-36])
    width, height = (value >> 16 for value in struct.unpack(">II", body[-8:]))
    if a == 0 and b != 0:
        width, height = height, width
    return width or None, height or None


# -- poster frames ------------------------------------------------------------------------------


def first_mjpeg_frame(path: Path) -> bytes | None:
    """The first frame of an MJPEG AVI (a JPEG), read without a video decoder; None otherwise."""
    with path.open("rb") as fh:
        if fh.read(12)[8:12] != b"AVI ":
            return None
        fh.seek(0, 2)
        top = _chunks(fh, 12, fh.tell())
        movi = _avi_list(fh, top, b"movi")
        if movi is None:
            return None
        for fourcc, offset, size in _chunks(fh, movi[0], movi[1]):
            if fourcc[2:] in (b"dc", b"db") and 0 < size <= MAX_FRAME_BYTES:
                fh.seek(offset)
                frame = fh.read(size)
                return frame if frame[:2] == b"\xff\xd8" else None
    return None


def _decoded_first_frame(path: Path) -> Image.Image | None:
    """The first frame decoded by PyAV; raises ``ImportError`` when PyAV is not installed."""
    import av  # the optional `video` extra: FFmpeg is large and only posters need it

    container: Any = av.open(str(path))
    try:
        for frame in container.decode(video=0):
            return frame.to_image()
    finally:
        container.close()
    return None


def make_poster(
    path: Path, facts: VideoFacts, decode: Callable[[Path], Image.Image | None] | None = None
) -> Poster:
    """A preview of the first frame, or the reason there is none. ``decode`` reads the first frame
    of codecs Pillow cannot (default: PyAV, raising ``ImportError`` when it is not installed)."""
    try:
        if facts.codec == "MJPG":
            frame = first_mjpeg_frame(path)
            jpeg = media.make_preview(frame) if frame else None
            if jpeg:
                return Poster(jpeg)
        try:
            image = (decode or _decoded_first_frame)(path)
        except ImportError:
            return Poster(
                None,
                f"No poster frame: decoding {facts.codec or 'this'} video needs PyAV ({VIDEO_EXTRA}).",
            )
        if image is not None:
            jpeg = media.jpeg_thumbnail(image)
            if jpeg:
                return Poster(jpeg)
    except Exception as exc:  # FFmpeg's errors are many; a poster is never worth failing a result
        log.debug("no poster for %s", path, exc_info=True)
        return Poster(None, f"No poster frame: the first frame could not be decoded ({type(exc).__name__}).")
    return Poster(None, "No poster frame: the video has no decodable first frame.")


@functools.lru_cache(maxsize=128)
def _cached(path: str, mtime_ns: int, size: int) -> tuple[VideoFacts, Poster]:
    del mtime_ns, size  # part of the cache key only: a changed file is read again
    facts = read_facts(Path(path))
    if facts.media_type is None:
        return facts, Poster(None, "No poster frame: not a video container this server reads.")
    return facts, make_poster(Path(path), facts)


def describe_video(path: Path) -> tuple[VideoFacts, Poster]:
    """Facts and poster of a saved video, cached per file version (a second ``get_task`` on the
    same task reads nothing). Blocking: run it in a worker thread."""
    try:
        stat = path.stat()
    except OSError:
        return VideoFacts(), Poster(None, "No poster frame: the file is gone.")
    return _cached(str(path), stat.st_mtime_ns, stat.st_size)
