"""Task polling: HTTP requests per completed task and detection delay (task completion to the
server's first look that sees it), for 10 s / 60 s / 300 s video tasks.

Policies compared:
- *adaptive, one wait*: the server's own wait loop (``tools.polling.wait_for_task`` driven by
  ``tools.next_poll_delay``) inside a single ``create_video`` call whose deadline covers the task;
- *adaptive, agent loop*: the default 45 s tool deadline, so ``create_video`` hands back a task
  handle and the agent calls ``get_task`` after each ``poll_after_s`` until it completes (what a
  host really does; tool calls are counted too);
- *fixed 1 s*: a client that GETs ``/v1/tasks/{id}`` every second (the floor).

No real time passes: the sandbox runs in-process over ``httpx2.ASGITransport`` on a
``ManualClock`` and the server's timer advances that clock when it sleeps (as
``tests/server_harness.py`` does), so a 300 s task takes milliseconds and every number is exact.
Real tasks do not end on a whole second, so each length is run with its end shifted by several
phases (10.1 s, 10.3 s, ... 10.9 s) and the means are reported; otherwise fixed 1 s polling would
land exactly on the completion every time and show no delay at all.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx2
from mcp.client import Client

from bench.common import SANDBOX_KEY, Row, bench_settings, scratch_dir
from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, SandboxState, create_app
from pixapi_mcp.server import build_server

SANDBOX_URL = "http://sandbox.bench"
AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}
DURATIONS = (10.0, 60.0, 300.0)
PHASES = (0.1, 0.3, 0.5, 0.7, 0.9)
FIXED_INTERVAL_S = 1.0


class ClockTimer:
    """The server's timer over the sandbox's manual clock: sleeping advances sandbox time."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await anyio.lowlevel.checkpoint()


def settings_for(home: Path, deadline_s: float) -> Settings:
    return bench_settings(home, SANDBOX_URL, sandbox=True, PIXAPI_TOOL_DEADLINE_S=str(deadline_s))


def outcome(state: SandboxState, task_id: str, tool_calls: int | None) -> dict[str, Any]:
    """GETs of the task, and how long after completing it was first seen completed."""
    task = state.tasks[task_id]
    done_at = task.created + task.duration
    looks = [r.at for r in state.requests if r.method == "GET" and r.path.endswith(f"/tasks/{task_id}")]
    seen = min((at for at in looks if at >= done_at), default=math.inf)
    return {"gets": len(looks), "delay_s": round(seen - done_at, 3), "tool_calls": tool_calls}


async def adaptive(duration: float, home: Path, *, agent_loop: bool) -> dict[str, Any]:
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock, video_task_seconds=duration))
    state: SandboxState = app.state.sandbox
    timer = ClockTimer(clock)
    # One wait covers the whole task unless we are playing the agent loop with the default deadline.
    deadline = 45.0 if agent_loop else min(duration + 60.0, 3600.0)
    settings = settings_for(home, deadline)
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http,
        Client(build_server(settings, http, timer=timer), mode="legacy") as client,
    ):
        result = await client.call_tool("create_video", {"prompt": f"a {duration:g} s task"})
        calls = 1
        data: dict[str, Any] = result.structured_content or {}
        while not result.is_error and data.get("status") != "completed":
            await timer.sleep(float(data.get("poll_after_s") or 1.0))  # the agent waits as told
            result = await client.call_tool("get_task", {"task_id": data["id"]})
            calls += 1
            data = result.structured_content or data
        if result.is_error:
            raise RuntimeError(f"the task did not complete: {result.content}")
        return outcome(state, str(data["id"]), calls if agent_loop else None)


async def fixed(duration: float) -> dict[str, Any]:
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock, video_task_seconds=duration))
    state: SandboxState = app.state.sandbox
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=SANDBOX_URL) as http:
        submitted = await http.post(
            "/v1/async/videos/generations", json={"model": "veo", "prompt": "fixed"}, headers=AUTH
        )
        task_id = str(submitted.json()["id"])
        while True:
            task = (await http.get(f"/v1/tasks/{task_id}", headers=AUTH)).json()
            if task["status"] in ("completed", "failed"):
                break
            clock.advance(FIXED_INTERVAL_S)
    return outcome(state, task_id, None)


async def one_length(duration: float, phases: tuple[float, ...], home: Path) -> list[dict[str, Any]]:
    runs: dict[str, list[dict[str, Any]]] = {
        "adaptive, one wait": [],
        "adaptive, agent loop": [],
        "fixed 1 s": [],
    }
    for index, phase in enumerate(phases):
        length = duration + phase
        runs["adaptive, one wait"].append(await adaptive(length, home / f"a{index}", agent_loop=False))
        runs["adaptive, agent loop"].append(await adaptive(length, home / f"b{index}", agent_loop=True))
        runs["fixed 1 s"].append(await fixed(length))
    table: list[dict[str, Any]] = []
    for policy, results in runs.items():
        calls = [r["tool_calls"] for r in results if r["tool_calls"] is not None]
        table.append(
            {
                "task_s": duration,
                "policy": policy,
                "gets": round(sum(r["gets"] for r in results) / len(results), 1),
                "delay_s": round(sum(r["delay_s"] for r in results) / len(results), 2),
                "max_delay_s": max(r["delay_s"] for r in results),
                "tool_calls": round(sum(calls) / len(calls), 1) if calls else None,
            }
        )
    return table


async def measure(durations: tuple[float, ...], phases: tuple[float, ...]) -> list[dict[str, Any]]:
    table: list[dict[str, Any]] = []
    with scratch_dir("polling") as home:
        for duration in durations:
            table.extend(await one_length(duration, phases, home / f"{duration:g}"))
    return table


def run(
    durations: tuple[float, ...] = DURATIONS, phases: tuple[float, ...] = PHASES
) -> tuple[list[Row], list[dict[str, Any]]]:
    """Rows for the summary table (per length: requests, adaptive vs fixed), and the full table."""
    table = anyio.run(measure, durations, phases)
    rows: list[Row] = []
    for duration in durations:
        by_policy = {t["policy"]: t for t in table if t["task_s"] == duration}
        ours, floor = by_policy["adaptive, one wait"], by_policy["fixed 1 s"]
        rows.append(
            Row(
                f"task polling, {duration:g} s task: GETs per task (adaptive vs fixed 1 s)",
                ours["gets"],
                floor["gets"],
                "req",
                "ratio",
                None,
                f"mean detection delay {ours['delay_s']:g} s vs {floor['delay_s']:g} s; "
                f"simulated clock, mean of {len(phases)} end phases",
                {"table": [t for t in table if t["task_s"] == duration]},
            )
        )
    return rows, table
