"""How paid work becomes a tool result: a task handle while it is unfinished; saved files, credits
and the next step once it is done; a ``ToolError`` when it failed. The ledger row is brought up
to date on the way, so ``list_tasks`` and a later ``get_task`` see the same outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

from mcp_types import CallToolResult, ImageContent, TextContent

from pixapi_mcp.contract import ImageResponse, Task
from pixapi_mcp.tools.errors import tool_error
from pixapi_mcp.tools.outputs import CallPlace, OutputKind, previews, reuse_or_save, save_budget, save_outputs
from pixapi_mcp.tools.polling import ProgressReporter
from pixapi_mcp.tools.results import Credits, MediaResult, ResultShape, SavedOutput, TaskResultOut
from pixapi_mcp.tools.state import AppState


async def pending(
    state: AppState,
    task: Task,
    row_id: int,
    created_at: int | None,
    model: str,
    shape: ResultShape,
    poll_after_s: float,
) -> CallToolResult:
    """The handle of unfinished work: its id, progress and when to call get_task again."""
    poll = round(poll_after_s, 1)
    result = MediaResult(
        id=task.id,
        status=task.status,
        progress=task.progress,
        model=task.model or model,
        created_at=created_at or task.created_at or task.created,
        credits=await _credits(state, row_id),
        ledger_id=row_id,
        result=None if shape == "image" else TaskResultOut(type=None, data=[]),
        next_step=f"Still {task.status} ({task.progress}%). Call get_task with task_id={task.id!r} "
        f"(wait_s up to the deadline) in about {poll:g} s. The task is recorded; nothing is lost.",
        poll_after_s=poll,
    )
    summary = f"Task {task.id} is {task.status} ({task.progress}%). {result.next_step}"
    return _as_call_result(result, summary, [])


async def finish(
    state: AppState,
    reporter: ProgressReporter,
    row_id: int,
    task: Task,
    place: CallPlace,
    shape: ResultShape,
    created_at: int | None,
) -> CallToolResult:
    """A task that ended: its outputs saved (or reused) and recorded, or its failure raised."""
    row = await state.ledger.get(row_id)
    if task.status == "failed":
        reason = _task_error_text(task)
        await state.ledger.update(row_id, status="failed", progress=task.progress, error=reason)
        raise tool_error(
            f"Task {task.id} failed: {reason}. Pixapi charges only successful outputs.",
            category="task_failed",
            retryable=True,
            fix="Adjust the prompt or model and submit a new request.",
            ledger_id=row_id,
        )
    items = [(item.url, item.b64_json) for item in (task.result.data if task.result else [])]
    await reporter.report(99, "downloading outputs")
    outputs = await reuse_or_save(state, row, place, items)
    paths = [o.path for o in outputs if o.path]
    if row is None or (row.status, row.paths, row.credits_charged) != ("completed", paths, task.credits_cost):
        await state.ledger.update(
            row_id,
            status="completed",
            progress=100,
            output_urls=[o.url for o in outputs if o.url],
            paths=paths,
            credits_charged=task.credits_cost,
        )
    await reporter.report(100, "completed")
    result = MediaResult(
        id=task.id,
        status="completed",
        progress=100,
        model=task.model or place.model,
        created_at=created_at or task.created_at or task.created,
        credits=await _credits(state, row_id, task.credits_cost),
        ledger_id=row_id,
    )
    if shape == "image":
        result.data = outputs
    else:
        result.result = TaskResultOut(type=task.result.type if task.result else None, data=outputs)
    result.next_step = _next_step_after(outputs, place.kind)
    return _as_call_result(result, _summary(result, outputs, place.kind), await previews(outputs))


async def finish_sync_images(
    state: AppState, row_id: int, response: ImageResponse, place: CallPlace, estimate: float | None
) -> CallToolResult:
    """A synchronous image answer: its images saved and recorded, the estimate recorded as the
    charge (the answer carries no ``credits_cost``, unlike a task)."""
    items = [(d.url, d.b64_json) for d in response.data]
    outputs = await save_outputs(state, place, items, save_budget(state))
    await state.ledger.update(
        row_id,
        status="completed",
        progress=100,
        output_urls=[o.url for o in outputs if o.url],
        paths=[o.path for o in outputs if o.path],
        credits_charged=estimate,
    )
    result = MediaResult(
        status="completed",
        progress=100,
        model=place.model,
        created_at=response.created,
        data=outputs,
        credits=await _credits(state, row_id, estimate),
        ledger_id=row_id,
        next_step=_next_step_after(outputs, "image"),
    )
    return _as_call_result(result, _summary(result, outputs, "image"), await previews(outputs))


async def _credits(state: AppState, row_id: int, charged: float | None = None) -> Credits:
    row = await state.ledger.get(row_id)
    return Credits(
        estimate=row.credits_estimate if row else None, charged=charged, session_total=state.session_credits
    )


def _as_call_result(result: MediaResult, summary: str, images: Sequence[ImageContent]) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=summary), *images],
        structured_content=result.model_dump(mode="json"),
    )


def _task_error_text(task: Task) -> str:
    error = task.error
    if isinstance(error, dict):
        message = error.get("message")
        if isinstance(message, str) and message:
            return message
    if isinstance(error, str) and error:
        return error
    return "the provider reported a failure without details"


def _next_step_after(outputs: Sequence[SavedOutput], kind: OutputKind) -> str:
    if any(o.download_error for o in outputs):
        return "Some outputs are not saved yet (see download_error); call get_task again to fetch them."
    if kind == "video":
        return "Done. The video is at result.data[0].path (and .url)."
    return (
        "Done. Use data[0].path for files in the project; pass data[0].url as input_image to create_video "
        "to animate it, or the path as image to edit_image."
    )


def _summary(result: MediaResult, outputs: Sequence[SavedOutput], kind: OutputKind) -> str:
    lines = [
        f"{kind.capitalize()} {result.status} with {result.model}"
        + (f" (task {result.id})" if result.id else "")
    ]
    for out in outputs:
        where = out.path or f"not saved: {out.download_error}"
        lines.append(f"- {where}" + (f"  <- {out.url}" if out.url else ""))
    if result.credits.charged is not None:
        lines.append(f"Credits charged: {result.credits.charged:g}")
    elif result.credits.estimate is not None:
        lines.append(f"Credits (documented starting price): {result.credits.estimate:g}")
    lines.append(result.next_step)
    return "\n".join(lines)
