"""MCP over streamable HTTP: the ASGI app with Host/Origin allow-lists, a health route and the
identity check (``pixapi_mcp.auth.http``: OAuth, named tokens or the shared token), served by uvicorn on a socket bound first, with a deadline on request heads
(``http_protocol``).

Only ``pixapi-mcp serve --transport http`` imports this module, so a stdio server (what hosts
launch) never loads uvicorn or the HTTP security machinery.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse

from pixapi_mcp import __version__
from pixapi_mcp.auth.http import auth_mode, protect
from pixapi_mcp.config import Settings
from pixapi_mcp.http_protocol import uvicorn_config
from pixapi_mcp.listen import bind_listening_socket, is_loopback
from pixapi_mcp.server import build_server
from pixapi_mcp.tools import AppState

log = logging.getLogger(__name__)


def http_app(settings: Settings, host: str, port: int, server: MCPServer[AppState] | None = None) -> Any:
    """The streamable-HTTP ASGI app with explicit Host/Origin allow-lists, a health route and the
    identity check (required off loopback, used on loopback when one is configured). The server
    is built with ``remote=True``: a client's roots never widen what this machine's disk exposes
    (an injected ``server`` must be built so too)."""
    mcp_server = server or build_server(settings, remote=True)

    @mcp_server.custom_route("/health", methods=["GET"])
    async def health(_: Request) -> JSONResponse:  # pyright: ignore[reportUnusedFunction]
        return JSONResponse({"status": "ok", "version": __version__, "sandbox": settings.sandbox})

    hosts = {host, f"{host}:{port}", *settings.mcp_allowed_hosts}
    if settings.mcp_public_url:  # the name clients reach this server by is an allowed Host
        hosts.add(urlsplit(settings.mcp_public_url).netloc)
    if is_loopback(host):
        hosts |= {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")} | {"127.0.0.1", "localhost"}
    origins = (
        {f"http://{h}" for h in hosts} | {f"https://{h}" for h in hosts} | set(settings.mcp_allowed_origins)
    )
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=sorted(hosts), allowed_origins=sorted(origins)
    )
    app: Any = mcp_server.streamable_http_app(transport_security=security, host=host)
    return protect(app, settings)


def serve_http(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Serve MCP over streamable HTTP on ``host:port`` until interrupted. Off loopback a token is
    required: without ``PIXAPI_MCP_TOKEN`` nothing is served (exit 2)."""
    if not is_loopback(host) and auth_mode(settings) == "none":
        log.error(
            "Refusing to serve HTTP on %s without identity: set PIXAPI_MCP_TOKEN, create named tokens "
            "(pixapi-mcp token create NAME) or configure OAuth (PIXAPI_MCP_ISSUER, PIXAPI_MCP_PUBLIC_URL).",
            host,
        )
        return 2
    # Bind first, so the Host allow-list and the logged URL carry the real port (with --port 0 the
    # system picks one; building the list from "0" would refuse every request).
    try:
        sock = bind_listening_socket(host, port)
    except OSError as exc:
        log.error("Cannot listen on %s port %s: %s", host, port, exc.strerror or exc)
        return 1
    port = int(sock.getsockname()[1])
    app = http_app(settings, host, port)
    shown = f"[{host}]" if ":" in host else host
    log.info("serving MCP over HTTP at http://%s:%s/mcp", shown, port)
    # uvicorn's h11 protocol with a deadline on each request head: uvicorn has no header timeout.
    config = uvicorn_config(app, log_level="warning", timeout_graceful_shutdown=5)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0
