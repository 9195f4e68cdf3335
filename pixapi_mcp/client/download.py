"""The key-less downloader: generated outputs into files, input images into memory.

``Downloader`` is never given the API key: output URLs live on CDNs and other hosts, so whatever
it sends cannot carry the key, even when a URL points at the API's own host. It follows redirects
itself so a ``url_guard`` sees every hop and says how it connects: through the shared client, or
through the ``checked`` client whose transport resolves the name once and connects only to public
addresses (``guarded.py``). It caps the size, writes through a temporary file that only becomes
``dest`` when complete (never replacing an existing file; relative to an open folder descriptor
when one is given, so a folder swapped for a symlink cannot redirect the write), bounds an input
fetch by one overall deadline, and retries passing failures through the client's one retry loop.
"""

from __future__ import annotations

import math
import os
import secrets
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import httpx2

from pixapi_mcp.client.errors import DownloadError, DownloadInterruptedError, FetchDeadlineError
from pixapi_mcp.client.guarded import CHECKED, Hop
from pixapi_mcp.client.retry import Retry, RetryPolicy
from pixapi_mcp.client.wire import (
    NEVER_SENT,
    READ_RETRYABLE,
    USER_AGENT,
    as_request_error,
    excerpt,
    header_request_id,
    log_exchange,
    parse_retry_after,
    short_url,
)

__all__ = ["MAX_REDIRECTS", "Download", "Downloader", "UrlGuard"]

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# Run before every hop: raises to refuse the URL; returns how the hop connects (None: the guard
# checked it itself, the shared client).
UrlGuard = Callable[[str], Awaitable[Hop | None]]
_Sink = Callable[[bytes], Awaitable[None]]


@dataclass(frozen=True)
class Download:
    """A file placed at ``path``: ``size`` bytes and the server's content type (parameters dropped)."""

    path: Path
    size: int
    content_type: str | None


