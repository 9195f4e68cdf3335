"""The paid-job flow, described once: validate -> output folder -> spend check -> ledger -> send ->
bounded wait -> files -> result.

A paid tool is its arguments plus a ``JobSpec`` (what it sends, where, and the shape of its
result); ``run_job`` does the rest. Rules of the road, from what users of peer servers lose:
- every paid request is in the ledger before it is sent, and the task id is recorded (shielded
  from cancellation) the moment the API answers, so a cancelled call or a restart loses nothing;
- a request that may have reached the API is never resent: its outcome is recorded as unknown;
- every call returns within the tool deadline: slow work hands back a task handle.
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
    estimate_credits,
)
from pixapi_mcp.tools.errors import build, from_api_error, from_contract, tool_error
from pixapi_mcp.tools.finish import finish, finish_sync_images, pending
from pixapi_mcp.tools.guardrails import SpendAnswer, check_spend
from pixapi_mcp.tools.outputs import CallPlace, OutputKind, output_place
from pixapi_mcp.tools.polling import ProgressReporter, budget, next_poll_delay, wait_for_task
from pixapi_mcp.tools.results import ResultShape
from pixapi_mcp.tools.state import AppContext, AppState, app_state

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
    request = build(make_request)
    sync = spec.sync if options.sync else None
    endpoint = sync.endpoint if sync else spec.submit.endpoint
    await _preflight(state, request, endpoint)
    place = output_place(state, options.output_dir, options.roots, spec.kind, request.model, request.prompt)
    estimate = estimate_credits(request.model, _output_count(request))
    check_spend(state, options.confirmation, estimate)
    row_id = await _open_row(state, spec.tool, endpoint, request, place, estimate)
    client = state.client
    if sync is not None:
        response = await _send(state, row_id, estimate, lambda: sync.send(client, request))
        return await finish_sync_images(state, row_id, response, place, estimate)
    submission = await _send(state, row_id, estimate, lambda: spec.submit.send(client, request), shield=True)
    return await _after_submission(
        state, ctx, row_id, submission, place, options.wait_s, started, spec.tool, spec.shape
    )


def _output_count(request: PaidRequest) -> int:
    return 1 if isinstance(request, VideoGenerationRequest) else request.n or 1


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
    estimate: float | None,
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
            state.session_credits -= estimate or 0.0  # provably not spent
        elif exc.status is None:
            status = "unknown"  # may have been charged: never resend blindly
        else:
            status = "rejected"
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
) -> CallToolResult:
    """Record the task id, wait within budget, and finish or hand back a handle."""
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
    return await finish(state, reporter, row_id, task, place, shape, submission.created_at)
