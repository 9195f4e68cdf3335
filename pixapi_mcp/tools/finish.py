"""How paid work becomes a tool result: a task handle while it is unfinished; saved files, credits
and the next step once it is done; a ``ToolError`` when it failed. The ledger row is brought up
to date on the way, so ``list_tasks`` and a later ``get_task`` see the same outcome.

Every read of a task answers with the same fields: the API's ``created_at`` and ``result.type``
are kept in the ledger the first time they are seen, and the facts of saved files (size, pixels,
video length) are read from the files themselves, so a second ``get_task``, or one after a
restart, equals the first apart from what truly changes (the session's credit total).
How the result reads to each kind of host is ``present``'s concern.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio.to_thread
from mcp_types import CallToolResult, ImageContent

from pixapi_mcp import media, video_facts
from pixapi_mcp.contract import ImageResponse, Task, estimate_request
from pixapi_mcp.ledger import LedgerRow
from pixapi_mcp.tools import present
from pixapi_mcp.tools.errors import tool_error
from pixapi_mcp.tools.outputs import CallPlace, OutputKind, reuse_or_save, save_budget, save_outputs
from pixapi_mcp.tools.polling import ProgressReporter
from pixapi_mcp.tools.results import Credits, MediaResult, ResultShape, SavedOutput, TaskResultOut
from pixapi_mcp.tools.state import AppState

# Preview images per result: each is at most media.PREVIEW_MAX_BYTES, so four stay well under the
# ~1 MB some hosts accept for a whole result.
MAX_PREVIEWS = 4
# When to look again for the answer to a POST the call stopped waiting for (list_tasks).
UNANSWERED_POLL_S = 30.0
# When to poll a task whose id came in while the call was giving up on its POST.
MIN_POLL_S = 1.0


async def pending(
    state: AppState,
    task: Task,
    row_id: int,
    created_at: int | None,
    model: str,
    shape: ResultShape,
    poll_after_s: float,
    *,
    current: LedgerRow | None = None,
) -> CallToolResult:
    """The handle of unfinished work: its id, progress and the get_task call that resumes it.
    ``current``: the row as just read, when nothing has written it since (not read again)."""
    row = current or await state.ledger.get(row_id)
    created, _ = await _task_facts(state, row, row_id, created_at or task.created_at or task.created, None)
    result = MediaResult(
        id=task.id,
        status=task.status,
        progress=task.progress,
        model=task.model or model,
        created_at=created,
        credits=_credits(state, row),
        ledger_id=row_id,
        result=None if shape == "image" else TaskResultOut(type=None, data=[]),
        poll_after_s=round(poll_after_s, 1),
    )
    present.unfinished(state, result)
    _note_unwritten(state, result, row_id)
    return present.as_call_result(result, [], [])


async def unanswered(state: AppState, row_id: int, place: CallPlace, shape: ResultShape) -> CallToolResult:
    """A paid request sent but not answered within the call's deadline: the outcome is unknown,
    nothing is resent, and the server records the answer when it comes. An answer that came in
    the meantime (the row has its task id) is handed back as the usual task handle."""
    row = await state.ledger.get(row_id)
    if row is not None and row.task_id and row.status in ("submitted", "processing"):
        task = Task(id=row.task_id, status=row.status, progress=row.progress, model=row.model)
        return await pending(state, task, row_id, row.task_created_at, place.model, shape, MIN_POLL_S)
    result = MediaResult(
        status="unknown",
        model=place.model,
        credits=_credits(state, row),
        ledger_id=row_id,
        result=None if shape == "image" else TaskResultOut(type=None, data=[]),
        poll_after_s=UNANSWERED_POLL_S,
    )
    present.unanswered(state, result)
    return present.as_call_result(result, [], [])


def _note_unwritten(state: AppState, result: MediaResult, row_id: int) -> None:
    """When the ledger could not take this row's latest facts (the task id above all), the result
    says so: the person's copy of the id is this result until the ledger takes writes again."""
    reason = state.ledger.unwritten(row_id)
    if reason is not None:
        present.unrecorded(result, reason)


async def finish(
    state: AppState,
    reporter: ProgressReporter,
    row_id: int,
    task: Task,
    place: CallPlace,
    shape: ResultShape,
    created_at: int | None,
    *,
    saved: LedgerRow | None = None,
) -> CallToolResult:
    """A task that ended: its outputs saved (or reused) and recorded, or its failure raised.
    ``saved``: the task's row just read, with every one of its ``paths`` just seen on disk (a
    repeat ``get_task``), so neither is looked up again."""
    row = saved or await state.ledger.get(row_id)
    _settle(state, row_id, task)  # a no-op when the paid call already settled it
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
    outputs = await reuse_or_save(state, row, place, items, found=saved is not None)
    images = await _describe(outputs, place.kind)
    paths = [o.path for o in outputs if o.path]
    model = task.model or (row.model if row else place.model)
    if row is None or (row.status, row.paths, row.credits_charged, row.model) != (
        "completed",
        paths,
        task.credits_cost,
        model,
    ):
        await state.ledger.update(
            row_id,
            status="completed",
            progress=100,
            output_urls=[o.url for o in outputs if o.url],
            paths=paths,
            credits_charged=task.credits_cost,
            model=model,
        )
    await reporter.report(100, "completed")
    api_type = task.result.type if task.result else None
    created, result_type = await _task_facts(
        state, row, row_id, created_at or task.created_at or task.created, api_type
    )
    result = MediaResult(
        id=task.id,
        status="completed",
        progress=100,
        model=model,
        created_at=created,
        credits=_credits(state, row, task.credits_cost),
        ledger_id=row_id,
    )
    kind = place.kind
    if shape == "image":
        result.data = outputs
    else:
        result.result = TaskResultOut(type=result_type or _type_of(outputs, kind), data=outputs)
        if kind == "task" and result.result.type in ("image", "video"):
            kind = "video" if result.result.type == "video" else "image"  # worded as what it is
    present.completed(state, result, outputs, kind)
    _note_unwritten(state, result, row_id)
    return present.as_call_result(result, outputs, images)


