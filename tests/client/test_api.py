"""PixapiClient against a recording ``httpx2.MockTransport``: exact wire format, error mapping,
retry safety (a paid POST is never sent twice), the contract guard, downloads and key hygiene."""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from pixapi_mcp import __version__
from pixapi_mcp.client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContractError,
    Download,
    DownloadError,
    DownloadInterruptedError,
    InsufficientCreditsError,
    InvalidResponseError,
    MissingKeyError,
    NotFoundError,
    PixapiClient,
    PixapiError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import (
    Endpoint,
    ImageEditRequest,
    ImageFile,
    ImageGenerationRequest,
    VideoGenerationRequest,
)
from tests.conftest import CANARY_KEY

BASE = "https://api.test"
CDN = "https://cdn.test"
UA = f"pixapi-mcp/{__version__}"

Step = httpx2.Response | Exception | Callable[[httpx2.Request], httpx2.Response]


@dataclass
class Recorder:
    """A MockTransport handler that answers from a script, one step per request, and keeps every
    request it saw. A request beyond the script fails the test."""

    script: list[Step]
    requests: list[httpx2.Request] = field(default_factory=list[httpx2.Request])

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.script:
            raise AssertionError(f"unexpected request: {request.method} {request.url}")
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx2.Response):
            return step
        return step(request)

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.raw_path.decode()}" for r in self.requests]


@dataclass
class Harness:
    recorder: Recorder
    client: PixapiClient
    sleeps: list[float]


class Factory:
    def __init__(self) -> None:
        self._https: list[httpx2.AsyncClient] = []

    def __call__(
        self,
        *script: Step,
        api_key: str | None = CANARY_KEY,
        http_headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Harness:
        recorder = Recorder(list(script))
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(recorder), headers=http_headers)
        self._https.append(http)
        sleeps: list[float] = []

        async def sleep(delay: float) -> None:
            sleeps.append(delay)

        kwargs.setdefault("jitter", lambda: 1.0)
        client = PixapiClient(http, base_url=BASE, api_key=api_key, sleep=sleep, **kwargs)
        return Harness(recorder, client, sleeps)

    async def aclose(self) -> None:
        for http in self._https:
            await http.aclose()


@pytest.fixture
async def make() -> AsyncIterator[Factory]:
    factory = Factory()
    yield factory
    await factory.aclose()


def ok(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, json=payload, headers=headers)


def error(status: int, payload: Any = None, headers: dict[str, str] | None = None, text: str | None = None):
    if text is not None:
        return httpx2.Response(status, text=text, headers=headers)
    return httpx2.Response(status, json=payload, headers=headers)


IMAGE_OK = {"created": 1766880000, "data": [{"url": "https://cdn.pixapi.ai/generated/image.png"}]}
SUBMITTED = {
    "status": "submitted",
    "id": "task_01KPQ7J7DWB7QZ3WCEK3YVPBRA",
    "progress": 0,
    "created_at": 1703884800,
    "model": "veo",
}
TASK_DONE = {
    "id": "task_1",
    "status": "completed",
    "credits_cost": 1.5,
    "model": "veo",
    "progress": 100,
    "result": {"type": "video", "data": [{"url": "https://cdn.test/v.mp4"}]},
    "created": 1763088289,
    "completed": 1763088308,
}
MODELS = {
    "object": "list",
    "data": [
        {
            "id": "gemini-3-pro-image-preview",
            "object": "model",
            "category": "image",
            "capabilities": ["text-to-image", "image-to-image"],
        },
        {"id": "gemini-9-ultra", "object": "model", "category": "image"},
        {"id": "flux-1-pro", "object": "model", "category": "image"},
    ],
}

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def gen_request(**kw: Any) -> ImageGenerationRequest:
    base: dict[str, Any] = {"model": "nano-banana", "prompt": "A ceramic coffee cup"}
    base.update(kw)
    return ImageGenerationRequest(**base)


def edit_request(**kw: Any) -> ImageEditRequest:
    base: dict[str, Any] = {
        "model": "gemini-3-pro-image-preview",
        "prompt": "Place the product on a warm studio background",
        "images": (
            ImageFile("product.png", PNG, "image/png"),
            ImageFile("ref.jpg", b"\xff\xd8jpeg", "image/jpeg"),
        ),
    }
    base.update(kw)
    return ImageEditRequest(**base)


def video_request(**kw: Any) -> VideoGenerationRequest:
    base: dict[str, Any] = {"model": "veo", "prompt": "The cup slowly rotates"}
    base.update(kw)
    return VideoGenerationRequest(**base)


def parse_multipart(request: httpx2.Request) -> list[EmailMessage]:
    """The parts of a multipart body, parsed by the standard library (not by the code under test)."""
    raw = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + request.content
    message = email.parser.BytesParser(_class=EmailMessage, policy=email.policy.HTTP).parsebytes(raw)
    assert message.is_multipart()
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]


def part_name(part: EmailMessage) -> str | None:
    name = part.get_param("name", header="content-disposition")
    return name if isinstance(name, str) else None


def assert_api_headers(request: httpx2.Request, content_type: str | None) -> None:
    assert request.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert request.headers["user-agent"] == UA
    assert request.headers["accept"] == "application/json"
    if content_type is None:
        assert "content-type" not in request.headers
    else:
        assert request.headers["content-type"].split(";")[0] == content_type


# --------------------------------------------------------------------------------------------
# Wire format of every endpoint
# --------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_create_image_sends_documented_json(make: Factory) -> None:
    h = make(ok(IMAGE_OK))
    req = gen_request(n=2, size="1024x1024", quality="high", response_format="url", controls={"seed": 7})
    result = await h.client.create_image(req)
    (sent,) = h.recorder.requests
    assert sent.method == "POST"
    assert str(sent.url) == f"{BASE}/v1/images/generations"
    assert_api_headers(sent, "application/json")
    assert json.loads(sent.content) == {
        "model": "nano-banana",
        "prompt": "A ceramic coffee cup",
        "n": 2,
        "size": "1024x1024",
        "quality": "high",
        "response_format": "url",
        "seed": 7,
    }
    assert result.data[0].url == "https://cdn.pixapi.ai/generated/image.png"
    assert result.created == 1766880000