class Downloader:
    """Fetches output and input URLs over one injected ``httpx2.AsyncClient``, holding no key.

    Every request it sends has its ``Authorization`` header removed, so not even a default header
    of a shared ``AsyncClient`` can carry a key to a file host. ``timeout`` is passed per request
    (None: the ``AsyncClient``'s own). ``checked`` is the client whose transport checks addresses
    at connect time (``CheckedTransport``); hops a guard marks ``CHECKED`` go through it only.
    """

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx2.Timeout | None = None,
        checked: httpx2.AsyncClient | None = None,
    ) -> None:
        self._http = http
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._checked = checked

    def __repr__(self) -> str:
        return "Downloader()"

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        max_bytes: int,
        url_guard: UrlGuard | None = None,
        dir_fd: int | None = None,
    ) -> Download:
        """Stream ``url`` into the new file ``dest`` (never replacing an existing file).

        ``url_guard`` runs before the first request and before every redirect hop; whatever it
        raises propagates. More than ``max_bytes`` raises DownloadError. The data goes to a
        temporary file beside ``dest`` first, so a failed download leaves nothing behind. With
        ``dir_fd`` (an open descriptor of ``dest.parent``) every file operation is relative to
        it and never follows a symlink; without it, ``dest.parent`` is made if missing.
        """
        dest = Path(dest)
        _check_scheme(url)
        place = _Place(dest, dir_fd)
        try:
            opened = await anyio.to_thread.run_sync(place.open_temp)
        except OSError as exc:
            raise _write_error(dest, exc) from exc
        if opened is None:
            raise _exists_error(dest, FileExistsError(str(dest)))
        tmp, fd = opened
        spool = _Spool(os.fdopen(fd, "wb"))
        try:
            content_type, size = await self._stream(
                url, max_bytes, url_guard, spool.write, spool.reset, media_only=True
            )
            try:
                await anyio.to_thread.run_sync(spool.complete, place, tmp)
            except FileExistsError as exc:
                raise _exists_error(dest, exc) from exc
            except OSError as exc:
                raise _write_error(dest, exc) from exc
        except BaseException:
            # Shielded so a cancelled download still removes its partial file.
            with anyio.CancelScope(shield=True), suppress(OSError):
                await anyio.to_thread.run_sync(spool.discard, place, tmp)
            raise
        return Download(path=dest, size=size, content_type=content_type)

    async def fetch_bytes(
        self,
        url: str,
        *,
        max_bytes: int,
        url_guard: UrlGuard | None = None,
        deadline_s: float | None = None,
    ) -> tuple[bytes, str | None]:
        """Fetch ``url`` into memory (for input images): the bytes and the content type.

        Same rules as ``download``: the guard runs before every hop, at most ``max_bytes``.
        ``deadline_s`` bounds the whole fetch (resolving, connecting, every redirect, the body,
        retries): a host that trickles or never answers raises ``FetchDeadlineError`` then.
        """
        buffer = bytearray()

        async def sink(chunk: bytes) -> None:
            buffer.extend(chunk)

        async def reset() -> None:
            buffer.clear()

        with anyio.move_on_after(deadline_s if deadline_s is not None else math.inf) as scope:
            content_type, _ = await self._stream(url, max_bytes, url_guard, sink, reset)
            return bytes(buffer), content_type
        assert scope.cancelled_caught
        raise FetchDeadlineError(
            f"Fetching {short_url(url)} did not finish within {deadline_s:g} s (connecting, redirects "
            f"and the body together; {len(buffer)} bytes had arrived)",
            sent=True,
        )

    async def _stream(
        self,
        url: str,
        max_bytes: int,
        url_guard: UrlGuard | None,
        sink: _Sink,
        reset: Callable[[], Awaitable[None]],
        *,
        media_only: bool = False,
    ) -> tuple[str | None, int]:
        """GET ``url`` into ``sink`` with retries; ``reset`` discards a failed attempt's bytes.
        ``media_only`` treats a 2xx answer with a text content type (an error page or JSON where
        a media file belongs) as a failed attempt, so it is never saved as the output."""

        async def attempt() -> tuple[str | None, int]:
            await reset()
            return await self._stream_once(url, max_bytes, url_guard, sink, media_only)

        return await self._retry.run(attempt)

    async def _stream_once(
        self, url: str, max_bytes: int, url_guard: UrlGuard | None, sink: _Sink, media_only: bool
    ) -> tuple[str | None, int]:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            _check_scheme(current)
            hop = await url_guard(current) if url_guard is not None else None
            http = self._http
            if hop == CHECKED:
                if self._checked is None:
                    raise DownloadError(
                        "This URL must be fetched through the address-checking transport, and none is set up",
                        fix="Build the client with open_client (it sets one up).",
                    )
                http = self._checked
            try:
                request = http.build_request(
                    "GET",
                    current,
                    headers={"User-Agent": USER_AGENT},
                    timeout=self._timeout if self._timeout is not None else httpx2.USE_CLIENT_DEFAULT,
                )
            except httpx2.InvalidURL as exc:
                raise DownloadError(
                    f"Not a valid URL: {excerpt(str(exc))}", fix="Pass a valid http(s) URL."
                ) from exc
            # No key is held here; this also keeps any default header of a shared client off file hosts.
            request.headers.pop("Authorization", None)
            started = time.perf_counter()
            try:
                response = await http.send(request, stream=True, follow_redirects=False, auth=None)
            except (httpx2.RequestError, OSError) as caught:
                # A download is a read, so a dropped connection is retried the same either way.
                exc = as_request_error(caught)
                log_exchange("GET", short_url(current), None, None, started, type(exc).__name__)
                raise _transport_failure(url, exc) from caught
            try:
                status = response.status_code
                log_exchange("GET", short_url(current), status, header_request_id(response), started)
                if status in _REDIRECTS and response.headers.get("location"):
                    current = str(response.url.join(response.headers["location"]))
                    continue
                if status == 429 or status >= 500:
                    raise _interrupted(
                        url, f"HTTP {status}", status=status, retry_after=parse_retry_after(response)
                    )
                if not response.is_success:
                    raise DownloadError(
                        f"Downloading {short_url(current)} failed with HTTP {status}",
                        status=status,
                        fix="The URL may have expired or be private: call get_task again for fresh output URLs.",
                        sent=True,
                    )
                media_type = _media_type(response.headers.get("content-type"))
                if media_only and _is_text_type(media_type):
                    raise _interrupted(
                        url, f"HTTP {status} with {media_type} instead of a media file", status=status
                    )
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise _too_large(current, max_bytes)
                size = 0
                try:
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise _too_large(current, max_bytes)
                        await sink(chunk)
                except httpx2.RequestError as exc:
                    raise _transport_failure(url, exc) from exc
                except OSError as exc:
                    raise DownloadError(
                        f"Could not store the download: {exc.strerror or type(exc).__name__}",
                        fix="Check free disk space and folder permissions.",
                    ) from exc
                return media_type, size
            finally:
                await response.aclose()
        raise DownloadError(
            f"Downloading {short_url(url)} redirected more than {MAX_REDIRECTS} times",
            fix="Check the URL; it redirects in a loop.",
            sent=True,
        )


