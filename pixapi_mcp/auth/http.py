"""The HTTP front: who may call, told the way MCP clients expect.

``protect(app, settings)`` wraps the streamable-HTTP app in ``AuthFront`` for one of four modes,
chosen in this order (``auth_mode``):

1. ``oauth`` when ``PIXAPI_MCP_ISSUER`` and ``PIXAPI_MCP_PUBLIC_URL`` are set: JWT access tokens
   of that issuer for this resource (``oauth.OAuthVerifier``), the protected-resource metadata
   document (RFC 9728) and the MCP authorization spec's challenges;
2. ``named`` when the tokens file exists (``pixapi-mcp token create NAME`` makes it);
3. ``shared`` when ``PIXAPI_MCP_TOKEN`` is set: as before, one token, one caller;
4. ``none``: no credential (served on loopback only; ``serve_http`` refuses otherwise).

What the SDK offers and where it is used: its ``TokenVerifier`` protocol and ``AccessToken``
(every verifier here speaks them), ``AuthenticatedUser`` in the ASGI scope and its auth context
variable (so ``get_access_token()`` works in tool code and the SDK binds each MCP session, and
each sealed request state, to the principal that opened it), its ``ProtectedResourceMetadata``
model, handler and CORS wrapper, and ``build_resource_metadata_url``. What it did not fit: its
``RequireAuthMiddleware`` challenges a request without any token with ``error="invalid_token"``
(RFC 6750 section 3.1 says no error code then), its 403 has no ``scope`` parameter (the MCP spec
says it should name the scopes needed), and its bearer backend requires exactly ``"Bearer "``
(one space, that case); and ``MCPServer(auth=...)`` serves the metadata only at the path-suffixed
URL, while clients that got no challenge try the root one too. So the front is this module's,
in front of the whole app (every route but ``/health`` and the metadata needs a credential).
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from mcp.server.auth.handlers.metadata import ProtectedResourceMetadataHandler
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import build_resource_metadata_url, cors_middleware
from mcp.shared.auth import ProtectedResourceMetadata
from starlette.authentication import AuthCredentials

from pixapi_mcp.auth.caller import Caller, acting_as
from pixapi_mcp.config import Settings

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
AuthMode = Literal["oauth", "named", "shared", "none"]

METADATA_PATH = "/.well-known/oauth-protected-resource"
HEALTH_PATH = "/health"


class Verifier(Protocol):
    """What the front needs of a verifier: the access info and the caller of a valid token."""

    async def identify(self, token: str) -> tuple[AccessToken, Caller] | None: ...


def auth_mode(settings: Settings) -> AuthMode:
    """Which identity the HTTP server asks for (see the module docstring for the order)."""
    if settings.mcp_issuer and settings.mcp_public_url:
        return "oauth"
    if settings.tokens_path.is_file():
        return "named"
    if settings.mcp_token is not None:
        return "shared"
    return "none"


def bearer_token(value: bytes) -> bytes:
    """The token of a ``Bearer`` credential (scheme in any case, RFC 9110 section 11.1; one or more
    spaces after it), or b"" for any other value."""
    scheme, _, token = value.strip().partition(b" ")
    return token.lstrip(b" ") if scheme.lower() == b"bearer" else b""


class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests a minute, in bursts of as many."""

    MAX_CALLERS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, caller_id: str) -> float:
        """Spend one request of ``caller_id``'s bucket: 0.0 when allowed, else seconds until it may."""
        now = self._clock()
        level, then = self._buckets.get(caller_id, (self.capacity, now))
        level = min(self.capacity, level + (now - then) * self.rate)
        if level < 1.0:
            self._buckets[caller_id] = (level, now)
            return (1.0 - level) / self.rate
        self._buckets[caller_id] = (level - 1.0, now)
        if len(self._buckets) > self.MAX_CALLERS:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket: dropping it bounds memory.
        for key, (level, then) in list(self._buckets.items()):
            if level + (now - then) * self.rate >= self.capacity:
                del self._buckets[key]


