"""The sandbox ASGI app: Pixapi's documented HTTP API, answered locally with real media.

Request handling, in order: request id -> Bearer key (401) -> body parse -> request-level fault
-> route -> the contract's rule table (400) -> model availability and price -> credits (402) ->
work-level fault -> the work (sync answer, or an async task computed from the clock). Validation
uses ``contract.check_request``, the same table the client and the tools use, so the sandbox can
never accept a request the rest of the project would reject, or the other way round.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from PIL import Image
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pixapi_mcp.contract import (
    CATALOG,
    FORBIDDEN_VIDEO_PATH,
    SUBMIT_ENDPOINTS,
    Endpoint,
    ModelInfo,
    Violation,
    check_request,
    lookup_model,
)
from pixapi_mcp.sandbox import render
from pixapi_mcp.sandbox.clock import SystemClock
from pixapi_mcp.sandbox.faults import (
    FAULT_HEADER,
    OUTPUT_KINDS,
    REQUEST_KINDS,
    TASK_KINDS,
    Fault,
    FaultError,
    parse_fault_header,
)
from pixapi_mcp.sandbox.state import (
    DEFAULT_KEY,
    INVALID_KEY,
    RecordedRequest,
    SandboxConfig,
    SandboxState,
    SandboxTask,
    new_ulid,
)

logger = logging.getLogger("pixapi_mcp.sandbox")

REQUEST_ID_HEADER = "x-request-id"
MAX_JSON_BYTES = 32 * render.MIB
MAX_UPLOAD_BYTES = 50 * render.MIB
MAX_IMAGE_PARTS = 16
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_FILE_NAME = re.compile(r"^[a-z0-9_]+\.(png|avi)$")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_credits",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
CONTENT_TYPES = {"png": "image/png", "avi": "video/x-msvideo"}


class DroppedConnection(ConnectionResetError):
    """Raised by the app to abort a response mid-body (the ``drop_connection`` fault).

    Over real HTTP the server closes the socket and the client sees a protocol or read error;
    in-process through ``httpx2.ASGITransport`` this exception itself comes out of ``send()``.
    """


# --------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------


def _request_id(request: Request) -> str:
    scope_state = cast(dict[str, Any], request.scope.get("state") or {})
    return str(scope_state.get("request_id", ""))


def _error(
    request: Request,
    status: int,
    message: str,
    *,
    type_: str | None = None,
    param: str | None = None,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """An OpenAI-style error body, carrying the request id users quote to support."""
    detail: dict[str, Any] = {
        "code": status,
        "message": message,
        "type": type_ or _ERROR_TYPES.get(status, "api_error"),
    }
    if param is not None or rule is not None:
        detail["param"] = param
    if rule is not None:
        detail["rule"] = rule
    detail["request_id"] = _request_id(request)
    if extra:
        detail.update(extra)
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def _violations_error(request: Request, violations: Sequence[Violation], status: int = 400) -> JSONResponse:
    first = violations[0]
    return _error(
        request,
        status,
        " ".join(v.message for v in violations),
        param=first.field,
        rule=first.rule_id,
        extra={
            "docs_url": first.docs_url,
            "violations": [
                {"rule": v.rule_id, "param": v.field, "message": v.message, "docs_url": v.docs_url}
                for v in violations
            ],
        },
    )


class _DroppingResponse(Response):
    """Announces ``total`` bytes, sends ``partial`` of them, then aborts (the drop_connection fault)."""

    def __init__(self, partial: bytes, total: int, media_type: str) -> None:
        super().__init__(content=b"", status_code=200, media_type=media_type)
        self.headers["content-length"] = str(total)
        self.partial = partial

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.partial, "more_body": True})
        # Raising after the body started is the one way an ASGI app can make the server cut the
        # connection: uvicorn then closes the socket with the body incomplete.
        raise DroppedConnection("sandbox fault drop_connection: response aborted mid-body")


class _RequestIdMiddleware:
    """Gives every request an id and every response an ``x-request-id`` header carrying it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = "req_" + secrets.token_hex(12)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in headers:
                    headers.append(REQUEST_ID_HEADER, request_id)
            await send(message)

        await self.app(scope, receive, send_with_id)


# --------------------------------------------------------------------------------------------
# Request bodies
# --------------------------------------------------------------------------------------------


