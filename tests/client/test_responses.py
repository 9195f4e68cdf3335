"""Answers into errors: every status maps to its class with the API's code, message and request id;
error bodies of every shape become one short message; malformed 2xx bodies are refused; and the key
never reaches an error even when the server echoes it back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from pixapi_mcp.client import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InvalidResponseError,
    NotFoundError,
    PixapiError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from tests.client.recording import Factory, Step, assert_no_canary, error, gen_request, ok, video_request
from tests.conftest import CANARY_KEY

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
