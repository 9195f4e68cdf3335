"""The one listening-socket helper: a known port for port 0, Nagle off, non-blocking, and OSError
(not a half-open socket) when the address cannot be had; and the one loopback test, which decides
when HTTP serving needs a token."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import pytest

from pixapi_mcp.config import Settings
from pixapi_mcp.http_server import serve_http
from pixapi_mcp.listen import bind_listening_socket, is_loopback


def test_port_0_listens_on_a_known_free_port_with_nagle_off() -> None:
    sock = bind_listening_socket("127.0.0.1", 0)
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
        assert sock.family == socket.AF_INET and sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 1
        assert not sock.getblocking()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # it accepts connections: the backlog takes them before anyone calls accept()
    finally:
        sock.close()


def test_a_taken_port_raises_oserror() -> None:
    first = bind_listening_socket("127.0.0.1", 0)
    try:
        with pytest.raises(OSError):
            bind_listening_socket("127.0.0.1", int(first.getsockname()[1]))
    finally:
        first.close()


def test_an_ipv6_host_gets_an_ipv6_socket() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        sock = bind_listening_socket("::1", 0)
    except OSError as exc:  # IPv6 compiled in but no loopback address configured (some containers)
        pytest.skip(f"no IPv6 loopback: {exc}")
    try:
        assert sock.family == socket.AF_INET6 and sock.getsockname()[1] > 0
    finally:
        sock.close()


@pytest.mark.anyio
async def test_accepted_connections_disable_nagle() -> None:
    """Connections accepted on the listening socket (the sandbox's, the HTTP server's) have
    TCP_NODELAY, as uvicorn's own sockets do. Without it each keep-alive request waited ~40 ms for a delayed ACK (found by
    ``python -m bench``: 44 ms per GET instead of under 1 ms)."""
    accepted: asyncio.Queue[int] = asyncio.Queue()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.put_nowait(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    listener = bind_listening_socket("127.0.0.1", 0)
    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        assert await asyncio.wait_for(accepted.get(), 10) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("", False),  # binds every interface
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback_counts_only_addresses_that_stay_on_this_machine(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_http_on_all_interfaces_without_a_token_serves_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    """``--host ""`` binds every interface: it needs a token like any public address (exit 2)."""
    assert serve_http(make_settings(), host="", port=0) == 2
