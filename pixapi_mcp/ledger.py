"""The ledger: a SQLite record of every paid request, written *before* it is sent.

Why: paid media work outlives chats, host timeouts and server restarts. A row exists before the
POST leaves the machine, so a crash or a cut connection can never leave a charge nobody knows
about; the row then gains the task id, status, outputs, saved paths and credits. ``list_tasks``
reads it, and ``get_task`` resumes unfinished tasks from it after a restart.

States of a row's ``status`` (``LedgerStatus``):
- ``sending``: written, the request is about to leave (or left and we died before hearing back);
- ``not_sent``: provably never left the machine (validation, connect failure) — nothing charged;
- ``unknown``: may have reached the API but no answer came (timeout, dropped connection);
- ``rejected``: the API answered with an error;
- ``submitted`` / ``processing`` / ``completed`` / ``failed``: the task's (or sync call's) state.

The file carries its schema version in ``PRAGMA user_version``. Opening it applies the
``MIGRATIONS`` it lacks, in order, in one transaction; a file from a newer pixapi-mcp is refused
(``LedgerVersionError`` names the file) rather than misread. A later column is one more migration.

The public methods (``open``, ``update``, ``get``, ``find_task``, ``recent``, ``close``) speak in
``LedgerRow`` and ``LedgerUpdate`` only, no SQL, so another store can stand behind the same names.

The key is never stored: rows hold the request body fields, never headers.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Generator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, TypedDict, Unpack, get_args

import anyio.to_thread

LedgerStatus = Literal[
    "sending", "not_sent", "unknown", "rejected", "submitted", "processing", "completed", "failed"
]
STATUSES: Final[frozenset[LedgerStatus]] = frozenset(get_args(LedgerStatus))
# States that may still produce output (or a charge): list_tasks' "unfinished" and get_task's resume.
UNFINISHED: Final[tuple[LedgerStatus, ...]] = ("sending", "submitted", "processing", "unknown")


def ledger_status(value: str) -> LedgerStatus:
    """``value`` as a ledger state. The API's task statuses are free text: one the ledger does not
    know is a task still running as far as anyone can tell (the tools keep polling anything that
    is not ``completed`` or ``failed``), so it is recorded as ``processing``."""
    return value if value in STATUSES else "processing"


class NewRow(TypedDict):
    """What a paid request's row holds when it is written, before anything is sent."""

    tool: str
    endpoint: str
    base_url: str
    model: str
    prompt: str
    params: dict[str, Any]
    output_dir: str | None
    credits_estimate: float | None


class LedgerUpdate(TypedDict, total=False):
    """The fields an update may set; the rest of a row is fixed when it is written.

    ``status`` also takes an API task status (free text), stored through ``ledger_status``."""

    status: LedgerStatus | str
    task_id: str | None
    progress: int
    request_id: str | None
    error: str | None
    output_urls: list[str]
    paths: list[str]
    output_dir: str | None
    credits_charged: float | None
    model: str
    task_created_at: int | None
    result_type: str | None


_UPDATABLE: Final = frozenset(LedgerUpdate.__optional_keys__)
_JSON_COLUMNS: Final = ("params", "output_urls", "paths")


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
    status: LedgerStatus
    task_id: str | None
    progress: int
    request_id: str | None
    error: str | None
    output_urls: list[str] = field(default_factory=list[str])
    paths: list[str] = field(default_factory=list[str])
    output_dir: str | None = None
    credits_estimate: float | None = None
    credits_charged: float | None = None
    # The API's own task facts, kept so every later read of the task answers with the same fields.
    task_created_at: int | None = None
    result_type: str | None = None

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED


# -- schema and migrations ----------------------------------------------------------------------

# Migration N takes a file from version N-1 to N: statements run one by one (executescript would
# commit the surrounding transaction). Never edit a released migration; append a new one.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    # 1: the schema as first released (version 0 files already have it: IF NOT EXISTS makes this a
    # no-op there), plus statuses v0 stored verbatim from the API mapped onto LedgerStatus.
    (
        """CREATE TABLE IF NOT EXISTS requests (
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
        )""",
        "CREATE INDEX IF NOT EXISTS requests_task ON requests(task_id)",
        "CREATE INDEX IF NOT EXISTS requests_created ON requests(created_at)",
        "UPDATE requests SET status = 'processing' WHERE status NOT IN ("
        + ", ".join(f"'{s}'" for s in get_args(LedgerStatus))
        + ")",
    ),
    # 2: the task's created_at and result.type as the API gave them, so a later get_task (after a
    # restart too) answers with the same fields as the first.
    (
        "ALTER TABLE requests ADD COLUMN task_created_at INTEGER",
        "ALTER TABLE requests ADD COLUMN result_type TEXT",
    ),
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


class LedgerVersionError(RuntimeError):
    """The ledger file was written by a newer pixapi-mcp whose schema this one does not know."""


