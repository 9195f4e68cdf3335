"""Failures reach the model as ToolErrors that name the category, retryability, request id and fix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from tests.server_harness import harness, structured, text_of

pytestmark = pytest.mark.anyio


MISUSES: list[tuple[str, dict[str, Any], str]] = [
    ("generate_image", {"prompt": "p", "model": "veo"}, "video-model-on-image-endpoint"),
    ("create_video", {"prompt": "p", "model": "nano-banana"}, "image-model-on-video-endpoint"),
    ("generate_image", {"prompt": "p", "controls": {"async": True}}, "async-endpoint"),
    ("create_video", {"prompt": "p", "controls": {"seconds": 5}}, "duration-field"),
    ("create_video", {"prompt": "p", "controls": {"image_url": "https://x.test/a.png"}}, "input-image-field"),
    ("generate_image", {"prompt": "p", "model": "nano-bananna"}, "unknown-model"),
    ("generate_image", {"prompt": "p", "controls": {"quality": "ultra"}}, "quality-value"),
    ("generate_image", {"prompt": "p", "size": "big"}, "size"),
    ("generate_image", {"prompt": "p", "n": 0}, "n"),
    ("generate_image", {"prompt": "p", "quality": "ultra"}, "quality"),
    ("generate_image", {"prompt": "p", "response_format": "png"}, "response_format"),
    ("generate_image", {"prompt": ""}, "prompt"),
    ("create_video", {"prompt": "p", "input_image": "/tmp/local.png"}, "input-image-url"),
    ("create_video", {"prompt": "p", "duration": -3}, "duration"),
]


@pytest.mark.parametrize(("tool", "args", "expect"), MISUSES, ids=[m[2] + ":" + m[0] for m in MISUSES])
async def test_misuse_is_actionable_and_sends_nothing(
    make_settings: Callable[..., Settings], tool: str, args: dict[str, Any], expect: str
) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool(tool, args)
        assert result.is_error
        text = text_of(result)
        assert expect in text
        assert "retryable: no" in text or "validation error" in text.lower()
        assert h.posts() == []


async def test_did_you_mean_for_unknown_model(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool("generate_image", {"prompt": "p", "model": "nano-bananna"})
        assert "Did you mean `nano-banana`" in text_of(result)
        assert h.posts() == []


async def test_api_error_maps_to_tool_error_with_request_id(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        h.sandbox.set_balance(SANDBOX_KEY, 1.0)
        result = await client.call_tool("generate_image", {"prompt": "p", "model": "nano-banana-pro"})
        assert result.is_error
        text = text_of(result)
        assert "category: credits" in text and "retryable: no" in text and "request_id: req_" in text
        rows = structured(await client.call_tool("list_tasks", {}))["tasks"]
        assert rows[0]["status"] == "rejected"
