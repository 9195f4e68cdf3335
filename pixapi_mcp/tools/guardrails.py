"""Spend guardrails: a price for every paid call, the user's confirmation when it is costly or
unknown, and caps that hold when calls run at once.

Every paid call has an estimate (``contract.estimate_request`` over what is sent: ``n`` wherever
it was given, the configured video estimate, a family's price, or *unknown*). Before anything is
sent, ``check_spend`` refuses what the user did not agree to and what the caps forbid, and holds
the call's credits in the session's book (``state.spend``) in the same step; ``jobs`` then
releases them if nothing was sent, or settles them to the credits Pixapi reports.

Confirmation: a call estimated above ``PIXAPI_CONFIRM_ABOVE_CREDITS``, or of unknown price, is
confirmed by the user through MCP elicitation (the SDK's ``Resolve`` runs ``confirm_spend``
before the tool body) or by the caller's ``max_credits``. On the 2026-07-28 protocol the question
rides the call's ``InputRequiredResult`` and the server holds nothing while the person thinks;
on earlier protocols the server asks mid-call, so it waits at most ``PIXAPI_CONFIRM_TIMEOUT_S``
and a client that answers with an error gets the path of hosts that cannot ask (confirm with
``max_credits``). ``max_credits`` is the caller's ceiling: a call estimated above it is refused.

Two kinds of cap: the session cap (``PIXAPI_MAX_CREDITS_PER_SESSION``) is this process's book,
checked here; the store's caps (``store_caps``: ``PIXAPI_MAX_CREDITS_PER_DAY`` for the whole
deployment, and per-caller and per-team budgets per day and month, from the settings or an
operator's override in the store) are checked by the ledger in the transaction that writes the
request's row, so every replica counts the same credits (``over_budget`` words its refusal).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NoReturn, cast

import anyio
from mcp.server.mcpserver import AcceptedElicitation, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from pixapi_mcp.auth import Caller, current_caller
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import CreditEstimate, estimate_request
from pixapi_mcp.ledger import DEPLOYMENT, BudgetExceeded, Cap, LedgerError, Scope
from pixapi_mcp.ledger.budget import Period
from pixapi_mcp.tools.errors import tool_error
from pixapi_mcp.tools.state import AppContext, AppState, Reservation, app_state, asks_mid_call

log = logging.getLogger(__name__)


class SpendConfirmation(BaseModel):
    """What the user is asked when a call is costly or its price unknown."""

    confirm: bool = Field(description="Spend these credits?")


DecisionKind = Literal["not_asked", "capped", "confirmed", "declined", "cannot_ask", "not_answered"]


@dataclass(frozen=True)
class SpendDecision:
    """What came of the confirmation step when the server decided or asked on its own:
    ``not_asked`` (no question needed, or ``max_credits`` answers it), ``capped`` (not asked: the
    caps refuse it as things stand), the user's answer
    (``confirmed``/``declined``), ``cannot_ask`` (no elicitation, or the client answered it with
    an error) or ``not_answered`` within PIXAPI_CONFIRM_TIMEOUT_S. ``asked_at`` (timer time) is
    when the question went out: the wait counts against the call's deadline."""

    kind: DecisionKind
    estimate: CreditEstimate
    max_credits: float | None
    asked_at: float | None = None
    reason: str = ""


def sent_fields(controls: dict[str, Any] | None, **documented: Any) -> dict[str, Any]:
    """The body a tool's arguments make: documented fields that are set, then controls that do
    not repeat them (the merge of ``contract`` requests' ``body()``), so the estimate the user
    confirms is the estimate of what is sent."""
    body = {k: v for k, v in documented.items() if v is not None}
    for key, value in (controls or {}).items():
        body.setdefault(key, value)
    return body


def needs_confirmation(settings: Settings, estimate: CreditEstimate) -> bool:
    """Unknown prices and estimates above PIXAPI_CONFIRM_ABOVE_CREDITS need the user's yes."""
    return estimate.credits is None or estimate.credits > settings.confirm_above_credits