@pytest.mark.anyio
async def test_submit_image_posts_to_async_endpoint(make: Factory) -> None:
    h = make(ok(SUBMITTED | {"model": "gemini-2.5-flash-image"}))
    sub = await h.client.submit_image(gen_request())
    (sent,) = h.recorder.requests
    assert (sent.method, sent.url.path) == ("POST", "/v1/async/images/generations")
    assert_api_headers(sent, "application/json")
    assert json.loads(sent.content) == {"model": "nano-banana", "prompt": "A ceramic coffee cup"}
    assert sub.id == SUBMITTED["id"]
    assert sub.status == "submitted"


@pytest.mark.anyio
async def test_submit_video_posts_json_to_the_only_video_endpoint(make: Factory) -> None:
    h = make(ok(SUBMITTED))
    req = video_request(duration=8, size="16:9", input_image="https://cdn.test/a.png", controls={"seed": 1})
    sub = await h.client.submit_video(req)
    (sent,) = h.recorder.requests
    assert (sent.method, str(sent.url)) == ("POST", f"{BASE}/v1/async/videos/generations")
    assert_api_headers(sent, "application/json")
    assert json.loads(sent.content) == {
        "model": "veo",
        "prompt": "The cup slowly rotates",
        "duration": 8.0,
        "size": "16:9",
        "input_image": "https://cdn.test/a.png",
        "seed": 1,
    }
    assert sub.progress == 0 and sub.created_at == 1703884800 and sub.model == "veo"


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        ("edit_image", "/v1/images/edits", IMAGE_OK),
        ("submit_image_edit", "/v1/async/images/edits", SUBMITTED),
    ],
)
@pytest.mark.anyio
async def test_edits_are_multipart_with_one_image_part_per_input(
    make: Factory, method: str, path: str, answer: dict[str, Any]
) -> None:
    h = make(ok(answer))
    req = edit_request(
        n=1,
        size="1024x1024",
        quality="low",
        response_format="b64_json",
        controls={"mask_blur": 3, "hd": True},
    )
    result = await getattr(h.client, method)(req)
    (sent,) = h.recorder.requests
    assert (sent.method, str(sent.url)) == ("POST", BASE + path)
    assert_api_headers(sent, "multipart/form-data")
    parts = parse_multipart(sent)
    fields = {part_name(p): p.get_content() for p in parts if p.get_filename() is None}
    assert fields == {
        "model": "gemini-3-pro-image-preview",
        "prompt": "Place the product on a warm studio background",
        "n": "1",
        "size": "1024x1024",
        "quality": "low",
        "response_format": "b64_json",
        "mask_blur": "3",
        "hd": "true",
    }
    files = [p for p in parts if p.get_filename() is not None]
    assert [
        (part_name(p), p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in files
    ] == [
        ("image", "product.png", "image/png", PNG),
        ("image", "ref.jpg", "image/jpeg", b"\xff\xd8jpeg"),
    ]
    assert result is not None


@pytest.mark.anyio
async def test_get_task_quotes_the_id_and_reads_the_result(make: Factory) -> None:
    h = make(ok(TASK_DONE), ok(TASK_DONE))
    task = await h.client.get_task("task_1")
    await h.client.get_task("a/../b c")
    first, second = h.recorder.requests
    assert (first.method, str(first.url)) == ("GET", f"{BASE}/v1/tasks/task_1")
    assert_api_headers(first, None)
    assert first.content == b""
    assert second.url.raw_path == b"/v1/tasks/a%2F..%2Fb%20c"
    assert task.status == "completed" and task.output_urls() == ["https://cdn.test/v.mp4"]
    assert task.credits_cost == 1.5


@pytest.mark.anyio
async def test_get_task_refuses_an_empty_id_without_sending(make: Factory) -> None:
    h = make()
    with pytest.raises(ContractError):
        await h.client.get_task("  ")
    assert h.recorder.requests == []


@pytest.mark.anyio
async def test_list_models_updates_known_models_and_keeps_unknown_fields(make: Factory) -> None:
    payload = {**MODELS, "data": [*MODELS["data"], {"id": "veo-4", "category": "video", "tier": "beta"}]}
    h = make(ok(payload))
    assert h.client.known_models == frozenset()
    models = await h.client.list_models()
    (sent,) = h.recorder.requests
    assert (sent.method, str(sent.url)) == ("GET", f"{BASE}/v1/models")
    assert_api_headers(sent, None)
    assert h.client.known_models == {"gemini-3-pro-image-preview", "gemini-9-ultra", "flux-1-pro", "veo-4"}
    assert models.data[-1].model_extra == {"tier": "beta"}


@pytest.mark.anyio
async def test_from_settings_passes_explicit_timeouts_per_request(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        {"PIXAPI_KEY": CANARY_KEY, "PIXAPI_CONNECT_TIMEOUT_S": "3", "PIXAPI_REQUEST_TIMEOUT_S": "30"},
        base_url=BASE,
    )
    recorder = Recorder([ok(MODELS)])
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(recorder)) as http:
        client = PixapiClient.from_settings(settings, http)
        await client.list_models()
    (sent,) = recorder.requests
    assert sent.extensions["timeout"] == {"connect": 3.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert sent.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert client.base_url == BASE and client.has_key


# --------------------------------------------------------------------------------------------
# Error mapping
# --------------------------------------------------------------------------------------------

ERROR_CASES = [
    (400, BadRequestError, "invalid_request", False),
    (401, AuthenticationError, "auth", False),
    (403, AuthenticationError, "auth", False),
    (402, InsufficientCreditsError, "credits", False),
    (404, NotFoundError, "not_found", False),
    (409, APIStatusError, "invalid_request", False),
    (418, APIStatusError, "invalid_request", False),
    (422, UnprocessableEntityError, "unprocessable", False),
    (429, RateLimitError, "rate_limited", True),
    (500, ServerError, "server", True),
    (502, ServerError, "server", True),
    (503, ServerError, "server", True),
]


@pytest.mark.parametrize(("status", "cls", "category", "retryable"), ERROR_CASES)
@pytest.mark.anyio
async def test_status_maps_to_error_class_with_code_message_and_header_request_id(
    make: Factory, status: int, cls: type[PixapiError], category: str, retryable: bool
) -> None:
    body = {"error": {"code": status, "message": "size 3x3 is too small", "type": "invalid_request_error"}}
    h = make(error(status, body, headers={"X-Request-Id": "req_abc"}))
    with pytest.raises(PixapiError) as info:
        await h.client.create_image(gen_request())
    err = info.value
    assert type(err) is cls
    assert (err.category, err.retryable, err.status) == (category, retryable, status)
    assert err.code == "invalid_request_error"
    assert err.message == "size 3x3 is too small"
    assert err.request_id == "req_abc"
    assert err.sent is True
    text = str(err)
    assert "size 3x3 is too small" in text and "req_abc" in text and str(status) in text
    assert err.fix and err.fix in text
    assert len(h.recorder.requests) == 1  # a POST is never resent after an answer


@pytest.mark.anyio
async def test_request_id_from_body_and_string_code(make: Factory) -> None:
    body = {"error": {"code": "insufficient_credits", "message": "Balance too low", "request_id": "req_body"}}
    h = make(error(402, body))
    with pytest.raises(InsufficientCreditsError) as info:
        await h.client.create_image(gen_request())
    assert info.value.code == "insufficient_credits"
    assert info.value.request_id == "req_body"
    assert "pixapi.ai/pricing" in info.value.fix


@pytest.mark.anyio
async def test_request_id_header_variant_and_param(make: Factory) -> None:
    body = {"error": {"code": 400, "message": "bad value", "type": "invalid_request_error", "param": "size"}}
    h = make(error(400, body, headers={"Request-ID": "req_hdr"}))
    with pytest.raises(BadRequestError) as info:
        await h.client.create_image(gen_request())
    assert info.value.request_id == "req_hdr"
    assert info.value.message == "bad value (field `size`)"


@pytest.mark.anyio
async def test_html_error_body_becomes_a_short_excerpt(make: Factory) -> None:
    page = (
        "<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>"
        "<body><h1>502 Bad Gateway</h1><p>nginx</p>" + "<p>filler</p>" * 200 + "</body></html>"
    )
    h = make(error(502, text=page, headers={"content-type": "text/html"}))
    with pytest.raises(ServerError) as info:
        await h.client.create_image(gen_request())
    message = info.value.message
    assert "502 Bad Gateway" in message and "nginx" in message
    assert "<" not in message and "color:red" not in message
    assert len(message) <= 300


@pytest.mark.anyio
async def test_plain_text_and_empty_error_bodies(make: Factory) -> None:
    h = make(error(500, text="upstream exploded"), error(503, text=""), max_retries=0)
    with pytest.raises(ServerError) as first:
        await h.client.get_task("t1")
    assert first.value.message == "upstream exploded" and first.value.code is None
    with pytest.raises(ServerError) as second:
        await h.client.get_task("t1")
    assert "Service Unavailable" in second.value.message and "empty body" in second.value.message


@pytest.mark.parametrize(
    ("method", "answer"),
    [
        ("create_image", httpx2.Response(200, text="<html>not json</html>")),
        ("create_image", httpx2.Response(200, text="")),
        ("create_image", ok([1, 2, 3])),
        ("create_image", ok({"data": "not-a-list"})),
        ("create_image", ok({"created": 1})),
        ("submit_video", ok({"status": "submitted"})),
        ("get_task", ok({"id": "x"})),
        ("get_task", ok({"id": "x", "status": "completed", "progress": "lots"})),
        ("list_models", ok({"object": "list"})),
    ],
)
@pytest.mark.anyio
async def test_malformed_success_bodies_raise_invalid_response(
    make: Factory, method: str, answer: httpx2.Response
) -> None:
    h = make(answer)
    answer.headers["x-request-id"] = "req_bad"
    arg: Any = {"create_image": gen_request(), "submit_video": video_request()}.get(method, "t1")
    call = getattr(h.client, method)
    with pytest.raises(InvalidResponseError) as info:
        await (call() if method == "list_models" else call(arg))
    err = info.value
    assert (err.category, err.sent, err.retryable, err.request_id) == ("bad_response", True, False, "req_bad")
    assert len(h.recorder.requests) == 1


# --------------------------------------------------------------------------------------------
# Retries and backoff
# --------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_retries_503_with_exponential_backoff_then_succeeds(make: Factory) -> None:
    h = make(error(503, text=""), error(503, text=""), error(503, text=""), ok(TASK_DONE), jitter=lambda: 1.0)
    task = await h.client.get_task("task_1")
    assert task.id == "task_1"
    assert len(h.recorder.requests) == 4
    assert h.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.anyio
async def test_backoff_uses_equal_jitter(make: Factory) -> None:
    h = make(error(500, text=""), error(500, text=""), ok(TASK_DONE), jitter=lambda: 0.0)
    await h.client.get_task("task_1")
    assert h.sleeps == [0.25, 0.5]  # half of each step is fixed, so delays still grow


@pytest.mark.anyio
async def test_backoff_is_capped_and_retries_are_bounded(make: Factory) -> None:
    h = make(
        *[error(502, text="")] * 6,
        max_retries=5,
        backoff_initial_s=1.0,
        backoff_max_s=3.0,
    )
    with pytest.raises(ServerError):
        await h.client.list_models()
    assert h.sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]
    assert len(h.recorder.requests) == 6


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "0.25"}, 0.25),
        ({"Retry-After": "3600"}, 60.0),  # capped at retry_after_cap_s
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:27:00 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({"Retry-After": "soon"}, 0.5),  # unparseable: plain backoff
    ],
)
@pytest.mark.anyio
async def test_get_honours_retry_after(make: Factory, headers: dict[str, str], expected: float) -> None:
    h = make(error(429, {"error": {"message": "slow down"}}, headers=headers), ok(TASK_DONE))
    await h.client.get_task("task_1")
    assert h.sleeps == [expected]


