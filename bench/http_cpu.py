"""Server CPU per request over streamable HTTP, 8 clients at once: ``list_models``, ``search_docs`` and
``check_code`` against a bare tool returning the same payload.

``pixapi-mcp serve --transport http --sandbox`` and the floor, ``bench.bare_http`` (a bare
``MCPServer`` whose tools answer results saved from pixapi-mcp's own calls: the same bytes on the
wire, no work), each run in their own process on loopback. Per round and tool, 8 SDK clients in
this process make ``CALLS`` calls each at once against one server, then against the other
(alternating which goes first); the server's CPU time (user + system, every thread, from
``/proc/<pid>/stat``) over the round, divided by the calls, is the figure. Reported per tool: the
median over rounds of each, their ratio, and min/median/max of both in ``detail``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp.client import Client

from bench.common import REPO, Row, child_env, median, scratch_dir

GOAL = 1.2
CLIENTS = 8
CALLS = 25  # per client per round: 200 calls a round, enough CPU ticks (10 ms each) for a stable figure
ROUNDS = 5
CHECKED_CODE = """import os, requests
key = os.environ["PIXAPI_KEY"]
r = requests.post("https://api.pixapi.ai/v1/videos/generations",
                  headers={"Authorization": f"Bearer {key}"},
                  json={"model": "veo", "prompt": "a cat", "seconds": 5})
print(r.json()["data"][0]["url"])
"""
# The calls measured: each tool with arguments a model would send.
CALLS_BY_TOOL: dict[str, dict[str, Any]] = {
    "list_models": {},
    "search_docs": {"query": "how do I poll a video task until it is completed"},
    "check_code": {"code": CHECKED_CODE, "language": "python"},
}
_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * _TICK_S


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited (code {proc.returncode})")
        try:
            # Any HTTP answer means it listens (a GET on /mcp without a session is refused: fine).
            httpx2.get(url, timeout=1.0)
            return
        except httpx2.TransportError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer in {timeout:g} s")


@contextmanager
def _process(argv: list[str], env: dict[str, str], *, url: str | None = None) -> Iterator[tuple[int, str]]:
    """Start a server process; yields its pid and MCP URL; stops it (by its pid) on exit. ``url``:
    where it will listen, else the first line it prints."""
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=REPO,
        text=True,
    )
    try:
        assert proc.stdout is not None
        address = url if url is not None else proc.stdout.readline().strip()
        if not address.startswith("http"):
            raise RuntimeError(f"the server did not start (exit code {proc.poll()})")
        _wait_ready(address, proc)
        yield proc.pid, address
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


async def _drive(url: str, tool: str, arguments: dict[str, Any], calls: int) -> None:
    """``CLIENTS`` sessions, each making ``calls`` calls of ``tool`` one after another, all at once."""

    async def one_client() -> None:
        async with Client(url) as client:
            for _ in range(calls):
                result = await client.call_tool(tool, arguments)
                if result.is_error:
                    raise RuntimeError(f"{tool} failed: {result.content}")

    async with anyio.create_task_group() as group:
        for _ in range(CLIENTS):
            group.start_soon(one_client)


def per_call_ms(pid: int, url: str, tool: str, arguments: dict[str, Any], calls: int = CALLS) -> float:
    """Server CPU milliseconds per call of ``tool`` at ``url`` (process ``pid``) under 8 clients."""
    before = cpu_seconds(pid)
    anyio.run(_drive, url, tool, arguments, calls)
    return (cpu_seconds(pid) - before) * 1000 / (calls * CLIENTS)


async def _saved_results(url: str) -> dict[str, Any]:
    """Each measured tool's result from pixapi-mcp, as JSON: what the floor answers."""
    saved: dict[str, Any] = {}
    async with Client(url) as client:
        for tool, arguments in CALLS_BY_TOOL.items():
            result = await client.call_tool(tool, arguments)
            if result.is_error:
                raise RuntimeError(f"{tool} failed: {result.content}")
            saved[tool] = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    return saved


def run(rounds: int = ROUNDS, calls: int = CALLS) -> list[Row]:
    with scratch_dir("httpcpu") as home:
        port = _free_port()
        server_argv = [sys.executable, "-m", "pixapi_mcp", "serve", "--transport", "http", "--sandbox"]
        server_argv += ["--host", "127.0.0.1", "--port", str(port)]
        env = child_env(home, PIXAPI_LOG_LEVEL="WARNING")
        with _process(server_argv, env, url=f"http://127.0.0.1:{port}/mcp") as (server_pid, server_url):
            saved = anyio.run(_saved_results, server_url)
            results_file = home / "results.json"
            results_file.write_text(json.dumps(saved))
            floor_argv = [sys.executable, "-m", "bench.bare_http", str(results_file)]
            with _process(floor_argv, env) as (floor_pid, floor_url):
                samples: dict[str, tuple[list[float], list[float]]] = {t: ([], []) for t in CALLS_BY_TOOL}
                # Warm-up: imports, first-call work (the checker's grammars), connection setup.
                for tool, arguments in CALLS_BY_TOOL.items():
                    per_call_ms(server_pid, server_url, tool, arguments, calls=2)
                    per_call_ms(floor_pid, floor_url, tool, {}, calls=2)
                for index in range(rounds):
                    for tool, arguments in CALLS_BY_TOOL.items():
                        mine, floor = samples[tool]
                        order = [(server_pid, server_url, arguments, mine), (floor_pid, floor_url, {}, floor)]
                        for pid, url, args, out in order if index % 2 == 0 else reversed(order):
                            out.append(per_call_ms(pid, url, tool, args, calls))
    rows: list[Row] = []
    for tool, (mine, floor) in samples.items():
        size = len(json.dumps(saved[tool]))
        rows.append(
            Row(
                benchmark=f"server CPU per {tool} call, streamable HTTP, {CLIENTS} clients",
                measured=median(mine),
                floor=median(floor),
                unit="ms",
                compare="ratio",
                goal=GOAL,
                note=f"vs a bare tool answering the same {size}-byte result; median of {rounds} alternating rounds "
                f"of {calls * CLIENTS} calls (min/max {min(mine):.2f}/{max(mine):.2f} vs "
                f"{min(floor):.2f}/{max(floor):.2f} ms)",
                detail={
                    "result_bytes": size,
                    "server_ms": [round(s, 3) for s in mine],
                    "floor_ms": [round(s, 3) for s in floor],
                    "server_min_median_max": [
                        round(min(mine), 3),
                        round(median(mine), 3),
                        round(max(mine), 3),
                    ],
                    "floor_min_median_max": [
                        round(min(floor), 3),
                        round(median(floor), 3),
                        round(max(floor), 3),
                    ],
                },
            )
        )
    return rows


if __name__ == "__main__":
    for row in run():
        sys.stdout.write(
            f"{row.benchmark}: {row.measured:.3f} vs {row.floor:.3f} ms = {row.value:.2f}x ({row.note})\n"
        )
