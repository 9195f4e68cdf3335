"""``PixapiClient.download`` alone in a fresh process that measures its own peak RSS.

``python -m bench.download_proc BASE_URL WARM_URL BIG_URL DEST_DIR`` downloads ``WARM_URL`` once
(imports, the connection), resets its peak-RSS mark, then downloads ``BIG_URL`` and prints one
JSON line: ``idle_kb`` (RSS before), ``peak_kb`` (VmHWM after), ``bytes`` and ``reset`` (whether
the peak mark could be reset; if not, ``idle_kb`` is the earlier peak, so the delta is a lower
bound).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import httpx2

from bench.common import SANDBOX_KEY, proc_status_kb
from pixapi_mcp.client import PixapiClient


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to /proc/<pid>/clear_refs)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def main(base_url: str, warm_url: str, big_url: str, dest: Path) -> dict[str, object]:
    async with httpx2.AsyncClient() as http:
        client = PixapiClient(http, base_url=base_url, api_key=SANDBOX_KEY)
        await client.download(warm_url, dest / "warm.bin", max_bytes=1 << 30)
        pid = os.getpid()
        reset = reset_peak(pid)
        idle = proc_status_kb(pid, "VmRSS" if reset else "VmHWM")
        done = await client.download(big_url, dest / "big.bin", max_bytes=1 << 30)
        peak = proc_status_kb(pid, "VmHWM")
    return {"idle_kb": idle, "peak_kb": peak, "bytes": done.size, "reset": reset}


if __name__ == "__main__":
    base, warm, big, folder = sys.argv[1:5]
    print(json.dumps(anyio.run(main, base, warm, big, Path(folder))))
