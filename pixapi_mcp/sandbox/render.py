"""Real, small, deterministic media for the sandbox: PNG images and MJPEG AVI videos.

Outputs are seeded from a hash of the prompt, so the same request gives the same pixels (tests
can compare) and different prompts give visibly different images (a client that mixes up
results shows it). Edits are visibly built from the uploaded images. The video writer produces a
standard RIFF AVI with JPEG frames, which every common player and ffmpeg decode, written here
with Pillow alone so the sandbox needs no codec library.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import random
import re
import struct
import textwrap
import zlib
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

MIB = 1024 * 1024
DEFAULT_IMAGE_SIZE = (1024, 1024)
# Videos stay small: the sandbox exists to exercise integration code, not to benchmark codecs.
MAX_VIDEO_SIDE = 640
DEFAULT_VIDEO_SIZE = (640, 360)
VIDEO_FPS = 8
MIN_VIDEO_SECONDS = 1.0
MAX_VIDEO_SECONDS = 3.0
DEFAULT_VIDEO_SECONDS = 2.0
# Uploads larger than this many pixels are refused before decoding (decompression bombs).
MAX_UPLOAD_PIXELS = 40_000_000

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]


class UnreadableImage(ValueError):
    """An upload is not an image Pillow can read (or is too large to decode safely)."""


def _resize(
    image: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float] | None = None
) -> Image.Image:
    # Pillow's stub for ``size`` includes a NumPy-like type pyright cannot see: one typed wrapper.
    return image.resize(size, box=box)  # pyright: ignore[reportUnknownMemberType]


def seed_for(*parts: str | int) -> int:
    """A stable seed from the request's parts (Python's ``hash`` is salted per process)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def image_size(size: str | None, max_side: int) -> tuple[int, int]:
    """Pixel size for an image ``size`` field (``auto`` is 1024x1024), capped at ``max_side`` on the
    longer side with the aspect ratio kept."""
    match = re.fullmatch(r"(\d+)x(\d+)", size or "")
    width, height = (int(match[1]), int(match[2])) if match else DEFAULT_IMAGE_SIZE
    return _fit(width, height, max_side, even=False)


def video_size(size: str | None) -> tuple[int, int]:
    """Pixel size for a video ``size`` field: ``WIDTHxHEIGHT`` or a ratio preset such as ``16:9``,
    scaled so the longer side is at most ``MAX_VIDEO_SIDE`` (ratio presets use exactly that)."""
    if size and (ratio := re.fullmatch(r"(\d+):(\d+)", size)):
        rw, rh = int(ratio[1]), int(ratio[2])
        if rw >= rh:
            return _even(MAX_VIDEO_SIDE), _even(MAX_VIDEO_SIDE * rh / rw)
        return _even(MAX_VIDEO_SIDE * rw / rh), _even(MAX_VIDEO_SIDE)
    if size and (dims := re.fullmatch(r"(\d+)x(\d+)", size)):
        return _fit(int(dims[1]), int(dims[2]), MAX_VIDEO_SIDE, even=True)
    return DEFAULT_VIDEO_SIZE


def video_seconds(duration: float | None) -> float:
    """Length of the sandbox video: the requested ``duration`` clamped to 1-3 s to keep files tiny."""
    if duration is None:
        return DEFAULT_VIDEO_SECONDS
    return min(max(duration, MIN_VIDEO_SECONDS), MAX_VIDEO_SECONDS)


def _even(value: float) -> int:
    # Many video decoders want even dimensions (chroma subsampling works on 2x2 blocks).
    return max(2, round(value / 2) * 2)


def _fit(width: int, height: int, max_side: int, *, even: bool) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    w, h = width * scale, height * scale
    if even:
        return _even(w), _even(h)
    return max(1, round(w)), max(1, round(h))


def _palette(rng: random.Random) -> list[RGB]:
    hue = rng.random()
    colours: list[RGB] = []
    for shift, sat, val in ((0.0, 0.65, 0.95), (0.33, 0.75, 0.55), (0.6, 0.5, 0.85), (0.15, 0.9, 0.7)):
        r, g, b = colorsys.hsv_to_rgb((hue + shift) % 1.0, sat, val)
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return colours


@functools.lru_cache(maxsize=16)
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def _caption(image: Image.Image, lines: Sequence[str]) -> None:
    """Write ``lines`` in a dark band at the bottom, so a human sees which prompt made the image."""
    width, height = image.size
    font_size = max(8, min(width, height) // 24)
    font = _font(font_size)
    chars = max(8, int(width / (font_size * 0.55)))
    wrapped: list[str] = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, chars) or [""])
    wrapped = wrapped[:4]
    band = (font_size + 4) * len(wrapped) + 8
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - band, width, height), fill=(20, 20, 24))
    y = height - band + 4
    for line in wrapped:
        draw.text((6, y), line, fill=(245, 245, 245), font=font)
        y += font_size + 4


