"""A client that negotiates MCP Apps, as the hosts that render the app do: the extension
``io.modelcontextprotocol/ui`` with the ``text/html;profile=mcp-app`` MIME type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.client import Client
from mcp.client.extension import ClientExtension
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from mcp_types import CallToolResult, ImageContent

from pixapi_mcp.app import APP_META
from pixapi_mcp.server import build_server
from tests.server_harness import Harness

MODES = ("auto", "legacy")


class AppsHost(ClientExtension):
    identifier = EXTENSION_ID

    def settings(self) -> dict[str, Any]:
        return {"mimeTypes": [APP_MIME_TYPE]}


@asynccontextmanager
async def app_client(
    h: Harness, mode: str = "auto", *, apps: bool = True, **kwargs: Any
) -> AsyncIterator[Client]:
    """A client of a new server over ``h``'s sandbox, with MCP Apps unless ``apps`` is false."""
    server = build_server(h.settings, h.http, timer=h.timer)
    async with Client(
        server,
        mode=mode,  # pyright: ignore[reportArgumentType]
        extensions=[AppsHost()] if apps else None,
        **kwargs,
    ) as client:
        yield client


def app_facts(result: CallToolResult) -> dict[str, Any]:
    """What the result tells the app (its ``_meta``), asserting it is there."""
    assert result.meta is not None and APP_META in result.meta, result.meta
    return result.meta[APP_META]


def images_in(result: CallToolResult) -> list[ImageContent]:
    return [block for block in result.content if isinstance(block, ImageContent)]
