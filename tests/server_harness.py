"""A server under test: the real MCP server, the real sandbox over ``httpx2.ASGITransport``, and one
manual clock shared by both, so a "10 minute" video completes in microseconds, deterministically."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx2
from mcp.client import Client
from mcp_types import CallToolResult, ListRootsResult, Root

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, SandboxState, create_app
from pixapi_mcp.server import build_server

SANDBOX_URL = "http://sandbox.test"
PAID_TOOLS = frozenset({"generate_image", "edit_image", "create_video"})
FREE_TOOLS = frozenset({"get_task", "list_models", "list_tasks", "search_docs", "check_code"})
ALL_TOOLS = PAID_TOOLS | FREE_TOOLS


def subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a server process: no inherited PIXAPI_ settings, folders under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAPI_")}
    env.update(
        HOME=str(tmp_path / "home"),
        PIXAPI_DATA_DIR=str(tmp_path / "data"),
        PIXAPI_CACHE_DIR=str(tmp_path / "cache"),
        PIXAPI_OUTPUT_DIR=str(tmp_path / "out"),
        PIXAPI_LOG_LEVEL="DEBUG",
    )
    env.update(extra)
    return env


class SharedTimer:
    """The server's timer over the sandbox's manual clock: sleeping advances sandbox time."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.slept: list[float] = []
        # When set, sleeping blocks until cancelled: lets a test interrupt a call mid-wait.
        self.block = False

    def now(self) -> float:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.block:
            await anyio.sleep_forever()
        self.clock.advance(seconds)
        await anyio.lowlevel.checkpoint()


@dataclass
class Harness:
    settings: Settings
    sandbox: SandboxState
    timer: SharedTimer
    http: httpx2.AsyncClient

    def posts(self) -> list[Any]:
        return [r for r in self.sandbox.requests if r.method == "POST"]

    @asynccontextmanager
    async def client(
        self, mode: str = "auto", roots: list[str] | None = None, elicitation: Any = None
    ) -> AsyncIterator[Client]:
        server = build_server(self.settings, self.http, timer=self.timer)
        callback = None
        if roots is not None:

            async def list_roots(_: Any) -> ListRootsResult:
                return ListRootsResult(roots=[Root(uri=uri) for uri in roots])  # pyright: ignore[reportArgumentType]

            callback = list_roots
        async with Client(
            server,
            mode=mode,  # pyright: ignore[reportArgumentType]
            list_roots_callback=callback,  # pyright: ignore[reportArgumentType]
            elicitation_callback=elicitation,
        ) as client:
            yield client


@asynccontextmanager
async def harness(
    make_settings: Callable[..., Settings],
    config: SandboxConfig | None = None,
    env: dict[str, str] | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    clock = ManualClock()
    cfg = config or SandboxConfig()
    cfg.clock = clock
    app = create_app(cfg)
    settings = make_settings(
        {"PIXAPI_KEY": SANDBOX_KEY, "PIXAPI_BASE_URL": SANDBOX_URL, **(env or {})}, sandbox=True, **overrides
    )
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=SANDBOX_URL) as http:
        yield Harness(settings, app.state.sandbox, SharedTimer(clock), http)


def structured(result: CallToolResult) -> dict[str, Any]:
    """The structured result, asserting the call succeeded (with the error text if not)."""
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
