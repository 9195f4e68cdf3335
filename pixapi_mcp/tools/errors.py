"""Every failure the model sees, in one shape: a ``ToolError`` that says what happened, its
category, whether a retry helps, the request id, the ledger row and the fix.

``ToolError`` text reaches the model; any other exception is masked by the SDK. So client errors,
contract violations and argument validation are all turned into ``ToolError`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from pixapi_mcp.client import PixapiError
from pixapi_mcp.contract import Violation

T = TypeVar("T")


def tool_error(
    message: str,
    *,
    category: str,
    retryable: bool,
    fix: str = "",
    request_id: str | None = None,
    ledger_id: int | None = None,
) -> ToolError:
    """The one shape of every failure the model sees: what happened, then the facts it needs."""
    facts = [f"category: {category}", f"retryable: {'yes' if retryable else 'no'}"]
    if request_id:
        facts.append(f"request_id: {request_id}")
    if ledger_id is not None:
        facts.append(f"ledger_id: {ledger_id}")
    text = f"{message.rstrip()}\n{' | '.join(facts)}"
    if fix:
        text += f"\nfix: {fix}"
    return ToolError(text)


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


def from_validation(exc: ValidationError) -> ToolError:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}"
        for err in exc.errors(include_input=False)
    )
    return tool_error(
        f"Invalid arguments: {problems}.",
        category="invalid_request",
        retryable=False,
        fix="Correct the arguments; list_models shows valid models and sizes.",
    )


def from_contract(violations: Sequence[Violation]) -> ToolError:
    lines = "; ".join(v.message for v in violations)
    rules = ", ".join(sorted({v.rule_id for v in violations}))
    return tool_error(
        f"Not sent: the request breaks the Pixapi contract ({rules}): {lines}",
        category="invalid_request",
        retryable=False,
        fix=violations[0].message,
    )


def build(factory: Callable[[], T]) -> T:
    """``factory()`` (a contract request built from tool arguments), its validation errors as a
    ``ToolError``: the strict request models re-check what the lax tool schema let through."""
    try:
        return factory()
    except ValidationError as exc:
        raise from_validation(exc) from None