@pytest.mark.anyio
async def test_retry_after_cap_is_configurable(make: Factory) -> None:
    h = make(error(503, text="", headers={"Retry-After": "30"}), ok(MODELS), retry_after_cap_s=5)
    await h.client.list_models()
    assert h.sleeps == [5]


@pytest.mark.anyio
async def test_rate_limit_error_carries_retry_after(make: Factory) -> None:
    h = make(
        error(429, {"error": {"code": 429, "message": "Too many requests"}}, headers={"Retry-After": "12"})
    )
    with pytest.raises(RateLimitError) as info:
        await h.client.submit_video(video_request())
    assert info.value.retry_after == 12.0
    assert "12" in info.value.fix
    assert h.sleeps == [] and len(h.recorder.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        error(500, text="boom"),
        error(502, text=""),
        error(503, text="", headers={"Retry-After": "1"}),
        error(429, {"error": {"message": "slow"}}, headers={"Retry-After": "1"}),
        httpx2.ReadTimeout("read timed out"),
        httpx2.WriteTimeout("write timed out"),
        httpx2.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx2.ReadError("connection reset by peer"),
    ],
    ids=["500", "502", "503", "429", "read-timeout", "write-timeout", "remote-protocol", "read-error"],
)
@pytest.mark.parametrize(
    "method", ["create_image", "submit_image", "edit_image", "submit_image_edit", "submit_video"]
)
@pytest.mark.anyio
async def test_post_that_may_have_reached_the_api_is_sent_exactly_once(
    make: Factory, failure: Step, method: str
) -> None:
    if isinstance(failure, httpx2.Response):
        failure = httpx2.Response(failure.status_code, content=failure.content, headers=failure.headers)
    h = make(failure, ok(IMAGE_OK | SUBMITTED))
    req: Any = (
        video_request() if method == "submit_video" else edit_request() if "edit" in method else gen_request()
    )
    with pytest.raises(PixapiError) as info:
        await getattr(h.client, method)(req)
    assert len(h.recorder.requests) == 1
    assert h.sleeps == []
    assert info.value.sent is True
    if isinstance(failure, httpx2.TimeoutException):
        assert isinstance(info.value, APITimeoutError)
    elif isinstance(failure, Exception):
        assert isinstance(info.value, APIConnectionError)
    if not isinstance(info.value, RateLimitError):
        assert "before sending it again" in str(info.value)


