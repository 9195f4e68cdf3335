"""The Pixapi HTTP client: typed calls over one injected ``httpx2.AsyncClient``.

It knows nothing of MCP. Every call is checked against the contract rule table before it leaves
the machine, every failure becomes one ``PixapiError`` subclass whose ``str()`` a model can act
on, and retries never risk paying twice: a POST is resent only when it provably never left the
machine, while reads (tasks, models, downloads) retry with backoff.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import random
import re
import secrets
import shutil
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast
from urllib.parse import quote, urlsplit

import anyio
import anyio.to_thread
import httpx2
from pydantic import BaseModel, ValidationError

from pixapi_mcp import __version__
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import (
    API_REFERENCE_URL,
    ASYNC_TASKS_URL,
    Endpoint,
    ImageEditRequest,
    ImageGenerationRequest,
    ImageResponse,
    ModelList,
    Task,
    TaskSubmission,
    VideoGenerationRequest,
    Violation,
    check_submission,
    task_path,
)

__all__ = [
    "USER_AGENT",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContractError",
    "Download",
    "DownloadError",
    "DownloadInterruptedError",
    "InsufficientCreditsError",
    "InvalidResponseError",
    "MissingKeyError",
    "NotFoundError",
    "PixapiClient",
    "PixapiError",
    "RateLimitError",
    "ServerError",
    "UnprocessableEntityError",
    "UrlGuard",
]

logger = logging.getLogger("pixapi_mcp.client")

USER_AGENT = f"pixapi-mcp/{__version__}"
MAX_REDIRECTS = 5
# Long enough to say what went wrong, short enough that an HTML error page never floods a result.
EXCERPT_CHARS = 300
REDACTED = "[redacted]"
DEFAULT_TIMEOUT = httpx2.Timeout(120.0, connect=10.0)

UrlGuard = Callable[[str], Awaitable[None]]
_M = TypeVar("_M", bound=BaseModel)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


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
    default_fix: ClassVar[str] = (
        "Try again later; if it keeps failing, report the request id to Pixapi support."
    )
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


class BadRequestError(PixapiError):
    """HTTP 400: the API rejected the request as invalid."""

    category = "invalid_request"
    default_fix = f"Correct the request as the message says (see {API_REFERENCE_URL}) and call again."


class AuthenticationError(PixapiError):
    """HTTP 401 or 403: the key is missing, wrong, revoked or not allowed to do this."""

    category = "auth"
    default_fix = "Check PIXAPI_KEY: it must be a valid, active Pixapi API key for this account."


class InsufficientCreditsError(PixapiError):
    """HTTP 402: the account does not have enough credits."""

    category = "credits"
    default_fix = (
        "Add credits at https://pixapi.ai/pricing, or ask for fewer outputs (n) or a cheaper model "
        "(list_models shows prices)."
    )


class NotFoundError(PixapiError):
    """HTTP 404: no such task, model or route."""

    category = "not_found"
    default_fix = "Check the id: list_models shows valid models and list_tasks shows known task ids."


class UnprocessableEntityError(PixapiError):
    """HTTP 422: the request was understood but could not be processed (often the prompt or input)."""

    category = "unprocessable"
    default_fix = "Change the prompt or the input images as the message says and call again."


class RateLimitError(PixapiError):
    """HTTP 429: too many requests; ``retry_after`` says how long to wait when the server said."""

    category = "rate_limited"
    retryable = True
    default_fix = "Wait a few seconds, then call again."


class ServerError(PixapiError):
    """HTTP 5xx: Pixapi or the upstream model failed."""

    category = "server"
    retryable = True


class APIStatusError(PixapiError):
    """Any other non-2xx answer."""

    category = "invalid_request"
    default_fix = f"Check the request against the API reference ({API_REFERENCE_URL})."


class APIConnectionError(PixapiError):
    """No usable answer arrived: the connection failed (``sent`` False) or dropped mid-response."""

    category = "connection"
    retryable = True
    default_fix = "Check the network connection and PIXAPI_BASE_URL, then call again."


class APITimeoutError(PixapiError):
    """The request was sent but no answer arrived in time; it may still be processed."""

    category = "timeout"
    retryable = True


class InvalidResponseError(PixapiError):
    """A 2xx answer whose body is not the documented JSON shape."""

    category = "bad_response"
    default_fix = "Check that PIXAPI_BASE_URL points at the Pixapi API, then try again later."


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


_STATUS_ERRORS: dict[int, type[PixapiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: AuthenticationError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _status_error_class(status: int) -> type[PixapiError]:
    if status >= 500:
        return ServerError
    return _STATUS_ERRORS.get(status, APIStatusError)


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?)":
        text += "."
    return text


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """A file placed at ``path``: ``size`` bytes and the server's content type (parameters dropped)."""

    path: Path
    size: int
    content_type: str | None


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

