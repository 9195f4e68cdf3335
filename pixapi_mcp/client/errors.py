"""Every way a Pixapi call can fail, as one class hierarchy with openai-python's parentage.

``PixapiError`` is the base. Every non-2xx answer is an ``APIStatusError`` (one subclass per status
family); a connection that failed or dropped is an ``APIConnectionError``, and a timeout is a kind
of connection error (``APITimeoutError``). Local refusals (``ContractError``, ``MissingKeyError``),
malformed answers and download failures sit beside them. Each class declares its ``category``
and whether it is ``retryable``; each instance carries the status, the API's code, the request id,
``sent`` (whether the request may have reached the API) and a one-sentence ``fix``. ``str()`` is
one actionable sentence; the callers scrub the key out of every server text before it lands here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pixapi_mcp.contract import API_REFERENCE_URL, Violation

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContractError",
    "DownloadError",
    "DownloadInterruptedError",
    "FetchDeadlineError",
    "InsufficientCreditsError",
    "InvalidResponseError",
    "MissingKeyError",
    "NotFoundError",
    "PixapiError",
    "RateLimitError",
    "ServerError",
    "UnprocessableEntityError",
    "UnsafeAddressError",
    "status_error_class",
]

_TRY_LATER = "Try again later; if it keeps failing, report the request id to Pixapi support."


class PixapiError(Exception):
    """Base of every client failure.

    ``category`` and ``retryable`` describe the class; each instance carries the HTTP ``status``,
    the API's error ``code`` (or type), the server ``message`` (key scrubbed, capped), the
    ``request_id`` to quote to support, ``retry_after`` seconds when the server asked for a pause,
    a one-sentence ``fix``, and ``sent``: True when the request may have reached the server, so a
    blind resend of a paid call could charge twice.
    """

    category: ClassVar[str] = "server"
    retryable: ClassVar[bool] = False
    default_fix: ClassVar[str] = _TRY_LATER
    default_sent: ClassVar[bool] = True

    status: int | None
    code: str | None
    message: str
    request_id: str | None
    retry_after: float | None
    fix: str
    sent: bool

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        fix: str | None = None,
        sent: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        self.fix = fix or self.default_fix
        self.sent = self.default_sent if sent is None else sent

    def __str__(self) -> str:
        head = _sentence(self.message)
        if self.status is not None:
            label = f"HTTP {self.status}" + (f" {self.code}" if self.code else "")
            head = f"Pixapi answered {label}: {head}"
        text = f"{head} {_sentence(self.fix)}"
        if self.request_id:
            text += f" (request id: {self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"request_id={self.request_id!r}, sent={self.sent!r}, message={self.message!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The structured form tools put in an error result (no secrets: the message is scrubbed)."""
        return {
            "category": self.category,
            "retryable": self.retryable,
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id,
            "retry_after": self.retry_after,
            "fix": self.fix,
            "sent": self.sent,
        }


# -- refused before sending ------------------------------------------------------------------


class ContractError(PixapiError):
    """The request breaks the documented contract; raised before anything is sent."""

    category = "invalid_request"
    default_sent = False
    default_fix = "Change the fields named above and call again; nothing was sent or charged."

    violations: list[Violation]

    def __init__(self, violations: Sequence[Violation], *, fix: str | None = None) -> None:
        self.violations = list(violations)
        message = "The request breaks the Pixapi contract: " + " ".join(
            f"[{v.rule_id}] {v.message}" for v in self.violations
        )
        first = self.violations[0].rule_id if self.violations else None
        super().__init__(message, code=first, fix=fix, sent=False)


class MissingKeyError(PixapiError):
    """No API key is configured, so no live call can be made."""

    category = "auth"
    default_sent = False
    default_fix = (
        "Set the PIXAPI_KEY environment variable to your Pixapi API key (create one in the Pixapi "
        "dashboard), or run with --sandbox to try without a key."
    )

    def __init__(self, message: str = "No Pixapi API key is configured (PIXAPI_KEY is not set).") -> None:
        super().__init__(message, sent=False)


