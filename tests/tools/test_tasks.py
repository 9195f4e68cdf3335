"""get_task and list_tasks: the ledger view of paid work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import Fault, SandboxConfig
from tests.server_harness import harness, structured, text_of

pytestmark = pytest.mark.anyio


async def test_unknown_task_id_leaves_no_ledger_row(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool("get_task", {"task_id": "task_not_real"})
        assert result.is_error and "category: not_found" in text_of(result)
        assert structured(await client.call_tool("list_tasks", {}))["tasks"] == []


async def test_unfinished_counts_what_may_still_produce_output(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings, SandboxConfig(video_task_seconds=600.0)) as h, h.client() as client:
        assert (
            structured(await client.call_tool("generate_image", {"prompt": "done"}))["status"] == "completed"
        )
        handle = structured(await client.call_tool("create_video", {"prompt": "slow", "wait_s": 0}))
        h.sandbox.inject(Fault(kind="drop_connection", path_prefix="/v1/async/"), times=1)
        cut = await client.call_tool("generate_image", {"prompt": "cut off"})
        assert cut.is_error and "not resent" in text_of(cut)
        listed = structured(await client.call_tool("list_tasks", {}))
        by_prompt = {t["prompt"]: t for t in listed["tasks"]}
        assert by_prompt["done"]["status"] == "completed"
        assert by_prompt["slow"]["status"] in ("submitted", "processing")
        assert by_prompt["slow"]["next_call"] == handle["next_call"]
        assert by_prompt["slow"]["next_call"]["arguments"]["task_id"] == handle["id"]
        assert f"get_task(task_id={handle['id']!r}" in by_prompt["slow"]["next_step"]
        assert by_prompt["cut off"]["next_call"] is None and by_prompt["done"]["next_call"] is None
        assert (
            by_prompt["cut off"]["status"] == "unknown" and "dashboard" in by_prompt["cut off"]["next_step"]
        )
        assert listed["unfinished"] == 2
        only = structured(await client.call_tool("list_tasks", {"unfinished_only": True}))
        assert sorted(t["prompt"] for t in only["tasks"]) == ["cut off", "slow"] and only["unfinished"] == 2


async def test_get_task_never_deletes_a_saved_output_the_user_changed(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings) as h, h.client() as client:
        made = structured(await client.call_tool("generate_image", {"prompt": "keep my edits"}))
        saved = Path(made["data"][0]["path"])
        saved.write_text("my notes, written over the image")  # the user's file now, not an image
        downloads = len([r for r in h.sandbox.requests if r.path.startswith("/files/")])

        again = await client.call_tool("get_task", {"task_id": made["id"]})
        data = structured(again)
        assert saved.read_text() == "my notes, written over the image"  # left exactly as it was
        [out] = data["data"] if data.get("data") else data["result"]["data"]
        assert out["path"] == str(saved) and "changed since it was saved" in out["preview_note"]
        assert "Pixapi returned" not in text_of(again) and "Pixapi returned" not in str(data)
        assert len([r for r in h.sandbox.requests if r.path.startswith("/files/")]) == downloads
        rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert rows[0]["paths"] == [str(saved)]


async def test_polling_a_placed_task_does_not_ask_the_host_for_roots(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """On 2026-07-28 a roots question is a round trip of its own (input required, then the
    client's retry). get_task asks it only when the call may choose the folder: not for a task
    whose ledger row already names it, unless output_dir is given."""
    from mcp.client import Client
    from mcp_types import ListRootsResult, Root
    from pydantic import FileUrl

    from pixapi_mcp.server import build_server

    workspace = tmp_path / "project"
    workspace.mkdir()
    asked: list[int] = []

    async def roots(context: object) -> ListRootsResult:
        asked.append(1)
        return ListRootsResult(roots=[Root(uri=FileUrl(workspace.as_uri()))])

    async with harness(make_settings, SandboxConfig(video_task_seconds=600.0)) as h:
        server = build_server(h.settings, h.http, timer=h.timer)
        async with Client(server, list_roots_callback=roots) as client:  # the 2026-07-28 protocol
            video = structured(await client.call_tool("create_video", {"prompt": "slow", "wait_s": 0}))
            assert len(asked) == 1  # the submission chose the folder
            for _ in range(3):
                polled = structured(await client.call_tool("get_task", {"task_id": video["id"], "wait_s": 0}))
                assert polled["status"] in ("submitted", "processing")
            assert len(asked) == 1
            other = workspace / "elsewhere"
            await client.call_tool(
                "get_task", {"task_id": video["id"], "wait_s": 0, "output_dir": str(other)}
            )
            assert len(asked) == 2  # output_dir given: the roots bound where it may be
            await client.call_tool("get_task", {"task_id": "task_not_real", "wait_s": 0})
            assert len(asked) == 3  # no row: the call would choose the folder
