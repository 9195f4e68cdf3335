"""The MCP tools for paid media work: validate -> ledger -> client -> bounded wait -> files -> result.

Rules of the road, from what users of peer servers lose:
- every call returns within the tool deadline: slow work hands back a task handle with
  ``poll_after_s`` instead of hanging the host or losing a paid result;
- every paid request is in the ledger before it is sent, and the task id is recorded (shielded
  from cancellation) the moment the API answers, so a cancelled call or a restart loses nothing;
- outputs become files in an allowed folder, never overwritten; results carry the path, the URL
  and a small preview, never a multi-megabyte blob;
- failures are ``ToolError``s that say the category, whether a retry helps, the request id and
  the fix. This module knows nothing of HTTP: it talks to ``PixapiClient`` and its errors.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import mimetypes
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, cast

import anyio
from mcp.server.mcpserver import AcceptedElicitation, Context, Elicit, ElicitationResult, ListRoots, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ImageContent, ListRootsResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from pixapi_mcp import contract, media
from pixapi_mcp.client import ContractError, Download, PixapiClient, PixapiError
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import (
    DEFAULT_IMAGE_MODEL,
    DEFAULT_VIDEO_MODEL,
    Endpoint,
    ImageEditRequest,
    ImageGenerationRequest,
    ImageResponse,
    Task,
    TaskSubmission,
    VideoGenerationRequest,
)
from pixapi_mcp.ledger import UNFINISHED, Ledger, LedgerRow

if TYPE_CHECKING:
    from mcp.server import MCPServer

log = logging.getLogger(__name__)

# Time kept back from the wait for downloading outputs and answering.
DOWNLOAD_RESERVE_S = 8.0
MAX_POLL_INTERVAL_S = 10.0
MIN_POLL_INTERVAL_S = 0.5


# -- state shared by the tools ------------------------------------------------------------------


class Timer(Protocol):
    """Monotonic time and sleeping, injectable so tests drive waits without real time."""

    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class RealTimer:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


@dataclass
class AppState:
    """What the lifespan owns: one API client, the ledger, the clock."""

    settings: Settings
    client: PixapiClient
    ledger: Ledger
    timer: Timer
    trusted_hosts: tuple[str, ...] = ()
    # Estimated credits of paid requests this process has sent (the per-session cap).
    session_credits: float = 0.0
    # When this process first saw each task (timer time): the polling policy works from the
    # task's age, so a series of get_task calls keeps its pace instead of restarting at 0.5 s.
    task_origin: dict[str, float] = field(default_factory=dict[str, float])

    def task_age(self, task_id: str) -> float:
        now = self.timer.now()
        if len(self.task_origin) > 10_000:  # bounded: forget the oldest half
            for old in list(self.task_origin)[:5_000]:
                del self.task_origin[old]
        return now - self.task_origin.setdefault(task_id, now)

    def guard(self) -> Callable[[str], Awaitable[None]]:
        return media.url_guard(self.settings.allow_private_urls, allow_hosts=self.trusted_hosts)


AppContext = Context[AppState, Any]


def _state(ctx: AppContext) -> AppState:
    return ctx.request_context.lifespan_context


# -- results ------------------------------------------------------------------------------------


class SavedOutput(BaseModel):
    """One output: the API's ``url`` plus where this server saved it."""

    url: str | None = Field(default=None, description="The output URL returned by Pixapi.")
    path: str | None = Field(default=None, description="Absolute path of the saved file, when saved.")
    media_type: str | None = None
    bytes: int | None = None
    width: int | None = None
    height: int | None = None
    download_error: str | None = Field(
        default=None, description="Why the file is not saved yet; call get_task again to retry."
    )


class TaskResultOut(BaseModel):
    """Mirrors the API's task ``result``: read the media at ``result.data[0].url`` (or ``.path``)."""

    type: str | None = None
    data: list[SavedOutput] = Field(default_factory=list[SavedOutput])


class Credits(BaseModel):
    estimate: float | None = Field(
        default=None, description="Documented starting price for this request (None: not documented)."
    )
    charged: float | None = Field(default=None, description="credits_cost reported by Pixapi once completed.")
    session_total: float | None = Field(
        default=None, description="Estimated credits sent by this server session so far, this call included."
    )


class MediaResult(BaseModel):
    """A paid call or task: API field names (``id``, ``status``, ``progress``, ``created_at``,
    ``model``, ``data[].url`` for images, ``result.data[].url`` for tasks) plus ``path``, credits
    and the next step."""

    id: str | None = Field(default=None, description="Task id for GET /v1/tasks/{id} (async work).")
    status: str = Field(description="submitted, processing, completed or failed.")
    progress: int = Field(default=0, ge=0, le=100)
    model: str | None = None
    created_at: int | None = None
    data: list[SavedOutput] = Field(
        default_factory=list[SavedOutput], description="Image outputs (generate_image, edit_image)."
    )
    result: TaskResultOut | None = Field(default=None, description="Task outputs (create_video, get_task).")
    credits: Credits = Field(default_factory=Credits)
    ledger_id: int | None = Field(default=None, description="Row in the local ledger (list_tasks).")
    next_step: str = ""
    poll_after_s: float | None = Field(
        default=None, description="When to call get_task again, if unfinished."
    )