@dataclass
class _Body:
    fields: dict[str, Any] = field(default_factory=dict[str, Any])
    multipart: bool = False
    images: list[tuple[str, bytes]] = field(default_factory=list[tuple[str, bytes]])
    error: str | None = None
    error_param: str | None = None

    def fail(self, message: str, param: str | None = None) -> None:
        """Note a problem with the body; the first one found is the one reported."""
        if self.error is None:
            self.error, self.error_param = message, param


async def _read_body(request: Request, endpoint: Endpoint | None) -> _Body:
    body = _Body()
    length = request.headers.get("content-length", "")
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        body.multipart = True
        if length.isdigit() and int(length) > MAX_UPLOAD_BYTES * MAX_IMAGE_PARTS:
            body.error = "The request body is too large for the sandbox."
            return body
        try:
            async with request.form(max_files=MAX_IMAGE_PARTS * 2, max_fields=200) as form:
                for name, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        await _read_file_part(body, name, value)
                    elif name == "image":
                        body.fail("`image` must be a file part: send it as `-F image=@file.png`.", "image")
                    else:
                        body.fields[name] = value
        except HTTPException as exc:
            body.fail(f"Malformed multipart body: {exc.detail}")
        if endpoint is not None and not endpoint.is_edit and body.error is None:
            body.error = (
                f"`{endpoint.value}` takes a JSON body: send `Content-Type: application/json`; "
                "only image edits are multipart."
            )
        return body
    if length.isdigit() and int(length) > MAX_JSON_BYTES:
        body.error = "The JSON body is larger than the sandbox accepts (32 MB)."
        return body
    raw = await request.body()
    if not raw.strip():
        return body
    try:
        parsed: Any = json.loads(raw)
    except ValueError as exc:
        # On an edit endpoint the rule table explains the real problem (edits are multipart).
        if endpoint is None or not endpoint.is_edit:
            body.error = (
                f"The body is not valid JSON ({exc}); send a JSON object with Content-Type: application/json."
            )
        return body
    if isinstance(parsed, dict):
        body.fields = cast(dict[str, Any], parsed)
    else:
        body.error = 'The JSON body must be an object such as {"model": ..., "prompt": ...}.'
    return body


async def _read_file_part(body: _Body, name: str, upload: UploadFile) -> None:
    if name == "image[]":
        body.fail("Name each file part `image` (repeat `image` for several inputs), not `image[]`.", "image")
    elif name != "image":
        body.fail(f"`{name}` must be a text field, not a file.", name)
    else:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            body.fail("Each `image` part may be at most 50 MB in the sandbox.", "image")
        body.images.append((upload.filename or "image", data))
    await upload.close()


def _count(value: Any) -> int:
    """``n`` as an int (the rule table already checked it is a whole number from 1)."""
    return 1 if value is None else int(float(value))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------


