"""Wiring in ``server``: settings reach the in-process sandbox that ``serve --sandbox`` talks to."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest
from mcp.client import Client

from pixapi_mcp.config import Settings
from pixapi_mcp.server import build_server
from tests.server_harness import structured

pytestmark = pytest.mark.anyio


async def test_sandbox_task_durations_reach_the_in_process_sandbox(
    make_settings: Callable[..., Settings],
) -> None:
    """No injected client: the server builds its own sandbox. A 0 s video task is done at the first
    poll, well inside wait_s=1 (the default 8 s would not be); an hour-long image task is still
    running."""
    settings = make_settings(
        {"PIXAPI_SANDBOX_IMAGE_TASK_S": "3600", "PIXAPI_SANDBOX_VIDEO_TASK_S": "0"}, sandbox=True
    )
    with anyio.fail_after(30):
        async with Client(build_server(settings)) as client:
            video = structured(await client.call_tool("create_video", {"prompt": "waves", "wait_s": 1}))
            assert video["status"] == "completed" and video["result"]["data"][0]["path"]
            image = structured(
                await client.call_tool("generate_image", {"prompt": "a fox", "size": "64x64", "wait_s": 0})
            )
            assert image["status"] in ("submitted", "processing")
            again = structured(await client.call_tool("get_task", {"task_id": image["id"], "wait_s": 0}))
            assert again["status"] == "processing" and again["progress"] == 1  # the floor of a running task