class ModelOut(BaseModel):
    id: str
    category: str | None = None
    capabilities: list[str] = Field(default_factory=list[str])
    aliases: list[str] = Field(default_factory=list[str])
    credits_from: float | None = Field(default=None, description="Documented starting credits per output.")
    endpoints: list[str] = Field(default_factory=list[str])
    sizes: list[str] = Field(default_factory=list[str])
    notes: str = ""
    live: bool | None = Field(
        default=None, description="Listed by the live GET /v1/models (None: not checked)."
    )
    docs: str | None = None


class ModelsResult(BaseModel):
    data: list[ModelOut]
    source: Literal["live+catalog", "catalog"]
    note: str


class TaskRow(BaseModel):
    ledger_id: int
    tool: str
    status: str
    id: str | None = Field(default=None, description="Task id, when the API gave one.")
    model: str
    prompt: str
    progress: int
    created: str
    credits_estimate: float | None = None
    credits_charged: float | None = None
    paths: list[str] = Field(default_factory=list[str])
    urls: list[str] = Field(default_factory=list[str])
    error: str | None = None
    next_step: str = ""


class TasksResult(BaseModel):
    tasks: list[TaskRow]
    unfinished: int = Field(description="How many rows may still produce (or have produced) output.")


# -- errors -------------------------------------------------------------------------------------


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


def _from_api_error(exc: PixapiError, ledger_id: int | None = None) -> ToolError:
    return tool_error(
        str(exc),
        category=exc.category,
        retryable=exc.retryable,
        fix=exc.fix,
        request_id=exc.request_id,
        ledger_id=ledger_id,
    )


def _from_validation(exc: ValidationError) -> ToolError:
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


def _from_contract(violations: Sequence[contract.Violation]) -> ToolError:
    lines = "; ".join(v.message for v in violations)
    rules = ", ".join(sorted({v.rule_id for v in violations}))
    return tool_error(
        f"Not sent: the request breaks the Pixapi contract ({rules}): {lines}",
        category="invalid_request",
        retryable=False,
        fix=violations[0].message,
    )


# -- polling ------------------------------------------------------------------------------------


def next_poll_delay(age_s: float, progress: int, polls: int) -> float:
    """Seconds until the next poll of a task that is ``age_s`` old and ``progress`` % done.

    With a progress figure, aim at half the remaining time the progress rate predicts, so a
    long task is polled rarely and a nearly finished one often. Without one, back off
    geometrically (1 s, 1.5 s, ...) and at least a quarter of the task's age. Bounded to
    [0.5 s, 10 s] either way, so completion is noticed within 10 s at worst.
    """
    if 0 < progress < 100 and age_s > 0:
        delay = age_s * (100 - progress) / progress / 2
    else:
        delay = max(math.pow(1.5, polls), age_s / 4)
    return max(MIN_POLL_INTERVAL_S, min(MAX_POLL_INTERVAL_S, delay))


class ProgressReporter:
    """Sends numeric progress that only ever rises (hosts draw bars from it)."""

    def __init__(self, ctx: AppContext, label: str) -> None:
        self._ctx = ctx
        self._label = label
        self._last = -1.0

    async def report(self, progress: float, message: str) -> None:
        value = max(0.0, min(100.0, float(progress)))
        if value <= self._last:
            return
        self._last = value
        try:
            await self._ctx.report_progress(value, 100.0, f"{self._label}: {message}")
        except Exception:  # a host that hung up must not fail paid work
            log.debug("progress notification failed", exc_info=True)


async def _wait_for_task(
    state: AppState,
    task_id: str,
    budget_s: float,
    reporter: ProgressReporter,
    ledger_id: int | None,
    known: tuple[str, int] | None = None,
) -> tuple[Task, float]:
    """Poll ``GET /v1/tasks/{id}`` until it ends or ``budget_s`` runs out. Returns the last view and
    the delay the polling policy would wait next (what a handle tells the caller). ``known`` is the
    ledger's (status, progress), so unchanged figures are not written again."""
    timer = state.timer
    start = timer.now()
    polls = 0
    while True:
        task = await state.client.get_task(task_id)
        polls += 1
        elapsed = timer.now() - start
        if ledger_id is not None and not task.is_terminal and (task.status, task.progress) != known:
            # A status change is worth an fsync; a progress figure is not.
            durable = known is None or task.status != known[0]
            await state.ledger.update(ledger_id, durable=durable, status=task.status, progress=task.progress)
            known = (task.status, task.progress)
        delay = next_poll_delay(state.task_age(task_id), task.progress, polls)
        if task.is_terminal:
            return task, delay
        await reporter.report(min(task.progress, 99), f"{task.status} {task.progress}%")
        if elapsed + delay > budget_s:
            return task, delay
        await timer.sleep(delay)


# -- files --------------------------------------------------------------------------------------


@dataclass
class CallPlace:
    """Where one call's files go, decided once per call."""

    output_dir: Path
    kind: str
    model: str
    prompt: str


