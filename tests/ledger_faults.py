"""A ledger on a bad day, for tests: SQLite's write lock held by another connection (or another
process) at a chosen moment of a paid call, an independent read of what the file holds, and the
latency another session sees meanwhile.

The lock is real: ``BEGIN IMMEDIATE`` on a second connection takes the same file lock a second
pixapi-mcp (or a user's ``sqlite3`` shell) would, so the server's writes fail exactly as they do
in the field (SQLITE_BUSY after the busy timeout). Nothing in the server is patched.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx2
from mcp.client import Client

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, create_app
from tests.server_harness import SANDBOX_URL, Harness, SharedTimer

T = TypeVar("T")


def ledger_file(settings: Settings) -> Path:
    """The ledger a sandbox-mode server writes (server.py keeps it apart from the live one)."""
    return settings.data_dir / "ledger-sandbox.sqlite3"


class LedgerLock:
    """SQLite's write lock on ``path``, held from a second connection (``BEGIN IMMEDIATE``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self.times_held = 0

    @property
    def held(self) -> bool:
        return self._conn is not None

    def hold(self) -> None:
        if self._conn is not None:
            return
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=5.0, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        self._conn = conn
        self.times_held += 1

    def release(self) -> None:
        if self._conn is not None:
            self._conn.execute("ROLLBACK")
            self._conn.close()
            self._conn = None


class ProcessLock:
    """The same lock held by another process: a ``python`` child that takes it and waits."""

    def __init__(self, path: Path) -> None:
        script = textwrap.dedent(
            """
            import sqlite3, sys
            conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
            conn.execute("BEGIN IMMEDIATE")
            print("held", flush=True)
            sys.stdin.readline()
            conn.execute("ROLLBACK")
            """
        )
        self._child = subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._child.stdout is not None
        assert self._child.stdout.readline().strip() == "held"

    def release(self) -> None:
        assert self._child.stdin is not None
        self._child.stdin.write("\n")
        self._child.stdin.flush()
        self._child.wait(timeout=10)


class LockingTransport(httpx2.AsyncBaseTransport):
    """Delegates to the sandbox; takes ``lock`` once an exchange ``when`` picks has been answered
    (so the server gets the answer with the ledger already locked)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, lock: LedgerLock, when: Moment) -> None:
        self.inner = inner
        self.lock = lock
        self.when = when
        self.armed = True

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if self.armed and self.when(request, response):
            self.armed = False
            self.lock.hold()
        return response


# Picks the exchange after whose answer the lock is taken.
Moment = Callable[[httpx2.Request, httpx2.Response], bool]


class after_submission:
    """The submission POST's answer: the server gets its task id with the ledger locked."""

    def __call__(self, request: httpx2.Request, response: httpx2.Response) -> bool:
        return request.method == "POST"


class during_the_wait:
    """A task GET of the wait that moved only the progress figure (the status is the one the GET
    before it saw): the write that follows is a progress write, the one that used to run on the
    event loop and wait out SQLite's busy timeout there."""

    def __init__(self) -> None:
        self.last_status: str | None = None

    def __call__(self, request: httpx2.Request, response: httpx2.Response) -> bool:
        if request.method != "GET" or not request.url.path.startswith("/v1/tasks/"):
            return False
        status = json.loads(response.content).get("status")
        same, self.last_status = status == self.last_status, status
        return same and status not in ("completed", "failed")


@asynccontextmanager
async def locking_harness(
    make_settings: Callable[..., Settings],
    when: Callable[[], Moment],
    config: SandboxConfig | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[tuple[Harness, LedgerLock]]:
    """``tests.server_harness.harness`` whose HTTP client locks the ledger at the moment ``when``
    (``after_submission`` or ``during_the_wait``) picks."""
    clock = ManualClock()
    cfg = config or SandboxConfig()
    cfg.clock = clock
    app = create_app(cfg)
    settings = make_settings(
        {"PIXAPI_KEY": SANDBOX_KEY, "PIXAPI_BASE_URL": SANDBOX_URL, **(env or {})}, sandbox=True
    )
    lock = LedgerLock(ledger_file(settings))
    transport = LockingTransport(httpx2.ASGITransport(app=app), lock, when())
    async with httpx2.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http:
        try:
            yield Harness(settings, app.state.sandbox, SharedTimer(clock), http), lock
        finally:
            lock.release()


def file_rows(path: Path) -> list[dict[str, Any]]:
    """What the ledger file holds, read by a connection of its own (not the server's view)."""
    conn = sqlite3.connect(path, timeout=5.0)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT id, status, task_id, paths, error FROM requests")]
    finally:
        conn.close()


# Between two probes of the other session.
PACE_S = 0.01


@dataclass
class Latencies:
    """How long another session waited for each answer while something ran (see while_pinging)."""

    seconds: list[float] = field(default_factory=list[float])

    @property
    def worst(self) -> float:
        return max(self.seconds, default=0.0)


async def while_pinging(other: Client, work: Callable[[], Awaitable[T]]) -> tuple[T, Latencies]:
    """Run ``work`` while ``other`` (another session on the same event loop) pings, and list
    list_models now and then; returns what ``work`` returned and the time between each of the
    other session's answers and the one before (so it includes ``PACE_S``)."""
    seen = Latencies()
    finished = anyio.Event()
    box: list[T] = []

    async def run() -> None:
        try:
            box.append(await work())
        finally:
            finished.set()

    async def probe() -> None:
        # Each figure is the gap since the previous answer (pacing included), so a stall of the
        # event loop shows whether it struck during a round trip or between two.
        rounds = 0
        last = time.perf_counter()
        while True:  # one more round after the work ends: a stall at its very end counts too
            if rounds % 5 == 4:
                await other.call_tool("list_models", {})
            else:
                with warnings.catch_warnings():  # ping is legacy-era only; `other` is a legacy session
                    warnings.simplefilter("ignore")
                    await other.send_ping()
            now = time.perf_counter()
            seen.seconds.append(now - last)
            last = now
            rounds += 1
            if finished.is_set():
                return
            with anyio.move_on_after(PACE_S):  # ends at once when the work does
                await finished.wait()

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        tg.start_soon(probe)
    return box[0], seen
