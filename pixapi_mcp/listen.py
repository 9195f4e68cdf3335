"""One way to open a listening TCP socket, for every HTTP server the package starts.

Stdlib only and importing nothing of the package, so any module may use it: ``http_server.serve_http``
(MCP over HTTP), the sandbox's runner (the sandbox imports only ``contract`` and this leaf) and
the tests' in-process servers.

Servers bind first and hand the socket to uvicorn, so port 0 yields a known free port before
anything is served, and what is logged or allow-listed carries the real port.
"""

from __future__ import annotations

import ipaddress
import socket

BACKLOG = 128


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """A non-blocking TCP socket listening on ``(host, port)`` (IPv6 when ``host`` has a colon).

    Raises ``OSError`` (address in use, not permitted, unknown host), with nothing left open."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not the default 0: asyncio only sets TCP_NODELAY on accepted connections
    # whose socket says TCP, and without it Nagle holds back the body uvicorn writes after the
    # headers until the client's delayed ACK (~40 ms on Linux) on every keep-alive request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        # A restarted server can take its port back while old connections sit in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
        sock.bind((host, port))
        sock.listen(BACKLOG)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def is_loopback(host: str) -> bool:
    """True for names and addresses that stay on this machine (``localhost``, 127.0.0.0/8, ``::1``).
    The empty host binds every interface, so it is not loopback. Servers bound elsewhere require
    a token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
