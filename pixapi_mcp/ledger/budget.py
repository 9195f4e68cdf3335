"""Budgets the store enforces for every replica at once: who a cap covers (a ``Scope``), over which
period, and the one SQL check both backends run.

A reservation is the ledger row itself: the row written before a paid request is sent carries the
credits it ``held``, and the store writes it only after checking, in the same transaction and
serialised per scope (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock per scope), that
every ``Cap`` still has room. A scope's total over a period is the sum of what its rows count
(``COALESCE(settled, held)``: the charge once known, what was held until then), so N replicas
never together pass a cap, and held credits of a replica that died stay counted until a
``get_task`` (on any replica) settles its row.

A scope is a kind and a name: ``deployment`` (every row), ``caller:<id>`` (rows the caller
owns), ``team:<id>`` (rows of the team's callers). A new budget is a new ``Cap``, not new SQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any, Final, Literal

ScopeKind = Literal["deployment", "caller", "team"]
Period = Literal["day", "month"]

# The column a scope's rows are found by (None: every row).
_SCOPE_COLUMN: Final[dict[ScopeKind, str | None]] = {"deployment": None, "caller": "owner", "team": "team"}


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose spend a cap covers: everyone (``deployment``), one caller, or one team."""

    kind: ScopeKind
    name: str = ""

    @property
    def key(self) -> str:
        """A stable text naming the scope (``deployment``, ``caller:alice``): the lock's name."""
        return self.kind if self.kind == "deployment" else f"{self.kind}:{self.name}"


DEPLOYMENT: Final = Scope("deployment")


@dataclass(frozen=True, slots=True)
class Cap:
    """At most ``limit`` credits for ``scope`` per UTC ``period``. ``setting`` names what sets it,
    for the error a person reads (``PIXAPI_MAX_CREDITS_PER_DAY``, or a caller's budget)."""

    scope: Scope
    period: Period
    limit: float
    setting: str


def window(period: Period, now: float) -> tuple[float, float]:
    """The UTC period holding ``now`` (epoch seconds): its start and when it resets."""
    day = dt.datetime.fromtimestamp(now, dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        start, end = day, day + dt.timedelta(days=1)
    else:
        start = day.replace(day=1)
        days = calendar.monthrange(start.year, start.month)[1]
        end = start + dt.timedelta(days=days)
    return start.timestamp(), end.timestamp()


def total_query(cap: Cap, now: float) -> tuple[str, list[Any]]:
    """SQL (``?`` marks) for the credits ``cap``'s scope has spent or holds in its period now."""
    start, end = window(cap.period, now)
    sql = "SELECT COALESCE(SUM(COALESCE(settled, held)), 0) FROM requests WHERE created_at >= ? AND created_at < ?"
    args: list[Any] = [start, end]
    column = _SCOPE_COLUMN[cap.scope.kind]
    if column is not None:
        sql += f" AND {column} = ?"
        args.append(cap.scope.name)
    return sql, args


class BudgetExceeded(Exception):
    """A reservation ``cap`` refused: ``total`` credits were spent or held in its period before
    this request's ``amount``; room is left until ``resets_at`` (epoch seconds, UTC)."""

    def __init__(self, cap: Cap, total: float, amount: float, resets_at: float) -> None:
        super().__init__(f"{cap.setting}: {total:g} + {amount:g} > {cap.limit:g}")
        self.cap, self.total, self.amount, self.resets_at = cap, total, amount, resets_at

    @property
    def remaining(self) -> float:
        return max(self.cap.limit - self.total, 0.0)


def check(cap: Cap, total: float, amount: float, now: float) -> None:
    """Raise ``BudgetExceeded`` when ``amount`` more would take ``total`` past ``cap``."""
    if total + amount > cap.limit + 1e-9:
        raise BudgetExceeded(cap, total, amount, window(cap.period, now)[1])
