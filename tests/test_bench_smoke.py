"""The benchmarks execute (tiny sizes, the same functions ``python -m bench --quick`` runs).

No timing is asserted: the numbers only mean something from a full run on a quiet machine.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import coldstart, concurrency, http_cpu, memory, polling, roundtrip, startup
from bench.common import Row, machine
from bench.run import END, START_PREFIX, markdown, update_readme

pytestmark = pytest.mark.slow


def check(rows: list[Row]) -> None:
    assert rows
    for row in rows:
        assert row.measured > 0 and row.floor > 0, row
        assert math.isfinite(row.value)
        assert row.met in (None, True, False)


def test_cold_start_runs() -> None:
    rows = coldstart.run(repeats=1)
    check(rows)
    assert "8 tools" in rows[0].note  # the sandbox server listed all of its tools


def test_startup_runs() -> None:
    rows = startup.run(repeats=1, phase_repeats=1)
    check(rows)
    assert set(rows[0].detail["phases_ms"]) == {"imports", "build_server", "lifespan", "tools/list"}


def test_http_cpu_runs() -> None:
    rows = http_cpu.run(rounds=1, calls=2)
    check(rows)
    assert [r.benchmark.split()[3] for r in rows] == ["list_models", "search_docs", "check_code"]


def test_get_task_round_trip_runs() -> None:
    check(roundtrip.run(rounds=1, per_round=2, first_looks=1))


def test_concurrency_runs() -> None:
    rows = concurrency.run(concurrency=3, rounds=1, image_size="64x64")
    check(rows)
    assert len(rows) == 3  # sync, async and the no-server reference


def test_polling_runs() -> None:
    rows, table = polling.run(durations=(10.0,), phases=(0.5,))
    check(rows)
    policies = {t["policy"]: t for t in table}
    assert set(policies) == {"adaptive, one wait", "adaptive, agent loop", "fixed 1 s"}
    assert all(t["gets"] >= 1 and t["delay_s"] >= 0 for t in table)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS is read from Linux /proc")
def test_download_memory_runs() -> None:
    rows = memory.run(size_mb=2)
    check(rows)
    assert {r.detail["bytes"] for r in rows} == {2 * 1024 * 1024}


def test_results_table_and_readme_section(tmp_path: Path) -> None:
    rows = [
        Row("a ratio", 110.0, 100.0, "ms", "ratio", 1.2, "note a"),
        Row("a delta", 90.0, 80.0, "MB", "delta", 16.0),
        Row("reported only", 3.0, 4.0, "req", "ratio", None),
    ]
    results = {
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
    assert "| a ratio | 110 ms | 100 ms | 1.10x | <= 1.20x | yes |" in block
    assert "| a delta | 90.0 MB | 80.0 MB | +10.0 MB | < +16 MB | yes |" in block
    assert "| 10 s | fixed 1 s | 12 | 0.50 s | 0.90 s | — |" in block

    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n## Layout\n\ntext\n\n## Why httpx2 and not httpx\n\nmore\n")
    update_readme("first", readme)
    update_readme("second", readme)  # replaces its own section, adds no second one
    text = readme.read_text()
    assert text.count("## Performance") == 1 and text.count(START_PREFIX) == 1 and text.count(END) == 1
    assert "second" in text and "first" not in text
    assert text.index("## Layout") < text.index("## Performance") < text.index("## Why httpx2")
