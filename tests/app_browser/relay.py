"""The test's stand-in for a web host's back end: the real server as a process, and a relay to it.

A web host (Claude.ai, ChatGPT) keeps its MCP connection on its own server and gives the page in
the browser a narrow way to use it; the token never reaches the browser. This relay does the same
for the test's host page: it holds one MCP SDK ``Client`` over streamable HTTP, with the bearer
token, to ``pixapi-mcp serve --sandbox --transport http`` running as its own process, and serves

- ``GET /`` the host page, ``GET /host.bundle.js`` the official ``AppBridge`` bundled for it, and
  ``GET /sandbox.html`` the sandbox proxy (asked for on another host name, ``localhost`` instead of
  ``127.0.0.1``, so it is another origin, as the spec wants for web hosts);
- ``GET /api/tools``, ``POST /api/call-tool`` and ``POST /api/read-resource``: tools/list,
  tools/call and resources/read, the JSON the server answered passed through unchanged.

The relay records every tools/call it makes (``calls``): what the host really sent on the app's
behalf, which the tests compare with what the app shows. Why a relay and not the page calling the
server's ``/mcp`` directly: that would put the token in the page (and need CORS on the server),
which is exactly what a host must not do.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import uvicorn
from mcp.client import Client
from mcp.client.extension import advertise
from mcp.client.streamable_http import streamable_http_client
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

HOST_DIR = Path(__file__).parent / "host"
START_TIMEOUT_S = 30.0
SERVING = re.compile(r"serving MCP over HTTP at (http://\S+)/mcp")


@dataclass
class ServerProcess:
    """``pixapi-mcp serve --sandbox --transport http`` on 127.0.0.1, a free port, its log kept."""

    process: subprocess.Popen[str]
    url: str
    log: list[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextlib.contextmanager
def server_process(env: dict[str, str]) -> Iterator[ServerProcess]:
    """Start the real server (the console entry point, as users run it) and wait, bounded, for the
    line that names its URL; stderr is read by a thread so its pipe never fills."""
    command = [sys.executable, "-m", "pixapi_mcp", "serve", "--sandbox", "--transport", "http"]
    command += ["--host", "127.0.0.1", "--port", "0"]
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if not url and (match := SERVING.search(line)):
                url.append(match[1])
                found.set()
        found.set()  # the process ended: stop waiting

    threading.Thread(target=drain, daemon=True).start()
    served = ServerProcess(process, "", log)
    try:
        if not found.wait(START_TIMEOUT_S) or not url:
            raise RuntimeError("the server did not start:\n" + "".join(log))
        served.url = url[0]
        yield served
    finally:
        served.stop()


@dataclass
class Relay:
    """What the relay knows and did: its base URL, the server's, and the tools/calls it made."""

    server_url: str
    token: str
    build_dir: Path
    base_url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=lambda: [])
    client: Client | None = None

    @property
    def sandbox_origin(self) -> str:
        """The proxy's origin: the same relay under another host name."""
        return self.base_url.replace("127.0.0.1", "localhost")

    def app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            headers = {"Authorization": f"Bearer {self.token}"}
            async with (
                httpx2.AsyncClient(headers=headers, timeout=60) as http,
                Client(
                    streamable_http_client(f"{self.server_url}/mcp", http_client=http),
                    extensions=[advertise(EXTENSION_ID, {"mimeTypes": [APP_MIME_TYPE]})],
                ) as client,
            ):
                self.client = client
                yield
                self.client = None

        async def tools(_: Request) -> Response:
            assert self.client is not None
            listed = await self.client.list_tools()
            return JSONResponse(listed.model_dump(mode="json", by_alias=True, exclude_none=True))

        async def call_tool(request: Request) -> Response:
            assert self.client is not None
            body = await request.json()
            entry: dict[str, Any] = {"name": body["name"], "arguments": body.get("arguments") or {}}
            self.calls.append(entry)
            result = await self.client.call_tool(entry["name"], entry["arguments"])
            answer = result.model_dump(mode="json", by_alias=True, exclude_none=True)
            entry["result"] = answer
            return JSONResponse(answer)

        async def read_resource(request: Request) -> Response:
            assert self.client is not None
            body = await request.json()
            result = await self.client.read_resource(body["uri"])
            return JSONResponse(result.model_dump(mode="json", by_alias=True, exclude_none=True))

        def static(path: Path, media_type: str) -> Any:
            async def serve(_: Request) -> Response:
                return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-store"})

            return serve

        return Starlette(
            routes=[
                Route("/", static(HOST_DIR / "host.html", "text/html")),
                Route("/sandbox.html", static(HOST_DIR / "sandbox.html", "text/html")),
                Route("/host.bundle.js", static(self.build_dir / "host.bundle.js", "text/javascript")),
                Route("/api/tools", tools),
                Route("/api/call-tool", call_tool, methods=["POST"]),
                Route("/api/read-resource", read_resource, methods=["POST"]),
            ],
            lifespan=lifespan,
        )


class _Server(uvicorn.Server):
    """uvicorn that says when it is listening (its own ``started`` is a plain bool)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextlib.contextmanager
def serving(relay: Relay) -> Iterator[Relay]:
    """Run the relay under uvicorn in a thread on 127.0.0.1 and a free port, bounded start and stop."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    relay.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = uvicorn.Config(relay.app(), log_config=None, access_log=False, lifespan="on")
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        if not server.ready.wait(START_TIMEOUT_S) or server.should_exit:
            raise RuntimeError("the relay did not start")
        yield relay
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def environment(base: dict[str, str], **extra: str) -> dict[str, str]:
    """``base`` without inherited ``PIXAPI_`` settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAPI_")}
    env.update(base)
    env.update(extra)
    return env
