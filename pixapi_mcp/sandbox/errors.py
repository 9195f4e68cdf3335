"""Error answers in the OpenAI shape (``{"error": {"code", "message", "type", ...}}``), each
quoting the request id, so the sandbox fails the way the real API does and says what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pixapi_mcp.contract import Violation
from pixapi_mcp.sandbox.middleware import request_id

ERROR_TYPES = {
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


def error(
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
        "type": type_ or ERROR_TYPES.get(status, "api_error"),
    }
    if param is not None or rule is not None:
        detail["param"] = param
    if rule is not None:
        detail["rule"] = rule
    detail["request_id"] = request_id(request)
    if extra:
        detail.update(extra)
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def violations_error(request: Request, violations: Sequence[Violation], status: int = 400) -> JSONResponse:
    """The rule table's findings: every violation listed, the first one leading the message."""
    first = violations[0]
    return error(
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


def wrong_method(request: Request, allowed: str) -> JSONResponse:
    return error(
        request,
        405,
        f"`{request.method} {request.url.path}` is not supported: use `{allowed}`.",
        headers={"Allow": allowed},
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path, wrong method, ...) in the same shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal server error."
    if status == 404:
        detail = f"`{request.url.path}` does not exist on the Pixapi sandbox; API paths start with /v1/."
    return error(request, status, str(detail))
