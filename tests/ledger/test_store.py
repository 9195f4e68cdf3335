"""The store interface, the same tests against both backends (SQLite and PostgreSQL): rows written
before sending and brought up to date, reads by id, task and owner, the credit reservation and its
settlement, caps that hold for several stores (replicas) on one ledger under concurrency, and the
schema migrated once when several start together."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import anyio
import pytest

from pixapi_mcp.ledger import (
    DEPLOYMENT,
    LOCAL_OWNER,
    UNFINISHED,
    BudgetExceeded,
    Cap,
    LedgerStore,
    Scope,
)
from tests.ledger.backends import OpenStore

pytestmark = pytest.mark.anyio

DAY_CAP = Cap(DEPLOYMENT, "day", 30.0, "PIXAPI_MAX_CREDITS_PER_DAY")


def _request(prompt: str = "a fox", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "tool": "generate_image",
        "endpoint": "/v1/async/images/generations",
        "base_url": "https://api.pixapi.ai",
        "model": "nano-banana",
        "prompt": prompt,
        "params": {"model": "nano-banana", "prompt": prompt, "n": 1},
        "output_dir": "/tmp/out",
        "credits_estimate": 2.0,
    }
    row.update(extra)
    return row


async def _row(store: LedgerStore, row_id: int) -> Any:
    row = await store.get(row_id)
    assert row is not None
    return row


async def test_a_row_is_written_as_sending_and_updated(stores: OpenStore) -> None:
    store = await stores()
    row_id = await store.open(**_request(), held=2.0)
    row = await _row(store, row_id)
    assert (row.status, row.held, row.settled, row.owner, row.params["n"]) == (
        "sending",
        2.0,
        None,
        LOCAL_OWNER,
        1,
    )
    await store.update(row_id, task_id="task_1", status="submitted", progress=5)
    await store.update(row_id, durable=False, progress=40)
    await store.update(row_id, status="queued_by_api")  # an API status it does not know: still running
    row = await _row(store, row_id)
    assert (row.task_id, row.status, row.progress) == ("task_1", "processing", 40)
    await store.update(
        row_id, status="completed", progress=100, paths=["/o/a.png"], output_urls=["https://f/a"]
    )
    found = await store.find_task("task_1")
    assert found is not None and found.id == row_id and found.paths == ["/o/a.png"] and found.finished
    with pytest.raises(ValueError, match="not updatable"):
        await store.update(row_id, prompt="changed")  # type: ignore[call-arg]


async def test_reads_filter_by_status_and_owner(stores: OpenStore) -> None:
    store = await stores()
    mine = [await store.open(**_request(f"mine {i}"), owner="alice") for i in range(3)]
    theirs = await store.open(**_request("theirs"), owner="bob")
    await store.update(mine[0], task_id="t0", status="completed")
    await store.update(theirs, task_id="tb", status="processing")
    assert [r.id for r in await store.recent(10)] == [theirs, *reversed(mine)]
    assert [r.id for r in await store.recent(2, owner="alice")] == [mine[2], mine[1]]
    assert [r.id for r in await store.recent(10, UNFINISHED, owner="alice")] == [mine[2], mine[1]]
    # Another caller's task and row are not found at all.
    assert await store.find_task("tb", owner="alice") is None
    assert await store.get(theirs, owner="alice") is None
    found = await store.find_task("tb", owner="bob")
    assert found is not None and found.owner == "bob"


async def test_the_final_status_settles_what_was_held(stores: OpenStore) -> None:
    """Charged once known; a success without a reported charge counts what was held; failures and
    requests that never left count nothing; an unknown outcome stays held."""
    store = await stores()
    ids = [await store.open(**_request(str(i)), held=4.0) for i in range(5)]
    await store.update(ids[0], status="completed", credits_charged=3.0)
    await store.update(ids[1], status="completed")
    await store.update(ids[2], status="failed")
    await store.update(ids[3], status="not_sent")
    await store.update(ids[4], status="unknown")
    settled = [(await _row(store, i)).settled for i in ids]
    assert settled == [3.0, 4.0, 0.0, 0.0, None]
    assert await store.spent(DAY_CAP) == 3.0 + 4.0 + 4.0  # the unknown one still holds its 4
    await store.update(ids[0], status="completed", credits_charged=9.0)  # the first settlement stands
    assert (await _row(store, ids[0])).settled == 3.0


async def test_a_cap_refuses_the_row_that_would_pass_it_and_says_when_it_resets(stores: OpenStore) -> None:
    store = await stores()
    await store.open(**_request(), held=25.0, caps=[DAY_CAP])
    with pytest.raises(BudgetExceeded) as refused:
        await store.open(**_request(), held=6.0, caps=[DAY_CAP])
    exc = refused.value
    assert (exc.total, exc.amount, exc.remaining) == (25.0, 6.0, 5.0)
    midnight = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
        days=1
    )
    assert exc.resets_at == midnight.timestamp()
    assert len(await store.recent(10)) == 1  # nothing written for the refused one
    await store.open(**_request(), held=5.0, caps=[DAY_CAP])  # what remains still fits


async def test_a_caller_scope_counts_only_that_callers_rows(stores: OpenStore) -> None:
    store = await stores()
    alice = Cap(Scope("caller", "alice"), "month", 10.0, "alice's monthly budget")
    await store.open(**_request(), held=8.0, owner="bob")
    await store.open(**_request(), held=8.0, owner="alice", caps=[alice])
    with pytest.raises(BudgetExceeded):
        await store.open(**_request(), held=3.0, owner="alice", caps=[alice])
    await store.open(**_request(), held=3.0, owner="bob", caps=[Cap(Scope("caller", "bob"), "day", 11, "b")])


async def test_twenty_reservations_at_once_across_two_stores_never_pass_the_cap(stores: OpenStore) -> None:
    """Two stores on one ledger (two replicas), 20 concurrent reservations of 4 under a cap of 30:
    exactly 7 fit, whatever the interleaving."""
    replicas = [await stores(), await stores()]
    written: list[int] = []
    refused: list[BudgetExceeded] = []

    async def reserve(index: int) -> None:
        try:
            written.append(await replicas[index % 2].open(**_request(str(index)), held=4.0, caps=[DAY_CAP]))
        except BudgetExceeded as exc:
            refused.append(exc)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(reserve, i)
    assert (len(written), len(refused)) == (7, 13)
    assert await replicas[0].spent(DAY_CAP) == await replicas[1].spent(DAY_CAP) == 28.0
    assert all(exc.total == 28.0 for exc in refused)


async def test_a_row_written_by_one_store_is_followed_and_settled_by_another(stores: OpenStore) -> None:
    first, second = await stores(), await stores()
    row_id = await first.open(**_request(), held=4.0)
    await first.update(row_id, task_id="task_x", status="submitted")
    found = await second.find_task("task_x")
    assert found is not None and found.id == row_id and found.held == 4.0
    assert found.created_at <= time.time()
    await second.update(row_id, status="completed", credits_charged=2.0, paths=["/o/x.png"])
    row = await _row(first, row_id)
    assert (row.status, row.settled, row.paths) == ("completed", 2.0, ["/o/x.png"])
    assert await first.spent(DAY_CAP) == 2.0


async def test_stores_starting_together_migrate_once_and_share_rows(stores: OpenStore) -> None:
    opened: list[LedgerStore] = []

    async def start() -> None:
        opened.append(await stores())

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(start)
    ids = [await store.open(**_request()) for store in opened]
    assert len(set(ids)) == 3
    assert {r.id for r in await opened[0].recent(10)} == set(ids)


async def test_a_late_write_from_another_replica_never_takes_a_final_row_back(stores: OpenStore) -> None:
    """Replica A polled the task (processing, 40 %) and writes that after replica B finished it:
    the row stays completed, with B's charge, outputs and progress; the first settlement stands."""
    a, b = await stores(), await stores()
    row_id = await a.open(**_request(), held=4.0)
    await a.update(row_id, task_id="task_late", status="submitted")
    await b.update(row_id, status="completed", progress=100, credits_charged=3.0, paths=["/o/late.png"])
    await a.update(row_id, status="processing", progress=40)
    await a.update(row_id, status="unknown", error="no answer before the call ended")
    await a.update(row_id, status="failed", error="stale failure", credits_charged=0.0)
    for store in (a, b):
        row = await _row(store, row_id)
        assert (row.status, row.progress, row.error, row.settled, row.credits_charged, row.paths) == (
            "completed",
            100,
            None,
            3.0,
            3.0,
            ["/o/late.png"],
        )
    assert await b.spent(DAY_CAP) == 3.0
    # The same final status again (saved paths, the task's facts) still applies.
    await a.update(row_id, status="completed", paths=["/o/late.png", "/o/late-2.png"], result_type="image")
    row = await _row(b, row_id)
    assert (row.status, row.paths, row.result_type, row.settled) == (
        "completed",
        ["/o/late.png", "/o/late-2.png"],
        "image",
        3.0,
    )
