"""The ledger: a record of every paid request, written *before* it is sent.

Paid media work outlives chats, host timeouts and server restarts: ``list_tasks`` reads the
ledger, and ``get_task`` resumes unfinished tasks from it, on any replica. ``interface`` is what
the tools use (``LedgerStore``); ``sqlite`` the default store (one file) and ``postgres`` the one
replicas share (``PIXAPI_LEDGER_URL``); ``schema`` what a row is; ``budget`` the caps the store
enforces with the reservation; ``admin`` the operator's budget overrides and usage; ``reads`` the
queries both run; ``pending`` the changes a store has not taken yet.
"""

from __future__ import annotations

from pathlib import Path

from pixapi_mcp.config import Settings
from pixapi_mcp.ledger.admin import UNLIMITED, BudgetLimits, UsageRow
from pixapi_mcp.ledger.budget import DEPLOYMENT, BudgetExceeded, Cap, Scope, window
from pixapi_mcp.ledger.interface import LedgerStore
from pixapi_mcp.ledger.schema import (
    LOCAL_OWNER,
    MIGRATIONS,
    SCHEMA_VERSION,
    STATUSES,
    UNFINISHED,
    LedgerError,
    LedgerRow,
    LedgerStatus,
    LedgerUpdate,
    LedgerVersionError,
    NewRow,
    ledger_status,
    migrate,
)
from pixapi_mcp.ledger.sqlite import BUSY_TIMEOUT_S, RETRY_S, SqliteLedger

__all__ = [
    "BUSY_TIMEOUT_S",
    "DEPLOYMENT",
    "LOCAL_OWNER",
    "MIGRATIONS",
    "RETRY_S",
    "SCHEMA_VERSION",
    "STATUSES",
    "UNFINISHED",
    "UNLIMITED",
    "BudgetExceeded",
    "BudgetLimits",
    "Cap",
    "LedgerError",
    "LedgerRow",
    "LedgerStatus",
    "LedgerStore",
    "LedgerUpdate",
    "LedgerVersionError",
    "NewRow",
    "Scope",
    "SqliteLedger",
    "UsageRow",
    "ledger_of",
    "ledger_status",
    "make_ledger",
    "migrate",
    "window",
]


def ledger_of(settings: Settings) -> LedgerStore:
    """The store the server keeps for ``settings`` (and the operator's commands read):
    ``PIXAPI_LEDGER_URL``, else the SQLite file in the data folder (in sandbox mode its own file,
    so practice never mixes with paid work). Nothing is opened yet."""
    url = settings.ledger_url.get_secret_value().strip() if settings.ledger_url else None
    path = settings.data_dir / "ledger-sandbox.sqlite3" if settings.sandbox else settings.ledger_path
    return make_ledger(url, path)


def make_ledger(url: str | None, path: Path) -> LedgerStore:
    """The store ``PIXAPI_LEDGER_URL`` names (``postgresql://…``), else the SQLite file at ``path``.
    Nothing is opened yet (``start``). psycopg is imported only when a URL asks for it."""
    if url:
        from pixapi_mcp.ledger.postgres import PostgresLedger

        return PostgresLedger(url)
    return SqliteLedger(path, connect=False)
