"""Every row, task and file belongs to a caller (``state.visible_owner``), through the SDK client
on the real sandbox, both protocol eras and both ledger backends.

Callers are set as the HTTP front sets them (``auth.acting_as``: the SDK carries the context of
the task that sends a request to the server, so the caller is set around the client and around
each concurrent call). Two non-admin callers of one team: neither can list,
fetch, poll or read the outputs of the other's work, and a guess at another's id reads exactly like
an id that never existed, with no request to Pixapi. Budgets per caller and per team, from the
settings or an operator's override in the store, hold under concurrent calls on two replicas
(two servers on one store); the sandbox's own request log judges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError

from pixapi_mcp.auth import Caller
from pixapi_mcp.auth.caller import acting_as
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import DEFAULT_VIDEO_MODEL, SANDBOX_KEY, Endpoint
from pixapi_mcp.ledger import make_ledger
from tests.auth.harness import SCOPE, issuer, oauth_served
from tests.server_harness import Harness, harness, structured, text_of
from tests.test_http import http_client
from tests.tools.test_money import sent

pytestmark = pytest.mark.anyio

ADA = Caller("token:ada", "ada", team="art")
BOB = Caller("token:bob", "bob", team="art")
BOSS = Caller("token:boss", "boss", admin=True)
MODES = ["auto", "legacy"]


@asynccontextmanager
async def as_caller(h: Harness, caller: Caller, mode: str = "auto") -> AsyncIterator[Client]:
    """An SDK client whose every request is served as ``caller``."""
    with acting_as(caller):
        async with h.client(mode) as client:
            yield client


def _env(url: str | None, **extra: str) -> dict[str, str]:
    return {**({"PIXAPI_LEDGER_URL": url} if url else {}), **extra}


def task_gets(h: Harness, task_id: str) -> int:
    """GETs of one task the sandbox received, from its own log."""
    return sum(1 for r in h.sandbox.requests if r.method == "GET" and r.path.endswith(f"/{task_id}"))


async def read_error(client: Client, uri: str) -> str:
    with pytest.raises(MCPError) as refused:
        await client.read_resource(uri)
    return str(refused.value)


@pytest.mark.parametrize("mode", MODES)
async def test_neither_caller_sees_lists_fetches_polls_or_reads_the_others_work(
    make_settings: Callable[..., Settings], ledger_url: str | None, mode: str
) -> None:
    async with harness(make_settings, env=_env(ledger_url)) as h:
        async with as_caller(h, ADA, mode) as ada:
            image = structured(await ada.call_tool("generate_image", {"prompt": "ada's fox"}))
            video = structured(await ada.call_tool("create_video", {"prompt": "ada's waves", "wait_s": 0}))
            own = structured(await ada.call_tool("list_tasks", {}))
            assert {t["ledger_id"] for t in own["tasks"]} == {image["ledger_id"], video["ledger_id"]}
            own_preview = await ada.read_resource(f"pixapi://outputs/{image['ledger_id']}/0/preview.jpg")
            assert own_preview.contents
        async with as_caller(h, BOB, mode) as bob:
            listed = structured(await bob.call_tool("list_tasks", {}))
            assert listed["tasks"] == [] and listed["unfinished"] == 0
            gets_before = task_gets(h, video["id"])
            stolen = await bob.call_tool("get_task", {"task_id": video["id"], "wait_s": 0})
            never = await bob.call_tool("get_task", {"task_id": "task_never_was", "wait_s": 0})
            assert stolen.is_error and never.is_error
            assert text_of(stolen).replace(video["id"], "ID") == text_of(never).replace(
                "task_never_was", "ID"
            )
            assert "category: not_found" in text_of(stolen)
            assert task_gets(h, video["id"]) == gets_before and task_gets(h, "task_never_was") == 0
            theirs = await read_error(bob, f"pixapi://outputs/{image['ledger_id']}/0/preview.jpg")
            nowhere = await read_error(bob, "pixapi://outputs/987654/0/preview.jpg")
            assert theirs.replace(str(image["ledger_id"]), "N") == nowhere.replace("987654", "N")
            bob_image = structured(await bob.call_tool("generate_image", {"prompt": "bob's owl"}))
            assert [t["ledger_id"] for t in structured(await bob.call_tool("list_tasks", {}))["tasks"]] == [
                bob_image["ledger_id"]
            ]
        async with as_caller(h, ADA, mode) as ada:  # the owner still polls and finishes it
            done = structured(await ada.call_tool("get_task", {"task_id": video["id"], "wait_s": 45}))
            assert done["status"] == "completed"
        async with as_caller(h, BOSS, mode) as boss:  # an admin sees everyone's
            every = structured(await boss.call_tool("list_tasks", {}))
            assert len(every["tasks"]) == 3
            assert (
                await boss.read_resource(f"pixapi://outputs/{bob_image['ledger_id']}/0/preview.jpg")
            ).contents


async def test_an_admin_may_adopt_a_task_the_ledger_lacks_and_a_caller_may_not(
    make_settings: Callable[..., Settings],
) -> None:
    """A task submitted with the shared Pixapi key outside this server: an admin's get_task adopts
    it (today's behaviour, and stdio's); any other caller gets not found, and Pixapi is not asked."""
    async with harness(make_settings) as h:
        made = await h.http.post(
            Endpoint.ASYNC_VIDEO_GENERATIONS.value,
            json={"model": DEFAULT_VIDEO_MODEL, "prompt": "elsewhere"},
            headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
        )
        task_id = made.json()["id"]
        async with as_caller(h, ADA) as ada:
            refused = await ada.call_tool("get_task", {"task_id": task_id, "wait_s": 0})
            assert refused.is_error and "No task" in text_of(refused) and task_gets(h, task_id) == 0
        async with h.client() as local:  # stdio: the local caller, an admin
            adopted = structured(await local.call_tool("get_task", {"task_id": task_id, "wait_s": 0}))
            assert adopted["id"] == task_id and task_gets(h, task_id) >= 1


async def test_a_callers_saved_files_are_neither_an_input_nor_an_output_folder_for_another(
    make_settings: Callable[..., Settings],
) -> None:
    """A saved file's path is guessable (time, model, prompt) and a local path is a valid input:
    each non-admin caller's files live in its own folder, so another caller can neither read one as
    an input image (a paid edit would hand back the picture) nor write into that folder. Judged
    by the sandbox's log: a refused call sends nothing."""
    async with harness(make_settings) as h:
        out = h.settings.default_output_dir.resolve()
        async with as_caller(h, ADA) as ada:
            image = structured(await ada.call_tool("generate_image", {"prompt": "ada's secret fox"}))
            path = image["data"][0]["path"]
            assert Path(path).parent.parent == out / "callers"
            own = structured(await ada.call_tool("edit_image", {"prompt": "brighter", "image": path}))
            assert own["status"] == "completed", "the owner edits its own file"
        ada_folder = str(Path(path).parent)
        async with as_caller(h, BOB) as bob:
            before = len(sent(h))
            stolen = await bob.call_tool("edit_image", {"prompt": "same", "image": path})
            assert stolen.is_error and "outside the allowed folders" in text_of(stolen)
            into = await bob.call_tool("generate_image", {"prompt": "owl", "output_dir": ada_folder})
            assert into.is_error
            climbed = await bob.call_tool(
                "generate_image", {"prompt": "owl", "output_dir": f"../{Path(ada_folder).name}"}
            )
            assert climbed.is_error
            assert len(sent(h)) == before, "nothing refused was sent (or paid for)"
            mine = structured(await bob.call_tool("generate_image", {"prompt": "bob's owl"}))
            assert Path(mine["data"][0]["path"]).parent not in (Path(ada_folder), out)
        async with as_caller(h, BOSS) as boss:  # an admin keeps the whole output folder
            seen = structured(await boss.call_tool("edit_image", {"prompt": "as admin", "image": path}))
            assert seen["status"] == "completed"


