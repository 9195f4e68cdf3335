"""Which addresses a URL input may reach, and the check run before every hop of its fetch.

The address rule itself (``is_public_address``, transition forms included) lives with the
transport that enforces it at connect time (``pixapi_mcp.client.guarded``): a name is resolved
once, there, and the connection goes to the address that was checked. ``url_guard`` only decides,
before each hop, what needs no lookup: the scheme, literal addresses, and which hops are trusted
(the in-process sandbox's own URLs, or every URL when PIXAPI_ALLOW_PRIVATE_URLS is set).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from pixapi_mcp.client import CHECKED, TRUSTED, Hop, UrlGuard, is_public_address
from pixapi_mcp.media.paths import MediaError

__all__ = ["is_public_address", "private_url_error", "url_guard"]


def private_url_error(host: str) -> MediaError:
    return MediaError(
        f"{host} is a private, loopback or link-local address; fetching it is refused. "
        "Set PIXAPI_ALLOW_PRIVATE_URLS=1 to allow local URLs."
    )


def url_guard(allow_private: bool, allow_hosts: Iterable[str] = ()) -> UrlGuard:
    """The check run before every URL fetch hop: http(s) only; a literal address must be public
    unless ``allow_private`` (PIXAPI_ALLOW_PRIVATE_URLS). Returns how the hop connects: ``TRUSTED``
    (the shared client: private URLs allowed, or a host in ``allow_hosts``, the in-process
    sandbox) or ``CHECKED`` (the transport that resolves the name once and connects only to public
    addresses)."""
    trusted = {h.lower() for h in allow_hosts}

    async def guard(url: str) -> Hop:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MediaError(f"Only http(s) URLs can be fetched, not {parts.scheme or 'this'}: URLs.")
        host = parts.hostname.lower()
        if allow_private or host in trusted:
            return TRUSTED
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return CHECKED  # a name: resolved and checked once, by the transport, at connect time
        if not is_public_address(host):
            raise private_url_error(host)
        return CHECKED

    return guard
