"""The tool boundary: every tool call's arguments are checked as the agent sent them, before the
SDK validates them and before anything can be sent.

The SDK validates a call against the tool's input schema in pydantic's lax mode: an argument the
schema does not name is dropped without a word, and values are coerced (``true`` becomes 1). So
``create_video(image_url=...)`` would become a text-to-video, billed, and ``"async": true`` would
vanish. ``ToolBoundary`` is the ``MCPServer`` every tool is registered on; its ``call_tool`` sees
the raw arguments first, for every tool (paid and free), in both protocol eras:

- a name the tool does not take is refused: with the contract rule when the rule table knows the
  slip (``image_url`` -> input-image-field, ``seconds`` -> duration-field, ``async`` ->
  async-endpoint, ``duration`` on an image tool ...), else with the tool's argument names and a
  did-you-mean;
- for the paid tools, what becomes the request body (the top-level fields, and ``controls`` laid
  over them) goes through ``contract.check_request`` on the endpoint the tool submits to, so a bad
  value (``size: "big"``, ``n: 0``, ``n: true``, a video model on an image tool) gets its rule id;
- ``controls`` sent as JSON text (agents do this) is parsed; anything but an object is refused;
- a boolean where the schema wants a number is refused rather than read as 1;
and the SDK's own validation failures come back in the project's error form (``errors``).
The client's preflight applies the same rule table again right before sending (with the live
model list, which this layer does not have): one table, two gates.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp_types import CallToolResult, InputRequiredResult
from pydantic import ValidationError

from pixapi_mcp.contract import RULES, Endpoint, Violation, check_request
from pixapi_mcp.tools.errors import describe_argument, from_validation, tool_error
from pixapi_mcp.tools.images import EDIT_JOB, GENERATE_JOB
from pixapi_mcp.tools.state import AppState
from pixapi_mcp.tools.video import VIDEO_JOB

# Where each paid tool submits (its async endpoint, the default; the sync twins obey the same
# value rules). The job specs are the tools' own records of it.
PAID_ENDPOINTS: Mapping[str, Endpoint] = {
    spec.tool: spec.submit.endpoint for spec in (GENERATE_JOB, EDIT_JOB, VIDEO_JOB)
}
# unknown-model needs the live GET /v1/models to judge a model the catalog lacks; the client's
# preflight has it, so that rule is left to the preflight.
BOUNDARY_RULES = tuple(rule for rule in RULES if rule.id != "unknown-model")
CONTROLS = "controls"


@dataclass(frozen=True, slots=True)
class Problem:
    """One refused argument: where it was (``controls.x`` inside controls), why, and its rule."""

    where: str
    message: str
    rule_id: str | None = None
    fix: str = ""  # when shorter than the message: "Rename `promt` to `prompt`."
    meant: str | None = None  # the argument an unknown name probably stands for

    def line(self) -> str:
        rule = f" [{self.rule_id}]" if self.rule_id else ""
        return f"- `{self.where}`{rule}: {self.message}"


class ToolBoundary(MCPServer[AppState]):
    """An ``MCPServer`` whose tool calls pass ``check_arguments`` on their raw arguments, and whose
    argument-validation failures read like every other error of this server."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[AppState, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        # The registry's own records: list_tools() would build every tool's wire model on each call.
        schemas = {tool.name: tool.parameters for tool in self._tool_manager.list_tools()}
        schema = schemas.get(name)
        if schema is None:
            raise unknown_tool(name, list(schemas))
        arguments = check_arguments(name, schema, arguments, schemas)
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            cause = exc.__cause__
            if not isinstance(cause, ValidationError):
                raise
            # The SDK's text carries pydantic's URLs and the input; keep the cause for its log line.
            raise from_validation(cause, _properties(schema), name) from cause


