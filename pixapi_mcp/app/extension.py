"""The ``Apps`` extension of this server: the app's ``ui://`` resource, the binding of the media
tools to it, and the shaping of their results for hosts that render it.

The SDK's ``Apps`` (``mcp.server.apps``) advertises the extension and serves the HTML as
``text/html;profile=mcp-app`` with its ``_meta.ui`` (CSP, border). The tools themselves are
registered by ``tools`` as always; ``tool_meta`` is the ``_meta`` they carry: ``ui.resourceUri``
and nothing else (no ``visibility``: the spec's default, model and app, is what these tools are).

Results differ only for a client that negotiated the extension (``client_supports_apps``): the
interceptor hands them to ``shape`` (no preview blobs, the app's facts in ``_meta``). Every other
client gets exactly what it got before the app existed. The interceptor runs after the tool: it
sees the tool's own result, so nothing about a call (guardrails, ledger, files) changes with it.
"""

from __future__ import annotations

from typing import Any

from mcp.server.apps import Apps, ResourceCsp, client_supports_apps
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp_types import CallToolRequestParams, CallToolResult

from pixapi_mcp.app import shape
from pixapi_mcp.app.bundle import app_html
from pixapi_mcp.app.shape import MEDIA_DOMAINS
from pixapi_mcp.config import Settings

APP_URI = "ui://pixapi/app.html"
# The tools whose results the app renders (issue 15), in tools/list order.
BOUND_TOOLS = ("generate_image", "edit_image", "create_video", "get_task", "list_tasks")
# No connectDomains (the app talks only to the host), no frames, no base URI: the spec's defaults.
APP_CSP = ResourceCsp(resource_domains=list(MEDIA_DOMAINS))


def tool_meta() -> dict[str, dict[str, Any]]:
    """The ``_meta`` each bound tool carries, by tool name."""
    return {name: {"ui": {"resourceUri": APP_URI}} for name in BOUND_TOOLS}


class PixapiApp(Apps):
    """The extension: pass it to the server (``extensions=[PixapiApp(settings)]``)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._settings = settings
        self.add_html_resource(
            APP_URI,
            app_html(),
            name="pixapi-app",
            title="Pixapi media",
            description="Shows Pixapi images and videos in the conversation, follows unfinished tasks, "
            "and offers animate / variation / retry through the same tools.",
            csp=APP_CSP,
            prefers_border=True,
        )

    async def intercept_tool_call(
        self, params: CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        result = await call_next(ctx)
        if (
            params.name not in BOUND_TOOLS
            or not isinstance(result, CallToolResult)
            or not client_supports_apps(ctx)
        ):
            return result
        return await shape.for_app(ctx.lifespan_context, params.name, dict(params.arguments or {}), result)
