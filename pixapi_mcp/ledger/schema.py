"""What the ledger holds: a row's states and fields, the SQL schema and its migrations; and
``LedgerError``, what a failure of the file means to a person.

States of a row's ``status`` (``LedgerStatus``):
- ``sending``: written, the request is about to leave (or left and we died before hearing back);
- ``not_sent``: provably never left the machine (validation, connect failure) — nothing charged;
- ``unknown``: may have reached the API but no answer came (timeout, dropped connection, or no
  answer within the tool deadline: the answer may still come and fill in the task id);
- ``rejected``: the API answered with an error;
- ``submitted`` / ``processing`` / ``completed`` / ``failed``: the task's (or sync call's) state.

Spend: ``held`` is what a row counted against the caps from before it was sent (its estimate,
or the ceiling accepted for an unknown price); ``settled`` what it counts once its outcome is known
(``SETTLE``: the charge Pixapi reported, the held amount for a success without one, nothing for a
request that failed or never left). A row counts ``COALESCE(settled, held)``. ``owner`` is the
caller the row belongs to (``LOCAL_OWNER`` until callers are told apart) and ``team`` theirs.

The SQLite file carries its schema version in ``PRAGMA user_version``. Opening it applies the
``MIGRATIONS`` it lacks, in order, in one transaction; a file from a newer pixapi-mcp is refused
(``LedgerVersionError`` names the file) rather than misread. A later column is one more migration.
(PostgreSQL keeps its own list, in ``postgres``.)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, TypedDict, get_args

from pixapi_mcp.ledger.admin import BUDGETS_TABLE

LedgerStatus = Literal[
    "sending", "not_sent", "unknown", "rejected", "submitted", "processing", "completed", "failed"
]
STATUSES: Final[frozenset[LedgerStatus]] = frozenset(get_args(LedgerStatus))
# States that may still produce output (or a charge): list_tasks' "unfinished" and get_task's resume.
UNFINISHED: Final[tuple[LedgerStatus, ...]] = ("sending", "submitted", "processing", "unknown")
# The owner of rows written without a caller: the id of auth.LOCAL_CALLER (stdio, the shared token).
LOCAL_OWNER: Final = "local"


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


UPDATABLE: Final = frozenset(LedgerUpdate.__optional_keys__)
JSON_COLUMNS: Final = ("params", "output_urls", "paths")


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
    owner: str = LOCAL_OWNER
    team: str | None = None
    held: float = 0.0
    settled: float | None = None

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
    # 3: spend and ownership in the store (every replica counts the same rows against the caps):
    # earlier rows count what they were charged, and unfinished ones hold their estimate.
    (
        f"ALTER TABLE requests ADD COLUMN owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}'",
        "ALTER TABLE requests ADD COLUMN team TEXT",
        "ALTER TABLE requests ADD COLUMN held REAL NOT NULL DEFAULT 0",
        "ALTER TABLE requests ADD COLUMN settled REAL",
        "UPDATE requests SET settled = credits_charged WHERE credits_charged IS NOT NULL",
        "UPDATE requests SET held = COALESCE(credits_estimate, 0) WHERE status IN ("
        + ", ".join(f"'{s}'" for s in UNFINISHED)
        + ")",
        "CREATE INDEX IF NOT EXISTS requests_owner ON requests(owner, id)",
    ),
    # 4: budget overrides per caller and team, set by an operator for every process at once.
    (BUDGETS_TABLE,),
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


class LedgerError(RuntimeError):
    """The ledger cannot be opened, read or written. ``str()`` is one sentence naming the file and
    what is wrong; ``transient`` says whether it may pass by itself (another process holds the
    write lock, the disk is full) or needs the user (a damaged file, a folder that cannot be
    written, a newer schema)."""

    def __init__(self, message: str, *, path: Path | str, transient: bool = False) -> None:
        super().__init__(message)
        self.path = str(path)
        self.transient = transient


def describe_failure(exc: BaseException) -> tuple[str, bool]:
    """What an SQLite (or file system) failure means to a person, and whether it may pass by
    itself (transient) or needs them (a damaged file, a folder that cannot be written)."""
    name = str(getattr(exc, "sqlite_errorname", ""))
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "another process holds its write lock (another pixapi-mcp, or a tool that opened it)", True
    if name == "SQLITE_FULL":
        return "the disk is full", True
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")):
        return "the file or its folder cannot be written", False
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return "it is not a readable SQLite database (the file is damaged or was replaced)", False
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}", False
    return f"{exc}", False


def ledger_error(path: Path, exc: BaseException, doing: str) -> LedgerError:
    reason, transient = describe_failure(exc)
    return LedgerError(f"The ledger {path} cannot be {doing}: {reason}.", path=path, transient=transient)


class LedgerVersionError(LedgerError):
    """The ledger file was written by a newer pixapi-mcp whose schema this one does not know."""


def migrate(
    conn: sqlite3.Connection, path: Path | str, migrations: Sequence[Sequence[str]] = MIGRATIONS
) -> int:
    """Bring the database on ``conn`` (autocommit mode) to ``len(migrations)``; returns the version
    it had. All missing migrations apply in one transaction, so a failure leaves the file as it was.
    Raises ``LedgerVersionError`` naming ``path`` for a file newer than ``migrations`` know."""
    # A file already at this version needs no write lock: another process holding the lock (a
    # second pixapi-mcp writing) does not stop this one from starting.
    found = _version(conn, path, migrations)
    if found == len(migrations):
        return found
    # IMMEDIATE: two processes opening one old file at once migrate it once, one after the other.
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = _version(conn, path, migrations)
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


def _version(conn: sqlite3.Connection, path: Path | str, migrations: Sequence[Sequence[str]]) -> int:
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > len(migrations):
        raise LedgerVersionError(
            f"The ledger {path} has schema version {found}, but this pixapi-mcp knows versions up to "
            f"{len(migrations)}: upgrade pixapi-mcp, or set PIXAPI_DATA_DIR to another folder.",
            path=path,
        )
    return found


# States that end a row: its outcome is known and settled (``SETTLE``), and never changes again.
FINAL: Final[tuple[LedgerStatus, ...]] = ("completed", "failed", "rejected", "not_sent")
_FINAL_SQL: Final = "(" + ", ".join(f"'{s}'" for s in FINAL) + ")"

# Run after a row's status changes (same transaction): a row whose outcome became known counts what
# it cost from then on. Pixapi charges only successful outputs; a success without a reported charge
# counts what was held. The first settlement stands. Both dialects (``?`` marks, see ``postgres``).
SETTLE: Final = (
    "UPDATE requests SET settled = CASE WHEN status = 'completed' THEN COALESCE(credits_charged, held) "
    "ELSE COALESCE(credits_charged, 0) END "
    f"WHERE id = ? AND settled IS NULL AND status IN {_FINAL_SQL}"
)
COLUMNS: Final = (
    "created_at, updated_at, tool, endpoint, base_url, model, prompt, params, status, output_dir, "
    "credits_estimate, owner, team, held"
)


def insert_values(row: NewRow, now: float, owner: str, team: str | None, held: float) -> tuple[Any, ...]:
    """The values of ``COLUMNS`` for a new row (status ``sending``)."""
    return (
        now,
        now,
        row["tool"],
        row["endpoint"],
        row["base_url"],
        row["model"],
        row["prompt"],
        json.dumps(row["params"]),
        "sending",
        row["output_dir"],
        row["credits_estimate"],
        owner,
        team,
        held,
    )


def update_statement(row_id: int, columns: dict[str, Any]) -> tuple[str, list[Any]]:
    """``UPDATE`` of one row's queued columns (names checked updatable): SQL with ``?`` marks and
    its arguments.

    A row's final status is never taken back: replicas poll one task each on their own, so the
    ``processing`` one of them read (or the ``unknown`` its call's deadline wrote, queued while the
    database was down) may reach the database after another replica finished the row. Such a
    change is older than the row and is dropped whole (its progress, error and charge too); a
    change carrying the row's own final status (the outputs saved, the task's facts) applies."""
    values = [json.dumps(v) if k in JSON_COLUMNS else v for k, v in columns.items()]
    assignments = ", ".join(f"{k} = ?" for k in columns)
    sql = f"UPDATE requests SET {assignments} WHERE id = ?"
    if "status" not in columns:
        return sql, [*values, row_id]
    return f"{sql} AND (status NOT IN {_FINAL_SQL} OR status = ?)", [*values, row_id, columns["status"]]


def to_row(row: Any) -> LedgerRow:
    """A ``LedgerRow`` from a database row (``sqlite3.Row`` or a psycopg dict row)."""
    data = {key: row[key] for key in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a Mapping
    for key in JSON_COLUMNS:
        data[key] = json.loads(data[key]) if data[key] else ([] if key != "params" else {})
    data["status"] = ledger_status(data["status"])
    return LedgerRow(**data)
