"""The ``make`` fixture: a factory of clients over recording transports, closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.client.recording import Factory


@pytest.fixture
async def make() -> AsyncIterator[Factory]:
    factory = Factory()
    yield factory
    await factory.aclose()
