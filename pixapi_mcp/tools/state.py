"""What every tool call shares: the state the server's lifespan owns, and the injectable clock."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
from mcp.server.mcpserver import Context

from pixapi_mcp import media
from pixapi_mcp.client import PixapiClient
from pixapi_mcp.config import Settings
from pixapi_mcp.ledger import Ledger


class Timer(Protocol):
    """Monotonic time and sleeping, injectable so tests drive waits without real time."""

    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class RealTimer:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


@dataclass
class AppState:
    """What the lifespan owns: one API client, the ledger, the clock."""

    settings: Settings
    client: PixapiClient
    ledger: Ledger
    timer: Timer
    trusted_hosts: tuple[str, ...] = ()
    # Estimated credits of paid requests this process has sent (the per-session cap).
    session_credits: float = 0.0
    # When this process first saw each task (timer time): the polling policy works from the
    # task's age, so a series of get_task calls keeps its pace instead of restarting at 0.5 s.
    task_origin: dict[str, float] = field(default_factory=dict[str, float])

    def task_age(self, task_id: str) -> float:
        now = self.timer.now()
        if len(self.task_origin) > 10_000:  # bounded: forget the oldest half
            for old in list(self.task_origin)[:5_000]:
                del self.task_origin[old]
        return now - self.task_origin.setdefault(task_id, now)

    def guard(self) -> Callable[[str], Awaitable[None]]:
        return media.url_guard(self.settings.allow_private_urls, allow_hosts=self.trusted_hosts)


AppContext = Context[AppState, Any]


def app_state(ctx: AppContext) -> AppState:
    return ctx.request_context.lifespan_context
