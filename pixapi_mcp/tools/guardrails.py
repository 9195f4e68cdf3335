"""Spend guardrails: ask the user before a costly call, and refuse what the caps forbid.

A call estimated above ``PIXAPI_CONFIRM_ABOVE_CREDITS`` is confirmed through MCP elicitation (the
SDK's ``Resolve`` dependency runs before the tool body); a host that cannot ask is told to confirm
with ``max_credits``. The per-call and per-session caps refuse whatever was agreed. Nothing is
sent until ``check_spend`` has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, cast

from mcp.server.mcpserver import AcceptedElicitation, Elicit, ElicitationResult, Resolve
from pydantic import BaseModel, Field

from pixapi_mcp.contract import estimate_credits
from pixapi_mcp.tools.errors import tool_error
from pixapi_mcp.tools.state import AppContext, AppState, app_state


class SpendConfirmation(BaseModel):
    """What the user is asked when a call costs more than PIXAPI_CONFIRM_ABOVE_CREDITS."""

    confirm: bool = Field(description="Spend these credits?")


@dataclass(frozen=True)
class SpendVerdict:
    """A spending decision made without asking: ``ok`` or ``cannot_ask`` (the host cannot elicit)."""

    kind: Literal["ok", "cannot_ask"]
    estimate: float | None


async def confirm_spend(
    ctx: AppContext, model: str, n: int | None = None, max_credits: float | None = None
) -> Elicit[SpendConfirmation] | SpendVerdict:
    """Before a costly call runs, ask the user (MCP elicitation) unless the estimate is at or under
    the threshold, or the caller confirmed with ``max_credits`` at or above it. Calls the caps will
    refuse anyway are not asked about: the tool body refuses them with the reason.

    The parameters are the tool's own arguments of the same names (filled in by the SDK)."""
    settings = app_state(ctx).settings
    estimate = estimate_credits(model, n or 1)
    if (
        estimate is None
        or estimate <= settings.confirm_above_credits
        or estimate > settings.max_credits_per_call
    ):
        return SpendVerdict("ok", estimate)
    if max_credits is not None and max_credits >= estimate:
        return SpendVerdict("ok", estimate)
    caps = ctx.client_capabilities
    if caps is None or caps.elicitation is None:
        return SpendVerdict("cannot_ask", estimate)
    return Elicit(
        f"Pixapi: {model} x{n or 1} is estimated at {estimate:g} credits (documented starting price; "
        f"your confirmation threshold is {settings.confirm_above_credits:g}). Spend them?",
        SpendConfirmation,
    )


async def confirm_video_spend(
    ctx: AppContext, model: str, max_credits: float | None = None
) -> Elicit[SpendConfirmation] | SpendVerdict:
    """``confirm_spend`` for a tool without ``n`` (one video per call)."""
    return await confirm_spend(ctx, model, 1, max_credits)


SpendAnswer = ElicitationResult[SpendConfirmation]
Confirmation = Annotated[SpendAnswer, Resolve(confirm_spend)]
VideoConfirmation = Annotated[SpendAnswer, Resolve(confirm_video_spend)]

_DECLINED_FIX = "Ask the user before trying again, or choose a cheaper model or fewer images."


def check_spend(state: AppState, confirmation: SpendAnswer | None, estimate: float | None) -> None:
    """Refuse the call unless the user (or ``max_credits``) agreed and the caps allow it; then
    count the estimate against the session. Check and count happen with no await in between."""
    settings = state.settings
    if not isinstance(confirmation, AcceptedElicitation):
        raise tool_error(
            "The user declined to spend the credits; nothing was sent.",
            category="declined",
            retryable=False,
            fix=_DECLINED_FIX,
        )
    answer = cast(object, confirmation.data)  # a SpendConfirmation when asked, else a SpendVerdict
    if isinstance(answer, SpendConfirmation) and not answer.confirm:
        raise tool_error(
            "The user did not confirm spending the credits; nothing was sent.",
            category="declined",
            retryable=False,
            fix=_DECLINED_FIX,
        )
    if isinstance(answer, SpendVerdict) and answer.kind == "cannot_ask":
        raise tool_error(
            f"This call is estimated at {estimate:g} credits, above the confirmation threshold "
            f"({settings.confirm_above_credits:g}), and this host cannot show a confirmation dialog. Nothing was sent.",
            category="confirmation_required",
            retryable=True,
            fix=f"Confirm with the user, then call again with max_credits={estimate:g} (or more).",
        )
    if estimate is None:
        return
    if estimate > settings.max_credits_per_call:
        raise tool_error(
            f"This call is estimated at {estimate:g} credits, above the per-call cap "
            f"PIXAPI_MAX_CREDITS_PER_CALL={settings.max_credits_per_call:g}. Nothing was sent.",
            category="credit_cap",
            retryable=False,
            fix="Lower n, choose a cheaper model (list_models shows prices), or raise the cap in the server settings.",
        )
    if state.session_credits + estimate > settings.max_credits_per_session:
        raise tool_error(
            f"This call ({estimate:g} credits) would take this session to "
            f"{state.session_credits + estimate:g} credits, above PIXAPI_MAX_CREDITS_PER_SESSION="
            f"{settings.max_credits_per_session:g}. Nothing was sent.",
            category="credit_cap",
            retryable=False,
            fix="Ask the user to raise the session cap (a server setting) or restart the server to start a new session.",
        )
    state.session_credits += estimate