def _covered_by_max_credits(estimate: CreditEstimate, max_credits: float | None) -> bool:
    """``max_credits`` confirms a call it covers; for an unknown price it is the ceiling accepted."""
    if max_credits is None:
        return False
    return estimate.credits is None or max_credits >= estimate.credits


async def confirm_spend(
    ctx: AppContext,
    model: str,
    n: int | None = None,
    size: str | None = None,
    quality: str | None = None,
    controls: dict[str, Any] | None = None,
    max_credits: float | None = None,
) -> Elicit[SpendConfirmation] | SpendDecision:
    """The image tools' confirmation step (parameters are the tool's arguments of the same names,
    filled in by the SDK). Asks only when a yes is needed and could make a difference: calls
    ``max_credits`` already covers, or that ``check_spend`` will refuse anyway, are not asked."""
    state = app_state(ctx)
    fields = sent_fields(controls, model=model, n=n, size=size, quality=quality)
    return await _confirm(
        ctx, state, estimate_request(fields, video_credits=state.settings.video_credits_estimate), max_credits
    )


async def confirm_video_spend(
    ctx: AppContext,
    model: str,
    controls: dict[str, Any] | None = None,
    max_credits: float | None = None,
) -> Elicit[SpendConfirmation] | SpendDecision:
    """``confirm_spend`` for ``create_video``."""
    state = app_state(ctx)
    fields = sent_fields(controls, model=model)
    return await _confirm(
        ctx, state, estimate_request(fields, video_credits=state.settings.video_credits_estimate), max_credits
    )


async def _confirm(
    ctx: AppContext, state: AppState, estimate: CreditEstimate, max_credits: float | None
) -> Elicit[SpendConfirmation] | SpendDecision:
    settings = state.settings
    skip = SpendDecision("not_asked", estimate, max_credits)
    if not needs_confirmation(settings, estimate) or _covered_by_max_credits(estimate, max_credits):
        return skip
    if max_credits is not None:
        return skip  # a ceiling below the estimate: check_spend refuses it with the reason
    if _refused_anyway(state, estimate) or await _over_store_cap(state, estimate, current_caller()):
        return SpendDecision("capped", estimate, max_credits)  # asking would waste the person's time
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    # A bare `elicitation: {}` means form support; url-only does not (as the SDK reads it).
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return SpendDecision(
            "cannot_ask", estimate, max_credits, reason="this host cannot show a confirmation dialog"
        )
    question = _question(settings, estimate)
    if not asks_mid_call(ctx):  # the client holds the question: the server waits for nobody
        return Elicit(question, SpendConfirmation)
    return await _ask_within_bound(ctx, state, question, estimate)


def _refused_anyway(state: AppState, estimate: CreditEstimate) -> bool:
    settings = state.settings
    held = _held_amount(settings, estimate, None)
    return (
        estimate.credits is not None and estimate.credits > settings.max_credits_per_call
    ) or state.spend.total + held > settings.max_credits_per_session


async def _over_store_cap(state: AppState, estimate: CreditEstimate, caller: Caller) -> bool:
    """Whether a store cap refuses the call as things stand (the check that counts comes when the
    row is written). A store that cannot answer now refuses nothing here."""
    held = _held_amount(state.settings, estimate, None)
    try:
        for cap in await store_caps(state, caller):
            if await state.ledger.spent(cap) + held > cap.limit:
                return True
    except LedgerError:
        return False
    return False


