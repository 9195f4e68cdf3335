"""The real thing: ``pixapi-mcp serve`` as a subprocess, driven over stdio by the SDK's client."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import ImageContent
from PIL import Image

from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, running_sandbox
from tests.server_harness import structured, subprocess_env

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@asynccontextmanager
async def stdio_client(env: dict[str, str], *args: str) -> AsyncIterator[Client]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "pixapi_mcp", "serve", *args], env=env)
    async with Client(params, mode="legacy") as client:
        yield client


# Short sandbox tasks: the workflow still goes through async tasks, polls and progress, without
# waiting on the sandbox's real 3 s / 8 s clocks.
FAST_TASKS = {"PIXAPI_SANDBOX_IMAGE_TASK_S": "0.5", "PIXAPI_SANDBOX_VIDEO_TASK_S": "1"}


async def test_stdio_workflow_on_the_sandbox(tmp_path: Path) -> None:
    with anyio.fail_after(120):
        async with stdio_client(subprocess_env(tmp_path, **FAST_TASKS), "--sandbox") as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            assert {"generate_image", "edit_image", "create_video", "get_task"} <= tools

            result = await client.call_tool("generate_image", {"prompt": "a lighthouse at dusk"})
            gen = structured(result)
            path = Path(gen["data"][0]["path"])
            with Image.open(path) as img:
                img.verify()
            preview = next(b for b in result.content if isinstance(b, ImageContent))
            assert len(preview.data) < 300_000

            edit = structured(
                await client.call_tool("edit_image", {"prompt": "add stars", "image": str(path)})
            )
            assert Path(edit["data"][0]["path"]).is_file()

            video = structured(
                await client.call_tool(
                    "create_video", {"prompt": "waves", "input_image": edit["data"][0]["url"], "wait_s": 0}
                )
            )
            final: dict[str, Any] = video
            for _ in range(10):
                if final["status"] == "completed":
                    break
                final = structured(await client.call_tool("get_task", {"task_id": video["id"], "wait_s": 30}))
            assert final["status"] == "completed"
            assert Path(final["result"]["data"][0]["path"]).read_bytes()[:4] == b"RIFF"


def _children_running(module: str) -> list[int]:
    """PIDs of this process's children whose command line mentions ``module`` (Linux /proc)."""
    pids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and module in cmdline:
            pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc to find the server")
async def test_killed_server_loses_no_task(tmp_path: Path) -> None:
    # A manual clock: the task cannot finish before the kill, and finishes after it when told to.
    clock = ManualClock()
    config = SandboxConfig(clock=clock, video_task_seconds=5.0)
    with running_sandbox(config) as sandbox, anyio.fail_after(90):
        env = subprocess_env(tmp_path, PIXAPI_KEY=SANDBOX_KEY, PIXAPI_BASE_URL=sandbox.base_url)
        task_id: str | None = None
        async with stdio_client(env) as client:
            got_progress = anyio.Event()

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                got_progress.set()

            async def call() -> None:
                await client.call_tool(
                    "create_video", {"prompt": "kill me", "wait_s": 30}, progress_callback=on_progress
                )

            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                await got_progress.wait()  # submitted and waiting: now kill the server hard
                pids = _children_running("pixapi_mcp")
                assert len(pids) == 1
                os.kill(pids[0], signal.SIGKILL)
                tg.cancel_scope.cancel()
        posts = [r for r in sandbox.state.requests if r.method == "POST"]
        assert len(posts) == 1
        clock.advance(config.video_task_seconds)  # the task completed while no server was running

        async with stdio_client(env) as client:
            rows = structured(await client.call_tool("list_tasks", {"unfinished_only": True}))["tasks"]
            assert len(rows) == 1 and rows[0]["id"]
            task_id = rows[0]["id"]
            done: dict[str, Any] = {}
            for _ in range(5):
                done = structured(await client.call_tool("get_task", {"task_id": task_id, "wait_s": 30}))
                if done["status"] == "completed":
                    break
            assert done["status"] == "completed"
            assert Path(done["result"]["data"][0]["path"]).is_file()
        assert len([r for r in sandbox.state.requests if r.method == "POST"]) == 1


# -- malformed lines get the JSON-RPC error the spec requires ------------------------------------

# (line sent, expected error code, expected id). The SDK's stdio layer answered none of these: a
# client waiting on ids 1-3 waited forever.
MALFORMED_LINES: list[tuple[bytes, int, int | str | None]] = [
    (b"this is not json", -32700, None),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": []}', -32602, 1),
    (b'{"jsonrpc": "1.0", "id": 2, "method": "tools/list"}', -32600, 2),
    (
        b'{"jsonrpc": "2.0", "id": "three", "method": "tools/call", '
        b'"params": {"name": "search_docs", "arguments": {"query": "\\ud800 video"}}}',
        -32602,
        "three",
    ),
    (b'{"jsonrpc": "2.0", "id": 4.5, "method": "ping"}', -32600, None),
    (b'{"jsonrpc": "2.0", "id": true, "method": "ping"}', -32600, None),
    (b'{"jsonrpc": "2.0", "id": 5, "method": 7}', -32600, 5),
    (b"[1, 2]", -32600, None),
    (b'{"jsonrpc": "2.0", "id": 6, "method": "ping", "params": "x"}', -32600, 6),
    (b'{"jsonrpc": "2.0", "id": 7, "method": "tools/li', -32700, None),
]


async def test_malformed_stdio_lines_get_json_rpc_errors_and_the_server_keeps_serving(
    tmp_path: Path,
) -> None:
    """Raw lines on a real ``serve --sandbox`` process: every malformed one is answered on stdout
    with its JSON-RPC error (its id when one can be read), nothing else; a malformed notification
    is not answered; valid requests before and after are served as usual."""
    stderr_path = tmp_path / "stderr.log"
    command = [sys.executable, "-m", "pixapi_mcp", "serve", "--sandbox"]
    with stderr_path.open("wb") as errlog:
        process = await anyio.open_process(command, env=subprocess_env(tmp_path), stderr=errlog)
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, BufferedByteReceiveStream(process.stdout)

    async def send(line: bytes) -> None:
        await stdin.send(line + b"\n")

    async def answer() -> dict[str, Any]:
        with anyio.fail_after(20):
            return json.loads(await stdout.receive_until(b"\n", 1_000_000))

    try:
        init = {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "1"},
        }
        await send(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": init}).encode())
        assert (await answer())["id"] == 0
        await send(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}')
        for line, code, expected_id in MALFORMED_LINES:
            await send(line)
            got = await answer()
            assert got["jsonrpc"] == "2.0" and "id" in got and got["id"] == expected_id, (line, got)
            assert got["error"]["code"] == code, (line, got)
            assert "result" not in got
        # A malformed notification gets no answer: the next line read answers the ping after it.
        await send(b'{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": [1]}')
        await send(b"")  # a blank line is no message
        await send(b'{"jsonrpc": "2.0", "id": 8, "method": "ping"}')
        assert await answer() == {"jsonrpc": "2.0", "id": 8, "result": {}}
        await send(
            b'{"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "search_docs", "arguments": {"query": "video"}}}'
        )
        served = await answer()
        assert served["id"] == 9 and served["result"]["isError"] is False
    finally:
        await stdin.aclose()
        with anyio.fail_after(20):
            code = await process.wait()
    assert code == 0
    log = stderr_path.read_text()
    assert log.count("refused a stdio message") == len(MALFORMED_LINES) + 1
    assert "ud800 video" not in log  # lines are never echoed into the log
