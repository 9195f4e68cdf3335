"""Video facts and posters from real files: the sandbox's MJPEG AVI, and MP4 (H.264) files made
here with PyAV itself, faststart and not, turned, broken or hostile."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from pixapi_mcp import video_facts
from pixapi_mcp.sandbox import render
from pixapi_mcp.video_facts import VideoFacts, describe_video, make_poster, read_facts


def _avi_bytes(size: tuple[int, int] = (320, 180), seconds: float = 2.0, pad: int = 0) -> bytes:
    source = render.source_for_video(None, "a red kite", "veo", size)
    frames = render.render_video_frames(source, size, seconds, "a red kite")
    return render.write_mjpeg_avi(frames, size, render.VIDEO_FPS, pad_to_bytes=pad)


def _avi(tmp_path: Path, size: tuple[int, int] = (320, 180), seconds: float = 2.0, pad: int = 0) -> Path:
    path = tmp_path / "clip.avi"
    path.write_bytes(_avi_bytes(size, seconds, pad))
    return path


def _mp4(
    tmp_path: Path, size: tuple[int, int] = (96, 64), frames: int = 12, fps: int = 6, **options: str
) -> Path:
    av: Any = pytest.importorskip("av")
    path = tmp_path / f"clip-{len(options)}.mp4"
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            picture = Image.new("RGB", size, (200, 40 + i * 10, 30))
            for packet in stream.encode(av.VideoFrame.from_image(picture)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_an_mjpeg_avi_gives_its_size_length_and_first_frame(tmp_path: Path) -> None:
    path = _avi(tmp_path, (320, 180), 2.0, pad=3 * 2**20)  # a JUNK chunk of 3 MB before the frames
    facts = read_facts(path)
    assert facts == VideoFacts("video/x-msvideo", 320, 180, 2.0, "MJPG")
    frame = video_facts.first_mjpeg_frame(path)
    assert frame is not None and Image.open(io.BytesIO(frame)).size == (320, 180)

    def no_decoder(_: Path) -> Image.Image | None:
        raise ImportError("av")

    poster = make_poster(path, facts, decode=no_decoder)  # MJPEG needs no decoder
    assert poster.note is None and poster.jpeg is not None
    assert Image.open(io.BytesIO(poster.jpeg)).size == (256, 144)


@pytest.mark.parametrize("options", [{}, {"movflags": "faststart"}], ids=["moov-last", "faststart"])
def test_an_h264_mp4_gives_its_size_length_and_a_decoded_poster(
    tmp_path: Path, options: dict[str, str]
) -> None:
    path = _mp4(tmp_path, (96, 64), frames=12, fps=6, **options)
    facts = read_facts(path)
    assert (facts.media_type, facts.width, facts.height, facts.codec) == ("video/mp4", 96, 64, "avc1")
    assert facts.duration == pytest.approx(2.0, abs=0.2)
    poster = make_poster(path, facts)
    assert poster.note is None and poster.jpeg is not None
    picture = Image.open(io.BytesIO(poster.jpeg))
    assert picture.size == (96, 64)
    first = Image.new("RGB", (96, 64), (200, 40, 30))  # the first frame's colour, not a later one
    assert sum(ImageStat.Stat(ImageChops.difference(first, picture.convert("RGB"))).mean) / 3 < 8


def test_without_pyav_an_mp4_says_why_it_has_no_poster(tmp_path: Path) -> None:
    path = _mp4(tmp_path)

    def no_decoder(_: Path) -> Image.Image | None:
        raise ImportError("No module named 'av'")

    poster = make_poster(path, read_facts(path), decode=no_decoder)
    assert poster.jpeg is None and poster.note is not None
    assert "PyAV" in poster.note and "pixapi-mcp[video]" in poster.note


def test_a_turned_mp4_reports_the_size_a_viewer_sees(tmp_path: Path) -> None:
    data = bytearray(_mp4(tmp_path, (96, 64)).read_bytes())
    at = data.index(b"tkhd")
    end = at - 4 + struct.unpack(">I", data[at - 4 : at])[0]
    # 90 degrees: a=0, b=1, c=-1, d=0 (16.16 fixed point).
    data[end - 44 : end - 28] = struct.pack(">iiii", 0, 1 << 16, 0, -(1 << 16))
    turned = tmp_path / "turned.mp4"
    turned.write_bytes(bytes(data))
    facts = read_facts(turned)
    assert (facts.width, facts.height) == (64, 96)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty", b""),
        ("text", b"not a video at all"),
        ("truncated-avi", b"RIFF\xff\xff\x00\x00AVI LIST\x40\x00\x00\x00hdrlavih"),
        ("truncated-mp4", _box(b"ftyp", b"isom\0\0\0\0") + b"\x00\x00\x10\x00moov\x00\x00"),
        # A moov that claims 4 GB: refused unread, the container still named.
        ("huge-moov", _box(b"ftyp", b"isom\0\0\0\0") + b"\xff\xff\xff\xffmoov" + bytes(64)),
        # A 64-bit size far past the end of the file.
        ("wide-box", _box(b"ftyp", b"isom\0\0\0\0") + struct.pack(">I4sQ", 1, b"moov", 2**62)),
        ("many-boxes", _box(b"ftyp", b"isom\0\0\0\0") + _box(b"free", b"") * 50_000),
    ],
)
def test_broken_or_hostile_files_give_no_facts_and_never_raise(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    facts, poster = describe_video(path)
    assert (facts.width, facts.height, facts.duration) == (None, None, None)
    assert poster.jpeg is None and poster.note


def test_quicktime_and_webm_are_named(tmp_path: Path) -> None:
    mov = tmp_path / "a.mov"
    mov.write_bytes(_box(b"ftyp", b"qt  \0\0\0\0"))
    assert read_facts(mov).media_type == "video/quicktime"
    webm = tmp_path / "a.webm"
    webm.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(20))
    assert read_facts(webm) == VideoFacts(media_type="video/webm")


def test_describe_video_is_cached_per_file_version(tmp_path: Path) -> None:
    path = _avi(tmp_path, (160, 90), 1.0)
    first = describe_video(path)
    assert describe_video(path) is first
    path.write_bytes(_avi_bytes((320, 180), 1.0))
    assert describe_video(path)[0].width == 320
