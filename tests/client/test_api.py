"""PixapiClient against a recording ``httpx2.MockTransport``: the exact wire format of every endpoint,
the contract guard (nothing forbidden is ever sent), a missing key, and the key kept out of logs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from pixapi_mcp.client import ContractError, MissingKeyError, ServerError
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import Endpoint
from tests.client.recording import (
    BASE,
    CDN,
    IMAGE_OK,
    MODELS,
    PNG,
    SUBMITTED,
    TASK_DONE,
    Factory,
    assert_api_headers,
    assert_no_canary,
    edit_request,
    error,
    gen_request,
    ok,
    parse_multipart,
    part_name,
    video_request,
)
from tests.conftest import CANARY_KEY

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
async def test_list_models_reuses_a_young_list_only_when_asked(make: Factory) -> None:
    newer = {**MODELS, "data": [*MODELS["data"], {"id": "veo-4", "category": "video"}]}
    h = make(ok(MODELS), ok(newer))
    assert h.client.models_fetched_at is None
    before = time.time()
    first = await h.client.list_models(max_age_s=60)
    fetched = h.client.models_fetched_at
    assert fetched is not None and before <= fetched <= time.time()
    assert await h.client.list_models(max_age_s=60) is first  # no request: one minute has not passed
    assert len(h.recorder.requests) == 1
    fresh = await h.client.list_models()  # no max_age_s: always a GET
    assert len(h.recorder.requests) == 2 and "veo-4" in {m.id for m in fresh.data}
    assert "veo-4" in h.client.known_models


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
