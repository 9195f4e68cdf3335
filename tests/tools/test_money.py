"""The money table: every cap and confirmation, for images and for video, judged by the sandbox's
own balance and request log (what was sent and charged), not by what the server says of itself.

Sandbox prices: images at the catalog's price per image (nano-banana 2, nano-banana-pro 8), veo
10 per video (a sandbox-only figure); the server's video estimate is PIXAPI_VIDEO_CREDITS_ESTIMATE.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp_types import ElicitRequestParams, ElicitResult

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SUBMIT_ENDPOINTS
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, create_app
from tests.server_harness import SANDBOX_URL, Harness, SharedTimer, harness, structured, text_of

pytestmark = pytest.mark.anyio

KEY = "sk-sandbox"
START = 1000.0  # the sandbox key's starting credits
SUBMIT_PATHS = frozenset(e.value for e in SUBMIT_ENDPOINTS)


def spent(h: Harness) -> float:
    """Credits the sandbox charged, from its own balance."""
    return START - h.sandbox.balance(KEY)


def sent(h: Harness) -> list[Any]:
    """Paid requests the sandbox received, from its own request log."""
    return [r for r in h.sandbox.requests if r.method == "POST" and r.path in SUBMIT_PATHS]


class Answering:
    """An elicitation callback that records the questions and answers with a fixed action."""

    def __init__(self, action: str = "accept", confirm: bool = True) -> None:
        self.action = action
        self.confirm = confirm
        self.asked: list[str] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params.message)
        content = {"confirm": self.confirm} if self.action == "accept" else None
        return ElicitResult(action=self.action, content=content)  # pyright: ignore[reportArgumentType]


class LiveDiffers(httpx2.AsyncBaseTransport):
    """The sandbox, whose ``GET /v1/models`` also lists ``extra`` models (as a live account whose
    list is ahead of the docs would; the sandbox itself serves none of them), and whose
    synchronous image answers carry ``credits_cost=sync_cost`` when given."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, extra: list[str], sync_cost: float | None) -> None:
        self.inner = inner
        self.extra = extra
        self.sync_cost = sync_cost

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        path = request.url.path
        if request.method == "GET" and path == "/v1/models":
            body = json.loads(await response.aread())
            body["data"] += [{"id": m, "object": "model"} for m in self.extra]
            return httpx2.Response(200, json=body)
        if self.sync_cost is not None and path == "/v1/images/generations" and response.status_code == 200:
            body = json.loads(await response.aread())
            return httpx2.Response(200, json={**body, "credits_cost": self.sync_cost})
        return response


@asynccontextmanager
async def live_listing(
    make_settings: Callable[..., Settings],
    extra: list[str],
    env: dict[str, str] | None = None,
    sync_cost: float | None = None,
) -> AsyncIterator[Harness]:
    """A harness over the sandbox whose live model list names ``extra`` models too."""
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock))
    settings = make_settings({"PIXAPI_KEY": KEY, "PIXAPI_BASE_URL": SANDBOX_URL, **(env or {})}, sandbox=True)
    transport = LiveDiffers(httpx2.ASGITransport(app=app), extra, sync_cost)
    async with httpx2.AsyncClient(transport=transport, base_url=SANDBOX_URL) as http:
        yield Harness(settings, app.state.sandbox, SharedTimer(clock), http)


def error_text(result: Any) -> str:
    assert result.is_error, text_of(result)
    return text_of(result)


# -- confirmation threshold --------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(
    ("tool", "args", "estimate", "charged"),
    [
        ("generate_image", {"prompt": "p", "model": "nano-banana-pro", "n": 3}, 24.0, 24.0),
        ("create_video", {"prompt": "waves", "model": "veo"}, 30.0, 10.0),
    ],
)
async def test_above_threshold_asks_and_counts_the_charge(
    make_settings: Callable[..., Settings],
    mode: str,
    tool: str,
    args: dict[str, Any],
    estimate: float,
    charged: float,
) -> None:
    ask = Answering("accept")
    env = {"PIXAPI_VIDEO_CREDITS_ESTIMATE": "30"}
    async with harness(make_settings, env=env) as h, h.client(mode, elicitation=ask) as client:
        out = structured(await client.call_tool(tool, args))
        assert len(sent(h)) == 1 and spent(h) == charged
    assert len(ask.asked) == 1 and f"{estimate:g} credits" in ask.asked[0]
    credits = out["credits"]
    assert (credits["estimate"], credits["charged"], credits["session_total"]) == (estimate, charged, charged)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("action", ["decline", "cancel", "reject"])
