"""A video a browser can play, made from one it cannot: MJPEG AVI (what the sandbox writes, and what
no browser's ``<video>`` decodes) re-encoded to VP8 in WebM, which every browser plays.

It needs PyAV (the optional ``video`` extra, which bundles FFmpeg with libvpx); without it
``available()`` is false and the app shows the poster and the saved path instead. The work is
bounded (source size, frame count, output size) and cached per file version, since the app may
ask for the same video again.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_SOURCE_BYTES = 64 * 1024 * 1024
MAX_FRAMES = 1800  # a minute at 30 fps
_BITRATE = 1_500_000


def available() -> bool:
    """Whether PyAV is installed (found without importing FFmpeg)."""
    return importlib.util.find_spec("av") is not None


def webm_from_mjpeg(path: Path, max_bytes: int) -> bytes | None:
    """The video at ``path`` as VP8 WebM, or None when the result would exceed ``max_bytes``.
    Raises ``OSError`` for a file that is not there. Blocking: run it in a worker thread."""
    stat = path.stat()
    if stat.st_size > MAX_SOURCE_BYTES:
        return None
    data = _encoded(str(path), stat.st_mtime_ns, stat.st_size)
    return data if data is not None and len(data) <= max_bytes else None


@functools.lru_cache(maxsize=8)
def _encoded(path: str, mtime_ns: int, size: int) -> bytes | None:
    del mtime_ns, size  # part of the cache key only: a changed file is encoded again
    import av  # the optional `video` extra

    source: Any = av.open(path)
    out = io.BytesIO()
    target: Any = av.open(out, mode="w", format="webm")
    try:
        stream_in = source.streams.video[0]
        rate = stream_in.average_rate or 8
        stream = target.add_stream("libvpx", rate=rate)
        stream.width = stream_in.codec_context.width // 2 * 2
        stream.height = stream_in.codec_context.height // 2 * 2
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = _BITRATE
        for count, frame in enumerate(source.decode(video=0)):
            if count >= MAX_FRAMES:
                break
            picture = frame.reformat(width=stream.width, height=stream.height, format="yuv420p")
            picture.pts = None
            for packet in stream.encode(picture):
                target.mux(packet)
        for packet in stream.encode():
            target.mux(packet)
    except Exception:  # FFmpeg's errors are many; a video the app cannot play is never fatal
        log.debug("cannot re-encode %s", path, exc_info=True)
        return None
    finally:
        target.close()
        source.close()
    return out.getvalue()
