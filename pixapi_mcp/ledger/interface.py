"""The one interface the tools use, whichever database holds the ledger: ``LedgerStore``.

Two implementations: ``SqliteLedger`` (the default, one file, embedded) and ``PostgresLedger``
(``PIXAPI_LEDGER_URL``: one database that several replicas share). The tools speak only in
``LedgerRow``, ``LedgerUpdate`` and ``Cap`` (and the operator's commands in ``BudgetLimits`` and
``UsageRow``); no SQL leaves the implementations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, Unpack

from pixapi_mcp.ledger.admin import BudgetLimits, UsageRow
from pixapi_mcp.ledger.budget import Cap
from pixapi_mcp.ledger.schema import LedgerError, LedgerRow, LedgerStatus, LedgerUpdate, NewRow


class LedgerStore(Protocol):
    """What every store does. Async methods never block the event loop.

    Writes: ``open`` writes the row of a paid request before it is sent (and is its credit
    reservation: the caps are checked in the same transaction, ``BudgetExceeded``); it raises
    ``LedgerError`` when the store cannot take it, and then nothing may be sent. ``update`` never
    raises for a write the store refuses: the change is kept, shown by this process's reads,
    retried, and ``unwritten`` says why. A row whose status becomes final settles its credits
    (``schema.SETTLE``), on whichever replica learns the outcome."""

    @property
    def problem(self) -> LedgerError | None:
        """Why the store could not be opened (None: open, or not tried yet)."""
        ...

    def describe(self) -> str:
        """Where the ledger lives, for logs (a URL without its password)."""
        ...

    async def start(self) -> LedgerError | None:
        """Open (and migrate) the store; the problem instead of an exception."""
        ...

    async def ready(self) -> None:
        """Raise ``LedgerError`` unless the store is open (trying again if it was not)."""
        ...

    async def aclose(self) -> None:
        """Write what is queued (logging what cannot be) and close."""
        ...

    async def open(
        self,
        *,
        held: float = 0.0,
        owner: str = ...,
        team: str | None = None,
        caps: Sequence[Cap] = (),
        **row: Unpack[NewRow],
    ) -> int:
        """Write the row (status ``sending``, ``held`` credits counted against ``caps``); its id."""
        ...

    async def update(self, row_id: int, *, durable: bool = True, **changes: Unpack[LedgerUpdate]) -> None:
        """Apply ``changes`` to a row (``durable=False``: a progress figure, may be written later)."""
        ...

    def unwritten(self, row_id: int) -> str | None:
        """Why changes to ``row_id`` are not in the store yet (None: they are)."""
        ...

    async def get(self, row_id: int, owner: str | None = None) -> LedgerRow | None:
        """Row ``row_id`` (only if ``owner`` owns it, when given)."""
        ...

    async def find_task(self, task_id: str, owner: str | None = None) -> LedgerRow | None:
        """The newest row for ``task_id`` (of ``owner``, when given)."""
        ...

    async def recent(
        self, limit: int = 20, statuses: Sequence[LedgerStatus] | None = None, owner: str | None = None
    ) -> list[LedgerRow]:
        """Up to ``limit`` rows newest first (only ``statuses``, only ``owner``'s, when given)."""
        ...

    async def spent(self, cap: Cap) -> float:
        """Credits ``cap``'s scope has spent or holds in its current period."""
        ...

    async def budgets(self, scopes: Sequence[str] | None = None) -> dict[str, BudgetLimits]:
        """The budget overrides of ``scopes`` (``Scope.key``s), or of every scope that has one."""
        ...

    async def set_budget(self, scope: str, *, day: float | None, month: float | None) -> None:
        """Make ``scope``'s override exactly ``day`` and ``month`` (None: the default applies)."""
        ...

    async def clear_budget(self, scope: str) -> bool:
        """Drop ``scope``'s override; False when it had none."""
        ...

    async def usage(self, since: float, until: float, owner: str | None = None) -> list[UsageRow]:
        """Spend per caller and model of the rows written in ``[since, until)``."""
        ...
