"""Concurrency: 32 ``generate_image`` calls at once against an API that takes 500 ms, vs one call.

If the server overlaps the waits, 32 calls take about as long as one; if anything serialises them
(a lock, the connection pool, the ledger, CPU work on the event loop) the ratio shows it.

The sandbox runs in its own process (``bench.sandbox_proc``) so its image rendering does not
compete with the server for this process's GIL. Two paths:
- *sync*: ``sync=True`` hits ``POST /v1/images/generations``; the sandbox holds each answer
  ``sync_latency_s=0.5``. One HTTP call, then the download and preview;
- *async*: the default path. A ``latency`` fault armed for every submission
  (``POST /v1/async/images/generations``, 0.5 s) plays the slow API; tasks complete at once, so
  each call is submission, one poll, download and preview.
The server is built in this process and driven through the SDK's in-memory client (legacy mode),
talking real HTTP to the sandbox. Each round times one call and 32 on every path, the no-server
reference included; the goal is on each round's 32-vs-1 ratio over the reference's.

For reference, the same batch is made without the server (httpx2 straight to the sandbox: the
sync POST, then the GET of the file): on a small machine the sandbox's own rendering already
stretches 32 calls, and that part of the ratio is not the server's. The CPU time this process
spends per call (server and in-memory client) is recorded too.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx2
from mcp.client import Client

from bench.common import SANDBOX_KEY, Row, bench_settings, median, ratios, sandbox_process, scratch_dir
from pixapi_mcp.server import build_server

GOAL = 1.1  # 32 calls vs one, over the same ratio without the server (issue 14)
LATENCY_S = 0.5
AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}


async def batch(client: Client, size: int, arguments: dict[str, Any]) -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds for ``size`` concurrent generate_image calls."""
    failures: list[str] = []

    async def one(index: int) -> None:
        result = await client.call_tool("generate_image", {**arguments, "prompt": f"tile {index}"})
        if result.is_error:
            failures.append(str(result.content))

    started, cpu = time.perf_counter(), time.process_time()
    async with anyio.create_task_group() as tg:
        for index in range(size):
            tg.start_soon(one, index)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if failures:
        raise RuntimeError(f"{len(failures)} generate_image calls failed: {failures[0]}")
    return elapsed, cpu


async def api_batch(http: httpx2.AsyncClient, size: int, image_size: str) -> float:
    """Wall seconds for ``size`` concurrent sync generations made straight to the API, no server."""

    async def one(index: int) -> None:
        body = {"model": "nano-banana", "prompt": f"tile {index}", "size": image_size}
        answer = await http.post("/v1/images/generations", json=body, headers=AUTH)
        answer.raise_for_status()
        (await http.get(answer.json()["data"][0]["url"])).raise_for_status()

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for index in range(size):
            tg.start_soon(one, index)
    return time.perf_counter() - started


async def measure(base_url: str, home: Any, concurrency: int, rounds: int, image_size: str) -> dict[str, Any]:
    settings = bench_settings(home, base_url)
    async with httpx2.AsyncClient(base_url=base_url, timeout=30) as admin:
        fault = {
            "kind": "latency",
            "seconds": LATENCY_S,
            "path_prefix": "/v1/async/images/generations",
            "method": "POST",
            "times": None,
            "all": True,
        }
        (await admin.post("/_sandbox/faults", json=fault, headers=AUTH)).raise_for_status()
    paths = {"sync": {"sync": True, "size": image_size}, "async": {"size": image_size}}
    results: dict[str, Any] = {name: {"one_s": [], "many_s": [], "cpu_per_call_s": []} for name in paths}
    results["api"] = {"one_s": [], "many_s": []}
    limits = httpx2.Limits(max_connections=64, max_keepalive_connections=16)  # as the server's
    async with (
        Client(build_server(settings), mode="legacy") as client,
        httpx2.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http,
    ):
        for arguments in paths.values():
            await batch(client, 2, arguments)  # warm: imports, connections, ledger
        await api_batch(http, 2, image_size)
        # Each round times every path, so the no-server reference shares each round's conditions.
        for _ in range(rounds):
            for name, arguments in paths.items():
                results[name]["one_s"].append((await batch(client, 1, arguments))[0])
                wall, used = await batch(client, concurrency, arguments)
                results[name]["many_s"].append(wall)
                results[name]["cpu_per_call_s"].append(used / concurrency)
            results["api"]["one_s"].append(await api_batch(http, 1, image_size))
            results["api"]["many_s"].append(await api_batch(http, concurrency, image_size))
    return results


def run(concurrency: int = 32, rounds: int = 5, image_size: str = "256x256") -> list[Row]:
    with (
        scratch_dir("concurrency") as home,
        sandbox_process(home, "--sync-latency", str(LATENCY_S), "--image-task-seconds", "0") as base_url,
    ):
        results = anyio.run(measure, base_url, home, concurrency, rounds, image_size)
    rows: list[Row] = []
    labels = {
        "sync": "sync=True, sync_latency_s=0.5",
        "async": "async, 0.5 s latency fault",
        "api": "",
    }
    api = results["api"]
    reference = ratios(api["many_s"], api["one_s"])
    for path, label in labels.items():
        one, many = results[path]["one_s"], results[path]["many_s"]
        cpu = results[path].get("cpu_per_call_s")
        note = f"{image_size} PNGs; sandbox in its own process; {rounds} interleaved rounds"
        if cpu:
            note += f"; {median(cpu) * 1000:.0f} ms CPU per call in the server's process"
        detail = {k: [round(v * 1000, 1) for v in vs] for k, vs in results[path].items()}
        if path == "api":
            rows.append(
                Row(
                    f"{concurrency} concurrent sync API calls vs 1, no server (httpx2 to the sandbox)",
                    median(many) * 1000,
                    median(one) * 1000,
                    "ms",
                    "ratio",
                    None,
                    f"the no-server reference; {rounds} interleaved rounds",
                    detail,
                    reference,
                )
            )
            continue
        mine = ratios(many, one)
        rows.append(
            Row(
                f"{concurrency} concurrent generate_image vs 1 ({label}), against the no-server reference",
                median(mine),
                median(reference),
                "x",
                "ratio",
                GOAL,
                note + f" (each round's {concurrency}-vs-1 ratio over the reference's in the same round)",
                detail | {"one_vs_many_ms": [round(median(one) * 1000, 1), round(median(many) * 1000, 1)]},
                ratios(mine, reference),
            )
        )
    return rows
