"""Where a call's files go and how outputs become files: the host's workspace roots, the output
folder, downloads and decoded ``b64_json`` saved as new files.

Outputs land in an allowed folder and never overwrite anything. A download that fails keeps its
URL and says why, so a paid output is never dropped and ``get_task`` can fetch it again. The
file-system rules themselves live in ``pixapi_mcp.media``; this module applies them to tool calls.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from weakref import WeakKeyDictionary

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import ListRoots, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.shared.message import ServerMessageMetadata
from mcp_types import ListRootsRequest, ListRootsResult

from pixapi_mcp import media
from pixapi_mcp.auth import current_caller
from pixapi_mcp.client import Download, PixapiError
from pixapi_mcp.config import Settings
from pixapi_mcp.ledger import LedgerRow
from pixapi_mcp.tools.errors import configuration_error, tool_error
from pixapi_mcp.tools.polling import DOWNLOAD_RESERVE_S
from pixapi_mcp.tools.results import SavedOutput
from pixapi_mcp.tools.state import AppContext, AppState, app_state, asks_mid_call, files_settings

log = logging.getLogger(__name__)

# What a call makes, as its files are named (``...-image-...``, ``...-video-...``); "task" for a
# task this server did not submit. Video files are not checked as images.
OutputKind = Literal["image", "edit", "video", "task"]


# -- roots (the host's workspace) ----------------------------------------------------------------


@dataclass
class _AskedRoots:
    """One connection's answer to roots/list: None until answered, and None for good when the
    client answered with an error or not in time (it falls back, and is not asked again)."""

    done: anyio.Event = field(default_factory=anyio.Event)
    roots: ListRootsResult | None = None


# Per connection (weakly: gone with the connection). Cleared by notifications/roots/list_changed.
_asked: WeakKeyDictionary[object, _AskedRoots] = WeakKeyDictionary()


def _connection_of(session: object) -> object | None:
    # The SDK has no public handle on the connection from a tool's context; without one (a future
    # SDK), roots are simply asked on every call, still within the bound.
    return getattr(session, "_connection", None)


async def workspace_roots(ctx: AppContext) -> ListRootsResult | ListRoots | None:
    """The host's workspace roots, or None to fall back to ``PIXAPI_OUTPUT_DIR`` (DESIGN §5).
    Always None for clients over HTTP (``AppState.remote_clients``): see the comment below.

    On the 2026-07-28 protocol the question rides the tool call's ``InputRequiredResult``: the
    server holds nothing while the client answers. On earlier protocols it is a request to the
    client in the middle of the call, which some clients never answer (chuk-mcp) or answer with
    an error: that wait is bounded by ``PIXAPI_ROOTS_TIMEOUT_S``, any failure falls back, and the
    outcome is kept for the connection (asked once, concurrent calls share the question).
    """
    if app_state(ctx).remote_clients:
        # Over HTTP the client's roots are folders on another machine (or any folder it cares to
        # name, file:/// included): this server's disk is scoped by its own configuration only.
        return None
    caps = ctx.client_capabilities
    if caps is None or caps.roots is None:
        return None
    if not asks_mid_call(ctx):
        return ListRoots()
    session = ctx.session
    bound = app_state(ctx).settings.roots_timeout_s
    connection = _connection_of(session)
    asked = _asked.get(connection) if connection is not None else None
    if asked is not None:
        with anyio.move_on_after(bound):
            await asked.done.wait()
        return asked.roots
    asked = _AskedRoots()
    if connection is not None:
        _asked[connection] = asked
    try:
        with anyio.move_on_after(bound) as scope:
            asked.roots = await session.send_request(
                ListRootsRequest(),
                ListRootsResult,
                request_read_timeout_seconds=bound,
                metadata=ServerMessageMetadata(related_request_id=ctx.request_context.request_id),
            )
        if scope.cancelled_caught:
            log.warning("the client did not answer roots/list within %.3g s; using the output folder", bound)
    except Exception as exc:  # an error answer, a malformed one, a closed channel: all fall back
        log.warning("roots/list failed (%s); using the output folder", _describe(exc))
    finally:
        asked.done.set()
    return asked.roots


def _describe(exc: Exception) -> str:
    return f"{exc.error.code}: {exc.error.message}" if isinstance(exc, MCPError) else type(exc).__name__


async def forget_roots_on_change(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """Server middleware: a client's ``notifications/roots/list_changed`` drops its kept roots, so
    the next call asks again."""
    if ctx.method == "notifications/roots/list_changed":
        connection = _connection_of(ctx.session)
        if connection is not None:
            _asked.pop(connection, None)
    return await call_next(ctx)


Roots = Annotated[ListRootsResult | None, Resolve(workspace_roots)]


def root_paths(roots: ListRootsResult | None) -> list[Path]:
    return media.roots_to_paths(str(r.uri) for r in roots.roots) if roots else []


@dataclass
class CallPlace:
    """Where one call's files go, decided once per call."""

    output_dir: Path
    kind: OutputKind
    model: str
    prompt: str