def render_generation(prompt: str, model: str, index: int, size: tuple[int, int]) -> Image.Image:
    """A text-to-image output: a gradient and shapes whose colours and layout come from the prompt,
    with the prompt written on it. Output ``index`` varies the layout so ``n`` outputs differ."""
    width, height = size
    rng = random.Random(seed_for(prompt, model, index))
    colours = _palette(random.Random(seed_for(prompt)))
    mask = _resize(Image.linear_gradient("L"), (width, height))
    if rng.random() < 0.5:
        mask = _resize(mask.transpose(Image.Transpose.ROTATE_90), (width, height))
    image = Image.composite(Image.new("RGB", size, colours[0]), Image.new("RGB", size, colours[1]), mask)
    draw = ImageDraw.Draw(image)
    for _ in range(3 + rng.randrange(4)):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(0.08, 0.3) * min(width, height)
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        colour = colours[2 + rng.randrange(2)]
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    _caption(image, [prompt, f"{model} · sandbox #{index + 1}"])
    return image


def read_upload(data: bytes) -> Image.Image:
    """Decode an uploaded image as RGB, refusing non-images and decompression bombs."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_UPLOAD_PIXELS:
                raise UnreadableImage(f"image is {width}x{height}; the sandbox accepts up to 40 megapixels")
            probe.load()
            return probe.convert("RGB")
    except UnreadableImage:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UnreadableImage("not a readable image (send PNG, JPEG or WebP bytes)") from exc


def render_edit(
    prompt: str, sources: Sequence[Image.Image], index: int, size: tuple[int, int]
) -> Image.Image:
    """An edit output that visibly derives from its inputs: the inputs side by side, stretched to
    ``size``, tinted 20% toward the prompt's colour, framed by a border of that colour and
    captioned with the prompt."""
    if not sources:
        raise ValueError("an edit needs at least one source image")
    width, height = size
    tint = _palette(random.Random(seed_for(prompt)))[0]
    row_height = 256
    scaled = [
        _resize(src, (max(1, round(src.width * row_height / src.height)), row_height)) for src in sources
    ]
    strip = Image.new("RGB", (sum(s.width for s in scaled), row_height))
    x = 0
    for piece in scaled:
        strip.paste(piece, (x, 0))
        x += piece.width
    image = Image.blend(_resize(strip, size), Image.new("RGB", size, tint), 0.2)
    draw = ImageDraw.Draw(image)
    border = max(2, min(width, height) // 40)
    draw.rectangle((0, 0, width - 1, height - 1), outline=tint, width=border)
    if index:
        # Extra outputs of the same edit get a corner mark so n outputs are not identical.
        mark = max(4, min(width, height) // 10)
        draw.rectangle((border, border, border + mark, border + mark), fill=_palette(random.Random(index))[1])
    _caption(image, [prompt, f"edit of {len(sources)} image(s) · sandbox #{index + 1}"])
    return image


def encode_png(image: Image.Image, *, pad_to_bytes: int = 0) -> bytes:
    """PNG bytes; with ``pad_to_bytes``, padded with an ancillary private chunk up to about that size
    (decoders skip such chunks, so the image stays valid while the file is large)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    data = buffer.getvalue()
    padding = pad_to_bytes - len(data) - 12
    if padding <= 0:
        return data
    # 'pxPd': lowercase first letter = ancillary, second = private, fourth = safe to copy.
    kind = b"pxPd"
    body = bytes(padding)
    chunk = struct.pack(">I", padding) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + chunk + data[iend:]


def render_images(
    prompt: str, model: str, n: int, size: tuple[int, int], sources: Sequence[Image.Image], pad_mb: float
) -> list[bytes]:
    """The PNG files of one image request: ``n`` edits of ``sources``, or ``n`` generations when
    there are none; each padded to about ``pad_mb`` MB (the large_output fault)."""
    pad = int(pad_mb * MIB)
    images = [
        render_edit(prompt, sources, i, size) if sources else render_generation(prompt, model, i, size)
        for i in range(n)
    ]
    return [encode_png(image, pad_to_bytes=pad) for image in images]


