"""What only the PostgreSQL ledger has: a schema version table migrated once under an advisory
lock when replicas start together, a database from a newer release refused, and a URL whose
password never shows in logs, errors or settings."""

from __future__ import annotations

import logging

import anyio
import pytest

from pixapi_mcp.config import Settings, SettingsError
from pixapi_mcp.ledger import LedgerError, LedgerVersionError
from pixapi_mcp.ledger.postgres import SCHEMA_VERSION, PostgresLedger, redact
from tests.pg_server import PostgresCluster

pytestmark = pytest.mark.anyio


async def test_three_replicas_starting_at_once_migrate_once(
    postgres: PostgresCluster, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pixapi_mcp.ledger")
    stores = [PostgresLedger(pg_url) for _ in range(3)]
    problems: list[LedgerError | None] = []

    async def start(store: PostgresLedger) -> None:
        problems.append(await store.start())

    try:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for store in stores:
                    tg.start_soon(start, store)
        assert problems == [None, None, None]
    finally:
        for store in stores:
            await store.aclose()
    dbname = pg_url.rsplit("/", 1)[1]
    assert postgres.psql("SELECT count(*), max(version) FROM pixapi_schema", dbname) == f"1|{SCHEMA_VERSION}"
    assert sum("migrated from schema version 0" in r.getMessage() for r in caplog.records) == 1


async def test_a_database_from_a_newer_release_is_refused_and_left_alone(
    postgres: PostgresCluster, pg_url: str
) -> None:
    first = PostgresLedger(pg_url)
    assert await first.start() is None
    await first.aclose()
    dbname = pg_url.rsplit("/", 1)[1]
    postgres.psql("UPDATE pixapi_schema SET version = 99", dbname)
    store = PostgresLedger(pg_url)
    problem = await store.start()
    await store.aclose()
    assert isinstance(problem, LedgerVersionError)
    assert "schema version 99" in str(problem) and postgres.password not in str(problem)
    assert postgres.psql("SELECT version FROM pixapi_schema", dbname) == "99"


async def test_the_password_never_shows(
    postgres: PostgresCluster, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = pg_url.replace(postgres.password, postgres.password[::-1])
    store = PostgresLedger(wrong, connect_wait_s=1)
    problem = await store.start()
    with pytest.raises(LedgerError) as raised:
        await store.ready()
    await store.aclose()
    assert problem is not None
    for text in (str(problem), str(raised.value), store.describe(), caplog.text):
        assert postgres.password not in text and postgres.password[::-1] not in text
    assert (
        store.describe()
        == f"postgresql://{postgres.superuser}:***@127.0.0.1:{postgres.port}/" + pg_url.rsplit("/", 1)[1]
    )
    assert redact("postgresql://u:secret@h/db?password=other&sslmode=require") == "postgresql://u:***@h/db"


async def test_an_unreachable_server_is_a_transient_problem() -> None:
    store = PostgresLedger("postgresql://u:s3cret@127.0.0.1:1/db", connect_wait_s=1)
    problem = await store.start()
    await store.aclose()
    assert problem is not None and problem.transient and "s3cret" not in str(problem)
    assert "postgresql://u:***@127.0.0.1:1/db" in str(problem)


def test_settings_take_a_postgresql_url_and_never_repeat_it() -> None:
    settings = Settings.from_env(
        {"PIXAPI_DATA_DIR": "/tmp/d", "PIXAPI_LEDGER_URL": "postgresql://u:pw9@h/db"}
    )
    assert settings.ledger_url is not None and "pw9" not in repr(settings)
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"PIXAPI_DATA_DIR": "/tmp/d", "PIXAPI_LEDGER_URL": "mysql://u:pw9@h/db"})
    assert "PIXAPI_LEDGER_URL" in str(refused.value) and "pw9" not in str(refused.value)
