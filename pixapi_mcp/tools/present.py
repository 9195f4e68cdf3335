"""How a media result reads: its one-line ``summary``, the next step in words and as a ready call
(``next_call``), and the short text beside the structured content (``pixapi_mcp.tool_result``
says why both carry the essentials). ``finish`` fills the facts; this module only words them.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from mcp_types import CallToolResult, ImageContent

from pixapi_mcp.tool_result import call_result, short_text
from pixapi_mcp.tools.outputs import OutputKind
from pixapi_mcp.tools.polling import DOWNLOAD_RESERVE_S
from pixapi_mcp.tools.results import MediaResult, NextCall, SavedOutput
from pixapi_mcp.tools.state import AppState

_NOUNS: dict[OutputKind, str] = {"image": "image", "edit": "edited image", "video": "video", "task": "output"}


def resume_call(state: AppState, task_id: str) -> NextCall:
    """``get_task`` for ``task_id``, waiting as long as one call may (a call returns before the tool
    deadline either way; waiting longer in one call means fewer calls)."""
    wait = int(state.settings.tool_deadline_s - DOWNLOAD_RESERVE_S)
    arguments: dict[str, object] = {"task_id": task_id}
    if wait > 0:
        arguments["wait_s"] = wait
    return NextCall(tool="get_task", arguments=arguments)


def unfinished(state: AppState, result: MediaResult) -> None:
    """Word a task handle: what state it is in and the get_task call that resumes it."""
    assert result.id is not None
    result.summary = (
        f"Task {result.id} ({result.model}) is {result.status}, {result.progress}% done; "
        f"not finished within this call; {_credits_phrase(result)}."
    )
    result.next_call = resume_call(state, result.id)
    after = f" in about {result.poll_after_s:g} s" if result.poll_after_s else ""
    result.next_step = (
        f"Call {result.next_call.render()}{after}. Checking is free and never resubmits; the task is "
        "recorded, so nothing is lost."
    )


def unanswered(state: AppState, result: MediaResult) -> None:
    """Word a paid request whose answer did not come within the call: its outcome is unknown, it
    was not resent, and list_tasks shows the task id (or saved files) once the answer comes."""
    deadline = state.settings.tool_deadline_s
    result.summary = (
        f"Sent to Pixapi ({result.model}), but no answer came within this call's deadline ({deadline:g} s): "
        f"the outcome is unknown and the request was not resent (that could pay twice); "
        f"{_credits_phrase(result)}. This server keeps waiting for the answer and records it."
    )
    result.next_call = NextCall(tool="list_tasks", arguments={"unfinished_only": True})
    after = f"in about {result.poll_after_s:g} s" if result.poll_after_s else "later"
    result.next_step = (
        f"Call {result.next_call.render()} {after}: once ledger row {result.ledger_id} shows a task id, "
        "make its next_call (get_task); if it shows saved paths, the work is done. Do not submit again."
    )


def unrecorded(result: MediaResult, reason: str) -> None:
    """Add to a result that the local ledger has not taken its facts yet, so the person keeps the id."""
    what = f"task id {result.id}" if result.id else f"ledger row {result.ledger_id}'s outcome"
    result.summary += (
        f" Not in the local ledger yet ({reason.rstrip('.')}): keep {what}; it is kept in memory and "
        "written as soon as the ledger takes writes again."
    )
    if result.id:
        result.next_step = (
            f"Note task id {result.id} (the ledger has not recorded it yet). {result.next_step}"
        )


def completed(state: AppState, result: MediaResult, outputs: Sequence[SavedOutput], kind: OutputKind) -> None:
    """Word finished work: what was made, its size, the credits, and what to do with it."""
    noun = _NOUNS[kind]
    count = len(outputs)
    parts = [f"{count} {noun}{'' if count == 1 else 's'} completed with {result.model}"]
    if result.id:
        parts[0] += f" (task {result.id})"
    sizes = sorted({f"{o.width}x{o.height}" for o in outputs if o.width and o.height})
    if sizes:
        parts.append(", ".join(sizes))
    lengths = [o.duration for o in outputs if o.duration]
    if lengths:
        parts.append(", ".join(f"{d:g} s" for d in lengths))
    unsaved = sum(1 for o in outputs if o.path is None)
    if unsaved:
        parts.append(f"{unsaved} of {count} not saved yet")
    parts.append(_credits_phrase(result))
    result.summary = "; ".join(parts) + "."
    field = "data" if result.result is None else "result.data"
    if unsaved and result.id:
        result.next_call = resume_call(state, result.id)
        result.next_step = (
            f"Some outputs are not saved yet (see {field}[].download_error): call {result.next_call.render()} "
            "to fetch them; that is free and pays nothing again."
        )
    elif unsaved:
        fetch = (
            f"download {field}[].url while it lasts, or generate again (paid again)"
            if any(o.url for o in outputs if o.path is None)
            else "generate again (paid again)"
        )
        result.next_step = (
            f"Some outputs are not saved (see {field}[].download_error). This call has no task id, so "
            f"get_task cannot fetch them: {fetch}."
        )
    elif kind == "video":
        result.next_step = f"Done. The video is at {field}[0].path (and {field}[0].url)."
    elif kind == "task":
        result.next_step = f"Done. The outputs are at {field}[].path (and .url)."
    else:
        result.next_step = (
            f"Done. Use {field}[0].path in the project; to animate it, pass {field}[0].url as input_image "
            "to create_video; to change it, pass the path as image to edit_image."
        )


def _credits_phrase(result: MediaResult) -> str:
    credits = result.credits
    if credits.warning:
        return credits.warning.rstrip(".")
    if credits.charged is not None:
        return f"{credits.charged:g} credits charged"
    if credits.estimate is not None:
        basis = f" ({credits.note})" if credits.note and credits.basis != "documented" else " (estimate)"
        return f"about {credits.estimate:g} credits{basis}"
    return "credits not reported"


def as_call_result(
    result: MediaResult, outputs: Sequence[SavedOutput], images: Sequence[ImageContent]
) -> CallToolResult:
    """The result with its short text: the summary, where each output is, the next step."""
    details: list[str] = []
    for out in outputs:
        if out.path:
            details.append(f"- saved: {out.path}")
            if out.url:
                details.append(f"  url: {out.url}")
        else:
            details.append(f"- not saved ({out.download_error}): {out.url or 'no url'}")
    text = short_text(result.summary, details, result.next_step)
    return call_result(result, text, images)


def image_block(jpeg: bytes) -> ImageContent:
    return ImageContent(type="image", data=base64.b64encode(jpeg).decode("ascii"), mime_type="image/jpeg")
