"""The operator's spend commands: ``pixapi-mcp usage`` (spend per caller and model over a period)
and ``pixapi-mcp budget set|clear|list`` (per-caller and per-team overrides of the budget settings).

Both open the store the server uses (``ledger.ledger_of``: ``PIXAPI_LEDGER_URL``, else the SQLite
file), so on a deployment of replicas they read and change what every replica sees; an override
applies to the next paid call of any replica, without a restart.

Callers are named as the server keys them: ``token:NAME`` (named tokens), ``oauth:SUB``,
``shared``, ``local``; a bare ``NAME`` means ``token:NAME``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import time
from collections.abc import Callable
from typing import Any

import anyio

from pixapi_mcp.config import Settings
from pixapi_mcp.ledger import UNLIMITED, LedgerError, LedgerStore, UsageRow, ledger_of, window

Out = Callable[[str], None]


class CommandError(ValueError):
    """A command line the spend commands cannot act on; the message says what to type."""


# How the server namespaces caller ids (auth.Caller): anything else names nobody.
_CALLER_KINDS = ("token", "oauth")
# The longest period ``usage`` reads: a century, so a mistyped --days cannot overflow a date.
MAX_DAYS = 36_500
_EARLIEST = dt.datetime(1, 1, 1, tzinfo=dt.UTC).timestamp()


def caller_id(text: str) -> str:
    """A caller as the server keys it: ``ada`` is ``token:ada``; ``token:NAME``, ``oauth:SUB``,
    ``local`` and ``shared`` stay as given; another prefix (``oath:bob``) is a typo, refused rather
    than silently matching no one."""
    if text in ("local", "shared"):
        return text
    if ":" not in text:
        return f"token:{text}"
    kind, _, name = text.partition(":")
    if kind not in _CALLER_KINDS or not name:
        raise CommandError(f"{text!r} names no caller: use NAME, token:NAME, oauth:SUB, local or shared")
    return text


def scope_key(text: str) -> str:
    """``caller:ada`` -> ``caller:token:ada``; ``team:art`` stays; anything else is refused."""
    kind, _, name = text.partition(":")
    if kind == "caller" and name:
        return f"caller:{caller_id(name)}"
    if kind == "team" and name:
        return text
    raise CommandError(f"{text!r} is not a budget scope: use caller:NAME (or caller:oauth:SUB) or team:NAME")


def _limit(text: str) -> float | None:
    """A budget flag's value: a number of credits, ``unlimited``, or ``default`` (None)."""
    if text in ("default", "none"):
        return None
    if text == "unlimited":
        return UNLIMITED
    try:
        value = float(text)
    except ValueError:
        raise CommandError(
            f"{text!r} is not a budget: give credits (e.g. 50), 'unlimited' or 'default'"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise CommandError(f"{text!r} is not a budget: credits are a number of at least 0")
    return value + 0.0  # -0 is 0


def _when(text: str, *, end: bool) -> float:
    """``YYYY-MM-DD`` (a whole UTC day: its start, or for ``--until`` its end) or an ISO time (UTC
    unless it says otherwise), as epoch seconds."""
    try:
        try:  # a date alone (2026-01-31, or 20260131) is a whole day
            day = dt.date.fromisoformat(text)
            parsed = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            if end:
                parsed += dt.timedelta(days=1)
        except ValueError:
            parsed = dt.datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    except (ValueError, OverflowError):  # not a date; or the day after 9999-12-31
        raise CommandError(
            f"{text!r} is not a usable date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM (years 1 to 9998)"
        ) from None


def period(args: argparse.Namespace, now: float) -> tuple[float, float]:
    """``[since, until)`` from ``--since``/``--until``/``--days``; by default the current UTC month."""
    until = _when(args.until, end=True) if args.until else now + 1
    if args.days is not None:
        if args.since:
            raise CommandError("give --days or --since, not both")
        if not 1 <= args.days <= MAX_DAYS:
            raise CommandError(f"--days takes 1 to {MAX_DAYS} (the last N days up to --until)")
        since = until - args.days * 86400
        if since < _EARLIEST:
            raise CommandError("--days reaches back before the year 1: give fewer days or a later --until")
        return since, until
    since = _when(args.since, end=False) if args.since else window("month", now)[0]
    if since >= until:
        raise CommandError("--since must come before --until")
    return since, until


def add_parsers(sub: Any) -> None:
    """The ``usage`` and ``budget`` subcommands (``sub``: the CLI's subparsers)."""
    usage = sub.add_parser("usage", help="spend per caller and model from the ledger (charged and held)")
    usage.add_argument("--since", help="from this UTC date or time (default: the start of this month)")
    usage.add_argument("--until", help="up to this UTC date (inclusive) or time (default: now)")
    usage.add_argument("--days", type=int, help="the last N days")
    usage.add_argument("--caller", help="only this caller (NAME, or token:NAME, oauth:SUB)")
    usage.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    usage.add_argument("--sandbox", action="store_true", help="the sandbox's ledger")
    budget = sub.add_parser("budget", help="per-caller and per-team budgets, for every replica at once")
    actions = budget.add_subparsers(dest="budget_command", metavar="ACTION", required=True)
    put = actions.add_parser("set", help="set SCOPE's day and/or month budget (others unchanged)")
    put.add_argument("scope", help="caller:NAME (caller:oauth:SUB) or team:NAME")
    put.add_argument("--day", help="credits per UTC day, 'unlimited', or 'default' (the setting)")
    put.add_argument("--month", help="credits per UTC month, 'unlimited', or 'default'")
    put.add_argument("--sandbox", action="store_true", help="the sandbox's ledger")
    clear = actions.add_parser("clear", help="drop SCOPE's override: the settings' defaults apply")
    clear.add_argument("scope")
    clear.add_argument("--sandbox", action="store_true", help="the sandbox's ledger")
    listed = actions.add_parser("list", help="the overrides, and the defaults they replace")
    listed.add_argument("--sandbox", action="store_true", help="the sandbox's ledger")


def run(args: argparse.Namespace, settings: Settings, out: Out, note: Out) -> int:
    """Run ``usage`` or ``budget``; the exit code (1: the store or the command line was refused)."""
    if args.sandbox:
        settings = settings.model_copy(update={"sandbox": True})
    try:
        return anyio.run(_run, args, settings, out, note)
    except (CommandError, LedgerError) as exc:
        note(f"pixapi-mcp: {exc}")
        return 1


async def _run(args: argparse.Namespace, settings: Settings, out: Out, note: Out) -> int:
    store = ledger_of(settings)
    if problem := await store.start():
        raise problem
    try:
        if args.command == "usage":
            await _usage(store, args, out)
            return 0
        return await _budget(store, args, settings, out, note)
    finally:
        await store.aclose()


async def _usage(store: LedgerStore, args: argparse.Namespace, out: Out) -> None:
    since, until = period(args, time.time())
    rows = await store.usage(since, until, caller_id(args.caller) if args.caller else None)
    shown = f"{_iso(since)} to {_iso(until)}"
    if args.json:
        out(
            json.dumps(
                {
                    "since": _iso(since),
                    "until": _iso(until),
                    "rows": [_row_json(r) for r in rows],
                    "total": {"charged": sum(r.charged for r in rows), "held": sum(r.held for r in rows)},
                },
                indent=2,
            )
        )
        return
    out(f"Spend from {shown} (UTC). charged: settled (Pixapi's charge); held: unfinished, still counted.")
    header = ("caller", "team", "model", "requests", "completed", "charged", "held")
    table = [header] + [
        (r.owner, r.team or "-", r.model, str(r.requests), str(r.completed), f"{r.charged:g}", f"{r.held:g}")
        for r in rows
    ]
    table.append(
        ("total", "", "", str(sum(r.requests for r in rows)), str(sum(r.completed for r in rows)),
         f"{sum(r.charged for r in rows):g}", f"{sum(r.held for r in rows):g}")
    )  # fmt: skip
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        out("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def _row_json(row: UsageRow) -> dict[str, Any]:
    return {
        "caller": row.owner,
        "team": row.team,
        "model": row.model,
        "requests": row.requests,
        "completed": row.completed,
        "charged": row.charged,
        "held": row.held,
    }


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _shown(value: float | None) -> str:
    return "default" if value is None else ("unlimited" if math.isinf(value) else f"{value:g}")


async def _budget(
    store: LedgerStore, args: argparse.Namespace, settings: Settings, out: Out, note: Out
) -> int:
    if args.budget_command == "list":
        caps = [
            settings.max_credits_per_caller_day,
            settings.max_credits_per_caller_month,
            settings.max_credits_per_team_day,
            settings.max_credits_per_team_month,
        ]
        shown = ["none" if value is None else f"{value:g}" for value in caps]
        out(
            f"defaults (settings): caller day={shown[0]} month={shown[1]}; team day={shown[2]} month={shown[3]}"
        )
        for scope, limits in (await store.budgets()).items():
            out(f"{scope}\tday={_shown(limits.day)}\tmonth={_shown(limits.month)}")
        return 0
    scope = scope_key(args.scope)
    if args.budget_command == "clear":
        if not await store.clear_budget(scope):
            note(f"pixapi-mcp: {scope} has no override")
            return 1
        note(f"# {scope}: the settings' defaults apply again, on every replica's next paid call")
        return 0
    if args.day is None and args.month is None:
        raise CommandError("give --day and/or --month")
    current = (await store.budgets([scope])).get(scope)
    day = _limit(args.day) if args.day is not None else (current.day if current else None)
    month = _limit(args.month) if args.month is not None else (current.month if current else None)
    await store.set_budget(scope, day=day, month=month)
    out(f"{scope}\tday={_shown(day)}\tmonth={_shown(month)}")
    note("# applies to every replica's next paid call; no restart needed")
    return 0
