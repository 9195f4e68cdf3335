"""The app's paid actions: each is a call the server proposes with its estimate, sent through the
host like any other, so the caps and the confirmation hold for it exactly as for a model's call.
Money is judged by the sandbox's own request log, not by what the server says."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable
from typing import Any

import pytest
from mcp.client import Client
from PIL import Image

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import Fault
from tests.app.conftest import MODES, app_client, app_facts
from tests.server_harness import harness, structured, text_of

pytestmark = pytest.mark.anyio

VIDEO_PATH = "/v1/async/videos/generations"


def _action(facts: dict[str, Any], action_id: str) -> dict[str, Any]:
    found = [a for a in facts["actions"] if a["id"] == action_id]
    assert len(found) == 1, facts["actions"]
    return found[0]


async def _send(client: Client, action: dict[str, Any]) -> Any:
    """What the app does on a click: the proposed call, as proposed."""
    return await client.call_tool(action["tool"], action["arguments"])


@pytest.mark.parametrize("mode", MODES)
async def test_animate_this_image_starts_a_video_from_its_url(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    async with harness(make_settings) as h, app_client(h, mode) as client:
        made = await client.call_tool("generate_image", {"prompt": "a fox"})
        animate = _action(app_facts(made), "animate")
        assert animate["tool"] == "create_video"
        assert animate["arguments"]["input_image"] == structured(made)["data"][0]["url"]
        assert animate["estimate"] == h.settings.video_credits_estimate and animate["basis"] == "configured"
        assert "prompt" in animate["editable"]
        video = structured(await _send(client, animate))
    assert video["status"] in ("submitted", "processing", "completed") and video["id"]
    sent = [r for r in h.posts() if r.path == VIDEO_PATH]
    assert len(sent) == 1 and sent[0].fields["input_image"] == animate["arguments"]["input_image"]


async def test_a_variation_repeats_the_request_but_never_its_confirmation(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings) as h, app_client(h) as client:
        made = await client.call_tool(
            "generate_image", {"prompt": "a fox", "n": 2, "size": "512x512", "max_credits": 4, "wait_s": 30}
        )
        variation = _action(app_facts(made), "variation")
        # max_credits confirmed that call only; waits are the caller's business.
        assert {"max_credits", "wait_s", "sync"}.isdisjoint(variation["arguments"])
        assert variation["arguments"]["n"] == 2 and variation["arguments"]["size"] == "512x512"
        assert variation["estimate"] == 4 and variation["asks_first"] is False
        again = structured(await _send(client, variation))
    assert again["status"] == "completed" and len(again["data"]) == 2
    bodies = [r.fields for r in h.posts()]
    assert len(bodies) == 2 and bodies[0] == bodies[1]


async def test_a_costly_action_is_asked_about_by_the_server_not_confirmed_by_the_app(
    make_settings: Callable[..., Settings],
) -> None:
    """Above the confirmation threshold the proposal says the server will ask; a host that cannot
    ask gets the refusal, and nothing is sent."""
    async with (
        harness(make_settings, env={"PIXAPI_CONFIRM_ABOVE_CREDITS": "10"}) as h,
        app_client(h) as client,
    ):
        made = await client.call_tool("generate_image", {"prompt": "a fox"})
        animate = _action(app_facts(made), "animate")
        assert animate["asks_first"] is True and "max_credits" not in animate["arguments"]
        before = len(h.posts())
        refused = await _send(client, animate)
    assert refused.is_error and "max_credits" in text_of(refused)
    assert len(h.posts()) == before


async def test_the_session_cap_holds_for_the_apps_actions(make_settings: Callable[..., Settings]) -> None:
    async with (
        harness(make_settings, env={"PIXAPI_MAX_CREDITS_PER_SESSION": "3"}) as h,
        app_client(h) as client,
    ):
        made = await client.call_tool("generate_image", {"prompt": "a fox"})
        before = h.sandbox.balance(SANDBOX_KEY)
        refused = await _send(client, _action(app_facts(made), "variation"))
    assert refused.is_error and "category: credit_cap" in text_of(refused)
    assert len(h.posts()) == 1 and h.sandbox.balance(SANDBOX_KEY) == before


async def test_a_failed_task_offers_a_retry_that_sends_it_again(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings) as h, app_client(h) as client:
        h.sandbox.inject(Fault(kind="task_fail", path_prefix="/v1/async/"), times=1)
        failed = await client.call_tool("generate_image", {"prompt": "a fox", "size": "512x512"})
        assert failed.is_error and "task_failed" in text_of(failed)
        retry = _action(app_facts(failed), "retry")
        assert retry["arguments"]["prompt"] == "a fox" and retry["arguments"]["size"] == "512x512"
        again = structured(await _send(client, retry))
    assert again["status"] == "completed"
    assert len(h.posts()) == 2


async def test_a_read_only_server_offers_no_paid_action(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h:
        async with app_client(h) as client:
            made = await client.call_tool("generate_image", {"prompt": "a fox"})
            assert app_facts(made)["actions"]
        h.settings = h.settings.model_copy(update={"read_only": True})
        async with app_client(h) as client:
            history = await client.call_tool("list_tasks", {})
            task = await client.call_tool("get_task", {"task_id": structured(made)["id"]})
    for result in (history, task):
        facts = app_facts(result)
        assert facts["readOnly"] is True
    assert app_facts(task)["actions"] == []
    rows = app_facts(history)["rows"]
    assert rows and all(row["actions"] == [] for row in rows.values())
    # The previews are still there: read-only hides spending, not the work.
    assert all(row["outputs"] for row in rows.values())


def _png_data_uri(side: int, noisy: bool) -> str:
    image = (
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        if noisy
        else Image.new("RGB", (side, side), "teal")
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


async def test_an_edit_variation_carries_its_inputs_unless_they_are_large(
    make_settings: Callable[..., Settings],
) -> None:
    small, large = _png_data_uri(16, noisy=False), _png_data_uri(96, noisy=True)
    async with harness(make_settings) as h, app_client(h) as client:
        edited = await client.call_tool("edit_image", {"prompt": "make it blue", "image": small})
        variation = _action(app_facts(edited), "variation")
        assert variation["tool"] == "edit_image" and variation["arguments"]["image"] == small
        big = await client.call_tool("edit_image", {"prompt": "make it blue", "image": large})
        assert [a["id"] for a in app_facts(big)["actions"]] == ["animate"]
        # Sent through the host, the repeat uploads the same input again.
        await _send(client, variation)
    parts = [r.image_parts for r in h.posts()]
    assert parts == [1, 1, 1]
