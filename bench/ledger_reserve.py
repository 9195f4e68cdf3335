"""What the store costs a paid call: the reservation (the row written before sending, checked
against the day cap in the same transaction) and a status update, SQLite against PostgreSQL,
one caller and many at once.

    python -m bench.ledger_reserve [--rows 400] [--concurrency 20]

PostgreSQL: ``PIXAPI_BENCH_PG_URL`` (a database it may write to), else a throwaway cluster
started the way the tests start one (``tests/pg_server.py``). No goal is asserted; the numbers
go in the report and ``bench/NOTES.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

from pixapi_mcp.ledger import DEPLOYMENT, Cap, LedgerStore, make_ledger

CAP = Cap(DEPLOYMENT, "day", 1e12, "PIXAPI_MAX_CREDITS_PER_DAY")
ROW: dict[str, Any] = {
    "tool": "generate_image",
    "endpoint": "/v1/async/images/generations",
    "base_url": "https://api.pixapi.ai",
    "model": "nano-banana",
    "prompt": "a fox",
    "params": {"model": "nano-banana", "prompt": "a fox"},
    "output_dir": "/tmp/out",
    "credits_estimate": 2.0,
}


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


async def _timed(work: Callable[[], Awaitable[Any]], samples: list[float]) -> None:
    start = time.perf_counter()
    await work()
    samples.append(time.perf_counter() - start)


async def measure(store: LedgerStore, rows: int, concurrency: int) -> dict[str, str]:
    reserve: list[float] = []
    update: list[float] = []
    for _ in range(rows):
        start = time.perf_counter()
        row_id = await store.open(**ROW, held=2.0, caps=[CAP])  # type: ignore[arg-type]
        reserve.append(time.perf_counter() - start)
        start = time.perf_counter()
        await store.update(row_id, task_id="t", status="submitted")
        update.append(time.perf_counter() - start)
    crowd: list[float] = []
    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(_timed, lambda: store.open(**ROW, held=2.0, caps=[CAP]), crowd)  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    return {
        "reserve (one at a time)": _ms(reserve),
        "status update": _ms(update),
        f"{concurrency} reservations at once": f"{_ms(crowd)}; all done in {wall * 1000:.1f} ms",
    }


async def main(rows: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cluster = None
        url = os.environ.get("PIXAPI_BENCH_PG_URL")
        if url is None:
            from tests.pg_server import find_bindir, start_cluster

            bindir = find_bindir()
            if bindir is not None:
                cluster = start_cluster(bindir)
                url = cluster.create_database()
        try:
            for name, target in (("sqlite", None), ("postgresql", url)):
                if name == "postgresql" and target is None:
                    print("postgresql: no server (set PIXAPI_BENCH_PG_URL or install PostgreSQL)")
                    continue
                store = make_ledger(target, Path(folder) / "ledger.sqlite3")
                assert await store.start() is None
                try:
                    for label, figure in (await measure(store, rows, concurrency)).items():
                        print(f"{name:10} {label:28} {figure}")
                finally:
                    await store.aclose()
        finally:
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="The store's reservation and update latency, SQLite and PostgreSQL."
    )
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    anyio.run(main, args.rows, args.concurrency)