@pytest.mark.parametrize(
    "failure",
    [httpx2.ConnectError("connection refused"), httpx2.ConnectTimeout("connect"), httpx2.PoolTimeout("pool")],
    ids=["connect-error", "connect-timeout", "pool-timeout"],
)
@pytest.mark.anyio
async def test_post_that_never_left_is_retried_then_succeeds(make: Factory, failure: Exception) -> None:
    h = make(failure, ok(IMAGE_OK))
    result = await h.client.create_image(gen_request())
    assert result.data[0].url
    assert len(h.recorder.requests) == 2
    assert h.sleeps == [0.5]
    assert json.loads(h.recorder.requests[1].content) == json.loads(h.recorder.requests[0].content)


@pytest.mark.anyio
async def test_multipart_post_is_rebuilt_when_retried_after_connect_error(make: Factory) -> None:
    h = make(httpx2.ConnectError("refused"), ok(IMAGE_OK))
    await h.client.edit_image(edit_request())
    assert len(h.recorder.requests) == 2
    files = [p for p in parse_multipart(h.recorder.requests[1]) if p.get_filename()]
    assert [p.get_payload(decode=True) for p in files] == [PNG, b"\xff\xd8jpeg"]


@pytest.mark.anyio
async def test_connect_errors_exhaust_retries_with_sent_false(make: Factory) -> None:
    h = make(*[httpx2.ConnectError("refused")] * 3, max_retries=2)
    with pytest.raises(APIConnectionError) as info:
        await h.client.submit_video(video_request())
    assert info.value.sent is False and info.value.retryable
    assert "nothing was sent" in str(info.value)
    assert len(h.recorder.requests) == 3 and h.sleeps == [0.5, 1.0]


@pytest.mark.anyio
async def test_get_retries_timeouts_and_dropped_connections(make: Factory) -> None:
    h = make(
        httpx2.ReadTimeout("slow"),
        httpx2.RemoteProtocolError("dropped"),
        httpx2.ReadError("reset"),
        ok(TASK_DONE),
    )
    task = await h.client.get_task("task_1")
    assert task.status == "completed"
    assert len(h.recorder.requests) == 4 and len(h.sleeps) == 3


@pytest.mark.anyio
async def test_get_timeout_after_all_retries(make: Factory) -> None:
    h = make(*[httpx2.ReadTimeout("slow")] * 2, max_retries=1)
    with pytest.raises(APITimeoutError) as info:
        await h.client.get_task("task_1")
    assert info.value.category == "timeout" and info.value.sent is True


# --------------------------------------------------------------------------------------------
# Contract guard: nothing forbidden is ever sent
# --------------------------------------------------------------------------------------------

