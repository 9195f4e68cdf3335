"""What only the PostgreSQL ledger has: a schema version table migrated once under an advisory
lock when replicas start together, a database from a newer release refused, and a URL whose
password never shows in logs, errors or settings."""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import anyio
import pytest

from pixapi_mcp.config import Settings, SettingsError
from pixapi_mcp.ledger import DEPLOYMENT, BudgetExceeded, Cap, LedgerError, LedgerVersionError
from pixapi_mcp.ledger.postgres import SCHEMA_VERSION, PostgresLedger, redact
from tests.pg_server import PostgresCluster, find_bindir, start_cluster

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


def test_a_postgresql_url_without_the_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without psycopg installed the server would fail with a traceback at its first ledger use;
    the setting is refused at start instead, saying what to install, never repeating the URL."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *rest: None if name == "psycopg" else real(name, *rest)
    )
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"PIXAPI_DATA_DIR": "/tmp/d", "PIXAPI_LEDGER_URL": "postgresql://u:pw9@h/db"})
    message = str(refused.value)
    assert "PIXAPI_LEDGER_URL" in message and "pixapi-mcp[postgres]" in message and "pw9" not in message


# A password holding every character a URL gives a meaning to (percent-encoded in the URL).
NASTY_PASSWORD = "p@ss:w/rd%20?#&sslmode=disable 'x\"+;="

