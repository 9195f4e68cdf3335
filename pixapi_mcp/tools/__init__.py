"""The MCP media tools: paid generation (images, edits, video), tasks and models.

- ``state``: what the lifespan owns (``AppState``) and the injectable clock (``Timer``);
- ``args``: argument types, ``contract``'s types with descriptions; ``results``: output schemas;
- ``errors``: every failure as a ``ToolError``; ``guardrails``: spend confirmation and caps;
- ``outputs``: where files go and how outputs become files; ``polling``: bounded waits;
- ``jobs``: the paid-job flow, once; ``finish``: how work becomes a result;
- ``images``, ``video``, ``tasks``, ``models``: the tools, each with its description and hints;
- ``registry``: how a tool is registered; ``boundary``: the server subclass that checks every call's
  raw arguments (unknown names, documented slips, values) before the SDK drops or coerces them.
This package knows no HTTP library: it talks to ``PixapiClient`` and its errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pixapi_mcp.tools.images import EDIT_IMAGE, GENERATE_IMAGE
from pixapi_mcp.tools.models import LIST_MODELS
from pixapi_mcp.tools.polling import MAX_POLL_INTERVAL_S, MIN_POLL_INTERVAL_S, next_poll_delay
from pixapi_mcp.tools.registry import add_tools
from pixapi_mcp.tools.state import AppState, RealTimer, Timer
from pixapi_mcp.tools.tasks import GET_TASK, LIST_TASKS
from pixapi_mcp.tools.video import CREATE_VIDEO

if TYPE_CHECKING:
    from mcp.server import MCPServer

__all__ = [
    "MAX_POLL_INTERVAL_S",
    "MIN_POLL_INTERVAL_S",
    "AppState",
    "RealTimer",
    "Timer",
    "next_poll_delay",
    "register_tools",
]

# In the order tools/list shows them.
TOOLS = (GENERATE_IMAGE, EDIT_IMAGE, CREATE_VIDEO, GET_TASK, LIST_MODELS, LIST_TASKS)


def register_tools(
    server: MCPServer[AppState], *, read_only: bool, meta: Mapping[str, dict[str, Any]] | None = None
) -> None:
    """Register the media tools; ``read_only`` leaves out every tool that spends credits; ``meta``
    is each tool's ``_meta`` by name (the MCP App binding)."""
    add_tools(server, TOOLS, read_only=read_only, meta=meta)
