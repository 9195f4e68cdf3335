"""Files and URLs under attack (issue 12), through the tools, judged by what the sandbox received.

- A second thread flips a workspace input between a real file and a symlink to a file outside, a
  FIFO, or a symlink to ``/dev/zero``, during 400 ``edit_image`` calls: the sandbox's request log
  (every multipart body it was sent, recorded by a wrapper around the sandbox app) holds zero
  uploads of the outside file, and every call ends (before: 12-72 outside uploads in 400; a FIFO
  hung the call for good; ``/dev/zero`` read until memory ran out).
- ``get_task`` after the output folder was swapped for a symlink writes nothing outside.
- DNS rebinding: a resolver the test controls answers a public address, then ``127.0.0.1``; a
  real HTTP server on loopback receives zero requests, and the public one sees the name in Host.
- A real loopback server that trickles a byte every 2 s, and one that never answers: the call ends
  with a clear timeout error within the input deadline, and nothing is submitted.
- Over HTTP, a client declaring ``file:///`` gets nothing outside the server's configured folders.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import httpcore2
import httpx2
import pytest
from mcp.client import Client
from mcp_types import ListRootsResult, Root
from PIL import Image

from pixapi_mcp.client import InputNetwork
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, create_app
from pixapi_mcp.server import build_server
from tests.server_harness import SANDBOX_URL, Harness, SharedTimer, structured, text_of

pytestmark = pytest.mark.anyio

CALL_TIMEOUT_S = 20.0
RACE_CALLS = 400
PUBLIC_IP = "93.184.216.34"


def _png(color: str, size: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


# -- a sandbox whose request bodies are kept -------------------------------------------------------


@dataclass
class Recorded:
    harness: Harness
    bodies: list[bytes] = field(default_factory=list[bytes])

    def uploads_of(self, data: bytes) -> int:
        """How many requests the sandbox received carrying ``data`` (a file's exact bytes)."""
        return sum(data in body for body in self.bodies)


@asynccontextmanager
async def recorded(
    make_settings: Callable[..., Settings],
    env: dict[str, str] | None = None,
    network: InputNetwork | None = None,
) -> AsyncIterator[Recorded]:
    """The harness's server and sandbox, with every POST body the sandbox receives kept."""
    clock = ManualClock()
    app = create_app(SandboxConfig(clock=clock, max_image_side=64))
    seen = Recorded(harness=None)  # pyright: ignore[reportArgumentType] - set below

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def keep() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    seen.bodies.append(b"".join(chunks))
            return message

        await app(scope, keep, send)

    settings = make_settings(
        {
            "PIXAPI_KEY": SANDBOX_KEY,
            "PIXAPI_BASE_URL": SANDBOX_URL,
            "PIXAPI_MAX_CREDITS_PER_SESSION": "1e12",
            **(env or {}),
        },
        sandbox=True,
    )
    app.state.sandbox.set_balance(SANDBOX_KEY, 1e12)
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=recording), base_url=SANDBOX_URL
    ) as http:
        seen.harness = Harness(settings, app.state.sandbox, SharedTimer(clock), http)
        yield seen


@asynccontextmanager
async def client_of(
    h: Harness, network: InputNetwork | None = None, mode: str = "auto"
) -> AsyncIterator[Client]:
    server = build_server(h.settings, h.http, timer=h.timer, network=network)
    async with Client(server, mode=mode) as client:  # pyright: ignore[reportArgumentType]
        yield client


# -- the racing file ------------------------------------------------------------------------------


def _flipper(
    target: Path, kinds: Iterable[Callable[[Path], object]], stop: threading.Event
) -> threading.Thread:
    """A thread that replaces ``target`` atomically (rename over it) by each of ``kinds`` in turn."""
    makers = list(kinds)

    def run() -> None:
        n = 0
        while not stop.is_set():
            staged = target.with_name(f".staged-{n % 4}")
            if staged.is_symlink() or staged.exists():
                staged.unlink()
            makers[n % len(makers)](staged)
            os.replace(staged, target)
            n += 1

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


