"""The test host itself, checked with a hand-written probe app: it must speak the spec's messages
and confine an app the way web hosts do, or the app tests beside it would prove nothing.

The probe (host/probe_app.html) uses no library: raw ui/initialize, the initialized notification,
tools/call and resources/read over postMessage. Through the real server and the relay it must get
the host's answer, the tool input and result, a tool result and a docs page; and inside the inner
iframe it must have an opaque origin, no access to the host page, no storage and no network.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.app_browser.conftest import TOKEN, Host
from tests.app_browser.relay import HOST_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def app_frame(page: Any, card: int) -> Any:
    """The inner iframe (the app) of conversation card ``card``: Playwright reaches it across origins."""
    outer = page.locator(f"iframe.app-frame[data-card='{card}']").element_handle(timeout=15_000)
    proxy = outer.content_frame()
    proxy.wait_for_selector("iframe", state="attached", timeout=15_000)
    return proxy.child_frames[0]


def test_the_host_page_speaks_the_spec_and_confines_the_app(page: Any, host: Host) -> None:
    probe = (HOST_DIR / "probe_app.html").read_text()
    page.evaluate("([html]) => pixapiHost.runTool('list_tasks', {limit: 3}, html)", [probe])
    app = app_frame(page, 0)
    app.wait_for_function(
        "() => JSON.parse(document.getElementById('probe').textContent).done === true", timeout=20_000
    )
    seen = json.loads(app.locator("#probe").text_content())

    init = seen["init"]
    assert init["protocolVersion"] == "2026-01-26"
    assert init["hostInfo"]["name"] == "pixapi-mcp-test-host"
    assert {"serverTools", "serverResources"} <= set(init["hostCapabilities"])
    assert seen["toolInput"] == {"arguments": {"limit": 3}}
    assert "content" in seen["toolResult"]
    assert seen["callIsError"] is False
    assert seen["readChars"] > 1000
    # Confinement: an opaque origin, no reach into the host page, no storage, no network.
    assert seen["origin"] == "null"
    assert seen["parentReadable"] is False
    assert seen["storage"] is False
    assert seen["fetchAllowed"] is False

    # The host relayed the probe's call to the real server; nothing that crossed into the frame
    # carries the MCP token or the sandbox's API key.
    assert [c["name"] for c in host.relay.calls] == ["list_tasks", "list_tasks"]
    proxy = page.locator("iframe.app-frame[data-card='0']").element_handle().content_frame()
    relayed = json.dumps(proxy.evaluate("() => window.__relayed"))
    assert TOKEN not in relayed and "sk-sandbox" not in relayed