async def finish_sync_images(
    state: AppState, row_id: int, response: ImageResponse, place: CallPlace, estimate: float | None
) -> CallToolResult:
    """A synchronous image answer: its images saved and recorded, the estimate recorded as the
    charge (the answer carries no ``credits_cost``, unlike a task)."""
    items = [(d.url, d.b64_json) for d in response.data]
    outputs = await save_outputs(state, place, items, save_budget(state))
    images = await _describe(outputs, place.kind)
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
        credits=_credits(state, await state.ledger.get(row_id), estimate),
        ledger_id=row_id,
    )
    present.completed(state, result, outputs, "image")
    _note_unwritten(state, result, row_id)
    return present.as_call_result(result, outputs, images)


def _credits(state: AppState, row: LedgerRow | None, charged: float | None = None) -> Credits:
    """The credits of one paid request: its estimate and where it comes from, what is held or was
    charged, and the session total. The basis is worked out again from the body the ledger
    recorded, so every read of a task (in this session or after a restart) says the same; what is
    held and the caller's ``max_credits`` belong to this session's reservation."""
    held = state.spend.for_row(row.id) if row else None
    credits = Credits(
        estimate=row.credits_estimate if row else None,
        charged=charged if charged is not None else (held.charged if held else None),
        session_total=state.session_credits,
    )
    if row is not None and "model" in row.params:
        basis = estimate_request(row.params, video_credits=state.settings.video_credits_estimate)
        credits.basis, credits.note = basis.basis, basis.note
    if held is not None:
        credits.max_credits = held.max_credits
        credits.held = None if held.closed else held.amount
        credits.warning = held.over_max_credits()
    return credits


def _settle(state: AppState, row_id: int, task: Task) -> None:
    """A task that ended settles what this session held for it: Pixapi charges only successful
    outputs, and a completed task without ``credits_cost`` is counted at what was held."""
    held = state.spend.for_row(row_id)
    if held is not None:
        state.spend.settle_ended(held, failed=task.status == "failed", charged=task.credits_cost)


async def _task_facts(
    state: AppState, row: LedgerRow | None, row_id: int, created_at: int | None, result_type: str | None
) -> tuple[int | None, str | None]:
    """The task's ``created_at`` and ``result.type``: the values first seen win (the submission's
    time, not a later GET's), and new ones are kept for every later read."""
    kept_created = row.task_created_at if row else None
    kept_type = row.result_type if row else None
    if (kept_created is None and created_at is not None) or (kept_type is None and result_type is not None):
        await state.ledger.update(
            row_id, task_created_at=kept_created or created_at, result_type=kept_type or result_type
        )
    return kept_created or created_at, kept_type or result_type


def _type_of(outputs: Sequence[SavedOutput], kind: OutputKind) -> str | None:
    """``result.type`` when the API gave none: what the tool makes, else what the files are."""
    if kind == "video":
        return "video"
    if kind in ("image", "edit"):
        return "image"
    types = {(o.media_type or "").split("/")[0] for o in outputs} - {""}
    return types.pop() if len(types) == 1 else None


async def _describe(outputs: Sequence[SavedOutput], kind: OutputKind) -> list[ImageContent]:
    """Complete each saved output from its file (a video's container, pixels and length) and make
    its preview: the image itself, or a video's first frame. An output with no preview says why."""
    blocks: list[ImageContent] = []
    for out in outputs:
        if out.path is None:
            continue
        path = Path(out.path)
        jpeg: bytes | None = None
        if _maybe_video(out, kind):
            facts, poster = await anyio.to_thread.run_sync(video_facts.describe_video, path)
            if facts.media_type is not None:
                out.media_type = facts.media_type
                out.width, out.height, out.duration = facts.width, facts.height, facts.duration
            if facts.media_type is not None or kind == "video":
                jpeg, out.preview_note = poster.jpeg, poster.note
        elif out.width and (out.media_type or "").startswith("image/"):
            jpeg = await media.file_preview_async(path)
            if jpeg is None:
                out.preview_note = (
                    f"No preview: the image is larger than {media.PREVIEW_SOURCE_MAX_BYTES // 2**20} MB "
                    "or could not be read."
                )
        if jpeg is not None:
            if len(blocks) < MAX_PREVIEWS:
                blocks.append(present.image_block(jpeg))
            else:
                out.preview_note = f"No preview: results carry at most {MAX_PREVIEWS} preview images."
    return blocks


def _maybe_video(out: SavedOutput, kind: OutputKind) -> bool:
    if kind == "video" or (out.media_type or "").startswith("video/"):
        return True
    # A task this server did not submit may hold a video served as application/octet-stream.
    return kind == "task" and out.width is None


def _task_error_text(task: Task) -> str:
    error = task.error
    if isinstance(error, dict):
        message = error.get("message")
        if isinstance(message, str) and message:
            return message
    if isinstance(error, str) and error:
        return error
    return "the provider reported a failure without details"
