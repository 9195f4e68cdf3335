"""Two replicas on one ledger: two ``build_server`` instances sharing one store (the SQLite file, or
one PostgreSQL database) and one sandbox, each driven by its own SDK client. The deployment's day
cap holds across both under concurrency, a task submitted through one is finished and saved
through the other (never submitted again), and credits held for a task whose replica went away
stay counted until a ``get_task`` settles them. The sandbox's own balance and request log judge.
Over HTTP, each row names the caller (and team) that sent it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import psycopg
import pytest

from pixapi_mcp.cli import main
from pixapi_mcp.config import Settings
from pixapi_mcp.ledger import DEPLOYMENT, Cap, make_ledger
from tests.auth.harness import served
from tests.server_harness import Harness, harness, structured, text_of
from tests.test_http import http_client
from tests.tools.test_money import KEY, START, sent

pytestmark = pytest.mark.anyio

DAY = Cap(DEPLOYMENT, "day", 0, "PIXAPI_MAX_CREDITS_PER_DAY")


def _env(url: str | None, **extra: str) -> dict[str, str]:
    return {**({"PIXAPI_LEDGER_URL": url} if url else {}), **extra}


def spent(h: Harness) -> float:
    return START - h.sandbox.balance(KEY)


async def _store_spent(url: str | None, h: Harness) -> float:
    store = make_ledger(url, h.settings.data_dir / "ledger-sandbox.sqlite3")
    assert await store.start() is None
    try:
        return await store.spent(DAY)
    finally:
        await store.aclose()


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_twenty_calls_on_two_replicas_never_pass_the_day_cap(
    make_settings: Callable[..., Settings], ledger_url: str | None, mode: str
) -> None:
    """10 images (2 credits) and 10 videos (10) at once, alternating replicas, under a 50 day cap."""
    env = _env(ledger_url, PIXAPI_MAX_CREDITS_PER_DAY="50", PIXAPI_VIDEO_CREDITS_ESTIMATE="10")
    results: list[Any] = []
    async with harness(make_settings, env=env) as h, h.client(mode) as one, h.client(mode) as two:
        replicas = (one, two)

        async def call(tool: str, index: int) -> None:
            results.append(await replicas[index % 2].call_tool(tool, {"prompt": f"{tool} {index}"}))

        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                for i in range(10):
                    tg.start_soon(call, "generate_image", i)
                    tg.start_soon(call, "create_video", i + 1)
        ok = [structured(r) for r in results if not r.is_error]
        refused = [text_of(r) for r in results if r.is_error]
        assert len(results) == 20 and ok and refused
        assert all("PIXAPI_MAX_CREDITS_PER_DAY=50" in t and "Nothing was sent" in t for t in refused), refused
        done = [
            o
            if o["status"] == "completed"
            else structured(await two.call_tool("get_task", {"task_id": o["id"]}))
            for o in ok
        ]
        assert all(d["status"] == "completed" for d in done)
        # The sandbox's books: never past the cap, one paid POST per success, nothing else.
        assert spent(h) <= 50 and len(sent(h)) == len(ok)
        assert spent(h) > 50 - 10  # a refusal means the cap was nearly used up
        assert await _store_spent(ledger_url, h) == spent(h)


async def test_the_day_cap_error_says_what_remains_and_when_it_resets(
    make_settings: Callable[..., Settings], ledger_url: str | None
) -> None:
    env = _env(ledger_url, PIXAPI_MAX_CREDITS_PER_DAY="5")
    async with harness(make_settings, env=env) as h, h.client() as one, h.client() as two:
        structured(await one.call_tool("generate_image", {"prompt": "two foxes", "n": 2}))  # 4 credits
        refused = await two.call_tool("generate_image", {"prompt": "one more fox"})  # 2 more: 6 > 5
        assert refused.is_error
        text = text_of(refused)
        midnight = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
        assert (
            "would take the deployment's spend (every replica and caller together) today (UTC) to 6" in text
        )
        assert "above PIXAPI_MAX_CREDITS_PER_DAY=5: 4 spent or held so far, 1 remaining" in text
        assert f"It resets at {midnight:%Y-%m-%d} 00:00 UTC" in text
        assert "category: credit_cap" in text and "Nothing was sent" in text
        assert spent(h) == 4 and len(sent(h)) == 1


async def test_a_task_submitted_on_one_replica_is_finished_and_saved_on_the_other(
    make_settings: Callable[..., Settings], ledger_url: str | None, tmp_path: Path
) -> None:
    """The video is submitted through replica one, which then goes away with the task unfinished
    (its credits still held in the ledger); replica two's get_task finishes it, saves the file,
    settles the credits to the charge, and never submits it again."""
    env = _env(ledger_url, PIXAPI_MAX_CREDITS_PER_DAY="100")
    async with harness(make_settings, env=env) as h:
        async with h.client() as one:
            handle = structured(await one.call_tool("create_video", {"prompt": "waves", "wait_s": 0}))
        assert handle["status"] != "completed" and handle["id"]
        held = await _store_spent(ledger_url, h)
        assert held == h.settings.video_credits_estimate  # held, not charged: the outcome is unknown
        async with h.client() as two:
            listed = structured(await two.call_tool("list_tasks", {}))
            assert [t["id"] for t in listed["tasks"]] == [handle["id"]]
            done = structured(await two.call_tool("get_task", {"task_id": handle["id"], "wait_s": 45}))
            assert done["status"] == "completed" and done["ledger_id"] == handle["ledger_id"]
            path = Path(done["result"]["data"][0]["path"])
            assert path.is_file() and path.is_relative_to(tmp_path)
            again = structured(await two.call_tool("list_tasks", {}))
            assert again["tasks"][0]["paths"] == [str(path)] and again["tasks"][0]["status"] == "completed"
        assert len(sent(h)) == 1  # one paid POST, ever
        assert await _store_spent(ledger_url, h) == spent(h) == 10.0  # settled to the sandbox's charge


async def test_a_paid_row_belongs_to_the_caller_and_team_that_sent_it(
    make_settings: Callable[..., Settings], ledger_url: str | None, tmp_path: Path
) -> None:
    """Over HTTP with named tokens, the row a paid call writes names its caller and team (what
    per-caller and per-team budgets and the owner filter key on)."""
    env = {"HOME": str(tmp_path / "home"), "PIXAPI_DATA_DIR": str(tmp_path / "data")}
    printed: list[str] = []
    assert main(["token", "create", "ada", "--team", "art"], environ=env, out=printed.append) == 0
    async with served(make_settings, lambda port: _env(ledger_url)) as server:
        async with http_client(server.base, printed[0]) as client:
            made = structured(await client.call_tool("generate_image", {"prompt": "a fox"}))
        store = make_ledger(ledger_url, server.settings.data_dir / "ledger-sandbox.sqlite3")
        assert await store.start() is None
        try:
            row = await store.get(made["ledger_id"], owner="token:ada")
            assert row is not None and (row.owner, row.team, row.settled) == ("token:ada", "art", 2.0)
            assert await store.get(made["ledger_id"], owner="local") is None
        finally:
            await store.aclose()


async def _age_rows(url: str | None, h: Harness, seconds: float) -> None:
    """Move every row ``seconds`` into the past, as if written that long ago."""
    sql = "UPDATE requests SET created_at = created_at - %s, updated_at = updated_at - %s"
    if url is None:
        with sqlite3.connect(h.settings.data_dir / "ledger-sandbox.sqlite3") as conn:
            conn.execute(sql.replace("%s", "?"), (seconds, seconds))
        return
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(sql, (seconds, seconds))


async def test_a_replica_that_died_between_post_and_record_leaves_a_row_list_tasks_explains(
    make_settings: Callable[..., Settings], ledger_url: str | None
) -> None:
    """A replica wrote its row and sent the POST, then died before recording the answer (nothing
    can tell whether Pixapi took it: the API has no idempotency key). The row stays ``sending``
    with its credits held; list_tasks on a survivor says where a charge would show and that the
    held credits stay counted, rather than nothing; a row sent a moment ago is said to be in flight."""
    async with harness(make_settings, env=_env(ledger_url)) as h:
        dead = make_ledger(ledger_url, h.settings.data_dir / "ledger-sandbox.sqlite3")
        assert await dead.start() is None
        try:
            await dead.open(
                tool="create_video",
                endpoint="/v1/async/videos/generations",
                base_url=h.settings.base_url,
                model="veo-3",
                prompt="lost",
                params={"model": "veo-3", "prompt": "lost"},
                output_dir=None,
                credits_estimate=10.0,
                held=10.0,
            )
            await _age_rows(ledger_url, h, 3600)
            await dead.open(
                tool="generate_image",
                endpoint="/v1/async/images/generations",
                base_url=h.settings.base_url,
                model="nano-banana",
                prompt="in flight",
                params={"model": "nano-banana", "prompt": "in flight"},
                output_dir=None,
                credits_estimate=2.0,
                held=2.0,
            )
        finally:
            await dead.aclose()
        async with h.client() as survivor:
            listed = structured(await survivor.call_tool("list_tasks", {}))
        fresh, lost = listed["tasks"]
        assert (fresh["status"], lost["status"]) == ("sending", "sending")
        assert "being sent" in fresh["next_step"]
        step = lost["next_step"]
        assert "Pixapi dashboard" in step and "10 credits" in step and "held" in step
        assert "never recorded" in step and lost["next_call"] is None
        assert len(sent(h)) == 0  # nothing was resubmitted to find out
