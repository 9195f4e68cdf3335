"""The sandbox's routing in-process: health, the Bearer key on every API route, JSON errors for
unknown paths and wrong methods, request ids, and the request log."""

from __future__ import annotations

import httpx2
import pytest

from pixapi_mcp.sandbox import SandboxState
from tests.conftest import CANARY_KEY
from tests.sandbox.harness import IMAGES, KEY, OTHER, OTHER_AUTH, error_of, generate

pytestmark = pytest.mark.anyio


async def test_health_needs_no_key_and_has_request_id(client: httpx2.AsyncClient) -> None:
    response = await client.get("/health", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/models"),
        ("POST", "/v1/images/generations"),
        ("POST", "/v1/async/videos/generations"),
        ("GET", "/v1/tasks/task_123"),
    ],
)
async def test_missing_or_unknown_key_is_401(
    client: httpx2.AsyncClient, state: SandboxState, method: str, path: str
) -> None:
    body = {"model": "nano-banana", "prompt": "x"} if method == "POST" else None
    for headers in ({"Authorization": ""}, {"Authorization": f"Bearer {CANARY_KEY}"}, {"Authorization": KEY}):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401
        error = error_of(response)
        assert error["type"] == "authentication_error"
        assert "Bearer" in error["message"]
        assert CANARY_KEY not in response.text
    assert state.balance(KEY) == 1000.0
    recorded = [r.key for r in state.requests]
    assert recorded == [None, "<invalid>", "<invalid>"]
    assert CANARY_KEY not in repr(state.requests)


async def test_unknown_paths_and_wrong_methods_answer_json_errors(client: httpx2.AsyncClient) -> None:
    for path in ("/nope", "/v1/images/generate"):
        response = await client.post(path, json={})
        assert response.status_code == 404
        assert response.headers["x-request-id"].startswith("req_")
        error_of(response)
    wrong = await client.get("/v1/images/generations")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    assert "POST" in error_of(wrong)["message"]


async def test_requests_are_recorded_with_fields_status_and_key(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    await generate(client, size="64x64")
    await client.get("/v1/models?x=1", headers=OTHER_AUTH)
    first, second = state.requests
    assert (first.method, first.path, first.key, first.status) == ("POST", IMAGES, KEY, 200)
    assert first.fields == {"model": "nano-banana", "prompt": "a lighthouse at dusk", "size": "64x64"}
    assert first.request_id.startswith("req_")
    assert (second.method, second.path, second.key) == ("GET", "/v1/models?x=1", OTHER)
    await client.get("/_sandbox/requests")
    await client.get("/_sandbox/balance")
    assert len(state.requests) == 2, "admin calls are not recorded"