async def _spend_at_once(h: Harness, callers: list[Caller], calls: int, mode: str) -> dict[str, list[Any]]:
    """``calls`` images per caller, all at once, alternating two replicas (two servers, one store)."""
    results: dict[str, list[Any]] = {c.id: [] for c in callers}
    async with replica_clients(h, callers, mode) as clients:

        async def call(caller: Caller, index: int) -> None:
            client = clients[(caller.id, index % 2)]
            with acting_as(caller):  # the SDK carries the sender's context with each message
                results[caller.id].append(
                    await client.call_tool("generate_image", {"prompt": f"{caller.name} {index}"})
                )

        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                for i in range(calls):
                    for caller in callers:
                        tg.start_soon(call, caller, i)
    return results


@asynccontextmanager
async def replica_clients(
    h: Harness, callers: list[Caller], mode: str
) -> AsyncIterator[dict[tuple[str, int], Client]]:
    """Two replicas' clients per caller (two servers on one store), keyed by (caller id, replica)."""
    async with AsyncExitStack() as stack:
        yield {
            (caller.id, replica): await stack.enter_async_context(as_caller(h, caller, mode))
            for caller in callers
            for replica in (0, 1)
        }


def _charged_to(h: Harness, name: str) -> int:
    """Paid POSTs the sandbox received for ``name``'s prompts (each image: 2 credits)."""
    return sum(1 for r in sent(h) if str(r.fields.get("prompt", "")).startswith(f"{name} "))


