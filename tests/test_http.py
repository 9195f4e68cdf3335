"""``pixapi-mcp serve --transport http``: the streamable-HTTP transport, in-process and as a process.

In-process, ``http_server.http_app`` runs under uvicorn in a thread on 127.0.0.1 (a random port); as a
subprocess, ``serve --transport http --sandbox --port 0`` picks its own port and logs it. Either way
the SDK's streamable-HTTP client lists tools and calls ``generate_image`` with progress
notifications arriving over HTTP, in both protocol eras. With ``PIXAPI_MCP_TOKEN`` set, no or a
wrong token is 401 and the right one works; ``/health`` answers without one; a foreign ``Host``
(DNS rebinding) or ``Origin`` is refused; off loopback the server refuses to start without a token
(exit code 2, a clear message, nothing served); and the token never appears in a response or a log
line. Servers bind 127.0.0.1 only and stop themselves.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import httpx2
import pytest
import uvicorn
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.http_protocol import HEADER_TIMEOUT_S, uvicorn_config
from pixapi_mcp.http_server import http_app
from pixapi_mcp.listen import bind_listening_socket
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, SandboxState, create_app
from pixapi_mcp.server import build_server
from tests.server_harness import ALL_TOOLS, SANDBOX_URL, SharedTimer, structured, subprocess_env

pytestmark = pytest.mark.anyio

TOKEN = "mcp-token-3b9f1d7c2e5a4f60"
START_TIMEOUT_S = 30.0
CALL_TIMEOUT_S = 60.0


# -- serving and connecting (shared with test_load and test_canary) ------------------------------


class _Server(uvicorn.Server):
    """uvicorn that says when it is listening (a thread event instead of polling ``started``)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@asynccontextmanager
