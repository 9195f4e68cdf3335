"""Fixtures of the in-process sandbox tests: a manual clock, two keys, the app, its state and a
client that sends the first key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from pixapi_mcp.sandbox import ManualClock, SandboxConfig, SandboxState, create_app
from tests.sandbox.harness import AUTH, BASE, KEY, OTHER, state_of


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def config(clock: ManualClock) -> SandboxConfig:
    return SandboxConfig(keys={KEY: 1000.0, OTHER: 50.0}, clock=clock)


@pytest.fixture
def app(config: SandboxConfig) -> Any:
    return create_app(config)


@pytest.fixture
def state(app: Any) -> SandboxState:
    return state_of(app)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE, headers=AUTH) as http:
        yield http
