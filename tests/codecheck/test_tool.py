"""The ``check_code`` MCP tool on a server of its own, in both protocol eras: its answers, its
errors, and its ``tools/list`` entry, which must match the committed schema snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.server import MCPServer
from mcp_types import TextContent

from pixapi_mcp.codecheck.tool import register_check_code

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
LLMS = ROOT / "llms"
SNAPSHOT = ROOT / "tests" / "snapshots" / "tools.json"
MODES = ["auto", "legacy"]


@pytest.fixture
def server() -> MCPServer[Any]:
    mcp: MCPServer[Any] = MCPServer("test")
    register_check_code(mcp)
    return mcp


def tool_text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


@pytest.mark.parametrize("mode", MODES)
async def test_check_code_tool(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        body = '// POST /v1/videos/generations\n{"model": "nano-banana", "prompt": "x", "seconds": 8}'
        result = await client.call_tool("check_code", {"code": body})
        assert not result.is_error
        data = result.structured_content
        assert data is not None and data["language"] == "json" and data["ok"] is False
        rules = {f["rule_id"] for f in data["findings"]}
        assert rules == {"video-async-only", "image-model-on-video-endpoint", "duration-field"}
        for finding in data["findings"]:
            assert finding["docs_uri"].startswith("pixapi://docs/")
            assert finding["line"] >= 1 and finding["fix"] and finding["message"]
        assert "3 findings" in data["summary"]
        recipe = (LLMS / "pages" / "recipe-python.md").read_text(encoding="utf-8")
        program = recipe.split("```python\n", 1)[1].split("```", 1)[0]
        clean = await client.call_tool("check_code", {"code": program, "language": "python"})
        assert clean.structured_content is not None and clean.structured_content["ok"] is True
        assert clean.structured_content["language"] == "python"
        for bad in (
            {"code": "x", "language": "cobol"},
            {"code": '{"model": ', "language": "json"},
            {"code": " \n"},
        ):
            failed = await client.call_tool("check_code", bad)
            assert failed.is_error, bad
            assert tool_text(failed)


@pytest.mark.parametrize("mode", MODES)
async def test_tool_is_described_read_only_and_flat(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {"check_code"}
    tool = tools["check_code"]
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True
    assert tool.annotations.destructive_hint is False
    assert tool.annotations.idempotent_hint is True
    assert tool.annotations.open_world_hint is False
    assert tool.description and "Free" in tool.description and "Next" in tool.description
    assert tool.input_schema.get("type") == "object"
    assert not {"anyOf", "oneOf", "allOf"} & set(tool.input_schema)
    assert tool.output_schema is not None
    assert tool.input_schema["required"] == ["code"]
    assert tool.input_schema["properties"]["code"]["maxLength"] == 200_000


async def test_listing_matches_the_schema_snapshot(server: MCPServer[Any]) -> None:
    """The same dump as tests/test_schemas.py, for this tool alone: wherever the server registers
    it from, its schema stays the committed one."""
    async with Client(server) as client:
        (tool,) = (await client.list_tools()).tools
    entry = tool.model_dump(
        mode="json",
        by_alias=True,
        exclude_none=True,
        include={"name", "title", "description", "input_schema", "output_schema", "annotations"},
    )
    snapshot = {t["name"]: t for t in json.loads(SNAPSHOT.read_text(encoding="utf-8"))}
    assert json.dumps(entry, indent=2, sort_keys=True) == json.dumps(
        snapshot["check_code"], indent=2, sort_keys=True
    )


# -- off the event loop, within a time budget ---------------------------------------------------


async def test_other_sessions_are_answered_while_a_check_runs(make_settings: Any) -> None:
    """check_code runs in a worker thread: while one session's check holds that thread, another
    session's search_docs is answered. The runner below is the real check, held until the other
    call has come back; were the check on the event loop, search_docs could not answer and
    fail_after would end the test."""
    import threading

    import anyio

    from pixapi_mcp.codecheck.tool import run_check
    from pixapi_mcp.docs.server import register_docs
    from tests.codecheck.samples import PYTHON

    started, release = anyio.Event(), threading.Event()

    def held_check(code: str, language: str | None, deadline: float | None) -> Any:
        anyio.from_thread.run_sync(started.set)  # from the worker thread: the check has begun
        release.wait(timeout=30)
        return run_check(code, language, deadline)

    mcp: MCPServer[Any] = MCPServer("test")
    register_docs(mcp, make_settings())
    register_check_code(mcp, runner=held_check)
    large = (PYTHON * (150_000 // len(PYTHON)))[:150_000]
    results: dict[str, Any] = {}
    found: Any = None
    async with Client(mcp) as checker, Client(mcp) as searcher:

        async def check() -> None:
            results["check"] = await checker.call_tool("check_code", {"code": large, "language": "python"})

        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                group.start_soon(check)
                await started.wait()  # the worker thread has the check, and holds it
                with anyio.fail_after(20):
                    found = await searcher.call_tool("search_docs", {"query": "poll a video task"})
                results["check_done_first"] = "check" in results
                release.set()
    assert not found.is_error and found.structured_content is not None
    assert results["check_done_first"] is False, "search_docs waited for the check"
    checked = results["check"]
    assert not checked.is_error and checked.structured_content is not None
    assert checked.structured_content["ok"] is True  # the template repeated is still clean


@pytest.mark.parametrize("mode", MODES)
async def test_a_check_past_its_budget_is_a_clear_error(mode: str) -> None:
    from tests.codecheck.samples import NODE

    mcp: MCPServer[Any] = MCPServer("test")
    register_check_code(mcp, budget_s=0.0)
    async with Client(mcp, mode=mode) as client:
        result = await client.call_tool("check_code", {"code": NODE, "language": "node"})
    assert result.is_error
    text = tool_text(result)
    assert "budget" in text and "category: too_large" in text and "fix:" in text


async def test_input_that_is_not_code_is_refused_quickly() -> None:
    """A run of 100,000 quotes sends tree-sitter's error recovery into seconds of work: the parse is
    cancelled at what the input's size allows and the tool refuses the input with the fix, instead
    of holding a worker thread; thousands of stray braces are read quickly (nothing to find)."""
    import anyio

    mcp: MCPServer[Any] = MCPServer("test")
    register_check_code(mcp)
    async with Client(mcp) as client:
        with anyio.fail_after(30):
            quotes = await client.call_tool("check_code", {"code": '"' * 100_000, "language": "node"})
            braces = await client.call_tool(
                "check_code", {"code": "<?php\n" + "{" * 100_000, "language": "php"}
            )
    assert quotes.is_error
    assert "could not be read as node code" in tool_text(quotes)
    assert not braces.is_error and braces.structured_content is not None
    assert braces.structured_content["ok"] is True
