"""Cost guardrails: estimates reported, caps enforced, costly calls confirmed by the user through
MCP elicitation, and hosts that cannot elicit told exactly how to confirm."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp_types import ElicitRequestParams, ElicitResult

from pixapi_mcp.config import Settings
from tests.server_harness import harness, structured, text_of

pytestmark = pytest.mark.anyio

COSTLY = {"prompt": "campaign", "model": "nano-banana-pro", "n": 3}  # 3 x 8 = 24 credits > 20


class Answering:
    """An elicitation callback that records questions and answers with a fixed action."""

    def __init__(self, action: str, confirm: bool = True) -> None:
        self.action = action
        self.confirm = confirm
        self.asked: list[str] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params.message)
        content = {"confirm": self.confirm} if self.action == "accept" else None
        return ElicitResult(action=self.action, content=content)  # pyright: ignore[reportArgumentType]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_cheap_calls_are_not_asked_and_report_credits(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    ask = Answering("accept")
    async with harness(make_settings) as h, h.client(mode, elicitation=ask) as client:
        first = structured(await client.call_tool("generate_image", {"prompt": "icon"}))
        second = structured(await client.call_tool("generate_image", {"prompt": "icon", "n": 2}))
    assert ask.asked == []
    assert first["credits"]["estimate"] == 2.0 and first["credits"]["session_total"] == 2.0
    assert second["credits"]["estimate"] == 4.0 and second["credits"]["session_total"] == 6.0


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_costly_call_asks_and_proceeds_when_confirmed(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    ask = Answering("accept")
    async with harness(make_settings) as h, h.client(mode, elicitation=ask) as client:
        out = structured(await client.call_tool("generate_image", COSTLY))
        assert len(h.posts()) == 1
    assert len(ask.asked) == 1 and "24 credits" in ask.asked[0]
    assert out["credits"]["estimate"] == 24.0 and len(out["data"]) == 3


@pytest.mark.parametrize(("action", "confirm"), [("accept", False), ("decline", True), ("cancel", True)])
async def test_costly_call_refused_unless_confirmed(
    make_settings: Callable[..., Settings], action: str, confirm: bool
) -> None:
    ask = Answering(action, confirm)
    async with harness(make_settings) as h, h.client("legacy", elicitation=ask) as client:
        result = await client.call_tool("generate_image", COSTLY)
        assert result.is_error and "category: declined" in text_of(result)
        assert h.posts() == []


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_host_without_elicitation_is_told_how_to_confirm(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    async with harness(make_settings) as h, h.client(mode) as client:
        refused = await client.call_tool("generate_image", COSTLY)
        text = text_of(refused)
        assert refused.is_error and "category: confirmation_required" in text and "max_credits=24" in text
        assert h.posts() == []
        too_low = await client.call_tool("generate_image", {**COSTLY, "max_credits": 10})
        assert too_low.is_error and h.posts() == []
        out = structured(await client.call_tool("generate_image", {**COSTLY, "max_credits": 24}))
        assert out["status"] == "completed" and len(h.posts()) == 1


async def test_per_call_cap_refuses_without_asking(make_settings: Callable[..., Settings]) -> None:
    ask = Answering("accept")
    env = {"PIXAPI_MAX_CREDITS_PER_CALL": "10"}
    async with harness(make_settings, env=env) as h, h.client(elicitation=ask) as client:
        result = await client.call_tool("generate_image", {"prompt": "p", "n": 6})  # 12 credits
        assert result.is_error and "PIXAPI_MAX_CREDITS_PER_CALL=10" in text_of(result)
        assert "category: credit_cap" in text_of(result)
        # max_credits cannot lift a cap.
        result = await client.call_tool("generate_image", {"prompt": "p", "n": 6, "max_credits": 100})
        assert result.is_error and h.posts() == [] and ask.asked == []


async def test_session_cap_counts_what_was_sent(make_settings: Callable[..., Settings]) -> None:
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "5"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        structured(await client.call_tool("generate_image", {"prompt": "a"}))
        structured(await client.call_tool("generate_image", {"prompt": "b"}))
        third = await client.call_tool("generate_image", {"prompt": "c"})
        assert third.is_error and "PIXAPI_MAX_CREDITS_PER_SESSION=5" in text_of(third)
        assert len(h.posts()) == 2


async def test_video_has_the_configured_estimate_marked_as_such(
    make_settings: Callable[..., Settings],
) -> None:
    env = {"PIXAPI_VIDEO_CREDITS_ESTIMATE": "12"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        pending = await client.call_tool("create_video", {"prompt": "waves", "wait_s": 0})
        out = structured(pending)
        assert len(h.posts()) == 1
    credits = out["credits"]
    assert (credits["estimate"], credits["held"], credits["session_total"]) == (12.0, 12.0, 12.0)
    assert credits["basis"] == "configured" and "not from Pixapi's docs" in credits["note"]
    assert "PIXAPI_VIDEO_CREDITS_ESTIMATE" in text_of(pending)
