"""The request-head deadline of the HTTP server (``http_protocol``), over real sockets.

A client that opens a connection and sends nothing, or half a request line and then a byte now and
then, is closed by the server once its head has taken longer than the deadline, however steadily
it trickles; meanwhile other clients are served, and ordinary keep-alive requests are unaffected.
The servers are the real ``http_app`` under uvicorn as ``serve --transport http`` configures it,
with a short deadline so the tests stay quick.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.abc
import httpx2
import pytest

from pixapi_mcp.config import Settings
from tests.test_http import sandboxed_app, serving

pytestmark = pytest.mark.anyio

DEADLINE_S = 1.0
# How long the trickling client waits for the server to hang up before sending its next byte.
TRICKLE_EVERY_S = 0.1
# The server must have closed well before this: without a deadline it never does.
BOUND_S = DEADLINE_S * 10


async def closed_by_server(stream: anyio.abc.ByteStream, trickle: bytes) -> tuple[bytes, int]:
    """Send ``trickle`` one byte at a time, each after waiting ``TRICKLE_EVERY_S`` for the server
    to hang up; return what the server sent (all of it, up to its close) and the bytes trickled."""
    received = bytearray()
    sent = 0
    with anyio.fail_after(BOUND_S):
        while True:
            with anyio.move_on_after(TRICKLE_EVERY_S):
                try:
                    received.extend(await stream.receive())
                except (anyio.EndOfStream, anyio.BrokenResourceError, ConnectionResetError):
                    return bytes(received), sent
                continue
            try:
                await stream.send(trickle[sent % len(trickle) : sent % len(trickle) + 1])
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, ConnectionResetError):
                return bytes(received), sent
            sent += 1


@pytest.mark.parametrize(
    "trickle",
    [
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000,  # half a head, then headers
        b"GET /hea",  # half a request line, then the same bytes over and over
    ],
    ids=["headers", "request-line"],
)
async def test_a_trickling_client_is_closed_while_another_is_served(
    make_settings: Callable[..., Settings], trickle: bytes
) -> None:
    served = sandboxed_app(make_settings)
    async with served.http, serving(served, header_timeout_s=DEADLINE_S) as base:
        port = int(base.rsplit(":", 1)[1])
        health: list[int] = []

        async def another_client() -> None:
            # Keep-alive: both requests on one connection, while the slow client is connected.
            async with httpx2.AsyncClient(base_url=base, timeout=5.0) as http:
                for _ in range(2):
                    health.append((await http.get("/health")).status_code)

        async with await anyio.connect_tcp("127.0.0.1", port) as slow:
            head, rest = trickle[:5], trickle[5:]
            await slow.send(head)
            received, trickled = b"?", 0
            async with anyio.create_task_group() as tg:
                tg.start_soon(another_client)
                received, trickled = await closed_by_server(slow, rest)
        # Closed without ever being answered, after a bounded number of trickled bytes.
        assert received == b"", received[:200]
        assert 0 < trickled <= BOUND_S / TRICKLE_EVERY_S
        assert health == [200, 200]


async def test_a_silent_connection_is_closed_and_a_prompt_one_is_served(
    make_settings: Callable[..., Settings],
) -> None:
    served = sandboxed_app(make_settings)
    async with served.http, serving(served, header_timeout_s=DEADLINE_S) as base:
        port = int(base.rsplit(":", 1)[1])
        async with await anyio.connect_tcp("127.0.0.1", port) as silent:
            with anyio.fail_after(BOUND_S), pytest.raises((anyio.EndOfStream, ConnectionResetError)):
                while True:
                    assert await silent.receive() == b""
        # A whole head sent at once is answered as usual, and a second one on the same connection
        # after the first answer too (the deadline runs per request head, not per connection).
        async with await anyio.connect_tcp("127.0.0.1", port) as prompt:
            request = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
            for _ in range(2):
                await prompt.send(request)
                answer = b""
                with anyio.fail_after(BOUND_S):
                    while b'"status":"ok"' not in answer:
                        answer += await prompt.receive()
                assert answer.startswith(b"HTTP/1.1 200")
