"""What the benchmarks share: result rows, statistics, the machine description, child-process
environments, a minimal JSON-RPC-over-stdio peer and a sandbox in its own process."""

from __future__ import annotations

import json
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY

REPO = Path(__file__).resolve().parent.parent
PROTOCOL_VERSION = "2025-11-25"  # the initialize-handshake era every host speaks today


@dataclass
class Row:
    """One benchmark result: ``measured`` against ``floor`` (same run), as a ratio or a delta, or a
    ``value`` on its own (a figure with an absolute goal: milliseconds per search, a recall)."""

    benchmark: str
    measured: float
    floor: float | None
    unit: str
    compare: Literal["ratio", "delta", "value"]
    goal: float | None
    """Bound on the ratio, delta or value (upper, or lower when ``better`` is "higher"); None:
    reported, no goal."""
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict[str, Any])
    rounds: list[float] = field(default_factory=list[float])
    """The compared figure of each repeated, interleaved round (each with its own floor); when
    given, the row's value is their median and their min and max are shown."""
    better: Literal["lower", "higher"] = "lower"

    @property
    def value(self) -> float:
        """The median over ``rounds`` when there are any; else the ratio ``measured / floor``, the
        delta ``measured - floor``, or ``measured`` itself."""
        if self.rounds:
            return statistics.median(self.rounds)
        if self.compare == "value" or self.floor is None:
            return self.measured
        if self.compare == "ratio":
            return self.measured / self.floor if self.floor else float("inf")
        return self.measured - self.floor

    @property
    def spread(self) -> tuple[float, float] | None:
        """(min, max) over ``rounds``, when there are at least two."""
        return (min(self.rounds), max(self.rounds)) if len(self.rounds) > 1 else None

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        return self.value >= self.goal if self.better == "higher" else self.value <= self.goal

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(value=round(self.value, 4), met=self.met)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        names = (
            "benchmark",
            "measured",
            "floor",
            "unit",
            "compare",
            "goal",
            "note",
            "detail",
            "rounds",
            "better",
        )
        return cls(**{k: data[k] for k in names if k in data})


def ratios(measured: Sequence[float], floor: Sequence[float]) -> list[float]:
    """Round-by-round ratios of two interleaved series (each round's figure over its own floor)."""
    return [m / f for m, f in zip(measured, floor, strict=True) if f]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, Any]:
    """nproc, the CPU model (Linux /proc/cpuinfo), the Python version and the platform."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def _folders(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home / "home"),
        "PIXAPI_DATA_DIR": str(home / "data"),
        "PIXAPI_CACHE_DIR": str(home / "cache"),
        "PIXAPI_OUTPUT_DIR": str(home / "out"),
    }


def bench_settings(home: Path, base_url: str, *, sandbox: bool = False, **extra: str) -> Settings:
    """Settings for a server built in this process: every folder under ``home``, the sandbox key,
    quiet logs; ``extra`` adds or replaces variables."""
    env = {
        **_folders(home),
        "PIXAPI_KEY": SANDBOX_KEY,
        "PIXAPI_BASE_URL": base_url,
        "PIXAPI_LOG_LEVEL": "WARNING",
        **extra,
    }
    return Settings.from_env(env, sandbox=sandbox)


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a server or helper process: no inherited PIXAPI_* settings, every folder
    under ``home``, and bytecode caching allowed (a pip-installed package has its .pyc files; without
    them every start would recompile pixapi_mcp and the cold start would measure the compiler)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAPI_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        _folders(home),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    )
    env.update(extra)
    return env


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"pixapi-bench-{prefix}-") as tmp:
        yield Path(tmp)


# -- a minimal MCP peer over stdio ----------------------------------------------------------------


class StdioPeer:
    """Speaks newline-delimited JSON-RPC to a server process it spawns; no SDK in between, so the
    client side costs the same for every server measured. Server-sent notifications are skipped."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], *, cwd: Path = REPO) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env),
            cwd=cwd,
        )
        self._buffer = b""
        self._next_id = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60.0) -> Any:
        """Send a request and return its ``result`` (RuntimeError on a JSON-RPC error)."""
        self._next_id += 1
        ident = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == ident and "method" not in reply:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply["result"]

    def initialize(self) -> dict[str, Any]:
        result = self.request(
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "pixapi-bench", "version": "0"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return result

    def call_tool(self, name: str, arguments: dict[str, Any], timeout: float = 120.0) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "tools/call", {"name": name, "arguments": arguments}, timeout=timeout
        )
        if result.get("isError"):
            text = " ".join(block.get("text", "") for block in result.get("content", []))
            raise RuntimeError(f"{name} failed: {text}")
        return result

    def _read_message(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the server did not answer in time")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"the server exited (code {self.proc.poll()})")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self, timeout: float = 10.0) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> StdioPeer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


# -- a sandbox in its own process -----------------------------------------------------------------


@contextmanager
def sandbox_process(home: Path, *args: str) -> Iterator[str]:
    """Start ``bench.sandbox_proc`` with ``args``; yields its base URL; stops it on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.sandbox_proc", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=child_env(home),
        cwd=REPO,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30.0)
        line = proc.stdout.readline().strip() if ready else ""
        if not line.startswith("http"):
            raise RuntimeError(f"the sandbox process did not start (exit code {proc.poll()})")
        yield line
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def proc_status_kb(pid: int, field_name: str) -> int | None:
    """A ``kB`` field (VmRSS, VmHWM) of /proc/<pid>/status; None where /proc is missing."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None
