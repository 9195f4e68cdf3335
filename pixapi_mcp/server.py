"""Wiring: settings -> one API client, the ledger and the tools, docs and prompts on an MCPServer.

``build_server(settings, http=None)`` is what tests and the CLI both use. The lifespan owns one
long-lived ``httpx2.AsyncClient`` (or uses the injected one), so every call shares a connection
pool. With ``settings.sandbox`` and no injected client, requests go to the built-in sandbox
in-process through ``httpx2.ASGITransport`` with the sandbox's own key: no network, and a
``PIXAPI_KEY`` in the environment is never sent anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp.server import MCPServer
from mcp.server.request_state import RequestStateSecurity

from pixapi_mcp import __version__
from pixapi_mcp.app import PixapiApp, register_outputs, tool_meta
from pixapi_mcp.client import InputNetwork, open_client
from pixapi_mcp.codecheck.tool import register_check_code
from pixapi_mcp.config import KEY_FIX, Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.docs.server import register_docs
from pixapi_mcp.ledger import ledger_of
from pixapi_mcp.stdio import run_stdio
from pixapi_mcp.tools import AppState, RealTimer, Timer, register_tools
from pixapi_mcp.tools.boundary import ToolBoundary
from pixapi_mcp.tools.outputs import forget_roots_on_change
from pixapi_mcp.tools.state import Background

log = logging.getLogger(__name__)

SANDBOX_BASE_URL = "http://sandbox.pixapi.local"
# At shutdown, how long a paid POST still in flight may take to bring back its task id.
SHUTDOWN_GRACE_S = 5.0

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


def build_server(
    settings: Settings,
    http: httpx2.AsyncClient | None = None,
    *,
    timer: Timer | None = None,
    sandbox_app: ASGIApp | None = None,
    network: InputNetwork | None = None,
    remote: bool = False,
) -> MCPServer[AppState]:
    """The MCP server: tools (paid ones left out with ``read_only``), docs resources, prompts.

    ``remote``: clients connect over the network (HTTP), so their roots are ignored and files stay
    in the folders the settings allow (``PIXAPI_OUTPUT_DIR``, ``PIXAPI_ALLOWED_DIRS``).
    ``network``: how URL inputs resolve and connect (tests inject a resolver and a backend).

    ``http`` is the HTTP client to use (tests inject one over ``ASGITransport`` or
    ``MockTransport``); without it the lifespan makes one, pointed at the in-process sandbox when
    ``settings.sandbox`` is set: ``sandbox_app`` (tests read its recorded requests), else one
    built on its first request. ``timer`` replaces real time for waits (tests)."""
    clock = timer or RealTimer()

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppState]) -> AsyncGenerator[AppState]:
        async with AsyncExitStack() as stack:
            base_url = settings.base_url
            transport: httpx2.AsyncBaseTransport | None = None
            trusted: tuple[str, ...] = ()
            api_key: str | None = None
            if settings.sandbox:
                if http is None:
                    base_url = SANDBOX_BASE_URL
                    transport = httpx2.ASGITransport(
                        app=sandbox_app
                        or LazySandboxApp(settings.sandbox_image_task_s, settings.sandbox_video_task_s)
                    )
                    # Hosts pass the user's whole environment on, PIXAPI_KEY included: the
                    # in-process sandbox knows only its own key, and the real one goes nowhere.
                    api_key = SANDBOX_KEY
                    if settings.api_key is not None:
                        log.info("sandbox mode: PIXAPI_KEY is set but not used (the sandbox has its own key)")
                # The sandbox's own file URLs are trusted inputs (they live on loopback).
                trusted = (urlsplit(base_url).hostname or "",)
            elif problem := settings.key_problem():
                # Not fatal: the docs tools work without a key, and paid calls say the same.
                log.warning("%s; paid tools will refuse until it is fixed. %s", problem, KEY_FIX)
            # Settings -> client in one place: timeouts, key, pool.
            client = await stack.enter_async_context(
                open_client(
                    settings,
                    http,
                    transport=transport,
                    base_url=base_url,
                    api_key=api_key,
                    network=network,
                    sleep=clock.sleep,
                )
            )
            ledger = ledger_of(settings)
            if problem := await ledger.start():
                # Not fatal: the docs tools and list_models work without it; the ledger's tools
                # say the same to the model (a configuration error naming the store) on every call.
                log.error(
                    "%s Paid tools, get_task and list_tasks refuse until it can be opened: %s",
                    problem,
                    "check PIXAPI_LEDGER_URL and the database"
                    if settings.ledger_url
                    else "move the file aside or set PIXAPI_DATA_DIR to another folder.",
                )
            stack.push_async_callback(ledger.aclose)
            # Work that outlives a tool call (a paid POST answered after the call's deadline) runs
            # here; on the way out it gets a grace period, then is cancelled, before the ledger closes.
            group = await stack.enter_async_context(anyio.create_task_group())
            background = Background(group)
            stack.push_async_callback(background.stop, SHUTDOWN_GRACE_S)
            log.info(
                "pixapi-mcp %s ready (api %s%s; ledger %s)",
                __version__,
                base_url,
                ", sandbox" if settings.sandbox else "",
                ledger.describe(),
            )
            yield AppState(
                settings=settings,
                client=client,
                ledger=ledger,
                timer=clock,
                trusted_hosts=trusted,
                remote_clients=remote,
                background=background,
            )

    # ToolBoundary: every tool call's raw arguments are checked before the SDK drops or coerces any.
    server: MCPServer[AppState] = ToolBoundary(
        "pixapi",
        title="Pixapi",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url="https://pixapi.ai",
        lifespan=lifespan,
        # The MCP App: its ui:// resource, and results shaped for the hosts that render it.
        extensions=[PixapiApp(settings)],
        request_state_security=request_state_security(settings, remote=remote),
    )
    register_tools(server, read_only=settings.read_only, meta=tool_meta())
    register_outputs(server)
    server.middleware.append(forget_roots_on_change)
    register_docs(server, settings)
    register_check_code(server)
    return server


def request_state_security(settings: Settings, *, remote: bool = False) -> RequestStateSecurity | None:
    """How the state of a ``Resolve`` round trip (a spend confirmation, a roots question) is sealed
    while the client holds it: under ``PIXAPI_MCP_STATE_KEY`` when set (the first key seals, every
    key opens), so the answer may come back to any replica holding the same keys; otherwise None,
    the SDK's random key made for this process, which only this process can open.

    The server's name ("pixapi") is the audience every token is bound to, so state minted by
    another service sharing the key is refused. The keys are never logged."""
    if settings.mcp_state_keys:
        return RequestStateSecurity(keys=[k.get_secret_value() for k in settings.mcp_state_keys])
    if remote:
        # One process cannot know whether it has siblings; say once what a second replica needs.
        log.info(
            "request state is sealed with a key of this process only: behind a load balancer with "
            "more than one replica, set the same PIXAPI_MCP_STATE_KEY on every replica"
        )
    return None


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


def serve_stdio(settings: Settings) -> int:
    """Serve MCP over stdio (what hosts launch) until the client disconnects. Stdout carries only
    the protocol (malformed lines get their JSON-RPC error there); logs go to stderr."""
    server = build_server(settings)
    # Not server.run_stdio_async: the SDK's stdio layer answers no malformed line (see stdio.py).
    anyio.run(run_stdio, server)
    return 0