async def store_caps(state: AppState, caller: Caller) -> list[Cap]:
    """The caps the store checks, atomically for every replica, when a paid request's row is
    written: the deployment's day cap, then the caller's and their team's day and month budgets
    (the settings' defaults, or the override an operator set in the store with ``pixapi-mcp
    budget set``, read now so a change reaches every replica without a restart). Raises
    ``LedgerError`` when the store cannot say (then nothing may be sent)."""
    settings = state.settings
    caps: list[Cap] = []
    if settings.max_credits_per_day is not None:
        caps.append(Cap(DEPLOYMENT, "day", settings.max_credits_per_day, "PIXAPI_MAX_CREDITS_PER_DAY"))
    defaults: dict[str, tuple[float | None, float | None]] = {
        "caller": (settings.max_credits_per_caller_day, settings.max_credits_per_caller_month),
        "team": (settings.max_credits_per_team_day, settings.max_credits_per_team_month),
    }
    scopes = [Scope("caller", caller.id), *([Scope("team", caller.team)] if caller.team else [])]
    overrides = await state.ledger.budgets([scope.key for scope in scopes])
    for scope in scopes:
        override = overrides.get(scope.key)
        for period, default in zip(_PERIODS, defaults[scope.kind], strict=True):
            limit = getattr(override, period) if override is not None else None
            setting = f"the {period} budget set for {scope.key}"
            if limit is None:
                limit, setting = default, f"PIXAPI_MAX_CREDITS_PER_{scope.kind.upper()}_{period.upper()}"
            if limit is not None and not math.isinf(limit):
                caps.append(Cap(scope, period, limit, setting))
    return caps


_PERIODS: tuple[Period, Period] = ("day", "month")


def over_budget(exc: BudgetExceeded, estimate: CreditEstimate) -> ToolError:
    """The refusal of a call a store cap would pass: what remains, and when the period resets."""
    cap = exc.cap
    whose = {
        "deployment": "the deployment's spend (every replica and caller together)",
        "caller": "your spend",
        "team": f"team {cap.scope.name}'s spend",
    }[cap.scope.kind]
    period = "today (UTC)" if cap.period == "day" else "this month (UTC)"
    resets = dt.datetime.fromtimestamp(exc.resets_at, dt.UTC)
    left = max(exc.resets_at - dt.datetime.now(dt.UTC).timestamp(), 0.0)
    counted = f"{exc.amount:g} credits" + (
        "" if estimate.credits is not None else " held for its unknown price"
    )
    fix = (
        f"Wait until {resets:%Y-%m-%d %H:%M} UTC, choose a cheaper model or fewer outputs (list_models "
        f"shows prices), or ask the operator to raise {cap.setting}."
    )
    # A setting reads NAME=limit; an operator's override reads "the day budget set for ... (limit)".
    limit = (
        f"{cap.setting}={cap.limit:g}"
        if cap.setting.startswith("PIXAPI_")
        else f"{cap.setting} ({cap.limit:g})"
    )
    if estimate.credits is None and exc.remaining > 0:
        fix = (
            f"If the user accepts at most {exc.remaining:g} credits for it, call again with "
            f"max_credits={exc.remaining:g}. " + fix
        )
    return tool_error(
        f"This call ({counted}) would take {whose} {period} to {exc.total + exc.amount:g} credits, above "
        f"{limit}: {exc.total:g} spent or held so far, {exc.remaining:g} remaining. "
        f"It resets at {resets:%Y-%m-%d %H:%M} UTC (in {_duration(left)}). "
        "Nothing was sent.",
        category="credit_cap",
        retryable=False,
        fix=fix,
    )


