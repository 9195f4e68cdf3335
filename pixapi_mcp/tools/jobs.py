"""The paid-job flow, described once: validate -> output folder -> spend check (credits held) ->
ledger -> send -> bounded wait -> files -> result, the held credits settled to the charge.

A paid tool is its arguments plus a ``JobSpec`` (what it sends, where, and the shape of its
result); ``run_job`` does the rest. Rules of the road, from what users of peer servers lose:
- every paid request is in the ledger before it is sent, and the task id is recorded (shielded
  from cancellation) the moment the API answers, so a cancelled call or a restart loses nothing;
- a request that may have reached the API is never resent: its outcome is recorded as unknown;
- every call returns within the tool deadline: slow work hands back a task handle;
- credits are held before sending and end once: released when nothing was sent or the API
  refused, settled to the ``credits_cost`` Pixapi reports, held when the outcome is unknown.
This module knows nothing of HTTP: it talks to ``PixapiClient`` and its errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import anyio
from mcp_types import CallToolResult, ListRootsResult

from pixapi_mcp.client import ContractError, PixapiClient, PixapiError
from pixapi_mcp.contract import (
    Endpoint,
    ImageEditRequest,
    ImageGenerationRequest,
    ImageResponse,
    Task,
    TaskSubmission,
    VideoGenerationRequest,
    estimate_request,
)
from pixapi_mcp.tools.errors import build, from_api_error, from_contract, tool_error
from pixapi_mcp.tools.finish import finish, finish_sync_images, pending
from pixapi_mcp.tools.guardrails import SpendAnswer, check_spend, confirmation_started
from pixapi_mcp.tools.outputs import CallPlace, OutputKind, output_place
from pixapi_mcp.tools.polling import ProgressReporter, budget, next_poll_delay, wait_for_task
from pixapi_mcp.tools.results import ResultShape
from pixapi_mcp.tools.state import AppContext, AppState, Reservation, app_state

PaidRequest = ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest
RequestT = TypeVar("RequestT", bound=PaidRequest)
AnswerT = TypeVar("AnswerT")


@dataclass(frozen=True)
class Route(Generic[RequestT, AnswerT]):
    """One way to send a request: the endpoint (checked and recorded) and the client call."""

    endpoint: Endpoint
    send: Callable[[PixapiClient, RequestT], Awaitable[AnswerT]]


@dataclass(frozen=True)
class JobSpec(Generic[RequestT]):
    """What a paid tool sends and how its result looks; the flow around it is ``run_job``'s."""

    tool: str  # its name in the ledger
    kind: OutputKind  # how its files are named and checked
    shape: ResultShape  # outputs in data[] (images) or result.data[] (tasks)
    submit: Route[RequestT, TaskSubmission]  # the async endpoint, the default
    sync: Route[RequestT, ImageResponse] | None = None  # when the tool offers sync=True


@dataclass(frozen=True)
class JobOptions:
    """What every paid call takes beside its request: where files go, the user's spend answer,
    how long to wait, and whether to use the synchronous endpoint."""

    output_dir: str | None
    roots: ListRootsResult | None
    confirmation: SpendAnswer | None
    wait_s: float | None = None
    sync: bool = False


async def run_job(
    ctx: AppContext,
    spec: JobSpec[RequestT],
    options: JobOptions,
    make_request: Callable[[], RequestT],
    *,
    started: float | None = None,
) -> CallToolResult:
    """The one path of every paid call: build and contract-check the request, choose the output
    folder, check the spend, open the ledger row, then send (sync, or an async submission
    followed by a bounded wait). ``started`` is when the call began, if work came before this."""
    state = app_state(ctx)
    started = state.timer.now() if started is None else started
    asked_at = confirmation_started(options.confirmation)
    if asked_at is not None:  # waiting for the user's yes counts against the deadline too
        started = min(started, asked_at)
    request = build(make_request)
    sync = spec.sync if options.sync else None
    endpoint = sync.endpoint if sync else spec.submit.endpoint
    await _preflight(state, request, endpoint)
    place = output_place(state, options.output_dir, options.roots, spec.kind, request.model, request.prompt)
    # What is sent, controls included: `n` counts wherever it was given.
    estimate = estimate_request(request.body(), video_credits=state.settings.video_credits_estimate)
    await settle_reported(state)
    held = check_spend(state, options.confirmation, estimate)
    try:
        row_id = await _open_row(state, spec.tool, endpoint, request, place, estimate.credits)
    except BaseException:
        state.spend.release(held)
        raise
    state.spend.attach(held, row_id)
    client = state.client
    if sync is not None:
        response = await _send(state, row_id, held, lambda: sync.send(client, request))
        charged = _reported_cost(response)
        state.spend.settle(held, charged if charged is not None else held.amount)
        return await finish_sync_images(state, row_id, response, place, held.charged)
    submission = await _send(state, row_id, held, lambda: spec.submit.send(client, request), shield=True)
    return await _after_submission(
        state, ctx, row_id, submission, place, options.wait_s, started, spec.tool, spec.shape, held
    )