async def _save_outputs(
    state: AppState,
    place: CallPlace,
    items: Sequence[tuple[str | None, str | None]],
    budget_s: float,
) -> list[SavedOutput]:
    """Download URLs / decode b64 items into new files.

    A download that fails or outlives the budget keeps its URL and says so: the paid output is
    never dropped, and ``get_task`` retries it.
    """
    outputs: list[SavedOutput] = []
    deadline = state.timer.now() + max(budget_s, 1.0)
    # The folder may be gone since the work was submitted (get_task resumes into it).
    await anyio.to_thread.run_sync(lambda: place.output_dir.mkdir(parents=True, exist_ok=True))
    for index, (url, b64) in enumerate(items, start=1):
        out = SavedOutput(url=url)
        try:
            if b64 is not None:
                data = base64.b64decode(b64)
                ext = ".png"
                with suppress(media.MediaError):
                    facts = media.image_facts(data)
                    ext = {"JPEG": ".jpg", "WEBP": ".webp", "GIF": ".gif"}.get(facts.format, ".png")
                name = media.output_name(place.kind, place.model, place.prompt, index, ext)
                path = await anyio.to_thread.run_sync(media.write_new_file, place.output_dir, name, data)
                out.path, out.bytes = str(path), len(data)
                out.media_type = f"image/{ext.lstrip('.').replace('jpg', 'jpeg')}"
            elif url is not None:
                remaining = deadline - state.timer.now()
                download = await _download_new(state, place, url, index, remaining)
                if download is None:
                    out.download_error = "not downloaded within the call's time; call get_task to fetch it"
                else:
                    out.path, out.bytes = str(download.path), download.size
                    out.media_type = download.content_type
            if out.path:
                await _describe_file(out, place.kind)
        except (PixapiError, media.MediaError, OSError, ValueError) as exc:
            out.download_error = str(exc)
        outputs.append(out)
    return outputs


async def _describe_file(out: SavedOutput, kind: str) -> None:
    """Fill size, and for images dimensions and type, from the saved file (read lazily by Pillow,
    cached per file). Image work whose file is not a readable image is not an output: the file is
    removed and the output says so, so get_task fetches it again instead of handing over garbage."""
    assert out.path is not None
    path = Path(out.path)
    check_image = kind != "video" and (
        not out.media_type or out.media_type.startswith(("image/", "application/octet"))
    )
    size, facts, problem = await anyio.to_thread.run_sync(media.describe_file, path, check_image)
    out.bytes = size
    if problem is not None:
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
        out.path, out.bytes = None, None
        out.download_error = (
            f"Pixapi returned a file that is {problem}; call get_task (or retry) to fetch it again"
        )
    elif facts is not None:
        out.width, out.height = facts.width, facts.height
        out.media_type = f"image/{facts.format.lower()}" if facts.format else out.media_type


async def _download_new(
    state: AppState, place: CallPlace, url: str, index: int, budget_s: float
) -> Download | None:
    ext = media.extension_for(None, url, place.kind)
    name = media.output_name(place.kind, place.model, place.prompt, index, ext)
    with anyio.move_on_after(max(budget_s, 0.5)):
        for path in media.candidate_paths(place.output_dir, name):
            if path.exists():
                continue
            try:
                return await state.client.download(
                    url, path, max_bytes=state.settings.max_download_bytes, url_guard=None
                )
            except PixapiError as exc:
                if isinstance(exc.__cause__, FileExistsError):
                    continue  # a concurrent call took the name first: take the next
                raise
    return None


async def _previews(outputs: Sequence[SavedOutput], limit: int = 4) -> list[ImageContent]:
    """Small JPEG previews of saved images (cached per file), for hosts that show them."""
    blocks: list[ImageContent] = []
    images = [o for o in outputs if o.path and o.width and (o.media_type or "").startswith("image/")]
    for out in images[:limit]:
        assert out.path is not None
        preview = await media.file_preview_async(Path(out.path))
        if preview is not None:
            blocks.append(
                ImageContent(
                    type="image", data=base64.b64encode(preview).decode("ascii"), mime_type="image/jpeg"
                )
            )
    return blocks


def _as_call_result(result: MediaResult, summary: str, previews: Sequence[ImageContent]) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=summary), *previews],
        structured_content=result.model_dump(mode="json"),
    )


# -- roots (the host's workspace) ----------------------------------------------------------------


async def workspace_roots(ctx: AppContext) -> ListRoots | None:
    """Ask the host for its workspace roots when it can answer; None falls back to the configured
    output folder (hosts without the roots capability, or the in-memory modern client)."""
    caps = ctx.client_capabilities
    if caps is None or caps.roots is None:
        return None
    return ListRoots()


Roots = Annotated[ListRootsResult | None, Resolve(workspace_roots)]


def _root_paths(roots: ListRootsResult | None) -> list[Path]:
    return media.roots_to_paths(str(r.uri) for r in roots.roots) if roots else []


def _output_place(
    state: AppState, output_dir: str | None, roots: ListRootsResult | None, kind: str, model: str, prompt: str
) -> CallPlace:
    try:
        folder = media.choose_output_dir(output_dir, state.settings, _root_paths(roots))
    except media.MediaError as exc:
        raise tool_error(
            str(exc),
            category="invalid_request",
            retryable=False,
            fix="Pass an output_dir inside the workspace (or omit it).",
        ) from None
    return CallPlace(folder, kind, model, prompt)


# -- the paid flow ------------------------------------------------------------------------------


