"""The one retry loop: backoff with jitter, Retry-After, reads retried, paid POSTs that may have reached
the API never resent, and the bound on the sends of one call counted on the wire."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx2
import pytest

from pixapi_mcp.client import (
    MAX_SENDS_PER_CALL,
    APIConnectionError,
    APITimeoutError,
    InvalidResponseError,
    PixapiClient,
    PixapiError,
    RateLimitError,
    ServerError,
)
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import Fault, SandboxConfig, create_app
from tests.client.recording import (
    BASE,
    IMAGE_OK,
    MODELS,
    PNG,
    SUBMITTED,
    TASK_DONE,
    Factory,
    Step,
    edit_request,
    error,
    gen_request,
    ok,
    parse_multipart,
    video_request,
)
from tests.conftest import CANARY_KEY

SANDBOX = "http://sandbox.test"

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


@pytest.mark.anyio
async def test_raw_socket_error_from_a_transport_is_a_dropped_connection_not_a_crash() -> None:
    """ASGITransport (the in-process sandbox) raises socket errors unwrapped; a POST that hits one
    may have been processed, so it is reported as sent and is not retried."""
    import httpx2

    from pixapi_mcp.client import APIConnectionError
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


# --------------------------------------------------------------------------------------------
# The bound: sends per call, counted on the wire
# --------------------------------------------------------------------------------------------


def _truncated_json(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, text='{"id": "task_1", "sta')


def _raise(exc: Exception) -> Callable[[httpx2.Request], httpx2.Response]:
    def answer(request: httpx2.Request) -> httpx2.Response:
        raise exc

    return answer


ALWAYS_FAILING: dict[str, list[Callable[[httpx2.Request], httpx2.Response]]] = {
    "read-timeout": [_raise(httpx2.ReadTimeout("slow"))],
    "dropped": [_raise(httpx2.RemoteProtocolError("peer closed"))],
    "connect-refused": [_raise(httpx2.ConnectError("refused"))],
    "503": [lambda r: httpx2.Response(503, text="")],
    "429": [
        lambda r: httpx2.Response(429, json={"error": {"message": "slow"}}, headers={"Retry-After": "1"})
    ],
    "truncated-2xx": [_truncated_json],
    # The old client's worst case: three passing failures, then a body cut short, over and over.
    # Its parse loop wrapped its send loop, so this sent a GET 4 x 4 = 16 times.
    "mixed": [
        _raise(httpx2.ReadTimeout("slow")),
        lambda r: httpx2.Response(503, text=""),
        _raise(httpx2.RemoteProtocolError("peer closed")),
        _truncated_json,
    ],
}


class CountingTransport:
    """A MockTransport handler that fails forever, cycling through ``answers``, and counts sends."""

    def __init__(self, answers: list[Callable[[httpx2.Request], httpx2.Response]]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        return self.answers[(len(self.sent) - 1) % len(self.answers)](request)


@pytest.mark.parametrize("failure", list(ALWAYS_FAILING), ids=list(ALWAYS_FAILING))
@pytest.mark.parametrize("call", ["get_task", "list_models"])
@pytest.mark.anyio
async def test_a_read_is_sent_at_most_max_sends_per_call_times(failure: str, call: str) -> None:
    counting = CountingTransport(ALWAYS_FAILING[failure])
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(counting)) as http:
        # The default policy: no max_retries given, so the named bound is what applies.
        client = PixapiClient(http, base_url=BASE, api_key=CANARY_KEY, sleep=sleep)
        assert client.retry_policy.max_sends == MAX_SENDS_PER_CALL == 4
        with pytest.raises(PixapiError):
            await (client.get_task("task_1") if call == "get_task" else client.list_models())
    assert len(counting.sent) == MAX_SENDS_PER_CALL
    assert len(set(counting.sent)) == 1  # the same GET, resent; nothing else
    assert len(sleeps) == MAX_SENDS_PER_CALL - 1


@pytest.mark.parametrize("max_retries", [0, 1, 5])
@pytest.mark.anyio
async def test_the_bound_follows_max_retries(make: Factory, max_retries: int) -> None:
    counting = CountingTransport(ALWAYS_FAILING["mixed"])
    h = make(*[counting] * (max_retries + 1), max_retries=max_retries)
    with pytest.raises(PixapiError):
        await h.client.list_models()
    assert len(counting.sent) == len(h.recorder.requests) == max_retries + 1


@pytest.mark.anyio
async def test_a_post_that_never_leaves_is_sent_at_most_max_sends_per_call_times() -> None:
    counting = CountingTransport(ALWAYS_FAILING["connect-refused"])

    async def sleep(seconds: float) -> None:
        return None

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(counting)) as http:
        client = PixapiClient(http, base_url=BASE, api_key=CANARY_KEY, sleep=sleep)
        with pytest.raises(APIConnectionError) as info:
            await client.submit_video(video_request())
    assert info.value.sent is False
    assert counting.sent == ["POST /v1/async/videos/generations"] * MAX_SENDS_PER_CALL


@pytest.mark.anyio
async def test_the_bound_holds_against_the_sandbox_under_mixed_faults() -> None:
    """The sandbox armed with the old worst case (three 503s, then a JSON body cut short, over and
    over): the sandbox itself counts the GETs that arrive."""
    app = create_app(SandboxConfig())
    state = app.state.sandbox
    for _ in range(5):
        state.inject(Fault(kind="status", status=503, path_prefix="/v1/models"), times=3)
        state.inject(Fault(kind="malformed_json", path_prefix="/v1/models"), times=1)

    async def sleep(seconds: float) -> None:
        return None

    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=SANDBOX) as http:
        client = PixapiClient(http, base_url=SANDBOX, api_key=SANDBOX_KEY, sleep=sleep)
        with anyio.fail_after(10), pytest.raises(InvalidResponseError):
            await client.list_models()
    arrived = [r for r in state.requests if r.path == "/v1/models"]
    assert len(arrived) == MAX_SENDS_PER_CALL
