"""The MCP App (the ``io.modelcontextprotocol/ui`` extension): media in the conversation.

One ``ui://`` HTML resource, bound to ``generate_image``, ``edit_image``, ``create_video``,
``get_task`` and ``list_tasks``, that hosts with MCP Apps render beside the result: a gallery,
a video player, a live card that follows an unfinished task itself (``get_task`` through the
host), what the work cost, and actions (animate, variation, retry) that call the tools through
the host, so every paid action meets the same guardrails as a model's call.

- ``extension``: the ``Apps`` extension: the HTML resource, its CSP, the tools' ``_meta.ui``
  binding, and the ``tools/call`` interceptor that shapes results for app hosts only;
- ``shape``: what an app host's result carries (no preview blobs; the app's facts in ``_meta``);
- ``actions``: the paid actions a result offers, with the call and its estimate;
- ``outputs``: the ``pixapi://outputs/...`` resources the app reads local files through, bounded
  in size and limited to what the ledger recorded; ``playable``: MJPEG AVI to WebM for browsers;
- ``assets/pixapi-app.html``: the app itself, built from ``app/`` at the repository root
  (``npm ci && npm run build``); ``bundle`` loads it and checks it against its sources' hash.
"""

from __future__ import annotations

from pixapi_mcp.app.extension import APP_URI, BOUND_TOOLS, PixapiApp, tool_meta
from pixapi_mcp.app.outputs import register_outputs
from pixapi_mcp.app.shape import APP_META, MEDIA_DOMAINS

__all__ = [
    "APP_META",
    "APP_URI",
    "BOUND_TOOLS",
    "MEDIA_DOMAINS",
    "PixapiApp",
    "register_outputs",
    "tool_meta",
]