def _budget(state: AppState, wait_s: float | None, started: float) -> float:
    """How long this call may still wait for the API: ``wait_s`` (default: as long as allowed),
    within the tool deadline less what the call has used and a reserve for saving outputs."""
    used = state.timer.now() - started
    ceiling = max(state.settings.tool_deadline_s - DOWNLOAD_RESERVE_S - used, 0.0)
    return ceiling if wait_s is None else max(0.0, min(float(wait_s), ceiling))


async def _preflight(
    state: AppState,
    request: ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest,
    endpoint: Endpoint,
) -> None:
    try:
        await state.client.preflight(request, endpoint)
    except ContractError as exc:
        raise _from_contract(exc.violations) from None
    except PixapiError as exc:
        raise _from_api_error(exc) from None


async def _open_row(
    state: AppState,
    tool: str,
    endpoint: Endpoint,
    request: ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest,
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
    call: Callable[[], Awaitable[Any]],
    *,
    shield: bool = False,
) -> Any:
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
        raise _from_api_error(exc, row_id) from None
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
    shape: Literal["image", "task"],
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
    budget = _budget(state, wait_s, started)
    task: Task | None = None
    poll_after = next_poll_delay(0.0, submission.progress, 0)
    try:
        if budget > 0:
            task, poll_after = await _wait_for_task(
                state, submission.id, budget, reporter, row_id, (submission.status, submission.progress)
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
        return await _pending(state, view, row_id, submission.created_at, place.model, shape, poll_after)
    return await _finish(state, reporter, row_id, task, place, shape, submission.created_at)


async def _credits(state: AppState, row_id: int, charged: float | None = None) -> Credits:
    row = await state.ledger.get(row_id)
    return Credits(
        estimate=row.credits_estimate if row else None, charged=charged, session_total=state.session_credits
    )


async def _pending(
    state: AppState,
    task: Task,
    row_id: int,
    created_at: int | None,
    model: str,
    shape: Literal["image", "task"],
    poll_after_s: float,
) -> CallToolResult:
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


async def _finish(
    state: AppState,
    reporter: ProgressReporter,
    row_id: int,
    task: Task,
    place: CallPlace,
    shape: Literal["image", "task"],
    created_at: int | None,
) -> CallToolResult:
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
    outputs = await _reuse_or_save(state, row, place, items)
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
    return _as_call_result(result, _summary(result, outputs, place.kind), await _previews(outputs))


async def _reuse_or_save(
    state: AppState, row: LedgerRow | None, place: CallPlace, items: Sequence[tuple[str | None, str | None]]
) -> list[SavedOutput]:
    """Outputs saved by an earlier call are reused (a second get_task never downloads twice)."""
    if row and row.paths and len(row.paths) >= len(items) and await _all_files(row.paths):
        urls = row.output_urls + [None] * (len(row.paths) - len(row.output_urls))
        outputs: list[SavedOutput] = []
        for path_text, url in zip(row.paths, urls, strict=False):
            out = SavedOutput(url=url, path=path_text)
            if place.kind == "video":
                out.media_type = mimetypes.guess_type(path_text)[0]
            await _describe_file(out, place.kind)
            outputs.append(out)
        return outputs
    return await _save_outputs(state, place, items, DOWNLOAD_RESERVE_S + state.settings.tool_deadline_s / 4)


async def _all_files(paths: Sequence[str]) -> bool:
    return await anyio.to_thread.run_sync(lambda: all(Path(p).is_file() for p in paths))


def _task_error_text(task: Task) -> str:
    error = task.error
    if isinstance(error, dict):
        message = error.get("message")
        if isinstance(message, str) and message:
            return message
    if isinstance(error, str) and error:
        return error
    return "the provider reported a failure without details"


def _next_step_after(outputs: Sequence[SavedOutput], kind: str) -> str:
    if any(o.download_error for o in outputs):
        return "Some outputs are not saved yet (see download_error); call get_task again to fetch them."
    if kind == "video":
        return "Done. The video is at result.data[0].path (and .url)."
    return (
        "Done. Use data[0].path for files in the project; pass data[0].url as input_image to create_video "
        "to animate it, or the path as image to edit_image."
    )


def _summary(result: MediaResult, outputs: Sequence[SavedOutput], kind: str) -> str:
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


async def _finish_sync_images(
    state: AppState, row_id: int, response: ImageResponse, place: CallPlace, estimate: float | None
) -> CallToolResult:
    items = [(d.url, d.b64_json) for d in response.data]
    outputs = await _save_outputs(
        state, place, items, DOWNLOAD_RESERVE_S + state.settings.tool_deadline_s / 4
    )
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
    return _as_call_result(result, _summary(result, outputs, "image"), await _previews(outputs))


# -- cost guardrails -----------------------------------------------------------------------------


class SpendConfirmation(BaseModel):
    """What the user is asked when a call costs more than PIXAPI_CONFIRM_ABOVE_CREDITS."""

    confirm: bool = Field(description="Spend these credits?")


@dataclass(frozen=True)
class SpendVerdict:
    """A spending decision made without asking: ``ok`` or ``cannot_ask`` (the host cannot elicit)."""

    kind: Literal["ok", "cannot_ask"]
    estimate: float | None


async def _confirm_spend(
    ctx: AppContext, model: str, n: int | None = None, max_credits: float | None = None
) -> Elicit[SpendConfirmation] | SpendVerdict:
    """Before a costly call runs, ask the user (MCP elicitation) unless the estimate is at or under
    the threshold, or the caller confirmed with ``max_credits`` at or above it. Calls the caps will
    refuse anyway are not asked about: the tool body refuses them with the reason."""
    settings = _state(ctx).settings
    estimate = contract.estimate_credits(model, n or 1)
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


async def _confirm_video_spend(
    ctx: AppContext, model: str, max_credits: float | None = None
) -> Elicit[SpendConfirmation] | SpendVerdict:
    return await _confirm_spend(ctx, model, 1, max_credits)


Confirmation = Annotated[ElicitationResult[SpendConfirmation], Resolve(_confirm_spend)]
VideoConfirmation = Annotated[ElicitationResult[SpendConfirmation], Resolve(_confirm_video_spend)]


def _check_spend(
    state: AppState, confirmation: ElicitationResult[SpendConfirmation] | None, estimate: float | None
) -> None:
    """Refuse the call unless the user (or ``max_credits``) agreed and the caps allow it; then
    count the estimate against the session. Check and count happen with no await in between."""
    settings = state.settings
    if not isinstance(confirmation, AcceptedElicitation):
        raise tool_error(
            "The user declined to spend the credits; nothing was sent.",
            category="declined",
            retryable=False,
            fix="Ask the user before trying again, or choose a cheaper model or fewer images.",
        )
    answer = cast(object, confirmation.data)  # a SpendConfirmation when asked, else a SpendVerdict
    if isinstance(answer, SpendConfirmation) and not answer.confirm:
        raise tool_error(
            "The user did not confirm spending the credits; nothing was sent.",
            category="declined",
            retryable=False,
            fix="Ask the user before trying again, or choose a cheaper model or fewer images.",
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


async def _paid_call(
    ctx: AppContext,
    *,
    tool: str,
    kind: str,
    request: ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest,
    endpoint: Endpoint,
    n: int,
    output_dir: str | None,
    roots: ListRootsResult | None,
    confirmation: ElicitationResult[SpendConfirmation] | None,
    wait_s: float | None,
    started: float,
    submit: Callable[[], Awaitable[TaskSubmission]],
    send_sync: Callable[[], Awaitable[ImageResponse]] | None = None,
    shape: Literal["image", "task"] = "image",
) -> CallToolResult:
    """The one path of every paid call: contract check, output folder, cost check, ledger row,
    then the request (sync, or an async submission followed by a bounded wait)."""
    state = _state(ctx)
    await _preflight(state, request, endpoint)
    place = _output_place(state, output_dir, roots, kind, request.model, request.prompt)
    estimate = contract.estimate_credits(request.model, n)
    _check_spend(state, confirmation, estimate)
    row_id = await _open_row(state, tool, endpoint, request, place, estimate)
    if send_sync is not None:
        response: ImageResponse = await _send(state, row_id, estimate, send_sync)
        return await _finish_sync_images(state, row_id, response, place, estimate)
    submission: TaskSubmission = await _send(state, row_id, estimate, submit, shield=True)
    return await _after_submission(state, ctx, row_id, submission, place, wait_s, started, tool, shape)


# -- argument types (constraints are types, written once in contract.py) --------------------------

PromptArg = Annotated[str, Field(min_length=1, max_length=32_000, description="What to create, in words.")]
ImageModelArg = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        description="Image model id or alias: nano-banana (default, 2 credits), nano-banana-2, nano-banana-pro, "
        "gpt-image-1.5, gpt-image-2. list_models shows all.",
    ),
]
VideoModelArg = Annotated[
    str, Field(min_length=1, max_length=128, description="Video model: veo (default) or wan.")
]
NArg = Annotated[int | None, Field(ge=1, le=contract.MAX_N, description="Number of images (default 1).")]
ImageSizeArg = Annotated[
    str | None,
    Field(
        pattern=contract.IMAGE_SIZE_PATTERN,
        description="auto or WIDTHxHEIGHT, e.g. 1024x1024, 1536x1024, 1024x1536.",
    ),
]
VideoSizeArg = Annotated[
    str | None,
    Field(
        pattern=contract.VIDEO_SIZE_PATTERN,
        description="WIDTHxHEIGHT (1280x720, 720x1280) or a ratio such as 16:9.",
    ),
]
QualityArg = Annotated[
    contract.Quality | None, Field(description="low, medium, high or auto, where supported.")
]
FormatArg = Annotated[
    contract.ResponseFormat | None,
    Field(description="url (default) or b64_json; either way the image is saved to a file, never inlined."),
]
ControlsArg = Annotated[
    dict[str, Any] | None,
    Field(description="Extra model controls passed through as request fields; contract rules still apply."),
]
OutputDirArg = Annotated[
    str | None,
    Field(
        max_length=4096,
        description="Folder for the files, inside the workspace (relative paths start at the workspace root). "
        "Default: <workspace>/pixapi-output, else PIXAPI_OUTPUT_DIR.",
    ),
]
WaitArg = Annotated[
    float | None,
    Field(
        ge=0,
        le=3600,
        description="Seconds to wait for completion in this call (capped by the tool deadline, "
        "~45 s). 0 returns the task handle at once.",
    ),
]
MaxCreditsArg = Annotated[
    float | None,
    Field(
        ge=0,
        le=1_000_000,
        description="Credits you accept to spend on this call. Only needed to confirm a "
        "costly call when asked to (hosts without confirmation dialogs); never a way around the caps.",
    ),
]
SyncArg = Annotated[
    bool,
    Field(
        description="Use the synchronous endpoint (one long HTTP call). Default false: the async endpoint, "
        "which survives slow models by handing back a task id."
    ),
]


