"""``docs sync``: conditional fetches into the cache, failures that change nothing, the command's
exit codes, and the llms.txt resources serving a fresh synced copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client
from mcp.server import MCPServer

from pixapi_mcp.config import Settings
from pixapi_mcp.docs import (
    CACHE_MAX_AGE_S,
    cached_doc,
    docs_cache_dir,
    report_sync,
    sync_docs,
    sync_docs_command,
)
from tests.docs import LLMS, text_of

pytestmark = pytest.mark.anyio

LIVE_INDEX = "# Pixapi\n\n> live index\n"
LIVE_FULL = "# Pixapi: Visual AI API Platform\n\nlive full reference\n"


class FakeSite:
    """pixapi.ai for `docs sync`: 200 with validators first, then 304 for matching conditionals."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.bodies = {"/llms.txt": LIVE_INDEX, "/llms-full.txt": LIVE_FULL}
        self.failure: str | None = None

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.failure == "offline":
            raise httpx2.ConnectError("no route to host", request=request)
        if self.failure == "html":
            return httpx2.Response(
                200, headers={"content-type": "text/html"}, text="<!doctype html><p>Login</p>"
            )
        if self.failure == "http-500" and request.url.path == "/llms-full.txt":
            return httpx2.Response(500, text="oops")
        body = self.bodies[request.url.path]
        etag = f'"{len(body)}"'
        if request.headers.get("if-none-match") == etag:
            return httpx2.Response(304, headers={"etag": etag})
        return httpx2.Response(
            200,
            headers={
                "etag": etag,
                "last-modified": "Sat, 21 Nov 2026 10:00:00 GMT",
                "content-type": "text/plain",
            },
            text=body,
        )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.exists() else {}


async def test_sync_writes_then_reports_unchanged(tmp_path: Path) -> None:
    site = FakeSite()
    folder = tmp_path / "docs"
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(site)) as client:
        first = await sync_docs(client, folder, now=lambda: 1000.0)
        assert first.ok and first.files == {"llms.txt": "updated", "llms-full.txt": "updated"}
        assert (folder / "llms.txt").read_text(encoding="utf-8") == LIVE_INDEX
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["llms-full.txt"]["etag"] == f'"{len(LIVE_FULL)}"'
        assert meta["llms.txt"]["last_modified"].startswith("Sat, 21 Nov 2026")
        assert meta["llms.txt"]["fetched_at"] == meta["llms.txt"]["checked_at"] == 1000.0
        before = (folder / "llms.txt").stat().st_mtime_ns

        second = await sync_docs(client, folder, now=lambda: 2000.0)
        assert second.ok and second.files == {"llms.txt": "unchanged", "llms-full.txt": "unchanged"}
        conditional = site.requests[-1]
        assert conditional.headers["if-none-match"] == f'"{len(LIVE_FULL)}"'
        assert conditional.headers["if-modified-since"].startswith("Sat, 21 Nov 2026")
        assert (folder / "llms.txt").stat().st_mtime_ns == before
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["llms.txt"]["checked_at"] == 2000.0 and meta["llms.txt"]["fetched_at"] == 1000.0
    lines: list[str] = []
    assert report_sync(second, folder, lines.append) == 0
    assert "llms.txt: unchanged (304 Not Modified)" in lines


@pytest.mark.parametrize("failure", ["offline", "html", "http-500"])
async def test_sync_failure_changes_nothing(tmp_path: Path, failure: str) -> None:
    site = FakeSite()
    folder = tmp_path / "docs"
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(site)) as client:
        assert (await sync_docs(client, folder)).ok
        before = snapshot(folder)
        # New content, so llms.txt alone would be rewritten if a failure on the second file did not stop it.
        site.bodies = {"/llms.txt": "# changed\n", "/llms-full.txt": "# changed too\n"}
        site.failure = failure
        outcome = await sync_docs(client, folder)
        assert not outcome.ok and outcome.error
        assert snapshot(folder) == before, "a failed sync must not touch the cache"
    lines: list[str] = []
    assert report_sync(outcome, folder, lines.append) == 1
    assert lines[0].startswith("docs sync failed:") and "Nothing was changed" in lines[1]


def test_sync_command_offline_exit_code(settings: Settings) -> None:
    def offline(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("network is unreachable", request=request)

    lines: list[str] = []
    code = sync_docs_command(settings, out=lines.append, transport=httpx2.MockTransport(offline))
    assert code == 1
    assert "could not reach https://pixapi.ai/llms.txt" in lines[0]
    assert not docs_cache_dir(settings).exists()

    ok_lines: list[str] = []
    assert sync_docs_command(settings, out=ok_lines.append, transport=httpx2.MockTransport(FakeSite())) == 0
    assert any(line.startswith("llms-full.txt: updated") for line in ok_lines)


async def test_resources_prefer_a_fresh_cache(settings: Settings, server: MCPServer[Any]) -> None:
    folder = docs_cache_dir(settings)
    bundled = (LLMS / "llms.txt").read_text(encoding="utf-8")
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(FakeSite())) as http:
        await sync_docs(http, folder)
    async with Client(server) as client:
        assert text_of(await client.read_resource("pixapi://docs/llms.txt")) == LIVE_INDEX
        assert text_of(await client.read_resource("pixapi://docs/llms-full.txt")) == LIVE_FULL
        # Pages always come from the bundle.
        assert "## Status codes" in text_of(await client.read_resource("pixapi://docs/errors"))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(FakeSite())) as http:
        await sync_docs(http, folder, now=lambda: 0.0)  # confirmed long ago: stale
    async with Client(server) as client:
        assert text_of(await client.read_resource("pixapi://docs/llms.txt")) == bundled
    assert cached_doc(folder, "llms.txt", now=CACHE_MAX_AGE_S - 1) == LIVE_INDEX
