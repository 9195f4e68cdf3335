"""The task tools: ``get_task`` (resume async work with a bounded wait, save its outputs once) and
``list_tasks`` (the local ledger, so paid work survives restarts and lost chats). Each caller sees
only their own rows (``state.visible_owner``; an admin sees all)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import ListRoots, Resolve
from mcp_types import CallToolResult, ListRootsResult

from pixapi_mcp.auth import current_caller
from pixapi_mcp.client import PixapiError
from pixapi_mcp.contract import Task, task_path
from pixapi_mcp.ledger import UNFINISHED, LedgerError, LedgerRow
from pixapi_mcp.tool_result import call_result, short_text
from pixapi_mcp.tools.args import LimitArg, OutputDirArg, TaskIdArg, UnfinishedOnlyArg, WaitArg
from pixapi_mcp.tools.errors import from_api_error, ledger_errors, unknown_task
from pixapi_mcp.tools.finish import finish, pending
from pixapi_mcp.tools.images import EDIT_JOB, GENERATE_JOB
from pixapi_mcp.tools.outputs import CallPlace, OutputKind, all_files, output_place, workspace_roots
from pixapi_mcp.tools.polling import ProgressReporter, budget, wait_for_task
from pixapi_mcp.tools.present import resume_call
from pixapi_mcp.tools.registry import READS_API, READS_LOCAL, ToolDef
from pixapi_mcp.tools.results import MediaResult, TaskRow, TasksResult
from pixapi_mcp.tools.state import AppContext, AppState, app_state, visible_owner
from pixapi_mcp.tools.video import VIDEO_JOB

# The kind of output each paid tool makes, for resuming its work from the ledger.
_KIND_BY_TOOL: dict[str, OutputKind] = {job.tool: job.kind for job in (GENERATE_JOB, EDIT_JOB, VIDEO_JOB)}


async def task_roots(
    ctx: AppContext, task_id: TaskIdArg, output_dir: OutputDirArg = None
) -> ListRootsResult | ListRoots | None:
    """get_task's workspace roots (``workspace_roots``), not asked when they cannot matter: a task
    whose ledger row already names its folder, with no ``output_dir``, saves there. On the
    2026-07-28 protocol the question is a round trip of its own (the call's ``InputRequiredResult``
    and the client's retry) on every get_task, each poll of a running task included; on earlier
    protocols the answer is kept per connection, so nothing is saved by looking."""
    roots = await workspace_roots(ctx)
    if isinstance(roots, ListRoots) and output_dir is None:
        try:
            row = await app_state(ctx).ledger.find_task(task_id, visible_owner(current_caller()))
        except LedgerError:
            return roots  # the tool's own read reports the ledger's state
        if row is not None and row.output_dir:
            return None
    return roots


async def get_task(
    ctx: AppContext,
    task_id: TaskIdArg,
    wait_s: WaitArg = None,
    output_dir: OutputDirArg = None,
    roots: Annotated[ListRootsResult | None, Resolve(task_roots)] = None,
) -> Annotated[CallToolResult, MediaResult]:
    with ledger_errors():
        return await _get_task(app_state(ctx), ctx, task_id, wait_s, output_dir, roots)


async def _get_task(
    state: AppState,
    ctx: AppContext,
    task_id: str,
    wait_s: float | None,
    output_dir: str | None,
    roots: ListRootsResult | None,
) -> CallToolResult:
    started = state.timer.now()
    owner = visible_owner(current_caller())
    row = await state.ledger.find_task(task_id, owner)
    if row is None and owner is not None:
        # Adopting an id the ledger lacks would show anyone work done with the shared Pixapi key
        # (another caller's): only an admin may; for the rest it is not theirs, or not at all.
        raise unknown_task(task_id)
    if row is not None:  # submitted through another replica, or before a restart: as old as its row
        state.seen_task(task_id, row.created_at)
    reporter = ProgressReporter(ctx, "get_task")
    if row is not None and row.status == "completed" and row.paths and await all_files(row.paths):
        task = Task(
            id=task_id, status="completed", progress=100, model=row.model, credits_cost=row.credits_charged
        )
        place = CallPlace(Path(row.output_dir or "."), _kind_of(row), row.model, row.prompt)
        return await finish(state, reporter, row.id, task, place, "task", None, saved=row)
    # A task this ledger does not know (submitted elsewhere) gets a row only once the API has
    # confirmed it exists, so a mistyped id leaves nothing behind.
    try:
        task, poll_after = await wait_for_task(
            state,
            task_id,
            budget(state, wait_s, started),
            reporter,
            row.id if row else None,
            (row.status, row.progress) if row else None,
        )
    except PixapiError as exc:
        raise from_api_error(exc, row.id if row else None) from None
    if row is not None and row.output_dir and output_dir is None:
        # Chosen (and checked) when the work was submitted; the host's roots may differ now.
        place = CallPlace(Path(row.output_dir), _kind_of(row), row.model, row.prompt)
    else:
        model = row.model if row else task.model or "task"
        place = output_place(state, output_dir, roots, _kind_of(row), model, row.prompt if row else task_id)
    if row is None:
        with ledger_errors(f"Task {task_id} is {task.status}; nothing was saved. Call get_task again."):
            row_id = await state.ledger.open(
                tool="get_task",
                endpoint=task_path(task_id),
                base_url=state.settings.base_url,
                model=task.model or "unknown",
                prompt=f"task {task_id}",
                params={},
                output_dir=str(place.output_dir),
                credits_estimate=None,
            )
        await state.ledger.update(row_id, task_id=task_id, status=task.status, progress=task.progress)
    else:
        row_id = row.id
    if not task.is_terminal:
        # wait_for_task writes the row only when the status or progress moved.
        unchanged = row is not None and (row.status, row.progress) == (task.status, task.progress)
        return await pending(
            state,
            task,
            row_id,
            task.created_at,
            task.model or place.model,
            "task",
            poll_after,
            current=row if unchanged else None,
        )
    return await finish(state, reporter, row_id, task, place, "task", task.created_at)


def _kind_of(row: LedgerRow | None) -> OutputKind:
    """What a row's work makes. A task another client submitted (a row get_task opened) is a
    video when the API said so, else of unknown kind: never assumed to be an image, since image
    work whose file is no image is thrown away and fetched again."""
    if row is None:
        return "task"
    if row.tool in _KIND_BY_TOOL:
        return _KIND_BY_TOOL[row.tool]
    return "video" if row.result_type == "video" else "task"


async def list_tasks(
    ctx: AppContext, limit: LimitArg = 20, unfinished_only: UnfinishedOnlyArg = False
) -> Annotated[CallToolResult, TasksResult]:
    state = app_state(ctx)
    with ledger_errors():
        rows = await state.ledger.recent(
            limit, UNFINISHED if unfinished_only else None, visible_owner(current_caller())
        )
    tasks = [_task_row(state, row) for row in rows]
    unfinished = sum(1 for t in tasks if t.status in UNFINISHED)
    counts = Counter(t.status for t in tasks)
    listed = ", ".join(f"{n} {status}" for status, n in counts.most_common())
    result = TasksResult(
        tasks=tasks,
        unfinished=unfinished,
        summary=f"{len(tasks)} ledger row{'' if len(tasks) == 1 else 's'}, newest first"
        + (f": {listed}" if listed else "")
        + f"; {unfinished} unfinished.",
    )
    first_call = next((t.next_call for t in tasks if t.next_call is not None), None)
    if first_call is not None:
        result.next_step = (
            f"Resume unfinished work with each row's next_call, e.g. {first_call.render()} (free; never "
            "resubmits)."
        )
    elif unfinished:
        result.next_step = "Unfinished rows have no task id to resume: see each row's next_step."
    else:
        result.next_step = "Nothing to resume. Saved files are at tasks[].paths."
    details = [
        f"- #{t.ledger_id} {t.tool} {t.status}"
        + (f" {t.id}" if t.id else "")
        + f": {t.prompt[:40]!r}"
        + (f" -> {t.paths[0]}" if t.paths else "")
        for t in tasks
    ]
    return call_result(result, short_text(result.summary, details, result.next_step))


# A row stays ``sending`` only while its POST is in flight: the call's deadline turns it ``unknown``
# (and a server stopping waits a few seconds for answers). Older than this, its process is gone.
SENDING_MARGIN_S = 60.0


def _sending_step(state: AppState, row: LedgerRow) -> str:
    """A ``sending`` row: in flight, or left by a process (a replica) that died after sending and
    before recording the answer. Without an idempotency key nothing can tell whether Pixapi took
    it, so the row is never resent; what it held stays counted in its day."""
    if time.time() - row.created_at < state.settings.tool_deadline_s + SENDING_MARGIN_S:
        return "The request is being sent now: call list_tasks again in a moment."
    return (
        "Its answer was never recorded: the server that sent it stopped (a replica that died, a crash) "
        "before Pixapi answered or before the answer was written. If Pixapi accepted it, the task and "
        "its charge show in the Pixapi dashboard, not here; its "
        f"{row.held:g} credits stay held against the caps of the day it was sent. Check the dashboard "
        "before resubmitting (that could pay twice)."
    )


def _task_row(state: AppState, row: LedgerRow) -> TaskRow:
    call = None
    if row.status in ("submitted", "processing") and row.task_id:
        call = resume_call(state, row.task_id)
        step = f"Call {call.render()}."
    elif row.status == "unknown":
        step = (
            "Outcome unknown (cut off while sending, or no answer within its call): if this server is still "
            "waiting for the answer, this row gains a task id (call list_tasks again); otherwise check the "
            "Pixapi dashboard before resubmitting."
        )
    elif row.status == "sending":
        step = _sending_step(state, row)
    elif row.status == "completed" and not row.paths and row.task_id:
        call = resume_call(state, row.task_id)
        step = f"Outputs not saved yet: call {call.render()}."
    else:
        step = ""
    return TaskRow(
        ledger_id=row.id,
        tool=row.tool,
        status=row.status,
        id=row.task_id,
        model=row.model,
        prompt=row.prompt[:200],
        progress=row.progress,
        created=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(row.created_at)),
        credits_estimate=row.credits_estimate,
        credits_charged=row.credits_charged,
        paths=row.paths,
        urls=row.output_urls,
        error=row.error,
        next_step=step,
        next_call=call,
    )


GET_TASK = ToolDef(
    get_task,
    title="Get task",
    description="""Check an async task (image or video) and, once completed, save its outputs.

Waits up to wait_s (capped by the tool deadline) with progress; returns status/progress,
next_call (this call again) and poll_after_s while unfinished, or result.data[].path/url (with
width/height, and duration for videos) when completed. Safe to call repeatedly:
files are downloaded once. Free (no credits). Works after a server restart, on any replica, for
any task in the ledger that is yours (list_tasks); another caller's task is "not found".""",
    annotations=READS_API,
)

LIST_TASKS = ToolDef(
    list_tasks,
    title="List tasks",
    description="""List your recent paid requests and tasks from the ledger, newest first.

Shows status, task id, saved paths and credits, including work from earlier sessions and calls
that were cut off. Free (no API call). For unfinished rows, make the row's next_call (get_task).""",
    annotations=READS_LOCAL,
)
