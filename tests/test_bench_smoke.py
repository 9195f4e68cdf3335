"""The benchmarks execute: every entry of ``python -m bench --quick`` (tiny sizes, the same
functions and arguments), and the tables and README section they are published in.

No timing is asserted: the numbers only mean something from a full run on a quiet machine.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.common import Row, machine
from bench.run import END, START_PREFIX, main, markdown, plan, update_readme

pytestmark = pytest.mark.slow

QUICK = plan(quick=True)


def check(rows: list[Row]) -> None:
    assert rows
    for row in rows:
        assert row.measured >= 0 and (row.floor is None or row.floor > 0), row
        assert math.isfinite(row.value), row
        assert row.met in (None, True, False)
        if row.rounds:
            low, high = row.spread or (row.value, row.value)
            assert low <= row.value <= high, row


def test_quick_and_full_runs_cover_the_same_benchmarks() -> None:
    assert set(QUICK) == set(plan(quick=False))


@pytest.mark.parametrize("name", sorted(QUICK))
def test_every_quick_benchmark_runs(name: str) -> None:
    if name == "memory" and not Path("/proc/self/status").exists():
        pytest.skip("peak RSS is read from Linux /proc")
    rows, table = QUICK[name]()
    check(rows)
    if name == "startup":
        assert set(rows[0].detail["phases_ms"]) == {"imports", "build_server", "lifespan", "tools/list"}
    elif name == "http_cpu":
        assert [r.benchmark.split()[3] for r in rows] == ["list_models", "search_docs", "check_code"]
    elif name == "replicas":
        assert len(rows) >= 2  # one replica and three, through HAProxy
    elif name == "polling":
        assert table is not None
        assert {t["policy"] for t in table} == {"adaptive, one wait", "adaptive, agent loop", "fixed 1 s"}
        assert all(t["gets"] >= 1 and t["delay_s"] >= 0 for t in table)
    elif name == "memory":
        assert {r.detail["bytes"] for r in rows} == {4 * 1024 * 1024}
    elif name == "concurrency":
        assert len(rows) == 3  # sync, async and the no-server reference
    else:
        assert table is None


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """``bench.run.main`` quiets the process's loggers, as a command should; later tests in this
    process read INFO lines, so every logger's level and the root's handlers are put back."""
    manager = logging.getLogger().manager
    levels = {name: logging.getLogger(name).level for name in list(manager.loggerDict)}
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    try:
        yield
    finally:
        for name in list(manager.loggerDict):
            logging.getLogger(name).setLevel(levels.get(name, logging.NOTSET))
        root.handlers[:] = handlers
        root.setLevel(root_level)


@pytest.mark.usefixtures("logging_restored")
def test_quick_run_writes_results_only_where_asked(tmp_path: Path) -> None:
    """``--quick --only`` runs, writes results.json and results.md to ``--out``, not the README."""
    assert main(["--quick", "--only", "search", "--only", "codecheck_corpus", "--out", str(tmp_path)]) == 0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["quick"] is True and not saved["errors"]
    assert {Row.from_json(r).benchmark for r in saved["rows"]} >= {"search_docs per query (the question set)"}
    assert "| search_docs per query (the question set) |" in (tmp_path / "results.md").read_text()


def test_results_table_and_readme_section(tmp_path: Path) -> None:
    rows = [
        Row("a ratio", 110.0, 100.0, "ms", "ratio", 1.2, "note a"),
        Row("a delta", 90.0, 80.0, "MB", "delta", 16.0),
        Row("reported only", 3.0, 4.0, "req", "ratio", None),
        Row("rounds", 2.2, 2.0, "ms", "ratio", 1.05, rounds=[1.2, 1.0, 1.1]),
        Row("a value", 0.35, None, "ms", "value", 0.4, rounds=[0.3, 0.35, 0.5]),
        Row("a share", 92.5, None, "%", "value", 90.0, better="higher"),
    ]
    results: dict[str, Any] = {
        "date": "2026-01-01 00:00 UTC",
        "command": "python -m bench",
        "machine": machine(),
        "git": "abc1234",
        "polling": [
            {
                "task_s": 10.0,
                "policy": "fixed 1 s",
                "gets": 12,
                "delay_s": 0.5,
                "max_delay_s": 0.9,
                "tool_calls": None,
            }
        ],
    }
    block = markdown(results, rows)
    assert [Row.from_json(row.to_json()) for row in rows] == rows  # what --render reads back
    assert "| a ratio | 110 ms | 100 ms | 1.10x | — | <= 1.20x | yes |" in block
    assert "| a delta | 90.0 MB | 80.0 MB | +10.0 MB | — | < +16 MB | yes |" in block
    # The median of the rounds, not the ratio of the medians; their min and max beside it.
    assert "| rounds | 2.20 ms | 2.00 ms | 1.10x | 1.00x – 1.20x | <= 1.05x | **no** |" in block
    assert "| a value | 0.35 ms | — | 0.35 ms | 0.30 ms – 0.50 ms | <= 0.40 ms | yes |" in block
    assert "| a share | 92.5% | — | 92.5% | — | >= 90.0% | yes |" in block
    assert "| 10 s | fixed 1 s | 12 | 0.50 s | 0.90 s | — |" in block

    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n## Layout\n\ntext\n\n## Why httpx2 and not httpx\n\nmore\n")
    update_readme("first", readme)
    update_readme("second", readme)  # replaces its own section, adds no second one
    text = readme.read_text()
    assert text.count("## Performance") == 1 and text.count(START_PREFIX) == 1 and text.count(END) == 1
    assert "second" in text and "first" not in text
    assert text.index("## Layout") < text.index("## Performance") < text.index("## Why httpx2")