# -- failures ----------------------------------------------------------------------------------


def _interrupted(
    url: str,
    reason: str,
    *,
    status: int | None = None,
    retry_after: float | None = None,
    cause: BaseException | None = None,
) -> Retry:
    """A passing failure: tried again, and raised as DownloadInterruptedError once retries run out."""
    error = DownloadInterruptedError(
        f"Downloading {short_url(url)} failed: {reason}", status=status, retry_after=retry_after, sent=True
    )
    error.__cause__ = cause
    return Retry(error)


def _transport_failure(url: str, exc: httpx2.RequestError) -> Exception:
    if isinstance(exc, READ_RETRYABLE):
        return _interrupted(url, type(exc).__name__, cause=exc)
    return DownloadError(
        f"The download failed: {excerpt(str(exc)) or type(exc).__name__}",
        sent=not isinstance(exc, NEVER_SENT),
    )


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(
            f"Only http(s) URLs can be downloaded, not {scheme or 'scheme-less'} URLs",
            fix="Pass an http(s) URL (local files and data URIs are read by the caller, not fetched).",
        )


def _too_large(url: str, max_bytes: int) -> DownloadError:
    return DownloadError(
        f"{short_url(url)} is larger than the {max_bytes} byte limit",
        fix="Raise PIXAPI_MAX_DOWNLOAD_MB if this file is expected, or ask for a smaller output.",
        sent=True,
    )


def _write_error(dest: Path, exc: OSError) -> DownloadError:
    return DownloadError(
        f"Could not write {dest}: {exc.strerror or type(exc).__name__}",
        fix="Check that the folder exists, is writable and has free space, or choose another folder.",
        sent=False,
    )


def _exists_error(dest: Path, cause: FileExistsError) -> DownloadError:
    err = DownloadError(
        f"{dest} already exists and is never overwritten",
        fix="Choose another file name or folder.",
        sent=False,
    )
    err.__cause__ = cause
    return err


# -- content types and files -------------------------------------------------------------------


