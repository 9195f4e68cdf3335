"""The polling policy: bounded delays that follow the task, kept across an agent's get_task loop."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import SandboxConfig
from pixapi_mcp.tools import MAX_POLL_INTERVAL_S, MIN_POLL_INTERVAL_S, next_poll_delay
from tests.server_harness import harness, structured

pytestmark = pytest.mark.anyio


def test_poll_policy_is_bounded_and_follows_the_task() -> None:
    for age in (0.0, 1.0, 30.0, 1e6):
        for progress in (0, 1, 50, 99, 100):
            for polls in (0, 1, 10, 100):
                assert MIN_POLL_INTERVAL_S <= next_poll_delay(age, progress, polls) <= MAX_POLL_INTERVAL_S
    # Without progress: back off with the task's age. With progress: aim at half the time left.
    assert next_poll_delay(4.0, 0, 1) < next_poll_delay(40.0, 0, 1)
    assert next_poll_delay(10.0, 50, 1) == 5.0
    assert next_poll_delay(10.0, 95, 1) < next_poll_delay(10.0, 20, 1)


async def test_agent_loop_keeps_the_polling_pace_across_calls(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings, SandboxConfig(video_task_seconds=600.0)) as h, h.client() as client:
        handle = structured(await client.call_tool("create_video", {"prompt": "long", "wait_s": 0}))
        delays = [handle["poll_after_s"]]
        for _ in range(5):
            await h.timer.sleep(delays[-1])  # the agent waits as told, then looks once
            out = structured(await client.call_tool("get_task", {"task_id": handle["id"], "wait_s": 0}))
            delays.append(out["poll_after_s"])
        assert delays == sorted(delays) and delays[-1] == 10.0