def check_arguments(
    tool: str,
    schema: Mapping[str, Any],
    arguments: Mapping[str, Any],
    schemas: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """``arguments`` as the tool should receive them (``controls`` parsed from JSON text), or a
    ``ToolError`` listing every refused argument with its fix. Nothing is sent either way.
    ``schemas`` (every tool's input schema) lets a name that belongs to another tool say so."""
    properties = _properties(schema)
    args = dict(arguments)
    if CONTROLS in args and CONTROLS in properties:
        args[CONTROLS] = _parse_controls(args[CONTROLS])
    endpoint = PAID_ENDPOINTS.get(tool)
    problems = _rule_problems(tool, endpoint, properties, args) if endpoint is not None else []
    named = {p.where for p in problems}
    owners = _owners(tool, schemas or {}) if any(key not in properties for key in args) else {}
    unknown = [
        _unknown(tool, key, properties, owners) for key in args if key not in properties and key not in named
    ]
    # `promt` -> "did you mean `prompt`" says it all: drop the rule's "add a prompt" beside it.
    meant = {p.meant for p in unknown if p.meant}
    problems = [
        p for p in problems if not (p.where in meant and p.rule_id and p.rule_id.endswith("-required"))
    ]
    problems += unknown
    for key, value in args.items():
        if (
            key not in named
            and key in properties
            and isinstance(value, bool)
            and _wants_number(properties[key])
        ):
            problems.append(
                Problem(key, f"{describe_argument(key, properties[key])} Got {json.dumps(value)}.")
            )
    if problems:
        raise _refusal(tool, problems, properties)
    return args


def unknown_tool(name: str, tools: Sequence[str]) -> ToolError:
    """A tool name this server does not have, with the closest names it does."""
    close = difflib.get_close_matches(name, tools, n=2, cutoff=0.6)
    hint = f" Did you mean {' or '.join(f'`{t}`' for t in close)}?" if close else ""
    return tool_error(
        f"Unknown tool `{name[:100]}`.{hint}",
        category="invalid_request",
        retryable=False,
        fix=f"Call one of: {', '.join(tools)}.",
    )


# -- the rule table on the raw fields -----------------------------------------------------------


def _rule_problems(
    tool: str, endpoint: Endpoint, properties: Mapping[str, Any], args: Mapping[str, Any]
) -> list[Problem]:
    """The rule table on the body the tool would build: the top-level fields (with the default
    model), then ``controls`` laid over them, so a slip in either place is caught and placed."""
    default_model = properties.get("model", {}).get("default")
    top = {"model": default_model} if default_model else {}
    top |= {k: v for k, v in args.items() if k != CONTROLS}
    found = [_problem(tool, v, "") for v in _violations(endpoint, top)]
    controls = args.get(CONTROLS)
    if isinstance(controls, dict) and controls:
        seen = {(p.rule_id, p.message) for p in found}
        for violation in _violations(endpoint, top | controls):  # pyright: ignore[reportUnknownArgumentType]
            problem = _problem(tool, violation, f"{CONTROLS}.")
            if (problem.rule_id, problem.message) not in seen:
                found.append(problem)
    return found


def _violations(endpoint: Endpoint, body: Mapping[str, Any]) -> list[Violation]:
    return check_request(endpoint.value, body, rules=BOUNDARY_RULES)


def _problem(tool: str, violation: Violation, prefix: str) -> Problem:
    where = f"{prefix}{violation.field or 'request'}"
    return Problem(where, violation.message + _endpoint_hint(tool, violation.message), violation.rule_id)


def _endpoint_hint(tool: str, message: str) -> str:
    """A rule names endpoints; an agent calls tools. Say which tool an endpoint named in the
    message is, or that this tool already uses it."""
    for other, endpoint in PAID_ENDPOINTS.items():
        if f"`{endpoint.value}`" in message or f"`POST {endpoint.value}`" in message:
            if other == tool:
                return f" ({tool} already submits there.)"
            return f" (That endpoint is the `{other}` tool.)"
    return ""


# -- names the tool does not take ---------------------------------------------------------------


def _unknown(tool: str, key: str, properties: Mapping[str, Any], owners: Mapping[str, str]) -> Problem:
    """Why ``key`` is refused and what was probably meant: a similar name, else an argument whose
    description spells it as a placeholder (``width`` -> ``size``: "WIDTHxHEIGHT"); else the
    tool that takes it; extra model fields go inside ``controls`` where the tool has it."""
    shown = key[:100]
    guess = _similar(key, list(properties)) or _placeholder_of(key, properties)
    if guess is not None:
        return Problem(
            shown,
            f"{tool} has no argument `{shown}`; did you mean `{guess}`?",
            fix=f"Rename `{shown}` to `{guess}`.",
            meant=guess,
        )
    message = f"{tool} has no argument `{shown}`."
    if key in owners:
        message += f" `{shown}` is an argument of {owners[key]}."
        fix = f"Remove `{shown}`, or call {owners[key]} for that."
    elif CONTROLS in properties:
        fix = f'Remove `{shown}`, or pass a model-specific field inside `controls`: {{"controls": {{"{key[:40]}": ...}}}}.'
    else:
        fix = f"Remove `{shown}`."
    return Problem(shown, message, fix=fix)


def _similar(key: str, names: Sequence[str]) -> str | None:
    """A close spelling (``promt``, ``modle``), or the one name ``key`` begins (``q`` ->
    ``query``) or is a word of (``id`` -> ``task_id``)."""
    low = key.lower()
    lowered = {name.lower(): name for name in names}
    close = difflib.get_close_matches(low, list(lowered), n=1, cutoff=0.6)
    if close:
        return lowered[close[0]]
    part = [name for name in names if low and (name.startswith(low) or low in name.split("_"))]
    return part[0] if len(part) == 1 else None


def _placeholder_of(key: str, properties: Mapping[str, Any]) -> str | None:
    """The argument whose description names ``key`` as a placeholder in capitals (WIDTHxHEIGHT)."""
    for name, prop in properties.items():
        if key.upper() in re.findall(r"[A-Z]{3,}", str(prop.get("description", ""))):
            return name
    return None


def _owners(tool: str, schemas: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Argument name -> the other tools that take it (``task_id`` -> get_task)."""
    owners: dict[str, list[str]] = {}
    for other, schema in schemas.items():
        if other != tool:
            for name in _properties(schema):
                owners.setdefault(name, []).append(other)
    return {name: " and ".join(tools) for name, tools in owners.items()}


# -- values -------------------------------------------------------------------------------------


def _parse_controls(value: Any) -> Any:
    """``controls`` as sent: an object, null, or the text of a JSON object or of null (parsed)."""
    if value is None or isinstance(value, dict):
        return value  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, dict) or value.strip() == "null":
            return decoded  # pyright: ignore[reportUnknownVariableType]
    raise tool_error(
        f'`controls` must be a JSON object of extra model fields, such as {{"seed": 7}}; got {_kind(value)}.',
        category="invalid_request",
        retryable=False,
        fix='Pass `controls` as an object ({"field": value}), or leave it out.',
    )


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "text that is not a JSON object"
    if isinstance(value, list):
        return "a list"
    return f"{json.dumps(value)[:40]}"


def _wants_number(prop: Mapping[str, Any]) -> bool:
    types = {b.get("type") for b in prop.get("anyOf") or [prop]}
    return bool(types & {"integer", "number"}) and "boolean" not in types


def _properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties")
    return dict(properties) if isinstance(properties, dict) else {}  # pyright: ignore[reportUnknownArgumentType]


def _refusal(tool: str, problems: Sequence[Problem], properties: Mapping[str, Any]) -> ToolError:
    rules = [p.rule_id for p in problems if p.rule_id]
    count = f"{len(problems)} arguments" if len(problems) > 1 else "an argument"
    lines = "\n".join(p.line() for p in problems)
    takes = f"{tool} takes: {', '.join(properties)}." if properties else f"{tool} takes no arguments."
    return tool_error(
        f"Not sent: {tool} refused {count}.\n{lines}\n{takes}",
        category="invalid_request",
        retryable=False,
        fix=" ".join(p.fix or p.message for p in problems[:3]),
        rules=rules,
    )
