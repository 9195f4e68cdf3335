"""Run the benchmarks: ``python -m bench`` (full, a few minutes) or ``python -m bench --quick``.

A full run of every benchmark writes ``bench/results.json``, ``bench/results.md`` and the README's
``<!-- bench:start -->`` ... ``<!-- bench:end -->`` section (the tables, the machine, the date,
the command, then ``bench/NOTES.md`` verbatim). ``--quick`` runs tiny sizes to prove everything
executes and writes nothing unless ``--out`` is given; ``--only`` picks benchmarks (and also
leaves the README alone); ``--render`` runs nothing and rewrites ``results.md`` and the README
section from ``bench/results.json`` (after editing ``bench/NOTES.md``). Exits 1 if a benchmark
raised.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import (
    codecheck_adversarial,
    codecheck_corpus,
    codecheck_speed,
    concurrency,
    http_cpu,
    http_memory,
    memory,
    polling,
    replicas,
    roundtrip,
    search_quality,
    startup,
)
from bench.common import REPO, Row, machine

BENCH_DIR = REPO / "bench"
README = REPO / "README.md"
NOTES = BENCH_DIR / "NOTES.md"
START = "<!-- bench:start (written by `python -m bench`; edit bench/NOTES.md, not this block) -->"
START_PREFIX = "<!-- bench:start"
END = "<!-- bench:end -->"
COMMAND = "python -m bench"

Runner = Callable[[], tuple[list[Row], list[dict[str, Any]] | None]]


def _rows(rows: list[Row]) -> tuple[list[Row], None]:
    return rows, None


def plan(quick: bool) -> dict[str, Runner]:
    """Each benchmark with its sizes: tiny for ``--quick``, the real ones otherwise."""
    if quick:
        return {
            "startup": lambda: _rows(startup.run(repeats=1, phase_repeats=1)),
            "http_cpu": lambda: _rows(http_cpu.run(rounds=1, calls=2)),
            "roundtrip": lambda: _rows(roundtrip.run(rounds=2, per_round=3, first_looks=1)),
            "concurrency": lambda: _rows(concurrency.run(concurrency=4, rounds=2, image_size="64x64")),
            "polling": lambda: polling.run(durations=(10.0,), phases=(0.5,)),
            "memory": lambda: _rows(memory.run(size_mb=4)),
            "search": lambda: _rows(search_quality.run(rounds=2)),
            "codecheck_speed": lambda: _rows(codecheck_speed.run(scale=0.02, repeats=1)),
            "codecheck_adversarial": lambda: _rows(
                codecheck_adversarial.run(only=("assignment-cycle", "nested-json"))
            ),
            "codecheck_corpus": lambda: _rows(codecheck_corpus.run(forms=("json",))),
            "http_memory": lambda: _rows(http_memory.run(requests=200, checkpoints=2, warm_up=50)),
            "replicas": lambda: _rows(replicas.run(clients=4, calls=1)),
        }
    return {
        "startup": lambda: _rows(startup.run(repeats=11)),
        "http_cpu": lambda: _rows(http_cpu.run()),
        "roundtrip": lambda: _rows(roundtrip.run(rounds=10, per_round=20, first_looks=30)),
        "concurrency": lambda: _rows(concurrency.run(concurrency=32, rounds=5)),
        "polling": lambda: polling.run(),
        "memory": lambda: _rows(memory.run(size_mb=100)),
        "search": lambda: _rows(search_quality.run(rounds=15)),
        "codecheck_speed": lambda: _rows(codecheck_speed.run(repeats=2)),
        "codecheck_adversarial": lambda: _rows(codecheck_adversarial.run()),
        "codecheck_corpus": lambda: _rows(codecheck_corpus.run()),
        "http_memory": lambda: _rows(http_memory.run(requests=20_000)),
        "replicas": lambda: _rows(replicas.run()),
    }


# -- formatting -----------------------------------------------------------------------------------


def _amount(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.0f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.3g} {unit}"


def _figure(row: Row, value: float) -> str:
    if row.compare == "ratio":
        return f"{value:.2f}x"
    if row.compare == "value":
        return _amount(value, row.unit)
    return f"{value:+.2f} {row.unit}" if row.unit == "ms" else f"{value:+.1f} {row.unit}"


def _compared(row: Row) -> str:
    return _figure(row, row.value)


def _spread(row: Row) -> str:
    spread = row.spread
    return "—" if spread is None else f"{_figure(row, spread[0])} – {_figure(row, spread[1])}"


def _goal(row: Row) -> str:
    if row.goal is None:
        return "—"
    sign = ">=" if row.better == "higher" else "<="
    if row.compare == "ratio":
        return f"{sign} {row.goal:.2f}x"
    if row.compare == "value":
        return f"{sign} {_amount(row.goal, row.unit)}"
    return f"< +{row.goal:g} {row.unit}"


def _met(row: Row) -> str:
    return {None: "—", True: "yes", False: "**no**"}[row.met]


def markdown(results: dict[str, Any], rows: Sequence[Row]) -> str:
    m = results["machine"]
    lines = [
        f"Measured {results['date']} on {m['nproc']} cores ({m['cpu']}), {m['implementation']} "
        f"{m['python']}, {m['platform']}; commit `{results['git']}`. Command: `{results['command']}`.",
        "",
        "Each ratio is against a floor measured in the same run; where a row was measured in "
        "repeated interleaved rounds, its figure is the median over the rounds (each against its "
        "own floor) and the next column their min – max.",
        "",
        "| benchmark | measured | floor | ratio / delta / value | min – max | goal | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        floor = "—" if row.floor is None else _amount(row.floor, row.unit)
        lines.append(
            f"| {row.benchmark} | {_amount(row.measured, row.unit)} | {floor} "
            f"| {_compared(row)} | {_spread(row)} | {_goal(row)} | {_met(row)} |"
        )
    notes = [f"- *{row.benchmark}*: {row.note}" for row in rows if row.note]
    if notes:
        lines += ["", "How each row was measured:", "", *notes]
    table: list[dict[str, Any]] | None = results.get("polling")
    if table:
        lines += [
            "",
            "Task polling (simulated clock; means over task ends shifted by 0.1 to 0.9 s):",
            "",
            "| task length | policy | GETs per task | mean detection delay | max delay | tool calls |",
            "|---|---|---|---|---|---|",
        ]
        for t in table:
            calls = "—" if t["tool_calls"] is None else f"{t['tool_calls']:g}"
            lines.append(
                f"| {t['task_s']:g} s | {t['policy']} | {t['gets']:g} | {t['delay_s']:.2f} s "
                f"| {t['max_delay_s']:.2f} s | {calls} |"
            )
    errors = results.get("errors") or {}
    for name, error in errors.items():
        lines += ["", f"**{name} failed:** `{error}`"]
    return "\n".join(lines) + "\n"


def update_readme(block: str, readme: Path = README) -> None:
    """Replace the README's bench section (or add it, with its heading, before "## Why httpx2")."""
    text = readme.read_text()
    section = f"{START}\n\n{block.rstrip()}\n\n{END}"
    if START_PREFIX in text and END in text:
        head, rest = text.split(START_PREFIX, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        anchor = "## Why httpx2"
        if anchor not in text:
            raise RuntimeError(f"README has neither the bench markers nor a {anchor!r} heading")
        text = text.replace(anchor, f"## Performance\n\n{section}\n\n{anchor}", 1)
    readme.write_text(text)


# -- running --------------------------------------------------------------------------------------


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "pixapi_mcp"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+local changes" if dirty else "")


def run(quick: bool, only: Sequence[str] = ()) -> tuple[dict[str, Any], list[Row]]:
    """Run the selected benchmarks (all when ``only`` is empty); errors are recorded, not raised."""
    selected = {k: v for k, v in plan(quick).items() if not only or k in only}
    rows: list[Row] = []
    results: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": COMMAND + (" --quick" if quick else "") + "".join(f" --only {o}" for o in only),
        "machine": machine(),
        "git": git_revision(),
        "quick": quick,
        "errors": {},
        "seconds": {},
    }
    for name, runner in selected.items():
        print(f"== {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            found, table = runner()
        except Exception as exc:
            traceback.print_exc()
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
            continue
        finally:
            results["seconds"][name] = round(time.perf_counter() - started, 1)
        rows.extend(found)
        if table is not None:
            results[name] = table
        for row in found:
            print(
                f"   {row.benchmark}: {_compared(row)} (goal {_goal(row)}, met {_met(row)})", file=sys.stderr
            )
    results["rows"] = [row.to_json() for row in rows]
    return results, rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run the pixapi-mcp benchmarks.")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: prove the benchmarks run")
    parser.add_argument("--only", action="append", choices=sorted(plan(True)), help="run only this one")
    parser.add_argument("--out", type=Path, help="folder for results.json and results.md")
    parser.add_argument(
        "--render", action="store_true", help="run nothing: rewrite the tables from bench/results.json"
    )
    args = parser.parse_args(argv)
    only: list[str] = args.only or []
    if args.render:
        saved = json.loads((BENCH_DIR / "results.json").read_text())
        block = markdown(saved, [Row.from_json(r) for r in saved["rows"]])
        (BENCH_DIR / "results.md").write_text(block)
        publish(block)
        return 0
    # The in-process servers and HTTP clients log every request at INFO: keep the output readable.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    for name in ("httpx2", "httpcore2", "pixapi_mcp", "mcp", "uvicorn"):
        logging.getLogger(name).setLevel(logging.WARNING)
    results, rows = run(args.quick, only)
    block = markdown(results, rows)
    print(block)
    out: Path | None = args.out or (None if args.quick else BENCH_DIR)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        (out / "results.md").write_text(block)
    if not args.quick and not only and not results["errors"]:
        publish(block)
    return 1 if results["errors"] else 0


def publish(block: str) -> None:
    """The README section: the tables, then bench/NOTES.md (hand-written findings) verbatim."""
    notes = NOTES.read_text().strip() if NOTES.exists() else ""
    update_readme(block + ("\n" + notes + "\n" if notes else ""))