def _build(factory: Callable[[], Any]) -> Any:
    try:
        return factory()
    except ValidationError as exc:
        raise _from_validation(exc) from None


# -- the tools ----------------------------------------------------------------------------------

GENERATE_DESCRIPTION = """Generate images from a text prompt with Pixapi and save them as files.

Use for new images (hero shots, icons, concept art). Costs credits per image (nano-banana: 2;
list_models shows prices). Runs as an async task and waits up to the tool deadline (~45 s),
reporting progress; if the model is slower, returns status "processing" with an id: call get_task
with that task_id later (nothing is lost or charged twice). Result: data[].path (saved file),
data[].url, a small preview. Next: edit_image with the path, or create_video with
input_image=data[0].url."""

EDIT_DESCRIPTION = """Edit one or more input images with a text instruction (multipart upload).

`image` is a local file path inside the workspace, an http(s) URL, or a data: URI; pass a list for
several reference images. Costs credits per output image like generate_image. Async with a
bounded wait; returns data[].path/url and a preview, or a task id to poll with get_task."""

VIDEO_DESCRIPTION = """Create a short video (text-to-video, or image-to-video with input_image) with veo or wan.

Video is async-only: this submits a task to POST /v1/async/videos/generations and waits up to
wait_s (capped by the tool deadline, ~45 s) with progress. Videos usually take minutes, so expect
a task id back: call get_task(task_id, wait_s=...) until status is completed; the file is then
saved and result.data[0].path/url returned. input_image must be an http(s) URL, e.g. data[0].url
from generate_image. duration is in seconds. Costs credits per video (see pixapi.ai/pricing)."""

