"""The ledger on its own: rows written before a request is sent, typed updates, the recent and
unfinished views, task lookups, threads sharing one ledger, reopening a closed file, and the
schema version (a ledger written by the first release is migrated; one from the future is refused).
"""

from __future__ import annotations

import logging
import sqlite3
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import anyio
import pytest

from pixapi_mcp.ledger import (
    MIGRATIONS,
    SCHEMA_VERSION,
    UNFINISHED,
    LedgerError,
    LedgerRow,
    LedgerVersionError,
    SqliteLedger,
    ledger_status,
    migrate,
)

pytestmark = pytest.mark.anyio

# The schema as the first release (no user_version) created it, written out by hand: the
# migration test must not borrow today's code to build yesterday's file.
V0_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    tool            TEXT NOT NULL,
    endpoint        TEXT NOT NULL,
    base_url        TEXT NOT NULL,
    model           TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    params          TEXT NOT NULL,
    status          TEXT NOT NULL,
    task_id         TEXT,
    progress        INTEGER NOT NULL DEFAULT 0,
    request_id      TEXT,
    error           TEXT,
    output_urls     TEXT NOT NULL DEFAULT '[]',
    paths           TEXT NOT NULL DEFAULT '[]',
    output_dir      TEXT,
    credits_estimate REAL,
    credits_charged REAL
);
CREATE INDEX IF NOT EXISTS requests_task ON requests(task_id);
CREATE INDEX IF NOT EXISTS requests_created ON requests(created_at);
"""


def _request(prompt: str = "a fox", tool: str = "generate_image", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "tool": tool,
        "endpoint": "/v1/async/images/generations",
        "base_url": "https://api.pixapi.ai",
        "model": "gemini-2.5-flash-image",
        "prompt": prompt,
        "params": {"model": "nano-banana", "prompt": prompt, "n": 1},
        "output_dir": "/work/out",
        "credits_estimate": 1.5,
    }
    fields.update(extra)
    return fields


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


@pytest.fixture
def ledger(tmp_path: Path) -> Any:
    opened = SqliteLedger(tmp_path / "data" / "ledger.sqlite3")
    yield opened
    opened.close()


def _get(ledger: SqliteLedger, row_id: int) -> LedgerRow:
    row = ledger.get_sync(row_id)
    assert row is not None
    return row


# -- rows and updates ---------------------------------------------------------------------------


def test_a_row_is_written_as_sending_before_anything_is_known(ledger: SqliteLedger) -> None:
    row_id = ledger.open_sync(**_request())
    row = _get(ledger, row_id)
    assert row.status == "sending" and not row.finished
    assert (row.tool, row.model, row.prompt) == ("generate_image", "gemini-2.5-flash-image", "a fox")
    assert row.params == {"model": "nano-banana", "prompt": "a fox", "n": 1}
    assert row.task_id is None and row.progress == 0 and row.error is None
    assert row.output_urls == [] and row.paths == [] and row.credits_charged is None
    assert row.credits_estimate == 1.5 and row.output_dir == "/work/out"
    assert row.created_at == row.updated_at
    assert ledger.get_sync(row_id + 1) is None


def test_updates_set_only_what_they_name(ledger: SqliteLedger) -> None:
    row_id = ledger.open_sync(**_request())
    ledger.update_sync(row_id, task_id="task_1", status="submitted", progress=0, model="veo-3")
    ledger.update_sync(row_id, durable=False, status="processing", progress=40)
    row = _get(ledger, row_id)
    assert (row.task_id, row.status, row.progress, row.model) == ("task_1", "processing", 40, "veo-3")
    assert row.updated_at >= row.created_at and row.prompt == "a fox"

    ledger.update_sync(
        row_id,
        status="completed",
        progress=100,
        output_urls=["https://files.example/a.png", "https://files.example/b.png"],
        paths=["/work/out/a.png", "/work/out/b.png"],
        credits_charged=3.0,
    )
    done = _get(ledger, row_id)
    assert done.status == "completed" and done.finished
    assert done.output_urls == ["https://files.example/a.png", "https://files.example/b.png"]
    assert done.paths == ["/work/out/a.png", "/work/out/b.png"]
    assert done.credits_charged == 3.0 and done.task_id == "task_1"

    ledger.update_sync(row_id)  # nothing to change: nothing changes
    assert _get(ledger, row_id) == done


def test_an_update_refuses_fields_that_are_fixed_at_writing(ledger: SqliteLedger) -> None:
    row_id = ledger.open_sync(**_request())
    with pytest.raises(ValueError, match="prompt"):
        ledger.update_sync(row_id, prompt="changed")  # pyright: ignore[reportCallIssue]
    assert _get(ledger, row_id).prompt == "a fox"


def test_an_api_status_the_ledger_does_not_know_is_recorded_as_still_running(ledger: SqliteLedger) -> None:
    row_id = ledger.open_sync(**_request())
    ledger.update_sync(row_id, task_id="task_q", status="queued")
    row = _get(ledger, row_id)
    assert row.status == "processing" and not row.finished
    assert ledger_status("failed") == "failed" and ledger_status("not_sent") == "not_sent"


def test_the_error_states_are_finished(ledger: SqliteLedger) -> None:
    ids = {status: ledger.open_sync(**_request(status)) for status in ("not_sent", "rejected", "unknown")}
    for status, row_id in ids.items():
        ledger.update_sync(row_id, status=status, error=f"{status} because", request_id="req_1")
    assert not _get(ledger, ids["unknown"]).finished  # may have been charged: still to be checked
    assert _get(ledger, ids["not_sent"]).finished and _get(ledger, ids["rejected"]).finished
    assert _get(ledger, ids["rejected"]).error == "rejected because"


# -- views --------------------------------------------------------------------------------------


def test_recent_is_newest_first_limited_and_filtered(ledger: SqliteLedger) -> None:
    statuses = ["completed", "processing", "failed", "unknown", "submitted", "not_sent"]
    ids: list[int] = []
    for index, status in enumerate(statuses):
        row_id = ledger.open_sync(**_request(f"p{index}"))
        ledger.update_sync(row_id, status=status)
        ids.append(row_id)
    sending = ledger.open_sync(**_request("in flight"))

    assert [r.id for r in ledger.recent_sync()] == [sending, *reversed(ids)]
    assert [r.id for r in ledger.recent_sync(limit=2)] == [sending, ids[-1]]
    unfinished = ledger.recent_sync(statuses=UNFINISHED)
    assert [r.status for r in unfinished] == ["sending", "submitted", "unknown", "processing"]
    assert all(not r.finished for r in unfinished)
    assert [r.id for r in ledger.recent_sync(statuses=["failed"])] == [ids[2]]
    assert ledger.recent_sync(statuses=None) == ledger.recent_sync(statuses=[])


def test_find_task_gives_the_newest_row_of_a_task(ledger: SqliteLedger) -> None:
    first = ledger.open_sync(**_request())
    ledger.update_sync(first, task_id="task_a", status="processing")
    other = ledger.open_sync(**_request())
    ledger.update_sync(other, task_id="task_b", status="submitted")
    # A task resumed by get_task after its first row was lost gets a second row: that one wins.
    again = ledger.open_sync(**_request(tool="get_task"))
    ledger.update_sync(again, task_id="task_a", status="completed")

    found = ledger.find_task_sync("task_a")
    assert found is not None and (found.id, found.status) == (again, "completed")
    found_b = ledger.find_task_sync("task_b")
    assert found_b is not None and found_b.id == other
    assert ledger.find_task_sync("task_missing") is None


async def test_the_async_methods_see_the_same_rows(ledger: SqliteLedger) -> None:
    with anyio.fail_after(10):
        row_id = await ledger.open(**_request())
        await ledger.update(row_id, task_id="task_async", status="submitted")
        await ledger.update(row_id, durable=False, progress=10)
        row = await ledger.get(row_id)
        assert row is not None and (row.status, row.progress) == ("submitted", 10)
        assert (await ledger.find_task("task_async")) == row
        assert [r.id for r in await ledger.recent(5, UNFINISHED)] == [row_id]


async def test_a_cancelled_caller_still_records_its_update(ledger: SqliteLedger) -> None:
    row_id = await ledger.open(**_request())
    with anyio.CancelScope() as scope:
        scope.cancel()  # cancelled before the update even starts
        await ledger.update(row_id, task_id="task_kept", status="submitted")
    assert _get(ledger, row_id).task_id == "task_kept"


# -- threads and files ---------------------------------------------------------------------------


def test_threads_share_one_ledger_without_losing_a_write(ledger: SqliteLedger) -> None:
    threads, per_thread = 8, 25
    written: list[tuple[int, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(number: int) -> None:
        try:
            start.wait(timeout=10)
            for index in range(per_thread):
                task_id = f"task_{number}_{index}"
                row_id = ledger.open_sync(**_request(task_id))
                ledger.update_sync(row_id, task_id=task_id, status="submitted")
                ledger.update_sync(row_id, durable=False, progress=index)
                written.append((row_id, task_id))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert len(written) == threads * per_thread
    assert len({row_id for row_id, _ in written}) == len(written)
    for row_id, task_id in written:
        row = _get(ledger, row_id)
        assert (row.task_id, row.prompt, row.status) == (task_id, task_id, "submitted")
    assert len(ledger.recent_sync(limit=1000)) == len(written)


async def test_concurrent_async_callers(ledger: SqliteLedger) -> None:
    ids: list[int] = []

    async def one(index: int) -> None:
        row_id = await ledger.open(**_request(f"async {index}"))
        await ledger.update(row_id, task_id=f"task_{index}", status="processing")
        ids.append(row_id)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for index in range(40):
                tg.start_soon(one, index)
    assert len(set(ids)) == 40
    assert {r.id for r in await ledger.recent(100, ["processing"])} == set(ids)


def test_rows_survive_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "ledger.sqlite3"
    first = SqliteLedger(path)
    row_id = first.open_sync(**_request())
    first.update_sync(row_id, task_id="task_r", status="processing", progress=30)
    first.close()
    with pytest.raises(sqlite3.ProgrammingError):
        first.get_sync(row_id)  # closed means closed, not silently reopened

    second = SqliteLedger(path)
    try:
        row = second.get_sync(row_id)
        assert row is not None and (row.task_id, row.status, row.progress) == ("task_r", "processing", 30)
        assert second.open_sync(**_request("after reopen")) > row_id
    finally:
        second.close()
    assert _version(path) == SCHEMA_VERSION
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- schema version and migrations ---------------------------------------------------------------


def _v0_ledger(path: Path) -> None:
    """A ledger as the first release left it: its schema, no user_version, rows in several states
    (one with a task status that release stored verbatim from the API)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript(V0_SCHEMA)
    rows = [
        (1.0, 2.0, "generate_image", "completed", "task_done", 100, '["https://f/a.png"]', '["/o/a.png"]'),
        (3.0, 4.0, "create_video", "processing", "task_run", 40, "[]", "[]"),
        (5.0, 6.0, "create_video", "queued", "task_q", 0, "[]", "[]"),
        (7.0, 7.0, "edit_image", "sending", None, 0, "[]", "[]"),
    ]
    conn.executemany(
        "INSERT INTO requests (created_at, updated_at, tool, endpoint, base_url, model, prompt, params,"
        " status, task_id, progress, output_urls, paths) VALUES (?, ?, ?, '/v1/x', 'https://api.pixapi.ai',"
        " 'veo', 'old prompt', '{\"n\": 1}', ?, ?, ?, ?, ?)",
        [
            (c, u, tool, status, task, progress, urls, paths)
            for c, u, tool, status, task, progress, urls, paths in rows
        ],
    )
    conn.commit()
    conn.close()
    assert _version(path) == 0


