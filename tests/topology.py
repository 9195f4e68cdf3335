"""The replica topology without containers, as ``deploy/compose.yaml`` builds it with them: one
sandbox API process (the judge: its request log and balance), PostgreSQL (``tests/pg_server.py``),
N ``pixapi-mcp serve --transport http`` replicas sharing one output folder, one state key and
one ledger, and HAProxy running ``deploy/haproxy.cfg`` unchanged (addresses from its variables).

Used by ``tests/test_topology.py`` and ``bench/replicas.py``. Every process binds 127.0.0.1 and
is stopped on exit (SIGTERM, then SIGKILL), bounded.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import httpx2
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from pixapi_mcp.contract import SANDBOX_KEY

REPO = Path(__file__).resolve().parent.parent
HAPROXY_CFG = REPO / "deploy" / "haproxy.cfg"
START_TIMEOUT_S = 60.0
AUTH = {"Authorization": f"Bearer {SANDBOX_KEY}"}
HAPROXY_HINT = "apt-get install haproxy"


def haproxy_binary() -> str | None:
    """HAProxy's executable: ``PIXAPI_TEST_HAPROXY``, else ``haproxy`` on PATH or in /usr/sbin."""
    if env := os.environ.get("PIXAPI_TEST_HAPROXY"):
        return env
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    """A port free right now on 127.0.0.1 (HAProxy cannot bind port 0 and report it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process whose stderr is drained (its pipe never fills) and searched for a line."""

    def __init__(self, name: str, process: anyio.abc.Process, ready: str) -> None:
        self.name = name
        self.process = process
        self.stderr = bytearray()
        self._ready = re.compile(ready.encode())
        self.match: re.Match[bytes] | None = None
        self._found = anyio.Event()

    @property
    def log(self) -> str:
        return self.stderr.decode(errors="replace")

    async def drain(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        async for chunk in stream:
            self.stderr.extend(chunk)
            if self.match is None and (m := self._ready.search(self.stderr)):
                self.match = m
                self._found.set()
        self._found.set()

    async def wait_ready(self) -> re.Match[bytes]:
        with anyio.fail_after(START_TIMEOUT_S):
            await self._found.wait()
        assert self.match is not None, f"{self.name} exited before it was ready:\n{self.log[-3000:]}"
        return self.match

    def kill(self) -> None:
        """SIGKILL: no shutdown, no grace: what a crashed machine or an OOM kill does."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
        with anyio.move_on_after(15):
            await self.process.wait()
        if self.process.returncode is None:
            self.process.kill()
            with anyio.fail_after(5):
                await self.process.wait()


@dataclass
class Topology:
    """A running deployment: the URL clients use (HAProxy), the sandbox's, the processes."""

    lb_url: str
    sandbox_url: str
    output_dir: Path
    replicas: list[Proc]
    haproxy: Proc
    sandbox: Proc
    state_key: str
    extra: dict[str, Any] = field(default_factory=dict[str, Any])

    async def sandbox_requests(self) -> list[dict[str, Any]]:
        """Every request the API received, from its own log."""
        async with httpx2.AsyncClient(base_url=self.sandbox_url, timeout=30) as http:
            answer = await http.get("/_sandbox/requests", headers=AUTH)
            answer.raise_for_status()
            return list(answer.json()["data"])

    async def sandbox_balance(self) -> float:
        async with httpx2.AsyncClient(base_url=self.sandbox_url, timeout=30) as http:
            answer = await http.get("/_sandbox/balance", headers=AUTH)
            answer.raise_for_status()
            return float(answer.json()["balance"])

    @asynccontextmanager
    async def client(
        self, mode: str = "auto", elicitation: Any = None, token: str | None = None
    ) -> AsyncIterator[Client]:
        """The SDK's streamable-HTTP client, through HAProxy (presenting ``token``, when given)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with AsyncExitStack() as stack:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=90.0))
            )
            transport = streamable_http_client(f"{self.lb_url}/mcp", http_client=http)
            yield await stack.enter_async_context(
                Client(transport, mode=mode, elicitation_callback=elicitation)  # pyright: ignore[reportArgumentType]
            )


def _env(base: Mapping[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith("PIXAPI_")}
    env.update(extra)
    return env


async def _start(
    stack: AsyncExitStack,
    tg: anyio.abc.TaskGroup,
    name: str,
    command: list[str],
    env: dict[str, str],
    ready: str,
) -> Proc:
    process = await anyio.open_process(command, env=env, stdin=None, stdout=None)
    proc = Proc(name, process, ready)
    tg.start_soon(proc.drain)
    stack.push_async_callback(proc.stop)
    return proc


@asynccontextmanager
async def topology(
    root: Path,
    *,
    ledger_url: str | None,
    replicas: int = 3,
    credits: float = 100_000.0,
    image_task_s: float = 2.0,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[Topology]:
    """Start the sandbox, ``replicas`` servers and HAProxy under ``root``; stop them all on exit.

    ``ledger_url`` is ``PIXAPI_LEDGER_URL`` for every replica (None: each its own SQLite file,
    which is what replicas must not do; the tests use it to show what breaks). ``env`` adds
    variables to every replica."""
    haproxy = haproxy_binary()
    if haproxy is None:
        raise FileNotFoundError(f"HAProxy is not installed: {HAPROXY_HINT}")
    py = sys.executable
    base = os.environ
    state_key = secrets.token_hex(32)
    shared_out = root / "shared-outputs"
    shared_out.mkdir(parents=True, exist_ok=True)
    lb_port = free_port()
    async with AsyncExitStack() as stack:
        tg = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tg.cancel_scope.cancel)
        sandbox = await _start(
            stack,
            tg,
            "sandbox",
            [
                py,
                "-m",
                "pixapi_mcp",
                "sandbox",
                "--port",
                "0",
                "--credits",
                str(credits),
                "--image-task-s",
                str(image_task_s),
            ],
            _env(base, HOME=str(root / "home"), PIXAPI_LOG_LEVEL="INFO"),
            r"sandbox API at (http://127\.0\.0\.1:\d+)",
        )
        sandbox_url = (await sandbox.wait_ready())[1].decode()
        procs: list[Proc] = []
        for index in range(replicas):
            home = root / f"replica{index + 1}"
            variables = {
                "HOME": str(home / "home"),
                "PIXAPI_DATA_DIR": str(home / "data"),
                "PIXAPI_CACHE_DIR": str(home / "cache"),
                "PIXAPI_OUTPUT_DIR": str(shared_out),
                "PIXAPI_KEY": SANDBOX_KEY,
                "PIXAPI_BASE_URL": sandbox_url,
                "PIXAPI_MCP_STATE_KEY": state_key,
                "PIXAPI_MCP_ALLOWED_HOSTS": f"127.0.0.1:{lb_port},localhost:{lb_port}",
                "PIXAPI_LOG_LEVEL": "INFO",
                **({"PIXAPI_LEDGER_URL": ledger_url} if ledger_url else {}),
                **(env or {}),
            }
            procs.append(
                await _start(
                    stack,
                    tg,
                    f"replica{index + 1}",
                    [py, "-m", "pixapi_mcp", "serve", "--transport", "http", "--port", "0"],
                    _env(base, **variables),
                    r"serving MCP over HTTP at (http://127\.0\.0\.1:\d+)/mcp",
                )
            )
        addresses = [(await p.wait_ready())[1].decode().removeprefix("http://") for p in procs]
        # Fewer than three replicas: the config's remaining servers point at the same ones.
        lb_env = {
            "PIXAPI_LB_BIND": f"127.0.0.1:{lb_port}",
            **{f"PIXAPI_REPLICA_{i + 1}": addresses[i % len(addresses)] for i in range(3)},
        }
        lb = await _start(
            stack, tg, "haproxy", [haproxy, "-db", "-f", str(HAPROXY_CFG)], _env(base, **lb_env), r"$^"
        )
        lb_url = f"http://127.0.0.1:{lb_port}"
        await _wait_healthy(lb_url, lb)
        yield Topology(lb_url, sandbox_url, shared_out, procs, lb, sandbox, state_key)


async def _wait_healthy(url: str, lb: Proc) -> None:
    """Until HAProxy answers /health from a replica (it listens a moment after it starts)."""
    async with httpx2.AsyncClient(timeout=5) as http:
        with anyio.fail_after(START_TIMEOUT_S):
            while True:
                assert lb.process.returncode is None, f"haproxy exited:\n{lb.log[-3000:]}"
                try:
                    if (await http.get(f"{url}/health")).status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                await anyio.sleep(0.05)