GET_TASK_DESCRIPTION = """Check an async task (image or video) and, once completed, save its outputs.

Waits up to wait_s (capped by the tool deadline) with progress; returns status/progress and
poll_after_s while unfinished, or result.data[].path/url when completed. Safe to call repeatedly:
files are downloaded once. Free (no credits). Works after a server restart for any task in the
ledger (list_tasks)."""

LIST_MODELS_DESCRIPTION = """List Pixapi models with aliases, capabilities, endpoints and documented credit prices.

Merges the live GET /v1/models with the bundled catalog; answers from the catalog when the API
cannot be reached (source says which). Free. Use before choosing a model or to fix an unknown
model name."""

LIST_TASKS_DESCRIPTION = """List recent paid requests and tasks from the local ledger, newest first.

Shows status, task id, saved paths and credits, including work from earlier sessions and calls
that were cut off. Free and local. For unfinished rows, call get_task with the id."""

PAID = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
)


def register_tools(server: MCPServer[AppState], *, read_only: bool) -> None:
    """Register the media tools; ``read_only`` leaves out every tool that spends credits."""
    if not read_only:
        server.add_tool(
            generate_image, title="Generate image", description=GENERATE_DESCRIPTION, annotations=PAID
        )
        server.add_tool(edit_image, title="Edit image", description=EDIT_DESCRIPTION, annotations=PAID)
        server.add_tool(create_video, title="Create video", description=VIDEO_DESCRIPTION, annotations=PAID)
    server.add_tool(
        get_task,
        title="Get task",
        description=GET_TASK_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True),
    )
    server.add_tool(
        list_models,
        title="List models",
        description=LIST_MODELS_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=True),
    )
    server.add_tool(
        list_tasks,
        title="List tasks",
        description=LIST_TASKS_DESCRIPTION,
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )


async def generate_image(
    ctx: AppContext,
    prompt: PromptArg,
    model: ImageModelArg = DEFAULT_IMAGE_MODEL,
    n: NArg = None,
    size: ImageSizeArg = None,
    quality: QualityArg = None,
    response_format: FormatArg = None,
    controls: ControlsArg = None,
    output_dir: OutputDirArg = None,
    wait_s: WaitArg = None,
    sync: SyncArg = False,
    max_credits: MaxCreditsArg = None,
    roots: Roots = None,
    confirmation: Confirmation = None,  # pyright: ignore[reportArgumentType] - filled by the resolver
) -> Annotated[CallToolResult, MediaResult]:
    state = _state(ctx)
    started = state.timer.now()
    request: ImageGenerationRequest = _build(
        lambda: ImageGenerationRequest(
            model=model,
            prompt=prompt,
            n=n,
            size=size,
            quality=quality,
            response_format=response_format,
            controls=controls or {},
        )
    )
    client = state.client
    return await _paid_call(
        ctx,
        tool="generate_image",
        kind="image",
        request=request,
        endpoint=Endpoint.IMAGE_GENERATIONS if sync else Endpoint.ASYNC_IMAGE_GENERATIONS,
        n=n or 1,
        output_dir=output_dir,
        roots=roots,
        confirmation=confirmation,
        wait_s=wait_s,
        started=started,
        submit=lambda: client.submit_image(request),
        send_sync=(lambda: client.create_image(request)) if sync else None,
    )