class AuthFront:
    """ASGI middleware: serves the metadata, checks the credential, the scopes and the caller's
    rate, then runs the app as that caller."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: Verifier,
        *,
        mode: AuthMode,
        required_scopes: tuple[str, ...] = (),
        metadata: ProtectedResourceMetadata | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.mode = mode
        self.required_scopes = required_scopes
        self.limiter = limiter
        self.metadata = metadata
        self.metadata_url: str | None = None
        self._metadata_paths: set[str] = set()
        self._metadata_app: Any = None
        if metadata is not None:
            self.metadata_url = str(build_resource_metadata_url(metadata.resource))
            resource_path = urlsplit(str(metadata.resource)).path.rstrip("/")
            # The path-suffixed URL (what the challenge names), the root one, and the one for /mcp
            # (clients that lost the challenge build it from the endpoint's URL).
            self._metadata_paths = {METADATA_PATH, METADATA_PATH + resource_path, METADATA_PATH + "/mcp"}
            self._metadata_app = cors_middleware(
                ProtectedResourceMetadataHandler(metadata).handle, ["GET", "OPTIONS"]
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        if scope.get("path") in self._metadata_paths:
            await self._metadata_app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        supplied = next((v for k, v in headers if k.lower() == b"authorization"), b"")
        token = bearer_token(supplied)
        if not token:
            await self._refuse(send, 401, None, "send Authorization: Bearer <token>")
            return
        try:
            found = await self.verifier.identify(token.decode("latin-1"))
        except Exception:
            # A fault in a verifier (a key set that cannot be parsed, a bug) must not open the door
            # nor answer 500: the client is told to get a new token, the operator reads why.
            log.exception("The %s verifier failed on a presented token; refusing it", self.mode)
            found = None
        if found is None:
            await self._refuse(
                send, 401, "invalid_token", "the token is invalid, expired, revoked or not for this server"
            )
            return
        access, caller = found
        if missing := [s for s in self.required_scopes if s not in access.scopes]:
            log.info("Refused caller %s: missing scope(s) %s", caller.id, " ".join(missing))
            await self._refuse(send, 403, "insufficient_scope", "the token lacks a required scope")
            return
        if self.limiter is not None and (wait := self.limiter.take(caller.id)):
            await _send_json(
                send,
                429,
                {
                    "error": "rate_limited",
                    "error_description": f"too many requests; retry in {math.ceil(wait)} s",
                },
                [(b"retry-after", str(max(1, math.ceil(wait))).encode())],
            )
            return
        user = AuthenticatedUser(access)
        scope["user"] = user
        scope["auth"] = AuthCredentials(access.scopes)
        context = auth_context_var.set(user)
        try:
            with acting_as(caller):
                await self.app(scope, receive, send)
        finally:
            auth_context_var.reset(context)

    def challenge(self, error: str | None, description: str) -> str:
        """The ``WWW-Authenticate`` value for a refusal (RFC 6750 section 3, RFC 9728 section 5.1)."""
        params: list[tuple[str, str]] = []
        if self.metadata_url is None:
            params.append(("realm", "pixapi-mcp"))
        if error:
            params += [("error", error), ("error_description", description)]
        if self.required_scopes:
            params.append(("scope", " ".join(self.required_scopes)))
        if self.metadata_url is not None:
            params.append(("resource_metadata", self.metadata_url))
        return "Bearer " + ", ".join(f'{k}="{v}"' for k, v in params)

    async def _refuse(self, send: Send, status: int, error: str | None, description: str) -> None:
        if self.mode == "oauth":
            body: dict[str, str] = {"error": error or "invalid_request", "error_description": description}
        elif self.mode == "shared":
            body = {"error": "unauthorized: send Authorization: Bearer <PIXAPI_MCP_TOKEN>"}
        else:
            body = {
                "error": "unauthorized: send Authorization: Bearer <your token> (pixapi-mcp token create NAME)"
            }
        await _send_json(
            send, status, body, [(b"www-authenticate", self.challenge(error, description).encode())]
        )


async def _send_json(
    send: Send, status: int, body: dict[str, str], headers: list[tuple[bytes, bytes]]
) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def resource_metadata(settings: Settings) -> ProtectedResourceMetadata:
    """This server's protected-resource metadata document (RFC 9728 section 2)."""
    assert settings.mcp_public_url and settings.mcp_issuer
    # Validated from strings, so the model keeps a path-less URL as written: an issuer is compared
    # as an exact string, and "https://id.example" is not "https://id.example/" (AnyHttpUrl(...)
    # built on its own would add the slash).
    return ProtectedResourceMetadata.model_validate(
        {
            "resource": settings.mcp_public_url,
            "authorization_servers": [settings.mcp_issuer],
            "scopes_supported": list(settings.mcp_scopes) or None,
            "bearer_methods_supported": ["header"],
            "resource_name": "pixapi-mcp",
        }
    )


def protect(app: ASGIApp, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> ASGIApp:
    """``app`` behind the credential check ``auth_mode(settings)`` calls for (unchanged for ``none``);
    ``clock`` paces key refetches and rate limits (tests pass a manual one)."""
    mode = auth_mode(settings)
    limiter = RateLimiter(settings.mcp_rate_per_minute, clock) if settings.mcp_rate_per_minute else None
    ignored: list[str] = []
    if mode in ("oauth", "named") and settings.mcp_token is not None:
        ignored.append("PIXAPI_MCP_TOKEN")
    if mode == "oauth" and settings.tokens_path.is_file():
        ignored.append(f"The tokens file {settings.tokens_path}")
    if mode == "oauth":
        from pixapi_mcp.auth.jwks import JwksSource
        from pixapi_mcp.auth.oauth import OAuthVerifier

        assert settings.mcp_issuer and settings.mcp_public_url
        keys = JwksSource(settings.mcp_issuer, settings.mcp_jwks_url, clock=clock)
        verifier: Verifier = OAuthVerifier(
            issuer=settings.mcp_issuer,
            resource=settings.mcp_public_url,
            keys=keys,
            admin_scope=settings.mcp_admin_scope,
            team_claim=settings.mcp_team_claim,
        )
        front = AuthFront(
            app,
            verifier,
            mode=mode,
            required_scopes=settings.mcp_scopes,
            metadata=resource_metadata(settings),
            limiter=limiter,
        )
    elif mode == "named":
        from pixapi_mcp.auth.tokens import TokenFile
        from pixapi_mcp.auth.verifiers import NamedTokenVerifier

        front = AuthFront(
            app, NamedTokenVerifier(TokenFile(settings.tokens_path)), mode=mode, limiter=limiter
        )
    elif mode == "shared":
        from pixapi_mcp.auth.verifiers import SharedTokenVerifier

        assert settings.mcp_token is not None
        front = AuthFront(
            app, SharedTokenVerifier(settings.mcp_token.get_secret_value()), mode=mode, limiter=limiter
        )
    else:
        return app
    for name in ignored:
        log.warning("%s is ignored: the server uses %s identities", name, mode)
    log.info("HTTP identity: %s", mode)
    return front
