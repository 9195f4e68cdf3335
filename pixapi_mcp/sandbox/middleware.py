"""Request ids: every request gets one, every response carries it in ``x-request-id``, and every
error body and recorded request quotes it, so a user can match what they saw to what was logged."""

from __future__ import annotations

import secrets
from typing import Any, cast

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"


def request_id(request: Request) -> str:
    """The id ``RequestIdMiddleware`` gave this request ("" outside the middleware)."""
    scope_state = cast(dict[str, Any], request.scope.get("state") or {})
    return str(scope_state.get("request_id", ""))


class RequestIdMiddleware:
    """Gives every request an id and every response an ``x-request-id`` header carrying it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = "req_" + secrets.token_hex(12)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in headers:
                    headers.append(REQUEST_ID_HEADER, request_id)
            await send(message)

        await self.app(scope, receive, send_with_id)