FORBIDDEN: list[tuple[str, str, Callable[[], Any]]] = [
    ("async flag in controls", "create_image", lambda: gen_request(controls={"async": True})),
    ("async flag on async submit", "submit_image", lambda: gen_request(controls={"async": "true"})),
    ("seconds instead of duration", "submit_video", lambda: video_request(controls={"seconds": 8})),
    (
        "image_url on video",
        "submit_video",
        lambda: video_request(controls={"image_url": "https://x.test/a.png"}),
    ),
    ("image_url on edit", "edit_image", lambda: edit_request(controls={"image_url": "https://x.test/a.png"})),
    ("image model on video", "submit_video", lambda: video_request(model="nano-banana")),
    ("gpt image on video", "submit_video", lambda: video_request(model="gpt-image-2")),
    ("video model on image", "create_image", lambda: gen_request(model="veo")),
    ("video model on edit", "submit_image_edit", lambda: edit_request(model="wan")),
    ("bad size", "create_image", lambda: gen_request(controls={"size": "huge"})),
    ("ratio size on image", "submit_image", lambda: gen_request(controls={"size": "16:9"})),
    ("bad quality", "create_image", lambda: gen_request(controls={"quality": "ultra"})),
    ("bad response_format", "edit_image", lambda: edit_request(controls={"response_format": "png"})),
    ("n zero", "create_image", lambda: gen_request(controls={"n": 0})),
    ("n too big", "create_image", lambda: gen_request(controls={"n": 50})),
    ("duration on image", "create_image", lambda: gen_request(controls={"duration": 5})),
    ("negative duration", "submit_video", lambda: video_request(controls={"duration": -1})),
    ("input_image not a URL", "submit_video", lambda: video_request(input_image="file:///etc/passwd")),
    ("blank prompt", "create_image", lambda: gen_request(prompt="   ")),
    ("image control on edit", "edit_image", lambda: edit_request(controls={"image": "cat.png"})),
]


@pytest.mark.parametrize(("case", "method", "build"), FORBIDDEN, ids=[c[0] for c in FORBIDDEN])
@pytest.mark.anyio
async def test_forbidden_requests_raise_contract_error_and_send_nothing(
    make: Factory, case: str, method: str, build: Callable[[], Any]
) -> None:
    h = make()
    with pytest.raises(ContractError) as info:
        await getattr(h.client, method)(build())
    err = info.value
    assert h.recorder.requests == []
    assert err.violations
    assert (err.category, err.sent, err.retryable, err.status) == ("invalid_request", False, False, None)
    assert err.code == err.violations[0].rule_id
    assert all(f"[{v.rule_id}]" in str(err) for v in err.violations)


@pytest.mark.parametrize(
    ("build", "method", "rule"),
    [
        (lambda: gen_request(controls={"async": True}), "create_image", "async-endpoint"),
        (lambda: video_request(controls={"seconds": 8}), "submit_video", "duration-field"),
        (
            lambda: video_request(controls={"image_url": "https://x.test/a.png"}),
            "submit_video",
            "input-image-field",
        ),
        (lambda: video_request(model="nano-banana"), "submit_video", "image-model-on-video-endpoint"),
        (lambda: gen_request(model="veo"), "create_image", "video-model-on-image-endpoint"),
        (lambda: gen_request(controls={"size": "huge"}), "create_image", "size-value"),
    ],
)
@pytest.mark.anyio
async def test_contract_error_names_the_rule(
    make: Factory, build: Callable[[], Any], method: str, rule: str
) -> None:
    h = make()
    with pytest.raises(ContractError) as info:
        await getattr(h.client, method)(build())
    assert rule in {v.rule_id for v in info.value.violations}


@pytest.mark.anyio
async def test_preflight_checks_without_sending_the_request(make: Factory) -> None:
    h = make(ok(MODELS))
    await h.client.preflight(gen_request(), Endpoint.IMAGE_GENERATIONS)
    await h.client.preflight(video_request(), Endpoint.ASYNC_VIDEO_GENERATIONS)
    assert h.recorder.requests == []
    with pytest.raises(ContractError):
        await h.client.preflight(video_request(model="nano-banana"), Endpoint.ASYNC_VIDEO_GENERATIONS)
    # A live-only model is confirmed with GET /v1/models, and nothing paid is sent.
    await h.client.preflight(gen_request(model="gemini-9-ultra"), Endpoint.IMAGE_GENERATIONS)
    assert h.recorder.paths == ["GET /v1/models"]
    with pytest.raises(MissingKeyError):
        await make(api_key=None).client.preflight(gen_request(), Endpoint.IMAGE_GENERATIONS)


@pytest.mark.anyio
async def test_unknown_model_is_checked_against_the_live_list_once(make: Factory) -> None:
    h = make(ok(MODELS), ok(IMAGE_OK), ok(IMAGE_OK))
    await h.client.create_image(gen_request(model="gemini-9-ultra"))
    await h.client.create_image(gen_request(model="gemini-9-ultra"))
    assert h.recorder.paths == [
        "GET /v1/models",
        "POST /v1/images/generations",
        "POST /v1/images/generations",
    ]
    assert json.loads(h.recorder.requests[1].content)["model"] == "gemini-9-ultra"


@pytest.mark.anyio
async def test_unknown_model_not_in_live_list_fails_with_did_you_mean(make: Factory) -> None:
    h = make(ok(MODELS))
    with pytest.raises(ContractError) as info:
        await h.client.create_image(gen_request(model="flux-pro"))
    assert h.recorder.paths == ["GET /v1/models"]
    assert [v.rule_id for v in info.value.violations] == ["unknown-model"]
    assert "Did you mean" in str(info.value) and "flux-1-pro" in str(info.value)
    # The live list is cached: a second miss asks nothing more of the API.
    with pytest.raises(ContractError):
        await h.client.create_image(gen_request(model="flux-pro"))
    assert len(h.recorder.requests) == 1


@pytest.mark.anyio
async def test_unknown_model_keeps_violation_when_model_list_fails(make: Factory) -> None:
    h = make(error(500, text="down"), max_retries=0)
    with pytest.raises(ContractError) as info:
        await h.client.submit_image(gen_request(model="mystery-model"))
    assert h.recorder.paths == ["GET /v1/models"]
    assert [v.rule_id for v in info.value.violations] == ["unknown-model"]


@pytest.mark.anyio
async def test_unknown_model_with_other_violations_fails_without_any_request(make: Factory) -> None:
    h = make()
    with pytest.raises(ContractError) as info:
        await h.client.create_image(gen_request(model="mystery-model", controls={"async": True}))
    assert h.recorder.requests == []
    assert {v.rule_id for v in info.value.violations} == {"unknown-model", "async-endpoint"}


