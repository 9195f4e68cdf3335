"""Settings to a ready client, with the HTTP connection pool it runs on.

``open_client`` is what the server's lifespan and ``doctor`` both use, so the configured timeouts
(``PIXAPI_REQUEST_TIMEOUT_S``, ``PIXAPI_CONNECT_TIMEOUT_S``) and the key reach every request from
one place (``PixapiClient.from_settings``). It opens an ``httpx2.AsyncClient`` of its own, and
closes it afterwards, unless one is injected (tests, the in-process sandbox of ``serve --sandbox``
passes a ``transport``). Beside it, always, the client URL inputs are fetched through: its own
pool over ``CheckedTransport``, which checks every address at connect time (``guarded.py``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Unpack

import httpx2

from pixapi_mcp.client.api import PixapiClient
from pixapi_mcp.client.guarded import CheckedTransport, InputNetwork
from pixapi_mcp.client.retry import RetryOptions
from pixapi_mcp.config import Settings

__all__ = ["POOL_LIMITS", "open_client"]

# One pool shared by every tool call of a server: enough for concurrent polls and downloads.
POOL_LIMITS = httpx2.Limits(max_connections=64, max_keepalive_connections=16)


@asynccontextmanager
async def open_client(
    settings: Settings,
    http: httpx2.AsyncClient | None = None,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    network: InputNetwork | None = None,
    **retry: Unpack[RetryOptions],
) -> AsyncGenerator[PixapiClient]:
    """The client ``settings`` describe, over ``http`` or over a pool opened (and closed) here.

    ``transport`` is the opened pool's transport (default: the network); ``base_url`` and
    ``api_key`` replace the settings' values; ``network`` is how URL inputs resolve and connect
    (default: the system's; tests inject theirs); ``retry`` sets the retry policy (counts, clock).
    """
    async with AsyncExitStack() as stack:
        if http is None:
            http = await stack.enter_async_context(
                httpx2.AsyncClient(
                    transport=transport,
                    follow_redirects=False,
                    timeout=httpx2.Timeout(settings.request_timeout_s, connect=settings.connect_timeout_s),
                    limits=POOL_LIMITS,
                )
            )
        # Never the injected client: URL inputs always go through the address check.
        checked = await stack.enter_async_context(
            httpx2.AsyncClient(
                transport=CheckedTransport(network),
                follow_redirects=False,
                trust_env=False,
                timeout=httpx2.Timeout(settings.request_timeout_s, connect=settings.connect_timeout_s),
            )
        )
        yield PixapiClient.from_settings(
            settings, http, base_url=base_url, api_key=api_key, checked=checked, **retry
        )