async def settle_reported(state: AppState) -> None:
    """Settle held credits whose outcome the ledger now knows (a get_task finished the task,
    or another path recorded it), so charges Pixapi reported count, not estimates."""
    for held in state.spend.held():
        if held.row_id is None:
            continue
        row = await state.ledger.get(held.row_id)
        if row is None or row.status in ("sending", "submitted", "processing", "unknown"):
            continue  # no charge known yet, or it may have been charged: keep holding
        if row.status == "completed":
            # No credits_cost reported: the estimate (or held ceiling) stands as the charge.
            state.spend.settle(held, row.credits_charged if row.credits_charged is not None else held.amount)
        else:  # failed, rejected, not_sent: Pixapi charges only successful outputs
            state.spend.settle(held, row.credits_charged or 0.0)


def _reported_cost(response: ImageResponse) -> float | None:
    """``credits_cost`` when a synchronous answer carries one (documented for tasks only)."""
    value = (response.model_extra or {}).get("credits_cost")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


async def _preflight(state: AppState, request: PaidRequest, endpoint: Endpoint) -> None:
    try:
        await state.client.preflight(request, endpoint)
    except ContractError as exc:
        raise from_contract(exc.violations) from None
    except PixapiError as exc:
        raise from_api_error(exc) from None


async def _open_row(
    state: AppState,
    tool: str,
    endpoint: Endpoint,
    request: PaidRequest,
    place: CallPlace,
    estimate: float | None,
) -> int:
    params = request.body()
    if isinstance(request, ImageEditRequest):
        params["image"] = [f"{img.filename} ({len(img.content)} bytes)" for img in request.images]
    return await state.ledger.open(
        tool=tool,
        endpoint=endpoint.value,
        base_url=state.settings.base_url,
        model=request.model,
        prompt=request.prompt,
        params=params,
        output_dir=str(place.output_dir),
        credits_estimate=estimate,
    )


async def _send(
    state: AppState,
    row_id: int,
    held: Reservation,
    call: Callable[[], Awaitable[AnswerT]],
    *,
    shield: bool = False,
) -> AnswerT:
    """Send a paid request whose ledger row exists; record what became of it whatever happens.

    ``shield`` (async submissions): a cancel arriving while the POST is in flight waits for the
    answer, so the task id it carries is recorded instead of lost. The POST is quick and bounded
    by the HTTP timeout; the cancel takes effect right after."""
    try:
        if shield:
            with anyio.CancelScope(shield=True):
                return await call()
        return await call()
    except PixapiError as exc:
        if not exc.sent:
            status = "not_sent"
        elif exc.status is None:
            status = "unknown"  # may have been charged: never resend blindly, keep the credits held
        else:
            status = "rejected"  # the API answered with an error: nothing produced, nothing charged
        if status != "unknown":
            state.spend.release(held)
        await state.ledger.update(row_id, status=status, error=str(exc), request_id=exc.request_id)
        if status == "unknown":
            raise tool_error(
                f"{exc} The request may have reached Pixapi, so it was not resent (that could charge twice).",
                category=exc.category,
                retryable=False,
                fix="Check list_tasks and the Pixapi dashboard before submitting again.",
                request_id=exc.request_id,
                ledger_id=row_id,
            ) from None
        raise from_api_error(exc, row_id) from None
    except BaseException:
        # Cancelled (or crashed) while the POST was in flight: the outcome is unknown.
        await state.ledger.update(row_id, status="unknown", error="interrupted while sending")
        raise


async def _after_submission(
    state: AppState,
    ctx: AppContext,
    row_id: int,
    submission: TaskSubmission,
    place: CallPlace,
    wait_s: float | None,
    started: float,
    label: str,
    shape: ResultShape,
    held: Reservation,
) -> CallToolResult:
    """Record the task id, wait within budget, and finish or hand back a handle. A task that
    ended settles the held credits to its ``credits_cost`` before the result reports them."""
    await state.ledger.update(
        row_id,
        task_id=submission.id,
        status=submission.status,
        progress=submission.progress,
        model=submission.model or place.model,
    )
    reporter = ProgressReporter(ctx, label)
    await reporter.report(0, f"submitted task {submission.id}")
    state.task_age(submission.id)  # the task's clock starts now
    wait_budget = budget(state, wait_s, started)
    task: Task | None = None
    poll_after = next_poll_delay(0.0, submission.progress, 0)
    try:
        if wait_budget > 0:
            task, poll_after = await wait_for_task(
                state, submission.id, wait_budget, reporter, row_id, (submission.status, submission.progress)
            )
    except PixapiError as exc:
        # The task exists and is recorded; only this look failed.
        raise tool_error(
            f"Task {submission.id} was submitted, but checking on it failed: {exc}",
            category=exc.category,
            retryable=True,
            fix=f"Call get_task with task_id={submission.id!r} to resume; do not resubmit.",
            request_id=exc.request_id,
            ledger_id=row_id,
        ) from None
    if task is None or not task.is_terminal:
        view = task or Task(id=submission.id, status=submission.status, progress=submission.progress)
        return await pending(state, view, row_id, submission.created_at, place.model, shape, poll_after)
    if task.status == "failed":
        state.spend.settle(held, task.credits_cost or 0.0)  # only successful outputs are charged
    else:
        state.spend.settle(held, task.credits_cost if task.credits_cost is not None else held.amount)
    return await finish(state, reporter, row_id, task, place, shape, submission.created_at)
