"""A real-HTTP sandbox in its own process, for benchmarks whose measured process must not share
CPU (the GIL) or memory (the sandbox keeps outputs in RAM) with the sandbox.

``python -m bench.sandbox_proc [--sync-latency S] [--image-task-seconds S] ...`` prints one line,
the base URL, then serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import sys

from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import SandboxConfig, running_sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_proc")
    parser.add_argument("--sync-latency", type=float, default=0.0)
    parser.add_argument("--image-task-seconds", type=float, default=3.0)
    parser.add_argument("--video-task-seconds", type=float, default=8.0)
    parser.add_argument("--max-store-mb", type=int, default=256)
    parser.add_argument("--credits", type=float, default=1_000_000.0)
    args = parser.parse_args(argv)
    config = SandboxConfig(
        keys={SANDBOX_KEY: args.credits},
        sync_latency_s=args.sync_latency,
        image_task_seconds=args.image_task_seconds,
        video_task_seconds=args.video_task_seconds,
        max_store_mb=args.max_store_mb,
    )
    with running_sandbox(config) as sandbox:
        print(sandbox.base_url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin (or exits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
