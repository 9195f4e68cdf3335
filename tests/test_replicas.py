"""Two replicas of the HTTP server in this process, and a client whose requests alternate between
them (what round-robin behind a load balancer does to a sessionless 2026-07-28 client).

- A spend confirmation (``Resolve`` + ``Elicit``) is two ``tools/call`` requests: the first is
  answered with the question and a sealed ``requestState``, the second carries the answer and that
  state back. With one ``PIXAPI_MCP_STATE_KEY`` on both replicas the second half, landing on the
  other replica, is opened and the image is made; with each replica's own random key it is refused
  (the control: the test can fail), and nothing is sent to the API.
- Rotation: a replica holding ``new,old`` opens state sealed by one holding only ``old``.
- A saved output is read back through ``pixapi://outputs/...`` from the replica that did not save
  it, when both share the output folder and the ledger (the replica-mode layout in the README).

The two replicas share one ledger file here; across processes they share PostgreSQL
(``tests/test_topology.py``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import BlobResourceContents, ElicitRequestParams, ElicitResult

from pixapi_mcp.config import Settings
from tests.server_harness import structured
from tests.test_http import CALL_TIMEOUT_S, SandboxedApp, sandboxed_app, serving

pytestmark = pytest.mark.anyio

# An estimate of 24 credits, above the threshold below: the call asks before sending.
PRICEY = {"prompt": "a lighthouse", "model": "nano-banana-pro", "n": 3, "size": "64x64"}
ASK_ABOVE = {"PIXAPI_CONFIRM_ABOVE_CREDITS": "15"}


class RoundRobin(httpx2.AsyncBaseTransport):
    """Sends each request to the next of ``ports`` on 127.0.0.1, in turn (its Host header follows),
    and notes which port got which JSON-RPC method."""

    def __init__(self, ports: list[int]) -> None:
        self._ports = ports
        # The index of the port the next request goes to (a test may set it).
        self.next = 0
        self._inner = httpx2.AsyncHTTPTransport()
        self.landed: list[tuple[int, str]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = self._ports[self.next % len(self._ports)]
        self.next += 1
        body = await request.aread()
        method = str(json.loads(body).get("method", "")) if body.startswith(b"{") else ""
        self.landed.append((port, method))
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"host"]
        moved = httpx2.Request(
            request.method, request.url.copy_with(port=port), headers=headers, content=body
        )
        return await self._inner.handle_async_request(moved)

    async def aclose(self) -> None:
        await self._inner.aclose()


class Yes:
    """Confirms every spend question, counting them."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked += 1
        return ElicitResult(action="accept", content={"confirm": True})


@asynccontextmanager
async def replicas(*apps: SandboxedApp) -> AsyncIterator[list[int]]:
    """Serve each app on its own port; yields the ports."""
    async with AsyncExitStack() as stack:
        urls = [await stack.enter_async_context(serving(app)) for app in apps]
        yield [int(url.rsplit(":", 1)[1]) for url in urls]


@asynccontextmanager
async def alternating_client(
    ports: list[int], *, mode: str = "auto", elicitation: Any = None
) -> AsyncIterator[tuple[Client, RoundRobin]]:
    transport = RoundRobin(ports)
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(
            httpx2.AsyncClient(transport=transport, timeout=httpx2.Timeout(30.0, read=CALL_TIMEOUT_S))
        )
        stream = streamable_http_client(f"http://127.0.0.1:{ports[0]}/mcp", http_client=http)
        client = await stack.enter_async_context(Client(stream, mode=mode, elicitation_callback=elicitation))  # pyright: ignore[reportArgumentType]
        yield client, transport


def twin(first: SandboxedApp, env: dict[str, str], make_settings: Callable[..., Settings]) -> SandboxedApp:
    """A second replica on the same sandbox, clock and folders, with ``env`` as its own variables."""
    settings = make_settings(
        {**env, "PIXAPI_KEY": "sk-sandbox", "PIXAPI_BASE_URL": "http://sandbox.test"}, sandbox=True
    )
    return SandboxedApp(settings, first.sandbox, first.timer, first.http)


def _key() -> str:
    return secrets.token_hex(32)