# -- the API answered with a non-2xx status --------------------------------------------------


class APIStatusError(PixapiError):
    """Base of every non-2xx answer; raised itself for a status no subclass below covers."""

    category = "invalid_request"
    default_fix = f"Check the request against the API reference ({API_REFERENCE_URL})."


class BadRequestError(APIStatusError):
    """HTTP 400: the API rejected the request as invalid."""

    category = "invalid_request"
    default_fix = f"Correct the request as the message says (see {API_REFERENCE_URL}) and call again."


class AuthenticationError(APIStatusError):
    """HTTP 401 or 403: the key is missing, wrong, revoked or not allowed to do this."""

    category = "auth"
    default_fix = "Check PIXAPI_KEY: it must be a valid, active Pixapi API key for this account."


class InsufficientCreditsError(APIStatusError):
    """HTTP 402: the account does not have enough credits."""

    category = "credits"
    default_fix = (
        "Add credits at https://pixapi.ai/pricing, or ask for fewer outputs (n) or a cheaper model "
        "(list_models shows prices)."
    )


class NotFoundError(APIStatusError):
    """HTTP 404: no such task, model or route."""

    category = "not_found"
    default_fix = "Check the id: list_models shows valid models and list_tasks shows known task ids."


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request was understood but could not be processed (often the prompt or input)."""

    category = "unprocessable"
    default_fix = "Change the prompt or the input images as the message says and call again."


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests; ``retry_after`` says how long to wait when the server said."""

    category = "rate_limited"
    retryable = True
    default_fix = "Wait a few seconds, then call again."


class ServerError(APIStatusError):
    """HTTP 5xx: Pixapi or the upstream model failed."""

    category = "server"
    retryable = True
    default_fix = _TRY_LATER


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: AuthenticationError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The class a non-2xx ``status`` is raised as."""
    if status >= 500:
        return ServerError
    return _STATUS_ERRORS.get(status, APIStatusError)


# -- no usable answer ------------------------------------------------------------------------


class APIConnectionError(PixapiError):
    """No usable answer arrived: the connection failed (``sent`` False) or dropped mid-response."""

    category = "connection"
    retryable = True
    default_fix = "Check the network connection and PIXAPI_BASE_URL, then call again."


class APITimeoutError(APIConnectionError):
    """The request was sent but no answer arrived in time; it may still be processed."""

    category = "timeout"
    default_fix = _TRY_LATER


class InvalidResponseError(PixapiError):
    """A 2xx answer whose body is not the documented JSON shape."""

    category = "bad_response"
    default_fix = "Check that PIXAPI_BASE_URL points at the Pixapi API, then try again later."


# -- downloads -------------------------------------------------------------------------------


class DownloadError(PixapiError):
    """An output download (or input fetch) failed: a refused URL, a bad status, too large, or the
    destination already exists. Retrying the same download will not help."""

    category = "download"
    default_sent = False
    default_fix = "Check the URL and destination; the generated output stays available at its URL."


class DownloadInterruptedError(DownloadError):
    """The download failed for a passing reason (network, timeout, 429, 5xx) after all retries."""

    retryable = True
    default_fix = "Try the download again shortly (get_task downloads a completed task's outputs again)."


class UnsafeAddressError(DownloadError):
    """A URL input's host resolved to an address it may not reach (loopback, private, link-local,
    or one of those inside an IPv6 transition form): refused at connect time, nothing was sent."""

    category = "invalid_request"
    default_fix = (
        "Pass a public http(s) URL, or save the image and pass its path; set "
        "PIXAPI_ALLOW_PRIVATE_URLS=1 to allow local URLs on purpose."
    )


class FetchDeadlineError(DownloadError):
    """Fetching a URL input (connect, redirects and body together) outlived its deadline."""

    category = "timeout"
    default_fix = (
        "The host is too slow or does not answer: save the image and pass its path, or use another host."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?)":
        text += "."
    return text