def migrate(
    conn: sqlite3.Connection, path: Path | str, migrations: Sequence[Sequence[str]] = MIGRATIONS
) -> int:
    """Bring the database on ``conn`` (autocommit mode) to ``len(migrations)``; returns the version
    it had. All missing migrations apply in one transaction, so a failure leaves the file as it was.
    Raises ``LedgerVersionError`` naming ``path`` for a file newer than ``migrations`` know."""
    # IMMEDIATE: two processes opening one old file at once migrate it once, one after the other.
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if found > len(migrations):
            raise LedgerVersionError(
                f"The ledger {path} has schema version {found}, but this pixapi-mcp knows versions up to "
                f"{len(migrations)}: upgrade pixapi-mcp, or set PIXAPI_DATA_DIR to another folder."
            )
        for statements in migrations[found:]:
            for statement in statements:
                conn.execute(statement)
        if found < len(migrations):
            conn.execute(f"PRAGMA user_version = {len(migrations):d}")  # pragmas take no parameters
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return found


# -- the store ----------------------------------------------------------------------------------


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
        try:
            with self._lock:
                self._conn.execute("PRAGMA busy_timeout=5000")
                self._conn.execute("PRAGMA journal_mode=WAL")
                # FULL: a row written "before the request is sent" must survive a power cut too.
                self._conn.execute("PRAGMA synchronous=FULL")
                migrate(self._conn, path)
        except BaseException:
            self._conn.close()
            raise
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

    def open_sync(self, **row: Unpack[NewRow]) -> int:
        """Write the row (status ``sending``) for a paid request about to be sent; returns its id."""
        now = time.time()
        with self._cursor() as conn:
            cur = conn.execute(
                "INSERT INTO requests (created_at, updated_at, tool, endpoint, base_url, model, prompt, params,"
                " status, output_dir, credits_estimate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?)",
                (
                    now,
                    now,
                    row["tool"],
                    row["endpoint"],
                    row["base_url"],
                    row["model"],
                    row["prompt"],
                    json.dumps(row["params"]),
                    row["output_dir"],
                    row["credits_estimate"],
                ),
            )
            row_id = cur.lastrowid
        assert row_id is not None
        return row_id

    def update_sync(self, row_id: int, *, durable: bool = True, **changes: Unpack[LedgerUpdate]) -> None:
        """Apply ``changes`` to a row. ``durable=False`` skips the fsync: for figures that are
        harmless to lose to a power cut (progress), never for ids, statuses or outputs."""
        unknown = set(changes) - _UPDATABLE  # callers without a type checker
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return
        columns: dict[str, Any] = dict(changes)
        if "status" in changes:
            columns["status"] = ledger_status(changes["status"])
        values = [json.dumps(v) if k in _JSON_COLUMNS else v for k, v in columns.items()]
        assignments = ", ".join(f"{k} = ?" for k in columns)
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
        """The newest row for ``task_id``, if any."""
        with self._cursor() as conn:
            row = conn.execute(
                "SELECT * FROM requests WHERE task_id = ? ORDER BY id DESC LIMIT 1", (task_id,)
            ).fetchone()
        return _to_row(row) if row else None

    def recent_sync(self, limit: int = 20, statuses: Sequence[LedgerStatus] | None = None) -> list[LedgerRow]:
        """Up to ``limit`` rows, newest first; only those in ``statuses`` when given."""
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

    async def open(self, **row: Unpack[NewRow]) -> int:
        """Write the row for a paid request that is about to be sent; returns its id."""
        write = functools.partial(self.open_sync, **row)
        return await anyio.to_thread.run_sync(write)

    async def update(self, row_id: int, *, durable: bool = True, **changes: Unpack[LedgerUpdate]) -> None:
        """``update_sync`` off the event loop; shielded, so a cancelled tool call still records what
        it learned (a task id above all)."""
        with anyio.CancelScope(shield=True):
            if durable:
                await anyio.to_thread.run_sync(functools.partial(self.update_sync, row_id, **changes))
            else:  # no fsync: cheaper inline than a hop to a worker thread
                self.update_sync(row_id, durable=False, **changes)

    # Reads are indexed lookups of a few rows (~0.02 ms), far cheaper inline than a hop to a worker
    # thread (~0.2 ms); the async names keep call sites uniform.

    async def get(self, row_id: int) -> LedgerRow | None:
        return self.get_sync(row_id)

    async def find_task(self, task_id: str) -> LedgerRow | None:
        return self.find_task_sync(task_id)

    async def recent(
        self, limit: int = 20, statuses: Sequence[LedgerStatus] | None = None
    ) -> list[LedgerRow]:
        return self.recent_sync(limit, statuses)


def _to_row(row: sqlite3.Row) -> LedgerRow:
    data = {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a Mapping
    for key in _JSON_COLUMNS:
        data[key] = json.loads(data[key]) if data[key] else ([] if key != "params" else {})
    data["status"] = ledger_status(data["status"])
    return LedgerRow(**data)
