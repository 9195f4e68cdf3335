"""The video tool, ``create_video``: async-only, so it submits a task and waits within the tool
deadline; a longer video comes back as a task handle for ``get_task``."""

from __future__ import annotations

from typing import Annotated

from mcp_types import CallToolResult

from pixapi_mcp import media
from pixapi_mcp.client import PixapiClient
from pixapi_mcp.contract import DEFAULT_VIDEO_MODEL, Endpoint, VideoGenerationRequest
from pixapi_mcp.tools.args import (
    ControlsArg,
    DurationArg,
    InputImageArg,
    MaxCreditsArg,
    OutputDirArg,
    PromptArg,
    VideoModelArg,
    VideoSizeArg,
    WaitArg,
)
from pixapi_mcp.tools.errors import tool_error
from pixapi_mcp.tools.guardrails import VideoConfirmation
from pixapi_mcp.tools.jobs import JobOptions, JobSpec, Route, run_job
from pixapi_mcp.tools.outputs import Roots
from pixapi_mcp.tools.registry import PAID, ToolDef
from pixapi_mcp.tools.results import MediaResult
from pixapi_mcp.tools.state import AppContext

VIDEO_JOB = JobSpec[VideoGenerationRequest](
    tool="create_video",
    kind="video",
    shape="task",
    submit=Route(Endpoint.ASYNC_VIDEO_GENERATIONS, PixapiClient.submit_video),
)


async def create_video(
    ctx: AppContext,
    prompt: PromptArg,
    model: VideoModelArg = DEFAULT_VIDEO_MODEL,
    duration: DurationArg = None,
    size: VideoSizeArg = None,
    input_image: InputImageArg = None,
    controls: ControlsArg = None,
    output_dir: OutputDirArg = None,
    wait_s: WaitArg = None,
    max_credits: MaxCreditsArg = None,  # read by the spend confirmation (guardrails.confirm_video_spend)
    roots: Roots = None,
    confirmation: VideoConfirmation = None,  # pyright: ignore[reportArgumentType] - filled by the resolver
) -> Annotated[CallToolResult, MediaResult]:
    if input_image is not None and media.input_kind(input_image) != "url":
        raise tool_error(
            "input_image must be an http(s) URL; Pixapi fetches it itself, so local files and data URIs "
            "cannot be sent.",
            category="invalid_request",
            retryable=False,
            fix="Pass the `url` of a generated or edited image (data[0].url from generate_image).",
        )
    return await run_job(
        ctx,
        VIDEO_JOB,
        JobOptions(output_dir, roots, confirmation, wait_s),
        lambda: VideoGenerationRequest(
            model=model,
            prompt=prompt,
            duration=duration,
            size=size,
            input_image=input_image,
            controls=controls or {},
        ),
    )


CREATE_VIDEO = ToolDef(
    create_video,
    title="Create video",
    description="""Create a short video (text-to-video, or image-to-video with input_image) with veo or wan.

Video is async-only: this submits a task to POST /v1/async/videos/generations and waits up to
wait_s (capped by the tool deadline, ~45 s) with progress. Videos usually take minutes, so expect
a task id back: call get_task(task_id, wait_s=...) until status is completed; the file is then
saved and result.data[0].path/url returned. input_image must be an http(s) URL, e.g. data[0].url
from generate_image. duration is in seconds. Costs credits per video: Pixapi's docs give no video
price, so each video counts as PIXAPI_VIDEO_CREDITS_ESTIMATE (default 20) until Pixapi reports
credits_cost; above the confirmation threshold the user is asked first (or pass max_credits once
they agreed). A call estimated above max_credits is refused.""",
    annotations=PAID,
)
