"""The PostgreSQL ledger (``PIXAPI_LEDGER_URL=postgresql://…``): one database that every replica
shares, so a task submitted through one replica is followed, finished and saved by whichever
replica the next call reaches, and the caps hold for all of them together.

psycopg 3 with its ``AsyncConnectionPool``: every statement is awaited on the event loop's own
socket, so nothing blocks the loop and no thread is needed. Same promises as the SQLite store:
``open`` (the row before a request is sent, and its credit reservation) must land or raise
``LedgerError``; ``update`` merges into ``PendingWrites`` before its first ``await`` (order kept,
reads show it at once), then writes, and a write the database refuses stays queued and
``unwritten`` says why. While the database refuses writes, an update does not wait for it: a
retry task writes what is queued every ``RETRY_S`` (and every use tries too), so a task id learned
while PostgreSQL restarts reaches it as soon as it is back, not at the next tool call. One flush
at a time: batches never commit out of order. Pooled connections are checked before use, so the
ones a restart killed are replaced rather than failing the first calls after it.

Schema: ``MIGRATIONS`` (PostgreSQL's own list; the version lives in ``pixapi_schema``), applied on
start in one transaction under an advisory lock, so replicas starting together migrate once.
Reservations: per scope, ``pg_advisory_xact_lock`` on the scope's name serialises the cap check
and the insert (``budget``); locks are taken in sorted order, so two reservations never deadlock.
A row's ``created_at`` and the periods caps count are read from the database's clock, not the
replica's (``_now``).

The URL's password never appears in logs or errors: ``redact`` shows ``user:***@host``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Final, LiteralString, TypeVar, Unpack, cast
from urllib.parse import urlsplit, urlunsplit

import anyio
import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from pixapi_mcp.ledger import reads
from pixapi_mcp.ledger.admin import BUDGETS_TABLE, StoreAdmin
from pixapi_mcp.ledger.budget import Cap, check, total_query
from pixapi_mcp.ledger.pending import PendingWrites
from pixapi_mcp.ledger.schema import (
    COLUMNS,
    LOCAL_OWNER,
    SETTLE,
    UPDATABLE,
    LedgerError,
    LedgerRow,
    LedgerStatus,
    LedgerUpdate,
    LedgerVersionError,
    NewRow,
    insert_values,
    to_row,
    update_statement,
)

log = logging.getLogger("pixapi_mcp.ledger")

T = TypeVar("T")

# Connections per replica: a paid call holds one for a millisecond or two; three replicas use at
# most 30 of PostgreSQL's default 100.
POOL_MAX: Final = 10
# How long a call waits for a pooled connection (or the first one at start) before the store is
# treated as unreachable; well inside a tool call's deadline.
CONNECT_WAIT_S: Final = 10.0
# While the database refuses writes, how often the retry task tries what is queued.
RETRY_S: Final = 1.0
# Key of the advisory lock migrations run under (any constant both replicas agree on).
MIGRATION_LOCK: Final = 0x70697861  # "pixa"

# Migration N takes the database from version N-1 to N. Never edit a released one; append.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        f"""CREATE TABLE requests (
            id               BIGSERIAL PRIMARY KEY,
            created_at       DOUBLE PRECISION NOT NULL,
            updated_at       DOUBLE PRECISION NOT NULL,
            tool             TEXT NOT NULL,
            endpoint         TEXT NOT NULL,
            base_url         TEXT NOT NULL,
            model            TEXT NOT NULL,
            prompt           TEXT NOT NULL,
            params           TEXT NOT NULL,
            status           TEXT NOT NULL,
            task_id          TEXT,
            progress         INTEGER NOT NULL DEFAULT 0,
            request_id       TEXT,
            error            TEXT,
            output_urls      TEXT NOT NULL DEFAULT '[]',
            paths            TEXT NOT NULL DEFAULT '[]',
            output_dir       TEXT,
            credits_estimate DOUBLE PRECISION,
            credits_charged  DOUBLE PRECISION,
            task_created_at  BIGINT,
            result_type      TEXT,
            owner            TEXT NOT NULL DEFAULT '{LOCAL_OWNER}',
            team             TEXT,
            held             DOUBLE PRECISION NOT NULL DEFAULT 0,
            settled          DOUBLE PRECISION
        )""",
        "CREATE INDEX requests_task ON requests(task_id)",
        "CREATE INDEX requests_created ON requests(created_at)",
        "CREATE INDEX requests_owner ON requests(owner, id)",
        "CREATE INDEX requests_team ON requests(team, created_at) WHERE team IS NOT NULL",
    ),
    # 2: budget overrides per caller and team (``admin``).
    (BUDGETS_TABLE,),
)
SCHEMA_VERSION: Final = len(MIGRATIONS)

Pool = AsyncConnectionPool[psycopg.AsyncConnection[DictRow]]


def redact(url: str) -> str:
    """``url`` without its password (``postgresql://user:***@host:5432/db``); query parameters
    (``password=`` among them) are dropped."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "postgresql://***"
    user = (
        f"{parts.username}:***@"
        if parts.username and parts.password
        else (f"{parts.username}@" if parts.username else "")
    )
    return urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))


