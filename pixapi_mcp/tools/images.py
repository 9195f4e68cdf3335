"""The image tools, ``generate_image`` and ``edit_image``: their arguments, descriptions, job specs
and the reading of edit inputs (workspace files, http(s) URLs, data URIs)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import anyio
import anyio.to_thread
from mcp_types import CallToolResult

from pixapi_mcp import media
from pixapi_mcp.auth import current_caller
from pixapi_mcp.client import PixapiClient, PixapiError, UnsafeAddressError
from pixapi_mcp.contract import (
    DEFAULT_IMAGE_MODEL,
    Endpoint,
    ImageEditRequest,
    ImageFile,
    ImageGenerationRequest,
)
from pixapi_mcp.tools.args import (
    ControlsArg,
    EditInputsArg,
    FormatArg,
    ImageModelArg,
    ImageSizeArg,
    MaxCreditsArg,
    NArg,
    OutputDirArg,
    PromptArg,
    QualityArg,
    SyncArg,
    WaitArg,
)
from pixapi_mcp.tools.errors import tool_error
from pixapi_mcp.tools.guardrails import Confirmation
from pixapi_mcp.tools.jobs import JobOptions, JobSpec, Route, run_job
from pixapi_mcp.tools.outputs import Roots, root_paths
from pixapi_mcp.tools.registry import PAID, ToolDef
from pixapi_mcp.tools.results import MediaResult
from pixapi_mcp.tools.state import AppContext, AppState, app_state, files_settings

# More reference images than this are refused before any is read or fetched.
MAX_EDIT_INPUTS = 16
# The share of the tool deadline reading (fetching) the inputs may take.
INPUT_SHARE = 0.5

GENERATE_JOB = JobSpec[ImageGenerationRequest](
    tool="generate_image",
    kind="image",
    shape="image",
    submit=Route(Endpoint.ASYNC_IMAGE_GENERATIONS, PixapiClient.submit_image),
    sync=Route(Endpoint.IMAGE_GENERATIONS, PixapiClient.create_image),
)

EDIT_JOB = JobSpec[ImageEditRequest](
    tool="edit_image",
    kind="edit",
    shape="image",
    submit=Route(Endpoint.ASYNC_IMAGE_EDITS, PixapiClient.submit_image_edit),
    sync=Route(Endpoint.IMAGE_EDITS, PixapiClient.edit_image),
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
    max_credits: MaxCreditsArg = None,  # read by the spend confirmation (guardrails.confirm_spend)
    roots: Roots = None,
    confirmation: Confirmation = None,  # pyright: ignore[reportArgumentType] - filled by the resolver
) -> Annotated[CallToolResult, MediaResult]:
    return await run_job(
        ctx,
        GENERATE_JOB,
        JobOptions(output_dir, roots, confirmation, wait_s, sync),
        lambda: ImageGenerationRequest(
            model=model,
            prompt=prompt,
            n=n,
            size=size,
            quality=quality,
            response_format=response_format,
            controls=controls or {},
        ),
    )


async def edit_image(
    ctx: AppContext,
    prompt: PromptArg,
    image: EditInputsArg,
    model: ImageModelArg = DEFAULT_IMAGE_MODEL,
    n: NArg = None,
    size: ImageSizeArg = None,
    quality: QualityArg = None,
    response_format: FormatArg = None,
    controls: ControlsArg = None,
    output_dir: OutputDirArg = None,
    wait_s: WaitArg = None,
    sync: SyncArg = False,
    max_credits: MaxCreditsArg = None,  # read by the spend confirmation (guardrails.confirm_spend)
    roots: Roots = None,
    confirmation: Confirmation = None,  # pyright: ignore[reportArgumentType] - filled by the resolver
) -> Annotated[CallToolResult, MediaResult]:
    state = app_state(ctx)
    started = state.timer.now()  # reading the inputs counts against the call's deadline
    inputs = _image_list(image)
    workspace = root_paths(roots)
    files = await _load_inputs(state, inputs, workspace)
    return await run_job(
        ctx,
        EDIT_JOB,
        JobOptions(output_dir, roots, confirmation, wait_s, sync),
        lambda: ImageEditRequest(
            model=model,
            prompt=prompt,
            images=tuple(files),
            n=n,
            size=size,
            quality=quality,
            response_format=response_format,
            controls=controls or {},
        ),
        started=started,
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
    if len(values) > MAX_EDIT_INPUTS:
        raise tool_error(
            f"At most {MAX_EDIT_INPUTS} input images per edit.", category="invalid_request", retryable=False
        )
    return values


async def _load_inputs(state: AppState, values: Sequence[str], roots: Sequence[Path]) -> list[ImageFile]:
    """Every input, read within ``INPUT_SHARE`` of the tool deadline, in real time (the network's
    and the disk's, not the server's timer): one deadline over all URL fetches, so a host that
    trickles a byte at a time or never answers ends the call with a clear error, and the
    submission and the wait keep the rest of the deadline."""
    budget = state.settings.tool_deadline_s * INPUT_SHARE
    until = anyio.current_time() + budget
    return [await _load_input(state, value, roots, until - anyio.current_time()) for value in values]


async def _load_input(state: AppState, value: str, roots: Sequence[Path], deadline_s: float) -> ImageFile:
    kind = media.input_kind(value)
    try:
        # Decoding and checking an image (up to MAX_INPUT_BYTES, Pillow's verify) is CPU work for a
        # worker thread, never the event loop other sessions are served on.
        if kind == "data":
            return await anyio.to_thread.run_sync(media.read_data_uri, value)
        if kind == "url":
            data, _ = await state.client.fetch_bytes(
                value,
                max_bytes=media.MAX_INPUT_BYTES,
                url_guard=state.guard(),
                deadline_s=max(deadline_s, 0.0),
            )
            return await anyio.to_thread.run_sync(media.check_input_image, value, data)
        allowed = media.allowed_folders(files_settings(state.settings, current_caller()), roots)
        return await anyio.to_thread.run_sync(media.read_local_image, value, allowed, roots)
    except (media.MediaError, UnsafeAddressError) as exc:
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


GENERATE_IMAGE = ToolDef(
    generate_image,
    title="Generate image",
    description="""Generate images from a text prompt with Pixapi and save them as files.

Use for new images (hero shots, icons, concept art). Costs credits per image (nano-banana: 2;
list_models shows prices; n counts wherever it is given). A call estimated above 20 credits, or
for a model with no known price, asks the user first; where the host cannot ask, call again with
max_credits=<the estimate> once the user agreed. A call estimated above max_credits is refused.
Runs as an async task and waits up to the tool deadline (~45 s), reporting progress; if the model
is slower, returns status "processing" with an id: call get_task with that task_id later (nothing
is lost or charged twice). Result: data[].path (saved file),
data[].url, a small preview. Next: edit_image with the path, or create_video with
input_image=data[0].url.""",
    annotations=PAID,
)

EDIT_IMAGE = ToolDef(
    edit_image,
    title="Edit image",
    description="""Edit one or more input images with a text instruction (multipart upload).

`image` is a local file path inside the workspace, an http(s) URL, or a data: URI; pass a list for
several reference images. Costs credits per output image, confirmed and capped like generate_image
(max_credits is the most this call may cost). Async with a bounded wait; returns data[].path/url
and a preview, or a task id to poll with get_task.""",
    annotations=PAID,
)
