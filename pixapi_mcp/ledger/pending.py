"""The changes the ledger file has not taken yet, kept in memory so none is lost.

Each row's changes are merged in the order they were made (the last status wins), with the time
each was learned. The store writes a snapshot (``batch``) and drops what did not change since
(``written``); reads lay what is left over the file's rows (a ``snapshot`` taken before their
query), so the server's own views never lose a task id the file refused. Thread-safe: the lock
is held for dict work only, never across I/O, so taking it on the event loop never waits on a
disk or another process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pixapi_mcp.ledger.schema import ledger_status

# One write: each row's (version, columns to set), and whether any of it needs an fsync.
Batch = tuple[dict[int, tuple[int, dict[str, Any]]], bool]


@dataclass
class _Row:
    changes: dict[str, Any] = field(default_factory=dict[str, Any])
    version: int = 0
    durable: bool = False
    logged: str | None = None  # the task id last reported as unwritten


class PendingWrites:
    """Per row, the columns to set that are not in the file yet."""

    def __init__(self) -> None:
        self._rows: dict[int, _Row] = {}
        self._lock = threading.Lock()
        self._versions = 0

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._rows)

    def __contains__(self, row_id: int) -> bool:
        with self._lock:
            return row_id in self._rows

    def merge(self, row_id: int, columns: dict[str, Any], durable: bool) -> None:
        """Queue ``columns`` (checked updatable) for ``row_id``; ``updated_at`` is now, when it
        was learned, not when the file takes it."""
        if "status" in columns:
            columns = {**columns, "status": ledger_status(columns["status"])}
        with self._lock:
            row = self._rows.setdefault(row_id, _Row())
            row.changes.update(columns, updated_at=time.time())
            self._versions += 1
            row.version = self._versions
            row.durable = row.durable or durable

    def batch(self) -> Batch:
        with self._lock:
            rows = {row_id: (row.version, dict(row.changes)) for row_id, row in self._rows.items()}
            return rows, any(row.durable for row in self._rows.values())

    def written(self, rows: dict[int, tuple[int, dict[str, Any]]]) -> None:
        """Drop what the file took, unless a row changed again meanwhile (it is written again)."""
        with self._lock:
            for row_id, (version, _) in rows.items():
                row = self._rows.get(row_id)
                if row is not None and row.version == version:
                    del self._rows[row_id]

    def snapshot(self) -> dict[int, dict[str, Any]]:
        """Every row's queued changes as of now. A read takes it *before* its query and lays it
        over what the query finds: a change the flusher writes meanwhile is then in the snapshot or
        already in the file (``written`` drops it only after the commit), never in neither."""
        with self._lock:
            return {row_id: dict(row.changes) for row_id, row in self._rows.items()}

    def task_ids(self, *, unreported: bool = False) -> list[tuple[int, str | None]]:
        """(row, task id) of every queued row; ``unreported``: only task ids not reported yet
        (and mark them reported)."""
        with self._lock:
            found: list[tuple[int, str | None]] = []
            for row_id, row in self._rows.items():
                task_id = row.changes.get("task_id")
                if not unreported:
                    found.append((row_id, task_id))
                elif task_id and row.logged != task_id:
                    row.logged = task_id
                    found.append((row_id, task_id))
            return found
