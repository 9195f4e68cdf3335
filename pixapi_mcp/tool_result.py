"""How every tool result is shaped for the hosts that read it, written once for all eight tools.

Hosts read a result in one of two ways. Claude Code forwards only ``JSON.stringify(structuredContent)``
to the model whenever a result has structured content (anthropics/claude-code#79944, #55677), so
the structured content carries everything the model needs: what happened (``summary``), paths,
URLs, credits, and the next call. Other hosts forward only the ``content`` blocks when they hold
text (kimi-code, mastra, open-webui), so the text is a short rendering of the same essentials:
the summary first, the next step last, as many detail lines between as fit. It is never a second
copy of the JSON, and never longer than ``TEXT_LIMIT``. Preview images ride along as
``ImageContent`` blocks for the hosts that show them.

``add_tool`` registers each of those tools with its output schema (the result model's JSON schema)
built once per model: four media tools share ``MediaResult``, and the SDK's ``add_tool`` would
walk that model again for each of them at every start-up.

Used by ``tools`` (media, tasks, models), ``docs.server`` (search_docs) and ``codecheck.tool``
(check_code); it imports nothing of the package, so none of them pulls in another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, cast, get_type_hints

from mcp.server import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import StrictJsonSchema
from mcp_types import CallToolResult, ImageContent, TextContent, ToolAnnotations
from pydantic import BaseModel

# Upper bound on the text block of every successful tool result, in characters.
TEXT_LIMIT = 600
_ELLIPSIS = "…"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + _ELLIPSIS


def short_text(head: str, details: Sequence[str] = (), tail: str = "", limit: int = TEXT_LIMIT) -> str:
    """``head``, then the ``details`` lines that fit, then ``tail``, within ``limit`` characters.

    The head (what happened) and the tail (what to do next) always show, cut if they must be;
    details that do not fit are counted in a last line that points to the structured result."""
    tail = _cut(tail, limit // 2) if tail else ""
    head = _cut(head, limit - len(tail) - (1 if tail else 0))
    budget = limit - len(head) - (len(tail) + 1 if tail else 0)
    shown: list[str] = []
    for index, line in enumerate(details):
        left = len(details) - index - 1
        more = f"(+{left} more in the structured result)" if left else ""
        # Keep room for the "+N more" line unless this is the last detail.
        reserve = len(more) + 1 if more else 0
        if len(line) + 1 + reserve > budget:
            remaining = len(details) - index
            note = f"(+{remaining} more in the structured result)"
            if len(note) + 1 <= budget:
                shown.append(note)
            break
        shown.append(line)
        budget -= len(line) + 1
    return "\n".join([head, *shown, *([tail] if tail else [])])


def call_result(structured: BaseModel, text: str, images: Sequence[ImageContent] = ()) -> CallToolResult:
    """The result a tool returns: ``text`` (bounded by ``short_text``) and any preview images as
    content, ``structured`` (with the API's own field names) as the structured content."""
    return CallToolResult(
        content=[TextContent(type="text", text=_cut(text, TEXT_LIMIT)), *images],
        structured_content=structured.model_dump(mode="json"),
    )


def add_tool(
    server: MCPServer[Any],
    fn: Callable[..., Any],
    *,
    title: str,
    description: str,
    annotations: ToolAnnotations,
    meta: dict[str, Any] | None = None,
) -> None:
    """Register ``fn`` as a tool, as ``server.add_tool`` would, with its output schema built once per
    result model. ``fn`` returns ``Annotated[CallToolResult, SomeResult]``: the result it builds,
    validated against (and advertised as) ``SomeResult``."""
    tool = Tool.from_function(
        fn, title=title, description=description, annotations=annotations, meta=meta, structured_output=False
    )
    model = result_model(fn)
    # The schema is published (hosts and the SDK's client validate every result against it), but
    # the SDK is not given the model to validate results against again on the server: every tool
    # builds its structured content by dumping that very model (``call_result``), so the check
    # could never fail and would cost each call a full validation of its result.
    tool.fn_metadata.output_schema = output_schema(model)
    # The SDK takes a prebuilt Tool only in MCPServer(tools=...); the registry is the same one.
    manager = server._tool_manager  # pyright: ignore[reportPrivateUsage]
    if manager.get_tool(tool.name) is not None:
        raise ValueError(f"tool {tool.name!r} is registered twice")
    manager._tools[tool.name] = tool  # pyright: ignore[reportPrivateUsage]


def result_model(fn: Callable[..., Any]) -> type[BaseModel]:
    """``SomeResult`` of a tool function returning ``Annotated[CallToolResult, SomeResult]``."""
    returns = get_type_hints(fn, include_extras=True).get("return")
    metadata = getattr(returns, "__metadata__", ())
    model = metadata[0] if metadata else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{fn.__name__} must return Annotated[CallToolResult, <a pydantic model>]")
    return model


@cache
def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The output schema of ``model``, made once per model: pydantic's, less what only costs.

    A client validates every result against it (the SDK's does, with jsonschema), so it says what
    a result holds and nothing else: no ``title`` (pydantic derives one per field from its name),
    no ``default`` (an output always carries the field), and a nullable field is one ``type`` list
    (``["string", "null"]``) rather than an ``anyOf`` that makes a validator try two schemas.
    Field descriptions stay; shared models stay in ``$defs``. The accepted results are the same."""
    return _compact(model.model_json_schema(schema_generator=StrictJsonSchema))


# Keywords whose value maps names to schemas, holds a list of schemas, or is one schema.
_SCHEMA_MAPS = frozenset({"properties", "$defs", "patternProperties"})
_SCHEMA_LISTS = frozenset({"anyOf", "allOf", "oneOf", "prefixItems"})
_SCHEMA_ONE = frozenset({"items", "additionalProperties", "not", "contains"})
_DROPPED = frozenset({"title", "default"})
_NULL = {"type": "null"}


def _compact(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _compact(sub) for name, sub in cast(dict[str, dict[str, Any]], value).items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_compact(sub) for sub in cast(list[dict[str, Any]], value)]
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = _compact(cast(dict[str, Any], value))
        else:
            out[key] = value  # enum, const, required, description ...: values, not schemas
    options = out.get("anyOf")
    if isinstance(options, list) and len(cast(list[Any], options)) == 2 and _NULL in options:
        (other,) = [o for o in cast(list[dict[str, Any]], options) if o != _NULL]
        # Only a plain typed schema folds: with enum/const null would need listing too, and a
        # $ref has no type to extend.
        if isinstance(other.get("type"), str) and not {"enum", "const", "$ref", "anyOf"} & other.keys():
            del out["anyOf"]
            out = {**other, **out, "type": [other["type"], "null"]}
    return out
