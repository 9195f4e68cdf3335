"""Cold start: process spawn to an answered ``tools/list`` over stdio.

``python -m pixapi_mcp serve --sandbox`` against the floor ``python -m bench.bare_server`` (a bare
``MCPServer`` with one tool), same interpreter and environment, runs alternating so drift in the
machine's load hits both alike. One discarded warm-up run each fills the OS page cache and the
.pyc caches first. Reported: the median of each, and the median, min and max of the ratio of
each alternating pair.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.common import Row, StdioPeer, child_env, median, ratios, scratch_dir

SERVER = (sys.executable, "-m", "pixapi_mcp", "serve", "--sandbox")
FLOOR = (sys.executable, "-m", "bench.bare_server")
GOAL = 1.05


def time_to_tools(argv: tuple[str, ...], home: Path) -> tuple[float, int]:
    """Seconds from spawn to the ``tools/list`` answer, and how many tools it listed."""
    with StdioPeer(argv, child_env(home)) as peer:
        peer.initialize()
        tools = peer.request("tools/list", {})["tools"]
        elapsed = time.perf_counter() - peer.started
    return elapsed, len(tools)


def run(repeats: int = 7) -> list[Row]:
    server: list[float] = []
    floor: list[float] = []
    counts: set[int] = set()
    with scratch_dir("cold") as home:
        time_to_tools(SERVER, home)
        time_to_tools(FLOOR, home)
        for index in range(repeats):
            # Alternate which goes first, so neither always runs right after the other.
            order = [(SERVER, server), (FLOOR, floor)]
            for argv, samples in order if index % 2 == 0 else reversed(order):
                elapsed, count = time_to_tools(argv, home)
                samples.append(elapsed)
                if argv is SERVER:
                    counts.add(count)
    return [
        Row(
            benchmark="cold start to tools/list (stdio)",
            measured=median(server) * 1000,
            floor=median(floor) * 1000,
            unit="ms",
            compare="ratio",
            goal=GOAL,
            note=f"`serve --sandbox` ({max(counts)} tools) vs bare MCPServer with 1 tool; median of {repeats} "
            f"alternating runs (fastest: {min(server) * 1000:.0f} vs {min(floor) * 1000:.0f} ms, "
            f"{min(server) / min(floor):.2f}x)",
            detail={
                "server_ms": [round(s * 1000, 1) for s in server],
                "floor_ms": [round(s * 1000, 1) for s in floor],
            },
            rounds=ratios(server, floor),
        )
    ]
