"""The app as a host sees it: the extension advertised, the ``ui://`` resource (MIME type, CSP,
border), the tools bound to it, and results that change only for hosts that negotiated the app."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp_types import TextResourceContents

from pixapi_mcp.app import APP_META, APP_URI, BOUND_TOOLS
from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import SandboxConfig
from pixapi_mcp.tool_result import TEXT_LIMIT
from tests.app.conftest import MODES, AppsHost, app_client, app_facts, images_in
from tests.conftest import CANARY_KEY
from tests.server_harness import ALL_TOOLS, PAID_TOOLS, harness, structured, text_of
from tests.test_http import TOKEN, sandboxed_app, serving

pytestmark = pytest.mark.anyio

# The spec's shape of `_meta.ui` on the resource: exactly the one documented output origin, no
# network (connectDomains), no frames, no permissions.
EXPECTED_RESOURCE_UI = {"csp": {"resourceDomains": ["https://cdn.pixapi.ai"]}, "prefersBorder": True}


@pytest.mark.parametrize("mode", MODES)
async def test_the_ui_resource_is_listed_and_read_with_its_mime_type_and_csp(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    async with harness(make_settings) as h, app_client(h, mode) as client:
        if mode == "auto":  # the SDK advertises extensions on the protocol era that has them
            assert EXTENSION_ID in (client.server_capabilities.extensions or {})
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        assert listed[APP_URI].mime_type == APP_MIME_TYPE
        contents = (await client.read_resource(APP_URI)).contents
        assert len(contents) == 1
        page = contents[0]
        assert isinstance(page, TextResourceContents)
        assert page.mime_type == APP_MIME_TYPE
        assert page.meta == {"ui": EXPECTED_RESOURCE_UI}
        assert page.text.lower().startswith("<!doctype html>")


async def test_the_page_loads_nothing_from_the_network(make_settings: Callable[..., Settings]) -> None:
    """One self-contained document: no external script, style, font or frame (its CSP would
    block them anyway, and a host must not have to fetch anything to show it)."""
    async with harness(make_settings) as h, app_client(h) as client:
        page = (await client.read_resource(APP_URI)).contents[0]
        assert isinstance(page, TextResourceContents)
    html = page.text
    assert not re.search(r"<(script|link|iframe|img|video)\b[^>]*\b(src|href)\s*=", html, re.I)
    assert "@import" not in html
    assert html.count("<script") == 1 and '<script type="module">' in html


@pytest.mark.parametrize("read_only", [False, True])
async def test_exactly_the_media_tools_carry_the_binding_and_nothing_else(
    make_settings: Callable[..., Settings], read_only: bool
) -> None:
    async with harness(make_settings, read_only=read_only) as h, app_client(h) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    expected = ALL_TOOLS - PAID_TOOLS if read_only else ALL_TOOLS
    assert set(tools) == expected
    for name, tool in tools.items():
        if name in BOUND_TOOLS:
            # `_meta.ui.resourceUri` only: no visibility (the default, model and app, is meant),
            # no deprecated flat "ui/resourceUri" key.
            assert tool.meta == {"ui": {"resourceUri": APP_URI}}, name
        else:
            assert not (tool.meta or {}).get("ui"), name


@pytest.mark.parametrize("mode", MODES)
async def test_hosts_without_apps_get_todays_result_and_app_hosts_get_no_blobs(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    async with harness(make_settings) as h:
        async with app_client(h, mode, apps=False) as client:
            plain = await client.call_tool("generate_image", {"prompt": "a fox"})
        async with app_client(h, mode) as client:
            shown = await client.call_tool("generate_image", {"prompt": "a fox"})
    # Without the app: text, structured content and a preview image, and nothing for an app.
    assert len(images_in(plain)) == 1
    assert APP_META not in (plain.meta or {})
    # With it: the same kind of structured content and text, no preview blob, the app's facts.
    assert images_in(shown) == []
    assert len(text_of(shown)) <= TEXT_LIMIT
    assert text_of(shown).splitlines()[0] == structured(shown)["summary"]
    assert set(structured(shown)) == set(structured(plain))
    facts = app_facts(shown)
    assert facts["prompt"] == "a fox" and facts["readOnly"] is False
    assert facts["mediaDomains"] == EXPECTED_RESOURCE_UI["csp"]["resourceDomains"]
    assert facts["outputs"][0]["kind"] == "image"


async def test_free_tools_the_app_does_not_render_are_untouched(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings) as h, app_client(h) as client:
        result = await client.call_tool("list_models", {})
    assert APP_META not in (result.meta or {})


async def test_the_app_never_receives_the_api_key(make_settings: Callable[..., Settings]) -> None:
    """Neither the page nor anything a result hands the app (its `_meta`) holds the key."""
    config = SandboxConfig(keys={CANARY_KEY: 1000.0})
    async with harness(make_settings, config, env={"PIXAPI_KEY": CANARY_KEY}) as h:
        async with app_client(h) as client:
            page = (await client.read_resource(APP_URI)).contents[0]
            tools = (await client.list_tools()).tools
            made = await client.call_tool("generate_image", {"prompt": "a fox"})
            video = await client.call_tool("create_video", {"prompt": "a fox runs", "wait_s": 0})
            task = await client.call_tool("get_task", {"task_id": structured(video)["id"], "wait_s": 0})
            history = await client.call_tool("list_tasks", {})
            reads = [await client.read_resource(output["preview"]) for output in app_facts(made)["outputs"]]
        # The sandbox really was called with it: the check below is not vacuous.
        assert any(r.key == CANARY_KEY for r in h.sandbox.requests)
    seen = [
        page.model_dump_json(),
        *(t.model_dump_json() for t in tools),
        *(r.model_dump_json() for r in (made, video, task, history)),
        *(r.model_dump_json() for r in reads),
    ]
    assert all(CANARY_KEY not in text for text in seen)
    assert all(CANARY_KEY not in json.dumps(app_facts(r)) for r in (made, video, task, history))


@pytest.mark.slow
async def test_over_http_the_app_works_through_the_same_token(make_settings: Callable[..., Settings]) -> None:
    """The app only talks to the host, and the host holds the token: a client with the token
    gets the page, the app's facts and the output resources; one without gets nothing."""
    served = sandboxed_app(make_settings, {"PIXAPI_MCP_TOKEN": TOKEN})
    async with served.http, serving(served) as base:
        async with httpx2.AsyncClient(base_url=base, timeout=10.0) as raw:
            denied = await raw.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "resources/list"})
            assert denied.status_code == 401
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30.0) as http,
            Client(
                streamable_http_client(f"{base}/mcp", http_client=http), extensions=[AppsHost()]
            ) as client,
        ):
            page = (await client.read_resource(APP_URI)).contents[0]
            made = await client.call_tool("generate_image", {"prompt": "a fox"})
            preview = (await client.read_resource(app_facts(made)["outputs"][0]["preview"])).contents[0]
    assert isinstance(page, TextResourceContents) and page.mime_type == APP_MIME_TYPE
    assert images_in(made) == [] and preview.mime_type == "image/jpeg"