@pytest.mark.parametrize(
    ("method", "arg"),
    [
        ("create_image", gen_request()),
        ("submit_image", gen_request()),
        ("edit_image", edit_request()),
        ("submit_image_edit", edit_request()),
        ("submit_video", video_request()),
        ("get_task", "task_1"),
        ("list_models", None),
    ],
)
@pytest.mark.parametrize("key", [None, ""])
@pytest.mark.anyio
async def test_missing_key_sends_nothing_and_names_the_variable(
    make: Factory, method: str, arg: Any, key: str | None
) -> None:
    h = make(api_key=key)
    call = getattr(h.client, method)
    with pytest.raises(MissingKeyError) as info:
        await (call() if arg is None else call(arg))
    assert h.recorder.requests == []
    err = info.value
    assert (err.category, err.sent, err.retryable) == ("auth", False, False)
    assert "PIXAPI_KEY" in str(err)
    assert not h.client.has_key


# --------------------------------------------------------------------------------------------
# Downloads and input fetches
# --------------------------------------------------------------------------------------------


def chunked(*chunks: bytes, fail_after: int | None = None) -> Callable[[], AsyncIterator[bytes]]:
    async def gen() -> AsyncIterator[bytes]:
        for i, chunk in enumerate(chunks):
            if fail_after is not None and i == fail_after:
                raise httpx2.ReadError("connection reset mid-body")
            yield chunk

    return gen


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.anyio
async def test_download_streams_to_file_without_the_key(make: Factory, tmp_path: Path) -> None:
    h = make(httpx2.Response(200, content=PNG, headers={"content-type": "image/png; charset=binary"}))
    dest = tmp_path / "out" / "hero.png"
    result = await h.client.download(f"{CDN}/generated/image.png?sig=abc", dest, max_bytes=10_000)
    assert result == Download(path=dest, size=len(PNG), content_type="image/png")
    assert dest.read_bytes() == PNG
    assert leftovers(dest.parent) == ["hero.png"]
    (sent,) = h.recorder.requests
    assert sent.method == "GET" and str(sent.url) == f"{CDN}/generated/image.png?sig=abc"
    assert "authorization" not in sent.headers
    assert sent.headers["user-agent"] == UA


@pytest.mark.anyio
async def test_download_from_the_api_host_still_carries_no_key(make: Factory, tmp_path: Path) -> None:
    # Even a client whose defaults include the key (a misconfiguration) does not leak it.
    h = make(httpx2.Response(200, content=b"x"), http_headers={"Authorization": f"Bearer {CANARY_KEY}"})
    await h.client.download(f"{BASE}/files/x.png", tmp_path / "x.png", max_bytes=10)
    assert "authorization" not in h.recorder.requests[0].headers


@pytest.mark.parametrize("with_length", [True, False])
@pytest.mark.anyio
async def test_download_cap_is_enforced_and_partial_file_removed(
    make: Factory, tmp_path: Path, with_length: bool
) -> None:
    body = b"a" * 400
    answer = (
        httpx2.Response(200, content=body)
        if with_length
        else httpx2.Response(200, content=chunked(body[:100], body[100:200], body[200:])())
    )
    assert ("content-length" in answer.headers) is with_length
    h = make(answer)
    dest = tmp_path / "big.bin"
    with pytest.raises(DownloadError) as info:
        await h.client.download(f"{CDN}/big.bin", dest, max_bytes=150)
    assert not isinstance(info.value, DownloadInterruptedError)
    assert not info.value.retryable and info.value.category == "download"
    assert "150 byte limit" in str(info.value)
    assert leftovers(tmp_path) == []
    assert len(h.recorder.requests) == 1


@pytest.mark.anyio
async def test_download_rejects_early_on_content_length(make: Factory, tmp_path: Path) -> None:
    # The header alone decides: the (short) body is never read into the file.
    body_read: list[bool] = []

    async def body() -> AsyncIterator[bytes]:
        body_read.append(True)
        yield b"ab"

    h = make(httpx2.Response(200, headers={"Content-Length": "5000"}, content=body()))
    with pytest.raises(DownloadError, match="4096 byte limit"):
        await h.client.download(f"{CDN}/big.bin", tmp_path / "big.bin", max_bytes=4096)
    assert body_read == []
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_download_never_overwrites_an_existing_file(make: Factory, tmp_path: Path) -> None:
    dest = tmp_path / "keep.png"
    dest.write_bytes(b"precious")
    h = make()
    with pytest.raises(DownloadError) as info:
        await h.client.download(f"{CDN}/x.png", dest, max_bytes=100)
    assert isinstance(info.value.__cause__, FileExistsError)
    assert dest.read_bytes() == b"precious"
    assert h.recorder.requests == []


@pytest.mark.anyio
async def test_download_does_not_overwrite_a_file_created_meanwhile(make: Factory, tmp_path: Path) -> None:
    dest = tmp_path / "race.png"

    def answer(request: httpx2.Request) -> httpx2.Response:
        dest.write_bytes(b"someone else's")
        return httpx2.Response(200, content=PNG)

    h = make(answer)
    with pytest.raises(DownloadError) as info:
        await h.client.download(f"{CDN}/x.png", dest, max_bytes=10_000)
    assert isinstance(info.value.__cause__, FileExistsError)
    assert dest.read_bytes() == b"someone else's"
    assert leftovers(tmp_path) == ["race.png"]


def redirect(location: str, status: int = 302) -> httpx2.Response:
    return httpx2.Response(status, headers={"Location": location})


class Refused(Exception):
    pass


@pytest.mark.anyio
async def test_redirects_are_followed_with_the_guard_called_per_hop(make: Factory, tmp_path: Path) -> None:
    h = make(
        redirect("https://edge.test/a.png", 301),
        redirect("/b.png?x=1", 307),
        httpx2.Response(200, content=PNG, headers={"content-type": "image/png"}),
    )
    seen: list[str] = []

    async def guard(url: str) -> None:
        seen.append(url)

    result = await h.client.download(
        f"{CDN}/start.png", tmp_path / "r.png", max_bytes=10_000, url_guard=guard
    )
    assert seen == [f"{CDN}/start.png", "https://edge.test/a.png", "https://edge.test/b.png?x=1"]
    assert [str(r.url) for r in h.recorder.requests] == seen
    assert result.size == len(PNG)
    assert all("authorization" not in r.headers for r in h.recorder.requests)


