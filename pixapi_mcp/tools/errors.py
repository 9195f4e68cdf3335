"""Every failure the model sees, in one shape: a ``ToolError`` that says what happened, its
category, whether a retry helps, the contract rule broken, the request id, the ledger row and
the fix.

``ToolError`` text reaches the model; any other exception is masked by the SDK. So client errors,
contract violations and argument validation are all turned into ``ToolError`` here: never
pydantic's own text (its documentation URLs, its dump of the input).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from pixapi_mcp.client import PixapiError
from pixapi_mcp.contract import Violation
from pixapi_mcp.ledger import LedgerError

T = TypeVar("T")


def tool_error(
    message: str,
    *,
    category: str,
    retryable: bool,
    fix: str = "",
    request_id: str | None = None,
    ledger_id: int | None = None,
    rules: Sequence[str] = (),
) -> ToolError:
    """The one shape of every failure the model sees: what happened, then the facts it needs
    (``rules``: the ids of the contract rules broken, for pixapi://docs/mistakes)."""
    facts = [f"category: {category}", f"retryable: {'yes' if retryable else 'no'}"]
    if rules:
        facts.append(f"rule: {', '.join(dict.fromkeys(rules))}")
    if request_id:
        facts.append(f"request_id: {request_id}")
    if ledger_id is not None:
        facts.append(f"ledger_id: {ledger_id}")
    text = f"{message.rstrip()}\n{' | '.join(facts)}"
    if fix:
        text += f"\nfix: {fix}"
    return ToolError(text)


def unknown_task(task_id: str) -> ToolError:
    """A task id this caller has no row for. The same words whether the task belongs to another
    caller or never existed, so a guess tells nothing; nothing is asked of Pixapi for it."""
    return tool_error(
        f"No task {task_id!r} among your tasks.",
        category="not_found",
        retryable=False,
        fix="Check the id: list_tasks shows your tasks and their ids.",
    )


def configuration_error(message: str, *, variable: str, fix: str) -> ToolError:
    """A broken server setting (category ``configuration``): no argument of the model's fixes it,
    the user must change ``variable`` where the server is configured. ``fix`` says so."""
    return tool_error(
        f"{message.rstrip()} (server setting {variable})", category="configuration", retryable=False, fix=fix
    )


def from_api_error(exc: PixapiError, ledger_id: int | None = None) -> ToolError:
    return tool_error(
        str(exc),
        category=exc.category,
        retryable=exc.retryable,
        fix=exc.fix,
        request_id=exc.request_id,
        ledger_id=ledger_id,
    )


def from_ledger_error(exc: LedgerError, note: str = "") -> ToolError:
    """The ledger could not be used. A lock held elsewhere or a full disk may pass (retry); a
    damaged file, a folder that cannot be written or a newer schema is the user's to fix, named
    with the file and ``PIXAPI_DATA_DIR``. ``note`` says what became of the call (not sent ...)."""
    message = f"{exc} {note}".strip()
    if exc.transient:
        return tool_error(
            message,
            category="ledger_unavailable",
            retryable=True,
            fix=f"Try again in a moment. If it keeps failing, tell the user: another program is writing "
            f"{exc.path}, or its disk is full.",
        )
    return configuration_error(
        message,
        variable="PIXAPI_DATA_DIR",
        fix=f"This is not your argument: tell the user the ledger file {exc.path} cannot be used. They "
        "should move it aside (it records earlier paid requests) or set PIXAPI_DATA_DIR to another "
        "folder; paid tools work again once it can be opened. search_docs, check_code and list_models "
        "work meanwhile.",
    )


@contextmanager
def ledger_errors(note: str = "") -> Generator[None]:
    """Turn a ``LedgerError`` raised inside into the model's ``ToolError`` (never a masked crash)."""
    try:
        yield
    except LedgerError as exc:
        raise from_ledger_error(exc, note) from None


def from_validation(
    exc: ValidationError, properties: Mapping[str, Any] | None = None, tool: str | None = None
) -> ToolError:
    """Arguments that failed validation (the SDK's against a tool's input schema, or a strict
    request model's), one line per argument. ``properties`` (the input schema's) lets the fix say
    what each argument takes."""
    problems: dict[str, str] = {}
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        name = str(err["loc"][0]) if err["loc"] else "input"
        if name not in problems:  # a union reports once per branch: the first says enough
            problems[name] = "is required" if err["type"] == "missing" else err["msg"]
    lines = "; ".join(f"`{name}`: {msg}" for name, msg in problems.items())
    where = f" to {tool}" if tool else ""
    takes = [
        describe_argument(name, properties[name]) for name in problems if properties and name in properties
    ]
    return tool_error(
        f"Not sent: invalid arguments{where}: {lines}.",
        category="invalid_request",
        retryable=False,
        fix=" ".join(takes) or "Correct the arguments; list_models shows valid models and sizes.",
    )


def describe_argument(name: str, schema: Mapping[str, Any]) -> str:
    """What ``name`` takes, in words, from its JSON schema: ``duration`` -> "`duration` takes a
    number above 0, up to 60 (Video length in seconds, e.g. 8.)"."""
    branches: list[Mapping[str, Any]] = list(schema.get("anyOf") or [schema])
    kinds = [_describe_branch(b) for b in branches if b.get("type") != "null"]
    text = f"`{name}` takes {' or '.join(k for k in kinds if k) or 'a JSON value'}"
    description = schema.get("description")
    return f"{text} ({description})." if description else f"{text}."


_KINDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a JSON object",
}


def _describe_branch(branch: Mapping[str, Any]) -> str:
    if "enum" in branch:
        return "one of " + ", ".join(f"`{v}`" for v in branch["enum"])
    words = [_KINDS.get(str(branch.get("type")), "a value")]
    bounds = (
        ("minimum", "from {}"),
        ("exclusiveMinimum", "above {}"),
        ("maximum", "up to {}"),
        ("exclusiveMaximum", "below {}"),
        ("maxLength", "at most {} characters"),
    )
    if branch.get("minLength"):
        words[0] = f"non-empty {words[0]}"
    words += [template.format(branch[key]) for key, template in bounds if key in branch]
    return " ".join(words[:2]) + (", " + ", ".join(words[2:]) if len(words) > 2 else "")


def from_contract(violations: Sequence[Violation]) -> ToolError:
    lines = "; ".join(v.message for v in violations)
    rules = ", ".join(sorted({v.rule_id for v in violations}))
    return tool_error(
        f"Not sent: the request breaks the Pixapi contract ({rules}): {lines}",
        category="invalid_request",
        retryable=False,
        fix=violations[0].message,
        rules=[v.rule_id for v in violations],
    )


def build(factory: Callable[[], T]) -> T:
    """``factory()`` (a contract request built from tool arguments), its validation errors as a
    ``ToolError``: the strict request models re-check what the lax tool schema let through."""
    try:
        return factory()
    except ValidationError as exc:
        raise from_validation(exc) from None