@pytest.mark.parametrize(
    "call",
    [
        ("generate_image", {"prompt": "p", "model": "nano-banana-pro", "n": 3}),
        ("create_video", {"prompt": "waves"}),
    ],
)
async def test_not_confirmed_sends_nothing(
    make_settings: Callable[..., Settings], mode: str, action: str, call: tuple[str, dict[str, Any]]
) -> None:
    ask = Answering("accept", confirm=False) if action == "reject" else Answering(action)
    env = {"PIXAPI_CONFIRM_ABOVE_CREDITS": "15"}  # the video estimate (20) is above it
    async with harness(make_settings, env=env) as h, h.client(mode, elicitation=ask) as client:
        assert "category: declined" in error_text(await client.call_tool(*call))
        assert sent(h) == [] and spent(h) == 0
    assert len(ask.asked) == 1


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(
    ("tool", "args", "estimate"),
    [
        ("generate_image", {"prompt": "p", "model": "nano-banana-pro", "n": 3}, 24),
        ("edit_image", {"prompt": "p", "image": "", "model": "nano-banana-pro", "n": 3}, 24),
        ("create_video", {"prompt": "waves"}, 20),
    ],
)
async def test_host_without_dialog_confirms_with_max_credits(
    make_settings: Callable[..., Settings], mode: str, tool: str, args: dict[str, Any], estimate: int
) -> None:
    env = {"PIXAPI_CONFIRM_ABOVE_CREDITS": "15"}
    async with harness(make_settings, env=env) as h, h.client(mode) as client:
        if tool == "edit_image":
            made = structured(await client.call_tool("generate_image", {"prompt": "source"}))
            args = {**args, "image": made["data"][0]["url"]}
        before, charged_before = len(sent(h)), spent(h)
        text = error_text(await client.call_tool(tool, args))
        assert "category: confirmation_required" in text and f"max_credits={estimate}" in text
        assert len(sent(h)) == before and spent(h) == charged_before
        out = structured(await client.call_tool(tool, {**args, "max_credits": estimate}))
        assert out["status"] == "completed" and len(sent(h)) == before + 1
        assert out["credits"]["max_credits"] == estimate


# -- n wherever it was given -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("n", [3, "3", 3.0])
async def test_n_in_controls_is_counted(make_settings: Callable[..., Settings], mode: str, n: Any) -> None:
    """``n`` inside ``controls`` reaches the API; the estimate, the question and the caps count it."""
    ask = Answering("accept")
    args = {"prompt": "p", "model": "nano-banana-pro", "controls": {"n": n}}
    async with harness(make_settings) as h, h.client(mode, elicitation=ask) as client:
        out = structured(await client.call_tool("generate_image", args))
        assert spent(h) == 24 and len(out["data"]) == 3  # the sandbox made and charged three
    assert len(ask.asked) == 1 and "24 credits" in ask.asked[0]
    assert out["credits"]["estimate"] == 24


async def test_n_in_controls_meets_the_per_call_cap(make_settings: Callable[..., Settings]) -> None:
    env = {"PIXAPI_MAX_CREDITS_PER_CALL": "10"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        text = error_text(await client.call_tool("generate_image", {"prompt": "p", "controls": {"n": 6}}))
        assert "12 credits" in text and "PIXAPI_MAX_CREDITS_PER_CALL=10" in text
        assert sent(h) == [] and spent(h) == 0


# -- max_credits, the caller's ceiling ---------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "args", "estimate"),
    [
        ("generate_image", {"prompt": "p", "n": 4}, 8),
        ("create_video", {"prompt": "waves"}, 20),
    ],
)
async def test_estimate_above_max_credits_is_refused_before_sending(
    make_settings: Callable[..., Settings], tool: str, args: dict[str, Any], estimate: int
) -> None:
    ask = Answering("accept")
    async with harness(make_settings) as h, h.client(elicitation=ask) as client:
        text = error_text(await client.call_tool(tool, {**args, "max_credits": 1}))
        assert f"estimated at {estimate} credits" in text and "above your max_credits=1" in text
        assert "category: credit_cap" in text and sent(h) == [] and spent(h) == 0
    assert ask.asked == []  # a ceiling the call cannot meet is not put to the user


