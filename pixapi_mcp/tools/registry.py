"""How a tool is registered: its function, title, description and annotations in one record, and
the annotation sets the tools share. Registration itself is ``tool_result.add_tool``, shared with
``search_docs`` and ``check_code``.

Annotations are truthful (a test walks ``tools/list`` and checks every hint): paid generation is
not read-only, not idempotent and open-world; ``--read-only`` leaves out what is not read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_types import ToolAnnotations

from pixapi_mcp.tool_result import add_tool

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from pixapi_mcp.tools.state import AppState

# Spends credits on every call: never read-only, never idempotent (a repeat pays again).
PAID = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
)
# Reads the Pixapi API without spending.
READS_API = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True)
# Reads this server's own state only.
READS_LOCAL = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


@dataclass(frozen=True)
class ToolDef:
    """One tool as the server lists it."""

    fn: Callable[..., Any]
    title: str
    description: str
    annotations: ToolAnnotations

    @property
    def read_only(self) -> bool:
        return self.annotations.read_only_hint is True

    @property
    def name(self) -> str:
        return self.fn.__name__

    def add_to(self, server: MCPServer[AppState], meta: dict[str, Any] | None = None) -> None:
        add_tool(
            server,
            self.fn,
            title=self.title,
            description=self.description,
            annotations=self.annotations,
            meta=meta,
        )


def add_tools(
    server: MCPServer[AppState],
    tools: Iterable[ToolDef],
    *,
    read_only: bool,
    meta: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """Register ``tools`` in order; ``read_only`` leaves out every tool that is not read-only (the
    ones that spend credits). ``meta`` is the ``_meta`` to list with a tool, by tool name (the MCP
    App's ``ui.resourceUri`` binding, ``pixapi_mcp.app.tool_meta``)."""
    for tool in tools:
        if tool.read_only or not read_only:
            tool.add_to(server, (meta or {}).get(tool.name))
