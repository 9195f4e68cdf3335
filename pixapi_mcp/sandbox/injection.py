"""Fault injection on the wire: reading the ``X-Sandbox-Fault`` header, taking the fault a request
uses up, and carrying out the request-level kinds (latency, error status, malformed body, dropped
connection). What a fault *is* and where it is armed lives in ``faults``; the work-level kinds are
carried out by the submissions and tasks that read them."""

from __future__ import annotations

import json
import logging
import math

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from pixapi_mcp.contract import Endpoint
from pixapi_mcp.sandbox.errors import error
from pixapi_mcp.sandbox.faults import (
    FAULT_HEADER,
    OUTPUT_KINDS,
    REQUEST_KINDS,
    TASK_KINDS,
    Fault,
    parse_fault_header,
)
from pixapi_mcp.sandbox.middleware import request_id
from pixapi_mcp.sandbox.outputs import base_url
from pixapi_mcp.sandbox.state import RecordedRequest, SandboxState

logger = logging.getLogger("pixapi_mcp.sandbox")

_STATUS_MESSAGES = {
    429: "Rate limit reached (sandbox fault): retry after the Retry-After delay.",
    500: "Internal server error (sandbox fault): the request may be retried.",
    502: "Bad gateway (sandbox fault): the upstream provider failed; retry later.",
    503: "Service unavailable (sandbox fault): retry later.",
}


class DroppedConnection(ConnectionResetError):
    """Raised by the app to abort a response mid-body (the ``drop_connection`` fault).

    Over real HTTP the server closes the socket and the client sees a protocol or read error;
    in-process through ``httpx2.ASGITransport`` this exception itself comes out of ``send()``.
    """


class DroppingResponse(Response):
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


def header_fault(request: Request) -> Fault | None:
    """The fault the ``X-Sandbox-Fault`` header asks for, if any; raises ``FaultError``."""
    header = request.headers.get(FAULT_HEADER)
    return None if header is None else parse_fault_header(header)


def fault_error(request: Request, message: str, param: str | None = FAULT_HEADER) -> JSONResponse:
    """A 400 for a fault description the sandbox cannot use."""
    return error(request, 400, message, type_="sandbox_fault_error", param=param)


def work_kinds(endpoint: Endpoint | None) -> frozenset[str]:
    """The work-level kinds a submission to ``endpoint`` can use: task kinds only on ``/v1/async/*``."""
    return (TASK_KINDS | OUTPUT_KINDS) if endpoint is not None and endpoint.is_async else OUTPUT_KINDS


def misplaced(fault: Fault, endpoint: Endpoint | None, is_submit: bool) -> str | None:
    """Why a header fault cannot apply to this request, or None when it can."""
    if fault.kind in REQUEST_KINDS or (is_submit and fault.kind in work_kinds(endpoint)):
        return None
    where = "`/v1/async/*` submissions" if fault.kind in TASK_KINDS else "image and video submissions"
    return f"Fault `{fault.kind}` applies only to {where}."


def take_fault(
    state: SandboxState,
    from_header: Fault | None,
    *,
    key: str | None,
    request: Request,
    kinds: frozenset[str],
    record: RecordedRequest,
) -> Fault | None:
    """The header's fault if it is of ``kinds``, else the first armed one of ``kinds``."""
    if from_header is not None:
        fault = from_header if from_header.kind in kinds else None
    else:
        fault = state.faults.take(key=key, method=request.method, path=request.url.path, kinds=kinds)
    if fault is not None:
        record.faults.append(fault)
        logger.info("sandbox fault %s on %s %s", fault.kind, request.method, request.url.path)
    return fault


async def request_fault(
    state: SandboxState,
    from_header: Fault | None,
    *,
    key: str | None,
    request: Request,
    record: RecordedRequest,
    file: tuple[bytes, str] | None = None,
) -> Response | None:
    """Take and carry out a request-level fault: the answer that replaces the real one, or None to
    carry on with the request (no fault, or latency). A dropped download sends part of ``file``."""
    fault = take_fault(state, from_header, key=key, request=request, kinds=REQUEST_KINDS, record=record)
    if fault is None:
        return None
    if fault.kind == "latency":
        await anyio.sleep(fault.seconds)
        return None
    if fault.kind == "status":
        headers: dict[str, str] = {}
        if fault.status == 429:
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
            headers["retry-after-ms"] = str(round(fault.retry_after * 1000))
        message = _STATUS_MESSAGES.get(fault.status, f"Sandbox fault: HTTP {fault.status}.")
        return error(request, fault.status, message, headers=headers)
    if file is not None and fault.kind == "drop_connection":
        payload, media_type = file
    else:
        payload, media_type = _stand_in_body(state, request), "application/json"
    cut = max(1, len(payload) // 2)
    if fault.kind == "malformed_json":
        # Any proper prefix of a JSON object is invalid JSON: the client must fail to parse it.
        return Response(payload[:cut], status_code=200, media_type="application/json")
    return DroppingResponse(payload[:cut], len(payload), media_type)


def _stand_in_body(state: SandboxState, request: Request) -> bytes:
    """A plausible image answer, for the faults that break it on the way to the client."""
    return json.dumps(
        {
            "created": int(state.clock.now()),
            "data": [{"url": f"{base_url(state, request)}/files/img_sandbox_fault.png"}],
            "request_id": request_id(request),
        }
    ).encode()