async def test_charge_above_max_credits_is_reported(make_settings: Callable[..., Settings]) -> None:
    """The video estimate (5 here) is a guess; the sandbox charges 10 for veo, above max_credits=8."""
    env = {"PIXAPI_VIDEO_CREDITS_ESTIMATE": "5"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        result = await client.call_tool("create_video", {"prompt": "waves", "max_credits": 8})
        out = structured(result)
        assert spent(h) == 10 and len(sent(h)) == 1
    credits = out["credits"]
    assert (credits["estimate"], credits["charged"], credits["max_credits"]) == (5, 10, 8)
    assert "charged 10 credits, above max_credits=8" in credits["warning"]
    assert "above max_credits=8" in text_of(result)
    assert credits["basis"] == "configured" and "not from Pixapi's docs" in credits["note"]


async def test_a_sync_answer_with_credits_cost_replaces_the_estimate(
    make_settings: Callable[..., Settings],
) -> None:
    """Only tasks document ``credits_cost``; a synchronous answer that carries one is believed
    (else the estimate stands as the charge). The sandbox charged 2; the answer says 3."""
    async with live_listing(make_settings, [], sync_cost=3) as h, h.client() as client:
        out = structured(
            await client.call_tool("generate_image", {"prompt": "p", "sync": True, "max_credits": 2})
        )
        assert spent(h) == 2 and len(sent(h)) == 1
    credits = out["credits"]
    assert (credits["estimate"], credits["charged"], credits["session_total"]) == (2, 3, 3)
    assert "charged 3 credits, above max_credits=2" in credits["warning"]


# -- per-call and per-session caps -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "args", "figure"),
    [
        ("generate_image", {"prompt": "p", "n": 6}, "12 credits"),
        ("create_video", {"prompt": "waves"}, "20 credits"),
    ],
)
async def test_per_call_cap(
    make_settings: Callable[..., Settings], tool: str, args: dict[str, Any], figure: str
) -> None:
    ask = Answering("accept")
    env = {"PIXAPI_MAX_CREDITS_PER_CALL": "10"}
    async with harness(make_settings, env=env) as h, h.client(elicitation=ask) as client:
        for extra in ({}, {"max_credits": 100}):  # max_credits cannot lift a cap
            text = error_text(await client.call_tool(tool, {**args, **extra}))
            assert (
                figure in text and "PIXAPI_MAX_CREDITS_PER_CALL=10" in text and "category: credit_cap" in text
            )
        assert sent(h) == [] and spent(h) == 0 and ask.asked == []