def source_for_video(
    image: Image.Image | None, prompt: str, model: str, size: tuple[int, int]
) -> Image.Image:
    """The picture a video animates: the input image, cropped to the video's aspect, or a placeholder
    rendered from the prompt."""
    if image is None:
        return render_generation(prompt, model, 0, (size[0] * 5 // 4, size[1] * 5 // 4))
    target_ratio = size[0] / size[1]
    w, h = image.size
    if w / h > target_ratio:
        crop_w = round(h * target_ratio)
        left = (w - crop_w) // 2
        image = image.crop((left, 0, left + crop_w, h))
    else:
        crop_h = round(w / target_ratio)
        top = (h - crop_h) // 2
        image = image.crop((0, top, w, top + crop_h))
    return _resize(image, (size[0] * 5 // 4, size[1] * 5 // 4))


def render_video_frames(
    source: Image.Image, size: tuple[int, int], seconds: float, prompt: str
) -> list[bytes]:
    """JPEG frames panning and zooming across ``source`` (a slow Ken Burns move), captioned with the
    prompt and the time, with a progress bar, so consecutive frames visibly differ."""
    width, height = size
    count = max(2, round(seconds * VIDEO_FPS))
    frames: list[bytes] = []
    sw, sh = source.size
    for i in range(count):
        t = i / (count - 1)
        zoom = 1.0 + 0.25 * t
        # The source is 1.25x the frame: at zoom 1 the crop is exactly one frame of it.
        crop_w, crop_h = sw * 0.8 / zoom, sh * 0.8 / zoom
        left = (sw - crop_w) * t
        top = (sh - crop_h) * (0.5 - 0.3 * (t - 0.5))
        frame = _resize(source, size, box=(left, top, left + crop_w, top + crop_h))
        _caption(frame, [prompt, f"sandbox video · {i / VIDEO_FPS:.2f} s"])
        draw = ImageDraw.Draw(frame)
        bar = max(3, height // 60)
        draw.rectangle((0, height - bar, round(width * (i + 1) / count), height), fill=(255, 255, 255))
        buffer = io.BytesIO()
        frame.save(buffer, format="JPEG", quality=80)
        frames.append(buffer.getvalue())
    return frames


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    # RIFF chunks are word-aligned: odd payloads get one pad byte that the size does not count.
    return fourcc + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def _list(kind: bytes, payload: bytes) -> bytes:
    return _chunk(b"LIST", kind + payload)


def write_mjpeg_avi(
    frames: Sequence[bytes], size: tuple[int, int], fps: int, *, pad_to_bytes: int = 0
) -> bytes:
    """A RIFF AVI (``video/x-msvideo``) holding ``frames`` (JPEG bytes) as one MJPEG video stream with
    an ``idx1`` index. With ``pad_to_bytes`` a ``JUNK`` chunk (which readers skip) grows the file to
    about that size."""
    if not frames:
        raise ValueError("a video needs at least one frame")
    width, height = size
    count = len(frames)
    biggest = max(len(f) for f in frames) + 8
    avih = struct.pack(
        "<10I4I",
        round(1_000_000 / fps),  # microseconds per frame
        biggest * fps,  # max bytes per second
        0,  # padding granularity
        0x10,  # AVIF_HASINDEX
        count,
        0,  # initial frames
        1,  # streams
        biggest,  # suggested buffer size
        width,
        height,
        0,
        0,
        0,
        0,
    )
    strh = struct.pack(
        "<4s4sIHHIIIIIIIIhhhh",
        b"vids",
        b"MJPG",
        0,  # flags
        0,  # priority
        0,  # language
        0,  # initial frames
        1,  # scale: rate/scale = frames per second
        fps,
        0,  # start
        count,  # length in frames
        biggest,
        0xFFFFFFFF,  # quality: driver default
        0,  # sample size: varies per frame
        0,
        0,
        width,
        height,
    )
    strf = struct.pack("<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0)
    hdrl = _list(
        b"hdrl", _chunk(b"avih", avih) + _list(b"strl", _chunk(b"strh", strh) + _chunk(b"strf", strf))
    )

    movi_parts: list[bytes] = []
    index: list[bytes] = []
    offset = 4  # idx1 offsets count from the 'movi' fourcc
    for frame in frames:
        chunk = _chunk(b"00dc", frame)
        index.append(struct.pack("<4sIII", b"00dc", 0x10, offset, len(frame)))  # AVIIF_KEYFRAME
        movi_parts.append(chunk)
        offset += len(chunk)
    movi = _list(b"movi", b"".join(movi_parts))
    idx1 = _chunk(b"idx1", b"".join(index))

    junk = b""
    unpadded = 12 + len(hdrl) + len(movi) + len(idx1)
    if pad_to_bytes > unpadded + 8:
        junk = _chunk(b"JUNK", bytes(pad_to_bytes - unpadded - 8))
    body = b"AVI " + hdrl + junk + movi + idx1
    return b"RIFF" + struct.pack("<I", len(body)) + body