@pytest.mark.parametrize("mode", MODES)
async def test_each_callers_day_budget_holds_under_twenty_concurrent_calls(
    make_settings: Callable[..., Settings], ledger_url: str | None, mode: str
) -> None:
    env = _env(ledger_url, PIXAPI_MAX_CREDITS_PER_CALLER_DAY="10")  # 5 images of 2 credits each
    async with harness(make_settings, env=env) as h:
        results = await _spend_at_once(h, [ADA, BOB], 20, mode)
        for caller in (ADA, BOB):
            ok = [r for r in results[caller.id] if not r.is_error]
            refused = [text_of(r) for r in results[caller.id] if r.is_error]
            assert len(ok) == 5 and len(refused) == 15, sorted({t[:150] for t in refused})
            assert all(
                "PIXAPI_MAX_CREDITS_PER_CALLER_DAY=10" in t and "your spend today" in t for t in refused
            )
            assert _charged_to(h, caller.name) == 5  # the sandbox's own log: 10 credits each


@pytest.mark.parametrize("mode", MODES)
async def test_the_team_budget_holds_when_both_spend_at_once(
    make_settings: Callable[..., Settings], ledger_url: str | None, mode: str
) -> None:
    env = _env(ledger_url, PIXAPI_MAX_CREDITS_PER_CALLER_DAY="10", PIXAPI_MAX_CREDITS_PER_TEAM_MONTH="14")
    async with harness(make_settings, env=env) as h:
        results = await _spend_at_once(h, [ADA, BOB], 10, mode)
        charged = _charged_to(h, "ada") + _charged_to(h, "bob")
        assert charged == 7 and _charged_to(h, "ada") <= 5 and _charged_to(h, "bob") <= 5
        refused = [text_of(r) for rs in results.values() for r in rs if r.is_error]
        assert len(refused) == 13
        assert any(
            "team art's spend this month (UTC)" in t and "PIXAPI_MAX_CREDITS_PER_TEAM_MONTH=14" in t
            for t in refused
        )


async def test_an_override_set_in_the_store_applies_at_once_and_says_when_a_month_resets(
    make_settings: Callable[..., Settings], ledger_url: str | None
) -> None:
    """No restart: the operator's override (another process's store) reaches the running server,
    and a month budget's refusal names the first of next month."""
    env = _env(ledger_url, PIXAPI_MAX_CREDITS_PER_CALLER_DAY="100")
    async with harness(make_settings, env=env) as h:
        async with as_caller(h, ADA) as ada:
            structured(await ada.call_tool("generate_image", {"prompt": "ada 1"}))
            store = make_ledger(ledger_url, h.settings.data_dir / "ledger-sandbox.sqlite3")
            assert await store.start() is None
            try:
                await store.set_budget("caller:token:ada", day=None, month=3.0)
            finally:
                await store.aclose()
            refused = await ada.call_tool("generate_image", {"prompt": "ada 2"})
            text = text_of(refused)
            now = dt.datetime.now(dt.UTC)
            first = (now.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            assert refused.is_error and "your spend this month (UTC) to 4 credits" in text
            assert (
                "above the month budget set for caller:token:ada (3): 2 spent or held so far, 1 remaining"
                in text
            )
            assert f"It resets at {first:%Y-%m-%d} 00:00 UTC" in text and "Nothing was sent" in text
        async with as_caller(h, BOB) as bob:  # the override is ada's alone
            structured(await bob.call_tool("generate_image", {"prompt": "bob 1"}))
        assert _charged_to(h, "ada") == 1 and _charged_to(h, "bob") == 1


async def test_over_http_oauth_callers_see_only_their_own_and_an_admin_scope_sees_all(
    make_settings: Callable[..., Settings],
) -> None:
    """The OAuth variant, over real HTTP: identities come from verified access tokens (``sub``,
    the team claim, the admin scope), and the same rules hold."""
    async with (
        issuer() as idp,
        oauth_served(make_settings, idp, PIXAPI_MAX_CREDITS_PER_TEAM_DAY="4") as server,
    ):
        aud = server.settings.mcp_public_url
        ada = idp.mint(aud=aud, scope=SCOPE, sub="ada", team="art")
        bob = idp.mint(aud=aud, scope=SCOPE, sub="bob", team="art")
        boss = idp.mint(aud=aud, scope=f"{SCOPE} {server.settings.mcp_admin_scope}", sub="boss")
        async with http_client(server.base, ada) as client:
            made = structured(await client.call_tool("generate_image", {"prompt": "ada's fox"}))
        async with http_client(server.base, bob, mode="legacy") as client:
            assert structured(await client.call_tool("list_tasks", {}))["tasks"] == []
            stolen = await client.call_tool("get_task", {"task_id": made["id"], "wait_s": 0})
            assert stolen.is_error and f"No task {made['id']!r} among your tasks." in text_of(stolen)
            refused = await read_error(client, f"pixapi://outputs/{made['ledger_id']}/0/preview.jpg")
            assert f"ledger row {made['ledger_id']}" in refused
            structured(
                await client.call_tool("generate_image", {"prompt": "bob's owl"})
            )  # 2 + 2: the team's 4
            over = await client.call_tool("generate_image", {"prompt": "bob's second owl"})
            assert over.is_error and "team art's spend today (UTC)" in text_of(over)
        async with http_client(server.base, boss) as client:
            assert len(structured(await client.call_tool("list_tasks", {}))["tasks"]) == 2
