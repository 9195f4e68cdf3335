"""``get_task`` round trip through the server, against a bare ``MCPServer`` tool doing the same single
GET with httpx2 (the floor) and against that GET made directly with httpx2.

All three talk to one real-HTTP sandbox (``running_sandbox``, uvicorn in a thread of this process).
The MCP calls go through the SDK's in-memory ``Client`` in ``legacy`` mode (initialize handshake,
the same message loop stdio runs), so the transport costs the same for server and floor and the
ratio is what the server's tool adds. Variants are measured in interleaved rounds.

What ``get_task`` does depends on the task, so three cases are measured:
- *completed, saved*: the normal repeat call on a finished task. The server answers it from its
  ledger and the saved file (no HTTP at all), re-reading the image to attach a preview;
- *running, wait_s=0*: exactly one ``GET /v1/tasks/{id}``, the like-for-like case;
- *first look at a completed task*: the GET, the output download and the preview (reported, no goal);
- *running, wait_s=0, on the 2026-07-28 protocol*: the same call from a client that offers roots
  (a host with a workspace), against the floor on the same protocol. Questions to the client ride
  the call's answer there (input required, then the client's retry): a question asked on every
  poll would double the round trips.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client import Client
from mcp.server import MCPServer
from mcp_types import ListRootsResult, Root

from bench.common import SANDBOX_KEY, Row, bench_settings, median, ratios, scratch_dir
from pixapi_mcp.sandbox import SandboxConfig, running_sandbox
from pixapi_mcp.server import build_server

GOAL = 1.15  # a running task: one GET, like the floor
SAVED_GOAL = 1.05  # a saved task: no GET at all
AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}


def floor_server(http: httpx2.AsyncClient) -> MCPServer[Any]:
    """A bare MCPServer whose one tool does the single GET get_task does, and returns its JSON."""
    server: MCPServer[Any] = MCPServer("floor")

    @server.tool()
    async def get_task(task_id: str) -> dict[str, Any]:  # pyright: ignore[reportUnusedFunction]
        """Look up a task."""
        response = await http.get(f"/v1/tasks/{task_id}", headers=AUTH)
        response.raise_for_status()
        return response.json()

    return server


async def submit(http: httpx2.AsyncClient, *, fault: str | None = None) -> str:
    headers = dict(AUTH)
    if fault:
        headers["X-Sandbox-Fault"] = fault
    response = await http.post(
        "/v1/async/images/generations",
        json={"model": "nano-banana", "prompt": "a lighthouse at dusk"},
        headers=headers,
    )
    response.raise_for_status()
    return str(response.json()["id"])


async def completed_task(http: httpx2.AsyncClient) -> str:
    """A task the sandbox has finished (and rendered): submitted, then read once."""
    task_id = await submit(http)
    task = (await http.get(f"/v1/tasks/{task_id}", headers=AUTH)).json()
    assert task["status"] == "completed", task
    return task_id


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


def check(result: Any, status: str) -> None:
    if result.is_error or (result.structured_content or {}).get("status") != status:
        raise RuntimeError(f"unexpected get_task result: {result}")


@asynccontextmanager
async def clients(base_url: str, home: Path) -> AsyncIterator[tuple[httpx2.AsyncClient, Client, Client]]:
    settings = bench_settings(home, base_url)
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx2.AsyncClient(base_url=base_url))
        server = await stack.enter_async_context(Client(build_server(settings), mode="legacy"))
        floor = await stack.enter_async_context(Client(floor_server(http), mode="legacy"))
        yield http, server, floor


@asynccontextmanager
async def modern_clients(
    http: httpx2.AsyncClient, base_url: str, home: Path
) -> AsyncIterator[tuple[Client, Client]]:
    """The server and the floor on the 2026-07-28 protocol, from a client that offers roots."""
    settings = bench_settings(home, base_url)
    workspace = home / "workspace"
    workspace.mkdir(exist_ok=True)

    async def roots(context: object) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=workspace.as_uri())])  # pyright: ignore[reportArgumentType]

    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(
            Client(build_server(settings), mode="auto", list_roots_callback=roots)  # pyright: ignore[reportArgumentType]
        )
        floor = await stack.enter_async_context(Client(floor_server(http), mode="auto"))
        yield server, floor


async def measure(rounds: int, per_round: int, first_looks: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {
        k: []
        for k in (
            "direct",
            "floor",
            "saved",
            "running",
            "first_look",
            "floor_first",
            "modern",
            "floor_modern",
        )
    }
    config = SandboxConfig(image_task_seconds=0.0, keys={SANDBOX_KEY: 1_000_000.0})
    with scratch_dir("roundtrip") as home, running_sandbox(config) as sandbox:
        async with (
            clients(sandbox.base_url, home) as (http, server, floor),
            modern_clients(http, sandbox.base_url, home) as (modern, floor_modern),
        ):
            done = await completed_task(http)
            running = await submit(http, fault="task_stuck")
            check(await modern.call_tool("get_task", {"task_id": running, "wait_s": 0}), "processing")
            await floor_modern.call_tool("get_task", {"task_id": running})
            # Warm every path once (imports, connections, the ledger row and the saved file).
            check(await server.call_tool("get_task", {"task_id": done}), "completed")
            check(await server.call_tool("get_task", {"task_id": running, "wait_s": 0}), "processing")
            await floor.call_tool("get_task", {"task_id": done})
            calls: dict[str, Callable[[], Awaitable[Any]]] = {
                "direct": lambda: http.get(f"/v1/tasks/{done}", headers=AUTH),
                "floor": lambda: floor.call_tool("get_task", {"task_id": done}),
                "saved": lambda: server.call_tool("get_task", {"task_id": done}),
                "running": lambda: server.call_tool("get_task", {"task_id": running, "wait_s": 0}),
                "modern": lambda: modern.call_tool("get_task", {"task_id": running, "wait_s": 0}),
                "floor_modern": lambda: floor_modern.call_tool("get_task", {"task_id": running}),
            }
            for _ in range(rounds):
                for name, call in calls.items():
                    for _ in range(per_round):
                        samples[name].append(await timed(call))
            for _ in range(first_looks):
                fresh = {"task_id": await completed_task(http)}
                samples["floor_first"].append(await timed(partial(floor.call_tool, "get_task", fresh)))
                samples["first_look"].append(await timed(partial(server.call_tool, "get_task", fresh)))
    return samples


def _per_round(samples: list[float], rounds: int) -> list[float]:
    """The median of each round's consecutive samples."""
    size = len(samples) // rounds
    return [median(samples[i * size : (i + 1) * size]) for i in range(rounds)]


