"""Three replicas behind HAProxy on one PostgreSQL and one sandbox API (``tests/topology.py``),
driven by 30 concurrent SDK clients, half on 2026-07-28 (sessionless: round robin) and half on
2025-11-25 (a session, kept on one replica by HAProxy's stick table).

The sandbox is a separate process and the judge: its request log says how many POSTs were sent
(each prompt is unique, so a prompt POSTed twice is a double POST) and its balance what was
charged. Every accepted call's task must complete with its file in the shared output folder;
the deployment cap (``PIXAPI_MAX_CREDITS_PER_DAY``) must hold for the sandbox's own charge.

With one replica SIGKILLed while the tasks run, the clients reconnect through HAProxy (a 2025-11-25
session on the dead replica is gone: a new one starts) and the survivors finish every task.

Needs PostgreSQL and HAProxy (``.ci/run`` installs both); without them the tests skip locally and
fail with ``CI=true``.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp_types import ElicitRequestParams, ElicitResult

from tests.topology import HAPROXY_HINT, Topology, haproxy_binary, topology

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CLIENTS = 30
PRICE = 2.0  # nano-banana: 2 credits per image (the catalog's documented price)
CAP = 40.0  # the deployment's daily cap: room for 20 of the 30 images
RUN_TIMEOUT_S = 240.0
# Calls hand back a task handle after 1 s; the sandbox's image tasks take 3 s, so every task is
# followed through get_task, on whichever replica the next request reaches.
REPLICA_ENV = {"PIXAPI_TOOL_DEADLINE_S": "1", "PIXAPI_MAX_CREDITS_PER_DAY": str(CAP)}


@pytest.fixture
def needs_haproxy() -> None:
    if haproxy_binary() is None:
        message = f"HAProxy is not installed: {HAPROXY_HINT}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Work:
    """One client's work and what happened to it."""

    index: int
    mode: str
    prompt: str
    sent: bool = False
    task_id: str | None = None
    refused: str | None = None
    status: str | None = None
    paths: list[str] = field(default_factory=list[str])
    errors: list[str] = field(default_factory=list[str])
    # Set once the call has its answer: a task handle, or a refusal.
    answered: anyio.Event = field(default_factory=anyio.Event)


