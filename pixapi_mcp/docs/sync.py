"""``pixapi-mcp docs sync``: mirror pixapi.ai's ``llms.txt`` and ``llms-full.txt`` into the local
cache with conditional requests, and read a fresh synced copy back (the ``llms.txt`` resources
prefer it over the bundled file for ``CACHE_MAX_AGE_S``).

A failed sync (offline, an HTTP error, an HTML page where text was expected) writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx2

from pixapi_mcp import __version__
from pixapi_mcp.config import Settings

# Where `docs sync` fetches from, and how long a synced copy is preferred over the bundle.
LIVE_SOURCES: dict[str, str] = {
    "llms.txt": "https://pixapi.ai/llms.txt",
    "llms-full.txt": "https://pixapi.ai/llms-full.txt",
}
CACHE_MAX_AGE_S = 7 * 24 * 3600
_MAX_DOC_BYTES = 5 * 1024 * 1024

_META = "meta.json"


def docs_cache_dir(settings: Settings) -> Path:
    return settings.cache_dir / "docs"


def _read_meta(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    entries: dict[str, dict[str, Any]] = {}
    for name, entry in data.items():  # pyright: ignore[reportUnknownVariableType]
        if isinstance(name, str) and isinstance(entry, dict):
            entries[name] = dict(entry)  # pyright: ignore[reportUnknownArgumentType]
    return entries


def cached_doc(
    folder: Path, name: str, *, now: float | None = None, max_age_s: float = CACHE_MAX_AGE_S
) -> str | None:
    """The synced copy of ``name`` when it was confirmed within ``max_age_s``, else None."""
    entry = _read_meta(folder).get(name)
    if entry is None:
        return None
    checked = entry.get("checked_at")
    if (
        not isinstance(checked, int | float)
        or (now if now is not None else time.time()) - checked > max_age_s
    ):
        return None
    try:
        return (folder / name).read_text(encoding="utf-8")
    except OSError:
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What ``sync_docs`` did: per file ``updated`` or ``unchanged``, or the error that stopped it
    (in which case nothing was written)."""

    files: dict[str, Literal["updated", "unchanged"]]
    sizes: dict[str, int]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def sync_docs(
    client: httpx2.AsyncClient,
    folder: Path,
    *,
    sources: Mapping[str, str] = LIVE_SOURCES,
    now: Callable[[], float] = time.time,
) -> SyncOutcome:
    """Fetch ``sources`` into ``folder`` with conditional requests. All files are fetched before
    anything is written, so an error (offline, an HTTP error, an HTML page where text was expected)
    leaves the cache exactly as it was."""
    meta = _read_meta(folder)
    fetched: dict[str, tuple[bytes, str | None, str | None]] = {}
    files: dict[str, Literal["updated", "unchanged"]] = {}
    sizes: dict[str, int] = {}
    for name, url in sources.items():
        entry = meta.get(name, {})
        headers: dict[str, str] = {}
        if (folder / name).is_file():
            if isinstance(entry.get("etag"), str):
                headers["If-None-Match"] = entry["etag"]
            if isinstance(entry.get("last_modified"), str):
                headers["If-Modified-Since"] = entry["last_modified"]
        try:
            response = await client.get(url, headers=headers)
        except httpx2.HTTPError as exc:
            return SyncOutcome({}, {}, f"could not reach {url} ({type(exc).__name__}: {exc})")
        if response.status_code == 304 and headers:
            files[name] = "unchanged"
            sizes[name] = (folder / name).stat().st_size
            continue
        if response.status_code != 200:
            return SyncOutcome({}, {}, f"{url} answered HTTP {response.status_code}")
        body = response.content
        problem = _check_doc(body, response.headers.get("content-type", ""))
        if problem is not None:
            return SyncOutcome({}, {}, f"{url}: {problem}")
        fetched[name] = (body, response.headers.get("etag"), response.headers.get("last-modified"))
        files[name] = "updated"
        sizes[name] = len(body)
    stamp = now()
    for name, (body, etag, modified) in fetched.items():
        _atomic_write(folder / name, body)
        meta[name] = {
            "url": sources[name],
            "etag": etag,
            "last_modified": modified,
            "sha256": hashlib.sha256(body).hexdigest(),
            "fetched_at": stamp,
        }
    for name in files:
        meta.setdefault(name, {"url": sources[name]})["checked_at"] = stamp
    _atomic_write(folder / _META, json.dumps(meta, indent=2, sort_keys=True).encode())
    return SyncOutcome(files, sizes)


def _check_doc(body: bytes, content_type: str) -> str | None:
    if not body.strip():
        return "empty answer"
    if len(body) > _MAX_DOC_BYTES:
        return f"answer larger than {_MAX_DOC_BYTES // (1024 * 1024)} MB"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "answer is not UTF-8 text"
    head = text.lstrip()[:200].lower()
    if "html" in content_type.lower() or head.startswith(("<!doctype html", "<html")):
        return "answered an HTML page instead of the text file (a captive portal or an error page?)"
    return None


def sync_docs_command(
    settings: Settings,
    *,
    out: Callable[[str], None],
    transport: httpx2.AsyncBaseTransport | None = None,
) -> int:
    """``pixapi-mcp docs sync``: refresh the docs mirror; 0 on success, 1 when it could not (then
    nothing changed). ``transport`` replaces the network (tests)."""
    folder = docs_cache_dir(settings)

    async def run() -> SyncOutcome:
        async with httpx2.AsyncClient(
            transport=transport,
            timeout=httpx2.Timeout(30.0, connect=settings.connect_timeout_s),
            follow_redirects=True,
            headers={"User-Agent": f"pixapi-mcp/{__version__} (docs sync)"},
        ) as client:
            return await sync_docs(client, folder)

    try:
        outcome = anyio.run(run)
    except OSError as exc:
        out(f"docs sync failed: could not write the cache in {folder} ({exc}).")
        return 1
    return report_sync(outcome, folder, out)


def report_sync(outcome: SyncOutcome, folder: Path, out: Callable[[str], None]) -> int:
    if not outcome.ok:
        out(f"docs sync failed: {outcome.error}.")
        out("Nothing was changed; the bundled docs keep working offline.")
        return 1
    for name, state in outcome.files.items():
        detail = (
            "unchanged (304 Not Modified)"
            if state == "unchanged"
            else f"updated ({outcome.sizes[name]:,} bytes)"
        )
        out(f"{name}: {detail}")
    days = CACHE_MAX_AGE_S // 86400
    out(f"Saved in {folder}; pixapi://docs/llms.txt and llms-full.txt serve this copy for {days} days.")
    return 0