def _duration(seconds: float) -> str:
    """``3 h 5 min``, or ``12 days 3 h`` when a month's reset is far off."""
    hours, minutes = int(seconds // 3600), int(seconds % 3600 // 60)
    return f"{hours // 24} days {hours % 24} h" if hours >= 48 else f"{hours} h {minutes} min"


def _question(settings: Settings, estimate: CreditEstimate) -> str:
    if estimate.credits is None:
        return (
            f"Pixapi: the price of this call is unknown ({estimate.note}). Up to "
            f"{settings.max_credits_per_call:g} credits (the per-call cap) will count against this session until "
            "Pixapi reports the charge. Send it?"
        )
    return (
        f"Pixapi: this call is estimated at {estimate.credits:g} credits ({estimate.note}); your confirmation "
        f"threshold is {settings.confirm_above_credits:g}. Spend them?"
    )


async def _ask_within_bound(
    ctx: AppContext, state: AppState, question: str, estimate: CreditEstimate
) -> SpendDecision:
    """Ask mid-call (protocols before 2026-07-28), waiting at most PIXAPI_CONFIRM_TIMEOUT_S."""
    asked_at = state.timer.now()
    with anyio.move_on_after(state.settings.confirm_timeout_s):
        try:
            answer = await ctx.elicit(question, SpendConfirmation)
        except Exception as exc:  # an error answer, a malformed one, a session that cannot ask
            log.info("spend confirmation failed (%s); falling back to max_credits", type(exc).__name__)
            return SpendDecision(
                "cannot_ask",
                estimate,
                None,
                asked_at,
                reason="the host answered the confirmation request with an error",
            )
        accepted = isinstance(answer, AcceptedElicitation) and answer.data.confirm
        return SpendDecision("confirmed" if accepted else "declined", estimate, None, asked_at)
    return SpendDecision("not_answered", estimate, None, asked_at)


SpendAnswer = ElicitationResult[SpendConfirmation]
Confirmation = Annotated[SpendAnswer, Resolve(confirm_spend)]
VideoConfirmation = Annotated[SpendAnswer, Resolve(confirm_video_spend)]

_DECLINED_FIX = "Ask the user before trying again, or choose a cheaper model or fewer outputs."


def confirmation_started(confirmation: SpendAnswer | None) -> float | None:
    """When this call's confirmation question went out (timer time), if the server waited for it."""
    answer = cast(object, confirmation.data) if isinstance(confirmation, AcceptedElicitation) else None
    return answer.asked_at if isinstance(answer, SpendDecision) else None


def check_spend(state: AppState, confirmation: SpendAnswer | None, estimate: CreditEstimate) -> Reservation:
    """Refuse the call unless the user (or ``max_credits``) agreed and the caps allow it; then
    hold its credits in the session's book. ``estimate`` is that of the request about to be sent.
    The session check and the hold are one atomic step (``SpendBook.reserve``)."""
    settings = state.settings
    decision = _decision(confirmation, estimate)
    max_credits = decision.max_credits
    figure = (
        f"{estimate.credits:g} credits ({estimate.note})"
        if estimate.credits is not None
        else "of unknown price"
    )
    if estimate.credits is not None and max_credits is not None and estimate.credits > max_credits:
        raise tool_error(
            f"This call is estimated at {figure}, above your max_credits={max_credits:g}. Nothing was sent.",
            category="credit_cap",
            retryable=False,
            fix=f"Lower n or choose a cheaper model, or, if the user agrees, call again with max_credits={estimate.credits:g}.",
        )
    if estimate.credits is not None and estimate.credits > settings.max_credits_per_call:
        raise tool_error(
            f"This call is estimated at {figure}, above the per-call cap "
            f"PIXAPI_MAX_CREDITS_PER_CALL={settings.max_credits_per_call:g}. Nothing was sent.",
            category="credit_cap",
            retryable=False,
            fix="Lower n, choose a cheaper model (list_models shows prices), or raise the cap in the server settings.",
        )
    amount = _held_amount(settings, estimate, max_credits)
    if amount <= 0:
        raise tool_error(
            f"This call is {figure} and PIXAPI_MAX_CREDITS_PER_CALL is 0, so nothing of unknown price may be sent. "
            "Nothing was sent.",
            category="credit_cap",
            retryable=False,
            fix="Raise PIXAPI_MAX_CREDITS_PER_CALL in the server settings, or use a model with a documented price.",
        )
    if decision.kind == "capped" and state.spend.total + amount > settings.max_credits_per_session:
        _over_session_cap(settings, estimate, amount, state.spend.total)  # why the user was not asked
    if needs_confirmation(settings, estimate):
        _require_yes(settings, decision, estimate)
    # The check that counts: atomic with the hold, whatever was spent while the user was asked.
    reservation, total = state.spend.reserve(amount, estimate, max_credits, settings.max_credits_per_session)
    if reservation is None:
        _over_session_cap(settings, estimate, amount, total)
    return reservation


def _over_session_cap(settings: Settings, estimate: CreditEstimate, amount: float, total: float) -> NoReturn:
    counted = f"{amount:g} credits" + ("" if estimate.credits is not None else " held for its unknown price")
    fix = "Ask the user to raise the session cap (a server setting) or restart the server to start a new session."
    room = settings.max_credits_per_session - total
    if estimate.credits is None and room > 0:
        fix = (
            f"If the user accepts at most {room:g} credits for it, call again with max_credits={room:g}. "
            + fix
        )
    raise tool_error(
        f"This call ({counted}) would take this session to {total + amount:g} credits, above "
        f"PIXAPI_MAX_CREDITS_PER_SESSION={settings.max_credits_per_session:g} (spent or held so far: "
        f"{total:g}). Nothing was sent.",
        category="credit_cap",
        retryable=False,
        fix=fix,
    )


def _held_amount(settings: Settings, estimate: CreditEstimate, max_credits: float | None) -> float:
    """What a call counts against the session until its charge is known: its estimate; for an
    unknown price, the most the caller accepted, at most the per-call cap (never zero)."""
    if estimate.credits is not None:
        return estimate.credits
    ceiling = settings.max_credits_per_call
    return min(max_credits, ceiling) if max_credits is not None else ceiling


def _decision(confirmation: SpendAnswer | None, estimate: CreditEstimate) -> SpendDecision:
    """The confirmation outcome in one shape: the SDK hands back either the server's own
    ``SpendDecision`` or, when the client held the question (2026-07-28), the user's answer."""
    if not isinstance(confirmation, AcceptedElicitation):
        raise tool_error(
            "The user declined to spend the credits; nothing was sent.",
            category="declined",
            retryable=False,
            fix=_DECLINED_FIX,
        )
    answer = cast(object, confirmation.data)  # a SpendConfirmation when asked, else a SpendDecision
    if isinstance(answer, SpendDecision):
        return answer
    confirmed = isinstance(answer, SpendConfirmation) and answer.confirm
    return SpendDecision("confirmed" if confirmed else "declined", estimate, None)


def _require_yes(settings: Settings, decision: SpendDecision, estimate: CreditEstimate) -> None:
    """Raise unless the user said yes to (at least) this estimate, or ``max_credits`` covers it."""
    if _covered_by_max_credits(estimate, decision.max_credits):
        return
    if decision.kind == "confirmed" and _same_or_more(decision.estimate, estimate):
        return
    ceiling = (
        f"max_credits={estimate.credits:g}"
        if estimate.credits is not None
        else "max_credits=<the most the user accepts>"
    )
    about = (
        f"estimated at {estimate.credits:g} credits ({estimate.note}), above the confirmation threshold "
        f"({settings.confirm_above_credits:g})"
        if estimate.credits is not None
        else f"of unknown price ({estimate.note})"
    )
    if decision.kind == "declined":
        raise tool_error(
            "The user did not confirm spending the credits; nothing was sent.",
            category="declined",
            retryable=False,
            fix=_DECLINED_FIX,
        )
    if decision.kind == "not_answered":
        raise tool_error(
            f"This call is {about}; the confirmation was not answered within "
            f"PIXAPI_CONFIRM_TIMEOUT_S={settings.confirm_timeout_s:g} s, so it is not given. Nothing was sent.",
            category="confirmation_required",
            retryable=True,
            fix=f"Ask the user in the chat; if they agree, call again with {ceiling}.",
        )
    if decision.kind == "confirmed":  # confirmed a smaller figure than the one about to be sent
        raise tool_error(
            f"This call is {about}, more than the user confirmed ({decision.estimate.note}). Nothing was sent.",
            category="confirmation_required",
            retryable=True,
            fix=f"Confirm with the user, then call again with {ceiling}.",
        )
    reason = decision.reason or "no confirmation was given"
    raise tool_error(
        f"This call is {about}, and {reason}. Nothing was sent.",
        category="confirmation_required",
        retryable=True,
        fix=f"Confirm with the user, then call again with {ceiling} (or more).",
    )


def _same_or_more(confirmed: CreditEstimate, sent: CreditEstimate) -> bool:
    if confirmed.credits is None:
        return True  # a yes to an unknown price is a yes to any figure, within the held ceiling
    return sent.credits is not None and sent.credits <= confirmed.credits
