"""Download memory: peak RSS of the server while it saves a 100 MB output, over its idle RSS.

The sandbox runs in its own process (it holds outputs in RAM); a ``large_output`` fault
(``size_mb=100``) armed through ``POST /_sandbox/faults`` pads the next output to 100 MB. The
server runs as ``python -m pixapi_mcp serve`` in a subprocess driven over stdio. After a warm-up
call of the same tool (imports, connections, the ledger), its peak-RSS mark is reset
(``/proc/<pid>/clear_refs`` = 5, so VmHWM restarts from the current RSS), the idle RSS is read,
the 100 MB call is made and VmHWM is read again. Where the mark cannot be reset, the idle figure
is the earlier peak and the delta a lower bound (``detail.reset`` says which).

Cases: a video (``create_video``), an image (``generate_image``, which also reads the saved
file for its size and preview), and ``PixapiClient.download`` alone in a fresh process
(``bench.download_proc``), which separates the client's streaming from what the tool does after.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2

from bench.common import (
    REPO,
    SANDBOX_KEY,
    Row,
    StdioPeer,
    child_env,
    proc_status_kb,
    sandbox_process,
    scratch_dir,
)
from bench.download_proc import reset_peak

GOAL_MB = 16.0
AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}
SERVER = (sys.executable, "-m", "pixapi_mcp", "serve")


def arm_large_output(http: httpx2.Client, path: str, size_mb: float) -> None:
    fault = {"kind": "large_output", "size_mb": size_mb, "path_prefix": path, "times": 1, "all": True}
    http.post("/_sandbox/faults", json=fault, headers=AUTH).raise_for_status()


def server_peak(
    base_url: str, home: Path, tool: str, arguments: dict[str, Any], path: str, size_mb: float
) -> dict[str, Any]:
    env = child_env(home, PIXAPI_KEY=SANDBOX_KEY, PIXAPI_BASE_URL=base_url, PIXAPI_LOG_LEVEL="WARNING")
    with StdioPeer(SERVER, env) as peer, httpx2.Client(base_url=base_url, timeout=60) as http:
        peer.initialize()
        peer.call_tool(tool, arguments)  # warm-up: same code path, small output
        arm_large_output(http, path, size_mb)
        reset = reset_peak(peer.pid)
        idle = proc_status_kb(peer.pid, "VmRSS" if reset else "VmHWM")
        result = peer.call_tool(tool, arguments, timeout=300)
        peak = proc_status_kb(peer.pid, "VmHWM")
    saved = result.get("structuredContent", {})
    outputs = saved.get("data") or (saved.get("result") or {}).get("data") or [{}]
    return {"idle_kb": idle, "peak_kb": peak, "bytes": outputs[0].get("bytes"), "reset": reset}


def client_peak(base_url: str, home: Path, size_mb: float) -> dict[str, Any]:
    with httpx2.Client(base_url=base_url, timeout=120) as http:
        body = {"model": "nano-banana", "prompt": "download", "size": "256x256"}
        small = http.post("/v1/images/generations", json=body, headers=AUTH).json()["data"][0]["url"]
        big_headers = {**AUTH, "X-Sandbox-Fault": f"large_output={size_mb:g}"}
        big = http.post("/v1/images/generations", json=body, headers=big_headers).json()["data"][0]["url"]
    dest = home / "client"
    dest.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [sys.executable, "-m", "bench.download_proc", base_url, small, big, str(dest)],
        env=child_env(home),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(size_mb: float = 100.0) -> list[Row]:
    cases: dict[str, dict[str, Any]] = {}
    with (
        scratch_dir("memory") as home,
        sandbox_process(
            home, "--video-task-seconds", "0", "--image-task-seconds", "0", "--max-store-mb", "2048"
        ) as base_url,
    ):
        cases["create_video"] = server_peak(
            base_url,
            home / "video",
            "create_video",
            {"prompt": "a long video"},
            "/v1/async/videos/generations",
            size_mb,
        )
        cases["generate_image"] = server_peak(
            base_url,
            home / "image",
            "generate_image",
            {"prompt": "a huge png", "size": "256x256"},
            "/v1/async/images/generations",
            size_mb,
        )
        cases["PixapiClient.download"] = client_peak(base_url, home, size_mb)
    rows: list[Row] = []
    for name, case in cases.items():
        if case["idle_kb"] is None or case["peak_kb"] is None:
            continue  # no /proc: nothing to report
        where = "alone in a fresh process" if name == "PixapiClient.download" else "server over stdio"
        rows.append(
            Row(
                f"peak RSS saving a {size_mb:g} MB output: {name} ({where})",
                case["peak_kb"] / 1024,
                case["idle_kb"] / 1024,
                "MB",
                "delta",
                GOAL_MB,
                f"file {case['bytes'] or 0:,} bytes; peak over idle"
                + ("" if case["reset"] else " (peak mark not resettable: lower bound)"),
                case,
            )
        )
    return rows
