"""The ledger: a record of every paid request, written *before* it is sent.

Paid media work outlives chats, host timeouts and server restarts: ``list_tasks`` reads the
ledger, and ``get_task`` resumes unfinished tasks from it after a restart. ``schema`` holds what
a row is (its states, fields and the SQL migrations) and what a failure means; ``store`` the file
and how writes survive a locked, full or damaged one; ``pending`` the changes the file has not
taken yet.
"""

from pixapi_mcp.ledger.schema import (
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
from pixapi_mcp.ledger.store import BUSY_TIMEOUT_S, RETRY_S, Ledger

__all__ = [
    "BUSY_TIMEOUT_S",
    "MIGRATIONS",
    "RETRY_S",
    "SCHEMA_VERSION",
    "STATUSES",
    "UNFINISHED",
    "Ledger",
    "LedgerError",
    "LedgerRow",
    "LedgerStatus",
    "LedgerUpdate",
    "LedgerVersionError",
    "NewRow",
    "ledger_status",
    "migrate",
]