class _Sandbox:
    """The endpoints, bound to one ``SandboxState``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._finishing: dict[str, anyio.Lock] = {}

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def config(self) -> SandboxConfig:
        return self.state.config

    def _key(self, request: Request) -> tuple[str | None, str | None]:
        """(valid key or None, label to record): the label never holds an unknown key's text."""
        header = request.headers.get("authorization", "")
        if not header.strip():
            return None, None
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token and self.state.is_key(token):
            return token, token
        return None, INVALID_KEY

    def _record(self, request: Request, label: str | None) -> RecordedRequest:
        query = request.url.query
        record = RecordedRequest(
            method=request.method,
            path=request.url.path + (f"?{query}" if query else ""),
            key=label,
            request_id=_request_id(request),
            at=self.state.clock.now(),
        )
        self.state.requests.append(record)
        return record

    def _base_url(self, request: Request) -> str:
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        return str(request.base_url).rstrip("/")

    def _unauthorized(self, request: Request) -> JSONResponse:
        return _error(
            request,
            401,
            "Missing or invalid API key: send `Authorization: Bearer <key>` with a key this sandbox "
            f"was started with (default `{DEFAULT_KEY}`).",
            headers={"WWW-Authenticate": "Bearer"},
        )

    def _take_fault(
        self,
        header_fault: Fault | None,
        *,
        key: str | None,
        request: Request,
        kinds: frozenset[str],
        record: RecordedRequest,
    ) -> Fault | None:
        """The header's fault if it is of ``kinds``, else the first armed one of ``kinds``."""
        if header_fault is not None:
            fault = header_fault if header_fault.kind in kinds else None
        else:
            fault = self.state.faults.take(key=key, method=request.method, path=request.url.path, kinds=kinds)
        if fault is not None:
            record.faults.append(fault)
            logger.info("sandbox fault %s on %s %s", fault.kind, request.method, request.url.path)
        return fault

    async def _apply_request_fault(
        self,
        request: Request,
        fault: Fault,
        payload: bytes | None = None,
        media_type: str = "application/json",
    ) -> Response | None:
        """Carry out a request-level fault; None means carry on with the request (latency)."""
        if fault.kind == "latency":
            await anyio.sleep(fault.seconds)
            return None
        if fault.kind == "status":
            headers: dict[str, str] = {}
            if fault.status == 429:
                headers["Retry-After"] = str(math.ceil(fault.retry_after))
                headers["retry-after-ms"] = str(round(fault.retry_after * 1000))
            message = {
                429: "Rate limit reached (sandbox fault): retry after the Retry-After delay.",
                500: "Internal server error (sandbox fault): the request may be retried.",
                502: "Bad gateway (sandbox fault): the upstream provider failed; retry later.",
                503: "Service unavailable (sandbox fault): retry later.",
            }.get(fault.status, f"Sandbox fault: HTTP {fault.status}.")
            return _error(request, fault.status, message, headers=headers)
        if payload is None:
            payload = json.dumps(
                {
                    "created": int(self.state.clock.now()),
                    "data": [{"url": f"{self._base_url(request)}/files/img_sandbox_fault.png"}],
                    "request_id": _request_id(request),
                }
            ).encode()
        cut = max(1, len(payload) // 2)
        if fault.kind == "malformed_json":
            # Any proper prefix of a JSON object is invalid JSON: the client must fail to parse it.
            return Response(payload[:cut], status_code=200, media_type="application/json")
        return _DroppingResponse(payload[:cut], len(payload), media_type)

    # -- /health ---------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "pixapi-sandbox", "time": self.state.clock.now()})

    # -- /v1/* -----------------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        key, label = self._key(request)
        record = self._record(request, label)
        try:
            response = await self._api(request, key, record)
        except HTTPException as exc:
            response = _error(request, exc.status_code, str(exc.detail))
        record.status = response.status_code
        return response

    async def _api(self, request: Request, key: str | None, record: RecordedRequest) -> Response:
        if key is None:
            return self._unauthorized(request)
        route = request.url.path.rstrip("/") or "/"
        try:
            endpoint: Endpoint | None = Endpoint(route)
        except ValueError:
            endpoint = None
        is_submit = request.method == "POST" and endpoint in SUBMIT_ENDPOINTS

        header_fault: Fault | None = None
        if (header := request.headers.get(FAULT_HEADER)) is not None:
            try:
                header_fault = parse_fault_header(header)
            except FaultError as exc:
                return _error(request, 400, str(exc), type_="sandbox_fault_error", param=FAULT_HEADER)
            work_kinds = (
                (TASK_KINDS | OUTPUT_KINDS) if endpoint is not None and endpoint.is_async else OUTPUT_KINDS
            )
            if header_fault.kind not in REQUEST_KINDS and not (is_submit and header_fault.kind in work_kinds):
                where = (
                    "`/v1/async/*` submissions"
                    if header_fault.kind in TASK_KINDS
                    else "image and video submissions"
                )
                return _error(
                    request,
                    400,
                    f"Fault `{header_fault.kind}` applies only to {where}.",
                    type_="sandbox_fault_error",
                    param=FAULT_HEADER,
                )

        body = _Body()
        if request.method == "POST":
            body = await _read_body(request, endpoint)
            record.fields = dict(body.fields)
            record.image_parts = len(body.images)

        fault = self._take_fault(header_fault, key=key, request=request, kinds=REQUEST_KINDS, record=record)
        if fault is not None and (answer := await self._apply_request_fault(request, fault)) is not None:
            return answer

        if route == FORBIDDEN_VIDEO_PATH:
            found = check_request(route, body.fields, multipart=body.multipart)
            return _violations_error(
                request, [v for v in found if v.rule_id == "video-async-only"] or found, 404
            )
        if route.startswith(Endpoint.TASKS.value + "/") and route.count("/") == 3:
            if request.method not in ("GET", "HEAD"):
                return self._wrong_method(request, "GET")
            return await self._get_task(request, key, route.rsplit("/", 1)[1])
        if endpoint is Endpoint.MODELS:
            if request.method not in ("GET", "HEAD"):
                return self._wrong_method(request, "GET")
            return self._models()
        if endpoint is Endpoint.TASKS:
            return _error(
                request, 404, "Add the task id: `GET /v1/tasks/{id}` with the id the submission returned."
            )
        if endpoint in SUBMIT_ENDPOINTS:
            if request.method != "POST":
                return self._wrong_method(request, "POST")
            assert endpoint is not None
            return await self._submit(request, key, endpoint, body, header_fault, record)
        found = check_request(route, {})
        if found:
            return _violations_error(request, found, 404)
        return _error(request, 404, f"`{route}` is not a Pixapi endpoint.")

    def _wrong_method(self, request: Request, allowed: str) -> JSONResponse:
        return _error(
            request,
            405,
            f"`{request.method} {request.url.path}` is not supported: use `{allowed}`.",
            headers={"Allow": allowed},
        )

    # -- GET /v1/models ----------------------------------------------------------------------------

    def _available(self, info: ModelInfo) -> bool:
        if info.category == "video":
            return info.id in self.config.video_credits
        return info.credits_from is not None

    def _models(self) -> JSONResponse:
        data = [
            {
                "id": info.id,
                "object": "model",
                "category": info.category,
                "capabilities": list(info.capabilities),
            }
            for info in CATALOG
            if self._available(info)
        ]
        return JSONResponse({"object": "list", "data": data})

    # -- submissions -------------------------------------------------------------------------------

    async def _submit(
        self,
        request: Request,
        key: str,
        endpoint: Endpoint,
        body: _Body,
        header_fault: Fault | None,
        record: RecordedRequest,
    ) -> Response:
        if body.error is not None:
            return _error(request, 400, body.error, param=body.error_param)
        fields = body.fields
        checked: dict[str, Any] = dict(fields)
        if body.multipart:
            checked["image"] = [name for name, _ in body.images]
        query = request.url.query
        violations = check_request(
            request.url.path + (f"?{query}" if query else ""), checked, multipart=body.multipart
        )
        if violations:
            return _violations_error(request, violations)

        sources: list[Image.Image] = []
        if endpoint.is_edit:
            if len(body.images) > MAX_IMAGE_PARTS:
                return _error(request, 400, f"Send at most {MAX_IMAGE_PARTS} `image` parts.", param="image")
            try:
                sources = await anyio.to_thread.run_sync(
                    lambda: [render.read_upload(d) for _, d in body.images]
                )
            except render.UnreadableImage as exc:
                return _error(request, 400, f"`image`: {exc}.", param="image")

        model_name = str(fields["model"])
        info = lookup_model(model_name)
        if info is None or not self._available(info) or info.category != endpoint.media:
            served = ", ".join(
                f"`{m.id}`" for m in CATALOG if self._available(m) and m.category == endpoint.media
            )
            return _error(
                request,
                400,
                f"Model `{model_name}` is not served by the sandbox; use one of {served} (see GET /v1/models).",
                param="model",
                rule="unknown-model",
            )
        n = _count(fields.get("n")) if endpoint.media == "image" else 1
        price = (
            self.config.video_credits[info.id]
            if info.category == "video"
            else float(info.credits_from or 0) * n
        )
        balance = self.state.balance(key)
        if balance + 1e-9 < price:
            return _error(
                request,
                402,
                f"Insufficient credits: {info.id} x{n} needs {price:g}, balance {balance:g}. "
                "Add credits (sandbox: POST /_sandbox/balance) or lower `n`.",
            )

        work_kinds = (TASK_KINDS | OUTPUT_KINDS) if endpoint.is_async else OUTPUT_KINDS
        work_fault = self._take_fault(header_fault, key=key, request=request, kinds=work_kinds, record=record)
        pad_mb = work_fault.size_mb if work_fault is not None and work_fault.kind == "large_output" else 0.0
        prompt = str(fields["prompt"])
        size = fields.get("size")
        size = size if isinstance(size, str) else None
        response_format = fields.get("response_format")

        if endpoint.is_async:
            return self._create_task(
                request,
                key=key,
                endpoint=endpoint,
                info=info,
                price=price,
                prompt=prompt,
                n=n,
                size=size,
                response_format=response_format if isinstance(response_format, str) else None,
                body=body,
                work_fault=work_fault,
            )

        if self.config.sync_latency_s > 0:
            await anyio.sleep(self.config.sync_latency_s)
        pixels = render.image_size(size, self.config.max_image_side)
        outputs = await anyio.to_thread.run_sync(
            functools.partial(_render_images, prompt, info.id, n, pixels, sources, pad_mb)
        )
        if not self.state.try_charge(key, price):
            return _error(request, 402, f"Insufficient credits: {info.id} x{n} needs {price:g}.")
        data: list[dict[str, str]] = []
        for png in outputs:
            if response_format == "b64_json":
                data.append({"b64_json": base64.b64encode(png).decode("ascii")})
            else:
                data.append({"url": self._store(request, png, "png")})
        return JSONResponse({"created": int(self.state.clock.now()), "data": data})

    def _store(self, request: Request, data: bytes, ext: str, base_url: str | None = None) -> str:
        prefix = "img" if ext == "png" else "vid"
        name = f"{prefix}_{new_ulid(self.state.clock.now()).lower()}.{ext}"
        self.state.outputs.put(name, data, CONTENT_TYPES[ext])
        return f"{base_url or self._base_url(request)}/files/{name}"

    def _own_file(self, request: Request, url: str) -> bytes | None:
        """The bytes behind ``url`` when it is one of this sandbox's own output URLs (never fetched)."""
        parts = urlsplit(url)
        hosts = {request.url.netloc}
        if self.config.public_url:
            hosts.add(urlsplit(self.config.public_url).netloc)
        match = re.search(r"/files/([^/]+)$", parts.path)
        if parts.netloc not in hosts or match is None:
            return None
        item = self.state.outputs.get(match[1])
        if item is None or not item[1].startswith("image/"):
            return None
        return item[0]

    def _create_task(
        self,
        request: Request,
        *,
        key: str,
        endpoint: Endpoint,
        info: ModelInfo,
        price: float,
        prompt: str,
        n: int,
        size: str | None,
        response_format: str | None,
        body: _Body,
        work_fault: Fault | None,
    ) -> JSONResponse:
        now = self.state.clock.now()
        media = "video" if endpoint.media == "video" else "image"
        sources = [data for _, data in body.images]
        duration_field: float | None = None
        if media == "video":
            duration_field = _number(body.fields.get("duration"))
            input_image = body.fields.get("input_image")
            own = self._own_file(request, input_image) if isinstance(input_image, str) else None
            sources = [own] if own is not None else []
        task = SandboxTask(
            id="task_" + new_ulid(now),
            key=key,
            media=media,
            endpoint=endpoint.value,
            model=info.id,
            created=now,
            duration=self.config.video_task_seconds if media == "video" else self.config.image_task_seconds,
            price=price,
            prompt=prompt,
            n=n,
            size=size,
            response_format=response_format,
            video_duration=duration_field,
            sources=sources,
            fail=work_fault is not None and work_fault.kind == "task_fail",
            stuck=work_fault is not None and work_fault.kind == "task_stuck",
            pad_mb=work_fault.size_mb
            if work_fault is not None and work_fault.kind == "large_output"
            else 0.0,
            base_url=self._base_url(request),
        )
        self.state.add_task(task)
        return JSONResponse(
            {"status": "submitted", "id": task.id, "progress": 0, "created_at": int(now), "model": info.id}
        )

    # -- GET /v1/tasks/{id} ------------------------------------------------------------------------

    async def _get_task(self, request: Request, key: str, task_id: str) -> Response:
        task = self.state.task_for(task_id, key)
        if task is None:
            return _error(
                request,
                404,
                f"No task `{task_id}` for this API key: use the `id` an `/v1/async/*` submission returned, "
                "with the same key.",
                param="id",
            )
        now = self.state.clock.now()
        if task.status is None and not task.stuck and now >= task.created + task.duration:
            await self._finish(request, task)
        return JSONResponse(_task_json(task, now))

    async def _finish(self, request: Request, task: SandboxTask) -> None:
        """Render, store and charge a task that has reached its completion time, exactly once."""
        lock = self._finishing.setdefault(task.id, anyio.Lock())
        try:
            async with lock:
                if task.status is None:
                    await self._resolve(request, task)
        finally:
            self._finishing.pop(task.id, None)

    async def _resolve(self, request: Request, task: SandboxTask) -> None:
        task.completed = task.created + task.duration
        if task.fail:
            task.status = "failed"
            task.credits_cost = 0.0
            task.error = {
                "code": "task_failed",
                "message": "The sandbox failed this task on purpose (task_fail fault); nothing was charged.",
            }
            return
        ext = "avi" if task.media == "video" else "png"
        outputs = await anyio.to_thread.run_sync(functools.partial(_render_task, task, self.config))
        if not self.state.try_charge(task.key, task.price):
            task.status = "failed"
            task.credits_cost = 0.0
            task.error = {
                "code": "insufficient_credits",
                "message": f"Insufficient credits at completion: needs {task.price:g}; nothing was charged.",
            }
            return
        task.outputs = [{"url": self._store(request, data, ext, task.base_url)} for data in outputs]
        task.credits_cost = task.price
        task.status = "completed"
        task.sources = []  # the inputs are no longer needed; free the memory

    # -- /files/{name} -----------------------------------------------------------------------------

    async def files(self, request: Request) -> Response:
        key, label = self._key(request)
        record = self._record(request, label)
        response = await self._file(request, key, record)
        record.status = response.status_code
        return response

    async def _file(self, request: Request, key: str | None, record: RecordedRequest) -> Response:
        name = str(request.path_params["name"])
        item = self.state.outputs.get(name) if _FILE_NAME.match(name) else None
        header_fault: Fault | None = None
        if (header := request.headers.get(FAULT_HEADER)) is not None:
            try:
                header_fault = parse_fault_header(header)
            except FaultError as exc:
                return _error(request, 400, str(exc), type_="sandbox_fault_error", param=FAULT_HEADER)
        fault = self._take_fault(header_fault, key=key, request=request, kinds=REQUEST_KINDS, record=record)
        if fault is not None:
            payload, media_type = item if item is not None and fault.kind == "drop_connection" else (None, "")
            answer = await self._apply_request_fault(
                request, fault, payload, media_type or "application/json"
            )
            if answer is not None:
                return answer
        if item is None:
            return _error(
                request, 404, f"No file `{name}`: outputs are kept in memory and may have been evicted."
            )
        data, content_type = item
        return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})

    # -- /_sandbox/* (admin; not recorded) ---------------------------------------------------------

    async def admin(self, request: Request) -> Response:
        key, _ = self._key(request)
        if key is None:
            return self._unauthorized(request)
        action = str(request.path_params["action"])
        method = request.method
        try:
            if action == "faults" and method == "POST":
                return await self._admin_inject(request, key)
            if action == "faults" and method == "DELETE":
                self.state.clear_faults()
                return JSONResponse({"ok": True, "faults": []})
            if action == "faults" and method == "GET":
                return JSONResponse({"faults": self.state.faults.snapshot()})
            if action == "advance" and method == "POST":
                return await self._admin_advance(request)
            if action == "requests" and method == "GET":
                every = request.query_params.get("all", "").lower() in ("1", "true", "yes")
                data = [r.to_json() for r in list(self.state.requests) if every or r.key == key]
                return JSONResponse({"object": "list", "data": data})
            if action == "balance" and method == "GET":
                return JSONResponse({"balance": self.state.balance(key)})
            if action == "balance" and method == "POST":
                payload = await _admin_json(request)
                credits = payload.get("credits")
                if isinstance(credits, bool) or not isinstance(credits, int | float) or credits < 0:
                    return _error(request, 400, 'Send {"credits": <non-negative number>}.', param="credits")
                self.state.set_balance(key, float(credits))
                return JSONResponse({"balance": self.state.balance(key)})
        except FaultError as exc:
            return _error(request, 400, str(exc), type_="sandbox_fault_error")
        return _error(
            request,
            404,
            f"No sandbox admin action `{method} /_sandbox/{action}`; use POST/DELETE /_sandbox/faults, "
            "POST /_sandbox/advance, GET /_sandbox/requests, GET or POST /_sandbox/balance.",
        )

    async def _admin_inject(self, request: Request, key: str) -> Response:
        payload = await _admin_json(request)
        times_raw = payload.pop("times", 1)
        everyone = payload.pop("all", False) is True
        if times_raw is not None and (isinstance(times_raw, bool) or not isinstance(times_raw, int)):
            raise FaultError("`times` must be a whole number from 1, or null for until cleared")
        times: int | None = times_raw
        fault = Fault.from_json(payload)
        self.state.faults.arm(fault, key=None if everyone else key, times=times)
        return JSONResponse({"ok": True, "fault": fault.to_json(), "times": times, "all": everyone})

    async def _admin_advance(self, request: Request) -> Response:
        clock = self.state.clock
        if isinstance(clock, SystemClock):
            return _error(
                request,
                409,
                "This sandbox runs on the wall clock; start it with a ManualClock to advance time.",
            )
        payload = await _admin_json(request)
        seconds = payload.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            return _error(request, 400, 'Send {"seconds": <non-negative number>}.', param="seconds")
        clock.advance(float(seconds))
        return JSONResponse({"now": clock.now()})


