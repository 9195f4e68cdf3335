"""What the API answered, as a result or as the right ``PixapiError``, with the key scrubbed out.

A server can echo the key back (in an error message, a task error, a model id), so every piece of
server text that reaches an error, a result, a log line or the ledger passes through a
``Redactor`` first. Status answers map to ``APIStatusError`` subclasses with the API's code,
message and request id; transport failures map to connection or timeout errors that say whether
the request may have been processed; 2xx bodies are validated into the contract's models.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import httpx2
from pydantic import BaseModel, ValidationError

from pixapi_mcp.client.errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidResponseError,
    NotFoundError,
    PixapiError,
    RateLimitError,
    ServerError,
    status_error_class,
)
from pixapi_mcp.client.redact import Redactor
from pixapi_mcp.client.wire import NEVER_SENT, parse_retry_after, raw_request_id

__all__ = ["decodes", "parse", "request_id", "status_error", "transport_error"]
_M = TypeVar("_M", bound=BaseModel)


def request_id(response: httpx2.Response, redact: Redactor) -> str | None:
    """The request id from the response headers, as safe to show as any server text."""
    value = raw_request_id(response)
    return redact.excerpt(value) if value else None


def transport_error(
    exc: httpx2.RequestError, *, base_url: str, idempotent: bool, redact: Redactor
) -> PixapiError:
    """The error for a request that got no usable answer; ``sent`` says whether it may have
    reached the API, and the fix of a paid call says to check before sending it again."""
    host = urlsplit(base_url).netloc
    detail = redact.excerpt(str(exc)) or type(exc).__name__
    if isinstance(exc, NEVER_SENT):
        return APIConnectionError(
            f"Could not connect to Pixapi at {host} ({detail})",
            sent=False,
            fix="Check the network connection and PIXAPI_BASE_URL, then call again; nothing was sent or charged.",
        )
    unsure = (
        "Retry shortly."
        if idempotent
        else "The request may still be processed, so check list_tasks or the Pixapi dashboard "
        "before sending it again (async endpoints avoid long waits)."
    )
    if isinstance(exc, httpx2.TimeoutException):
        return APITimeoutError(f"Pixapi did not answer in time ({type(exc).__name__})", sent=True, fix=unsure)
    if isinstance(exc, httpx2.DecodingError):
        return InvalidResponseError(f"Pixapi's answer could not be decoded ({detail})", sent=True, fix=unsure)
    return APIConnectionError(
        f"The connection to {host} dropped before an answer ({detail})", sent=True, fix=unsure
    )


def status_error(
    response: httpx2.Response, *, idempotent: bool, redact: Redactor, not_found_fix: str | None = None
) -> PixapiError:
    """The ``APIStatusError`` subclass for a non-2xx answer, with its code, message and request id."""
    status = response.status_code
    message, code, body_request_id = _error_body(response, redact)
    cls = status_error_class(status)
    retry_after = parse_retry_after(response)
    fix: str | None = None
    if cls is RateLimitError and retry_after is not None:
        fix = f"Wait {retry_after:g} s, then call again."
    elif cls is ServerError:
        fix = (
            "Pixapi had a temporary problem; retry in a few seconds."
            if idempotent
            else "Pixapi failed after receiving the request, so it may still be processed: check "
            "list_tasks or the Pixapi dashboard before sending it again."
        )
    elif cls is NotFoundError:
        fix = not_found_fix
    return cls(
        message,
        status=status,
        code=code,
        request_id=request_id(response, redact) or body_request_id,
        retry_after=retry_after,
        fix=fix,
        sent=True,
    )


def _error_body(response: httpx2.Response, redact: Redactor) -> tuple[str, str | None, str | None]:
    """``(message, code, request_id)`` from an OpenAI-style error body, or an excerpt of
    whatever else came back."""
    text = response.text
    code: str | None = None
    body_request_id: str | None = None
    message = ""
    try:
        parsed: object = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    # Scrubbed as parsed values, before any piece is picked or cut: the raw text may spell the
    # key with JSON escapes that only decoding turns back into the key.
    parsed = redact.json(parsed)
    if isinstance(parsed, dict):
        payload = cast(dict[str, Any], parsed)
        error: object = payload.get("error", payload)
        detail: dict[str, Any] = cast(dict[str, Any], error) if isinstance(error, dict) else {}
        if isinstance(error, str):
            message = error
        message = message or str(detail.get("message") or "")
        raw_code: object = detail.get("code")
        raw_type: object = detail.get("type")
        if isinstance(raw_code, str) and raw_code.strip() and not raw_code.strip().isdigit():
            code = raw_code.strip()
        elif isinstance(raw_type, str) and raw_type.strip():
            code = raw_type.strip()
        elif isinstance(raw_code, int | str) and not isinstance(raw_code, bool) and str(raw_code).strip():
            code = str(raw_code).strip()
        param: object = detail.get("param")
        if isinstance(param, str) and param and message:
            message = f"{message.strip().rstrip('.')} (field `{param}`)"
        rid: object = detail.get("request_id") or payload.get("request_id")
        if isinstance(rid, str) and rid:
            body_request_id = rid
    if not message:
        reason = response.reason_phrase or "error"
        message = redact.excerpt(text) or f"{reason} with an empty body"
    return (
        redact.excerpt(message),
        redact.excerpt(code) if code else None,
        redact.excerpt(body_request_id) if body_request_id else None,
    )


def decodes(response: httpx2.Response) -> bool:
    """Whether the body is JSON at all (a body cut short on the way is not)."""
    try:
        response.json()
    except ValueError:
        return False
    return True


def parse(response: httpx2.Response, model: type[_M], *, required: tuple[str, ...], redact: Redactor) -> _M:
    """The 2xx body as ``model``; InvalidResponseError when it is not the documented shape."""
    rid = request_id(response, redact)
    what = model.__name__
    try:
        data: object = response.json()
    except ValueError:
        shown = redact.excerpt(response.text) or "an empty body"
        raise InvalidResponseError(
            f"Pixapi answered HTTP {response.status_code} with something that is not JSON ({shown})",
            request_id=rid,
        ) from None
    if not isinstance(data, dict):
        raise InvalidResponseError(
            f"Pixapi answered with JSON that is not an object where a {what} was expected", request_id=rid
        )
    # A server that echoes the key (in a task error, a model id, a URL) must not hand it on to
    # results, the ledger or the model. Every decoded string is scrubbed, whatever the raw text
    # looked like: there the key may be spelled with escapes (\u0073, \/) no plain search finds.
    body = cast(dict[str, Any], redact.json(cast(object, data)))
    missing = [name for name in required if name not in body]
    if missing:
        raise InvalidResponseError(
            f"Pixapi's {what} answer lacks {', '.join(f'`{m}`' for m in missing)}", request_id=rid
        )
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "(root)" for err in exc.errors()})
        raise InvalidResponseError(
            f"Pixapi's {what} answer has unexpected values in {', '.join(fields[:5])}", request_id=rid
        ) from None
