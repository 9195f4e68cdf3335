"""Wiring: settings -> one API client, the ledger and the tools, docs and prompts on an MCPServer.

``build_server(settings, http=None)`` is what tests and the CLI both use. The lifespan owns one
long-lived ``httpx2.AsyncClient`` (or uses the injected one), so every call shares a connection
pool. With ``settings.sandbox`` and no injected client, requests go to the built-in sandbox
in-process through ``httpx2.ASGITransport``: no key, no network.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp.server import MCPServer

from pixapi_mcp import __version__
from pixapi_mcp.client import open_client
from pixapi_mcp.codecheck.tool import register_check_code
from pixapi_mcp.config import Settings
from pixapi_mcp.docs.server import register_docs
from pixapi_mcp.ledger import Ledger
from pixapi_mcp.listen import bind_listening_socket
from pixapi_mcp.tools import AppState, RealTimer, Timer, register_tools

log = logging.getLogger(__name__)

SANDBOX_BASE_URL = "http://sandbox.pixapi.local"

INSTRUCTIONS = """Pixapi media tools and docs.
- generate_image / edit_image / create_video spend credits; each returns within ~45 s. If the work is
  not finished, the result has status "processing" and an id: call get_task(task_id, wait_s) later.
  Never resubmit to "retry" a pending task: that pays twice.
- Files are saved for you (data[].path for images, result.data[].path for videos) inside the
  workspace; pass output_dir (e.g. "public/images") to choose the folder.
- Image-to-video: generate_image, then create_video(input_image=<data[0].url>).
- list_tasks shows earlier work (also from previous sessions); list_models shows models and prices.
- Writing Pixapi integration code? Use search_docs and check_code, or read pixapi://docs/llms-full.txt.
"""


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_server(
    settings: Settings,
    http: httpx2.AsyncClient | None = None,
    *,
    timer: Timer | None = None,
) -> MCPServer[AppState]:
    """The MCP server: tools (paid ones left out with ``read_only``), docs resources, prompts.

    ``http`` is the HTTP client to use (tests inject one over ``ASGITransport`` or
    ``MockTransport``); without it the lifespan makes one, pointed at the in-process sandbox when
    ``settings.sandbox`` is set. ``timer`` replaces real time for waits (tests)."""
    clock = timer or RealTimer()

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncGenerator[AppState]:
        async with AsyncExitStack() as stack:
            base_url = settings.base_url
            transport: httpx2.AsyncBaseTransport | None = None
            ledger_path = settings.ledger_path
            trusted: tuple[str, ...] = ()
            if settings.sandbox:
                ledger_path = settings.data_dir / "ledger-sandbox.sqlite3"
                if http is None:
                    base_url = SANDBOX_BASE_URL
                    transport = httpx2.ASGITransport(
                        app=LazySandboxApp(settings.sandbox_image_task_s, settings.sandbox_video_task_s)
                    )
                # The sandbox's own file URLs are trusted inputs (they live on loopback).
                trusted = (urlsplit(base_url).hostname or "",)
            # Settings -> client in one place: timeouts, key (the sandbox key in sandbox mode), pool.
            client = await stack.enter_async_context(
                open_client(settings, http, transport=transport, base_url=base_url, sleep=clock.sleep)
            )
            ledger = Ledger(ledger_path)
            stack.callback(ledger.close)
            log.info(
                "pixapi-mcp %s ready (api %s%s)",
                __version__,
                base_url,
                ", sandbox" if settings.sandbox else "",
            )
            yield AppState(
                settings=settings, client=client, ledger=ledger, timer=clock, trusted_hosts=trusted
            )

    server: MCPServer[AppState] = MCPServer(
        "pixapi",
        title="Pixapi",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://pixapi.ai",
        lifespan=lifespan,
    )
    register_tools(server, read_only=settings.read_only)
    register_docs(server, settings)
    register_check_code(server)
    return server


# -- transports ---------------------------------------------------------------------------------

ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Any]],
        Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ],
    Awaitable[None],
]


class LazySandboxApp:
    """The in-process sandbox, imported and built on its first request rather than at start-up, so
    ``serve --sandbox`` lists its tools without waiting for the sandbox's imports (its Starlette
    app, renderers and fault machinery: about 10 ms of a cold start). Its async tasks take
    ``image_task_s`` / ``video_task_s`` seconds (None: the sandbox's defaults)."""

    def __init__(self, image_task_s: float | None = None, video_task_s: float | None = None) -> None:
        self._app: ASGIApp | None = None
        self._task_seconds = (image_task_s, video_task_s)

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if self._app is None:
            # No await between the check and the assignment: concurrent first requests share one app.
            from pixapi_mcp.sandbox import SandboxConfig, create_app

            self._app = create_app(SandboxConfig().with_task_seconds(*self._task_seconds))
        await self._app(scope, receive, send)


class BearerTokenMiddleware:
    """Requires ``Authorization: Bearer <PIXAPI_MCP_TOKEN>`` on every HTTP request except ``/health``.

    Compared in constant time; the token never appears in a response or a log line."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

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
        if not hmac.compare_digest(supplied, self._expected):
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


def http_app(settings: Settings, host: str, port: int, server: MCPServer[AppState] | None = None) -> Any:
    """The streamable-HTTP ASGI app with explicit Host/Origin allow-lists, a health route and the
    bearer-token check (required off loopback, used on loopback when a token is set)."""
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    mcp_server = server or build_server(settings)

    @mcp_server.custom_route("/health", methods=["GET"])
    async def health(_: Request) -> JSONResponse:  # pyright: ignore[reportUnusedFunction]
        return JSONResponse({"status": "ok", "version": __version__, "sandbox": settings.sandbox})

    hosts = {host, f"{host}:{port}", *settings.mcp_allowed_hosts}
    if _is_loopback(host):
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


def serve(settings: Settings, *, transport: str = "stdio", host: str = "127.0.0.1", port: int = 8000) -> int:
    """Run the server until the client disconnects (stdio) or it is interrupted (http)."""
    if transport == "stdio":
        server = build_server(settings)
        anyio.run(server.run_stdio_async)
        return 0
    if not _is_loopback(host) and settings.mcp_token is None:
        log.error(
            "Refusing to serve HTTP on %s without PIXAPI_MCP_TOKEN: set a token clients must present.", host
        )
        return 2
    import uvicorn  # HTTP only: a stdio server (what hosts launch) never loads it

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
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0