# Transport errors raised before a single byte of the request could leave the machine.
_NEVER_SENT: tuple[type[Exception], ...] = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx2.ProxyError,
    httpx2.UnsupportedProtocol,
)
# The subset of those worth retrying (the others are configuration mistakes).
_RESEND_SAFE: tuple[type[Exception], ...] = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# What a read (GET) retries: anything passing on the network, including dropped connections.
_READ_RETRYABLE: tuple[type[Exception], ...] = (
    httpx2.TimeoutException,
    httpx2.NetworkError,
    httpx2.RemoteProtocolError,
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")


def _excerpt(text: str) -> str:
    """A short, single-line excerpt of a body; HTML tags dropped."""
    if "<" in text and ">" in text:
        text = _TAGS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rstrip() + "…"
    return text


def _parse_retry_after(response: httpx2.Response) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, ``Retry-After`` seconds, or an
    HTTP date (measured against the response's own ``Date`` so clock skew does not matter)."""
    headers = response.headers
    if ms := headers.get("retry-after-ms"):
        with suppress(ValueError):
            value = float(ms) / 1000
            if math.isfinite(value) and value >= 0:
                return value
    raw = headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        pass
    else:
        return value if math.isfinite(value) and value >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = time.time()
    if date := headers.get("date"):
        with suppress(TypeError, ValueError, IndexError):
            server_now = email.utils.parsedate_to_datetime(date)
            if server_now.tzinfo is None:
                server_now = server_now.replace(tzinfo=UTC)
            reference = server_now.timestamp()
    return max(0.0, when.timestamp() - reference)


def _header_request_id(response: httpx2.Response) -> str | None:
    # httpx2 headers are case-insensitive, so X-Request-Id and x-request-id both match.
    return response.headers.get("x-request-id") or response.headers.get("request-id") or None


def _media_type(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def _is_text_type(media_type: str | None) -> bool:
    """JSON, XML, HTML or plain text: what an error page is, and what no image or video is."""
    if not media_type:
        return False
    return media_type.startswith("text/") or media_type.endswith(("/json", "+json", "/xml", "+xml"))


def _form_value(value: object) -> str:
    """A multipart field value as text: JSON for objects and booleans, plain text otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list | tuple) or value is None:
        return json.dumps(value)
    return str(value)


def _short_url(url: str) -> str:
    """Host and path only: output URLs are often signed, and the query is the signature."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _place_file(tmp: Path, dest: Path) -> None:
    """Move ``tmp`` to ``dest`` without ever replacing an existing file (FileExistsError if one is
    there). A hard link is atomic and refuses to overwrite; where links are unsupported, an
    exclusive create ('xb') and copy does the same job."""
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise
    except OSError:
        with dest.open("xb") as out:
            try:
                with tmp.open("rb") as src:
                    shutil.copyfileobj(src, out)
            except BaseException:
                out.close()
                dest.unlink(missing_ok=True)
                raise
    tmp.unlink(missing_ok=True)


def _create_temp(dest: Path) -> Path:
    # O_EXCL so the name is ours alone; mode 0o666 so the umask decides the final permissions.
    while True:
        tmp = dest.parent / f".{dest.name}.{secrets.token_hex(6)}.part"
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp


def _unsendable(value: object) -> str | None:
    """Why ``value`` cannot travel in a JSON body, or None: text with no UTF-8 form (an unpaired
    surrogate) or a number JSON has no spelling for (NaN, infinity)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text that is not valid Unicode (an unpaired surrogate such as \\ud800)"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "a number JSON cannot carry (NaN or infinity)"
    if isinstance(value, dict):
        items = cast(dict[object, object], value).items()
        return next((r for k, v in items if (r := _unsendable(k) or _unsendable(v))), None)
    if isinstance(value, list | tuple):
        return next((r for v in cast(Sequence[object], value) if (r := _unsendable(v))), None)
    return None


def _unsendable_field(body: dict[str, Any]) -> tuple[str, str] | None:
    """The first top-level field of ``body`` that cannot be sent as JSON, and why."""
    for name, value in body.items():
        if (reason := _unsendable(name)) is not None:
            return "(a field name)", reason
        if (reason := _unsendable(value)) is not None:
            return name, reason
    return None


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(
            f"Only http(s) URLs can be downloaded, not {scheme or 'scheme-less'} URLs",
            fix="Pass an http(s) URL (local files and data URIs are read by the caller, not fetched).",
        )


class _RetryDownload(Exception):
    """Internal: one download attempt failed for a passing reason and may be tried again."""

    def __init__(self, reason: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.status = status


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


class PixapiClient:
    """Typed access to the Pixapi API over one injected ``httpx2.AsyncClient``.

    The client never owns or reconfigures ``http``: authentication, user agent, timeouts and
    redirect policy are passed per request, so the same ``AsyncClient`` can serve other callers.
    The API key is only ever sent to ``base_url``; downloads and input fetches never carry it.
    """

    known_models: frozenset[str]

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        base_url: str,
        api_key: str | None,
        max_retries: int = 3,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 20.0,
        retry_after_cap_s: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        jitter: Callable[[], float] = random.random,
        timeout: httpx2.Timeout | None = None,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self._max_retries = max(0, max_retries)
        self._backoff_initial = backoff_initial_s
        self._backoff_max = backoff_max_s
        self._retry_after_cap = retry_after_cap_s
        self._sleep = sleep
        self._jitter = jitter
        self._timeout = timeout or DEFAULT_TIMEOUT
        self.known_models = frozenset()
        self._models_loaded = False
        self._models_lock = anyio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx2.AsyncClient, **kwargs: Any) -> PixapiClient:
        """A client configured from ``Settings`` (base URL, key, timeouts); ``kwargs`` override."""
        kwargs.setdefault(
            "timeout", httpx2.Timeout(settings.request_timeout_s, connect=settings.connect_timeout_s)
        )
        return cls(http, base_url=settings.base_url, api_key=settings.key_value(), **kwargs)

    def __repr__(self) -> str:
        key = "set" if self._api_key else "missing"
        return f"PixapiClient(base_url={self._base_url!r}, key={key})"

    @property
    def base_url(self) -> str:
        """The API root every API call goes to (no trailing slash)."""
        return self._base_url

    @property
    def has_key(self) -> bool:
        """Whether an API key is configured (live calls raise MissingKeyError without one)."""
        return self._api_key is not None

    # ---------------------------------------------------------------------------- endpoints

    async def create_image(self, req: ImageGenerationRequest) -> ImageResponse:
        """``POST /v1/images/generations``: generate images and wait for them (paid)."""
        await self._guard(req, Endpoint.IMAGE_GENERATIONS)
        response = await self._call("POST", Endpoint.IMAGE_GENERATIONS.value, json_body=req.body())
        return self._parse(response, ImageResponse, required=("data",))

    async def submit_image(self, req: ImageGenerationRequest) -> TaskSubmission:
        """``POST /v1/async/images/generations``: start an image task; poll it with ``get_task`` (paid)."""
        await self._guard(req, Endpoint.ASYNC_IMAGE_GENERATIONS)
        response = await self._call("POST", Endpoint.ASYNC_IMAGE_GENERATIONS.value, json_body=req.body())
        return self._parse(response, TaskSubmission, required=("id",))

    async def edit_image(self, req: ImageEditRequest) -> ImageResponse:
        """``POST /v1/images/edits`` (multipart, one ``image`` part per input): edit and wait (paid)."""
        await self._guard(req, Endpoint.IMAGE_EDITS)
        form, files = self._multipart(req)
        response = await self._call("POST", Endpoint.IMAGE_EDITS.value, form=form, files=files)
        return self._parse(response, ImageResponse, required=("data",))

    async def submit_image_edit(self, req: ImageEditRequest) -> TaskSubmission:
        """``POST /v1/async/images/edits`` (multipart): start an edit task; poll it with ``get_task`` (paid)."""
        await self._guard(req, Endpoint.ASYNC_IMAGE_EDITS)
        form, files = self._multipart(req)
        response = await self._call("POST", Endpoint.ASYNC_IMAGE_EDITS.value, form=form, files=files)
        return self._parse(response, TaskSubmission, required=("id",))

    async def submit_video(self, req: VideoGenerationRequest) -> TaskSubmission:
        """``POST /v1/async/videos/generations``, the only video endpoint: start a video task (paid)."""
        await self._guard(req, Endpoint.ASYNC_VIDEO_GENERATIONS)
        response = await self._call("POST", Endpoint.ASYNC_VIDEO_GENERATIONS.value, json_body=req.body())
        return self._parse(response, TaskSubmission, required=("id",))

    async def get_task(self, task_id: str) -> Task:
        """``GET /v1/tasks/{id}``: the task's status, progress and, once completed, ``result.data``."""
        task_id = task_id.strip()
        if not task_id:
            raise ContractError(
                [
                    Violation(
                        "task-polling",
                        "Pass the task `id` returned by the async submission.",
                        ASYNC_TASKS_URL,
                        "id",
                    )
                ]
            )
        return await self._read(
            task_path(quote(task_id, safe="")),
            Task,
            required=("id", "status"),
            not_found_fix="No task has this id: use the `id` returned by the async submission (list_tasks shows recent ones).",
        )

    async def list_models(self) -> ModelList:
        """``GET /v1/models``: the models this account can use; refreshes ``known_models``."""
        models = await self._read(Endpoint.MODELS.value, ModelList, required=("data",))
        self.known_models = frozenset(m.id for m in models.data)
        self._models_loaded = True
        return models

    async def download(
        self, url: str, dest: Path, *, max_bytes: int, url_guard: UrlGuard | None = None
    ) -> Download:
        """Stream ``url`` into the new file ``dest`` (never replacing an existing file).

        ``url_guard`` runs before the first request and before every redirect hop; whatever it
        raises propagates. More than ``max_bytes`` raises DownloadError. The data goes to a
        temporary file beside ``dest`` first, so a failed download leaves nothing behind.
        """
        dest = Path(dest)
        _check_scheme(url)
        if await anyio.Path(dest).exists():
            raise self._exists_error(dest, FileExistsError(str(dest)))
        try:
            await anyio.Path(dest.parent).mkdir(parents=True, exist_ok=True)
            tmp = await anyio.to_thread.run_sync(_create_temp, dest)
        except OSError as exc:
            raise self._write_error(dest, exc) from exc
        try:
            try:
                fh = await anyio.open_file(tmp, "wb")
            except OSError as exc:
                raise self._write_error(dest, exc) from exc
            async with fh:

                async def sink(chunk: bytes) -> None:
                    await fh.write(chunk)

                async def reset() -> None:
                    await fh.seek(0)
                    await fh.truncate()

                content_type, size = await self._stream(
                    url, max_bytes, url_guard, sink, reset, media_only=True
                )
            try:
                await anyio.to_thread.run_sync(_place_file, tmp, dest)
            except FileExistsError as exc:
                raise self._exists_error(dest, exc) from exc
            except OSError as exc:
                raise self._write_error(dest, exc) from exc
        except BaseException:
            # Shielded so a cancelled download still removes its partial file.
            with anyio.CancelScope(shield=True), suppress(OSError):
                await anyio.Path(tmp).unlink(missing_ok=True)
            raise
        return Download(path=dest, size=size, content_type=content_type)

    async def fetch_bytes(
        self, url: str, *, max_bytes: int, url_guard: UrlGuard | None = None
    ) -> tuple[bytes, str | None]:
        """Fetch ``url`` into memory (for input images): the bytes and the content type.

        Same rules as ``download``: the guard runs before every hop, at most ``max_bytes``.
        """
        buffer = bytearray()

        async def sink(chunk: bytes) -> None:
            buffer.extend(chunk)

        async def reset() -> None:
            buffer.clear()

        content_type, _ = await self._stream(url, max_bytes, url_guard, sink, reset)
        return bytes(buffer), content_type

    # ---------------------------------------------------------------------------- contract guard

    async def preflight(
        self, req: ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest, endpoint: Endpoint
    ) -> None:
        """Everything the submit methods check before sending, without sending ``req``.

        Raises ContractError (rule violations, after consulting ``GET /v1/models`` when the model
        is the only problem) or MissingKeyError. Lets a caller record a paid request in its ledger
        only once it is known to be sendable; the submit methods run the same check again.
        """
        await self._guard(req, endpoint)

    async def _guard(
        self, req: ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest, endpoint: Endpoint
    ) -> None:
        """Raise ContractError (sending nothing) unless ``req`` obeys the rule table at ``endpoint``.

        A model the catalog does not know may still be live: only when that is the sole problem is
        ``GET /v1/models`` consulted before deciding. A successful answer is cached for the life of
        the client (``list_models`` refreshes it); a failed one leaves the catalog's verdict.
        """
        violations = check_submission(req, endpoint, known_models=self.known_models)
        if (unsendable := _unsendable_field(req.body())) is not None:
            # Python's JSON parser (the SDK's HTTP transport uses it) accepts NaN, Infinity and
            # "\\ud800" escapes, and controls are free-form: such a body could never be encoded.
            field, reason = unsendable
            violations.append(
                Violation(
                    "json-body",
                    f"`{field}` holds {reason}: send plain UTF-8 text and finite numbers.",
                    API_REFERENCE_URL,
                    field,
                )
            )
        if isinstance(req, ImageEditRequest) and "image" in req.controls:
            violations.append(
                Violation(
                    "edit-multipart",
                    "Pass input images as files (one multipart `image` part each), not as an `image` field.",
                    API_REFERENCE_URL,
                    "image",
                )
            )
        if violations and all(v.rule_id == "unknown-model" for v in violations):
            self._require_key()
            await self._load_models()
            violations = check_submission(req, endpoint, known_models=self.known_models)
        if violations:
            raise ContractError(violations)
        self._require_key()

    async def _load_models(self) -> None:
        async with self._models_lock:
            if self._models_loaded:
                return
            try:
                await self.list_models()
            except PixapiError as exc:
                # The live list is a second opinion only; without it the catalog's verdict stands.
                logger.debug("could not load the live model list: %s", exc.category)

    def _require_key(self) -> str:
        if self._api_key is None:
            raise MissingKeyError()
        return self._api_key

    @staticmethod
    def _multipart(req: ImageEditRequest) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
        form = {key: _form_value(value) for key, value in req.body().items()}
        files = [("image", (img.filename, img.content, img.content_type)) for img in req.images]
        return form, files

    # ---------------------------------------------------------------------------- API transport

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        idempotent: bool = False,
        not_found_fix: str | None = None,
    ) -> httpx2.Response:
        """One API call with retries. ``idempotent`` calls (GETs) retry anything passing; others
        retry only failures that provably happened before the request left the machine."""
        key = self._require_key()
        headers = {
            "Authorization": f"Bearer {key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    method,
                    self._base_url + path,
                    json=json_body,
                    data=form,
                    files=files,
                    headers=headers,
                    timeout=self._timeout,
                    follow_redirects=False,
                    auth=None,
                )
            except (httpx2.RequestError, OSError) as caught:
                # Transports that do not wrap socket errors (ASGITransport, used by --sandbox)
                # surface them raw; they mean the connection was lost after sending.
                exc = (
                    caught
                    if isinstance(caught, httpx2.RequestError)
                    else httpx2.ReadError(type(caught).__name__)
                )
                self._log(method, path, None, None, started, type(exc).__name__)
                retry = isinstance(exc, _RESEND_SAFE) or (idempotent and isinstance(exc, _READ_RETRYABLE))
                if retry and attempt < self._max_retries:
                    await self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise self._transport_error(exc, idempotent=idempotent) from exc
            request_id = self._request_id(response)
            self._log(method, path, response.status_code, request_id, started)
            if response.is_success:
                return response
            status = response.status_code
            if idempotent and (status == 429 or status >= 500) and attempt < self._max_retries:
                await self._sleep(self._retry_delay(attempt, response))
                attempt += 1
                continue
            raise self._status_error(response, idempotent=idempotent, not_found_fix=not_found_fix)

    async def _read(
        self, path: str, model: type[_M], *, required: tuple[str, ...], not_found_fix: str | None = None
    ) -> _M:
        """An idempotent GET parsed as ``model``. A 2xx body that is not JSON at all (cut short on
        the way) is a passing fault like a 503, so it is fetched again; a JSON body of the wrong
        shape is not (it would come back the same)."""
        attempt = 0
        while True:
            response = await self._call("GET", path, idempotent=True, not_found_fix=not_found_fix)
            try:
                response.json()
            except ValueError:
                if attempt < self._max_retries:
                    await self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
            return self._parse(response, model, required=required)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half the step fixed, half random, so delays
        always grow yet concurrent clients spread out."""
        step = min(self._backoff_max, self._backoff_initial * (2**attempt))
        jitter = min(1.0, max(0.0, self._jitter()))
        return step / 2 + step / 2 * jitter

    def _retry_delay(self, attempt: int, response: httpx2.Response) -> float:
        retry_after = _parse_retry_after(response)
        if retry_after is not None:
            return min(retry_after, self._retry_after_cap)
        return self._backoff(attempt)

    def _log(
        self,
        method: str,
        path: str,
        status: int | None,
        request_id: str | None,
        started: float,
        error: str = "",
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug(
            "%s %s -> %s request_id=%s %.0f ms",
            method,
            path,
            status if status is not None else error or "error",
            request_id or "-",
            elapsed_ms,
        )

    def _request_id(self, response: httpx2.Response) -> str | None:
        """The request id from the response headers, as safe to show as any server text."""
        value = _header_request_id(response)
        return self._scrub(_excerpt(value)) if value else None

    def _scrub(self, text: str) -> str:
        """Remove the key from text that came from a server (which could echo it back)."""
        if self._api_key and self._api_key in text:
            text = text.replace(self._api_key, REDACTED)
        return text

    def _scrub_json(self, value: object) -> object:
        """``value`` with the key removed from every string in it, keys of objects included."""
        if isinstance(value, str):
            return self._scrub(value)
        if isinstance(value, dict):
            items = cast(dict[object, object], value).items()
            return {self._scrub_json(k): self._scrub_json(v) for k, v in items}
        if isinstance(value, list):
            return [self._scrub_json(v) for v in cast(list[object], value)]
        return value

    def _transport_error(self, exc: httpx2.RequestError, *, idempotent: bool) -> PixapiError:
        host = urlsplit(self._base_url).netloc
        detail = self._scrub(_excerpt(str(exc))) or type(exc).__name__
        if isinstance(exc, _NEVER_SENT):
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
            return APITimeoutError(
                f"Pixapi did not answer in time ({type(exc).__name__})", sent=True, fix=unsure
            )
        if isinstance(exc, httpx2.DecodingError):
            return InvalidResponseError(
                f"Pixapi's answer could not be decoded ({detail})", sent=True, fix=unsure
            )
        return APIConnectionError(
            f"The connection to {host} dropped before an answer ({detail})", sent=True, fix=unsure
        )

    def _status_error(
        self, response: httpx2.Response, *, idempotent: bool, not_found_fix: str | None = None
    ) -> PixapiError:
        status = response.status_code
        message, code, body_request_id = self._error_body(response)
        cls = _status_error_class(status)
        retry_after = _parse_retry_after(response)
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
            request_id=self._request_id(response) or body_request_id,
            retry_after=retry_after,
            fix=fix,
            sent=True,
        )

    def _error_body(self, response: httpx2.Response) -> tuple[str, str | None, str | None]:
        """``(message, code, request_id)`` from an OpenAI-style error body, or an excerpt of
        whatever else came back."""
        text = response.text
        code: str | None = None
        request_id: str | None = None
        message = ""
        try:
            parsed: object = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
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
                request_id = rid
        if not message:
            excerpt = _excerpt(text)
            reason = response.reason_phrase or "error"
            message = excerpt or f"{reason} with an empty body"
        message = self._scrub(_excerpt(message))
        return message, self._scrub(code) if code else None, self._scrub(request_id) if request_id else None

    def _parse(self, response: httpx2.Response, model: type[_M], *, required: tuple[str, ...]) -> _M:
        """The 2xx body as ``model``; InvalidResponseError when it is not the documented shape."""
        request_id = self._request_id(response)
        what = model.__name__
        try:
            data: object = response.json()
        except ValueError:
            excerpt = self._scrub(_excerpt(response.text)) or "an empty body"
            raise InvalidResponseError(
                f"Pixapi answered HTTP {response.status_code} with something that is not JSON ({excerpt})",
                request_id=request_id,
            ) from None
        if not isinstance(data, dict):
            raise InvalidResponseError(
                f"Pixapi answered with JSON that is not an object where a {what} was expected",
                request_id=request_id,
            )
        body = cast(dict[str, Any], data)
        if self._api_key and self._api_key in response.text:
            # A server that echoes the key (in a task error, a model id, a URL) must not hand it
            # on to results, the ledger or the model.
            body = cast(dict[str, Any], self._scrub_json(body))
        missing = [name for name in required if name not in body]
        if missing:
            raise InvalidResponseError(
                f"Pixapi's {what} answer lacks {', '.join(f'`{m}`' for m in missing)}",
                request_id=request_id,
            )
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in err["loc"]) or "(root)" for err in exc.errors()})
            raise InvalidResponseError(
                f"Pixapi's {what} answer has unexpected values in {', '.join(fields[:5])}",
                request_id=request_id,
            ) from None

    # ---------------------------------------------------------------------------- downloads

    def _write_error(self, dest: Path, exc: OSError) -> DownloadError:
        return DownloadError(
            f"Could not write {dest}: {exc.strerror or type(exc).__name__}",
            fix="Check that the folder exists, is writable and has free space, or choose another folder.",
            sent=False,
        )

    def _exists_error(self, dest: Path, cause: FileExistsError) -> DownloadError:
        err = DownloadError(
            f"{dest} already exists and is never overwritten",
            fix="Choose another file name or folder.",
            sent=False,
        )
        err.__cause__ = cause
        return err

    async def _stream(
        self,
        url: str,
        max_bytes: int,
        url_guard: UrlGuard | None,
        sink: Callable[[bytes], Awaitable[None]],
        reset: Callable[[], Awaitable[None]],
        *,
        media_only: bool = False,
    ) -> tuple[str | None, int]:
        """GET ``url`` into ``sink`` with retries; ``reset`` discards a failed attempt's bytes.
        ``media_only`` treats a 2xx answer with a text content type (an error page or JSON where
        a media file belongs) as a failed attempt, so it is never saved as the output."""
        attempt = 0
        while True:
            await reset()
            try:
                return await self._stream_once(url, max_bytes, url_guard, sink, media_only)
            except _RetryDownload as retry:
                if attempt >= self._max_retries:
                    raise DownloadInterruptedError(
                        f"Downloading {_short_url(url)} failed: {retry.reason}",
                        status=retry.status,
                        retry_after=retry.retry_after,
                        sent=True,
                    ) from retry.__cause__
                delay = self._backoff(attempt)
                if retry.retry_after is not None:
                    delay = min(retry.retry_after, self._retry_after_cap)
                await self._sleep(delay)
                attempt += 1

    async def _stream_once(
        self,
        url: str,
        max_bytes: int,
        url_guard: UrlGuard | None,
        sink: Callable[[bytes], Awaitable[None]],
        media_only: bool = False,
    ) -> tuple[str | None, int]:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            _check_scheme(current)
            if url_guard is not None:
                await url_guard(current)
            try:
                request = self._http.build_request(
                    "GET", current, headers={"User-Agent": USER_AGENT}, timeout=self._timeout
                )
            except httpx2.InvalidURL as exc:
                raise DownloadError(
                    f"Not a valid URL: {_excerpt(str(exc))}", fix="Pass a valid http(s) URL."
                ) from exc
            # The key belongs to the API only; make sure no default header carries it elsewhere.
            request.headers.pop("Authorization", None)
            started = time.perf_counter()
            try:
                response = await self._http.send(request, stream=True, follow_redirects=False, auth=None)
            except (httpx2.RequestError, OSError) as caught:
                # As in _call: transports that do not wrap socket errors (ASGITransport) surface them
                # raw; a download is a read, so a dropped connection is retried the same either way.
                exc = (
                    caught
                    if isinstance(caught, httpx2.RequestError)
                    else httpx2.ReadError(type(caught).__name__)
                )
                self._log("GET", _short_url(current), None, None, started, type(exc).__name__)
                raise self._download_transport(exc) from caught
            try:
                status = response.status_code
                self._log("GET", _short_url(current), status, self._request_id(response), started)
                if status in _REDIRECTS and response.headers.get("location"):
                    current = str(response.url.join(response.headers["location"]))
                    continue
                if status == 429 or status >= 500:
                    raise _RetryDownload(
                        f"HTTP {status}", retry_after=_parse_retry_after(response), status=status
                    )
                if not response.is_success:
                    raise DownloadError(
                        f"Downloading {_short_url(current)} failed with HTTP {status}",
                        status=status,
                        fix="The URL may have expired or be private: call get_task again for fresh output URLs.",
                        sent=True,
                    )
                media_type = _media_type(response.headers.get("content-type"))
                if media_only and _is_text_type(media_type):
                    raise _RetryDownload(
                        f"HTTP {status} with {media_type} instead of a media file", status=status
                    )
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise self._too_large(current, max_bytes)
                size = 0
                try:
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise self._too_large(current, max_bytes)
                        await sink(chunk)
                except httpx2.RequestError as exc:
                    raise self._download_transport(exc) from exc
                except OSError as exc:
                    raise DownloadError(
                        f"Could not store the download: {exc.strerror or type(exc).__name__}",
                        fix="Check free disk space and folder permissions.",
                    ) from exc
                return _media_type(response.headers.get("content-type")), size
            finally:
                await response.aclose()
        raise DownloadError(
            f"Downloading {_short_url(url)} redirected more than {MAX_REDIRECTS} times",
            fix="Check the URL; it redirects in a loop.",
            sent=True,
        )

    def _too_large(self, url: str, max_bytes: int) -> DownloadError:
        return DownloadError(
            f"{_short_url(url)} is larger than the {max_bytes} byte limit",
            fix="Raise PIXAPI_MAX_DOWNLOAD_MB if this file is expected, or ask for a smaller output.",
            sent=True,
        )

    def _download_transport(self, exc: httpx2.RequestError) -> Exception:
        if isinstance(exc, _READ_RETRYABLE):
            retry = _RetryDownload(type(exc).__name__)
            retry.__cause__ = exc
            return retry
        return DownloadError(
            f"The download failed: {_excerpt(str(exc)) or type(exc).__name__}",
            sent=not isinstance(exc, _NEVER_SENT),
        )
