"""The transport URL inputs are fetched through: a name is resolved once, every address it
resolves to is checked, and the connection goes to a checked address. Nothing else resolves it.

A check made by name before the request (resolve, check, then let the HTTP client resolve again)
can be answered differently the second time: a rebinding DNS server answers a public address to
the check and ``127.0.0.1`` to the connection. Here the check is part of connecting
(``CheckedBackend.connect_tcp``, under httpcore's connection pool), so the address checked is the
address connected to. The request keeps the name: the ``Host`` header and TLS SNI (and certificate
check) come from the URL, not from the address. Every redirect hop goes through the same
transport, so every hop is checked the same way.

``is_public_address`` is the one address rule, IPv6 transition forms included: an IPv4 address
carried inside IPv6 (v4-mapped, v4-compatible, v4-translated, NAT64, 6to4, Teredo) is judged as
that IPv4 address, and site-local ``fec0::/10`` is refused like the private ranges.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import anyio
import httpcore2
import httpx2

from pixapi_mcp.client.errors import UnsafeAddressError

__all__ = [
    "CHECKED",
    "TRUSTED",
    "CheckedBackend",
    "CheckedTransport",
    "Hop",
    "InputNetwork",
    "Resolver",
    "embedded_ipv4",
    "is_public_address",
    "resolve_host",
]

# How one hop of a URL fetch connects: through the checked transport, or the shared client (a
# trusted origin, or private URLs allowed by the user).
Hop = Literal["checked", "trusted"]
CHECKED: Hop = "checked"
TRUSTED: Hop = "trusted"

Resolver = Callable[[str, int], Awaitable[list[str]]]

_V4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_V4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# RFC 8215 local-use NAT64: the IPv4 part may sit anywhere; the whole prefix is refused.
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 transition form carries (none for a native IPv6 address)."""
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in net for net in (_V4_MAPPED, _V4_TRANSLATED, _V4_COMPATIBLE, _NAT64)):
        return [low]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # (server, client), the client already un-obfuscated
    return []


def _public_v4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local (cloud metadata lives there), multicast, reserved,
    unspecified, shared (CGNAT) and site-local addresses, and for any transition form whose
    embedded IPv4 address is one of those (``::ffff:127.0.0.1``, ``::7f00:1``,
    ``64:ff9b::a9fe:a9fe``, ``2002:a9fe:a9fe::``). Unparseable text is not public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv4Address):
        return _public_v4(ip)
    if ip in _NAT64_LOCAL or ip.is_site_local or ip.is_multicast:
        return False
    carried = embedded_ipv4(ip)
    if carried:
        return all(_public_v4(v4) for v4 in carried)
    return ip.is_global


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, off the event loop)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class InputNetwork:
    """How URL inputs reach the network: the resolver whose answer is checked, and the backend
    that connects to the checked address. Tests inject both (a rebinding resolver; a backend that
    routes a public-looking address to a local server)."""

    resolve: Resolver = resolve_host
    connect: httpcore2.AsyncNetworkBackend = field(default_factory=lambda: _anyio_backend())


def _anyio_backend() -> httpcore2.AsyncNetworkBackend:
    # httpcore's own anyio backend (its class is declared conditionally, hence the cast).
    return cast(httpcore2.AsyncNetworkBackend, httpcore2.AnyIOBackend())


class CheckedBackend(httpcore2.AsyncNetworkBackend):
    """httpcore's network backend for URL inputs: resolves once, refuses the host unless every
    address is public, connects to the checked addresses only (in the resolver's order)."""

    def __init__(self, network: InputNetwork, allow: Callable[[str], bool] = is_public_address) -> None:
        self._network = network
        self._allow = allow

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        try:
            addresses = await self._network.resolve(host, port)
        except OSError:
            raise httpcore2.ConnectError(f"Could not resolve {host}") from None
        refused = [a for a in addresses if not self._allow(a)]
        if refused or not addresses:
            shown = f" to {refused[0]}" if refused and refused[0] != host else ""
            raise UnsafeAddressError(
                f"{host} resolves{shown}, a private, loopback or link-local address: fetching it is refused",
                sent=False,
            )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._network.connect.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout, OSError) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise UnsafeAddressError("URL inputs cannot be fetched over a Unix socket", sent=False)

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


class _CheckedPool(httpcore2.AsyncConnectionPool):
    """The pool of ``CheckedTransport``: its TLS context (the CA store, ~25 ms to load) is made
    when its first connection is, not at start-up: most sessions never fetch a URL input."""

    def create_connection(self, origin: httpcore2.Origin) -> httpcore2.AsyncConnectionInterface:
        if self._ssl_context is None:  # pyright: ignore[reportUnnecessaryComparison]: httpcore2 types it too narrowly
            self._ssl_context = httpx2.create_ssl_context(trust_env=False)
        return super().create_connection(origin)


class CheckedTransport(httpx2.AsyncHTTPTransport):
    """``httpx2``'s own transport (TLS, HTTP/1.1, pooling, exception mapping) over a connection
    pool whose network backend is ``CheckedBackend``. No proxy: a proxy would resolve the name
    itself, out of reach of the check."""

    def __init__(self, network: InputNetwork | None = None, *, limits: httpx2.Limits | None = None) -> None:
        limits = limits or httpx2.Limits(max_connections=16, max_keepalive_connections=4)
        # The pool made here is replaced below, so it gets a TLS context that costs nothing to make
        # (loading the CA store takes ~25 ms of every start-up) and verifies with no CA: unusable.
        super().__init__(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), trust_env=False, limits=limits)
        # The one private attribute used: the pool AsyncHTTPTransport sends through. Replaced
        # before anything was opened on it; tests/test_urls.py fails if it stops being used.
        self._pool = _CheckedPool(
            ssl_context=None,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(network or InputNetwork()),
        )
