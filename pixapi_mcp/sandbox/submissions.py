"""Submissions: ``POST`` to the image, edit and video endpoints.

In order: the body's own problem (400) -> the contract's rule table (400) -> edit inputs readable
-> model served (400) -> price and credits (402) -> the work-level fault -> the work: a sync image
answer (rendered, then charged), or a task handle whose outputs ``tasks`` renders when it is due.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass

import anyio
import anyio.to_thread
from PIL import Image
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pixapi_mcp.contract import Endpoint, check_request
from pixapi_mcp.sandbox import render
from pixapi_mcp.sandbox.accounts import price, short_of_credits
from pixapi_mcp.sandbox.bodies import MAX_IMAGE_PARTS, Body, count, number
from pixapi_mcp.sandbox.errors import error, violations_error
from pixapi_mcp.sandbox.faults import Fault
from pixapi_mcp.sandbox.injection import take_fault, work_kinds
from pixapi_mcp.sandbox.models import served_model, unknown_model
from pixapi_mcp.sandbox.outputs import base_url, own_file, store
from pixapi_mcp.sandbox.state import RecordedRequest, SandboxState, SandboxTask, new_ulid


@dataclass(frozen=True, slots=True)
class Order:
    """A submission that passed every check: what to make, what it costs, and the work-level
    fault (if any) it took."""

    endpoint: Endpoint
    model: str
    price: float
    prompt: str
    n: int
    size: str | None
    response_format: str | None
    fault: Fault | None

    def faulted(self, kind: str) -> bool:
        return self.fault is not None and self.fault.kind == kind

    @property
    def pad_mb(self) -> float:
        """The size each output is padded to (the large_output fault), 0 for none."""
        fault = self.fault
        return fault.size_mb if fault is not None and fault.kind == "large_output" else 0.0


async def submit(
    state: SandboxState,
    request: Request,
    key: str,
    endpoint: Endpoint,
    body: Body,
    header_fault: Fault | None,
    record: RecordedRequest,
) -> Response:
    if body.error is not None:
        return error(request, 400, body.error, param=body.error_param)
    fields = body.fields
    checked = dict(fields)
    if body.multipart:
        checked["image"] = [name for name, _ in body.images]
    query = request.url.query
    violations = check_request(
        request.url.path + (f"?{query}" if query else ""),
        checked,
        multipart=body.multipart,
        # The header as sent ("" when absent): a JSON body without `application/json` breaks
        # json-content-type (seeds/api-reference.txt: "Content-Type | Yes for JSON bodies").
        content_type=request.headers.get("content-type", ""),
    )
    if violations:
        return violations_error(request, violations)

    sources: list[Image.Image] = []
    if endpoint.is_edit:
        if len(body.images) > MAX_IMAGE_PARTS:
            return error(request, 400, f"Send at most {MAX_IMAGE_PARTS} `image` parts.", param="image")
        try:
            sources = await anyio.to_thread.run_sync(lambda: [render.read_upload(d) for _, d in body.images])
        except render.UnreadableImage as exc:
            return error(request, 400, f"`image`: {exc}.", param="image")

    model_name = str(fields["model"])
    info = served_model(state.config, model_name, endpoint.media)
    if info is None:
        return unknown_model(state.config, request, model_name, endpoint.media)
    n = count(fields.get("n")) if endpoint.media == "image" else 1
    cost = price(state.config, info, n)
    if (refusal := short_of_credits(state, request, key, info, n, cost)) is not None:
        return refusal

    work_fault = take_fault(
        state, header_fault, key=key, request=request, kinds=work_kinds(endpoint), record=record
    )
    size = fields.get("size")
    response_format = fields.get("response_format")
    order = Order(
        endpoint,
        info.id,
        cost,
        str(fields["prompt"]),
        n,
        size if isinstance(size, str) else None,
        response_format if isinstance(response_format, str) else None,
        work_fault,
    )
    if endpoint.is_async:
        return _task_handle(state, request, key, order, body)
    return await _sync_answer(state, request, key, order, sources)


async def _sync_answer(
    state: SandboxState, request: Request, key: str, order: Order, sources: list[Image.Image]
) -> Response:
    if state.config.sync_latency_s > 0:
        await anyio.sleep(state.config.sync_latency_s)
    pixels = render.image_size(order.size, state.config.max_image_side)
    outputs = await anyio.to_thread.run_sync(
        functools.partial(
            render.render_images, order.prompt, order.model, order.n, pixels, sources, order.pad_mb
        )
    )
    if not state.try_charge(key, order.price):
        return error(request, 402, f"Insufficient credits: {order.model} x{order.n} needs {order.price:g}.")
    data: list[dict[str, str]] = []
    for png in outputs:
        if order.response_format == "b64_json":
            data.append({"b64_json": base64.b64encode(png).decode("ascii")})
        else:
            data.append({"url": store(state, request, png, "png")})
    return JSONResponse({"created": int(state.clock.now()), "data": data})


def _task_handle(state: SandboxState, request: Request, key: str, order: Order, body: Body) -> JSONResponse:
    """Record the task an ``/v1/async/*`` submission starts; its clock decides when it is done."""
    now = state.clock.now()
    video = order.endpoint.media == "video"
    sources = [data for _, data in body.images]
    video_duration: float | None = None
    if video:
        video_duration = number(body.fields.get("duration"))
        # Image-to-video animates the input only when it is one of this sandbox's own outputs.
        input_image = body.fields.get("input_image")
        own = own_file(state, request, input_image) if isinstance(input_image, str) else None
        sources = [own] if own is not None else []
    config = state.config
    task = SandboxTask(
        id="task_" + new_ulid(now),
        key=key,
        media="video" if video else "image",
        endpoint=order.endpoint.value,
        model=order.model,
        created=now,
        duration=config.video_task_seconds if video else config.image_task_seconds,
        price=order.price,
        prompt=order.prompt,
        n=order.n,
        size=order.size,
        response_format=order.response_format,
        video_duration=video_duration,
        sources=sources,
        fail=order.faulted("task_fail"),
        stuck=order.faulted("task_stuck"),
        pad_mb=order.pad_mb,
        base_url=base_url(state, request),
    )
    state.add_task(task)
    return JSONResponse(
        {"status": "submitted", "id": task.id, "progress": 0, "created_at": int(now), "model": order.model}
    )