def _paid_posts(app: SandboxedApp) -> int:
    return sum(1 for r in app.sandbox.requests if r.method == "POST")


@pytest.mark.parametrize("shared", [True, False], ids=["one-key", "own-keys"])
async def test_confirmation_whose_halves_land_on_different_replicas(
    make_settings: Callable[..., Settings], shared: bool
) -> None:
    key = _key()
    env_a = {**ASK_ABOVE, "PIXAPI_MCP_STATE_KEY": key} if shared else dict(ASK_ABOVE)
    env_b = {**ASK_ABOVE, "PIXAPI_MCP_STATE_KEY": key} if shared else dict(ASK_ABOVE)
    a = sandboxed_app(make_settings, env_a)
    b = twin(a, env_b, make_settings)
    yes = Yes()
    async with replicas(a, b) as ports, alternating_client(ports, elicitation=yes) as (client, rr):
        rr.landed.clear()
        with anyio.fail_after(CALL_TIMEOUT_S):
            if shared:
                result = await client.call_tool("generate_image", PRICEY)
                assert structured(result)["status"] == "completed"
            else:
                with pytest.raises(MCPError, match="Invalid or expired requestState"):
                    await client.call_tool("generate_image", PRICEY)
        calls = [port for port, method in rr.landed if method == "tools/call"]
        # The question came from one replica, the answer went to the other.
        assert len(calls) == 2 and calls[0] != calls[1], rr.landed
        assert yes.asked == 1
        assert _paid_posts(a) == (1 if shared else 0)
    await a.http.aclose()


async def test_rotation_mid_rollout_opens_state_either_way(make_settings: Callable[..., Settings]) -> None:
    """Rotation as the README walks it: every replica first gets ``old,new`` (old still seals), then
    ``new,old`` one by one. Mid-rollout one replica seals with ``old``, the other with ``new``, and
    each opens what the other sealed."""
    old, new = _key(), _key()
    a = sandboxed_app(make_settings, {**ASK_ABOVE, "PIXAPI_MCP_STATE_KEY": f"{old},{new}"})
    b = twin(a, {**ASK_ABOVE, "PIXAPI_MCP_STATE_KEY": f"{new},{old}"}, make_settings)
    yes = Yes()
    orders: set[tuple[int, ...]] = set()
    async with replicas(a, b) as ports, alternating_client(ports, elicitation=yes) as (client, rr):
        for start in (0, 1):
            rr.landed.clear()
            rr.next = start
            with anyio.fail_after(CALL_TIMEOUT_S):
                result = await client.call_tool("generate_image", PRICEY)
            assert structured(result)["status"] == "completed"
            orders.add(tuple(p for p, m in rr.landed if m == "tools/call"))
    # Both directions were exercised: a sealed / b opened, and b sealed / a opened.
    assert orders == {tuple(ports), tuple(reversed(ports))}, orders
    assert _paid_posts(a) == 2 and yes.asked == 2
    await a.http.aclose()


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_saved_output_read_back_through_the_other_replica(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    """One shared output folder and ledger: what one replica saved, the other serves as a resource.
    (``legacy`` clients keep a session, so they go to one replica; here the read goes to another.)"""
    env = {"PIXAPI_MCP_STATE_KEY": _key()}
    a = sandboxed_app(make_settings, env)
    b = twin(a, env, make_settings)
    async with replicas(a, b) as ports:
        async with alternating_client(ports[:1], mode=mode) as (client, _):
            with anyio.fail_after(CALL_TIMEOUT_S):
                made = structured(await client.call_tool("generate_image", {"prompt": "p", "size": "64x64"}))
        ledger_id = made["ledger_id"]
        async with alternating_client(ports[1:], mode=mode) as (client, rr):
            with anyio.fail_after(CALL_TIMEOUT_S):
                read = await client.read_resource(f"pixapi://outputs/{ledger_id}/0/preview.jpg")
        assert {p for p, _ in rr.landed} == {ports[1]}
        blob = read.contents[0]
        assert isinstance(blob, BlobResourceContents) and blob.mime_type == "image/jpeg"
    await a.http.aclose()
