"""The simple modes' verifiers: the single shared ``PIXAPI_MCP_TOKEN``, and named tokens.

Both speak the SDK's ``TokenVerifier`` protocol (``verify_token``) and, like ``OAuthVerifier``,
``identify``: the access info and the ``Caller``. Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac

from mcp.server.auth.provider import AccessToken

from pixapi_mcp.auth.caller import LOCAL_CALLER, Caller
from pixapi_mcp.auth.oauth import fingerprint
from pixapi_mcp.auth.tokens import TokenFile

# The issuer recorded for the simple modes (the SDK binds sessions to client, issuer and subject).
NAMED_ISSUER = "pixapi-mcp:tokens"


class SharedTokenVerifier:
    """Everyone holding ``PIXAPI_MCP_TOKEN`` is one caller, ``shared``, who sees all the work (as
    before identities existed)."""

    def __init__(self, token: str) -> None:
        self._expected = token.encode("utf-8", "surrogateescape")
        self.caller = Caller(id="shared", name="shared", admin=LOCAL_CALLER.admin)

    async def verify_token(self, token: str) -> AccessToken | None:
        found = await self.identify(token)
        return found[0] if found else None

    async def identify(self, token: str) -> tuple[AccessToken, Caller] | None:
        if not hmac.compare_digest(token.encode("utf-8", "surrogateescape"), self._expected):
            return None
        access = AccessToken(token=fingerprint(token), client_id="shared", scopes=[], subject="shared")
        return access, self.caller


class NamedTokenVerifier:
    """One caller per entry of the tokens file, ``token:NAME``; revoked the moment the file says so."""

    def __init__(self, tokens: TokenFile) -> None:
        self.tokens = tokens

    async def verify_token(self, token: str) -> AccessToken | None:
        found = await self.identify(token)
        return found[0] if found else None

    async def identify(self, token: str) -> tuple[AccessToken, Caller] | None:
        entry = self.tokens.match(token)
        if entry is None:
            return None
        access = AccessToken(
            token=fingerprint(token),
            client_id=f"token:{entry.name}",
            scopes=list(entry.scopes),
            subject=entry.name,
            claims={"iss": NAMED_ISSUER},
        )
        caller = Caller(
            id=f"token:{entry.name}",
            name=entry.name,
            scopes=frozenset(entry.scopes),
            admin=entry.admin,
            team=entry.team,
        )
        return access, caller
