"""Tests of ``pixapi_mcp.tools``, one file per module, through the MCP surface."""

from __future__ import annotations

import anyio.lowlevel


class NoWait:
    """A timer for servers whose API is a ``MockTransport``: time stands still, sleeps only yield."""

    def now(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        await anyio.lowlevel.checkpoint()
