"""File placement, names, previews and the attack tables: traversal, symlinks and SSRF are refused."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pixapi_mcp import media
from pixapi_mcp.config import Settings


def _png(size: tuple[int, int] = (32, 32), color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_output_dir_precedence(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings()
    root = tmp_path / "ws"
    root.mkdir()
    assert media.choose_output_dir(None, settings, [root]) == (root / "pixapi-output").resolve()
    assert media.choose_output_dir(None, settings, []) == (tmp_path / "out").resolve()
    assert media.choose_output_dir("assets/img", settings, [root]) == (root / "assets" / "img").resolve()
    no_env = make_settings({"PIXAPI_OUTPUT_DIR": ""})
    assert media.choose_output_dir(None, no_env, []) == (tmp_path / "data" / "outputs").resolve()


TRAVERSALS = [
    "../outside",
    "../../etc",
    "/etc",
    "/",
    "~/.ssh",
    "sub/../../outside",
    "./././../outside",
]


@pytest.mark.parametrize("requested", TRAVERSALS)
def test_output_dir_traversal_is_refused(
    make_settings: Callable[..., Settings], tmp_path: Path, requested: str
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    with pytest.raises(media.MediaError, match="outside the allowed folders"):
        media.choose_output_dir(requested, make_settings(), [root])


def test_symlinks_out_are_refused(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.png").write_bytes(_png())
    (root / "escape").symlink_to(secret)
    (root / "pic.png").symlink_to(secret / "key.png")
    allowed = media.allowed_folders(make_settings(), [root])
    with pytest.raises(media.MediaError):
        media.choose_output_dir("escape", make_settings(), [root])
    with pytest.raises(media.MediaError):
        media.read_local_image("pic.png", allowed, [root])
    with pytest.raises(media.MediaError):
        media.read_local_image(str(root / "escape" / "key.png"), allowed, [root])
    # A symlink that stays inside is fine.
    (root / "real.png").write_bytes(_png())
    (root / "alias.png").symlink_to(root / "real.png")
    assert media.read_local_image("alias.png", allowed, [root]).content_type == "image/png"


def test_input_images_are_checked(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    allowed = media.allowed_folders(make_settings(), [root])
    (root / "fake.png").write_text("<html>")
    with pytest.raises(media.MediaError, match="not a readable image"):
        media.read_local_image("fake.png", allowed, [root])
    (root / "huge.png").write_bytes(_png((media.MAX_INPUT_SIDE + 1, 1)))
    with pytest.raises(media.MediaError, match="px a side"):
        media.read_local_image("huge.png", allowed, [root])
    with pytest.raises(media.MediaError, match="base64"):
        media.read_data_uri("data:image/png,notbase64")
    image = media.read_data_uri("data:image/png;base64," + __import__("base64").b64encode(_png()).decode())
    assert image.content_type == "image/png" and image.filename.endswith(".png")


# The image formats this server takes and writes: Pillow's name, the file extension, the media type.
IMAGE_FORMAT_CASES = [
    ("PNG", ".png", "image/png"),
    ("JPEG", ".jpg", "image/jpeg"),
    ("WEBP", ".webp", "image/webp"),
    ("GIF", ".gif", "image/gif"),
]


@pytest.mark.parametrize(("pil_format", "suffix", "content_type"), IMAGE_FORMAT_CASES)
def test_input_images_are_named_and_typed_by_their_format(
    pil_format: str, suffix: str, content_type: str
) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buf, format=pil_format)
    # The name's extension lies; the bytes decide.
    image = media.check_input_image("https://cdn.example/photo.bin", buf.getvalue())
    assert image.filename == f"photo{suffix}" and image.content_type == content_type
    assert media.output_format(buf.getvalue()).extension == suffix


def test_other_image_formats_are_refused_as_inputs() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buf, format="BMP")
    with pytest.raises(media.MediaError, match="BMP image; pass PNG, JPEG, WebP or GIF"):
        media.check_input_image("photo.bmp", buf.getvalue())
    # Saved outputs that are no known format are written as PNG (and checked afterwards).
    assert media.output_format(buf.getvalue()).extension == ".png"
    assert media.output_format(b"not an image").extension == ".png"


def test_names_say_what_they_are_and_never_collide(tmp_path: Path) -> None:
    name = media.output_name("image", "nano-banana", "A red fox, in the SNOW!", 1, ".png", when=0)
    assert name.endswith("-image-nano-banana-a-red-fox-in-the-snow-1.png")
    first = media.write_new_file(tmp_path, name, b"one")
    second = media.write_new_file(tmp_path, name, b"two")
    assert first != second and first.read_bytes() == b"one" and second.read_bytes() == b"two"


def test_preview_is_small() -> None:
    preview = media.make_preview(_png((3000, 2000), "blue"))
    assert preview is not None and len(preview) < media.PREVIEW_MAX_BYTES
    with Image.open(io.BytesIO(preview)) as img:
        assert max(img.size) <= media.PREVIEW_MAX_SIDE
    assert media.make_preview(b"not an image") is None


def test_a_decoded_frame_in_memory_becomes_a_small_rgb_jpeg() -> None:
    """A video decoder hands over a picture, not a file: the same preview rule applies to it."""
    noisy = Image.effect_noise((1920, 1080), 120).convert("RGBA")  # hard to compress, with alpha
    preview = media.jpeg_thumbnail(noisy)
    assert preview is not None and len(preview) <= media.PREVIEW_MAX_BYTES
    with Image.open(io.BytesIO(preview)) as img:
        assert (img.format, img.mode) == ("JPEG", "RGB")
        assert img.size == (media.PREVIEW_MAX_SIDE, media.PREVIEW_MAX_SIDE * 1080 // 1920)


SSRF_CASES = [
    ("http://127.0.0.1/x.png", ["127.0.0.1"]),
    ("http://localhost:8080/x.png", ["127.0.0.1", "::1"]),
    ("http://10.0.0.5/x.png", ["10.0.0.5"]),
    ("http://172.16.3.4/x.png", ["172.16.3.4"]),
    ("http://192.168.1.1/x.png", ["192.168.1.1"]),
    ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254"]),
    ("http://metadata.google.internal/computeMetadata/v1/", ["169.254.169.254"]),
    ("http://[::1]/x.png", ["::1"]),
    ("http://[fd00:ec2::254]/", ["fd00:ec2::254"]),
    ("http://[::ffff:127.0.0.1]/", ["::ffff:127.0.0.1"]),
    ("http://0.0.0.0/", ["0.0.0.0"]),
    ("http://100.64.0.1/", ["100.64.0.1"]),
    ("http://rebind.example/x.png", ["93.184.216.34", "127.0.0.1"]),  # one private answer is enough
    # IPv6 transition forms whose embedded IPv4 address is private (issue 12), by name and literal.
    ("http://nat64.example/", ["64:ff9b::a9fe:a9fe"]),
    ("http://[64:ff9b::a9fe:a9fe]/", ["64:ff9b::a9fe:a9fe"]),
    ("http://[::7f00:1]/", ["::7f00:1"]),
    ("http://[2002:a9fe:a9fe::]/", ["2002:a9fe:a9fe::"]),
    ("http://[fec0::1]/", ["fec0::1"]),
    ("http://sixtofour.example/", ["2002:7f00:1::1"]),
    ("http://nothing.example/", []),
]


class _NoConnect:
    """A backend under the check that records every connection it is asked for (none, here)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def connect_tcp(self, host: str, port: int, **_: object) -> object:
        self.asked.append(host)
        raise AssertionError(f"connected to {host}")


