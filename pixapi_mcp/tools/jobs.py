"""The paid-job flow, described once: validate -> output folder -> spend check (credits held) ->
ledger -> send -> bounded wait -> files -> result, the held credits settled to the charge.

A paid tool is its arguments plus a ``JobSpec`` (what it sends, where, and the shape of its
result); ``run_job`` does the rest. Rules of the road, from what users of peer servers lose:
- every paid request is in the ledger before it is sent (a ledger that cannot take the row means
  nothing is sent), and the task id is recorded the moment the API answers, so a cancelled call
  or a restart loses nothing; a ledger that refuses that write keeps it queued (``Ledger``) and
  the result and the log carry the id;
- a request that may have reached the API is never resent: its outcome is recorded as unknown;
- every call returns within the tool deadline, the POST included: the POST runs in the server's
  background task group, and when the deadline comes first the call answers "unknown" (row
  ``unknown``, next: list_tasks) while the answer, when it comes, is still recorded; slow work
  after the POST hands back a task handle;
- credits are held before sending and end once: released when nothing was sent or the API
  refused, settled to the ``credits_cost`` Pixapi reports, held when the outcome is unknown. The
  ledger row is the store's reservation (its ``held`` credits, checked against the store's caps as
  it is written), and the row's final status settles it, on whichever replica learns it.
This module knows nothing of HTTP: it talks to ``PixapiClient`` and its errors.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ListRootsResult

from pixapi_mcp.auth import Caller, current_caller
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
from pixapi_mcp.ledger import UNFINISHED, BudgetExceeded, LedgerError
from pixapi_mcp.tools.errors import (
    build,
    from_api_error,
    from_contract,
    from_ledger_error,
    ledger_errors,
    tool_error,
)
from pixapi_mcp.tools.finish import finish, finish_sync_images, pending, unanswered
from pixapi_mcp.tools.guardrails import (
    SpendAnswer,
    check_spend,
    confirmation_started,
    over_budget,
    store_caps,
)
from pixapi_mcp.tools.outputs import CallPlace, OutputKind, output_place
from pixapi_mcp.tools.polling import (
    DOWNLOAD_RESERVE_S,
    ProgressReporter,
    budget,
    next_poll_delay,
    wait_for_task,
)
from pixapi_mcp.tools.results import ResultShape
from pixapi_mcp.tools.state import AppContext, AppState, Reservation, app_state

PaidRequest = ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest
RequestT = TypeVar("RequestT", bound=PaidRequest)
AnswerT = TypeVar("AnswerT")

log = logging.getLogger(__name__)

# Time kept back, once a submission is answered, to record it and reply.
ANSWER_RESERVE_S = 1.0
# The shortest wait for a POST's answer (see _post_wait).
MIN_POST_WAIT_S = 1.0


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
    with ledger_errors():
        # A ledger that cannot be opened refuses before anything is checked, held or sent.
        await state.ledger.ready()
        return await _run(state, ctx, spec, options, request, started)


async def _run(
    state: AppState,
    ctx: AppContext,
    spec: JobSpec[RequestT],
    options: JobOptions,
    request: RequestT,
    started: float,
) -> CallToolResult:
    sync = spec.sync if options.sync else None
    endpoint = sync.endpoint if sync else spec.submit.endpoint
    await _preflight(state, request, endpoint)
    place = output_place(state, options.output_dir, options.roots, spec.kind, request.model, request.prompt)
    # What is sent, controls included: `n` counts wherever it was given.
    estimate = estimate_request(request.body(), video_credits=state.settings.video_credits_estimate)
    await settle_reported(state)
    held = check_spend(state, options.confirmation, estimate)
    try:
        row_id = await _open_row(state, spec.tool, endpoint, request, place, held, current_caller())
    except LedgerError as exc:
        state.spend.release(held)
        raise from_ledger_error(exc, "Nothing was sent and nothing was charged.") from None
    except BudgetExceeded as exc:
        state.spend.release(held)
        raise over_budget(exc, estimate) from None
    except BaseException:
        state.spend.release(held)
        raise
    state.spend.attach(held, row_id)
    client = state.client
    if sync is not None:
        # The answer carries the images: saving them needs the download reserve of the deadline.
        sync_post = _Post(
            state,
            row_id,
            held,
            lambda: sync.send(client, request),
            late=functools.partial(_finish_late_sync, state, row_id, held, place),
        )
        response = await sync_post.answer(_post_wait(state, started, DOWNLOAD_RESERVE_S))
        if response is None:
            return await unanswered(state, row_id, place, spec.shape)
        _settle_sync(state, held, response)
        return await finish_sync_images(state, row_id, response, place, held.charged)
    post = _Post(
        state,
        row_id,
        held,
        lambda: spec.submit.send(client, request),
        record=functools.partial(_record_submission, state, row_id, place),
        late=functools.partial(_log_late_task, row_id),
    )
    submission = await post.answer(_post_wait(state, started, ANSWER_RESERVE_S))
    if submission is None:
        return await unanswered(state, row_id, place, spec.shape)
    return await _after_submission(
        state, ctx, row_id, submission, place, options.wait_s, started, spec.tool, spec.shape
    )


async def settle_reported(state: AppState) -> None:
    """Settle held credits whose outcome the ledger now knows (a get_task finished the task,
    or another path recorded it), so charges Pixapi reported count, not estimates."""
    for held in state.spend.held():
        if held.row_id is None:
            continue
        row = await state.ledger.get(held.row_id)
        if row is None or row.status in UNFINISHED:
            continue  # no charge known yet, or it may have been charged: keep holding
        # failed, rejected, not_sent: nothing charged unless Pixapi reported a charge
        state.spend.settle_ended(held, failed=row.status != "completed", charged=row.credits_charged)


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
    held: Reservation,
    caller: Caller,
) -> int:
    """The request's row, and the store's reservation of its held credits (``BudgetExceeded``
    when a store cap would be passed)."""
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
        credits_estimate=held.estimate.credits,
        held=held.amount,
        owner=caller.id,
        team=caller.team,
        caps=await store_caps(state, caller),
    )


def _post_wait(state: AppState, started: float, reserve_s: float) -> float:
    """How long a call may wait for its POST's answer: what is left of the tool deadline, less
    ``reserve_s`` to record the answer and reply. At least ``MIN_POST_WAIT_S``: a call whose
    deadline went by before sending (a long confirmation) still gives its answer a moment."""
    used = state.timer.now() - started
    return max(state.settings.tool_deadline_s - used - reserve_s, MIN_POST_WAIT_S)


# The ledger's word for a POST the call stopped waiting for; a late answer replaces it.
UNANSWERED = (
    "no answer before the call ended; not resent. The answer may still come: this server waits for it "
    "and records the task id here."
)


class _Post(Generic[AnswerT]):
    """One paid POST whose ledger row exists, sent once, in the server's background task group
    (``AppState.background``) so it can outlive the call: the call waits for the answer within its
    deadline, and an answer that comes later is still recorded (``record`` runs on every answer,
    ``late`` once the caller has gone). Whatever happens, the row says what became of it."""

    def __init__(
        self,
        state: AppState,
        row_id: int,
        held: Reservation,
        call: Callable[[], Awaitable[AnswerT]],
        *,
        record: Callable[[AnswerT], Awaitable[None]] | None = None,
        late: Callable[[AnswerT], Awaitable[None]] | None = None,
    ) -> None:
        self._state, self._row_id, self._held = state, row_id, held
        self._call, self._record, self._late = call, record, late
        self._done = anyio.Event()
        self._answer: AnswerT | None = None
        self._error: ToolError | None = None
        self._abandoned = False

    async def answer(self, wait_s: float) -> AnswerT | None:
        """The answer, or None when ``wait_s`` passed first: the row then says ``unknown`` until
        the answer comes. Raises the ``ToolError`` of a POST that failed."""
        background = self._state.background
        if background is None:  # nowhere to outlive the call: wait for the answer, cancel or not
            with anyio.CancelScope(shield=True):
                await self._run()
        else:
            background.start_soon(self._run)
            try:
                with anyio.move_on_after(wait_s):
                    await self._done.wait()
            finally:
                if not self._done.is_set():  # the deadline, or the client cancelled the call
                    self._abandoned = True
                    # Merged into the ledger before any await: a later answer's record comes after.
                    await self._state.ledger.update(self._row_id, status="unknown", error=UNANSWERED)
        if self._error is not None:
            raise self._error
        return self._answer

    async def _run(self) -> None:
        state, row_id = self._state, self._row_id
        try:
            answer = await self._call()
        except PixapiError as exc:
            self._error = await _record_failure(state, row_id, self._held, exc)
            if self._abandoned:
                log.warning("ledger row %d: the POST its call stopped waiting for failed: %s", row_id, exc)
        except BaseException:
            # Cancelled (the server shutting down) while the POST was in flight: the outcome is unknown.
            await state.ledger.update(row_id, status="unknown", error="interrupted while sending")
            raise
        else:
            self._answer = answer
            if self._record is not None:
                await self._record(answer)
            if self._abandoned and self._late is not None:
                await self._late(answer)
        finally:
            self._done.set()


async def _record_failure(state: AppState, row_id: int, held: Reservation, exc: PixapiError) -> ToolError:
    """Record what became of a POST that failed, settle what it held, and word it for the model."""
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
        return tool_error(
            f"{exc} The request may have reached Pixapi, so it was not resent (that could charge twice).",
            category=exc.category,
            retryable=False,
            fix="Check list_tasks and the Pixapi dashboard before submitting again.",
            request_id=exc.request_id,
            ledger_id=row_id,
        )
    return from_api_error(exc, row_id)


async def _record_submission(
    state: AppState, row_id: int, place: CallPlace, submission: TaskSubmission
) -> None:
    """The task id, recorded the moment the API answers (whoever is still waiting for it)."""
    await state.ledger.update(
        row_id,
        task_id=submission.id,
        status=submission.status,
        progress=submission.progress,
        model=submission.model or place.model,
    )


async def _log_late_task(row_id: int, submission: TaskSubmission) -> None:
    log.warning(
        "task %s was accepted after its call returned; recorded in ledger row %d (get_task(task_id=%r) resumes it)",
        submission.id,
        row_id,
        submission.id,
    )


def _settle_sync(state: AppState, held: Reservation, response: ImageResponse) -> None:
    state.spend.settle_ended(held, failed=False, charged=_reported_cost(response))


async def _finish_late_sync(
    state: AppState, row_id: int, held: Reservation, place: CallPlace, response: ImageResponse
) -> None:
    """A synchronous answer that came after its call returned: its images are saved and recorded
    all the same (list_tasks shows where), since they were paid for."""
    _settle_sync(state, held, response)
    await finish_sync_images(state, row_id, response, place, held.charged)
    log.info("ledger row %d: the answer came after its call returned; its images are saved", row_id)


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
    """Wait within budget (the task id is recorded already), and finish or hand back a handle. A
    task that ended settles the held credits (in ``finish``) before the result reports them."""
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
    # finish() settles what was held for this row, as it does for a task get_task finishes.
    return await finish(state, reporter, row_id, task, place, shape, submission.created_at)