def output_place(
    state: AppState,
    output_dir: str | None,
    roots: ListRootsResult | None,
    kind: OutputKind,
    model: str,
    prompt: str,
) -> CallPlace:
    """The folder of one call's files, checked writable before anything is paid for.

    A folder the model chose (``output_dir``) that cannot be used is the model's to fix; the
    folder the server's settings chose (``PIXAPI_OUTPUT_DIR``, else the per-user folder under
    ``PIXAPI_DATA_DIR``) or the host's workspace is the user's, and said so."""
    settings = files_settings(state.settings, current_caller())
    workspace = root_paths(roots)
    # A relative output_dir lands in the workspace, else in the configured folder: the same
    # folder the settings chose, whose fault a failure is when it cannot be used itself.
    settings_folder = not workspace and not (output_dir and _is_absolute(output_dir))
    try:
        folder = media.choose_output_dir(output_dir, settings, workspace)
        if not os.access(folder, os.W_OK):
            raise media.MediaError(f"{media.shown(str(folder))} is not writable.")
    except media.MediaError as exc:
        if settings_folder and _unusable(settings.default_output_dir):
            raise _settings_folder_error(settings, str(exc)) from None
        if not output_dir and workspace:
            raise tool_error(
                f"The host's workspace folder cannot take the files: {exc}",
                category="configuration",
                retryable=False,
                fix="Pass an output_dir that is writable, or tell the user the workspace folder is "
                "not writable.",
            ) from None
        raise tool_error(
            str(exc),
            category="invalid_request",
            retryable=False,
            fix="Pass an output_dir inside the workspace (or omit it).",
        ) from None
    return CallPlace(folder, kind, model, prompt)


def _is_absolute(text: str) -> bool:
    try:
        return media.local_path(text).is_absolute()
    except media.MediaError:
        return False


def _unusable(folder: Path) -> bool:
    """Whether the configured output folder itself cannot be created or written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return True
    return not (folder.is_dir() and os.access(folder, os.W_OK))


def _settings_folder_error(settings: Settings, problem: str) -> ToolError:
    variable = settings.output_dir_variable
    default = (
        ""
        if variable == "PIXAPI_OUTPUT_DIR"
        else " (the default folder, under PIXAPI_DATA_DIR, is not usable)"
    )
    return configuration_error(
        f"The server's output folder cannot be used: {problem}",
        variable=variable,
        fix="This is not your argument: tell the user to set PIXAPI_OUTPUT_DIR in the host's MCP "
        f"configuration to a folder they can write to{default}, then restart the server.",
    )


# -- saving -------------------------------------------------------------------------------------


def save_budget(state: AppState) -> float:
    """How long saving a call's outputs may take."""
    return DOWNLOAD_RESERVE_S + state.settings.tool_deadline_s / 4


async def save_outputs(
    state: AppState,
    place: CallPlace,
    items: Sequence[tuple[str | None, str | None]],
    budget_s: float,
) -> list[SavedOutput]:
    """Download URLs / decode b64 items into new files.

    A download that fails or outlives the budget keeps its URL and says so: the paid output is
    never dropped, and ``get_task`` retries it.
    """
    deadline = state.timer.now() + max(budget_s, 1.0)
    # Opened now, at the moment of writing, not trusted from when the call was placed: the
    # folder may be gone since the work was submitted (get_task resumes into it: made again), or
    # swapped for a symlink (refused: every output keeps its URL and says why).
    try:
        folder = await anyio.to_thread.run_sync(lambda: media.OpenFolder(place.output_dir, create=True))
    except media.MediaError as exc:
        return [SavedOutput(url=url, download_error=str(exc)) for url, _ in items]
    try:
        return await _save_into(state, place, folder, items, deadline)
    finally:
        folder.close()


