"""Cold start to ``tools/list`` over stdio, wall and CPU, and where pixapi-mcp's own part goes.

Two processes (``python -m pixapi_mcp serve --sandbox`` and the floor,
``python -m bench.bare_server``: a bare ``MCPServer`` with one tool, same interpreter and
environment), run alternately after a warm-up of each, timed from spawn to the ``tools/list``
answer. Besides the wall time, the CPU time each process has used when it answers (user + system,
``/proc/<pid>/stat``) is compared: on a machine shared with other work the wall time swings with
their load, the CPU time much less. Reported: medians and their ratio, min/median/max in ``detail``.

``phases()`` times pixapi-mcp's own start-up in a fresh interpreter that has already imported what
the floor imports (the SDK): its own imports, ``build_server``, the lifespan and the first
``tools/list``, in CPU milliseconds; it is the profile behind the ratio (``detail.phases_ms``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.common import REPO, Row, StdioPeer, child_env, median, scratch_dir
from bench.http_cpu import cpu_seconds

SERVER = (sys.executable, "-m", "pixapi_mcp", "serve", "--sandbox")
FLOOR = (sys.executable, "-m", "bench.bare_server")
GOAL = 1.05

_PHASES = """
import json, sys, time
import anyio
import mcp.server, mcp_types._v2026_07_28, mcp.server.stdio  # what the floor imports too
clock = time.process_time
t0 = clock()
import pixapi_mcp.cli
from pixapi_mcp.config import Settings
from pixapi_mcp.server import build_server
t1 = clock()
home = sys.argv[1]
settings = Settings.from_env(
    {"HOME": home, "PIXAPI_DATA_DIR": home, "PIXAPI_CACHE_DIR": home, "PIXAPI_OUTPUT_DIR": home}, sandbox=True
)
server = build_server(settings)
t2 = clock()

async def main() -> dict[str, float]:
    lowlevel = server._lowlevel_server
    async with lowlevel.lifespan(lowlevel):
        t3 = clock()
        await server.list_tools()
        t4 = clock()
    return {"imports": t1 - t0, "build_server": t2 - t1, "lifespan": t3 - t2, "tools/list": t4 - t3}

phases = anyio.run(main)
sys.stdout.write(json.dumps({k: round(v * 1000, 2) for k, v in phases.items()}))
"""


def time_to_tools(argv: tuple[str, ...], home: Path) -> tuple[float, float]:
    """Wall seconds from spawn to the ``tools/list`` answer, and the CPU seconds used by then."""
    with StdioPeer(argv, child_env(home)) as peer:
        peer.initialize()
        peer.request("tools/list", {})
        elapsed = time.perf_counter() - peer.started
        cpu = cpu_seconds(peer.pid)
    return elapsed, cpu


def phases(home: Path, repeats: int = 5) -> dict[str, float]:
    """Median CPU milliseconds of each phase of pixapi-mcp's own start-up (fresh interpreters)."""
    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", _PHASES, str(home)],
            capture_output=True,
            text=True,
            timeout=120,
            env=child_env(home, PIXAPI_LOG_LEVEL="WARNING"),
            cwd=REPO,
            check=True,
        )
        runs.append(json.loads(done.stdout))
    return {name: round(median([run[name] for run in runs]), 1) for name in runs[0]}


def _spread(values: list[float], scale: float = 1000.0) -> list[float]:
    return [round(min(values) * scale, 1), round(median(values) * scale, 1), round(max(values) * scale, 1)]


def run(repeats: int = 9, phase_repeats: int = 5) -> list[Row]:
    wall: dict[str, list[float]] = {"server": [], "floor": []}
    cpu: dict[str, list[float]] = {"server": [], "floor": []}
    with scratch_dir("startup") as home:
        time_to_tools(SERVER, home)  # warm-up: page cache, .pyc files, the ledger file
        time_to_tools(FLOOR, home)
        for index in range(repeats):
            order = [("server", SERVER), ("floor", FLOOR)]
            for name, argv in order if index % 2 == 0 else reversed(order):
                elapsed, used = time_to_tools(argv, home)
                wall[name].append(elapsed)
                cpu[name].append(used)
        own = phases(home, phase_repeats)
    detail = {
        "wall_server_ms_min_median_max": _spread(wall["server"]),
        "wall_floor_ms_min_median_max": _spread(wall["floor"]),
        "cpu_server_ms_min_median_max": _spread(cpu["server"]),
        "cpu_floor_ms_min_median_max": _spread(cpu["floor"]),
        "phases_ms": own,
    }
    note = (
        f"`serve --sandbox` vs a bare MCPServer with 1 tool; {repeats} alternating runs; own start-up (CPU ms): "
        + (", ".join(f"{k} {v:g}" for k, v in own.items()))
    )
    return [
        Row(
            benchmark="cold start to tools/list (stdio), wall",
            measured=median(wall["server"]) * 1000,
            floor=median(wall["floor"]) * 1000,
            unit="ms",
            compare="ratio",
            goal=GOAL,
            note=note,
            detail=detail,
        ),
        Row(
            benchmark="cold start to tools/list (stdio), CPU",
            measured=median(cpu["server"]) * 1000,
            floor=median(cpu["floor"]) * 1000,
            unit="ms",
            compare="ratio",
            goal=GOAL,
            note="CPU time of each process when it answers tools/list (less sensitive to other load than wall time)",
            detail=detail,
        ),
    ]


if __name__ == "__main__":
    for row in run():
        sys.stdout.write(
            f"{row.benchmark}: {row.measured:.0f} vs {row.floor:.0f} ms = {row.value:.3f}x; {row.note}\n"
        )
