"""list_models: the live list merged with the catalog, and the catalog alone offline."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx2
import pytest
from mcp.client import Client

from pixapi_mcp.config import Settings
from pixapi_mcp.server import build_server
from tests.server_harness import harness, structured
from tests.tools import NoWait

pytestmark = pytest.mark.anyio


async def test_list_models_merges_live_and_catalog(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        out = structured(await client.call_tool("list_models", {}))
        assert out["source"] == "live+catalog"
        by_id = {m["id"]: m for m in out["data"]}
        assert by_id["gemini-2.5-flash-image"]["aliases"] == ["nano-banana"]
        assert by_id["gemini-2.5-flash-image"]["credits_from"] == 2.0
        assert by_id["veo"]["category"] == "video" and by_id["veo"]["live"] is True


async def test_list_models_answers_offline_from_catalog(make_settings: Callable[..., Settings]) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("network unreachable", request=request)

    settings = make_settings({"PIXAPI_KEY": "sk-x"})
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(refuse)) as http:
        server = build_server(settings, http, timer=NoWait())
        async with Client(server) as client:
            out = structured(await client.call_tool("list_models", {}))
    assert out["source"] == "catalog" and "could not be fetched" in out["note"]
    assert {m["id"] for m in out["data"]} >= {"gemini-2.5-flash-image", "veo", "wan", "gpt-image-2"}


async def test_a_fetched_list_is_reused_for_a_minute(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        first = structured(await client.call_tool("list_models", {}))
        second = structured(await client.call_tool("list_models", {}))
        gets = [r for r in h.sandbox.requests if r.method == "GET" and r.path == "/v1/models"]
    assert len(gets) == 1  # the second call answered from the list the first fetched
    assert second["data"] == first["data"] and second["source"] == "live+catalog"
    assert re.search(r"fetched at \d\d:\d\d:\d\d UTC; a list is reused for up to 60 s", second["note"])
