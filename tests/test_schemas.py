"""Tool schemas are public API: they are snapshotted, and any drift fails until the snapshot is
regenerated on purpose with ``PIXAPI_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_schemas.py``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from pixapi_mcp.config import Settings
from pixapi_mcp.server import build_server

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools.json"


async def _tool_listing(settings: Settings) -> list[dict[str, Any]]:
    async with Client(build_server(settings)) as client:
        tools = (await client.list_tools()).tools
    return [
        tool.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            include={"name", "title", "description", "input_schema", "output_schema", "annotations", "meta"},
        )
        for tool in sorted(tools, key=lambda t: t.name)
    ]


@pytest.mark.anyio
async def test_tool_schemas_match_snapshot(make_settings: Callable[..., Settings]) -> None:
    listing = await _tool_listing(make_settings(sandbox=True))
    rendered = json.dumps(listing, indent=2, sort_keys=True) + "\n"
    if os.environ.get("PIXAPI_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    assert SNAPSHOT.exists(), "no snapshot: run with PIXAPI_UPDATE_SNAPSHOTS=1 once"
    assert rendered == SNAPSHOT.read_text(encoding="utf-8"), (
        "tool schemas changed: review the diff, then regenerate with PIXAPI_UPDATE_SNAPSHOTS=1"
    )
