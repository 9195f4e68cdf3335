"""Spend confirmation never waits without bound: a client that declares elicitation and never
answers, one that answers with an error, one that declines, one that accepts. Nothing is sent
unless the user said yes (counted in the sandbox's request log), and every call returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import ElicitRequestParams, ElicitResult, ErrorData

from pixapi_mcp.config import Settings
from tests.server_harness import harness, structured, text_of
from tests.tools.test_money import Answering, error_text, sent, spent

pytestmark = pytest.mark.anyio

CALLS = [
    ("generate_image", {"prompt": "p", "model": "nano-banana-pro", "n": 3}, 24),
    ("create_video", {"prompt": "waves"}, 20),
]
# The video estimate (20) is above this threshold, so both calls ask.
ENV = {"PIXAPI_CONFIRM_ABOVE_CREDITS": "15"}


class NeverAnswers:
    """Declares elicitation, receives the question, and never answers it."""

    def __init__(self) -> None:
        self.asked = anyio.Event()

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


@pytest.mark.parametrize(("tool", "args", "estimate"), CALLS)
async def test_legacy_client_that_never_answers_gets_an_answer_within_the_bound(
    make_settings: Callable[..., Settings], tool: str, args: dict[str, Any], estimate: int
) -> None:
    never = NeverAnswers()
    env = {**ENV, "PIXAPI_CONFIRM_TIMEOUT_S": "0.2"}
    async with harness(make_settings, env=env) as h, h.client("legacy", elicitation=never) as client:
        with anyio.fail_after(10):
            text = error_text(await client.call_tool(tool, args))
        assert never.asked.is_set()
        assert "not answered within PIXAPI_CONFIRM_TIMEOUT_S=0.2 s" in text and "Nothing was sent" in text
        assert "category: confirmation_required" in text and f"call again with max_credits={estimate}" in text
        assert sent(h) == [] and spent(h) == 0
        # The documented way on: the user agreed in the chat, the model confirms with max_credits.
        with anyio.fail_after(10):
            out = structured(await client.call_tool(tool, {**args, "max_credits": estimate}))
        assert out["status"] == "completed" and len(sent(h)) == 1


async def test_new_protocol_client_that_never_answers_holds_the_question_not_the_server(
    make_settings: Callable[..., Settings],
) -> None:
    """On 2026-07-28 the question rides the call's InputRequiredResult: the server has answered
    before the client shows it, so the server holds nothing while nobody answers."""
    never = NeverAnswers()
    async with harness(make_settings, env=ENV) as h, h.client("auto", elicitation=never) as client:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.call_tool, *CALLS[0][:2])
                await never.asked.wait()
                tg.cancel_scope.cancel()
        assert sent(h) == [] and spent(h) == 0


async def _error_answer(context: Any, params: ElicitRequestParams) -> ErrorData:
    return ErrorData(code=-32603, message="the dialog could not be shown")


async def _raising_answer(context: Any, params: ElicitRequestParams) -> ElicitResult:
    raise RuntimeError("the host's dialog crashed")


@pytest.mark.parametrize("answer", [_error_answer, _raising_answer], ids=["error", "raises"])
@pytest.mark.parametrize(("tool", "args", "estimate"), CALLS)
async def test_legacy_client_that_answers_with_an_error_falls_back_to_max_credits(
    make_settings: Callable[..., Settings], answer: Any, tool: str, args: dict[str, Any], estimate: int
) -> None:
    async with harness(make_settings, env=ENV) as h, h.client("legacy", elicitation=answer) as client:
        with anyio.fail_after(10):
            text = error_text(await client.call_tool(tool, args))
        assert "answered the confirmation request with an error" in text and "-32601" not in text
        assert "category: confirmation_required" in text and f"max_credits={estimate}" in text
        assert sent(h) == []
        out = structured(await client.call_tool(tool, {**args, "max_credits": estimate}))
        assert out["status"] == "completed" and len(sent(h)) == 1


async def test_new_protocol_client_that_answers_with_an_error_sends_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings, env=ENV) as h, h.client("auto", elicitation=_error_answer) as client:
        with anyio.fail_after(10), pytest.raises(MCPError):
            await client.call_tool(*CALLS[0][:2])
        assert sent(h) == []


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(("tool", "args", "estimate"), CALLS)
async def test_decline_and_accept(
    make_settings: Callable[..., Settings], mode: str, tool: str, args: dict[str, Any], estimate: int
) -> None:
    no, yes = Answering("decline"), Answering("accept")
    async with harness(make_settings, env=ENV) as h:
        async with h.client(mode, elicitation=no) as client:
            assert "category: declined" in error_text(await client.call_tool(tool, args))
            assert sent(h) == []
        async with h.client(mode, elicitation=yes) as client:
            out = structured(await client.call_tool(tool, args))
            assert out["status"] == "completed" and len(sent(h)) == 1
    assert f"{estimate} credits" in no.asked[0] and f"{estimate} credits" in yes.asked[0]


async def test_time_spent_confirming_counts_against_the_deadline(
    make_settings: Callable[..., Settings],
) -> None:
    """A person who took 40 s to say yes leaves the call no time to wait for the video (deadline
    45 s): it is sent and handed back as a task at once, not after another 37 s."""
    async with harness(make_settings, env=ENV) as h:

        async def slow_yes(context: Any, params: ElicitRequestParams) -> ElicitResult:
            h.timer.clock.advance(40)
            return ElicitResult(action="accept", content={"confirm": True})

        async with h.client("legacy", elicitation=slow_yes) as client:
            result = await client.call_tool("create_video", {"prompt": "waves"})
            out = structured(result)
        assert out["status"] != "completed" and out["id"] and len(sent(h)) == 1
        assert h.timer.slept == [], text_of(result)