@pytest.mark.anyio
@pytest.mark.parametrize(("url", "addresses"), SSRF_CASES, ids=[c[0] for c in SSRF_CASES])
async def test_ssrf_attacks_are_refused_at_connect_time(url: str, addresses: list[str]) -> None:
    """The check runs where the connection is made: the resolver's one answer is what is judged,
    and nothing is connected to when any address is private."""
    from urllib.parse import urlsplit

    from pixapi_mcp.client import UnsafeAddressError
    from pixapi_mcp.client.guarded import CheckedBackend, InputNetwork

    async def resolve(host: str, port: int) -> list[str]:
        return addresses

    connector = _NoConnect()
    backend = CheckedBackend(InputNetwork(resolve, connector))  # pyright: ignore[reportArgumentType]
    host = urlsplit(url).hostname or ""
    try:
        await media.url_guard(False)(url)  # literals and schemes are refused before any lookup
    except media.MediaError:
        assert connector.asked == []
        return
    with pytest.raises(UnsafeAddressError, match="refused"):
        await backend.connect_tcp(host, 80)
    assert connector.asked == []


# (address, public?): the address rule, transition forms judged by the IPv4 address they carry.
ADDRESS_CASES = [
    ("93.184.216.34", True),
    ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False),
    ("10.1.2.3", False),
    ("169.254.169.254", False),
    ("100.64.0.1", False),
    ("224.0.0.1", False),
    ("::1", False),
    ("::", False),
    ("fe80::1", False),
    ("fd00::1", False),
    ("ff02::1", False),
    ("fec0::1", False),  # site-local (deprecated, still routed by some stacks)
    ("::ffff:127.0.0.1", False),  # v4-mapped
    ("::ffff:169.254.169.254", False),
    ("::ffff:93.184.216.34", True),
    ("::7f00:1", False),  # v4-compatible ::127.0.0.1
    ("::a9fe:a9fe", False),
    ("::ffff:0:7f00:1", False),  # v4-translated (SIIT)
    ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
    ("64:ff9b::7f00:1", False),
    ("64:ff9b::5db8:d822", True),  # NAT64 of a public address: what DNS64 networks answer
    ("64:ff9b:1::a9fe:a9fe", False),  # local-use NAT64, refused whole
    ("2002:a9fe:a9fe::", False),  # 6to4 of 169.254.169.254
    ("2002:7f00:1::1", False),
    ("2002:c000:204::1", False),  # 6to4 of 192.0.2.4 (TEST-NET)
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo, client 127.0.0.1
    ("fe80::1%eth0", False),
    ("not an address", False),
]


