"""Load: many concurrent MCP clients against one ``serve --transport http --sandbox`` process.

On 127.0.0.1 only, with a bearer token: ``PIXAPI_LOAD_CLIENTS`` clients (default 20, half in each
protocol era) each make ``PIXAPI_LOAD_CALLS`` calls (default 5) cycling through list_models,
search_docs, generate_image (sync, then async with wait_s=0, which hands back a task handle at
once), list_tasks and get_task, in ``PIXAPI_LOAD_ROUNDS`` rounds (default 2). Bounded in count and
time. Zero errors allowed. The server process's resident memory (VmRSS from /proc) is read after a
warm-up round and after each load round; growth must stay under ``PIXAPI_LOAD_RSS_MB`` (default 64).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client

from tests.server_harness import structured, subprocess_env, text_of
from tests.test_http import TOKEN, http_client, server_process

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


CLIENTS = _env_int("PIXAPI_LOAD_CLIENTS", 20)
CALLS = _env_int("PIXAPI_LOAD_CALLS", 5)
ROUNDS = _env_int("PIXAPI_LOAD_ROUNDS", 2)
RSS_GROWTH_MB = _env_int("PIXAPI_LOAD_RSS_MB", 64)
ROUND_TIMEOUT_S = 120.0
CALL_TIMEOUT_S = 60.0


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc status")


def _workload(index: int, task_ids: list[str]) -> tuple[str, dict[str, Any]]:
    step = index % 6
    if step == 0:
        return "list_models", {}
    if step == 1:
        return "search_docs", {"query": "how do I poll a video task", "max_chars": 2000}
    if step == 2:
        return "generate_image", {"prompt": f"load test image {index}", "size": "64x64", "sync": True}
    if step == 3:
        return "list_tasks", {"limit": 5}
    if step == 4:
        return "generate_image", {"prompt": f"load test task {index}", "size": "64x64", "wait_s": 0}
    return ("get_task", {"task_id": task_ids[-1], "wait_s": 0}) if task_ids else ("list_tasks", {})


async def _one_client(url: str, number: int, calls: int, errors: list[str], done: list[int]) -> None:
    mode = "auto" if number % 2 == 0 else "legacy"
    task_ids: list[str] = []
    async with http_client(url, TOKEN, mode) as client:
        for index in range(calls):
            await _call(client, number, index, task_ids, errors)
            done.append(1)


async def _call(client: Client, number: int, index: int, task_ids: list[str], errors: list[str]) -> None:
    tool, args = _workload(number + index, task_ids)
    with anyio.fail_after(CALL_TIMEOUT_S):
        result = await client.call_tool(tool, args)
    if result.is_error:
        errors.append(f"client {number} {tool}: {text_of(result)[:300]}")
        return
    data = structured(result)
    if tool == "generate_image" and data.get("id"):
        task_ids.append(data["id"])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
async def test_concurrent_clients_zero_errors_and_steady_memory(
    tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    # INFO: the process logs the port it picked (and little else).
    env = subprocess_env(tmp_path, PIXAPI_MCP_TOKEN=TOKEN, PIXAPI_LOG_LEVEL="INFO")
    errors: list[str] = []
    done: list[int] = []
    rss: list[int] = []
    started = time.monotonic()
    async with server_process(env, "--sandbox") as served:
        pid = served.process.pid
        # Warm-up: every code path once (imports, the docs index, the sandbox, the ledger).
        with anyio.fail_after(ROUND_TIMEOUT_S):
            await _one_client(served.url, 0, 6, errors, [])
            await _one_client(served.url, 1, 6, errors, [])
        assert not errors, errors
        rss.append(_rss_kb(pid))
        for _ in range(ROUNDS):
            with anyio.fail_after(ROUND_TIMEOUT_S):
                async with anyio.create_task_group() as tg:
                    for number in range(CLIENTS):
                        tg.start_soon(_one_client, served.url, number, CALLS, errors, done)
            rss.append(_rss_kb(pid))
        assert served.process.returncode is None, served.log
    assert "Traceback" not in served.log and " ERROR " not in served.log, served.log[-3000:]
    elapsed = time.monotonic() - started
    assert not errors, f"{len(errors)} errors under load, e.g. {errors[:3]}"
    assert len(done) == CLIENTS * CALLS * ROUNDS
    growth_kb = max(rss) - rss[0]
    sys.stderr.write(
        f"\nload: {CLIENTS} clients x {CALLS} calls x {ROUNDS} rounds in {elapsed:.1f} s; "
        f"server VmRSS after warm-up and each round (MB): {[round(r / 1024, 1) for r in rss]}\n"
    )
    assert growth_kb < RSS_GROWTH_MB * 1024, f"server memory grew {growth_kb / 1024:.1f} MB: {rss}"
    suite_counts["load: concurrent clients"] = CLIENTS
    suite_counts["load: tool calls"] = len(done)
    suite_counts["load: errors"] = len(errors)
    suite_counts["load: server RSS growth KB"] = growth_kb
