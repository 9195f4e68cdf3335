"""Settings to a client in one place: the configured timeouts are what requests really carry, through
``PixapiClient.from_settings``, the server's lifespan and ``doctor``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest
from mcp.client import Client

from pixapi_mcp.client import PixapiClient, open_client
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.doctor import _api_checks  # pyright: ignore[reportPrivateUsage]
from pixapi_mcp.server import build_server
from tests.client.recording import BASE, CDN, MODELS, PNG, Recorder, ok
from tests.conftest import CANARY_KEY


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


TIMEOUT_ENV = {"PIXAPI_CONNECT_TIMEOUT_S": "2.5", "PIXAPI_REQUEST_TIMEOUT_S": "7"}
CONFIGURED = {"connect": 2.5, "read": 7.0, "write": 7.0, "pool": 7.0}
# An injected pool with other defaults: the configured values must still win on every request.
POOL_DEFAULT = httpx2.Timeout(99.0, connect=98.0)


class Api:
    """A recording MockTransport handler: the model list for the API, PNG bytes for any file."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.url.path == "/v1/models":
            return ok(MODELS)
        return httpx2.Response(200, content=PNG, headers={"content-type": "image/png"})

    def timeouts(self) -> list[dict[str, float]]:
        return [r.extensions["timeout"] for r in self.requests]


@pytest.mark.anyio
async def test_open_client_over_its_own_pool_carries_the_configured_timeouts(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    api = Api()
    settings = make_settings({"PIXAPI_KEY": CANARY_KEY, **TIMEOUT_ENV}, base_url=BASE)
    async with open_client(settings, transport=httpx2.MockTransport(api)) as client:
        await client.list_models()
        await client.download(f"{CDN}/a.png", tmp_path / "a.png", max_bytes=10_000)
        await client.downloader.fetch_bytes(f"{CDN}/b.png", max_bytes=10_000)
    assert api.timeouts() == [CONFIGURED] * 3
    assert [r.headers.get("authorization") for r in api.requests] == [f"Bearer {CANARY_KEY}", None, None]


@pytest.mark.anyio
async def test_server_requests_carry_the_configured_timeouts(make_settings: Callable[..., Settings]) -> None:
    api = Api()
    settings = make_settings({"PIXAPI_KEY": CANARY_KEY, **TIMEOUT_ENV}, base_url=BASE)
    async with (
        httpx2.AsyncClient(transport=httpx2.MockTransport(api), timeout=POOL_DEFAULT) as http,
        Client(build_server(settings, http)) as mcp,
    ):
        result = await mcp.call_tool("list_models", {})
    assert not result.is_error
    assert [str(r.url) for r in api.requests] == [f"{BASE}/v1/models"]
    assert api.timeouts() == [CONFIGURED]


@pytest.mark.anyio
async def test_server_in_sandbox_mode_sends_the_sandbox_key_with_the_configured_timeouts(
    make_settings: Callable[..., Settings],
) -> None:
    api = Api()
    settings = make_settings(TIMEOUT_ENV, base_url=BASE, sandbox=True)
    assert settings.api_key is None
    async with (
        httpx2.AsyncClient(transport=httpx2.MockTransport(api), timeout=POOL_DEFAULT) as http,
        Client(build_server(settings, http)) as mcp,
    ):
        result = await mcp.call_tool("list_models", {})
    assert not result.is_error
    (sent,) = api.requests
    assert sent.headers["authorization"] == f"Bearer {SANDBOX_KEY}"
    assert sent.extensions["timeout"] == CONFIGURED


@pytest.mark.parametrize("key", [CANARY_KEY, None])
@pytest.mark.anyio
async def test_doctor_requests_carry_the_configured_timeouts(
    make_settings: Callable[..., Settings], key: str | None
) -> None:
    api = Api()
    env = {**TIMEOUT_ENV, **({"PIXAPI_KEY": key} if key else {})}
    settings = make_settings(env, base_url=BASE)
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(api), timeout=POOL_DEFAULT) as http:
        checks = await _api_checks(settings, http)
    (sent,) = api.requests  # doctor never retries: one free GET
    assert (sent.method, str(sent.url)) == ("GET", f"{BASE}/v1/models")
    assert sent.extensions["timeout"] == CONFIGURED
    assert {c.name: c.level for c in checks}["reachability"] == "ok"
    # Without a key, a probe key (never a real one) shows whether the API answers.
    assert sent.headers["authorization"] == (f"Bearer {key}" if key else "Bearer sk-doctor-no-key")
