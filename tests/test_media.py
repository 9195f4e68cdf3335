"""File placement, names, previews and the attack tables: traversal, symlinks and SSRF are refused."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

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
    ("file:///etc/passwd", []),
    ("ftp://example.com/x.png", []),
    ("gopher://example.com/", []),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("url", "addresses"), SSRF_CASES, ids=[c[0] for c in SSRF_CASES])
async def test_ssrf_attacks_are_refused(url: str, addresses: list[str]) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return addresses

    guard = media.url_guard(False, resolve=resolve)
    with pytest.raises(media.MediaError):
        await guard(url)


@pytest.mark.anyio
async def test_public_urls_pass_and_private_can_be_allowed() -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return {"cdn.example": ["93.184.216.34"], "local": ["127.0.0.1"]}[host]

    await media.url_guard(False, resolve=resolve)("https://cdn.example/a.png")
    await media.url_guard(True, resolve=resolve)("http://local/a.png")
    await media.url_guard(False, resolve=resolve, allow_hosts=["local"])("http://local/a.png")