async def serving(
    make_app: Callable[[int], Any], *, header_timeout_s: float = HEADER_TIMEOUT_S
) -> AsyncIterator[str]:
    """Serve ``make_app(port)`` with uvicorn in a thread on 127.0.0.1 and a free port, configured as
    ``serve --transport http`` configures it; yields the base URL. The port is bound first, so the
    app's Host allow-list can name it."""
    sock = bind_listening_socket("127.0.0.1", 0)
    port = int(sock.getsockname()[1])
    config = uvicorn_config(
        make_app(port),
        header_timeout_s=header_timeout_s,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with anyio.fail_after(START_TIMEOUT_S):
            while not await anyio.to_thread.run_sync(server.ready.wait, 0.2):
                assert thread.is_alive(), "the server stopped during start-up"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await anyio.to_thread.run_sync(thread.join, 10.0)
        if thread.is_alive():
            server.force_exit = True
            await anyio.to_thread.run_sync(thread.join, 5.0)
        sock.close()
        assert not thread.is_alive(), "the server did not stop"


@asynccontextmanager
async def http_client(
    base_url: str, token: str | None = None, mode: str = "auto", statuses: list[int] | None = None
) -> AsyncIterator[Client]:
    """The SDK's streamable-HTTP client, presenting ``token`` as a bearer token when given;
    ``statuses`` collects the HTTP status of every answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def note(response: httpx2.Response) -> None:
        if statuses is not None:
            statuses.append(response.status_code)

    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(
            httpx2.AsyncClient(
                headers=headers,
                timeout=httpx2.Timeout(30.0, read=CALL_TIMEOUT_S),
                event_hooks={"response": [note]},
            )
        )
        transport = streamable_http_client(f"{base_url}/mcp", http_client=http)
        client = await stack.enter_async_context(Client(transport, mode=mode))
        yield client


@dataclass
class SandboxedApp:
    """The real server on the real sandbox with one manual clock (like tests.server_harness), as an
    HTTP app factory for ``serving``: a "3 s" image task completes without real waiting."""

    settings: Settings
    sandbox: SandboxState
    timer: SharedTimer
    http: httpx2.AsyncClient

    def __call__(self, port: int) -> Any:
        # remote=True, as http_app builds its own: over HTTP the client's roots are ignored.
        server = build_server(self.settings, self.http, timer=self.timer, remote=True)
        return http_app(self.settings, "127.0.0.1", port, server=server)


def sandboxed_app(make_settings: Callable[..., Settings], env: dict[str, str] | None = None) -> SandboxedApp:
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock, max_image_side=256))
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=SANDBOX_URL)
    settings = make_settings(
        {"PIXAPI_KEY": SANDBOX_KEY, "PIXAPI_BASE_URL": SANDBOX_URL, **(env or {})}, sandbox=True
    )
    return SandboxedApp(settings, app.state.sandbox, SharedTimer(clock), http)


class ServerProcess:
    """A ``pixapi-mcp serve --transport http`` process: its URL, pid and everything it logged."""

    def __init__(self, process: anyio.abc.Process) -> None:
        self.process = process
        self.stderr = bytearray()
        self.url = ""
        self._found = anyio.Event()

    @property
    def log(self) -> str:
        return self.stderr.decode(errors="replace")

    async def drain(self) -> None:
        """Read stderr until the process ends, so its pipe never fills; note the served URL."""
        assert self.process.stderr is not None
        async for chunk in self.process.stderr:
            self.stderr.extend(chunk)
            if not self.url and (m := re.search(rb"serving MCP over HTTP at (http://\S+)/mcp", self.stderr)):
                self.url = m[1].decode()
                self._found.set()


@asynccontextmanager
async def server_process(env: dict[str, str], *args: str) -> AsyncIterator[ServerProcess]:
    """Start ``serve --transport http --port 0 ARGS`` on 127.0.0.1 and wait until it listens; on
    exit, stop it with SIGTERM (then SIGKILL) and wait for it, bounded."""
    command = [sys.executable, "-m", "pixapi_mcp", "serve", "--transport", "http", "--port", "0", *args]
    process = await anyio.open_process(command, env=env, stdin=None, stdout=None)
    served = ServerProcess(process)
    async with anyio.create_task_group() as tg:
        tg.start_soon(served.drain)
        try:
            with anyio.fail_after(START_TIMEOUT_S):
                while not served.url:
                    assert process.returncode is None, f"the server exited: {served.log}"
                    with anyio.move_on_after(0.2):
                        await served._found.wait()  # pyright: ignore[reportPrivateUsage]
            yield served
        finally:
            if process.returncode is None:
                process.terminate()
            with anyio.move_on_after(15):
                await process.wait()
            if process.returncode is None:
                process.kill()
                with anyio.fail_after(5):
                    await process.wait()


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log record of the process, formatted with its arguments (what a log file would hold)."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


# -- helpers ------------------------------------------------------------------------------------


async def _generate_with_progress(client: Client) -> tuple[dict[str, Any], list[float]]:
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    with anyio.fail_after(CALL_TIMEOUT_S):
        result = await client.call_tool(
            "generate_image",
            {"prompt": "a lighthouse at dusk", "size": "64x64"},
            progress_callback=on_progress,
        )
    return structured(result), seen


def _mcp_headers(method: str, name: str | None = None) -> dict[str, str]:
    """Headers of a 2026-07-28 streamable-HTTP request, as the SDK's client sends them."""
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": method,
    }
    if name:
        headers["Mcp-Name"] = name
    return headers


def _jsonrpc_body(method: str, params: str) -> bytes:
    meta = (
        '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
        '"io.modelcontextprotocol/clientInfo":{"name":"raw","version":"0"},'
        '"io.modelcontextprotocol/clientCapabilities":{}}'
    )
    return f'{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{{{params},{meta}}}}}'.encode()


def _jsonrpc_result(response: httpx2.Response) -> dict[str, Any]:
    """The JSON-RPC message of a JSON or SSE answer."""
    text = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
        messages = [json.loads(d) for d in data if d]
        return next(m for m in messages if "result" in m or "error" in m)
    return json.loads(text)


# -- in-process ---------------------------------------------------------------------------------