def _data(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    data: dict[str, Any] = result.structured_content
    return data


async def _follow(topo: Topology, work: Work, attempts: int = 8) -> None:
    """Submit once, then follow the task to its end, reconnecting through HAProxy on any failure.
    Never submits twice: a call that died before answering is found again in ``list_tasks``."""
    for _ in range(attempts):
        try:
            async with topo.client(work.mode) as client:
                if not work.sent:
                    work.sent = True
                    result = await client.call_tool(
                        "generate_image", {"prompt": work.prompt, "model": "nano-banana", "size": "64x64"}
                    )
                    if result.is_error:
                        work.refused = " ".join(getattr(b, "text", "") for b in result.content)
                        work.answered.set()
                        return
                    data = _data(result)
                    work.task_id, work.status = data.get("id"), data["status"]
                    work.paths = [d.get("path") for d in data.get("data") or [] if d.get("path")]
                elif work.task_id is None:
                    rows = _data(await client.call_tool("list_tasks", {"limit": 200}))["tasks"]
                    mine = [r for r in rows if r["prompt"] == work.prompt and r["id"]]
                    assert mine, f"{work.prompt!r} is not in the shared ledger"
                    work.task_id = mine[0]["id"]
                work.answered.set()
                while work.status != "completed":
                    data = _data(await client.call_tool("get_task", {"task_id": work.task_id, "wait_s": 5}))
                    work.status = data["status"]
                    assert work.status not in ("failed", "cancelled"), data
                    work.paths = [
                        d["path"] for d in (data.get("result") or {}).get("data") or [] if d.get("path")
                    ]
                return
        except Exception as exc:  # a dead replica: reset connections, 404 for its sessions, 5xx
            work.errors.append(f"{type(exc).__name__}: {exc}"[:300])
    raise AssertionError(f"client {work.index} gave up: {work.errors}")


def _works() -> list[Work]:
    run = secrets.token_hex(3)
    return [
        Work(i, "auto" if i % 2 == 0 else "legacy", f"replica test {run} tile {i}") for i in range(CLIENTS)
    ]


async def _judge(topo: Topology, works: list[Work], credits: float) -> None:
    """What the sandbox's own log and balance say, against what the clients got; every broken
    promise is listed, not only the first."""
    problems: list[str] = []
    requests = await topo.sandbox_requests()
    posts = [r for r in requests if r["method"] == "POST"]
    per_prompt = Counter(str((r.get("fields") or {}).get("prompt")) for r in posts)
    if doubles := {p: n for p, n in per_prompt.items() if n > 1}:
        problems.append(f"double POSTs: {doubles}")
    charged = credits - await topo.sandbox_balance()
    if charged > CAP:
        problems.append(f"the sandbox charged {charged:g} credits, over the deployment cap {CAP:g}")
    accepted = [w for w in works if w.refused is None]
    # Every POST that reached the API belongs to a client that got its task id and saw it complete.
    if lost := set(per_prompt) - {w.prompt for w in accepted if w.task_id}:
        problems.append(f"{len(lost)} task(s) POSTed but followed by no client (lost task ids)")
    unfinished = [w.index for w in accepted if w.status != "completed" or not w.paths]
    if unfinished:
        problems.append(f"clients whose task did not complete with a saved file: {unfinished}")
    for work in accepted:
        for path in work.paths:
            if not (Path(path).is_relative_to(topo.output_dir) and Path(path).is_file()):
                problems.append(f"client {work.index}: {path} is not a file in the shared folder")
    refused = [w for w in works if w.refused is not None]
    if len(accepted) != int(CAP // PRICE):
        problems.append(
            f"{len(accepted)} calls accepted, {len(refused)} refused; the cap allows {CAP // PRICE:g}"
        )
    if wrong := [w.refused for w in refused if "PIXAPI_MAX_CREDITS_PER_DAY" not in (w.refused or "")]:
        problems.append(f"refusals that do not name the daily cap: {wrong[:3]}")
    reconnects = sum(len(w.errors) for w in works)
    assert not problems, "\n".join([*problems, f"({reconnects} reconnects)"])


async def test_thirty_clients_both_eras_through_haproxy(
    tmp_path: Path, pg_url: str, needs_haproxy: None
) -> None:
    credits = 10_000.0
    works = _works()
    async with topology(
        tmp_path, ledger_url=pg_url, credits=credits, image_task_s=3, env=REPLICA_ENV
    ) as topo:
        with anyio.fail_after(RUN_TIMEOUT_S):
            async with anyio.create_task_group() as tg:
                for work in works:
                    tg.start_soon(_follow, topo, work)
        await _judge(topo, works, credits)
        served = {
            name: topo.haproxy.log.count(f"replicas/{name}") for name in ("replica1", "replica2", "replica3")
        }
        assert all(served.values()), f"HAProxy did not spread the load: {served}"


async def test_one_replica_killed_mid_task_survivors_finish_everything(
    tmp_path: Path, pg_url: str, needs_haproxy: None
) -> None:
    credits = 10_000.0
    works = _works()
    async with topology(
        tmp_path, ledger_url=pg_url, credits=credits, image_task_s=4, env=REPLICA_ENV
    ) as topo:
        victim = topo.replicas[0]
        before = 0
        with anyio.fail_after(RUN_TIMEOUT_S):
            async with anyio.create_task_group() as tg:
                for work in works:
                    tg.start_soon(_follow, topo, work)
                # Every call has its answer (a task handle, or refused); the tasks are still running.
                with anyio.fail_after(60):
                    for work in works:
                        await work.answered.wait()
                before = topo.haproxy.log.count("replicas/replica1")
                victim.kill()
        assert before > 0, "the victim had served nothing before it was killed"
        assert victim.process.returncode is not None
        await _judge(topo, works, credits)


async def test_confirmation_halves_on_different_replicas_through_haproxy(
    tmp_path: Path, pg_url: str, needs_haproxy: None
) -> None:
    """A 2026-07-28 client confirming a spend: with round robin over three replicas, the question
    and the answer go to different replicas (HAProxy's log shows which), and the image is made."""
    asked: list[str] = []

    async def yes(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"confirm": True})

    env = {"PIXAPI_CONFIRM_ABOVE_CREDITS": "15"}
    async with topology(tmp_path, ledger_url=pg_url, env=env) as topo:
        async with topo.client("auto", elicitation=yes) as client:
            lines_before = _served_lines(topo)
            with anyio.fail_after(60):
                result = await client.call_tool(
                    "generate_image",
                    {"prompt": "confirm me", "model": "nano-banana-pro", "n": 3, "size": "64x64"},
                )
            call_lines = _served_lines(topo)[len(lines_before) :]
        data = _data(result)
        assert data["status"] == "completed" and asked
        # The two tools/call POSTs were answered by two different replicas (round robin).
        assert len(set(call_lines)) >= 2, call_lines
        posts = [r for r in await topo.sandbox_requests() if r["method"] == "POST"]
        assert len(posts) == 1


def _served_lines(topo: Topology) -> list[str]:
    """The replica of each POST /mcp in HAProxy's request log, in order."""
    names: list[str] = []
    for line in topo.haproxy.log.splitlines():
        if '"POST /mcp' in line:
            names.extend(part for part in line.split() if part.startswith("replicas/"))
    return names
