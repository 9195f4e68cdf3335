"""Shared fixtures. Tests run on asyncio through anyio's own pytest plugin (``@pytest.mark.anyio``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pixapi_mcp.config import Settings
from tests.pg_server import pg_url, postgres  # noqa: F401  (fixtures: a throwaway PostgreSQL)

# A key that must never show up anywhere a user or a model could read it.
CANARY_KEY = "sk-canary-7f3a9c1e5b2d4086"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings over an explicit environment whose folders all live under ``tmp_path``."""

    def make(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        base = {
            "HOME": str(tmp_path / "home"),
            "PIXAPI_DATA_DIR": str(tmp_path / "data"),
            "PIXAPI_CACHE_DIR": str(tmp_path / "cache"),
            "PIXAPI_OUTPUT_DIR": str(tmp_path / "out"),
        }
        base.update(env or {})
        return Settings.from_env(base, **overrides)

    return make


# -- the canary sweep runs last ---------------------------------------------------------------

# Marks tests that search the files every other test left behind (tests/test_canary_sweep.py).
CANARY_SWEEP = "canary_sweep"


@pytest.hookimpl(trylast=True)  # after any other reordering: the sweep's place is final
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the canary sweep after every other test, whatever the file names and order."""
    sweep = [item for item in items if item.get_closest_marker(CANARY_SWEEP)]
    if sweep:
        items[:] = [item for item in items if not item.get_closest_marker(CANARY_SWEEP)] + sweep


# -- suite counts, printed at the end of the run (.ci/run shows them) ---------------------------

_COUNTS: dict[str, int] = {}


@pytest.fixture(scope="session")
def suite_counts() -> dict[str, int]:
    """Suites add what they tried (``suite_counts["fuzz: tool calls"] += n``); printed at the end."""
    return _COUNTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _COUNTS:
        terminalreporter.section("suite counts")
        for name, value in sorted(_COUNTS.items()):
            terminalreporter.write_line(f"{name}: {value}")