async def _save_into(
    state: AppState,
    place: CallPlace,
    folder: media.OpenFolder,
    items: Sequence[tuple[str | None, str | None]],
    deadline: float,
) -> list[SavedOutput]:
    outputs: list[SavedOutput] = []
    for index, (url, b64) in enumerate(items, start=1):
        out = SavedOutput(url=url)
        try:
            if b64 is not None:
                # Decoding, reading the format and writing (megabytes) in one worker-thread call.
                path, size, media_type = await anyio.to_thread.run_sync(_write_b64, folder, place, index, b64)
                out.path, out.bytes, out.media_type = str(path), size, media_type
            elif url is not None:
                remaining = deadline - state.timer.now()
                download = await _download_new(state, place, folder, url, index, remaining)
                if download is None:
                    out.download_error = "not downloaded within the call's time; call get_task to fetch it"
                else:
                    out.path, out.bytes = str(download.path), download.size
                    out.media_type = download.content_type
            if out.path:
                await describe_file(out, place.kind)
        except (PixapiError, media.MediaError, OSError, ValueError) as exc:
            out.download_error = str(exc)
        outputs.append(out)
    return outputs


def _write_b64(folder: media.OpenFolder, place: CallPlace, index: int, b64: str) -> tuple[Path, int, str]:
    data = base64.b64decode(b64)
    saved_as = media.output_format(data)
    name = media.output_name(place.kind, place.model, place.prompt, index, saved_as.extension)
    return media.write_new_file(folder, name, data), len(data), saved_as.media_type


async def reuse_or_save(
    state: AppState,
    row: LedgerRow | None,
    place: CallPlace,
    items: Sequence[tuple[str | None, str | None]],
    *,
    found: bool = False,
) -> list[SavedOutput]:
    """Outputs saved by an earlier call are reused (a second get_task never downloads twice).
    ``found``: the caller has just seen every one of ``row.paths`` on disk (not looked for again).

    A read never deletes what it finds: a saved file the user changed since (edited, replaced by
    something that is no image) is reported as changed and left as it is."""
    if row and row.paths and len(row.paths) >= len(items) and (found or await all_files(row.paths)):
        urls = row.output_urls + [None] * (len(row.paths) - len(row.output_urls))
        outputs: list[SavedOutput] = []
        for path_text, url in zip(row.paths, urls, strict=False):
            # Typed by name, so a saved video is not checked as an image.
            out = SavedOutput(url=url, path=path_text, media_type=mimetypes.guess_type(path_text)[0])
            try:
                await describe_file(out, place.kind, saved_earlier=True)
            except OSError as exc:  # moved or made unreadable since the check above
                out.preview_note = (
                    f"The saved file cannot be read now ({exc.strerror}); it was left as it is."
                )
            outputs.append(out)
        return outputs
    return await save_outputs(state, place, items, save_budget(state))


async def all_files(paths: Sequence[str]) -> bool:
    """Whether every path is a file: answered on the event loop for files described before (the
    repeat ``get_task`` of a saved task), else looked up in a worker thread."""
    if media.known_files(paths):
        return True
    return await anyio.to_thread.run_sync(lambda: all(Path(p).is_file() for p in paths))


async def describe_file(out: SavedOutput, kind: OutputKind, *, saved_earlier: bool = False) -> None:
    """Fill size, and for images dimensions and type, from the saved file (read lazily by Pillow,
    cached per file).

    A file just downloaded for image work that is not a readable image is not an output: it is
    removed and the output says so, so get_task fetches it again instead of handing over garbage.
    A file ``saved_earlier`` is the user's by now: it is never removed, only reported as changed."""
    assert out.path is not None
    path = Path(out.path)
    check_image = kind != "video" and (
        not out.media_type or out.media_type.startswith(("image/", "application/octet"))
    )
    size, facts, problem = await media.describe_file_async(path, check_image)
    out.bytes = size
    if problem is not None and saved_earlier:
        out.preview_note = (
            f"The saved file has changed since it was saved (it is now {problem}); it was left as it is. "
            "Nothing was downloaded again."
        )
    elif problem is not None:
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
        out.path, out.bytes = None, None
        out.download_error = (
            f"Pixapi returned a file that is {problem}; call get_task (or retry) to fetch it again"
        )
    elif facts is not None:
        out.width, out.height = facts.width, facts.height
        out.media_type = media.media_type_of(facts) or out.media_type


async def _download_new(
    state: AppState, place: CallPlace, folder: media.OpenFolder, url: str, index: int, budget_s: float
) -> Download | None:
    ext = media.extension_for(None, url, place.kind)
    name = media.output_name(place.kind, place.model, place.prompt, index, ext)
    with anyio.move_on_after(max(budget_s, 0.5)):
        for path in media.candidate_paths(folder.path, name):
            try:
                # Written relative to the folder opened for this save, never through a symlink.
                return await state.client.download(
                    url, path, max_bytes=state.settings.max_download_bytes, url_guard=None, dir_fd=folder.fd
                )
            except PixapiError as exc:
                if isinstance(exc.__cause__, FileExistsError):
                    continue  # a concurrent call took the name first: take the next
                raise
    return None
