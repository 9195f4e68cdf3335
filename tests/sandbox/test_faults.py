"""Faults: their validation, JSON form and the ``X-Sandbox-Fault`` header syntax (what they do to
requests is tested through the app in test_submissions.py)."""

from __future__ import annotations

import pytest

from pixapi_mcp.sandbox import Fault, FaultError
from pixapi_mcp.sandbox.faults import parse_fault_header


def test_fault_validation_and_header_parsing() -> None:
    assert parse_fault_header("latency=0.5") == Fault("latency", path_prefix="/", seconds=0.5)
    assert parse_fault_header("status=429; retry_after=2").retry_after == 2.0
    assert parse_fault_header("large_output=3").size_mb == 3.0
    assert parse_fault_header(" drop_connection ").kind == "drop_connection"
    for bad in ({"kind": "nope"}, {"kind": "status", "status": 200}, {"kind": "latency", "seconds": -1}):
        with pytest.raises(FaultError):
            Fault.from_json(bad)
    with pytest.raises(FaultError, match="unknown fault field"):
        Fault.from_json({"kind": "latency", "secs": 1})
    assert Fault.from_json(Fault("status", status=502).to_json()) == Fault("status", status=502)
