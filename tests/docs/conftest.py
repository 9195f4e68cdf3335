"""Fixtures of the docs tests: settings under tmp_path, a server with only the docs registered,
and the bundle and its search index (read once per module)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp.server import MCPServer

from pixapi_mcp.config import Settings
from pixapi_mcp.docs import DocsBundle, SearchIndex
from pixapi_mcp.docs.server import register_docs


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def server(settings: Settings) -> MCPServer[Any]:
    mcp: MCPServer[Any] = MCPServer("test")
    register_docs(mcp, settings)
    return mcp


@pytest.fixture(scope="module")
def bundle() -> DocsBundle:
    return DocsBundle()


@pytest.fixture(scope="module")
def index(bundle: DocsBundle) -> SearchIndex:
    return SearchIndex(bundle)
