"""The SQLite ledger (the default store): one file, and writes that are never lost and never stall anyone.

Why a ledger: paid media work outlives chats, host timeouts and server restarts. A row exists
before the POST leaves the machine, so a crash or a cut connection can never leave a charge
nobody knows about; the row then gains the task id, status, outputs, saved paths and credits.

How it keeps that promise on a bad day (another process holding SQLite's write lock, a full
disk, a damaged file):
- No write touches SQLite on the event loop: writes run in worker threads (or the flusher
  thread), so a lock held elsewhere slows at most the call that waits for it, never the other
  sessions. Reads run on the loop only on a connection that never waits (see the reads below).
- ``update`` first merges its changes into an in-memory queue of pending changes, synchronously
  (before its first ``await``): updates keep the order they were made in, even from a task being
  cancelled, and every read shows them at once. Then a durable update waits (in a worker thread,
  up to ``busy_timeout_s``) for the write; a progress figure is left to the flusher thread.
- A write the file refuses stays queued: reads still show it, each task id in it is logged
  (stderr) at once, ``unwritten`` says why for the result, and it is written on the next ledger
  use or by the flusher every ``retry_s``. While the file refuses writes, retries do not wait for
  the lock. ``close`` makes a last attempt and logs every task id it could not write.
- ``open`` (the row written before a request is sent) is the one write that must land now: it
  raises ``LedgerError``, and the request is not sent.
- A file that cannot be opened (damaged, in a folder that cannot be written, from a newer
  version) does not stop the server: ``start`` returns the problem, and every later use tries to
  open the file again before raising it (fixing the file needs no restart).

Its public methods are ``LedgerStore``'s (plus ``*_sync`` twins for threads and tests). The caps
are checked and the row written under ``BEGIN IMMEDIATE``: every process sharing the file takes
turns, so together they never pass a cap. The key is never stored: rows hold the request
body fields, never headers.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Final, TypeVar, Unpack

import anyio
import anyio.to_thread

from pixapi_mcp.ledger import reads
from pixapi_mcp.ledger.admin import StoreAdmin
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
    NewRow,
    describe_failure,
    insert_values,
    ledger_error,
    migrate,
    to_row,
    update_statement,
)

log = logging.getLogger("pixapi_mcp.ledger")

T = TypeVar("T")

# How long a write waits for another process's write lock. Two pixapi-mcp processes sharing one
# data folder (two hosts) hold it for milliseconds; anything longer is treated as refused.
BUSY_TIMEOUT_S: Final = 1.0
# How long opening the file waits for the lock to switch it to WAL or migrate it (see _open_connections).
_SETUP_BUSY_MS: Final = 10_000
# How often queued writes are retried while the file refuses them.
RETRY_S: Final = 2.0


class SqliteLedger(StoreAdmin):
    """The ledger file. Async methods never run SQLite on the event loop; see the module."""

    def __init__(
        self,
        path: Path,
        *,
        connect: bool = True,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
        retry_s: float = RETRY_S,
    ) -> None:
        """``connect=False`` opens nothing yet: ``start`` (the server) opens the file and reports
        a problem instead of raising it. Otherwise the file is opened now (``LedgerError``)."""
        self.path = path
        self._busy_ms = int(busy_timeout_s * 1000)
        self._retry_s = retry_s
        # Three connections, so no read waits behind a writer stuck on another process's lock: the
        # writer (worker threads), a reader for worker threads, and one for reads on the event loop
        # that never waits for a lock (busy timeout 0; a read it cannot do at once goes to a thread).
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._inline: sqlite3.Connection | None = None
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._inline_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._pending = PendingWrites()
        self._state_lock = threading.Lock()  # for _refused, read by the loop and threads alike
        self._refused: LedgerError | None = None  # why the last write failed; None: writes land
        self._problem: LedgerError | None = None  # why the file could not be opened
        self._closed = False
        self._wake = threading.Event()
        self._flusher: threading.Thread | None = None
        if connect:
            self._connect()

    # -- opening and closing ------------------------------------------------------------------

    @property
    def problem(self) -> LedgerError | None:
        """Why the file could not be opened (None: it is open, or not tried yet)."""
        return self._problem

    def describe(self) -> str:
        return str(self.path)

    async def start(self) -> LedgerError | None:
        """Open the file (off the event loop); the problem instead of an exception."""
        try:
            await anyio.to_thread.run_sync(self._connect)
        except LedgerError as exc:
            return exc
        return None

    async def ready(self) -> None:
        """Raise ``LedgerError`` unless the file is open (trying again if it was not)."""
        if self._writer is None:
            await anyio.to_thread.run_sync(self._connect)

    def _connect(self) -> None:
        with self._open_lock:
            if self._writer is not None:
                return
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed ledger.")
            try:
                self._writer, self._reader, self._inline = self._open_connections()
            except LedgerError as exc:
                self._problem = exc
                raise
            self._problem = None
        self._flusher = threading.Thread(target=self._run_flusher, name="pixapi-ledger", daemon=True)
        self._flusher.start()

    def _open_connections(self) -> tuple[sqlite3.Connection, sqlite3.Connection, sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            writer = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ledger_error(self.path, exc, "opened") from None
        readers: list[sqlite3.Connection] = []
        try:
            # Setting up a new or old file takes the write lock once; processes starting together
            # (replicas, two hosts) queue for it, each holding it for a few fsyncs, which a loaded
            # machine can stretch past the 1 s a running write waits. Start-up may wait longer.
            writer.execute(f"PRAGMA busy_timeout={max(self._busy_ms, _SETUP_BUSY_MS):d}")
            writer.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            # FULL: a row written "before the request is sent" must survive a power cut too.
            writer.execute("PRAGMA synchronous=FULL")
            migrate(writer, self.path)
            writer.execute(f"PRAGMA busy_timeout={self._busy_ms:d}")
            for busy_ms in (self._busy_ms, 0):
                reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                readers.append(reader)
                reader.row_factory = sqlite3.Row
                reader.execute(f"PRAGMA busy_timeout={busy_ms:d}")
                reader.execute("SELECT count(*) FROM requests").fetchone()
        except BaseException as exc:
            writer.close()
            for reader in readers:
                reader.close()
            if isinstance(exc, sqlite3.Error):
                raise ledger_error(self.path, exc, "opened") from None
            raise
        with suppress(OSError):  # a platform without POSIX permissions keeps its default
            self.path.chmod(0o600)
        return writer, readers[0], readers[1]

    def close(self) -> None:
        """Stop the flusher, make a last attempt at what is queued (logging every task id that
        still could not be written), and close the file."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self._flusher is not None:
            self._flusher.join(timeout=self._busy_ms / 1000 + 5)
        if self._writer is not None:
            self._flush(self._busy_ms)
        for row_id, task_id in self._pending.task_ids():
            log.error(
                "ledger %s: row %d%s was never written (%s); record it by hand",
                self.path,
                row_id,
                f" (task {task_id})" if task_id else "",
                self._refused or "closed",
            )
        with self._write_lock, self._read_lock, self._inline_lock:
            for conn in (self._writer, self._reader, self._inline):
                if conn is not None:
                    conn.close()

    async def aclose(self) -> None:
        """``close`` off the event loop (its last write may wait for a lock)."""
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.close)

    # -- writes -------------------------------------------------------------------------------

    def open_sync(
        self,
        *,
        held: float = 0.0,
        owner: str = LOCAL_OWNER,
        team: str | None = None,
        caps: Sequence[Cap] = (),
        **row: Unpack[NewRow],
    ) -> int:
        """Write the row (status ``sending``) for a paid request about to be sent; returns its id.
        ``held`` credits count against ``caps`` from now on; the check and the write are one
        transaction (``BudgetExceeded``). Raises ``LedgerError`` when the file refuses it: then
        the request must not be sent."""
        self._connect()
        with self._write_lock:
            self._flush_locked(self._busy_ms)  # what is queued goes first, if it can
            writer = self._writer
            assert writer is not None
            try:
                writer.execute(f"PRAGMA busy_timeout={self._busy_ms:d}")
                writer.execute("BEGIN IMMEDIATE")  # every process sharing the file takes turns here
                try:
                    now = time.time()
                    for cap in caps:
                        sql, args = total_query(cap, now)
                        check(cap, float(writer.execute(sql, args).fetchone()[0]), held, now)
                    cur = writer.execute(
                        f"INSERT INTO requests ({COLUMNS}) VALUES ({', '.join('?' * 14)})",
                        insert_values(row, now, owner, team, held),
                    )
                    writer.execute("COMMIT")
                except BaseException:
                    with suppress(sqlite3.Error):
                        writer.execute("ROLLBACK")
                    raise
            except sqlite3.ProgrammingError:
                raise
            except sqlite3.Error as exc:
                raise ledger_error(self.path, exc, "written") from None
        row_id = cur.lastrowid
        assert row_id is not None
        return row_id

    async def open(
        self,
        *,
        held: float = 0.0,
        owner: str = LOCAL_OWNER,
        team: str | None = None,
        caps: Sequence[Cap] = (),
        **row: Unpack[NewRow],
    ) -> int:
        """``open_sync`` in a worker thread."""
        await self.ready()
        call = functools.partial(self.open_sync, held=held, owner=owner, team=team, caps=caps, **row)
        return await anyio.to_thread.run_sync(call)

    def update_sync(self, row_id: int, *, durable: bool = True, **changes: Unpack[LedgerUpdate]) -> None:
        """``update`` for threads: queued, then written now; raises ``LedgerError`` when the file
        refuses it (the change stays queued and is written later)."""
        self._connect()
        self._merge(row_id, durable, changes)
        if not self._flush(self._busy_ms) and self._refused is not None:
            raise self._refused

    async def update(self, row_id: int, *, durable: bool = True, **changes: Unpack[LedgerUpdate]) -> None:
        """Apply ``changes`` to a row. Never raises for a write the file refuses (see
        ``unwritten``) and never blocks the event loop. ``durable=False`` (progress figures)
        leaves the write to the flusher thread; otherwise the call waits for it, shielded, so a
        cancelled tool call still records what it learned (a task id above all)."""
        self._merge(row_id, durable, changes)  # before any await: the order updates were made in
        if not durable:
            self._wake.set()
            return
        # While the file refuses writes, do not wait for its lock again: one quick try.
        wait_ms = 0 if self._refused is not None else self._busy_ms
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._flush, wait_ms)

    def unwritten(self, row_id: int) -> str | None:
        """Why changes to ``row_id`` are not in the file yet (None: they are, or are being
        written as usual)."""
        refused = self._refused
        return str(refused) if refused is not None and row_id in self._pending else None

    def _merge(self, row_id: int, durable: bool, changes: LedgerUpdate) -> None:
        unknown = set(changes) - UPDATABLE  # callers without a type checker
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if changes:
            self._pending.merge(row_id, dict(changes), durable)
            if self._refused is not None:
                self._log_unwritten(self._refused)

    def _flush(self, busy_ms: int) -> bool:
        """Write what is queued, waiting at most ``busy_ms`` for the lock. True when written."""
        with self._write_lock:
            return self._flush_locked(busy_ms)

    def _flush_locked(self, busy_ms: int) -> bool:
        writer = self._writer
        rows, durable = self._pending.batch()
        if not rows:
            return True
        if writer is None:
            return False
        try:
            writer.execute(f"PRAGMA busy_timeout={busy_ms:d}")
            if not durable:  # no fsync for figures that are harmless to lose to a power cut
                writer.execute("PRAGMA synchronous=NORMAL")
            writer.execute("BEGIN IMMEDIATE")
            try:
                for row_id, (_, columns) in rows.items():
                    sql, args = update_statement(row_id, columns)  # keys checked in _merge
                    writer.execute(sql, args)
                    if "status" in columns:
                        writer.execute(SETTLE, (row_id,))
                writer.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    writer.execute("ROLLBACK")
                raise
        except sqlite3.ProgrammingError:
            return False  # closed under us: close() reports what is left
        except sqlite3.Error as exc:
            self._refuse(ledger_error(self.path, exc, "written"))
            return False
        finally:
            with suppress(sqlite3.Error):
                writer.execute(f"PRAGMA busy_timeout={self._busy_ms:d}")
                writer.execute("PRAGMA synchronous=FULL")
        self._pending.written(rows)
        with self._state_lock:
            recovered, self._refused = self._refused, None
        if recovered is not None:
            log.warning("ledger %s takes writes again: the queued changes are written", self.path)
        return True

    def _refuse(self, error: LedgerError) -> None:
        with self._state_lock:
            first, self._refused = self._refused is None, error
        if first:
            log.warning("%s Changes are kept in memory and written when it takes writes again.", error)
        self._log_unwritten(error)

    def _log_unwritten(self, error: LedgerError) -> None:
        """Log, once each, the task ids only this process's memory holds: the person's copy."""
        for row_id, task_id in self._pending.task_ids(unreported=True):
            log.warning(
                "task %s (ledger row %d) is not in the ledger yet (%s); get_task(task_id=%r) resumes it",
                task_id,
                row_id,
                error.args[0].rstrip("."),
                task_id,
            )

    def _run_flusher(self) -> None:
        """Writes what ``update(durable=False)`` queued, and retries refused writes."""
        while not self._closed:
            self._wake.wait(timeout=self._retry_s)
            self._wake.clear()
            if self._closed:
                return
            if self._pending:
                self._flush(0 if self._refused is not None else self._busy_ms)

    # -- reads (what the file holds, with the queued changes laid over it) ---------------------
    #
    # A read is an indexed lookup of a few rows (~0.02 ms), far cheaper inline than a hop to a
    # worker thread (~0.2 ms): the async reads run on the event loop on a connection that never
    # waits (in WAL mode a reader does not wait for writers; a read SQLite would make wait, rare,
    # goes to a worker thread instead).

    @contextmanager
    def _read_cursor(self) -> Generator[sqlite3.Connection]:
        self._connect()
        reader = self._reader
        assert reader is not None
        with self._read_lock, _as_ledger_error(self.path):
            yield reader

    def _read_sync(self, query: Callable[[sqlite3.Connection], T]) -> T:
        with self._read_cursor() as conn:
            return query(conn)

    async def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        await self.ready()
        if self._refused is not None:  # each use retries what the file refused (without waiting)
            await anyio.to_thread.run_sync(self._flush, 0)
        inline = self._inline
        if inline is not None and self._inline_lock.acquire(blocking=False):
            try:
                return query(inline)
            except sqlite3.OperationalError as exc:
                if not describe_failure(exc)[1]:
                    raise ledger_error(self.path, exc, "read") from None
            finally:
                self._inline_lock.release()
        return await anyio.to_thread.run_sync(self._read_sync, query)

    def _run(self, conn: sqlite3.Connection, read: reads.Read[T]) -> T:
        return read.pick([to_row(r) for r in conn.execute(read.sql, read.args).fetchall()])

    def get_sync(self, row_id: int, owner: str | None = None) -> LedgerRow | None:
        read = reads.get(self._pending, row_id, owner)
        return self._read_sync(lambda conn: self._run(conn, read))

    def find_task_sync(self, task_id: str, owner: str | None = None) -> LedgerRow | None:
        """The newest row for ``task_id``, if any (queued changes count)."""
        read = reads.find_task(self._pending, task_id, owner)
        return self._read_sync(lambda conn: self._run(conn, read))

    def recent_sync(
        self, limit: int = 20, statuses: Sequence[LedgerStatus] | None = None, owner: str | None = None
    ) -> list[LedgerRow]:
        """Up to ``limit`` rows, newest first; only those in ``statuses`` when given."""
        read = reads.recent(self._pending, limit, statuses, owner)
        return self._read_sync(lambda conn: self._run(conn, read))

    async def get(self, row_id: int, owner: str | None = None) -> LedgerRow | None:
        read = reads.get(self._pending, row_id, owner)
        return await self._read(lambda conn: self._run(conn, read))

    async def find_task(self, task_id: str, owner: str | None = None) -> LedgerRow | None:
        """The newest row for ``task_id``, if any (queued changes count)."""
        read = reads.find_task(self._pending, task_id, owner)
        return await self._read(lambda conn: self._run(conn, read))

    async def recent(
        self, limit: int = 20, statuses: Sequence[LedgerStatus] | None = None, owner: str | None = None
    ) -> list[LedgerRow]:
        """Up to ``limit`` rows, newest first; only those in ``statuses`` when given."""
        read = reads.recent(self._pending, limit, statuses, owner)
        return await self._read(lambda conn: self._run(conn, read))

    async def _fetch(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        return await self._read(lambda conn: [dict(r) for r in conn.execute(sql, args).fetchall()])

    async def _execute(self, sql: str, args: Sequence[Any]) -> None:
        await self.ready()

        def write() -> None:
            with self._write_lock, _as_ledger_error(self.path):
                assert self._writer is not None
                self._writer.execute(sql, args)

        await anyio.to_thread.run_sync(write)

    async def spent(self, cap: Cap) -> float:
        sql, args = total_query(cap, time.time())
        return await self._read(lambda conn: float(conn.execute(sql, args).fetchone()[0]))


@contextmanager
def _as_ledger_error(path: Path) -> Generator[None]:
    """An SQLite failure as the ``LedgerError`` that names the file (a closed ledger stays a
    ``ProgrammingError``: a bug, not a bad day)."""
    try:
        yield
    except sqlite3.ProgrammingError:
        raise
    except sqlite3.Error as exc:
        raise ledger_error(path, exc, "read") from None