async def test_the_issue_case_videos_under_small_caps(make_settings: Callable[..., Settings]) -> None:
    """Issue 11: four videos at 10 credits went through caps of 8 per call and 15 per session."""
    env = {"PIXAPI_MAX_CREDITS_PER_CALL": "8", "PIXAPI_MAX_CREDITS_PER_SESSION": "15"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        for _ in range(4):
            assert "category: credit_cap" in error_text(
                await client.call_tool("create_video", {"prompt": "w"})
            )
        assert sent(h) == [] and spent(h) == 0


async def test_session_cap_images(make_settings: Callable[..., Settings]) -> None:
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "5"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        structured(await client.call_tool("generate_image", {"prompt": "a"}))
        structured(await client.call_tool("generate_image", {"prompt": "b"}))
        text = error_text(await client.call_tool("generate_image", {"prompt": "c"}))
        assert "PIXAPI_MAX_CREDITS_PER_SESSION=5" in text and "spent or held so far: 4" in text
        assert len(sent(h)) == 2 and spent(h) == 4


async def test_session_cap_video_counts_the_charge_not_the_estimate(
    make_settings: Callable[..., Settings],
) -> None:
    """Each veo is held at the estimate (20) and settled to the sandbox's charge (10), including a
    video finished by get_task: the third finds 20 spent, and 20 more would pass 35."""
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "35"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        first = structured(await client.call_tool("create_video", {"prompt": "a", "wait_s": 0}))
        assert first["status"] != "completed" and first["credits"]["held"] == 20
        done = structured(await client.call_tool("get_task", {"task_id": first["id"]}))
        assert done["status"] == "completed" and done["credits"]["charged"] == 10
        second = structured(await client.call_tool("create_video", {"prompt": "b"}))
        assert second["credits"]["charged"] == 10 and second["credits"]["session_total"] == 20
        text = error_text(await client.call_tool("create_video", {"prompt": "c"}))
        assert "would take this session to 40" in text and "PIXAPI_MAX_CREDITS_PER_SESSION=35" in text
        assert len(sent(h)) == 2 and spent(h) == 20


async def test_credits_are_released_when_the_api_refuses(make_settings: Callable[..., Settings]) -> None:
    """A 402 (nothing produced, nothing charged) gives its held credits back to the session."""
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "8"}
    async with harness(make_settings, env=env) as h, h.client() as client:
        h.sandbox.set_balance(KEY, 1)
        assert (
            "insufficient"
            in error_text(await client.call_tool("generate_image", {"prompt": "a", "n": 4})).lower()
        )
        h.sandbox.set_balance(KEY, START)
        out = structured(await client.call_tool("generate_image", {"prompt": "b", "n": 4}))
        assert out["credits"]["session_total"] == 8 and spent(h) == 8 and len(sent(h)) == 2


# -- caps under concurrency --------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_twenty_calls_at_once_never_pass_the_session_cap(
    make_settings: Callable[..., Settings], mode: str
) -> None:
    """10 images (2 each) and 10 videos (10 each) at once under a 50-credit session cap."""
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "50", "PIXAPI_VIDEO_CREDITS_ESTIMATE": "10"}
    results: list[Any] = []
    async with harness(make_settings, env=env) as h, h.client(mode) as client:

        async def call(tool: str, index: int) -> None:
            results.append(await client.call_tool(tool, {"prompt": f"{tool} {index}"}))

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for i in range(10):
                    tg.start_soon(call, "generate_image", i)
                    tg.start_soon(call, "create_video", i)
        ok = [structured(r) for r in results if not r.is_error]
        refused = [text_of(r) for r in results if r.is_error]
        assert len(results) == 20 and ok and refused
        assert all("category: credit_cap" in t and "Nothing was sent" in t for t in refused)
        # Calls that handed back a task (the shared clock ran on while 20 waited) finish here.
        done = [
            o
            if o["status"] == "completed"
            else structured(await client.call_tool("get_task", {"task_id": o["id"]}))
            for o in ok
        ]
        assert all(d["status"] == "completed" for d in done)
        # The sandbox's own books: never past the cap, one paid POST per success, nothing else.
        assert spent(h) <= 50 and len(sent(h)) == len(ok)
        assert spent(h) == sum(d["credits"]["charged"] for d in done)
        assert spent(h) > 50 - 10  # a refusal means the cap was nearly used up


