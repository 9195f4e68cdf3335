"""Two callers (named tokens) on three replicas behind HAProxy, one PostgreSQL, one sandbox API
process (``tests/topology.py``): neither can list, fetch, poll or read the saved files of the
other's tasks, whichever replica each request reaches; each caller's budget holds under 20
concurrent calls spread over the replicas; a team budget an operator sets with ``pixapi-mcp budget
set`` while the replicas run holds when both of its callers spend at once. The sandbox's own
request log and balance judge. Needs PostgreSQL and HAProxy (skipped locally without, failed in CI).
"""

from __future__ import annotations

import os
import secrets
import sys
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError

from pixapi_mcp.auth.tokens import TokenFile
from tests.test_topology import needs_haproxy
from tests.topology import Topology, topology

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.usefixtures("needs_haproxy")]

__all__ = ["needs_haproxy"]

PRICE = 2.0  # nano-banana, per image
CALLER_DAY = 10.0  # 5 images per caller per day
TEAM_DAY = 14.0  # the override set while running: 7 images for the team
CREDITS = 100_000.0
RUN_TIMEOUT_S = 240.0


def _text(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


def _data(result: Any) -> dict[str, Any]:
    assert not result.is_error, _text(result)
    return result.structured_content


async def _posts(topo: Topology, prefix: str) -> int:
    """Paid POSTs the sandbox received whose prompt starts with ``prefix``."""
    requests = await topo.sandbox_requests()
    return sum(
        1
        for r in requests
        if r["method"] == "POST" and str((r.get("fields") or {}).get("prompt", "")).startswith(prefix)
    )


async def _task_gets(topo: Topology, task_id: str) -> int:
    requests = await topo.sandbox_requests()
    return sum(1 for r in requests if r["method"] == "GET" and r["path"].endswith(f"/{task_id}"))


async def _read_error(client: Client, uri: str) -> str:
    try:
        await client.read_resource(uri)
    except MCPError as exc:
        return str(exc)
    return "READ SUCCEEDED"


def _tokens(root: Path) -> tuple[Path, dict[str, str]]:
    path = root / "tokens.json"
    tokens = TokenFile(path)
    made = {
        "ada": tokens.create("ada", team="art"),
        "bob": tokens.create("bob", team="art"),
        "cat": tokens.create("cat", team="ink"),
        "dan": tokens.create("dan", team="ink"),
    }
    return path, made


async def _at_once(calls: list[Callable[[], Coroutine[Any, Any, None]]]) -> None:
    with anyio.fail_after(RUN_TIMEOUT_S):
        async with anyio.create_task_group() as tg:
            for call in calls:
                tg.start_soon(call)


async def test_two_callers_on_three_replicas_see_nothing_of_each_other_and_budgets_hold(
    tmp_path: Path, pg_url: str
) -> None:
    tokens_file, token = _tokens(tmp_path)
    env = {"PIXAPI_MCP_TOKENS_FILE": str(tokens_file), "PIXAPI_MAX_CREDITS_PER_CALLER_DAY": str(CALLER_DAY)}
    run = secrets.token_hex(3)
    attacks: list[tuple[str, str]] = []
    async with topology(tmp_path, ledger_url=pg_url, credits=CREDITS, env=env) as topo:
        outcomes: Counter[tuple[str, bool]] = Counter()
        images: dict[str, dict[str, Any]] = {}

        def spend(name: str, index: int, mode: str) -> Callable[[], Coroutine[Any, Any, None]]:
            async def call() -> None:
                async with topo.client(mode, token=token[name]) as client:
                    result = await client.call_tool(
                        "generate_image", {"prompt": f"{run} {name} budget {index}", "size": "64x64"}
                    )
                outcomes[(name, result.is_error)] += 1
                if result.is_error:
                    assert "Nothing was sent" in _text(result), _text(result)
                else:
                    images[name] = result.structured_content or {}

            return call

        # -- each caller's day budget under 20 concurrent calls each, across the replicas -------
        await _at_once(
            [spend(n, i, "auto" if i % 2 else "legacy") for i in range(20) for n in ("ada", "bob")]
        )
        for name in ("ada", "bob"):
            posted = await _posts(topo, f"{run} {name} budget")
            attacks.append(
                (f"{name}: 20 concurrent images, caller day budget {CALLER_DAY:g}", f"{posted} sent")
            )
            assert posted == CALLER_DAY // PRICE
            assert (outcomes[(name, False)], outcomes[(name, True)]) == (posted, 20 - posted)

        # -- the operator raises ada's budget and sets team ink's, while the replicas run --------
        for scope, day in (("caller:ada", 1000.0), ("team:ink", TEAM_DAY)):
            command = [sys.executable, "-m", "pixapi_mcp", "budget", "set", scope, "--day", str(day)]
            done = await anyio.run_process(
                command, env={**os.environ, "PIXAPI_LEDGER_URL": pg_url, "HOME": str(tmp_path / "home")}
            )
            assert done.returncode == 0

        # -- ada's work: an image saved (from above) and a video left unfinished ----------------
        image = images["ada"]
        async with topo.client("auto", token=token["ada"]) as ada:
            video = _data(await ada.call_tool("create_video", {"prompt": f"{run} ada waves", "wait_s": 0}))
        assert image["status"] == "completed" and image["data"][0]["path"]
        gets_before = await _task_gets(topo, video["id"])
        # -- bob attacks, on every replica (several requests: HAProxy spreads them), both eras --
        for mode in ("auto", "legacy"):
            async with topo.client(mode, token=token["bob"]) as bob:
                listed = _data(await bob.call_tool("list_tasks", {"limit": 200}))
                theirs_listed = [t for t in listed["tasks"] if "ada" in t["prompt"]]
                attacks.append((f"{mode}: list_tasks", f"{len(theirs_listed)} of ada's rows"))
                assert theirs_listed == [] and len(listed["tasks"]) == CALLER_DAY // PRICE
                for _ in range(3):  # three requests each: round robin reaches every replica
                    never = await bob.call_tool("get_task", {"task_id": "task_never_was", "wait_s": 0})
                    for label, task_id, wait in (
                        ("get_task(ada's image task)", image["id"], 0),
                        ("get_task(ada's video task)", video["id"], 0),
                        ("poll: get_task(ada's video, wait_s=5)", video["id"], 5),
                    ):
                        stolen = await bob.call_tool("get_task", {"task_id": task_id, "wait_s": wait})
                        assert stolen.is_error
                        same = _text(stolen).replace(task_id, "X") == _text(never).replace(
                            "task_never_was", "X"
                        )
                        attacks.append(
                            (
                                f"{mode}: {label}",
                                "not found, same text as an unknown id" if same else _text(stolen),
                            )
                        )
                        assert same
                    for variant in ("preview.jpg", "image.jpg"):
                        uri = f"pixapi://outputs/{image['ledger_id']}/0/{variant}"
                        theirs = await _read_error(bob, uri)
                        nowhere = await _read_error(bob, f"pixapi://outputs/987654321/0/{variant}")
                        same = theirs.replace(str(image["ledger_id"]), "N") == nowhere.replace(
                            "987654321", "N"
                        )
                        attacks.append(
                            (
                                f"{mode}: read {variant} of ada's row",
                                "refused like a row that never was" if same else theirs,
                            )
                        )
                        assert same
        assert await _task_gets(topo, video["id"]) == gets_before  # Pixapi never asked for bob
        async with topo.client("legacy", token=token["ada"]) as ada:  # the owner still sees and polls it
            listed = _data(await ada.call_tool("list_tasks", {"limit": 200}))
            assert {image["ledger_id"], video["ledger_id"]} <= {t["ledger_id"] for t in listed["tasks"]}
            assert (await ada.read_resource(f"pixapi://outputs/{image['ledger_id']}/0/preview.jpg")).contents
            polled = _data(await ada.call_tool("get_task", {"task_id": video["id"], "wait_s": 0}))
            assert polled["id"] == video["id"]

        # -- the team budget (set above, while running), with both of its callers spending ------
        await _at_once(
            [spend(n, i, "auto" if i % 2 else "legacy") for i in range(10) for n in ("cat", "dan")]
        )
        cat, dan = await _posts(topo, f"{run} cat budget"), await _posts(topo, f"{run} dan budget")
        attacks.append((f"cat+dan: 20 concurrent images under team day {TEAM_DAY:g}", f"{cat}+{dan} sent"))
        assert (cat + dan) * PRICE == TEAM_DAY and cat * PRICE <= CALLER_DAY and dan * PRICE <= CALLER_DAY
        charged = CREDITS - await topo.sandbox_balance()
        # One paid POST per accepted call (no double POSTs): ada's and bob's 5 images each, the
        # team's, and ada's video; the sandbox charged the images, and the video once it completed.
        accepted = 5 + 5 + cat + dan
        assert await _posts(topo, f"{run} ") == accepted + 1
        assert accepted * PRICE <= charged <= accepted * PRICE + 20
    for attack, result in attacks:
        sys.stderr.write(f"ATTACK {attack} -> {result}\n")