async def edit_image(
    ctx: AppContext,
    prompt: PromptArg,
    image: Annotated[
        str | list[str],
        Field(
            description="Input image(s): workspace file path, http(s) URL or data: URI; a list for several."
        ),
    ],
    model: ImageModelArg = DEFAULT_IMAGE_MODEL,
    n: NArg = None,
    size: ImageSizeArg = None,
    quality: QualityArg = None,
    response_format: FormatArg = None,
    controls: ControlsArg = None,
    output_dir: OutputDirArg = None,
    wait_s: WaitArg = None,
    sync: SyncArg = False,
    max_credits: MaxCreditsArg = None,
    roots: Roots = None,
    confirmation: Confirmation = None,  # pyright: ignore[reportArgumentType] - filled by the resolver
) -> Annotated[CallToolResult, MediaResult]:
    state = _state(ctx)
    started = state.timer.now()
    inputs = _image_list(image)
    root_paths = _root_paths(roots)
    files = [await _load_input(state, value, root_paths) for value in inputs]
    request: ImageEditRequest = _build(
        lambda: ImageEditRequest(
            model=model,
            prompt=prompt,
            images=tuple(files),
            n=n,
            size=size,
            quality=quality,
            response_format=response_format,
            controls=controls or {},
        )
    )
    client = state.client
    return await _paid_call(
        ctx,
        tool="edit_image",
        kind="edit",
        request=request,
        endpoint=Endpoint.IMAGE_EDITS if sync else Endpoint.ASYNC_IMAGE_EDITS,
        n=n or 1,
        output_dir=output_dir,
        roots=roots,
        confirmation=confirmation,
        wait_s=wait_s,
        started=started,
        submit=lambda: client.submit_image_edit(request),
        send_sync=(lambda: client.edit_image(request)) if sync else None,
    )


def _image_list(image: str | list[str]) -> list[str]:
    """Accept one input, a list, or a list that arrived JSON-encoded as a string (some hosts do that)."""
    if isinstance(image, str):
        text = image.strip()
        if text.startswith("["):
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = None
            if isinstance(decoded, list) and all(isinstance(v, str) for v in decoded):  # pyright: ignore[reportUnknownVariableType]
                return [str(v) for v in decoded]  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
        values = [text]
    else:
        values = list(image)
    if not values or any(not v.strip() for v in values):
        raise tool_error(
            "`image` needs at least one non-empty input.",
            category="invalid_request",
            retryable=False,
            fix="Pass a workspace file path, an http(s) URL or a data: URI.",
        )
    if len(values) > 16:
        raise tool_error("At most 16 input images per edit.", category="invalid_request", retryable=False)
    return values


async def _load_input(state: AppState, value: str, roots: Sequence[Path]) -> contract.ImageFile:
    kind = media.input_kind(value)
    try:
        if kind == "data":
            return media.read_data_uri(value)
        if kind == "url":
            data, _ = await state.client.fetch_bytes(
                value, max_bytes=media.MAX_INPUT_BYTES, url_guard=state.guard()
            )
            return media.check_input_image(value, data)
        allowed = media.allowed_folders(state.settings, roots)
        return await anyio.to_thread.run_sync(media.read_local_image, value, allowed, roots)
    except media.MediaError as exc:
        raise tool_error(
            f"Input image refused: {exc}",
            category="invalid_request",
            retryable=False,
            fix="Pass an image file inside the workspace, a public http(s) URL or a data: URI.",
        ) from None
    except PixapiError as exc:
        raise tool_error(
            f"Could not fetch the input image {value[:200]}: {exc}",
            category=exc.category,
            retryable=exc.retryable,
            fix="Check the URL, or save the image and pass its path.",
        ) from None


async def create_video(
    ctx: AppContext,
    prompt: PromptArg,
    model: VideoModelArg = DEFAULT_VIDEO_MODEL,
    duration: Annotated[
        float | None, Field(gt=0, le=60, description="Video length in seconds, e.g. 8.")
    ] = None,
    size: VideoSizeArg = None,
    input_image: Annotated[
        str | None,
        Field(
            max_length=8192,
            description="Image URL to animate (image-to-video), e.g. data[0].url from generate_image.",
        ),
    ] = None,
    controls: ControlsArg = None,
    output_dir: OutputDirArg = None,
    wait_s: WaitArg = None,
    max_credits: MaxCreditsArg = None,
    roots: Roots = None,
    confirmation: VideoConfirmation = None,  # pyright: ignore[reportArgumentType] - filled by the resolver
) -> Annotated[CallToolResult, MediaResult]:
    state = _state(ctx)
    started = state.timer.now()
    if input_image is not None and media.input_kind(input_image) != "url":
        raise tool_error(
            "input_image must be an http(s) URL; Pixapi fetches it itself, so local files and data URIs "
            "cannot be sent.",
            category="invalid_request",
            retryable=False,
            fix="Pass the `url` of a generated or edited image (data[0].url from generate_image).",
        )
    request: VideoGenerationRequest = _build(
        lambda: VideoGenerationRequest(
            model=model,
            prompt=prompt,
            duration=duration,
            size=size,
            input_image=input_image,
            controls=controls or {},
        )
    )
    client = state.client
    return await _paid_call(
        ctx,
        tool="create_video",
        kind="video",
        request=request,
        endpoint=Endpoint.ASYNC_VIDEO_GENERATIONS,
        n=1,
        output_dir=output_dir,
        roots=roots,
        confirmation=confirmation,
        wait_s=wait_s,
        started=started,
        submit=lambda: client.submit_video(request),
        shape="task",
    )


