"""What an operator reads and sets in the store, written once for both backends: budget overrides
per caller and per team (the ``budgets`` table), and spend per caller and model over a period.

Budgets: a deployment sets defaults in its settings (``PIXAPI_MAX_CREDITS_PER_CALLER_DAY`` and
friends); an override for one scope (``caller:token:ada``, ``team:art``) lives in the store, so
``pixapi-mcp budget set`` changes it for every replica at once, with no restart: each paid call
reads its caller's and team's overrides before its row is written. ``None`` in a period keeps
the default; ``UNLIMITED`` lifts the default for that scope.

Usage: ``charged`` is what settled rows cost (``settled``: the charge Pixapi reported, or what
was held for a success without one), ``held`` what unfinished rows still hold; both count against
the caps (``COALESCE(settled, held)``), shown apart so a person sees what is final.

``StoreAdmin`` holds the methods; each backend gives it ``_fetch`` and ``_execute``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

# An override with no limit (``budget set ... --day unlimited``): stored as a negative number,
# since SQL has no infinity both backends agree on.
UNLIMITED: Final = math.inf
_UNLIMITED_STORED: Final = -1.0


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    """One scope's override: credits per UTC day and per month (None: the setting's default;
    ``UNLIMITED``: no cap for this scope, whatever the default)."""

    scope: str
    day: float | None = None
    month: float | None = None
    updated_at: float = 0.0


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Spend of one caller on one model over a period."""

    owner: str
    team: str | None
    model: str
    requests: int
    completed: int
    charged: float
    held: float


def _stored(value: float | None) -> float | None:
    return _UNLIMITED_STORED if value is not None and math.isinf(value) else value


def _loaded(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return UNLIMITED if number < 0 else number


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


class StoreAdmin:
    """Budget overrides and usage, over a backend's ``_fetch`` (rows as mappings) and
    ``_execute`` (one statement, committed). SQL uses ``?`` marks, both dialects."""

    async def _fetch(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def _execute(self, sql: str, args: Sequence[Any]) -> None:
        raise NotImplementedError

    async def budgets(self, scopes: Sequence[str] | None = None) -> dict[str, BudgetLimits]:
        """The overrides of ``scopes`` (scope keys), or of every scope that has one."""
        if scopes is not None and not scopes:
            return {}
        sql = "SELECT scope, day_limit, month_limit, updated_at FROM budgets"
        args: list[Any] = []
        if scopes is not None:
            sql += f" WHERE scope IN ({_marks(scopes)})"
            args.extend(scopes)
        rows = await self._fetch(sql + " ORDER BY scope", args)
        return {
            r["scope"]: BudgetLimits(
                r["scope"], _loaded(r["day_limit"]), _loaded(r["month_limit"]), float(r["updated_at"])
            )
            for r in rows
        }

    async def set_budget(self, scope: str, *, day: float | None, month: float | None) -> None:
        """Make ``scope``'s override exactly ``day`` and ``month`` (None: the default applies)."""
        await self._execute(
            "INSERT INTO budgets (scope, day_limit, month_limit, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (scope) DO UPDATE SET day_limit = excluded.day_limit, "
            "month_limit = excluded.month_limit, updated_at = excluded.updated_at",
            [scope, _stored(day), _stored(month), time.time()],
        )

    async def clear_budget(self, scope: str) -> bool:
        """Drop ``scope``'s override (its defaults apply again); False when it had none."""
        if scope not in await self.budgets([scope]):
            return False
        await self._execute("DELETE FROM budgets WHERE scope = ?", [scope])
        return True

    async def usage(self, since: float, until: float, owner: str | None = None) -> list[UsageRow]:
        """Spend per caller and model of the rows written in ``[since, until)`` (epoch seconds),
        of ``owner`` only when given; by caller, then by most charged."""
        sql = (
            "SELECT owner, MAX(team) AS team, model, COUNT(*) AS requests, "
            "SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed, "
            "COALESCE(SUM(settled), 0) AS charged, "
            "COALESCE(SUM(CASE WHEN settled IS NULL THEN held ELSE 0 END), 0) AS held "
            "FROM requests WHERE created_at >= ? AND created_at < ?"
        )
        args: list[Any] = [since, until]
        if owner is not None:
            sql += " AND owner = ?"
            args.append(owner)
        rows = await self._fetch(sql + " GROUP BY owner, model ORDER BY owner, charged DESC, model", args)
        return [
            UsageRow(
                str(r["owner"]),
                r["team"],
                str(r["model"]),
                int(r["requests"]),
                int(r["completed"]),
                float(r["charged"]),
                float(r["held"]),
            )
            for r in rows
        ]


# The table both backends create (SQLite migration 4, PostgreSQL migration 2).
BUDGETS_TABLE: Final = (
    "CREATE TABLE IF NOT EXISTS budgets ("
    " scope TEXT PRIMARY KEY,"
    " day_limit DOUBLE PRECISION,"
    " month_limit DOUBLE PRECISION,"
    " updated_at DOUBLE PRECISION NOT NULL)"
)
