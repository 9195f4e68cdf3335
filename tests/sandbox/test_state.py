"""The sandbox's state on its own: the default key and the bounded output store."""

from __future__ import annotations

from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import DEFAULT_KEY, SandboxConfig
from pixapi_mcp.sandbox.state import OutputStore


def test_the_default_key_is_the_documented_one_from_contract() -> None:
    assert DEFAULT_KEY == SANDBOX_KEY == "sk-sandbox"  # README and DESIGN name it
    assert SandboxConfig().keys == {SANDBOX_KEY: 1000.0}


def test_output_store_is_bounded_least_recently_used_first() -> None:
    store = OutputStore(max_bytes=1000)
    store.put("a.png", b"a" * 400, "image/png")
    store.put("b.png", b"b" * 400, "image/png")
    assert store.get("a.png") is not None  # a is now the most recently used
    store.put("c.png", b"c" * 400, "image/png")
    assert store.get("b.png") is None
    assert store.get("a.png") is not None and store.get("c.png") is not None
    assert store.total_bytes == 800
    store.put("huge.png", b"h" * 5000, "image/png")
    assert store.get("huge.png") is not None and len(store) == 1
