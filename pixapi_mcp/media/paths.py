"""Allowed folders, and opening files and folders in them by descriptor, never by name twice.

A name checked and then reopened can point elsewhere by the time it is opened (a second process
swapping a file for a symlink). So nothing here checks a name and then uses it: ``open_inside``
walks the path one component at a time from ``/``, each folder opened with ``O_NOFOLLOW`` relative
to the previous one's descriptor, following symlinks itself (so it always knows the real path it
is at) and opening the last component only once its real path lies in an allowed folder, with
``O_NOFOLLOW | O_NONBLOCK`` (a symlink swapped in at the last moment fails, a FIFO never blocks).
What it returns is the open descriptor; callers check and read that, not the name.

Output folders are opened by ``open_folder``: every component with ``O_NOFOLLOW`` and no symlink
followed at all. The folder a call writes to is a real path chosen (and checked) earlier, so a
symlink anywhere in it now means it was swapped since: the write is refused at that moment.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from urllib.parse import unquote, urlsplit

from pixapi_mcp.config import Settings

WORKSPACE_SUBDIR = "pixapi-output"
# Longer path text is refused before it reaches the file system (Linux PATH_MAX is 4096 bytes).
MAX_PATH_CHARS = 4096
# As the kernel does: more symlinks than this in one path is a loop.
MAX_SYMLINKS = 40

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# O_PATH (Linux): a folder that may be searched but not listed (mode 711) can still be walked.
_DIR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_READ_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | _CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | getattr(os, "O_BINARY", 0)
# Where the walk works (Linux, macOS, the BSDs). Elsewhere (Windows) names are resolved and the
# opened file compared with what was checked (``_open_checked_by_name``).
DESCRIPTOR_WALK = bool(_NOFOLLOW) and os.open in os.supports_dir_fd and os.readlink in os.supports_dir_fd
# What open(O_NOFOLLOW) says for a symlink: ELOOP (Linux, macOS), EMLINK (FreeBSD), ENOTDIR for
# a symlink to a file opened as a folder.
_SYMLINK_ERRNOS = {errno.ELOOP, errno.EMLINK, errno.ENOTDIR}


# Raised (sys.audit) with the full path before a file is created relative to a folder descriptor.
CREATE_AT_EVENT = "pixapi_mcp.create_at"


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


def is_inside(path: PurePath, allowed: Sequence[Path]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in allowed)


def outside_error(path: PurePath | str, allowed: Sequence[Path]) -> MediaError:
    names = ", ".join(str(f) for f in allowed) or "(none)"
    return MediaError(
        f"{shown(str(path))} is outside the allowed folders ({names}). Use a path inside the workspace, "
        "or add the folder to PIXAPI_ALLOWED_DIRS."
    )


def ensure_inside(path: Path, allowed: Sequence[Path]) -> Path:
    """``path`` resolved (symlinks followed); raises ``MediaError`` unless it lies in ``allowed``.
    A check of a name only: what is then opened is checked again by ``open_inside``/``open_folder``."""
    try:
        resolved = path.expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, overlong names, NUL bytes
        raise MediaError(f"{shown(str(path))} cannot be used: {reason(exc)}.") from None
    if is_inside(resolved, allowed):
        return resolved
    raise outside_error(path, allowed)


def reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return "symlink loop" if isinstance(exc, RuntimeError) else type(exc).__name__


def choose_output_dir(requested: str | None, settings: Settings, roots: Sequence[Path]) -> Path:
    """Where outputs of one call go: the explicit ``output_dir`` (relative paths are taken from the
    workspace root), else the host's first workspace root, else ``PIXAPI_OUTPUT_DIR``, else the
    per-user folder. Always inside an allowed folder; created if missing. The path returned is
    real (no symlink in it): writes later open it with ``open_folder``, which refuses any."""
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
    OpenFolder(target, create=True).close()
    return target


# -- the descriptor walk ---------------------------------------------------------------------------


def open_folder(folder: Path, *, create: bool = False) -> int:
    """A descriptor of ``folder`` (absolute, real), opened component by component with
    ``O_NOFOLLOW``; missing components are made when ``create``. ``MediaError`` if any component
    is a symlink (the folder was swapped since it was checked) or not a folder."""
    if not folder.is_absolute():
        raise MediaError(f"{shown(str(folder))} is not an absolute path.")
    fd = os.open("/", _DIR_FLAGS)
    for name in folder.parts[1:]:
        fd = _step_into(fd, name, folder, create)  # closes the parent, also when it fails
    return fd


def _step_into(parent: int, name: str, folder: Path, create: bool) -> int:
    """Open ``name`` in ``parent`` as a folder (closing ``parent``); never through a symlink."""
    try:
        try:
            child = os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                raise
            # Made concurrently: open whatever it is, with the same checks.
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o777, dir_fd=parent)
            child = os.open(name, _DIR_FLAGS, dir_fd=parent)
    except OSError as exc:
        if exc.errno in _SYMLINK_ERRNOS and _is_symlink(name, parent):
            raise MediaError(
                f"{shown(str(folder))} cannot be used: {name} in it is now a symlink (the folder was "
                "replaced after it was checked); nothing was written."
            ) from None
        if exc.errno == errno.ENOTDIR:
            raise MediaError(f"{shown(str(folder))} cannot be used: {name} is not a folder.") from None
        raise MediaError(f"Cannot open the folder {shown(str(folder))}: {reason(exc)}.") from None
    finally:
        os.close(parent)
    return child


def _is_symlink(name: str, parent: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        return False


def open_inside(path: Path, allowed: Sequence[Path]) -> tuple[int, Path]:
    """``path`` (absolute) opened for reading, with its real path: symlinks are followed by the
    walk itself, and the file is opened only when its real path lies in ``allowed``. The caller
    checks the descriptor (``fstat``) and reads from it."""
    if not path.is_absolute():
        raise MediaError(f"{shown(str(path))} is not an absolute path.")
    if not DESCRIPTOR_WALK:
        return _open_checked_by_name(path, allowed)
    pending = list(path.parts[1:])
    real: list[str] = []
    fds = [os.open("/", _DIR_FLAGS)]
    links = 0
    try:
        while pending:
            name = pending.pop(0)
            if name in ("", "."):
                continue
            if name == "..":
                if real:
                    real.pop()
                    os.close(fds.pop())
                continue
            here = Path("/", *real, name)
            last = not pending
            try:
                if last:
                    if not is_inside(here, allowed):
                        raise outside_error(path, allowed)
                    return os.open(name, _READ_FLAGS, dir_fd=fds[-1]), here
                fds.append(os.open(name, _DIR_FLAGS, dir_fd=fds[-1]))
                real.append(name)
                continue
            except FileNotFoundError:
                raise MediaError(f"{shown(str(path))} does not exist or is not a file.") from None
            except OSError as exc:
                if exc.errno not in _SYMLINK_ERRNOS:
                    raise MediaError(f"Cannot read {shown(str(path))}: {reason(exc)}.") from None
                try:
                    target = os.readlink(name, dir_fd=fds[-1])
                except OSError:  # not a symlink: a file where a folder belongs
                    raise MediaError(f"Cannot read {shown(str(path))}: {reason(exc)}.") from None
            links += 1
            if links > MAX_SYMLINKS:
                raise MediaError(f"{shown(str(path))} cannot be used: symlink loop.")
            parts = PurePath(target).parts
            if parts and parts[0] == "/":  # absolute: start again from the top
                while len(fds) > 1:
                    os.close(fds.pop())
                real.clear()
                parts = parts[1:]
            pending[:0] = parts
        raise MediaError(f"{shown(str(path))} is a folder, not a file.")
    finally:
        for fd in fds:
            os.close(fd)


def _open_folder_by_name(folder: Path, create: bool) -> None:  # pragma: no cover - not POSIX
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        if folder.resolve() != folder or not folder.is_dir():
            raise MediaError(f"{shown(str(folder))} is not a folder (or was replaced by a link).")
    except OSError as exc:
        raise MediaError(f"Cannot open the folder {shown(str(folder))}: {reason(exc)}.") from None


def _open_checked_by_name(path: Path, allowed: Sequence[Path]) -> tuple[int, Path]:  # pragma: no cover
    resolved = ensure_inside(path, allowed)
    try:
        fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise MediaError(f"Cannot read {shown(str(path))}: {reason(exc)}.") from None
    # What was opened must be what was checked (a swap between the two is refused).
    if not os.path.samestat(os.fstat(fd), os.stat(resolved)):
        os.close(fd)
        raise MediaError(f"{shown(str(path))} changed while it was being opened.")
    return fd, resolved


def open_saved(path: Path) -> int:
    """A saved output, opened for reading: its folder by ``open_folder`` (no symlink anywhere), the
    file itself with ``O_NOFOLLOW | O_NONBLOCK``, and refused unless it is a regular file. So a
    saved file (or its folder) replaced by a symlink is never read through, not even for a preview."""
    with OpenFolder(path.parent) as folder:
        try:
            if folder.fd is None:  # pragma: no cover - not POSIX
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            else:
                fd = os.open(path.name, _READ_FLAGS, dir_fd=folder.fd)
        except OSError as exc:
            raise MediaError(f"Cannot read {shown(str(path))}: {reason(exc)}.") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise MediaError(f"{shown(str(path))} is not a regular file.")
    return fd


def read_regular(fd: int, label: str, max_bytes: int) -> bytes:
    """At most ``max_bytes`` from the open file ``fd`` (closed afterwards), which must be a regular
    file: a FIFO, a device (``/dev/zero``) or a socket is refused before anything is read, and a
    file that grows past the cap while it is read is refused too."""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise MediaError(f"{label} is not a regular file (a folder, device, FIFO or socket).")
        if info.st_size > max_bytes:
            raise MediaError(_too_big(label, info.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise MediaError(_too_big(label, size, max_bytes))
        return b"".join(chunks)
    except OSError as exc:
        raise MediaError(f"Cannot read {label}: {reason(exc)}.") from None
    finally:
        os.close(fd)


def _too_big(label: str, size: int, max_bytes: int) -> str:
    return (
        f"{label} is {size // 1024 // 1024} MB or more; inputs are limited to {max_bytes // 1024 // 1024} MB."
    )


class OpenFolder:
    """An output folder held open for one call's writes (``open_folder``'s rules: no symlink in its
    path, checked when opened). Files are created relative to the descriptor, so a folder swapped
    after opening cannot redirect them. ``fd`` is None where the walk is unavailable (Windows)."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self.fd: int | None = open_folder(path, create=create) if DESCRIPTOR_WALK else None
        if self.fd is None:  # pragma: no cover - not POSIX
            _open_folder_by_name(path, create)

    def create(self, name: str) -> int:
        """A new file ``name`` here, for writing: ``O_CREAT | O_EXCL | O_NOFOLLOW``, so an existing
        file or symlink is never written through (FileExistsError)."""
        if self.fd is None:  # pragma: no cover - not POSIX
            return os.open(self.path / name, _CREATE_FLAGS, 0o666)
        # The audit event names the whole path (the "open" event that follows has only ``name``).
        sys.audit(CREATE_AT_EVENT, str(self.path / name), name)
        return os.open(name, _CREATE_FLAGS, 0o666, dir_fd=self.fd)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> OpenFolder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