async def get_task(
    ctx: AppContext,
    task_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            pattern=r"^[A-Za-z0-9_.:-]+$",
            description="The task id (id from a previous result or list_tasks).",
        ),
    ],
    wait_s: WaitArg = None,
    output_dir: OutputDirArg = None,
    roots: Roots = None,
) -> Annotated[CallToolResult, MediaResult]:
    state = _state(ctx)
    started = state.timer.now()
    row = await state.ledger.find_task(task_id)
    reporter = ProgressReporter(ctx, "get_task")
    if row is not None and row.status == "completed" and row.paths and await _all_files(row.paths):
        task = Task(
            id=task_id, status="completed", progress=100, model=row.model, credits_cost=row.credits_charged
        )
        place = CallPlace(Path(row.output_dir or "."), _kind_of(row), row.model, row.prompt)
        return await _finish(state, reporter, row.id, task, place, "task", None)
    # A task this ledger does not know (submitted elsewhere) gets a row only once the API has
    # confirmed it exists, so a mistyped id leaves nothing behind.
    try:
        task, poll_after = await _wait_for_task(
            state,
            task_id,
            _budget(state, wait_s, started),
            reporter,
            row.id if row else None,
            (row.status, row.progress) if row else None,
        )
    except PixapiError as exc:
        raise _from_api_error(exc, row.id if row else None) from None
    if row is not None and row.output_dir and output_dir is None:
        # Chosen (and checked) when the work was submitted; the host's roots may differ now.
        place = CallPlace(Path(row.output_dir), _kind_of(row), row.model, row.prompt)
    else:
        model = row.model if row else task.model or "task"
        place = _output_place(state, output_dir, roots, _kind_of(row), model, row.prompt if row else task_id)
    if row is None:
        row_id = await state.ledger.open(
            tool="get_task",
            endpoint=contract.task_path(task_id),
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
        return await _pending(
            state, task, row_id, task.created_at, task.model or place.model, "task", poll_after
        )
    return await _finish(state, reporter, row_id, task, place, "task", task.created_at)


def _kind_of(row: LedgerRow | None) -> str:
    if row is None:
        return "task"
    return {"create_video": "video", "edit_image": "edit"}.get(row.tool, "image")


async def list_models(ctx: AppContext) -> ModelsResult:
    state = _state(ctx)
    live: dict[str, contract.ModelEntry] = {}
    note = "Merged the live GET /v1/models with the bundled catalog."
    source: Literal["live+catalog", "catalog"] = "live+catalog"
    try:
        listing = await state.client.list_models()
        live = {entry.id: entry for entry in listing.data}
    except PixapiError as exc:
        source = "catalog"
        note = f"The live model list could not be fetched ({exc.category}): showing the bundled catalog only."
    out: list[ModelOut] = []
    for info in contract.CATALOG:
        entry = live.get(info.id)
        out.append(
            ModelOut(
                id=info.id,
                category=(entry.category if entry and entry.category else info.category),
                capabilities=(
                    entry.capabilities if entry and entry.capabilities else list(info.capabilities)
                ),
                aliases=list(info.aliases),
                credits_from=info.credits_from,
                endpoints=[e.value for e in info.endpoints],
                sizes=list(info.sizes),
                notes=" ".join(p for p in (info.summary, info.size_notes) if p),
                live=(info.id in live) if source == "live+catalog" else None,
                docs=f"pixapi://models/{info.id}",
            )
        )
    known = {info.id for info in contract.CATALOG}
    for entry in live.values():
        if entry.id not in known:
            out.append(
                ModelOut(
                    id=entry.id,
                    category=entry.category,
                    capabilities=entry.capabilities,
                    live=True,
                    notes="Listed by the API; not in the bundled catalog (no documented price).",
                )
            )
    return ModelsResult(data=out, source=source, note=note)


async def list_tasks(
    ctx: AppContext,
    limit: Annotated[int, Field(ge=1, le=200, description="How many rows, newest first.")] = 20,
    unfinished_only: Annotated[bool, Field(description="Only rows that may still produce output.")] = False,
) -> TasksResult:
    state = _state(ctx)
    rows = await state.ledger.recent(limit, UNFINISHED if unfinished_only else None)
    tasks: list[TaskRow] = []
    for row in rows:
        if row.status in ("submitted", "processing") and row.task_id:
            step = f"Call get_task with task_id={row.task_id!r}."
        elif row.status == "unknown":
            step = "Outcome unknown (cut off while sending): check the Pixapi dashboard before resubmitting."
        elif row.status == "completed" and not row.paths and row.task_id:
            step = f"Outputs not saved yet: call get_task with task_id={row.task_id!r}."
        else:
            step = ""
        tasks.append(
            TaskRow(
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
            )
        )
    unfinished = sum(1 for t in tasks if t.status in ("sending", "submitted", "processing", "unknown"))
    return TasksResult(tasks=tasks, unfinished=unfinished)
