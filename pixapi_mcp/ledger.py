"""The ledger: a SQLite record of every paid request, written *before* it is sent.

Why: paid media work outlives chats, host timeouts and server restarts. A row exists before the
POST leaves the machine, so a crash or a cut connection can never leave a charge nobody knows
about; the row then gains the task id, status, outputs, saved paths and credits. ``list_tasks``
reads it, and ``get_task`` resumes unfinished tasks from it after a restart.

States of a row's ``status``:
- ``sending``: written, the request is about to leave (or left and we died before hearing back);
- ``not_sent``: provably never left the machine (validation, connect failure) — nothing charged;
- ``unknown``: may have reached the API but no answer came (timeout, dropped connection);
- ``rejected``: the API answered with an error;
- ``submitted`` / ``processing`` / ``completed`` / ``failed``: the task's (or sync call's) state.

The key is never stored: rows hold the request body fields, never headers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Generator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    tool            TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    base_url        TEXT NOT NULL,
    model           TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    params          TEXT NOT NULL,
    status          TEXT NOT NULL,
    task_id         TEXT,
    progress        INTEGER NOT NULL DEFAULT 0,
    request_id      TEXT,
    error           TEXT,
    output_urls     TEXT NOT NULL DEFAULT '[]',
    paths           TEXT NOT NULL DEFAULT '[]',
    output_dir      TEXT,
    credits_estimate REAL,
    credits_charged REAL
);
CREATE INDEX IF NOT EXISTS requests_task ON requests(task_id);
CREATE INDEX IF NOT EXISTS requests_created ON requests(created_at);
"""

UNFINISHED = ("sending", "submitted", "processing", "unknown")


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One paid request as recorded."""

    id: int
    created_at: float
    updated_at: float
    tool: str
    endpoint: str
    base_url: str
    model: str
    prompt: str
    params: dict[str, Any]
    status: str
    task_id: str | None
    progress: int
    request_id: str | None
    error: str | None
    output_urls: list[str] = field(default_factory=list[str])
    paths: list[str] = field(default_factory=list[str])
    output_dir: str | None = None
    credits_estimate: float | None = None
    credits_charged: float | None = None

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED


_JSON_COLUMNS = ("params", "output_urls", "paths")
_UPDATABLE = frozenset(
    {
        "status",
        "task_id",
        "progress",
        "request_id",
        "error",
        "output_urls",
        "paths",
        "output_dir",
        "credits_charged",
        "model",
    }
)


class Ledger:
    """Thread-safe access to the ledger file. Async methods run SQLite off the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared across worker threads, serialised by a lock: writes are tiny and
        # rare (a handful per paid call), so a pool would buy nothing.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a row written "before the request is sent" must survive a power cut too.
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.executescript(_SCHEMA)
        with suppress(OSError):  # a platform without POSIX permissions keeps its default
            path.chmod(0o600)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _cursor(self) -> Generator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    # -- synchronous core (used from worker threads) ------------------------------------------

    def open_sync(
        self,
        *,
        tool: str,
        endpoint: str,
        base_url: str,
        model: str,
        prompt: str,
        params: dict[str, Any],
        output_dir: str | None,
        credits_estimate: float | None,
    ) -> int:
        now = time.time()
        with self._cursor() as conn:
            cur = conn.execute(
                "INSERT INTO requests (created_at, updated_at, tool, endpoint, base_url, model, prompt, params,"
                " status, output_dir, credits_estimate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?)",
                (
                    now,
                    now,
                    tool,
                    endpoint,
                    base_url,
                    model,
                    prompt,
                    json.dumps(params),
                    output_dir,
                    credits_estimate,
                ),
            )
            row_id = cur.lastrowid
        assert row_id is not None
        return row_id

    def update_sync(self, row_id: int, *, durable: bool = True, **changes: Any) -> None:
        """Apply ``changes`` to a row. ``durable=False`` skips the fsync: for figures that are
        harmless to lose to a power cut (progress), never for ids, statuses or outputs."""
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return
        values = [json.dumps(v) if k in _JSON_COLUMNS else v for k, v in changes.items()]
        assignments = ", ".join(f"{k} = ?" for k in changes)
        with self._cursor() as conn:
            if not durable:
                conn.execute("PRAGMA synchronous=NORMAL")
            try:
                conn.execute(
                    f"UPDATE requests SET {assignments}, updated_at = ? WHERE id = ?",  # keys checked against _UPDATABLE
                    (*values, time.time(), row_id),
                )
            finally:
                if not durable:
                    conn.execute("PRAGMA synchronous=FULL")

    def get_sync(self, row_id: int) -> LedgerRow | None:
        with self._cursor() as conn:
            row = conn.execute("SELECT * FROM requests WHERE id = ?", (row_id,)).fetchone()
        return _to_row(row) if row else None

    def find_task_sync(self, task_id: str) -> LedgerRow | None:
        with self._cursor() as conn:
            row = conn.execute(
                "SELECT * FROM requests WHERE task_id = ? ORDER BY id DESC LIMIT 1", (task_id,)
            ).fetchone()
        return _to_row(row) if row else None

    def recent_sync(self, limit: int = 20, statuses: Sequence[str] | None = None) -> list[LedgerRow]:
        query = "SELECT * FROM requests"
        args: list[Any] = []
        if statuses:
            query += f" WHERE status IN ({', '.join('?' for _ in statuses)})"
            args.extend(statuses)
        query += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        with self._cursor() as conn:
            rows = conn.execute(query, args).fetchall()
        return [_to_row(r) for r in rows]

    # -- async wrappers -----------------------------------------------------------------------

    async def open(self, **kwargs: Any) -> int:
        """Write the row for a paid request that is about to be sent; returns its id."""
        return await anyio.to_thread.run_sync(lambda: self.open_sync(**kwargs))

    async def update(self, row_id: int, *, durable: bool = True, **changes: Any) -> None:
        # Shielded: a cancelled tool call must still record what it learned (a task id above all).
        with anyio.CancelScope(shield=True):
            if durable:
                await anyio.to_thread.run_sync(lambda: self.update_sync(row_id, **changes))
            else:  # no fsync: cheaper inline than a hop to a worker thread
                self.update_sync(row_id, durable=False, **changes)

    # Reads are indexed lookups of a few rows (~0.02 ms), far cheaper inline than a hop to a worker
    # thread (~0.2 ms); the async names keep call sites uniform.

    async def get(self, row_id: int) -> LedgerRow | None:
        return self.get_sync(row_id)

    async def find_task(self, task_id: str) -> LedgerRow | None:
        return self.find_task_sync(task_id)

    async def recent(self, limit: int = 20, statuses: Sequence[str] | None = None) -> list[LedgerRow]:
        return self.recent_sync(limit, statuses)


def _to_row(row: sqlite3.Row) -> LedgerRow:
    data = {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a Mapping
    for key in _JSON_COLUMNS:
        data[key] = json.loads(data[key]) if data[key] else ([] if key != "params" else {})
    return LedgerRow(**data)