def _media_type(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def _is_text_type(media_type: str | None) -> bool:
    """JSON, XML, HTML or plain text: what an error page is, and what no image or video is."""
    if not media_type:
        return False
    return media_type.startswith("text/") or media_type.endswith(("/json", "+json", "/xml", "+xml"))


# Most outputs (images) arrive in a few chunks. They are kept in memory up to this size and written
# in the same worker-thread hop that completes the file, instead of one hop per chunk plus the
# rewind and the close: under 32 concurrent calls each hop's handoff costs the event loop. Larger
# outputs are written as they arrive, this much at a time.
_SPOOL_BYTES = 256 * 1024


class _Spool:
    """A download's temporary file, written through a small in-memory buffer (``_SPOOL_BYTES``)."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._pending = bytearray()
        self._written = False  # whether the file holds bytes (a retry must rewind it)

    async def write(self, chunk: bytes) -> None:
        self._pending += chunk
        if len(self._pending) >= _SPOOL_BYTES:
            await anyio.to_thread.run_sync(self._flush)

    async def reset(self) -> None:
        """Discard a failed attempt's bytes."""
        self._pending.clear()
        if self._written:
            await anyio.to_thread.run_sync(self._rewind)

    def _flush(self) -> None:
        self._file.write(self._pending)
        self._pending.clear()
        self._written = True

    def _rewind(self) -> None:
        self._file.seek(0)
        self._file.truncate()
        self._written = False

    def complete(self, place: _Place, tmp: str) -> None:
        """Write what is left, close the file and move it to its name (in a worker thread)."""
        try:
            self._flush()
            self._file.close()
        except OSError as exc:
            raise DownloadError(
                f"Could not store the download: {exc.strerror or type(exc).__name__}",
                fix="Check free disk space and folder permissions.",
            ) from exc
        place.finish(tmp)

    def discard(self, place: _Place, tmp: str) -> None:
        """Close and remove the temporary file after a failure (in a worker thread)."""
        with suppress(OSError):
            self._file.close()
        place.remove(tmp)


class _Place:
    """Where a download lands: ``dest``, by name, or relative to ``dir_fd`` (its open folder), never
    following a symlink there. The data goes to an exclusive temporary name first and is linked
    to ``dest`` only when complete, never replacing an existing file."""

    def __init__(self, dest: Path, dir_fd: int | None) -> None:
        self.dest = dest
        self.dir_fd = dir_fd

    def _name(self, name: str) -> str | Path:
        if self.dir_fd is None:
            return self.dest.parent / name
        # Audit hooks see only ``name`` in the "open"/"os.link" event: this one names the whole path.
        sys.audit("pixapi_mcp.create_at", str(self.dest.parent / name), name)
        return name

    def exists(self) -> bool:
        try:
            os.stat(self._name(self.dest.name), dir_fd=self.dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return True

    def open_temp(self) -> tuple[str, int] | None:
        """The temporary file, created (with ``dest``'s folder when there is no ``dir_fd``); None
        when ``dest`` already exists. One call, so one worker-thread hop."""
        if self.exists():
            return None
        if self.dir_fd is None:
            self.dest.parent.mkdir(parents=True, exist_ok=True)
        return self.create_temp()

    def create_temp(self) -> tuple[str, int]:
        # O_EXCL so the name is ours alone; mode 0o666 so the umask decides the final permissions.
        flags = (
            os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
        )
        while True:
            tmp = f".{self.dest.name}.{secrets.token_hex(6)}.part"
            try:
                return tmp, os.open(self._name(tmp), flags, 0o666, dir_fd=self.dir_fd)
            except FileExistsError:
                continue

    def finish(self, tmp: str) -> None:
        """Move ``tmp`` to ``dest`` without ever replacing an existing file (FileExistsError if one
        is there). A hard link is atomic and refuses to overwrite; where links are unsupported, an
        exclusive create and copy does the same job."""
        dest = self._name(self.dest.name)
        try:
            if self.dir_fd is None:
                os.link(self._name(tmp), dest)
            else:  # linkat without AT_SYMLINK_FOLLOW: the temporary file itself, never a link
                os.link(tmp, dest, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd, follow_symlinks=False)
        except FileExistsError:
            raise
        except OSError:
            flags = (
                os.O_CREAT
                | os.O_EXCL
                | os.O_WRONLY
                | getattr(os, "O_BINARY", 0)
                | getattr(os, "O_NOFOLLOW", 0)
            )
            out_fd = os.open(dest, flags, 0o666, dir_fd=self.dir_fd)
            try:
                with (
                    os.fdopen(out_fd, "wb") as out,
                    open(
                        os.open(
                            self._name(tmp), os.O_RDONLY | getattr(os, "O_BINARY", 0), dir_fd=self.dir_fd
                        ),
                        "rb",
                    ) as src,
                ):
                    shutil.copyfileobj(src, out)
            except BaseException:
                self.remove(self.dest.name)
                raise
        self.remove(tmp)

    def remove(self, name: str) -> None:
        with suppress(FileNotFoundError):
            os.unlink(self._name(name), dir_fd=self.dir_fd)
