"""Registration: truthful annotations on every tool, and --read-only leaves the paid tools out."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pixapi_mcp.config import Settings
from tests.server_harness import ALL_TOOLS, PAID_TOOLS, harness

pytestmark = pytest.mark.anyio


async def test_annotations_are_truthful(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == ALL_TOOLS
    for name, tool in tools.items():
        ann = tool.annotations
        assert ann is not None, name
        assert tool.description and len(tool.description) > 80, name
        assert tool.output_schema is not None, name
        assert "anyOf" not in tool.input_schema and "oneOf" not in tool.input_schema, name
        if name in PAID_TOOLS:
            assert (
                ann.read_only_hint is False and ann.idempotent_hint is False and ann.open_world_hint is True
            )
        else:
            assert ann.read_only_hint is True, name


async def test_read_only_registers_no_paid_tools(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings, read_only=True) as h, h.client() as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert not names & PAID_TOOLS and "get_task" in names
        result = await client.call_tool("generate_image", {"prompt": "p"})
        assert result.is_error