@pytest.mark.parametrize(("address", "public"), ADDRESS_CASES, ids=[a for a, _ in ADDRESS_CASES])
def test_transition_addresses_are_judged_by_their_embedded_ipv4(address: str, public: bool) -> None:
    assert media.is_public_address(address) is public


@pytest.mark.anyio
async def test_hops_are_routed_and_literals_refused_without_a_lookup() -> None:
    from pixapi_mcp.client import CHECKED, TRUSTED

    assert await media.url_guard(False)("https://cdn.example/a.png") == CHECKED
    assert await media.url_guard(False)("https://93.184.216.34/a.png") == CHECKED
    assert await media.url_guard(True)("http://local/a.png") == TRUSTED
    assert await media.url_guard(False, allow_hosts=["local"])("http://local/a.png") == TRUSTED
    for url in ("http://[::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "file:///etc/passwd"):
        with pytest.raises(media.MediaError):
            await media.url_guard(False)(url)


# -- opened once, checked on the descriptor --------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    """Before: open() of a FIFO waits for a writer, for good. Now: opened non-blocking, refused by fstat."""
    root = tmp_path / "ws"
    root.mkdir()
    os.mkfifo(root / "pipe.png")
    allowed = media.allowed_folders(make_settings(), [root])
    with pytest.raises(media.MediaError, match="not a regular file"):
        media.read_local_image("pipe.png", allowed, [root])


def test_devices_are_refused_even_through_an_inside_symlink(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Before: /dev/zero read until memory ran out when allowed. Now: a device is never read."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "zero.png").symlink_to("/dev/zero")
    allowed = media.allowed_folders(make_settings(), [root])
    with pytest.raises(media.MediaError, match="outside the allowed folders"):
        media.read_local_image("zero.png", allowed, [root])
    # Even with / allowed (PIXAPI_ALLOWED_DIRS=/), a device is refused by fstat, before a read.
    everything = [Path("/")]
    with pytest.raises(media.MediaError, match="not a regular file"):
        media.read_local_image("/dev/zero", everything, [root])


def test_a_file_that_grows_past_the_cap_is_refused(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    big = root / "big.png"
    big.write_bytes(_png())
    fd, _ = media.open_inside(big, [root.resolve()])
    big.write_bytes(_png() + b"\0" * 64)  # grows after it was opened (and fstat'ed)
    with pytest.raises(media.MediaError, match="MB or more"):
        media.read_regular(fd, "big.png", len(_png()) + 10)


def test_symlinks_inside_are_followed_by_the_walk(tmp_path: Path) -> None:
    root = (tmp_path / "ws").resolve()
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "real.png").write_bytes(_png())
    (root / "up").symlink_to("a/b")
    (root / "abs").symlink_to(root / "a")
    (root / "loop").symlink_to("loop")
    for text in ("up/real.png", "abs/b/real.png", "a/b/../b/./real.png", "up/../b/real.png"):
        fd, real = media.open_inside(root / text, [root])
        os.close(fd)
        assert real == root / "a" / "b" / "real.png", text
    with pytest.raises(media.MediaError, match="symlink loop"):
        media.open_inside(root / "loop" / "x.png", [root])


def test_a_swapped_output_folder_is_refused_at_write(tmp_path: Path) -> None:
    """The folder is checked when the call is placed; a symlink swapped in afterwards is refused
    when the file is written (before: written through it, outside the workspace)."""
    ws = (tmp_path / "ws").resolve()
    outside = (tmp_path / "outside").resolve()
    (ws / "out").mkdir(parents=True)
    outside.mkdir()
    folder = ws / "out"
    assert media.write_new_file(folder, "a.png", b"one") == folder / "a.png"
    (ws / "out").rename(ws / "moved")
    (ws / "out").symlink_to(outside)
    with pytest.raises(media.MediaError, match="symlink"):
        media.write_new_file(folder, "b.png", b"two")
    assert list(outside.iterdir()) == []
    # A symlink swapped in for the file name itself is never written through either.
    (ws / "moved" / "c.png").symlink_to(outside / "c.png")
    assert media.write_new_file(ws / "moved", "c.png", b"three") == ws / "moved" / "c-2.png"
    assert list(outside.iterdir()) == []


def test_a_racing_symlink_never_leads_outside(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    """A second thread flips ``img.png`` between a real file and a symlink to a file outside while
    it is read 2000 times: every read is the inside file or refused, never the outside one."""
    import threading

    root = (tmp_path / "ws").resolve()
    root.mkdir()
    outside = tmp_path / "secret.png"
    secret, mine = _png(color="black"), _png(color="white")
    outside.write_bytes(secret)
    allowed = media.allowed_folders(make_settings(), [root])
    stop = threading.Event()
    flips = _start_flipper(root, outside, mine, stop)
    got: dict[str, int] = {"inside": 0, "refused": 0, "outside": 0}
    try:
        for _ in range(2000):
            try:
                data = media.read_local_image("img.png", allowed, [root]).content
            except media.MediaError:
                got["refused"] += 1
                continue
            got["outside" if data == secret else "inside"] += 1
    finally:
        stop.set()
        flips.join(10)
    assert got["outside"] == 0, got
    assert got["inside"] > 0 and got["refused"] > 0, got  # the race really ran both ways
    del threading


def _start_flipper(root: Path, outside: Path, mine: bytes, stop: Any) -> Any:
    """A thread that swaps ``root/img.png`` atomically between a file and a symlink to ``outside``."""
    import threading

    def flip() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            staged = root / f".staged-{n % 2}"
            staged.unlink(missing_ok=True)
            if n % 2:
                staged.symlink_to(outside)
            else:
                staged.write_bytes(mine)
            os.replace(staged, root / "img.png")

    (root / "img.png").write_bytes(mine)
    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    return thread
