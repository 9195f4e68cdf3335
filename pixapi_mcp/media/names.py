"""What saved files are called, and writing a new one: never overwriting, never through a link."""

from __future__ import annotations

import mimetypes
import os
import re
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from pixapi_mcp.media.paths import MediaError, OpenFolder


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


def candidate_names(name: str) -> Iterable[str]:
    """``name``, then ``name-2``, ``name-3``...: writers create exclusively and take the next one
    when a file exists, so nothing is ever overwritten, even by a concurrent call."""
    stem, ext = Path(name).stem, Path(name).suffix
    yield name
    for n in range(2, 10_000):
        yield f"{stem}-{n}{ext}"


def candidate_paths(folder: Path, name: str) -> Iterable[Path]:
    """``candidate_names`` in ``folder``."""
    return (folder / each for each in candidate_names(name))


def write_new_file(folder: Path | OpenFolder, name: str, data: bytes) -> Path:
    """Write ``data`` to a fresh file in ``folder`` (never overwriting, never through a symlink);
    returns its path. A path is opened with ``OpenFolder`` (refused if a symlink stands anywhere
    in it); an open folder is written relative to its descriptor."""
    if isinstance(folder, Path):
        with OpenFolder(folder) as opened:
            return write_new_file(opened, name, data)
    for each in candidate_names(name):
        try:
            fd = folder.create(each)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except BaseException:
            _remove(folder, each)
            raise
        return folder.path / each
    raise MediaError(f"Could not find a free file name for {name} in {folder.path}.")


def _remove(folder: OpenFolder, name: str) -> None:
    try:
        if folder.fd is None:  # pragma: no cover - not POSIX
            (folder.path / name).unlink()
        else:
            os.unlink(name, dir_fd=folder.fd)
    except OSError:
        pass
