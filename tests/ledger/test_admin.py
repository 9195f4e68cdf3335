"""Budget overrides and usage (``ledger.admin``), on both backends: what one store sets, another
(another replica, the CLI) reads at once; usage sums per caller and model, charged apart from held."""

from __future__ import annotations

import time

import pytest

from pixapi_mcp.ledger import UNLIMITED, NewRow
from tests.ledger.backends import OpenStore

pytestmark = pytest.mark.anyio


def _request(model: str = "nano-banana") -> NewRow:
    return NewRow(
        tool="generate_image",
        endpoint="/v1/images/generations",
        base_url="https://api.pixapi.ai",
        model=model,
        prompt="a fox",
        params={},
        output_dir=None,
        credits_estimate=2.0,
    )


async def test_an_override_set_through_one_store_is_seen_by_another(stores: OpenStore) -> None:
    first, second = await stores(), await stores()
    assert await second.budgets() == {}
    await first.set_budget("caller:token:ada", day=5.0, month=None)
    await first.set_budget("team:art", day=None, month=UNLIMITED)
    seen = await second.budgets(["caller:token:ada", "team:art", "caller:token:bob"])
    assert set(seen) == {"caller:token:ada", "team:art"}
    assert (seen["caller:token:ada"].day, seen["caller:token:ada"].month) == (5.0, None)
    assert (seen["team:art"].day, seen["team:art"].month) == (None, UNLIMITED)
    await second.set_budget("caller:token:ada", day=7.5, month=100.0)  # replaces both
    again = (await first.budgets(["caller:token:ada"]))["caller:token:ada"]
    assert (again.day, again.month) == (7.5, 100.0) and again.updated_at <= time.time()
    assert await first.clear_budget("caller:token:ada") is True
    assert await first.clear_budget("caller:token:ada") is False
    assert list(await second.budgets()) == ["team:art"]
    assert await second.budgets([]) == {}


async def test_usage_sums_charged_and_held_per_caller_and_model(stores: OpenStore) -> None:
    store = await stores()
    since = time.time() - 1
    a1 = await store.open(**_request(), held=2.0, owner="token:ada", team="art")
    await store.update(a1, status="completed", credits_charged=2.0)
    a2 = await store.open(**_request(), held=4.0, owner="token:ada", team="art")
    await store.update(a2, status="submitted", task_id="t2")  # still held
    a3 = await store.open(**_request("seedance"), held=10.0, owner="token:ada", team="art")
    await store.update(a3, status="failed")  # settles to 0
    b1 = await store.open(**_request(), held=2.0, owner="token:bob")
    await store.update(b1, status="completed", credits_charged=1.5)
    until = time.time() + 1
    rows = await store.usage(since, until)
    table = {(r.owner, r.model): (r.team, r.requests, r.completed, r.charged, r.held) for r in rows}
    assert table == {
        ("token:ada", "nano-banana"): ("art", 2, 1, 2.0, 4.0),
        ("token:ada", "seedance"): ("art", 1, 0, 0.0, 0.0),
        ("token:bob", "nano-banana"): (None, 1, 1, 1.5, 0.0),
    }
    assert [r.owner for r in rows] == ["token:ada", "token:ada", "token:bob"]
    assert {r.owner for r in await store.usage(since, until, owner="token:bob")} == {"token:bob"}
    assert await store.usage(until, until + 10) == []
