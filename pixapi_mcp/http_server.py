"""MCP over streamable HTTP: the ASGI app with Host/Origin allow-lists, a health route and the
bearer-token check, served by uvicorn on a socket bound first, with a deadline on request heads
(``http_protocol``).

Only ``pixapi-mcp serve --transport http`` imports this module, so a stdio server (what hosts
launch) never loads uvicorn or the HTTP security machinery.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse

from pixapi_mcp import __version__
from pixapi_mcp.config import Settings
from pixapi_mcp.http_protocol import uvicorn_config
from pixapi_mcp.listen import bind_listening_socket, is_loopback
from pixapi_mcp.server import ASGIApp, build_server
from pixapi_mcp.tools import AppState

log = logging.getLogger(__name__)


class BearerTokenMiddleware:
    """Requires ``Authorization: Bearer <PIXAPI_MCP_TOKEN>`` on every HTTP request except ``/health``.

    The scheme is matched in any case (``bearer``, ``BEARER``: auth schemes are case-insensitive,
    RFC 9110 section 11.1, and RFC 6750 uses that syntax); the token is compared in constant time
    and never appears in a response or a log line."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = token.encode()

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http" or scope.get("path") == "/health":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        supplied = next((v for k, v in headers if k.lower() == b"authorization"), b"")
        if not hmac.compare_digest(_bearer_token(supplied), self._expected):
            body = b'{"error": "unauthorized: send Authorization: Bearer <PIXAPI_MCP_TOKEN>"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b'Bearer realm="pixapi-mcp"'),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _bearer_token(value: bytes) -> bytes:
    """The token of a ``Bearer`` credential (scheme in any case, one or more spaces after it), or
    b"" for any other value; the comparison of the token itself is the caller's, in constant time."""
    scheme, _, token = value.strip().partition(b" ")
    return token.lstrip(b" ") if scheme.lower() == b"bearer" else b""


def http_app(settings: Settings, host: str, port: int, server: MCPServer[AppState] | None = None) -> Any:
    """The streamable-HTTP ASGI app with explicit Host/Origin allow-lists, a health route and the
    bearer-token check (required off loopback, used on loopback when a token is set). The server
    is built with ``remote=True``: a client's roots never widen what this machine's disk exposes
    (an injected ``server`` must be built so too)."""
    mcp_server = server or build_server(settings, remote=True)

    @mcp_server.custom_route("/health", methods=["GET"])
    async def health(_: Request) -> JSONResponse:  # pyright: ignore[reportUnusedFunction]
        return JSONResponse({"status": "ok", "version": __version__, "sandbox": settings.sandbox})

    hosts = {host, f"{host}:{port}", *settings.mcp_allowed_hosts}
    if is_loopback(host):
        hosts |= {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")} | {"127.0.0.1", "localhost"}
    origins = (
        {f"http://{h}" for h in hosts} | {f"https://{h}" for h in hosts} | set(settings.mcp_allowed_origins)
    )
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=sorted(hosts), allowed_origins=sorted(origins)
    )
    app: Any = mcp_server.streamable_http_app(transport_security=security, host=host)
    if settings.mcp_token is not None:
        app = BearerTokenMiddleware(app, settings.mcp_token.get_secret_value())
    return app


def serve_http(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Serve MCP over streamable HTTP on ``host:port`` until interrupted. Off loopback a token is
    required: without ``PIXAPI_MCP_TOKEN`` nothing is served (exit 2)."""
    if not is_loopback(host) and settings.mcp_token is None:
        log.error(
            "Refusing to serve HTTP on %s without PIXAPI_MCP_TOKEN: set a token clients must present.", host
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
