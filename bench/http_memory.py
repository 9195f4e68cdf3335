"""Memory over many HTTP requests: the resident set of a ``serve --transport http --sandbox`` process
across 20,000 MCP requests (issue 14: "RSS steady over 20,000 HTTP requests").

The server runs in its own process on 127.0.0.1, and the sandbox API in another
(``bench.sandbox_proc``: the sandbox keeps a log of every request it answers, which is its
memory, not the server's); eight clients in this process post raw JSON-RPC
(the 2026-07-28 era: every request stands alone, as a stateless client or a load balancer sends
them) cycling through ``list_models``, ``search_docs``, ``check_code``, ``list_tasks`` and (one in
ten) ``tools/list`` (nothing paid: a paid call grows the ledger by design). VmRSS is read from
/proc after a warm-up of 1,000 requests (the floor) and after every tenth of the rest; the row
is the growth from the floor to the end, and the growth over the second half is noted (a leak
grows steadily; a steady server levels off after warm-up).
"""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2

from bench.common import REPO, SANDBOX_KEY, Row, child_env, proc_status_kb, sandbox_process, scratch_dir

GOAL_MB = 16.0
CLIENTS = 8
WARM_UP = 1_000
_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "pixapi-bench", "version": "0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
_CALLS: list[tuple[str, str | None, dict[str, Any]]] = [
    ("tools/call", "list_models", {}),
    ("tools/call", "search_docs", {"query": "how do I poll a video task"}),
    (
        "tools/call",
        "check_code",
        {"code": 'requests.post(BASE + "/v1/videos/generations", json={"seconds": 8})'},
    ),
    ("tools/call", "list_tasks", {}),
    ("tools/call", "list_models", {}),
    ("tools/call", "search_docs", {"query": "what does a 402 mean"}),
    ("tools/call", "list_tasks", {"unfinished_only": True}),
    ("tools/list", None, {}),  # 45 KB of schemas: one request in ten
    ("tools/call", "search_docs", {"query": "nano banana pro price"}),
]


@contextmanager
def http_server(home: Path, api_url: str) -> Iterator[tuple[str, int]]:
    """``serve --transport http --port 0`` in its own process, on the API at ``api_url``: (MCP URL,
    pid)."""
    argv = [sys.executable, "-m", "pixapi_mcp", "serve", "--transport", "http", "--port", "0"]
    env = child_env(home, PIXAPI_LOG_LEVEL="INFO", PIXAPI_BASE_URL=api_url, PIXAPI_KEY=SANDBOX_KEY)
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO
    )
    try:
        assert proc.stderr is not None
        seen, deadline = b"", time.monotonic() + 60
        while (found := re.search(rb"serving MCP over HTTP at (http://\S+/mcp)", seen)) is None:
            ready, _, _ = select.select([proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
            chunk = proc.stderr.read1(65536) if ready else b""  # pyright: ignore[reportAttributeAccessIssue]
            if not chunk:
                raise RuntimeError(f"the HTTP server did not start (exit code {proc.poll()})")
            seen += chunk
        # Keep draining stderr, so a full pipe never stalls the server's logging.
        stderr = proc.stderr
        drain = threading.Thread(target=lambda: all(iter(lambda: stderr.read(65536), b"")), daemon=True)
        drain.start()
        try:
            yield found[1].decode(), proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            drain.join(5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def _request(index: int) -> tuple[dict[str, str], bytes]:
    method, name, arguments = _CALLS[index % len(_CALLS)]
    params: dict[str, Any] = {"_meta": _META}
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": method,
    }
    if name is not None:
        params |= {"name": name, "arguments": arguments}
        headers["Mcp-Name"] = name
    body = {"jsonrpc": "2.0", "id": index, "method": method, "params": params}
    return headers, json.dumps(body).encode()


async def _drive(url: str, pid: int, total: int, checkpoints: int, warm_up: int) -> list[tuple[int, float]]:
    """Send ``total`` requests after the warm-up; (requests sent, VmRSS MB) at each checkpoint."""
    samples: list[tuple[int, float]] = []
    failures: list[str] = []
    limits = httpx2.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx2.AsyncClient(timeout=60, limits=limits) as http:

        async def burst(start: int, count: int) -> None:
            next_index = start

            async def client() -> None:
                nonlocal next_index
                while next_index < start + count:
                    index = next_index
                    next_index += 1
                    headers, body = _request(index)
                    answer = await http.post(url, headers=headers, content=body)
                    if answer.status_code != 200 or b'"error"' in answer.content[:200]:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")

            async with anyio.create_task_group() as group:
                for _ in range(CLIENTS):
                    group.start_soon(client)
            if failures:
                raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")

        def rss() -> float:
            kb = proc_status_kb(pid, "VmRSS")
            if kb is None:
                raise RuntimeError("VmRSS is read from Linux /proc")
            return kb / 1024

        await burst(0, warm_up)
        samples.append((0, rss()))
        step = max(1, total // checkpoints)
        sent = 0
        while sent < total:
            count = min(step, total - sent)
            await burst(warm_up + sent, count)
            sent += count
            samples.append((sent, rss()))
    return samples


def run(requests: int = 20_000, checkpoints: int = 10, warm_up: int = WARM_UP) -> list[Row]:
    with (
        scratch_dir("http-memory") as home,
        sandbox_process(home) as api_url,
        http_server(home, api_url) as (url, pid),
    ):
        started = time.perf_counter()
        samples = anyio.run(_drive, url, pid, requests, checkpoints, warm_up)
        elapsed = time.perf_counter() - started
    floor, end = samples[0][1], samples[-1][1]
    half = min(samples, key=lambda s: abs(s[0] - requests / 2))[1]
    return [
        Row(
            f"RSS of the HTTP server over {requests:,} MCP requests (after {warm_up:,} warm-up)",
            end,
            floor,
            "MB",
            "delta",
            GOAL_MB,
            f"`serve --transport http` in its own process, the sandbox API in another; {CLIENTS} clients cycling list_models, "
            f"search_docs, check_code, list_tasks and tools/list; second half: {end - half:+.1f} MB; "
            f"{requests / elapsed:.0f} requests/s",
            {"rss_mb": [[n, round(mb, 1)] for n, mb in samples]},
        )
    ]