@pytest.mark.anyio
async def test_a_refusing_guard_stops_the_redirect_chain(make: Factory, tmp_path: Path) -> None:
    h = make(redirect("http://169.254.169.254/latest/meta-data"))

    async def guard(url: str) -> None:
        if "169.254" in url:
            raise Refused(url)

    with pytest.raises(Refused):
        await h.client.download(f"{CDN}/start.png", tmp_path / "r.png", max_bytes=10_000, url_guard=guard)
    assert len(h.recorder.requests) == 1
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_a_refusing_guard_stops_before_the_first_request(make: Factory) -> None:
    h = make()

    async def guard(url: str) -> None:
        raise Refused(url)

    with pytest.raises(Refused):
        await h.client.fetch_bytes("https://internal.test/a.png", max_bytes=10, url_guard=guard)
    assert h.recorder.requests == []


@pytest.mark.anyio
async def test_too_many_redirects(make: Factory, tmp_path: Path) -> None:
    h = make(*[redirect(f"{CDN}/loop{i}") for i in range(6)])
    with pytest.raises(DownloadError, match="redirected more than 5 times"):
        await h.client.download(f"{CDN}/loop", tmp_path / "l.bin", max_bytes=10)
    assert len(h.recorder.requests) == 6
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://cdn.test/a.png", "data:image/png;base64,AAAA"])
@pytest.mark.anyio
async def test_only_http_urls_are_fetched(make: Factory, tmp_path: Path, url: str) -> None:
    h = make()
    with pytest.raises(DownloadError, match="Only http"):
        await h.client.download(url, tmp_path / "x.bin", max_bytes=10)
    with pytest.raises(DownloadError, match="Only http"):
        await h.client.fetch_bytes(url, max_bytes=10)
    assert h.recorder.requests == []
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_redirect_to_a_non_http_scheme_is_refused(make: Factory, tmp_path: Path) -> None:
    h = make(redirect("file:///etc/passwd"))
    with pytest.raises(DownloadError, match="Only http"):
        await h.client.download(f"{CDN}/a", tmp_path / "x.bin", max_bytes=10)
    assert len(h.recorder.requests) == 1


@pytest.mark.anyio
async def test_download_retries_passing_failures_and_restarts_cleanly(make: Factory, tmp_path: Path) -> None:
    h = make(
        error(503, text="", headers={"Retry-After": "2"}),
        # A longer failed attempt first: its bytes must not survive into the file.
        httpx2.Response(200, content=chunked(b"G" * 3000, b"never", fail_after=1)()),
        httpx2.ConnectError("refused"),
        httpx2.Response(200, content=chunked(PNG[:10], PNG[10:])()),
    )
    result = await h.client.download(f"{CDN}/a.png", tmp_path / "a.png", max_bytes=10_000)
    assert (tmp_path / "a.png").read_bytes() == PNG
    assert result.size == len(PNG)
    assert h.sleeps == [2.0, 1.0, 2.0]
    assert leftovers(tmp_path) == ["a.png"]


@pytest.mark.anyio
async def test_download_gives_up_after_retries(make: Factory, tmp_path: Path) -> None:
    h = make(*[error(502, text="")] * 3, max_retries=2)
    with pytest.raises(DownloadInterruptedError) as info:
        await h.client.download(f"{CDN}/a.png", tmp_path / "a.png", max_bytes=10_000)
    assert info.value.retryable and info.value.status == 502 and info.value.category == "download"
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_download_client_error_is_not_retried(make: Factory, tmp_path: Path) -> None:
    h = make(error(404, text="gone"))
    with pytest.raises(DownloadError) as info:
        await h.client.download(f"{CDN}/a.png?sig=secret", tmp_path / "a.png", max_bytes=10_000)
    assert info.value.status == 404 and not info.value.retryable
    assert "sig=secret" not in str(info.value)  # signed query strings stay out of messages
    assert len(h.recorder.requests) == 1 and h.sleeps == []


@pytest.mark.anyio
async def test_download_is_removed_when_cancelled(make: Factory, tmp_path: Path) -> None:
    scope = anyio.CancelScope()

    async def body() -> AsyncIterator[bytes]:
        yield b"first chunk"
        scope.cancel()  # cancelled mid-download, deterministically
        await anyio.sleep_forever()
        yield b"never"

    h = make(httpx2.Response(200, content=body()))
    with scope:
        await h.client.download(f"{CDN}/a.png", tmp_path / "a.png", max_bytes=10_000)
    assert scope.cancelled_caught
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_fetch_bytes_follows_redirects_caps_and_carries_no_key(make: Factory) -> None:
    h = make(
        redirect(f"{CDN}/real.jpg"),
        httpx2.Response(200, content=b"\xff\xd8data", headers={"content-type": "IMAGE/JPEG"}),
        httpx2.Response(200, content=chunked(b"x" * 8, b"y" * 8)()),
    )
    seen: list[str] = []

    async def guard(url: str) -> None:
        seen.append(url)

    data, content_type = await h.client.fetch_bytes(f"{CDN}/in.jpg", max_bytes=100, url_guard=guard)
    assert (data, content_type) == (b"\xff\xd8data", "image/jpeg")
    assert seen == [f"{CDN}/in.jpg", f"{CDN}/real.jpg"]
    with pytest.raises(DownloadError, match="10 byte limit"):
        await h.client.fetch_bytes(f"{CDN}/big", max_bytes=10)
    assert all("authorization" not in r.headers for r in h.recorder.requests)


# --------------------------------------------------------------------------------------------
# The key never leaks
# --------------------------------------------------------------------------------------------


