"""What the API client and the downloader both read off an HTTP exchange.

Which transport failures happened before a byte left the machine (the line between "safe to send
again" and "may have been processed"), the server's ``Retry-After`` and request id, short
excerpts of server text, and the one debug line logged per request. The API client and the
downloader share it so the two cannot drift apart; neither the key nor MCP is known here.
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC
from urllib.parse import urlsplit

import httpx2

from pixapi_mcp import __version__

__all__ = [
    "EXCERPT_CHARS",
    "NEVER_SENT",
    "READ_RETRYABLE",
    "RESEND_SAFE",
    "USER_AGENT",
    "as_request_error",
    "excerpt",
    "header_request_id",
    "log_exchange",
    "logger",
    "parse_retry_after",
    "raw_request_id",
    "short_url",
]

# One logger for the whole client package: one debug line per request, API calls and downloads.
logger = logging.getLogger("pixapi_mcp.client")

USER_AGENT = f"pixapi-mcp/{__version__}"
# Long enough to say what went wrong, short enough that an HTML error page never floods a result.
EXCERPT_CHARS = 300

# Transport errors raised before a single byte of the request could leave the machine.
NEVER_SENT: tuple[type[Exception], ...] = (
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx2.ProxyError,
    httpx2.UnsupportedProtocol,
)
# The subset of those worth retrying (the others are configuration mistakes).
RESEND_SAFE: tuple[type[Exception], ...] = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# What a read (GET) retries: anything passing on the network, including dropped connections.
READ_RETRYABLE: tuple[type[Exception], ...] = (
    httpx2.TimeoutException,
    httpx2.NetworkError,
    httpx2.RemoteProtocolError,
)

_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"\s+")


def as_request_error(caught: httpx2.RequestError | OSError) -> httpx2.RequestError:
    """``caught`` as an httpx2 error. Transports that do not wrap socket errors (ASGITransport,
    used by --sandbox) surface them raw; they mean the connection was lost after sending."""
    if isinstance(caught, httpx2.RequestError):
        return caught
    return httpx2.ReadError(type(caught).__name__)


def excerpt(text: str, *, trim: Callable[[str], str] | None = None) -> str:
    """A short, single-line excerpt of a body; HTML tags dropped. ``trim`` cleans the cut end of
    a text that was cut (a caller holding a secret drops a piece of it left at the cut)."""
    if "<" in text and ">" in text:
        text = _TAGS.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > EXCERPT_CHARS:
        head = text[: EXCERPT_CHARS - 1]
        text = (trim(head) if trim is not None else head).rstrip() + "…"
    return text


def parse_retry_after(response: httpx2.Response) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, ``Retry-After`` seconds, or an
    HTTP date (measured against the response's own ``Date`` so clock skew does not matter)."""
    headers = response.headers
    if ms := headers.get("retry-after-ms"):
        with suppress(ValueError):
            value = float(ms) / 1000
            if math.isfinite(value) and value >= 0:
                return value
    raw = headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        pass
    else:
        return value if math.isfinite(value) and value >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = time.time()
    if date := headers.get("date"):
        with suppress(TypeError, ValueError, IndexError):
            server_now = email.utils.parsedate_to_datetime(date)
            if server_now.tzinfo is None:
                server_now = server_now.replace(tzinfo=UTC)
            reference = server_now.timestamp()
    return max(0.0, when.timestamp() - reference)


def raw_request_id(response: httpx2.Response) -> str | None:
    """The request id header as sent (callers holding a key scrub it before cutting it)."""
    # httpx2 headers are case-insensitive, so X-Request-Id and x-request-id both match.
    return response.headers.get("x-request-id") or response.headers.get("request-id") or None


def header_request_id(response: httpx2.Response) -> str | None:
    """The request id header, as an excerpt."""
    value = raw_request_id(response)
    return excerpt(value) if value else None


def short_url(url: str) -> str:
    """Host and path only: output URLs are often signed, and the query is the signature."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def log_exchange(
    method: str,
    path: str,
    status: int | None,
    request_id: str | None,
    started: float,
    error: str = "",
) -> None:
    """The one debug line per request: method, path (no query), status or error, request id, time."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.debug(
        "%s %s -> %s request_id=%s %.0f ms",
        method,
        path,
        status if status is not None else error or "error",
        request_id or "-",
        elapsed_ms,
    )