async def test_a_confirmation_does_not_outlive_a_cap_reached_meanwhile(
    make_settings: Callable[..., Settings],
) -> None:
    """The session cap is checked when credits are held, not when the user was asked: a yes given
    while other calls spent the session's room does not send."""
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "30"}
    asked, other_done = anyio.Event(), anyio.Event()

    async def slow_yes(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.set()
        await other_done.wait()
        return ElicitResult(action="accept", content={"confirm": True})

    async with harness(make_settings, env=env) as h, h.client("legacy", elicitation=slow_yes) as client:
        costly: list[Any] = []

        async def ask_costly() -> None:
            costly.append(
                await client.call_tool("generate_image", {"prompt": "p", "model": "nano-banana-pro", "n": 3})
            )

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(ask_costly)
                await asked.wait()  # the user is looking at the question for 24 credits (room: 30)
                structured(await client.call_tool("generate_image", {"prompt": "q", "n": 4}))  # 8 credits
                other_done.set()
        text = error_text(costly[0])
        assert "would take this session to 32" in text and "category: credit_cap" in text
        assert len(sent(h)) == 1 and spent(h) == 8


# -- models outside the catalog ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "tool", "figure"),
    [
        ("nano-banana-4k", "generate_image", "8 credits"),  # the dearest Gemini image model documented
        ("gpt-image-1", "generate_image", "3 credits"),  # 3 x the GPT Image family's documented 1
        ("veo-3.1-fast", "create_video", "20 credits"),  # the configured video estimate
    ],
)
async def test_family_models_get_their_family_estimate(
    make_settings: Callable[..., Settings], model: str, tool: str, figure: str
) -> None:
    env = {"PIXAPI_MAX_CREDITS_PER_CALL": "2"}
    args: dict[str, Any] = {"prompt": "p", "model": model}
    if model == "gpt-image-1":
        args["n"] = 3
    async with live_listing(make_settings, [model], env) as h, h.client() as client:
        text = error_text(await client.call_tool(tool, args))
        assert figure in text and "PIXAPI_MAX_CREDITS_PER_CALL=2" in text
        assert sent(h) == [] and spent(h) == 0


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(("model", "tool"), [("flux-pro", "generate_image"), ("luma-ray", "create_video")])
async def test_unknown_price_needs_confirmation_and_meets_the_caps(
    make_settings: Callable[..., Settings], mode: str, model: str, tool: str
) -> None:
    """A model only the live list names has no price: never 0, never past the caps. It needs a
    yes, and is held at the caller's max_credits (or the per-call cap) until the charge is known."""
    env = {"PIXAPI_MAX_CREDITS_PER_CALL": "20"}
    args = {"prompt": "p", "model": model}
    async with live_listing(make_settings, [model], env) as h, h.client(mode) as client:
        text = error_text(await client.call_tool(tool, args))
        assert "of unknown price" in text and "category: confirmation_required" in text
        assert "max_credits=<the most the user accepts>" in text and sent(h) == []
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "25"}  # below the per-call cap (100) it would hold
    async with live_listing(make_settings, [model], env) as h, h.client(mode) as client:
        text = error_text(await client.call_tool(tool, args))
        assert "100 credits held for its unknown price" in text and "call again with max_credits=25" in text
        text = error_text(await client.call_tool(tool, {**args, "max_credits": 30}))  # held 30 > 25
        assert "30 credits held for its unknown price" in text and "PIXAPI_MAX_CREDITS_PER_SESSION=25" in text
        assert sent(h) == [] and spent(h) == 0
        # Within the caps it is sent; the sandbox does not serve it (400), so the hold is released.
        text = error_text(await client.call_tool(tool, {**args, "max_credits": 25}))
        assert "category: credit_cap" not in text and len(sent(h)) == 1 and spent(h) == 0
        out = structured(await client.call_tool("generate_image", {"prompt": "q", "n": 4}))
        assert out["credits"]["session_total"] == 8  # nothing of the refused call is still held


async def test_unknown_price_confirmed_by_dialog_holds_the_per_call_cap(
    make_settings: Callable[..., Settings],
) -> None:
    ask = Answering("accept")
    env = {"PIXAPI_MAX_CREDITS_PER_CALL": "40", "PIXAPI_MAX_CREDITS_PER_SESSION": "30"}
    args = {"prompt": "p", "model": "flux-pro"}
    async with (
        live_listing(make_settings, ["flux-pro"], env) as h,
        h.client("legacy", elicitation=ask) as client,
    ):
        text = error_text(await client.call_tool("generate_image", args))
        assert "40 credits held for its unknown price" in text and sent(h) == []
        assert ask.asked == []  # the cap refuses it anyway: the user is not asked
    env["PIXAPI_MAX_CREDITS_PER_CALL"] = "20"
    async with (
        live_listing(make_settings, ["flux-pro"], env) as h,
        h.client("legacy", elicitation=ask) as client,
    ):
        text = error_text(await client.call_tool("generate_image", args))  # yes; the sandbox answers 400
        assert "category: invalid_request" in text and len(sent(h)) == 1 and spent(h) == 0
    assert len(ask.asked) == 1 and "unknown" in ask.asked[0] and "Up to 20 credits" in ask.asked[0]