def _sql(text: str) -> LiteralString:
    """A statement written with ``?`` marks (shared with SQLite) in psycopg's ``%s`` style. The
    text is ours (values always travel as parameters), hence the cast."""
    return cast(LiteralString, text.replace("?", "%s"))


class PostgresLedger(StoreAdmin):
    """The ledger in a PostgreSQL database; a ``LedgerStore``."""

    def __init__(
        self,
        url: str,
        *,
        pool_max: int = POOL_MAX,
        connect_wait_s: float = CONNECT_WAIT_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self._url = url
        self._shown = redact(url)
        self._secret = urlsplit(url).password or ""
        self._pool_max = pool_max
        self._wait_s = connect_wait_s
        self._retry_s = retry_s
        # psycopg's pool is asyncio's (it runs its own asyncio tasks), so the retry is one too.
        self._retrying: asyncio.Task[None] | None = None
        self._pool: Pool | None = None
        self._open_lock = anyio.Lock()
        self._flush_lock = anyio.Lock()
        self._pending = PendingWrites()
        self._refused: LedgerError | None = None
        self._problem: LedgerError | None = None
        self._closed = False

    @property
    def problem(self) -> LedgerError | None:
        return self._problem

    def describe(self) -> str:
        return self._shown

    # -- opening and closing ------------------------------------------------------------------

    async def start(self) -> LedgerError | None:
        try:
            await self.ready()
        except LedgerError as exc:
            return exc
        return None

    async def ready(self) -> None:
        if self._pool is not None:
            return
        async with self._open_lock:
            if self._pool is not None:
                return
            if self._closed:
                raise RuntimeError("Cannot operate on a closed ledger.")
            pool: Pool = AsyncConnectionPool(
                self._url,
                min_size=1,
                max_size=self._pool_max,
                open=False,
                timeout=self._wait_s,
                # A connection a server restart (or an idle timeout on the way) killed is replaced
                # on checkout: a cheap round trip, instead of a refused paid call.
                check=_check,
                kwargs={"autocommit": True, "row_factory": dict_row},
                name="pixapi-ledger",
            )
            try:
                await pool.open(wait=True, timeout=self._wait_s)
                async with pool.connection() as conn:
                    await _migrate(conn, self._shown)
            except BaseException as exc:
                await pool.close()
                if isinstance(exc, LedgerError):
                    self._problem = exc
                    raise
                if isinstance(exc, psycopg.Error | PoolTimeout):
                    self._problem = self._error(exc, "opened")
                    raise self._problem from None
                raise
            self._pool, self._problem = pool, None

    async def aclose(self) -> None:
        """Write what is queued (logging every task id that cannot be) and close the pool."""
        if self._closed:
            return
        self._closed = True
        with anyio.CancelScope(shield=True):
            if self._retrying is not None:
                self._retrying.cancel()
                await asyncio.wait([self._retrying])
            if self._pool is not None:
                await self._flush()
            for row_id, task_id in self._pending.task_ids():
                log.error(
                    "ledger %s: row %d%s was never written (%s); record it by hand",
                    self._shown,
                    row_id,
                    f" (task {task_id})" if task_id else "",
                    self._refused or "closed",
                )
            if self._pool is not None:
                await self._pool.close()

    async def probe(self) -> int:
        """Connect once and read the schema version, changing nothing (``doctor``): 0 for a database
        no replica has used yet. Raises ``LedgerError`` (password hidden) when it cannot."""
        try:
            async with await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=max(1, int(self._wait_s))
            ) as conn:
                present = await (
                    await conn.execute("SELECT to_regclass('pixapi_schema') IS NOT NULL")
                ).fetchone()
                if present is None or not present[0]:
                    return 0
                found = await (await conn.execute("SELECT max(version) FROM pixapi_schema")).fetchone()
                return int(found[0]) if found is not None and found[0] is not None else 0
        except psycopg.Error as exc:
            raise self._error(exc, "reached") from None

    def _error(self, exc: BaseException, doing: str) -> LedgerError:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self._secret:
            reason = reason.replace(self._secret, "***")
        reason = re.sub(r"password=\S+", "password=***", reason)
        transient = isinstance(exc, psycopg.OperationalError | PoolTimeout)
        return LedgerError(
            f"The ledger {self._shown} cannot be {doing}: {reason.rstrip('.')}.",
            path=self._shown,
            transient=transient,
        )

    def _connection(self) -> AbstractAsyncContextManager[psycopg.AsyncConnection[DictRow]]:
        assert self._pool is not None
        return self._pool.connection()

    # -- writes -------------------------------------------------------------------------------

    async def open(
        self,
        *,
        held: float = 0.0,
        owner: str = LOCAL_OWNER,
        team: str | None = None,
        caps: Sequence[Cap] = (),
        **row: Unpack[NewRow],
    ) -> int:
        await self.ready()
        if self._refused is None:
            await self._flush()  # what is queued goes first (while refused, the retry task writes it)
        marks = ", ".join("%s" for _ in range(14))
        inserted: DictRow | None = None
        try:
            with anyio.CancelScope(shield=True):  # a row that exists is a row its caller hears of
                async with self._connection() as conn, conn.transaction():
                    for key in sorted({cap.scope.key for cap in caps}):
                        await conn.execute(
                            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"pixapi-budget:{key}",)
                        )
                    now = await _now(conn)
                    for cap in caps:
                        sql, args = total_query(cap, now)
                        found = await (await conn.execute(_sql(sql), args)).fetchone()
                        check(cap, float(next(iter(found.values()))) if found else 0.0, held, now)
                    cur = await conn.execute(
                        _sql(f"INSERT INTO requests ({COLUMNS}) VALUES ({marks}) RETURNING id"),
                        insert_values(row, now, owner, team, held),
                    )
                    inserted = await cur.fetchone()
        except (psycopg.Error, PoolTimeout) as exc:
            raise self._error(exc, "written") from None
        assert inserted is not None
        return int(inserted["id"])

    async def update(self, row_id: int, *, durable: bool = True, **changes: Unpack[LedgerUpdate]) -> None:
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not changes:
            return
        self._pending.merge(row_id, dict(changes), durable)  # before any await: the order made in
        if self._refused is not None:
            return  # the database is away: the retry task writes it, and no call waits on it
        with anyio.CancelScope(shield=True):  # a cancelled call still records what it learned
            await self._flush()

    def unwritten(self, row_id: int) -> str | None:
        refused = self._refused
        return str(refused) if refused is not None and row_id in self._pending else None

    async def _flush(self) -> bool:
        """Write what is queued, one flush at a time. True when everything queued is written."""
        async with self._flush_lock:
            rows, _ = self._pending.batch()
            if not rows:
                return True
            if self._pool is None:
                return False
            try:
                async with self._connection() as conn, conn.transaction():
                    for row_id, (_, columns) in rows.items():
                        sql, args = update_statement(row_id, columns)
                        await conn.execute(_sql(sql), args)
                        if "status" in columns:
                            await conn.execute(_sql(SETTLE), (row_id,))
            except (psycopg.Error, PoolTimeout) as exc:
                self._refuse(self._error(exc, "written"))
                return False
            self._pending.written(rows)
            recovered, self._refused = self._refused, None
            if recovered is not None:
                log.warning("ledger %s takes writes again: the queued changes are written", self._shown)
            return True

    def _refuse(self, error: LedgerError) -> None:
        if self._refused is None:
            log.warning("%s Changes are kept in memory and written when it takes writes again.", error)
        self._refused = error
        if not self._closed and (self._retrying is None or self._retrying.done()):
            self._retrying = asyncio.get_running_loop().create_task(self._retry(), name="pixapi-ledger-retry")
        for row_id, task_id in self._pending.task_ids(unreported=True):
            log.warning(
                "task %s (ledger row %d) is not in the ledger yet (%s); get_task(task_id=%r) resumes it",
                task_id,
                row_id,
                error.args[0].rstrip("."),
                task_id,
            )

    async def _retry(self) -> None:
        """Every ``retry_s``, write what is queued, until all of it is written."""
        while not self._closed:
            await anyio.sleep(self._retry_s)
            if await self._flush():
                return

    # -- reads --------------------------------------------------------------------------------

    async def _run(self, read: reads.Read[T]) -> T:
        await self.ready()
        if self._refused is not None:  # each use retries what the database refused
            await self._flush()
        try:
            async with self._connection() as conn:
                rows = await (await conn.execute(_sql(read.sql), read.args)).fetchall()
        except (psycopg.Error, PoolTimeout) as exc:
            raise self._error(exc, "read") from None
        return read.pick([to_row(r) for r in rows])

    async def get(self, row_id: int, owner: str | None = None) -> LedgerRow | None:
        return await self._run(reads.get(self._pending, row_id, owner))

    async def find_task(self, task_id: str, owner: str | None = None) -> LedgerRow | None:
        return await self._run(reads.find_task(self._pending, task_id, owner))

    async def recent(
        self, limit: int = 20, statuses: Sequence[LedgerStatus] | None = None, owner: str | None = None
    ) -> list[LedgerRow]:
        return await self._run(reads.recent(self._pending, limit, statuses, owner))

    async def _fetch(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        await self.ready()
        try:
            async with self._connection() as conn:
                return [dict(r) for r in await (await conn.execute(_sql(sql), args)).fetchall()]
        except (psycopg.Error, PoolTimeout) as exc:
            raise self._error(exc, "read") from None

    async def _execute(self, sql: str, args: Sequence[Any]) -> None:
        await self.ready()
        try:
            async with self._connection() as conn:
                await conn.execute(_sql(sql), args)
        except (psycopg.Error, PoolTimeout) as exc:
            raise self._error(exc, "written") from None

    async def spent(self, cap: Cap) -> float:
        await self.ready()
        try:
            async with self._connection() as conn:
                sql, args = total_query(cap, await _now(conn))
                found = await (await conn.execute(_sql(sql), args)).fetchone()
        except (psycopg.Error, PoolTimeout) as exc:
            raise self._error(exc, "read") from None
        return float(next(iter(found.values()))) if found else 0.0


async def _check(conn: psycopg.AsyncConnection[DictRow]) -> None:
    """psycopg's own check of a pooled connection (an empty query); its stub names tuple rows only."""
    await AsyncConnectionPool.check_connection(cast(Any, conn))


async def _now(conn: psycopg.AsyncConnection[DictRow]) -> float:
    """The database's clock (epoch seconds): every replica's rows and periods are on one clock, so a
    replica whose clock runs ahead (its UTC day over a moment early) never counts a fresh day while
    the others still fill the old one."""
    found = await (
        await conn.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS now")
    ).fetchone()
    assert found is not None
    return float(found["now"])


async def _migrate(conn: psycopg.AsyncConnection[DictRow], shown: str) -> int:
    """Bring the database to ``SCHEMA_VERSION`` under an advisory lock, in one transaction;
    returns the version it had. A database from a newer pixapi-mcp is refused."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute("CREATE TABLE IF NOT EXISTS pixapi_schema (version INTEGER NOT NULL)")
        found_row = await (await conn.execute("SELECT version FROM pixapi_schema")).fetchone()
        found = int(found_row["version"]) if found_row else 0
        if found > SCHEMA_VERSION:
            raise LedgerVersionError(
                f"The ledger {shown} has schema version {found}, but this pixapi-mcp knows versions up to "
                f"{SCHEMA_VERSION}: upgrade pixapi-mcp (every replica), or point PIXAPI_LEDGER_URL at another "
                "database.",
                path=shown,
            )
        for statements in MIGRATIONS[found:]:
            for statement in statements:
                await conn.execute(cast(LiteralString, statement))
        if found_row is None:
            await conn.execute("INSERT INTO pixapi_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
        elif found < SCHEMA_VERSION:
            await conn.execute("UPDATE pixapi_schema SET version = %s", (SCHEMA_VERSION,))
    if found < SCHEMA_VERSION:
        log.info("ledger %s migrated from schema version %d to %d", shown, found, SCHEMA_VERSION)
    return found
