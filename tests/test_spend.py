"""``pixapi-mcp usage`` and ``pixapi-mcp budget`` through ``cli.main``, on both ledger backends
(``PIXAPI_LEDGER_URL`` read like the server): what the commands set, a store (a replica) reads;
usage shows charged apart from held, per caller and model, within the period asked for."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from pixapi_mcp.cli import main
from pixapi_mcp.ledger import UNLIMITED, BudgetLimits, LedgerStore, NewRow, make_ledger


def _env(tmp_path: Path, url: str | None) -> dict[str, str]:
    return {
        "HOME": str(tmp_path / "home"),
        "PIXAPI_DATA_DIR": str(tmp_path / "data"),
        **({"PIXAPI_LEDGER_URL": url} if url else {}),
    }


def _store(tmp_path: Path, url: str | None) -> LedgerStore:
    return make_ledger(url, tmp_path / "data" / "ledger.sqlite3")


def _seed(tmp_path: Path, url: str | None) -> None:
    """ada: one image charged 2 and one held 4 (nano-banana), one video failed; bob: one image at 1.5."""

    async def seed() -> None:
        store = _store(tmp_path, url)
        assert await store.start() is None
        try:
            for owner, team, model, held, outcome in (
                ("token:ada", "art", "nano-banana", 2.0, {"status": "completed", "credits_charged": 2.0}),
                ("token:ada", "art", "nano-banana", 4.0, {"status": "submitted", "task_id": "t"}),
                ("token:ada", "art", "seedance-2", 10.0, {"status": "failed"}),
                ("token:bob", None, "nano-banana", 2.0, {"status": "completed", "credits_charged": 1.5}),
            ):
                row = NewRow(
                    tool="generate_image",
                    endpoint="/v1/images/generations",
                    base_url="https://api.pixapi.ai",
                    model=model,
                    prompt="p",
                    params={},
                    output_dir=None,
                    credits_estimate=held,
                )
                row_id = await store.open(**row, held=held, owner=owner, team=team)
                await store.update(row_id, **outcome)  # pyright: ignore[reportArgumentType]
        finally:
            await store.aclose()

    anyio.run(seed)


def _budgets(tmp_path: Path, url: str | None) -> dict[str, BudgetLimits]:
    async def read() -> dict[str, BudgetLimits]:
        store = _store(tmp_path, url)
        assert await store.start() is None
        try:
            return await store.budgets()
        finally:
            await store.aclose()

    return anyio.run(read)


def test_usage_per_caller_and_model_charged_apart_from_held(tmp_path: Path, ledger_url: str | None) -> None:
    _seed(tmp_path, ledger_url)
    env = _env(tmp_path, ledger_url)
    printed: list[str] = []
    assert main(["usage", "--json"], environ=env, out=printed.append) == 0
    report = json.loads(printed[0])
    table = {
        (r["caller"], r["model"]): (r["team"], r["requests"], r["charged"], r["held"]) for r in report["rows"]
    }
    assert table == {
        ("token:ada", "nano-banana"): ("art", 2, 2.0, 4.0),
        ("token:ada", "seedance-2"): ("art", 1, 0.0, 0.0),
        ("token:bob", "nano-banana"): (None, 1, 1.5, 0.0),
    }
    assert report["total"] == {"charged": 3.5, "held": 4.0}
    printed.clear()
    assert main(["usage", "--caller", "bob", "--days", "1"], environ=env, out=printed.append) == 0
    assert "charged" in printed[0] and "held" in printed[0]
    assert [line.split()[:3] for line in printed[2:-1]] == [["token:bob", "-", "nano-banana"]]
    assert printed[-1].split() == ["total", "1", "1", "1.5", "0"]
    printed.clear()
    argv = ["usage", "--since", "2000-01-01", "--until", "2000-01-31", "--json"]
    assert main(argv, environ=env, out=printed.append) == 0
    old = json.loads(printed[0])
    assert old["rows"] == [] and (old["since"], old["until"]) == ("2000-01-01 00:00", "2000-02-01 00:00")


def test_budget_set_list_clear_reach_the_store(tmp_path: Path, ledger_url: str | None) -> None:
    env = _env(tmp_path, ledger_url) | {"PIXAPI_MAX_CREDITS_PER_TEAM_MONTH": "500"}
    printed: list[str] = []
    assert main(["budget", "set", "caller:ada", "--day", "5"], environ=env, out=printed.append) == 0
    assert main(["budget", "set", "caller:ada", "--month", "unlimited"], environ=env, out=printed.append) == 0
    assert (
        main(["budget", "set", "team:art", "--day", "40", "--month", "900"], environ=env, out=printed.append)
        == 0
    )
    assert printed == [
        "caller:token:ada\tday=5\tmonth=default",
        "caller:token:ada\tday=5\tmonth=unlimited",
        "team:art\tday=40\tmonth=900",
    ]
    seen = _budgets(tmp_path, ledger_url)
    assert (seen["caller:token:ada"].day, seen["caller:token:ada"].month) == (5.0, UNLIMITED)
    assert (seen["team:art"].day, seen["team:art"].month) == (40.0, 900.0)
    printed.clear()
    assert main(["budget", "list"], environ=env, out=printed.append) == 0
    assert printed[0] == "defaults (settings): caller day=none month=none; team day=none month=500"
    assert printed[1:] == ["caller:token:ada\tday=5\tmonth=unlimited", "team:art\tday=40\tmonth=900"]
    assert main(["budget", "clear", "team:art"], environ=env, out=printed.append) == 0
    assert main(["budget", "clear", "team:art"], environ=env, out=printed.append) == 1
    assert list(_budgets(tmp_path, ledger_url)) == ["caller:token:ada"]


@pytest.mark.parametrize(
    "argv",
    [
        ["budget", "set", "bob", "--day", "5"],
        ["budget", "set", "caller:bob"],
        ["budget", "set", "caller:bob", "--day", "-1"],
        ["budget", "set", "caller:bob", "--day", "lots"],
        ["usage", "--since", "yesterday"],
        ["usage", "--since", "2026-01-01", "--days", "3"],
        # Odd inputs an operator (or a script) sends: each a one-line refusal, never a traceback.
        ["budget", "set", "caller:bob", "--day", "nan"],
        ["budget", "set", "caller:bob", "--day", "inf"],
        ["budget", "set", "caller:bob", "--day", "1e400"],
        ["budget", "set", "caller:oath:bob", "--day", "5"],  # a typo for oauth: names no one
        ["usage", "--caller", "oath:bob"],
        ["usage", "--days", "100000000"],
        ["usage", "--days", "0"],
        ["usage", "--days", "-3"],
        ["usage", "--until", "9999-12-31"],
        ["usage", "--until", "0001-01-01", "--days", "400"],
        ["usage", "--since", "2026-02-30"],
        ["usage", "--since", "2026-03-01", "--until", "2026-02-01"],
    ],
)
def test_a_command_it_cannot_act_on_is_refused_with_what_to_type(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv, environ=_env(tmp_path, None), out=lambda _: None) == 1
    assert capsys.readouterr().err.startswith("pixapi-mcp: ")


def test_a_date_alone_is_a_whole_day_in_either_iso_form_and_minus_zero_is_zero(tmp_path: Path) -> None:
    env = _env(tmp_path, None)
    for since, until in (("2026-01-01", "2026-01-02"), ("20260101", "20260102")):
        printed: list[str] = []
        assert (
            main(["usage", "--since", since, "--until", until, "--json"], environ=env, out=printed.append)
            == 0
        )
        shown = json.loads(printed[0])
        assert (shown["since"], shown["until"]) == ("2026-01-01 00:00", "2026-01-03 00:00"), since
    printed = []
    assert main(["budget", "set", "caller:ada", "--day", "-0"], environ=env, out=printed.append) == 0
    assert printed == ["caller:token:ada\tday=0\tmonth=default"]
