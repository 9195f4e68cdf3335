"""The HTTP connection uvicorn runs for ``serve --transport http``: h11, with a deadline on the
request head.

uvicorn (0.54) has no header read timeout. ``timeout_keep_alive`` only runs between requests, and
any byte received cancels it; a new connection has no timer at all. So a client that sends half
a request line and then a byte every few seconds (or nothing) holds its connection, and a few
thousand such clients hold the server. An ASGI-level timeout cannot help: the app is called only
once the whole head has arrived. ``h11_max_incomplete_event_size`` (16 KiB by default) caps how
large a head may grow, not how long it may take.

``HeaderDeadlineProtocol`` adds the missing bound at the protocol level: from the moment a
connection opens, or a kept-alive connection gets the first byte of its next request, the whole
request head (request line and headers) must arrive within ``header_timeout_s``; otherwise the
connection is closed. Trickling bytes does not extend it. Bodies and responses are not limited
here (the MCP transport caps body size; a long-running response is what streaming is for).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HEADER_TIMEOUT_S", "HeaderDeadlineProtocol", "uvicorn_config"]

log = logging.getLogger(__name__)

# A request head is a few hundred bytes: any client on any network sends it in well under this.
HEADER_TIMEOUT_S = 10.0


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request head (``header_timeout_s``)."""

    header_timeout_s: float = HEADER_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # pyright: ignore[reportIncompatibleMethodOverride]
        # (uvicorn's own signature narrows asyncio.Protocol's BaseTransport the same way.)
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # h11 leaves IDLE once a whole request head has been parsed: until then the clock runs.
        if self.conn.their_state is h11.IDLE:
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._head_deadline is None and not self.transport.is_closing():
            self._head_deadline = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return
        log.info("closed a connection whose request head took over %g s", self.header_timeout_s)
        self.transport.close()


def uvicorn_config(app: Any, *, header_timeout_s: float = HEADER_TIMEOUT_S, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration ``serve --transport http`` runs ``app`` with: the h11 protocol
    with a request-head deadline of ``header_timeout_s``; ``options`` go to ``uvicorn.Config``."""
    protocol = type(
        "HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_s": header_timeout_s}
    )
    return uvicorn.Config(app, http=protocol, **options)