async def test_http_in_process_token_health_rebinding_and_progress(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    served = sandboxed_app(make_settings, {"PIXAPI_MCP_TOKEN": TOKEN, "PIXAPI_LOG_LEVEL": "DEBUG"})
    answers: list[str] = []
    checks = 0
    with captured_logs() as logs:
        async with served.http, serving(served) as base:
            host = base.removeprefix("http://")
            async with httpx2.AsyncClient(base_url=base, timeout=10.0) as raw:

                async def post(headers: dict[str, str], body: bytes = b"{}") -> httpx2.Response:
                    response = await raw.post("/mcp", headers=headers, content=body)
                    answers.append(f"{response.status_code} {dict(response.headers)} {response.text}")
                    return response

                health = await raw.get("/health")
                assert health.status_code == 200 and health.json()["status"] == "ok"
                answers.append(health.text)

                listing = _mcp_headers("tools/list")
                body = _jsonrpc_body("tools/list", '"cursor":null')
                for auth in [
                    None,
                    "Bearer wrong-token",
                    f"Bearer {TOKEN}x",
                    f"Bearer {TOKEN[:-1]}",
                    f"Bearer{TOKEN}",
                    "Bearer",
                    f"Token {TOKEN}",
                    f"Bearerx {TOKEN}",
                    TOKEN,
                    "Basic eDp5",
                ]:
                    headers = dict(listing) | ({"Authorization": auth} if auth else {})
                    refused = await post(headers, body)
                    assert refused.status_code == 401, (auth, refused.status_code)
                    assert "PIXAPI_MCP_TOKEN" in refused.text and "wrong-token" not in refused.text
                    assert refused.headers["www-authenticate"].startswith("Bearer")
                    checks += 1
                # The scheme in any case (RFC 9110 section 11.1), any run of spaces before the token.
                for scheme in ("Bearer ", "bearer ", "BEARER ", "bEaReR   "):
                    ok = await post(listing | {"Authorization": f"{scheme}{TOKEN}"}, body)
                    assert ok.status_code == 200, (scheme, ok.text)
                    assert {t["name"] for t in _jsonrpc_result(ok)["result"]["tools"]} == ALL_TOOLS
                    checks += 1

                # DNS rebinding: the right token from a page that resolved evil.example to 127.0.0.1.
                bearer = {"Authorization": f"Bearer {TOKEN}"}
                authed = listing | bearer
                for foreign_host in [
                    "evil.example",
                    f"evil.example:{host.split(':')[1]}",
                    "127.0.0.1.evil.example",
                ]:
                    refused = await post(authed | {"Host": foreign_host}, body)
                    assert refused.status_code == 421, (foreign_host, refused.status_code, refused.text)
                    checks += 1
                for origin in ["http://evil.example", f"http://evil.example:{host.split(':')[1]}", "null"]:
                    refused = await post(authed | {"Origin": origin}, body)
                    assert refused.status_code == 403, (origin, refused.status_code, refused.text)
                    checks += 1
                allowed = await post(authed | {"Origin": f"http://{host}", "Host": host}, body)
                assert allowed.status_code == 200

                # JSON parsers accept what UTF-8 cannot carry: the server answers with a clean error.
                for controls in ['{"seed":"\\ud800"}', '{"seed":NaN}', '{"seed":1e999}']:
                    call = _jsonrpc_body(
                        "tools/call",
                        f'"name":"generate_image","arguments":{{"prompt":"p","controls":{controls}}}',
                    )
                    answer = await post(_mcp_headers("tools/call", "generate_image") | bearer, call)
                    assert answer.status_code == 200, answer.text
                    result = _jsonrpc_result(answer)["result"]
                    assert (
                        result["isError"] is True
                        and "category: invalid_request" in result["content"][0]["text"]
                    )
                    checks += 1

            for mode in ("auto", "legacy"):
                async with http_client(base, TOKEN, mode) as client:
                    names = {t.name for t in (await client.list_tools()).tools}
                    assert names == ALL_TOOLS
                    data, progress = await _generate_with_progress(client)
                    assert data["status"] == "completed" and Path(data["data"][0]["path"]).is_file()
                    assert progress and progress == sorted(progress) and progress[-1] == 100, progress
                    checks += 1
            # The SDK's own client with a wrong token gets nowhere (it raises on connecting).
            statuses: list[int] = []
            with anyio.fail_after(CALL_TIMEOUT_S), pytest.raises(Exception):  # noqa: B017
                async with http_client(base, "not-the-token", statuses=statuses) as client_without:
                    await client_without.list_tools()
            assert statuses and set(statuses) == {401}, statuses
    text = "\n".join(answers + logs)
    assert TOKEN not in text, "the token leaked into a response or a log line"
    assert any("serving" in line or "ready" in line for line in logs)
    suite_counts["http: in-process checks"] = checks


# -- as a process -------------------------------------------------------------------------------


@pytest.mark.slow
async def test_http_subprocess_with_token_progress_and_no_leak(
    tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    """The real command, on a port it picks itself (--port 0: the log names the real one, and the
    Host allow-list must carry it, or every request would be refused)."""
    # A 1 s image task (not the sandbox's 3 s): still a few polls, so progress has steps to show.
    env = subprocess_env(tmp_path, PIXAPI_MCP_TOKEN=TOKEN, PIXAPI_SANDBOX_IMAGE_TASK_S="1")
    answers: list[str] = []
    async with server_process(env, "--sandbox") as served:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", served.url) and not served.url.endswith(":0")
        async with httpx2.AsyncClient(base_url=served.url, timeout=10.0) as raw:
            health = await raw.get("/health")
            assert health.status_code == 200 and health.json()["sandbox"] is True
            refused = await raw.post("/mcp", headers=_mcp_headers("tools/list"), content=b"{}")
            assert refused.status_code == 401
            answers += [health.text, refused.text, str(dict(refused.headers))]
        statuses: list[int] = []
        async with http_client(served.url, TOKEN, statuses=statuses) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert names == ALL_TOOLS
            # The process runs on the wall clock: the sandbox's image task takes 1 s.
            data, progress = await _generate_with_progress(client)
            assert data["status"] == "completed"
            saved = Path(data["data"][0]["path"])
            assert saved.is_file() and saved.is_relative_to(tmp_path / "out")
            assert progress and progress == sorted(progress) and progress[-1] == 100, progress
        assert statuses and all(s < 400 for s in statuses), statuses
    assert served.process.returncode is not None
    log = served.log
    assert "serving MCP over HTTP" in log and "DEBUG" in log
    assert TOKEN not in log, "the token leaked into the server's log"
    assert all(TOKEN not in a for a in answers)
    suite_counts["http: subprocess tool calls"] = 2


@pytest.mark.slow
@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10"])
async def test_off_loopback_without_token_refuses_to_start(tmp_path: Path, host: str) -> None:
    """Never actually served: the process must stop before binding, with exit code 2."""
    env = subprocess_env(tmp_path)
    command = [
        sys.executable,
        "-m",
        "pixapi_mcp",
        "serve",
        "--transport",
        "http",
        "--host",
        host,
        "--port",
        "0",
    ]
    with anyio.fail_after(START_TIMEOUT_S):
        done = await anyio.run_process(command, env=env, check=False)
    stderr = done.stderr.decode()
    assert done.returncode == 2, (done.returncode, stderr)
    assert "Refusing to serve HTTP" in stderr and "PIXAPI_MCP_TOKEN" in stderr, stderr
    assert "serving MCP over HTTP" not in stderr and done.stdout == b""


# -- SSRF through edit_image's URL input, with a real HTTP server and real redirects ----------------

# An address that passes the guard (public, and a literal, so no DNS lookup is made); the test's
# transport routes it to the local image server, standing in for an attacker's public host.
PUBLIC_IP = "93.184.216.34"


class PublicHostRouter(httpx2.AsyncBaseTransport):
    """Real HTTP, except that requests to PUBLIC_IP are delivered to 127.0.0.1:``port``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.host == PUBLIC_IP:
            request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def image_server(hits: list[str]) -> Any:
    """``/img.png`` (a PNG) and ``/go?to=URL`` (a 302 to URL); every request path is recorded."""
    import io

    from PIL import Image
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    buf = io.BytesIO()
    Image.new("RGB", (24, 24), "gold").save(buf, format="PNG")
    png = buf.getvalue()

    async def img(request: Request) -> Response:
        hits.append(request.url.path)
        return Response(png, media_type="image/png")

    async def go(request: Request) -> Response:
        hits.append(request.url.path)
        return RedirectResponse(request.query_params["to"], status_code=302)

    return Starlette(routes=[Route("/img.png", img), Route("/go", go)])


def ssrf_cases(port: int) -> list[tuple[str, str, bool]]:
    """(label, URL given to edit_image, whether it only becomes reachable with private URLs allowed).

    Direct URLs are refused before any connection; redirects are refused at the hop, after the
    first (public) request and before the second."""
    local = f"http://127.0.0.1:{port}/img.png"
    cases = [
        ("loopback", local, True),
        ("localhost", f"http://localhost:{port}/img.png", True),
        ("ipv6 loopback", f"http://[::1]:{port}/img.png", True),
        ("v4-mapped v6", f"http://[::ffff:127.0.0.1]:{port}/img.png", True),
        ("unspecified", f"http://0.0.0.0:{port}/img.png", True),
        ("metadata", "http://169.254.169.254/latest/meta-data/iam/", False),
        ("private 10/8", "http://10.255.255.1/a.png", False),
        ("file scheme", "file:///etc/passwd", False),
        # Issue 12: IPv6 transition forms carrying a loopback or link-local IPv4 address.
        ("nat64 of loopback", f"http://[64:ff9b::7f00:1]:{port}/img.png", False),
        ("v4-compatible loopback", f"http://[::7f00:1]:{port}/img.png", False),
        ("6to4 of metadata", "http://[2002:a9fe:a9fe::]/latest/meta-data/", False),
        ("site-local", "http://[fec0::1]/a.png", False),
    ]
    hops = [
        ("redirect to loopback", local, True),
        ("redirect to localhost", f"http://localhost:{port}/img.png", True),
        ("redirect to ipv6 loopback", f"http://[::1]:{port}/img.png", True),
        ("redirect to metadata", "http://169.254.169.254/latest/meta-data/", False),
        ("redirect to private 192.168/16", "http://192.168.0.1/a.png", False),
        ("redirect to file", "file:///etc/passwd", False),
        ("redirect to gopher", "gopher://127.0.0.1:25/", False),
        ("redirect to nat64 metadata", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", False),
    ]
    for label, target, reachable in hops:
        cases.append((label, f"http://{PUBLIC_IP}/go?to={target}", reachable))
    return cases


@asynccontextmanager
async def api_server_on(settings: Settings, port: int) -> AsyncIterator[Client]:
    """The MCP server with a real HTTP client (PUBLIC_IP routed to the image server), for URL
    inputs too: under their address check, a connection to PUBLIC_IP goes to the image server."""
    from pixapi_mcp.client import InputNetwork
    from tests.test_files_urls import RoutingBackend

    network = InputNetwork(connect=RoutingBackend({PUBLIC_IP: port}))
    async with (
        httpx2.AsyncClient(transport=PublicHostRouter(port), timeout=10.0) as http,
        Client(build_server(settings, http, network=network)) as client,
    ):
        yield client


@pytest.mark.slow
async def test_ssrf_attacks_through_edit_image_url_inputs(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    from pixapi_mcp.sandbox import running_sandbox

    hits: list[str] = []
    attacks = 0
    with running_sandbox(SandboxConfig(max_image_side=64)) as api:
        async with serving(lambda _: image_server(hits)) as images:
            port = int(images.rsplit(":", 1)[1])
            env = {"PIXAPI_KEY": SANDBOX_KEY, "PIXAPI_BASE_URL": api.base_url}
            # The public address itself is fine: the image arrives and the edit is made.
            async with api_server_on(make_settings(env), port) as client:
                ok = await client.call_tool(
                    "edit_image", {"prompt": "p", "image": f"http://{PUBLIC_IP}/img.png", "sync": True}
                )
                assert structured(ok)["status"] == "completed" and hits == ["/img.png"]
                for label, url, _reachable in ssrf_cases(port):
                    hits.clear()
                    posts = len([r for r in api.state.requests if r.method == "POST"])
                    with anyio.fail_after(CALL_TIMEOUT_S):
                        refused = await client.call_tool(
                            "edit_image", {"prompt": "p", "image": url, "sync": True}
                        )
                    text = refused.content[0].text if refused.content else ""  # pyright: ignore[reportAttributeAccessIssue]
                    assert refused.is_error and "retryable: no" in text, (label, text)
                    assert "refused" in text or "Only http(s)" in text, (label, text)
                    # Nothing private was contacted: at most the public first hop of a redirect.
                    assert hits == (["/go"] if "redirect" in label else []), (label, hits)
                    assert len([r for r in api.state.requests if r.method == "POST"]) == posts
                    attacks += 1
            # PIXAPI_ALLOW_PRIVATE_URLS=1 lets local URLs (and redirects to them) through, on purpose.
            allowed = make_settings(env | {"PIXAPI_ALLOW_PRIVATE_URLS": "1"})
            async with api_server_on(allowed, port) as client:
                for label, url, reachable in ssrf_cases(port):
                    if not reachable or "::" in url:
                        continue  # unroutable here, or IPv6 loopback may be off in the sandbox
                    hits.clear()
                    with anyio.fail_after(CALL_TIMEOUT_S):
                        result = await client.call_tool(
                            "edit_image", {"prompt": "p", "image": url, "sync": True}
                        )
                    assert structured(result)["status"] == "completed", label
                    assert hits[-1] == "/img.png", (label, hits)
    suite_counts["ssrf: attacks through edit_image refused"] = attacks


# -- nothing blocks the loop ------------------------------------------------------------------------


async def test_other_sessions_are_served_over_http_while_a_large_check_runs(
    make_settings: Callable[..., Settings],
) -> None:
    """One HTTP session's check_code holds its worker thread (the real check of 200,000 characters,
    held until the other session is done); another session is meanwhile served: it lists models,
    searches the docs with a question and with a 2,000-character query (the long one searched in a
    worker thread too), and edits an image given as a data URI with a b64_json answer (decoded,
    checked and saved in worker threads). Were the check on the event loop, nothing else could be
    answered until it ended and fail_after would end the test."""
    from pixapi_mcp.codecheck.tool import MAX_CODE_CHARS, register_check_code, run_check
    from tests.codecheck.samples import PYTHON

    started, release = threading.Event(), threading.Event()

    def held_check(code: str, language: str | None, deadline: float | None) -> Any:
        started.set()  # in the server's worker thread: the check has begun
        release.wait(timeout=CALL_TIMEOUT_S)
        return run_check(code, language, None)

    served = sandboxed_app(make_settings)

    def app(port: int) -> Any:
        server = build_server(served.settings, served.http, timer=served.timer, remote=True)
        server.remove_tool("check_code")
        register_check_code(server, runner=held_check)
        return http_app(served.settings, "127.0.0.1", port, server=server)

    large = (PYTHON * (MAX_CODE_CHARS // len(PYTHON) + 1))[:MAX_CODE_CHARS]
    data_uri = "data:image/png;base64," + base64.b64encode(_tiny_png()).decode()
    long_query = ("poll a video task until it completes and save the file " * 40)[:2000]
    answered: dict[str, Any] = {}
    async with (
        served.http,
        serving(app) as base,
        http_client(base) as checker,
        http_client(base) as other,
    ):

        async def check() -> None:
            answered["check"] = await checker.call_tool("check_code", {"code": large, "language": "python"})

        with anyio.fail_after(CALL_TIMEOUT_S):
            async with anyio.create_task_group() as group:
                group.start_soon(check)
                assert await anyio.to_thread.run_sync(started.wait, CALL_TIMEOUT_S)
                try:
                    answered["models"] = await other.call_tool("list_models", {})
                    answered["question"] = await other.call_tool("search_docs", {"query": "poll a video"})
                    answered["long"] = await other.call_tool("search_docs", {"query": long_query})
                    answered["image"] = await other.call_tool(
                        "edit_image",
                        {"prompt": "make it blue", "image": data_uri, "response_format": "b64_json"},
                    )
                    answered["before_check"] = "check" not in answered
                finally:
                    release.set()
    assert answered["before_check"], "a call waited for the check"
    for name in ("models", "question", "long", "image", "check"):
        assert not answered[name].is_error, (name, answered[name])
    assert structured(answered["long"])["hits"], "the long query found nothing"
    saved = structured(answered["image"])["data"][0]
    assert saved["path"] and Path(saved["path"]).is_file() and saved["media_type"] == "image/png"
    assert structured(answered["check"])["ok"] is True


def _tiny_png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()
