"""OAuth 2.1 resource server: access tokens (JWT) from the team's issuer, verified locally.

A token is accepted when, all at once: its header names an allowed asymmetric algorithm
(``jwks.ALGORITHMS``: never ``none``, never HS*), a key of the issuer's set with that id and type
verifies its signature, ``iss`` is ``PIXAPI_MCP_ISSUER`` exactly, ``aud`` names this server
(``PIXAPI_MCP_PUBLIC_URL``, RFC 8707; with or without a trailing slash), ``exp`` is in the future
(``nbf``/``iat`` not ahead) give or take ``LEEWAY_S`` of clock skew, each a JSON number, ``sub``
names someone, and the header's ``typ``, when given, is an access token's (RFC 9068: ``at+jwt``, or
the plain ``JWT`` most issuers write). ``jku``, ``x5u`` and an embedded ``jwk`` are never used: keys
come only from the configured issuer's set.
Required scopes (``PIXAPI_MCP_SCOPES``) are checked by the HTTP front, which answers 403 rather
than 401 when only they are missing.

Why a refusal happened is logged (INFO), never told to the client: the 401 says only that the
token is not good here, so the answer is no oracle for forging one.
"""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any

import jwt
from mcp.server.auth.provider import AccessToken

from pixapi_mcp.auth.caller import Caller
from pixapi_mcp.auth.jwks import ALGORITHMS, JwksSource

log = logging.getLogger(__name__)

LEEWAY_S = 60
# The header ``typ`` values of an access token: RFC 9068's, and the plain JWT most issuers write.
_ACCESS_TOKEN_TYPES = frozenset({"jwt", "at+jwt", "application/at+jwt"})


def _numeric_date(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fingerprint(token: str) -> str:
    """What stands for a token in an ``AccessToken``: its hash, so no code after the front holds
    the bearer credential (it can be neither logged nor passed on)."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def token_scopes(claims: dict[str, Any]) -> list[str]:
    """The scopes a token carries: RFC 9068 ``scope`` (space-separated), or ``scp`` (a list, or a
    string, as some identity providers write it)."""
    value: Any = claims.get("scope", claims.get("scp"))
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [s for s in value if isinstance(s, str)]  # pyright: ignore[reportUnknownVariableType]
    return []


class OAuthVerifier:
    """Verifies access tokens of one issuer for one resource; an SDK ``TokenVerifier``."""

    def __init__(
        self,
        *,
        issuer: str,
        resource: str,
        keys: JwksSource,
        admin_scope: str = "pixapi:admin",
        team_claim: str = "team",
    ) -> None:
        self.issuer = issuer
        self.resource = resource
        self._audiences = [resource, resource + "/"]
        self._keys = keys
        self._admin_scope = admin_scope
        self._team_claim = team_claim

    async def verify_token(self, token: str) -> AccessToken | None:
        """The SDK's ``TokenVerifier`` protocol: the token's access info, or None."""
        found = await self.identify(token)
        return found[0] if found else None

    async def identify(self, token: str) -> tuple[AccessToken, Caller] | None:
        """The access info and the caller of a valid token, or None (the reason is logged)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            log.info("Refused a bearer token: not a JWT")
            return None
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in _ACCESS_TOKEN_TYPES):
            # RFC 9068 section 4: an ID token, logout token or event token is not an access token.
            log.info("Refused a token of type %r: not an access token", str(typ)[:40])
            return None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            log.info(
                "Refused a token signed with algorithm %r: allowed are %s",
                str(alg)[:20],
                ", ".join(ALGORITHMS),
            )
            return None
        kid = header.get("kid")
        key = await self._keys.key(kid if isinstance(kid, str) else None, alg)
        if key is None:
            log.info("Refused a token: the issuer has no %s key with id %r", alg, str(kid)[:64])
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self._audiences,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud", "sub"], "strict_aud": False},
            )
        except jwt.PyJWTError as exc:
            log.info("Refused a token: %s", exc)
            return None
        if times := [c for c in ("exp", "nbf", "iat") if c in claims and not _numeric_date(claims[c])]:
            # RFC 7519 section 2: a NumericDate is a JSON number; PyJWT would take "1790000000".
            log.info("Refused a token whose %s is not a number", ", ".join(times))
            return None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            log.info("Refused a token without a subject")
            return None
        scopes = token_scopes(claims)
        client_id = claims.get("client_id") or claims.get("azp") or subject
        access = AccessToken(
            token=fingerprint(token),
            client_id=str(client_id),
            scopes=scopes,
            expires_at=int(claims["exp"]),
            resource=self.resource,
            subject=subject,
            claims={"iss": self.issuer},
        )
        name = next(
            (
                v
                for v in (claims.get(c) for c in ("name", "preferred_username", "email"))
                if isinstance(v, str) and v
            ),
            subject,
        )
        team = claims.get(self._team_claim)
        caller = Caller(
            id=f"oauth:{subject}",
            name=name,
            scopes=frozenset(scopes),
            admin=self._admin_scope in scopes,
            team=team if isinstance(team, str) and team else None,
        )
        return access, caller
