"""Nothing paid is lost on a bad ledger day, driven through MCP as a host would.

- The API accepted a task but the ledger file refused its id (another process holds SQLite's
  write lock): the id is in the result (structured content and text) and in the log, the
  server's own views show it, and it lands in the file once the lock is gone.
- A locked ledger stalls no other session: another session's ping and list_models keep
  answering while a paid call's writes wait for the lock (measured, bounded generously).
- A ledger that cannot be opened (garbage bytes, a folder in its place) does not stop the server:
  one log line names the file and PIXAPI_DATA_DIR, the free tools work, and the tools that need
  the ledger refuse with a configuration error naming the file and the fix — until the file is
  moved aside, which needs no restart.
- A ledger locked before the POST: nothing is sent (the row could not be written first).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import SandboxConfig
from tests.ledger_faults import (
    ProcessLock,
    after_submission,
    during_the_wait,
    file_rows,
    ledger_file,
    locking_harness,
    while_pinging,
)
from tests.server_harness import harness, structured, text_of

pytestmark = pytest.mark.anyio

# Another session's round trip while the ledger is locked. Before the fix a ping took the busy
# timeout (5 s); the target is under 100 ms; the bound is generous for a loaded test machine.
STALL_BOUND_S = 0.5


def _args(tool: str) -> dict[str, Any]:
    return {"prompt": "a lighthouse", "size": "64x64"} | ({"duration": 1} if tool == "create_video" else {})


@pytest.mark.parametrize(("tool", "mode"), [("generate_image", "auto"), ("create_video", "legacy")])
async def test_a_task_id_the_ledger_cannot_record_reaches_the_person(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture, tool: str, mode: str
) -> None:
    caplog.set_level(logging.WARNING)
    config = SandboxConfig(max_image_side=64, image_task_seconds=2.0, video_task_seconds=600.0)
    async with (
        locking_harness(make_settings, after_submission, config) as (h, lock),
        h.client(mode) as client,
    ):
        path = ledger_file(h.settings)
        with anyio.fail_after(30):
            result = await client.call_tool(tool, _args(tool))
        assert lock.held  # taken as the POST's answer came back, before the server saw it
        created = list(h.sandbox.tasks)  # the sandbox's own record of what was accepted
        assert len(created) == 1 and len(h.posts()) == 1
        task_id = created[0]

        data = structured(result)  # not an error: the work exists and is paid for
        assert data["id"] == task_id
        assert "Not in the local ledger yet" in data["summary"] and str(path) in data["summary"]
        assert task_id in data["next_step"] and task_id in text_of(result)
        logged = [r.getMessage() for r in caplog.records if task_id in r.getMessage()]
        assert logged and str(path) in logged[0] and "get_task" in logged[0]

        assert [r["task_id"] for r in file_rows(path)] == [None]  # the file truly refused it
        listed = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert [t["id"] for t in listed] == [task_id]  # the server's own view keeps it meanwhile

        lock.release()
        with anyio.fail_after(10):
            await client.call_tool("list_tasks", {})  # the next use of the ledger writes the queue
        [row] = file_rows(path)
        assert row["task_id"] == task_id and row["status"] == data["status"]
        if tool == "generate_image":
            assert row["status"] == "completed" and Path(data["data"][0]["path"]).name in row["paths"]
        assert len(h.posts()) == 1


async def test_a_locked_ledger_stalls_no_other_session(
    make_settings: Callable[..., Settings], suite_counts: dict[str, int]
) -> None:
    config = SandboxConfig(max_image_side=64, video_task_seconds=8.0)
    async with (
        locking_harness(make_settings, during_the_wait, config) as (h, lock),
        h.client() as client,
        h.client("legacy") as other,
    ):
        with anyio.fail_after(60):
            result, seen = await while_pinging(
                other, lambda: client.call_tool("create_video", _args("create_video"))
            )
        assert lock.times_held == 1
        data = structured(result)
        assert data["id"] == next(iter(h.sandbox.tasks)) and data["status"] == "completed"
        assert len(seen.seconds) >= 3, seen  # the other session was heard from during the call
        sys.stderr.write(
            f"\nother session during a locked ledger: {len(seen.seconds)} round trips, "
            f"worst {seen.worst * 1000:.1f} ms\n"
        )
        suite_counts["ledger locked: worst other-session round trip (ms)"] = round(seen.worst * 1000)
        assert seen.worst < STALL_BOUND_S, seen
        lock.release()
        await client.call_tool("list_tasks", {})
        [row] = file_rows(ledger_file(h.settings))
        assert (row["task_id"], row["status"]) == (data["id"], "completed")


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\x00" * 400)


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "notes.txt").write_text("a folder where the ledger should be")


@pytest.mark.parametrize("damage", [_garbage, _folder], ids=["garbage-bytes", "a-folder-in-its-place"])
async def test_a_broken_ledger_keeps_the_server_and_the_free_tools_up(
    make_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], None],
) -> None:
    caplog.set_level(logging.INFO)
    async with harness(make_settings) as h:
        path = ledger_file(h.settings)
        path.parent.mkdir(parents=True)
        damage(path)
        before = path.read_bytes() if path.is_file() else None
        balance = h.sandbox.balance(SANDBOX_KEY)
        with anyio.fail_after(30):
            async with h.client() as client:  # initialize succeeds
                assert len((await client.list_tools()).tools) == 8
                assert not (await client.call_tool("list_models", {})).is_error
                assert not (await client.call_tool("search_docs", {"query": "async video"})).is_error
                assert not (await client.call_tool("check_code", {"code": "print(1)"})).is_error
                for tool, args in (
                    ("generate_image", {"prompt": "p"}),
                    ("create_video", {"prompt": "p"}),
                    ("list_tasks", {}),
                    ("get_task", {"task_id": "task_1"}),
                ):
                    result = await client.call_tool(tool, args)
                    text = text_of(result)
                    assert result.is_error and "category: configuration" in text, (tool, text)
                    assert str(path) in text and "PIXAPI_DATA_DIR" in text and "move it aside" in text
                assert h.posts() == [] and h.sandbox.balance(SANDBOX_KEY) == balance

                # Moved aside: the next call opens a new ledger, no restart needed.
                path.rename(path.with_name("ledger-broken"))
                assert (
                    structured(await client.call_tool("generate_image", {"prompt": "p"}))["status"]
                    == "completed"
                )
        if before is not None:
            assert path.with_name("ledger-broken").read_bytes() == before  # left exactly as it was
    lines = [r for r in caplog.records if str(path) in r.getMessage() and r.levelno >= logging.ERROR]
    assert len(lines) == 1 and "PIXAPI_DATA_DIR" in lines[0].getMessage() and lines[0].exc_info is None
    assert "\n" not in lines[0].getMessage()


async def test_a_ledger_locked_by_another_process_before_sending_sends_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings) as h, h.client() as client:
        await client.call_tool("list_tasks", {})  # the ledger file exists
        balance = h.sandbox.balance(SANDBOX_KEY)
        holder = ProcessLock(ledger_file(h.settings))
        try:
            with anyio.fail_after(30):
                result = await client.call_tool("generate_image", {"prompt": "p"})
        finally:
            holder.release()
        text = text_of(result)
        assert result.is_error and "category: ledger_unavailable" in text and "retryable: yes" in text
        assert "Nothing was sent" in text and str(ledger_file(h.settings)) in text
        assert h.posts() == [] and h.sandbox.balance(SANDBOX_KEY) == balance
        # The lock gone, the same call goes through.
        assert structured(await client.call_tool("generate_image", {"prompt": "p"}))["status"] == "completed"
