"""get_task and list_tasks: the ledger view of paid work."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pixapi_mcp.config import Settings
from tests.server_harness import harness, structured, text_of

pytestmark = pytest.mark.anyio


async def test_unknown_task_id_leaves_no_ledger_row(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool("get_task", {"task_id": "task_not_real"})
        assert result.is_error and "category: not_found" in text_of(result)
        assert structured(await client.call_tool("list_tasks", {}))["tasks"] == []