ROW: dict[str, Any] = {
    "tool": "generate_image",
    "endpoint": "/v1/async/images/generations",
    "base_url": "https://api.pixapi.ai",
    "model": "nano-banana",
    "prompt": "a fox",
    "params": {"model": "nano-banana", "prompt": "a fox"},
    "output_dir": "/tmp/out",
    "credits_estimate": 2.0,
}


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PostgresCluster]:
    """A cluster of this module's own (the tests stop and restart it), its password nasty."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed")
    cluster = start_cluster(bindir, password=NASTY_PASSWORD, fast=False)
    try:
        yield cluster
    finally:
        cluster.stop()


def _hidden(text: str) -> bool:
    forms = {NASTY_PASSWORD, quote(NASTY_PASSWORD, safe=""), quote(NASTY_PASSWORD), "p@ss:w/rd"}
    return not any(form in text for form in forms)


async def test_a_password_with_url_characters_and_an_sslmode_query_work_and_never_show(
    own_cluster: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = own_cluster.create_database() + "?sslmode=disable&application_name=pixapi-mcp"
    store = PostgresLedger(url)
    assert await store.start() is None
    try:
        row_id = await store.open(**ROW, held=2.0)
        assert (await store.get(row_id)) is not None
    finally:
        await store.aclose()
    assert store.describe().startswith(f"postgresql://{own_cluster.superuser}:***@127.0.0.1:")
    wrong = PostgresLedger(url.replace("%40", "%41"), connect_wait_s=1)
    problem = await wrong.start()
    await wrong.aclose()
    bad_query = PostgresLedger(url + "&sslmode=nonsense", connect_wait_s=1)
    problem_query = await bad_query.start()
    await bad_query.aclose()
    assert problem is not None and problem_query is not None
    for text in (str(problem), str(problem_query), store.describe(), wrong.describe(), caplog.text):
        assert _hidden(text), text


async def test_postgresql_stopped_and_started_while_calls_run(
    own_cluster: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    """The database goes away (``pg_ctl stop -m immediate``: a crash) with several pooled
    connections open: a task id learned meanwhile is kept and reaches the database once it is back
    without another call, no call waits long on it, a paid call is refused before sending, and
    the first calls after the restart are served (no stale pooled connection refuses them)."""
    caplog.set_level(logging.WARNING, logger="pixapi_mcp.ledger")
    url = own_cluster.create_database()
    dbname = url.rsplit("/", 1)[1]
    store = PostgresLedger(url, connect_wait_s=5)
    assert await store.start() is None
    try:
        rows = [await store.open(**ROW, held=2.0) for _ in range(3)]
        async with anyio.create_task_group() as tg:  # several connections in the pool
            for row_id in rows:
                tg.start_soon(store.get, row_id)
        own_cluster.halt("immediate")
        with anyio.fail_after(8):  # not one connection wait per update, one after the other
            for index, row_id in enumerate(rows):
                await store.update(row_id, task_id=f"task_{index}", status="submitted")
        assert all(store.unwritten(row_id) for row_id in rows)
        with pytest.raises(LedgerError) as refused:
            await store.open(**ROW, held=2.0)
        assert refused.value.transient and _hidden(str(refused.value))
        own_cluster.resume()
        with anyio.fail_after(30):  # no call on the store: its own retry writes them
            while True:  # polled from outside: the database itself is the judge
                if (
                    await anyio.to_thread.run_sync(
                        own_cluster.psql, "SELECT count(task_id) FROM requests", dbname
                    )
                    == "3"
                ):
                    break
                await anyio.sleep(0.1)
        assert not any(store.unwritten(row_id) for row_id in rows)
        async with anyio.create_task_group() as tg:  # several connections in the pool again
            for row_id in rows:
                tg.start_soon(store.get, row_id)
        own_cluster.halt("fast")  # an operator's restart while the replica is idle
        own_cluster.resume()
        for _ in range(5):  # every pooled connection died with the server: none refuses a call
            await store.open(**ROW, held=2.0)
            await store.recent(5)
    finally:
        await store.aclose()
    assert own_cluster.psql("SELECT count(*) FROM requests WHERE status = 'sending'", dbname) == "5"
    assert "takes writes again" in caplog.text and _hidden(caplog.text)


async def test_periods_follow_the_databases_clock_not_a_replicas(
    postgres: PostgresCluster, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replica B's clock runs a day ahead (or its day rolled over a moment before A's): its
    reservations still count A's rows against the day cap, and its rows count in the database's
    day. Rows of the database's yesterday count no more."""
    cap = Cap(DEPLOYMENT, "day", 30.0, "PIXAPI_MAX_CREDITS_PER_DAY")
    a, b = PostgresLedger(pg_url), PostgresLedger(pg_url)
    assert await a.start() is None and await b.start() is None
    try:
        for _ in range(14):
            await a.open(**ROW, held=2.0, caps=[cap])
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 86400)
        with pytest.raises(BudgetExceeded):
            await b.open(**ROW, held=4.0, caps=[cap])
        b_row = await b.open(**ROW, held=2.0, caps=[cap])
        assert await b.spent(cap) == 30.0
        monkeypatch.setattr(time, "time", real)
        row = await a.get(b_row)
        assert row is not None and abs(row.created_at - time.time()) < 600
        dbname = pg_url.rsplit("/", 1)[1]
        postgres.psql("UPDATE requests SET created_at = created_at - 86400", dbname)
        assert await a.spent(cap) == 0.0
        await a.open(**ROW, held=30.0, caps=[cap])
    finally:
        await a.aclose()
        await b.aclose()


async def test_more_calls_at_once_than_pooled_connections_wait_their_turn(pg_url: str) -> None:
    """Two replicas of two connections each take 40 reservations at once: each waits for a
    connection (none is refused for want of one), and the cap holds exactly."""
    cap = Cap(DEPLOYMENT, "day", 30.0, "PIXAPI_MAX_CREDITS_PER_DAY")
    replicas = [PostgresLedger(pg_url, pool_max=2), PostgresLedger(pg_url, pool_max=2)]
    outcomes: list[str] = []

    async def reserve(index: int) -> None:
        try:
            await replicas[index % 2].open(**ROW, held=2.0, caps=[cap])
            outcomes.append("written")
        except BudgetExceeded:
            outcomes.append("refused")

    try:
        for store in replicas:
            assert await store.start() is None
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for index in range(40):
                    tg.start_soon(reserve, index)
        assert (outcomes.count("written"), outcomes.count("refused")) == (15, 25)
        assert await replicas[1].spent(cap) == 30.0
    finally:
        for store in replicas:
            await store.aclose()