def echo_key_errors() -> Iterator[tuple[str, Step]]:
    """Server answers that echo the key back in every place an error takes text from."""
    echoed = f"Invalid key {CANARY_KEY}"
    for status in (400, 401, 402, 403, 404, 409, 422, 429, 500, 503):
        yield (
            f"json-{status}",
            error(
                status,
                {"error": {"code": CANARY_KEY, "message": echoed, "type": "x", "request_id": CANARY_KEY}},
            ),
        )
    yield "html", error(502, text=f"<html><body><p>{echoed}</p></body></html>")
    yield "text", error(401, text=echoed, headers={"x-request-id": f"rid-{CANARY_KEY}"})
    yield "bad-2xx", httpx2.Response(200, text=f"oops {CANARY_KEY}")
    yield "connect", httpx2.ConnectError(echoed)
    yield "timeout", httpx2.ReadTimeout(echoed)
    yield "dropped", httpx2.RemoteProtocolError(echoed)


def assert_no_canary(err: BaseException) -> None:
    assert CANARY_KEY not in str(err)
    assert CANARY_KEY not in repr(err)
    assert all(CANARY_KEY not in str(a) for a in err.args)
    if isinstance(err, PixapiError):
        assert CANARY_KEY not in json.dumps(err.to_dict())


@pytest.mark.parametrize(("case", "answer"), list(echo_key_errors()), ids=[c for c, _ in echo_key_errors()])
@pytest.mark.anyio
async def test_key_never_in_errors_even_when_the_server_echoes_it(
    make: Factory, case: str, answer: Step, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = make(answer, max_retries=0)
    with pytest.raises(PixapiError) as info:
        await h.client.create_image(gen_request())
    assert_no_canary(info.value)
    # The echoed text is kept (it may say what went wrong), with the key replaced.
    assert "[redacted]" in str(info.value) or case == "timeout"
    assert CANARY_KEY not in caplog.text


@pytest.mark.anyio
async def test_key_never_in_logs_settings_models_or_local_errors(
    make: Factory, tmp_path: Path, caplog: pytest.LogCaptureFixture, make_settings: Callable[..., Settings]
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings({"PIXAPI_KEY": CANARY_KEY})
    assert CANARY_KEY not in str(settings) and CANARY_KEY not in repr(settings)
    h = make(
        ok(IMAGE_OK, headers={"x-request-id": "req_1"}),
        ok(SUBMITTED),
        ok(SUBMITTED),
        ok(TASK_DONE),
        ok(MODELS),
        httpx2.Response(200, content=PNG),
        error(500, text=CANARY_KEY),
    )
    requests: list[Any] = [gen_request(), edit_request(), video_request()]
    await h.client.create_image(requests[0])
    await h.client.submit_image_edit(requests[1])
    await h.client.submit_video(requests[2])
    await h.client.get_task("task_1")
    await h.client.list_models()
    await h.client.download(f"{CDN}/a.png?token=t", tmp_path / "a.png", max_bytes=10_000)
    with pytest.raises(ServerError) as server_error:
        await h.client.create_image(gen_request())
    local_errors: list[BaseException] = [server_error.value, MissingKeyError()]
    with pytest.raises(ContractError) as contract_error:
        await h.client.create_image(gen_request(controls={"async": True}))
    local_errors.append(contract_error.value)
    for err in local_errors:
        assert_no_canary(err)
    for req in requests:
        assert CANARY_KEY not in str(req) and CANARY_KEY not in repr(req)
    assert CANARY_KEY not in repr(h.client) and CANARY_KEY not in str(h.client)
    # One debug line per request, with method, path, status and request id.
    lines = [r.getMessage() for r in caplog.records if r.name == "pixapi_mcp.client"]
    assert len(lines) == len(h.recorder.requests) == 7
    assert lines[0].startswith("POST /v1/images/generations -> 200 request_id=req_1")
    # Signed query strings stay out of our lines (httpx2's own INFO line is the CLI's to silence).
    assert not any("token=t" in line for line in lines)
    for record in caplog.records:
        assert CANARY_KEY not in record.getMessage()
    assert CANARY_KEY not in caplog.text


@pytest.mark.anyio
async def test_error_str_is_actionable(make: Factory) -> None:
    h = make(
        error(401, {"error": {"code": 401, "message": "Invalid API key", "type": "authentication_error"}})
    )
    with pytest.raises(AuthenticationError) as info:
        await h.client.list_models()
    assert str(info.value) == (
        "Pixapi answered HTTP 401 authentication_error: Invalid API key. "
        "Check PIXAPI_KEY: it must be a valid, active Pixapi API key for this account."
    )


def test_error_classes_declare_category_and_retryable() -> None:
    expected = {
        ContractError: ("invalid_request", False),
        MissingKeyError: ("auth", False),
        BadRequestError: ("invalid_request", False),
        AuthenticationError: ("auth", False),
        InsufficientCreditsError: ("credits", False),
        NotFoundError: ("not_found", False),
        UnprocessableEntityError: ("unprocessable", False),
        RateLimitError: ("rate_limited", True),
        ServerError: ("server", True),
        APIStatusError: ("invalid_request", False),
        APIConnectionError: ("connection", True),
        APITimeoutError: ("timeout", True),
        InvalidResponseError: ("bad_response", False),
        DownloadError: ("download", False),
        DownloadInterruptedError: ("download", True),
    }
    for cls, (category, retryable) in expected.items():
        assert issubclass(cls, PixapiError)
        assert (cls.category, cls.retryable) == (category, retryable), cls


@pytest.mark.anyio
async def test_raw_socket_error_from_a_transport_is_a_dropped_connection_not_a_crash() -> None:
    """ASGITransport (the in-process sandbox) raises socket errors unwrapped; a POST that hits one
    may have been processed, so it is reported as sent and is not retried."""
    import httpx2

    from pixapi_mcp.client import APIConnectionError, PixapiClient
    from pixapi_mcp.contract import ImageGenerationRequest

    calls: list[str] = []

    def drop(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.url.path)
        raise ConnectionResetError("peer reset")

    async def no_sleep(_: float) -> None:
        return None

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(drop)) as http:
        client = PixapiClient(http, base_url="https://api.test", api_key="sk-x", sleep=no_sleep)
        with pytest.raises(APIConnectionError) as caught:
            await client.submit_image(ImageGenerationRequest(model="nano-banana", prompt="p"))
    assert caught.value.sent is True and calls == ["/v1/async/images/generations"]
