"""The Pixapi API calls: typed requests in, typed results or one ``PixapiError`` out.

It knows nothing of MCP. Every call is checked against the contract rule table before it leaves
the machine, and retries never risk paying twice: a POST is resent only when it provably never
left the machine, while reads (tasks, models) retry passing failures, all through the one retry
loop of ``retry.py`` (so a call sends at most ``max_retries + 1`` times). The key goes to
``base_url`` only; output files are fetched by the key-less ``Downloader``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar, Unpack, cast
from urllib.parse import quote

import anyio
import httpx2
from pydantic import BaseModel

from pixapi_mcp.client import responses
from pixapi_mcp.client.download import Download, Downloader, UrlGuard
from pixapi_mcp.client.errors import ContractError, InvalidResponseError, MissingKeyError, PixapiError
from pixapi_mcp.client.redact import Redactor
from pixapi_mcp.client.retry import Retry, RetryOptions, RetryPolicy
from pixapi_mcp.client.wire import (
    READ_RETRYABLE,
    RESEND_SAFE,
    USER_AGENT,
    as_request_error,
    log_exchange,
    logger,
)
from pixapi_mcp.config import Settings, header_problem
from pixapi_mcp.contract import (
    API_REFERENCE_URL,
    ASYNC_TASKS_URL,
    SANDBOX_KEY,
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

__all__ = ["PixapiClient"]

_M = TypeVar("_M", bound=BaseModel)
_Files = list[tuple[str, tuple[str, bytes, str]]]
SubmitRequest = ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest


class PixapiClient:
    """Typed access to the Pixapi API over one injected ``httpx2.AsyncClient``.

    The client never owns or reconfigures ``http``: authentication, user agent, timeouts and
    redirect policy are passed per request, so the same ``AsyncClient`` can serve other callers.
    ``timeout`` is what every request carries (None: the ``AsyncClient``'s own); build clients with
    ``from_settings`` so it is the configured one. The API key is only ever sent to ``base_url``;
    ``download`` and ``fetch_bytes`` are the key-less ``downloader``'s.
    """

    known_models: frozenset[str]
    models_fetched_at: float | None
    downloader: Downloader

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        base_url: str,
        api_key: str | None,
        timeout: httpx2.Timeout | None = None,
        missing_key: str | None = None,
        checked: httpx2.AsyncClient | None = None,
        **retry: Unpack[RetryOptions],
    ) -> None:
        self._http = http
        if api_key and (problem := header_problem(api_key)):
            # Never sent: the HTTP library's own refusal would quote the whole header, key and all.
            api_key, missing_key = None, f"{problem}."
        # Why there is no key, when it is more than "not set" (a placeholder in PIXAPI_KEY).
        self._missing_key = missing_key
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self._redact = Redactor(self._api_key)
        self._retry = RetryPolicy(**retry)
        self._timeout = timeout
        # Same pool, same retry policy, no key: it is never handed one. ``checked``: the client URL
        # inputs are fetched through (addresses checked at connect time), from open_client.
        self.downloader = Downloader(http, retry=self._retry, timeout=timeout, checked=checked)
        self.known_models = frozenset()
        self._models_loaded = False
        # The last GET /v1/models (monotonic time, list) and its wall-clock time, for list_models.
        self._models_last: tuple[float, ModelList] | None = None
        self.models_fetched_at: float | None = None
        self._models_lock = anyio.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        http: httpx2.AsyncClient,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        checked: httpx2.AsyncClient | None = None,
        **retry: Unpack[RetryOptions],
    ) -> PixapiClient:
        """The client ``settings`` describe: the one place settings become a client.

        Every request carries ``PIXAPI_REQUEST_TIMEOUT_S`` / ``PIXAPI_CONNECT_TIMEOUT_S``, whatever
        defaults ``http`` has. The key is ``PIXAPI_KEY`` (in sandbox mode, the sandbox key when
        unset). ``base_url`` and ``api_key`` replace the settings' (the in-process sandbox, doctor's
        probe key); ``retry`` holds the retry policy's options (counts, waits, the clock).
        """
        key = api_key if api_key is not None else settings.key_value()
        if settings.sandbox:
            key = key or SANDBOX_KEY
        timeout = httpx2.Timeout(settings.request_timeout_s, connect=settings.connect_timeout_s)
        problem = settings.key_problem() if api_key is None else None
        return cls(
            http,
            base_url=base_url or settings.base_url,
            api_key=key,
            timeout=timeout,
            missing_key=f"{problem}." if problem else None,
            checked=checked,
            **retry,
        )

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

    @property
    def retry_policy(self) -> RetryPolicy:
        """How often and how patiently each call (and download) retries."""
        return self._retry

    # ---------------------------------------------------------------------------- endpoints

    async def create_image(self, req: ImageGenerationRequest) -> ImageResponse:
        """``POST /v1/images/generations``: generate images and wait for them (paid)."""
        await self._guard(req, Endpoint.IMAGE_GENERATIONS)
        response = await self._post(Endpoint.IMAGE_GENERATIONS, json_body=req.body())
        return self._parse(response, ImageResponse, required=("data",))

    async def submit_image(self, req: ImageGenerationRequest) -> TaskSubmission:
        """``POST /v1/async/images/generations``: start an image task; poll it with ``get_task`` (paid)."""
        await self._guard(req, Endpoint.ASYNC_IMAGE_GENERATIONS)
        response = await self._post(Endpoint.ASYNC_IMAGE_GENERATIONS, json_body=req.body())
        return self._parse(response, TaskSubmission, required=("id",))

    async def edit_image(self, req: ImageEditRequest) -> ImageResponse:
        """``POST /v1/images/edits`` (multipart, one ``image`` part per input): edit and wait (paid)."""
        await self._guard(req, Endpoint.IMAGE_EDITS)
        form, files = _multipart(req)
        response = await self._post(Endpoint.IMAGE_EDITS, form=form, files=files)
        return self._parse(response, ImageResponse, required=("data",))

    async def submit_image_edit(self, req: ImageEditRequest) -> TaskSubmission:
        """``POST /v1/async/images/edits`` (multipart): start an edit task; poll it with ``get_task`` (paid)."""
        await self._guard(req, Endpoint.ASYNC_IMAGE_EDITS)
        form, files = _multipart(req)
        response = await self._post(Endpoint.ASYNC_IMAGE_EDITS, form=form, files=files)
        return self._parse(response, TaskSubmission, required=("id",))

    async def submit_video(self, req: VideoGenerationRequest) -> TaskSubmission:
        """``POST /v1/async/videos/generations``, the only video endpoint: start a video task (paid)."""
        await self._guard(req, Endpoint.ASYNC_VIDEO_GENERATIONS)
        response = await self._post(Endpoint.ASYNC_VIDEO_GENERATIONS, json_body=req.body())
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

    async def list_models(self, *, max_age_s: float = 0.0) -> ModelList:
        """``GET /v1/models``: the models this account can use; refreshes ``known_models``.

        ``max_age_s`` > 0 accepts the last list fetched if it is younger than that, without a
        request (``models_fetched_at`` says when it was fetched): the list changes rarely, and a
        tool answering it on every call would otherwise spend most of its time on this GET."""
        last = self._models_last
        if last is not None and max_age_s > 0 and time.monotonic() - last[0] < max_age_s:
            return last[1]
        models = await self._read(Endpoint.MODELS.value, ModelList, required=("data",))
        self.known_models = frozenset(m.id for m in models.data)
        self._models_loaded = True
        self._models_last = (time.monotonic(), models)
        self.models_fetched_at = time.time()
        return models

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        max_bytes: int,
        url_guard: UrlGuard | None = None,
        dir_fd: int | None = None,
    ) -> Download:
        """``Downloader.download``: ``url`` into the new file ``dest``, without the key."""
        return await self.downloader.download(
            url, dest, max_bytes=max_bytes, url_guard=url_guard, dir_fd=dir_fd
        )

    async def fetch_bytes(
        self, url: str, *, max_bytes: int, url_guard: UrlGuard | None = None, deadline_s: float | None = None
    ) -> tuple[bytes, str | None]:
        """``Downloader.fetch_bytes``: ``url`` into memory (input images), without the key, within
        ``deadline_s`` overall."""
        return await self.downloader.fetch_bytes(
            url, max_bytes=max_bytes, url_guard=url_guard, deadline_s=deadline_s
        )

    # ---------------------------------------------------------------------------- contract guard

    async def preflight(self, req: SubmitRequest, endpoint: Endpoint) -> None:
        """Everything the submit methods check before sending, without sending ``req``.

        Raises ContractError (rule violations, after consulting ``GET /v1/models`` when the model
        is the only problem) or MissingKeyError. Lets a caller record a paid request in its ledger
        only once it is known to be sendable; the submit methods run the same check again.
        """
        await self._guard(req, endpoint)

    async def _guard(self, req: SubmitRequest, endpoint: Endpoint) -> None:
        """Raise ContractError (sending nothing) unless ``req`` obeys the rule table at ``endpoint``.

        A model the catalog does not know may still be live: only when that is the sole problem is
        ``GET /v1/models`` consulted before deciding. A successful answer is cached for the life of
        the client (``list_models`` refreshes it); a failed one leaves the catalog's verdict.
        """
        violations = _violations(req, endpoint, self.known_models)
        if violations and all(v.rule_id == "unknown-model" for v in violations):
            self._require_key()
            await self._load_models()
            violations = _violations(req, endpoint, self.known_models)
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
            raise MissingKeyError(self._missing_key) if self._missing_key else MissingKeyError()
        return self._api_key

    # ---------------------------------------------------------------------------- API transport

    async def _post(
        self,
        endpoint: Endpoint,
        *,
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        files: _Files | None = None,
    ) -> httpx2.Response:
        """A paid POST: sent again only after failures that provably happened before it left."""

        async def attempt() -> httpx2.Response:
            return await self._send("POST", endpoint.value, json_body=json_body, form=form, files=files)

        return await self._retry.run(attempt)

    async def _read(
        self, path: str, model: type[_M], *, required: tuple[str, ...], not_found_fix: str | None = None
    ) -> _M:
        """An idempotent GET parsed as ``model``, retrying passing failures. A 2xx body that is not
        JSON at all (cut short on the way) is a passing fault like a 503, so it is fetched again;
        a JSON body of the wrong shape is not (it would come back the same). Each attempt is one
        send: the retry loop counts sends, not rounds of some inner loop."""

        async def attempt() -> _M:
            response = await self._send("GET", path, idempotent=True, not_found_fix=not_found_fix)
            try:
                return self._parse(response, model, required=required)
            except InvalidResponseError as exc:
                if responses.decodes(response):
                    raise
                raise Retry(exc) from None

        return await self._retry.run(attempt)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
        files: _Files | None = None,
        idempotent: bool = False,
        not_found_fix: str | None = None,
    ) -> httpx2.Response:
        """Send once. A 2xx answer is returned; a failure worth another attempt raises ``Retry``
        (``idempotent`` calls: anything passing; others: only what never left the machine);
        any other failure raises its ``PixapiError``."""
        key = self._require_key()
        headers = {"Authorization": f"Bearer {key}", "User-Agent": USER_AGENT, "Accept": "application/json"}
        started = time.perf_counter()
        try:
            response = await self._http.request(
                method,
                self._base_url + path,
                json=json_body,
                data=form,
                files=files,
                headers=headers,
                timeout=self._timeout if self._timeout is not None else httpx2.USE_CLIENT_DEFAULT,
                follow_redirects=False,
                auth=None,
            )
        except (httpx2.RequestError, OSError) as caught:
            exc = as_request_error(caught)
            log_exchange(method, path, None, None, started, type(exc).__name__)
            error = responses.transport_error(
                exc, base_url=self._base_url, idempotent=idempotent, redact=self._redact
            )
            error.__cause__ = exc
            if isinstance(exc, RESEND_SAFE) or (idempotent and isinstance(exc, READ_RETRYABLE)):
                raise Retry(error) from exc
            raise error from exc
        log_exchange(
            method, path, response.status_code, responses.request_id(response, self._redact), started
        )
        if response.is_success:
            return response
        error = responses.status_error(
            response, idempotent=idempotent, redact=self._redact, not_found_fix=not_found_fix
        )
        if idempotent and error.retryable:
            raise Retry(error)
        raise error

    def _parse(self, response: httpx2.Response, model: type[_M], *, required: tuple[str, ...]) -> _M:
        return responses.parse(response, model, required=required, redact=self._redact)


# -- what the rule table cannot see --------------------------------------------------------------


def _violations(req: SubmitRequest, endpoint: Endpoint, known_models: frozenset[str]) -> list[Violation]:
    """The rule table's verdict on ``req`` plus what only a client can check: values no JSON body
    can carry, and an edit passing its images as a field instead of as files."""
    violations = check_submission(req, endpoint, known_models=known_models)
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
    return violations


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


def _multipart(req: ImageEditRequest) -> tuple[dict[str, str], _Files]:
    form = {key: _form_value(value) for key, value in req.body().items()}
    files = [("image", (img.filename, img.content, img.content_type)) for img in req.images]
    return form, files


def _form_value(value: object) -> str:
    """A multipart field value as text: JSON for objects and booleans, plain text otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list | tuple) or value is None:
        return json.dumps(value)
    return str(value)