def test_a_version_0_ledger_is_migrated_on_open_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _v0_ledger(path)
    ledger = SqliteLedger(path)
    try:
        assert _version(path) == SCHEMA_VERSION == 4
        rows = ledger.recent_sync()
        # v3: every earlier row belongs to the local caller; none held or settled credits then.
        assert {(r.owner, r.held, r.settled) for r in rows} == {("local", 0.0, None)}
        assert [(r.tool, r.status, r.task_id) for r in rows] == [
            ("edit_image", "sending", None),
            ("create_video", "processing", "task_q"),  # "queued": still running, as far as anyone knows
            ("create_video", "processing", "task_run"),
            ("generate_image", "completed", "task_done"),
        ]
        done = ledger.find_task_sync("task_done")
        assert done is not None and done.paths == ["/o/a.png"] and done.output_urls == ["https://f/a.png"]
        assert done.params == {"n": 1} and done.created_at == 1.0
        assert [r.task_id for r in ledger.recent_sync(statuses=UNFINISHED)] == [None, "task_q", "task_run"]
        new = ledger.open_sync(**_request("written by v1"))
        assert new == 5
    finally:
        ledger.close()
    SqliteLedger(path).close()  # a second open finds nothing to do
    assert _version(path) == SCHEMA_VERSION