def run(rounds: int = 10, per_round: int = 20, first_looks: int = 30) -> list[Row]:
    samples = anyio.run(measure, rounds, per_round, first_looks)
    med = {k: median(v) for k, v in samples.items()}
    per = {
        k: _per_round(samples[k], rounds)
        for k in ("direct", "floor", "saved", "running", "modern", "floor_modern")
    }
    n = rounds * per_round
    detail = {k: round(v, 3) for k, v in med.items()}
    return [
        Row(
            "get_task, completed task (saved; answered from the ledger)",
            med["saved"],
            med["floor"],
            "ms",
            "ratio",
            SAVED_GOAL,
            f"floor: bare MCPServer tool doing one httpx2 GET; in-memory client; {rounds} interleaved "
            f"rounds of {per_round} calls each",
            detail,
            ratios(per["saved"], per["floor"]),
        ),
        Row(
            "get_task, running task, wait_s=0 (exactly one GET)",
            med["running"],
            med["floor"],
            "ms",
            "ratio",
            GOAL,
            f"same floor; {rounds} interleaved rounds of {per_round} calls each (median of {n})",
            detail,
            ratios(per["running"], per["floor"]),
        ),
        Row(
            "get_task, running task, wait_s=0, 2026-07-28 protocol (client with roots)",
            med["modern"],
            med["floor_modern"],
            "ms",
            "ratio",
            GOAL,
            f"floor on the same protocol; {rounds} interleaved rounds of {per_round} calls each",
            detail,
            ratios(per["modern"], per["floor_modern"]),
        ),
        Row(
            "get_task, first look at a completed task (GET + download + preview)",
            med["first_look"],
            med["floor_first"],
            "ms",
            "ratio",
            None,
            f"does more than the floor's one GET by design; median of {first_looks}",
            detail,
        ),
        Row(
            "get_task (one GET) vs direct httpx2 GET: added time",
            med["running"],
            med["direct"],
            "ms",
            "delta",
            None,
            f"direct GET median {med['direct']:.2f} ms; floor adds {med['floor'] - med['direct']:.2f} ms",
            detail,
            [r - d for r, d in zip(per["running"], per["direct"], strict=True)],
        ),
    ]
