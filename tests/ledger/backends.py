"""Both ledger backends for one test: ``ledger_url`` is None (the SQLite file) or a fresh
PostgreSQL database's URL (``tests/pg_server.py``: skipped without PostgreSQL, failed in CI), and
``stores`` opens any number of stores on that one ledger, as replicas would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from pixapi_mcp.ledger import LedgerStore, make_ledger

BACKENDS = ["sqlite", "postgresql"]

OpenStore = Callable[[], Awaitable[LedgerStore]]


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest) -> str | None:
    """None for the SQLite ledger, else a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def stores(ledger_url: str | None, tmp_path: Path) -> AsyncIterator[OpenStore]:
    """Open (and start) one more store on the test's ledger; all are closed at the end."""
    async with AsyncExitStack() as stack:

        async def open_store() -> LedgerStore:
            store = make_ledger(ledger_url, tmp_path / "data" / "ledger.sqlite3")
            problem = await store.start()
            assert problem is None, problem
            stack.push_async_callback(store.aclose)
            return store

        yield open_store
