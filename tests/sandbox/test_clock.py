"""The manual clock tests move time with."""

from __future__ import annotations

import pytest

from pixapi_mcp.sandbox import ManualClock


def test_manual_clock_only_moves_forward() -> None:
    clock = ManualClock(start=100.0)
    clock.advance(2.5)
    assert clock.now() == 102.5
    with pytest.raises(ValueError):
        clock.advance(-1)