def test_a_new_file_starts_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    SqliteLedger(path).close()
    assert _version(path) == SCHEMA_VERSION


def test_a_ledger_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = SqliteLedger(path)
    row_id = ledger.open_sync(**_request())
    ledger.close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")

    with pytest.raises(LedgerVersionError) as caught:
        SqliteLedger(path)
    message = str(caught.value)
    assert str(path) in message and f"version {SCHEMA_VERSION + 1}" in message
    assert "upgrade pixapi-mcp" in message
    assert _version(path) == SCHEMA_VERSION + 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id FROM requests").fetchall() == [(row_id,)]


def _autocommit(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_migrations_apply_in_order_in_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    SqliteLedger(path).close()
    later = [
        *MIGRATIONS,
        ("ALTER TABLE requests ADD COLUMN caller TEXT",),
        ("UPDATE requests SET caller = 'cli'", "CREATE INDEX requests_caller ON requests(caller)"),
    ]
    conn = _autocommit(path)
    try:
        assert migrate(conn, path, later) == SCHEMA_VERSION
        assert int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION + 2
        columns = [r[1] for r in conn.execute("PRAGMA table_info(requests)")]
        assert columns[-1] == "caller"
        assert migrate(conn, path, later) == SCHEMA_VERSION + 2  # nothing left to do
    finally:
        conn.close()


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    SqliteLedger(path).close()
    broken = [
        *MIGRATIONS,
        ("ALTER TABLE requests ADD COLUMN caller TEXT",),
        ("UPDATE requests SET no_such_column = 1",),
    ]
    conn = _autocommit(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no_such_column"):
            migrate(conn, path, broken)
        assert not conn.in_transaction
        assert int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION
        assert "caller" not in [r[1] for r in conn.execute("PRAGMA table_info(requests)")]
    finally:
        conn.close()
    SqliteLedger(path).close()  # and today's code still opens it


# -- a locked, damaged or unopenable file ------------------------------------------------------------


class _Lock:
    """SQLite's write lock on a ledger file, held from another connection as another process would."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def _in_file(path: Path, row_id: int) -> tuple[Any, ...]:
    """(task_id, status, progress) as the file holds them, read by a connection of its own."""
    with sqlite3.connect(path, timeout=5.0) as conn:
        return tuple(
            conn.execute("SELECT task_id, status, progress FROM requests WHERE id = ?", (row_id,)).fetchone()
        )


async def test_a_write_the_locked_file_refuses_is_kept_shown_logged_and_written_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = SqliteLedger(path, busy_timeout_s=0.05)
    try:
        row_id = await ledger.open(**_request())
        lock = _Lock(path)
        with anyio.fail_after(10):
            await ledger.update(row_id, task_id="task_kept", status="submitted")  # no exception
            await ledger.update(row_id, durable=False, progress=40)
        reason = ledger.unwritten(row_id)
        assert reason is not None and str(path) in reason and "write lock" in reason
        assert _in_file(path, row_id) == (None, "sending", 0)  # the file truly refused it
        row = await ledger.get(row_id)  # reads show what is queued
        assert row is not None and (row.task_id, row.status, row.progress) == ("task_kept", "submitted", 40)
        assert await ledger.find_task("task_kept") == row
        assert [r.id for r in await ledger.recent(5, UNFINISHED)] == [row_id]
        assert any("task_kept" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)

        lock.release()
        await ledger.recent(5)  # the next use of the ledger writes the queue
        assert _in_file(path, row_id) == ("task_kept", "submitted", 40)
        assert ledger.unwritten(row_id) is None
    finally:
        ledger.close()


async def test_the_row_before_sending_is_refused_loudly_when_the_file_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = SqliteLedger(path, busy_timeout_s=0.05)
    lock = _Lock(path)
    try:
        with anyio.fail_after(10), pytest.raises(LedgerError) as caught:
            await ledger.open(**_request())
        assert caught.value.transient and str(path) in str(caught.value) and "write lock" in str(caught.value)
    finally:
        lock.release()
        ledger.close()


def test_an_up_to_date_ledger_opens_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    SqliteLedger(path).close()
    lock = _Lock(path)
    try:
        ledger = SqliteLedger(path, busy_timeout_s=0.05)  # no migration to do: no write lock needed
        assert ledger.recent_sync() == []
        ledger.close()
    finally:
        lock.release()


def test_close_writes_what_is_queued_or_logs_every_task_id_it_could_not(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = SqliteLedger(path, busy_timeout_s=0.05)
    row_id = ledger.open_sync(**_request())
    lock = _Lock(path)
    with pytest.raises(LedgerError):
        ledger.update_sync(row_id, task_id="task_at_close", status="submitted")
    ledger.close()  # still locked: the id goes to the log, never silently nowhere
    lock.release()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("task_at_close" in m and str(path) in m for m in errors), errors

    second = SqliteLedger(path, busy_timeout_s=0.05)
    row_id = second.open_sync(**_request())
    lock = _Lock(path)
    with pytest.raises(LedgerError):
        second.update_sync(row_id, task_id="task_written_at_close", status="submitted")
    lock.release()
    second.close()  # the lock is gone: close writes it
    assert _in_file(path, row_id)[:2] == ("task_written_at_close", "submitted")


@pytest.mark.parametrize("content", [b"garbage" * 600, b"SQLite format 3\x00" + b"\xff" * 4000])
async def test_a_damaged_file_is_a_ledger_error_that_names_it_and_is_left_alone(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(content)
    with pytest.raises(LedgerError) as caught:
        SqliteLedger(path)
    assert not caught.value.transient and str(path) in str(caught.value)
    lazy = SqliteLedger(path, connect=False)
    problem = await lazy.start()
    assert problem is not None and str(path) in str(problem) and lazy.problem is problem
    with pytest.raises(LedgerError):
        await lazy.get(1)
    lazy.close()
    assert path.read_bytes() == content


async def test_progress_written_in_the_background_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = SqliteLedger(path)
    try:
        row_id = await ledger.open(**_request())
        await ledger.update(row_id, durable=False, progress=55)  # returns before any write
        with anyio.fail_after(10):
            # Bounded: the flusher thread writes it; each look is a read of the file of its own.
            while (await anyio.to_thread.run_sync(_in_file, path, row_id))[2] != 55:
                pass
    finally:
        ledger.close()


async def test_a_refused_write_is_retried_without_any_further_use(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    ledger = SqliteLedger(path, busy_timeout_s=0.05, retry_s=0.05)
    try:
        row_id = await ledger.open(**_request())
        lock = _Lock(path)
        await ledger.update(row_id, task_id="task_retried", status="submitted")
        assert ledger.unwritten(row_id) is not None
        lock.release()
        with anyio.fail_after(10):
            # Nothing touches the ledger here: the flusher thread retries on its own.
            while ledger.unwritten(row_id) is not None:
                await anyio.to_thread.run_sync(_in_file, path, row_id)  # a look of its own, in a thread
        assert _in_file(path, row_id)[:2] == ("task_retried", "submitted")
    finally:
        ledger.close()
