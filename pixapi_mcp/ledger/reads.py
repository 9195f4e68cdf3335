"""The store's reads, written once for both backends: each is one SQL query (``?`` marks) and how
to pick the answer from its rows, with the changes this process has queued (``PendingWrites``)
laid over what the database holds, so the server's own views never lose a task id the store
refused. The queued changes are taken before the query runs (``PendingWrites.snapshot``), so a
change written meanwhile is never missed. ``owner`` (when given) keeps a caller to their own rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pixapi_mcp.ledger.pending import PendingWrites
from pixapi_mcp.ledger.schema import FINAL, LedgerRow, LedgerStatus

T = TypeVar("T")


@dataclass(frozen=True)
class Read(Generic[T]):
    """One query and how its rows become the answer."""

    sql: str
    args: list[Any]
    pick: Callable[[list[LedgerRow]], T]


class _Queued:
    """The queued changes as of the read's start."""

    def __init__(self, pending: PendingWrites) -> None:
        self.changes = pending.snapshot()

    def ids(self, **match: Any) -> list[int]:
        return [i for i, c in self.changes.items() if all(c.get(k) == v for k, v in match.items())]

    def overlay(self, found: LedgerRow) -> LedgerRow:
        changes = self.changes.get(found.id)
        if not changes or (found.status in FINAL and changes.get("status", found.status) != found.status):
            return found  # a final row is never taken back (``schema.update_statement``)
        return dataclasses.replace(found, **changes)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _queued(ids: list[int]) -> tuple[str, list[Any]]:
    """An ``OR`` naming the rows with queued changes (they may match once the changes count)."""
    return (f" OR id IN ({_marks(ids)})", list(ids)) if ids else ("", [])


def _owned(owner: str | None) -> tuple[str, list[Any]]:
    return (" AND owner = ?", [owner]) if owner is not None else ("", [])


def get(pending: PendingWrites, row_id: int, owner: str | None) -> Read[LedgerRow | None]:
    """Row ``row_id``."""
    queued = _Queued(pending)
    where, args = _owned(owner)

    def pick(rows: list[LedgerRow]) -> LedgerRow | None:
        return queued.overlay(rows[0]) if rows else None

    return Read(f"SELECT * FROM requests WHERE id = ?{where}", [row_id, *args], pick)


def find_task(pending: PendingWrites, task_id: str, owner: str | None) -> Read[LedgerRow | None]:
    """The newest row for ``task_id``."""
    queued = _Queued(pending)
    where, args = _owned(owner)
    extra, ids = _queued(queued.ids(task_id=task_id))

    def pick(rows: list[LedgerRow]) -> LedgerRow | None:
        matching = [
            r
            for r in map(queued.overlay, rows)
            if r.task_id == task_id and (owner is None or r.owner == owner)
        ]
        return max(matching, key=lambda r: r.id) if matching else None

    sql = f"SELECT * FROM requests WHERE id = (SELECT MAX(id) FROM requests WHERE task_id = ?{where}){extra}"
    return Read(sql, [task_id, *args, *ids], pick)


def recent(
    pending: PendingWrites, limit: int, statuses: Sequence[LedgerStatus] | None, owner: str | None
) -> Read[list[LedgerRow]]:
    """Up to ``limit`` rows, newest first; only those in ``statuses`` when given."""
    queued = _Queued(pending)
    conditions: list[str] = []
    args: list[Any] = []
    if statuses:
        conditions.append(f"status IN ({_marks(statuses)})")
        args.extend(statuses)
    if owner is not None:
        conditions.append("owner = ?")
        args.append(owner)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    extra, ids = _queued(queued.ids())  # queued changes may move rows into (or out of) the filter

    def pick(rows: list[LedgerRow]) -> list[LedgerRow]:
        overlaid = [queued.overlay(r) for r in rows]
        if statuses:
            overlaid = [r for r in overlaid if r.status in statuses]
        if owner is not None:
            overlaid = [r for r in overlaid if r.owner == owner]
        return sorted(overlaid, key=lambda r: r.id, reverse=True)[:limit]

    sql = (
        f"SELECT * FROM requests WHERE id IN (SELECT id FROM requests{where} ORDER BY id DESC LIMIT ?){extra}"
    )
    return Read(sql, [*args, limit + len(ids), *ids], pick)