async def _admin_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        raise FaultError("the body must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise FaultError("the body must be a JSON object")
    return cast(dict[str, Any], parsed)


def _render_images(
    prompt: str, model: str, n: int, size: tuple[int, int], sources: Sequence[Image.Image], pad_mb: float
) -> list[bytes]:
    pad = int(pad_mb * render.MIB)
    images = [
        render.render_edit(prompt, sources, i, size)
        if sources
        else render.render_generation(prompt, model, i, size)
        for i in range(n)
    ]
    return [render.encode_png(image, pad_to_bytes=pad) for image in images]


def _render_task(task: SandboxTask, config: SandboxConfig) -> list[bytes]:
    """The output files of a finished task (runs in a worker thread: rendering is CPU work)."""
    if task.media == "video":
        size = render.video_size(task.size)
        picture = render.read_upload(task.sources[0]) if task.sources else None
        source = render.source_for_video(picture, task.prompt, task.model, size)
        frames = render.render_video_frames(
            source, size, render.video_seconds(task.video_duration), task.prompt
        )
        return [
            render.write_mjpeg_avi(frames, size, render.VIDEO_FPS, pad_to_bytes=int(task.pad_mb * render.MIB))
        ]
    sources = [render.read_upload(data) for data in task.sources]
    size = render.image_size(task.size, config.max_image_side)
    return _render_images(task.prompt, task.model, task.n, size, sources, task.pad_mb)


def _task_json(task: SandboxTask, now: float) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": task.id,
        "object": "task",
        "status": "submitted",
        "progress": 0,
        "model": task.model,
        "created": int(task.created),
        "created_at": int(task.created),
    }
    if task.status == "completed":
        body.update(
            status="completed",
            progress=100,
            credits_cost=task.credits_cost,
            result={"type": task.media, "data": task.outputs},
            completed=int(task.completed or now),
        )
    elif task.status == "failed":
        body.update(status="failed", progress=100, credits_cost=0.0, error=task.error)
    elif now > task.created:
        elapsed = now - task.created
        fraction = elapsed / task.duration if task.duration > 0 else 1.0
        body.update(status="processing", progress=min(99, max(1, int(fraction * 100))))
    return body


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal server error."
    if status == 404:
        detail = f"`{request.url.path}` does not exist on the Pixapi sandbox; API paths start with /v1/."
    return _error(request, status, str(detail))


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """The sandbox as a Starlette app; ``app.state.sandbox`` is its ``SandboxState``.

    Serve it with uvicorn (``running_sandbox``, ``pixapi-mcp sandbox``) or call it in-process with
    ``httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://sandbox.test")``.
    """
    state = SandboxState(config or SandboxConfig())
    sandbox = _Sandbox(state)
    app = Starlette(
        routes=[
            Route("/health", sandbox.health, methods=["GET"]),
            Route("/files/{name}", sandbox.files, methods=["GET"]),
            Route("/_sandbox/{action}", sandbox.admin, methods=["GET", "POST", "DELETE"]),
            Route("/v1/{rest:path}", sandbox.api, methods=_ALL_METHODS),
        ],
        middleware=[Middleware(_RequestIdMiddleware)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.sandbox = state
    return app