async def test_a_racing_symlink_fifo_or_device_never_reaches_the_upload(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    secret, mine = _png("black"), _png("white")
    (tmp_path / "secret.png").write_bytes(secret)
    image = out / "img.png"
    image.write_bytes(mine)
    kinds: list[Callable[[Path], object]] = [
        lambda p: p.write_bytes(mine),
        lambda p: p.symlink_to(tmp_path / "secret.png"),
        lambda p: p.write_bytes(mine),
        lambda p: os.mkfifo(p),
        lambda p: p.write_bytes(mine),
        lambda p: p.symlink_to("/dev/zero"),
    ]
    outcomes = {"uploaded": 0, "refused": 0}
    async with recorded(make_settings) as seen, client_of(seen.harness) as client:
        stop = threading.Event()
        flips = _flipper(image, kinds, stop)
        try:
            for _ in range(RACE_CALLS):
                with anyio.fail_after(CALL_TIMEOUT_S):
                    result = await client.call_tool(
                        "edit_image", {"prompt": "p", "image": str(image), "sync": True}
                    )
                if result.is_error:
                    assert "category: invalid_request" in text_of(result), text_of(result)
                outcomes["refused" if result.is_error else "uploaded"] += 1
        finally:
            stop.set()
            flips.join(10)
    outside_uploads = seen.uploads_of(secret)
    assert outside_uploads == 0, f"{outside_uploads} of {RACE_CALLS} calls uploaded the file outside"
    assert seen.uploads_of(mine) == outcomes["uploaded"] > 0 and outcomes["refused"] > 0, outcomes
    suite_counts["files: racing-input calls (zero outside uploads)"] = RACE_CALLS


async def test_a_fifo_and_a_device_are_refused_promptly(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "pipe.png")
    env = {"PIXAPI_ALLOWED_DIRS": "/dev"}  # even where devices are allowed, none is read
    async with recorded(make_settings, env) as seen, client_of(seen.harness) as client:
        for value in (str(out / "pipe.png"), "/dev/zero", "/dev/urandom"):
            with anyio.fail_after(CALL_TIMEOUT_S):
                result = await client.call_tool("edit_image", {"prompt": "p", "image": value})
            assert result.is_error and "not a regular file" in text_of(result), text_of(result)
        assert seen.harness.posts() == []


async def test_get_task_refuses_an_output_folder_swapped_for_a_symlink(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    async with recorded(make_settings) as seen, client_of(seen.harness) as client:
        handle = structured(await client.call_tool("generate_image", {"prompt": "fox", "wait_s": 0}))
        assert handle["status"] != "completed"
        out.rename(tmp_path / "out-moved")
        out.symlink_to(outside)
        await seen.harness.timer.sleep(60)
        result = await client.call_tool("get_task", {"task_id": handle["id"]})
    assert list(outside.iterdir()) == [], "written through the swapped folder"
    text = text_of(result)
    # Not written, not dropped: the output keeps its URL and says why.
    assert "now a symlink" in text and f"{SANDBOX_URL}/files/" in text, text[:800]


# -- URL inputs: rebinding, trickling -------------------------------------------------------------


class RoutingBackend(httpcore2.AsyncNetworkBackend):
    """Under the address check: connections to an address in ``routes`` go to that loopback port
    instead (standing in for a host on the internet); every address asked for is recorded."""

    def __init__(self, routes: dict[str, int]) -> None:
        self.routes = routes
        self.asked: list[str] = []
        self.inner: Any = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        self.asked.append(host)
        if host in self.routes:
            host, port = "127.0.0.1", self.routes[host]
        return await self.inner.connect_tcp(host, port, timeout=timeout, socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


def _image_app(hits: list[tuple[str, str]]) -> Any:
    """A Starlette app answering a PNG; records (path, Host header) of every request."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    png = _png("gold", 24)

    async def img(request: Request) -> Response:
        hits.append((request.url.path, request.headers.get("host", "")))
        # No keep-alive: every fetch connects (and so resolves) again.
        return Response(png, media_type="image/png", headers={"connection": "close"})

    return Starlette(routes=[Route("/img.png", img)])


async def test_dns_rebinding_reaches_no_loopback_service(
    make_settings: Callable[..., Settings], suite_counts: dict[str, int]
) -> None:
    """The resolver answers a public address, then 127.0.0.1, alternately (what a rebinding DNS
    server does between a check and a connection). Each connection uses the one answer it checked:
    the public answers reach the public server (with the name in Host), the loopback answers are
    refused, and the real service on 127.0.0.1 receives nothing."""
    from tests.test_http import serving

    public_hits: list[tuple[str, str]] = []
    private_hits: list[tuple[str, str]] = []
    answers: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        answers.append(PUBLIC_IP if len(answers) % 2 == 0 else "127.0.0.1")
        return [answers[-1]]

    async with (
        serving(lambda _: _image_app(public_hits)) as public,
        serving(lambda _: _image_app(private_hits)) as private,
    ):
        public_port, private_port = int(public.rsplit(":", 1)[1]), int(private.rsplit(":", 1)[1])
        backend = RoutingBackend({PUBLIC_IP: public_port})
        network = InputNetwork(resolve=rebinding, connect=backend)
        url = f"http://rebind.test:{private_port}/img.png"
        async with recorded(make_settings) as seen, client_of(seen.harness, network) as client:
            results = []
            for _ in range(6):
                with anyio.fail_after(CALL_TIMEOUT_S):
                    results.append(
                        await client.call_tool("edit_image", {"prompt": "p", "image": url, "sync": True})
                    )
    refused = [r for r in results if r.is_error]
    assert private_hits == [], "the loopback service was reached"
    assert "127.0.0.1" not in backend.asked
    assert len(refused) == 3 and all("refused" in text_of(r) for r in refused), [text_of(r) for r in refused]
    assert public_hits == [("/img.png", f"rebind.test:{private_port}")] * 3
    assert len(seen.harness.posts()) == 3
    suite_counts["urls: rebinding answers refused at connect"] = len(refused)


async def _trickle(stream: anyio.abc.SocketStream) -> None:
    """Answers 200 with a long body, then one byte every 2 s."""
    async with stream:
        await stream.receive(65536)
        await stream.send(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100):
            await stream.send(b"\x89")
            await anyio.sleep(2)


async def _silent(stream: anyio.abc.SocketStream) -> None:
    """Accepts, reads the request, never answers."""
    async with stream:
        await stream.receive(65536)
        await anyio.sleep_forever()


@pytest.mark.parametrize("handler", [_trickle, _silent], ids=["trickle", "silent"])
async def test_a_slow_host_ends_within_the_input_deadline(
    make_settings: Callable[..., Settings], handler: Callable[[anyio.abc.SocketStream], Any]
) -> None:
    """Before: the byte-every-2-s host held the call past 60 s under a 10 s deadline (each read
    arrives within the read timeout, so no timeout fired). Now one deadline covers the fetch."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    network = InputNetwork(connect=RoutingBackend({PUBLIC_IP: port}))
    env = {"PIXAPI_TOOL_DEADLINE_S": "4"}  # inputs get half: 2 s
    result = None
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handler)
        async with recorded(make_settings, env) as seen, client_of(seen.harness, network) as client:
            with anyio.fail_after(CALL_TIMEOUT_S):
                result = await client.call_tool(
                    "edit_image", {"prompt": "p", "image": f"http://{PUBLIC_IP}/slow.png"}
                )
            assert seen.harness.posts() == []
        tg.cancel_scope.cancel()
    assert result is not None
    text = text_of(result)
    assert result.is_error and "did not finish within 2 s" in text and "category: timeout" in text, text


# -- over HTTP: the server's folders, never the client's roots ---------------------------------


async def test_http_clients_roots_never_widen_the_servers_file_scope(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """A remote client declares ``file:///`` as its root. Before: a server-side image outside the
    configured folders was uploaded, and outputs went to any server folder it named. Now the
    roots are ignored over HTTP: both are refused, and outputs land in PIXAPI_OUTPUT_DIR."""
    from mcp.client.streamable_http import streamable_http_client

    from pixapi_mcp.http_server import http_app
    from tests.test_http import serving

    secret_dir = tmp_path / "server-secrets"
    secret_dir.mkdir()
    secret = _png("black")
    (secret_dir / "key.png").write_bytes(secret)
    elsewhere = tmp_path / "elsewhere"

    async def declare_everything(_: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri="file:///")])  # pyright: ignore[reportArgumentType]

    async with recorded(make_settings) as seen:
        h = seen.harness

        def make_app(port: int) -> Any:
            return http_app(
                h.settings,
                "127.0.0.1",
                port,
                server=build_server(h.settings, h.http, timer=h.timer, remote=True),
            )

        async with serving(make_app) as base:
            for mode in ("legacy", "auto"):
                async with (
                    httpx2.AsyncClient(timeout=CALL_TIMEOUT_S) as http,
                    Client(
                        streamable_http_client(f"{base}/mcp", http_client=http),
                        mode=mode,  # pyright: ignore[reportArgumentType]
                        list_roots_callback=declare_everything,  # pyright: ignore[reportArgumentType]
                    ) as client,
                ):
                    read = await client.call_tool(
                        "edit_image", {"prompt": "p", "image": str(secret_dir / "key.png")}
                    )
                    write = await client.call_tool(
                        "generate_image", {"prompt": "p", "output_dir": str(elsewhere), "sync": True}
                    )
                    plain = structured(
                        await client.call_tool("generate_image", {"prompt": "p", "sync": True})
                    )
                    assert read.is_error and "outside the allowed folders" in text_of(read), (
                        mode,
                        text_of(read),
                    )
                    assert write.is_error and "outside the allowed folders" in text_of(write), mode
                    saved = Path(plain["data"][0]["path"])
                    assert saved.is_relative_to((tmp_path / "out").resolve()), (mode, saved)
    assert seen.uploads_of(secret) == 0
    assert not elsewhere.exists()


async def test_the_http_app_builds_a_remote_server_by_default(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """``serve --transport http`` builds its server through ``http_app``: that one ignores roots too."""
    from mcp.client.streamable_http import streamable_http_client

    from pixapi_mcp.http_server import http_app
    from tests.test_http import serving

    settings = make_settings({"PIXAPI_SANDBOX_IMAGE_TASK_S": "0"}, sandbox=True)

    async def declare_everything(_: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=(tmp_path / "client-root").as_uri())])  # pyright: ignore[reportArgumentType]

    async with (
        serving(lambda port: http_app(settings, "127.0.0.1", port)) as base,
        httpx2.AsyncClient(timeout=CALL_TIMEOUT_S) as http,
        Client(
            streamable_http_client(f"{base}/mcp", http_client=http),
            mode="legacy",
            list_roots_callback=declare_everything,  # pyright: ignore[reportArgumentType]
        ) as client,
    ):
        result = structured(await client.call_tool("generate_image", {"prompt": "p", "sync": True}))
    assert Path(result["data"][0]["path"]).is_relative_to((tmp_path / "out").resolve())
    assert not (tmp_path / "client-root").exists()
