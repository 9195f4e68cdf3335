"""Serving the real HTTP app behind each identity mode for the auth tests: the stand-in issuer on
loopback, the MCP server on loopback (``tests.test_http.serving``: uvicorn in a thread, bound to
127.0.0.1, stopped on exit), and a ``whoami`` tool that reports what tool code sees of the caller.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp.server.auth.middleware.auth_context import get_access_token

from pixapi_mcp.auth import current_caller
from pixapi_mcp.config import Settings
from pixapi_mcp.http_server import http_app
from pixapi_mcp.server import build_server
from tests.auth.idp import IdentityProvider
from tests.test_http import serving

SCOPE = "pixapi:use"


def whoami() -> dict[str, Any]:
    """What tool code sees: the caller, and the SDK's access token (a fingerprint, never the token)."""
    caller = current_caller()
    access = get_access_token()
    return {
        "id": caller.id,
        "name": caller.name,
        "admin": caller.admin,
        "team": caller.team,
        "scopes": sorted(caller.scopes),
        "access_token": access.token if access else None,
    }


@dataclass
class Served:
    base: str
    settings: Settings

    @property
    def mcp_url(self) -> str:
        return f"{self.base}/mcp"


@asynccontextmanager
async def served(
    make_settings: Callable[..., Settings], env: Callable[[int], dict[str, str]]
) -> AsyncIterator[Served]:
    """The MCP server over HTTP with ``env(port)`` added to its environment (the port is known
    only once bound: PIXAPI_MCP_PUBLIC_URL names it)."""
    holder: list[Settings] = []

    def make_app(port: int) -> Any:
        settings = make_settings(env(port), sandbox=True)
        holder.append(settings)
        server = build_server(settings, remote=True)
        server.add_tool(whoami, name="whoami", description="Who the server thinks is calling.")
        return http_app(settings, "127.0.0.1", port, server=server)

    async with serving(make_app) as base:
        yield Served(base, holder[0])


@asynccontextmanager
async def issuer() -> AsyncIterator[IdentityProvider]:
    """The stand-in identity provider, served on loopback."""
    idp = IdentityProvider()
    async with serving(idp.app):
        yield idp


@asynccontextmanager
async def oauth_served(
    make_settings: Callable[..., Settings], idp: IdentityProvider, **extra: str
) -> AsyncIterator[Served]:
    """The MCP server as an OAuth resource server for ``idp``, requiring ``SCOPE``."""

    def env(port: int) -> dict[str, str]:
        return {
            "PIXAPI_MCP_ISSUER": idp.issuer,
            "PIXAPI_MCP_PUBLIC_URL": f"http://127.0.0.1:{port}/mcp",
            "PIXAPI_MCP_SCOPES": SCOPE,
            **extra,
        }

    async with served(make_settings, env) as s:
        yield s


LIST_HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2026-07-28",
    "Mcp-Method": "tools/list",
}
LIST_BODY = (
    b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{'
    b'"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    b'"io.modelcontextprotocol/clientInfo":{"name":"raw","version":"0"},'
    b'"io.modelcontextprotocol/clientCapabilities":{}}}}'
)


async def list_tools_raw(http: httpx2.AsyncClient, url: str, token: str | None) -> httpx2.Response:
    """One raw ``tools/list`` POST, with ``token`` as the bearer token when given."""
    headers = LIST_HEADERS | ({"Authorization": f"Bearer {token}"} if token else {})
    return await http.post(url, headers=headers, content=LIST_BODY)


_PARAM = r'[a-z_]+="[^"\\]*"'


def parse_challenge(value: str) -> dict[str, str]:
    """The parameters of a ``Bearer`` challenge, checking its syntax (RFC 9110 section 11.2 with
    quoted values, RFC 6750 section 3): ``Bearer k="v", k2="v2"``."""
    assert re.fullmatch(rf"Bearer {_PARAM}(, {_PARAM})*", value), value
    pairs: list[tuple[str, str]] = re.findall(r'([a-z_]+)="([^"]*)"', value)
    names = [k for k, _ in pairs]
    assert len(names) == len(set(names)), f"a parameter repeats: {value}"  # RFC 6750: MUST NOT
    return dict(pairs)
