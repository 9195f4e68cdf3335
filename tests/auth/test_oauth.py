"""OAuth 2.1 resource server over real HTTP: the stand-in issuer on loopback with keys made here,
the MCP server on loopback, the SDK's own streamable-HTTP client.

A valid token is accepted in both protocol eras and tool code sees its caller (never the token);
every kind of bad token is refused with 401 ``invalid_token`` and the challenge that points to the
metadata, a token without the required scope with 403 ``insufficient_scope`` naming it; the
issuer's key rotation is followed with one refetch, and made-up key ids do not make the server
hammer the issuer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx2
import pytest
from cryptography.hazmat.primitives import serialization

from pixapi_mcp.config import Settings
from tests.auth.harness import SCOPE, issuer, list_tools_raw, oauth_served, parse_challenge
from tests.auth.idp import IdentityProvider, rsa_key, unsigned
from tests.server_harness import ALL_TOOLS, structured
from tests.test_http import http_client

pytestmark = pytest.mark.anyio

TIMEOUT_S = 60.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(idp: IdentityProvider, claims: dict[str, Any]) -> str:
    """The key-confusion attack: HS256, with the issuer's *public* key (PEM) as the HMAC secret."""
    pem = (
        idp.keys[0]
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def tampered(token: str, **changes: Any) -> str:
    """``token`` with its claims changed after signing (the signature left as it was)."""
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return f"{head}.{_b64(json.dumps(claims | changes).encode())}.{signature}"


async def test_a_valid_token_is_accepted_and_tool_code_sees_its_caller_in_both_eras(
    make_settings: Callable[..., Settings],
) -> None:
    async with issuer() as idp, oauth_served(make_settings, idp) as server:
        for mode in ("auto", "legacy"):
            token = idp.mint(
                aud=server.settings.mcp_public_url, scope=f"{SCOPE} other", name="Ada", team="art"
            )
            with anyio.fail_after(TIMEOUT_S):
                async with http_client(server.base, token, mode=mode) as client:
                    names = {t.name for t in (await client.list_tools()).tools}
                    assert ALL_TOOLS | {"whoami"} <= names
                    seen = structured(await client.call_tool("whoami", {}))
            assert seen["id"] == "oauth:user-1" and seen["name"] == "Ada" and seen["team"] == "art"
            assert seen["scopes"] == ["other", SCOPE] and seen["admin"] is False
            # The SDK's access token in tool code is a fingerprint: the bearer token itself stays in the front.
            assert seen["access_token"].startswith("sha256:") and token not in json.dumps(seen)

        admin = idp.mint(aud=server.settings.mcp_public_url, scope=f"{SCOPE} pixapi:admin", sub="boss")
        async with http_client(server.base, admin) as client:
            seen = structured(await client.call_tool("whoami", {}))
        assert seen["id"] == "oauth:boss" and seen["admin"] is True and seen["name"] == "boss"


async def test_bad_tokens_are_refused_with_the_right_status_and_challenge(
    make_settings: Callable[..., Settings], suite_counts: dict[str, int]
) -> None:
    async with issuer() as idp, oauth_served(make_settings, idp) as server:
        aud = server.settings.mcp_public_url
        assert aud is not None
        now = int(time.time())
        stranger = rsa_key("key-1")  # same key id, a key the issuer never published
        good = idp.mint(aud=aud, scope=SCOPE)
        cases: dict[str, tuple[str | None, int]] = {
            "no token": (None, 401),
            "not a JWT": ("not-a-jwt", 401),
            "expired": (idp.mint(aud=aud, scope=SCOPE, iat=now - 7200, exp=now - 3600), 401),
            "wrong audience": (idp.mint(aud="http://127.0.0.1:1/mcp", scope=SCOPE), 401),
            "no audience": (idp.mint(scope=SCOPE), 401),
            "wrong issuer": (idp.mint(aud=aud, scope=SCOPE, iss="http://evil.example"), 401),
            "bad signature": (idp.mint(key=stranger, aud=aud, scope=SCOPE), 401),
            "claims changed after signing": (tampered(good, sub="boss", scope=f"{SCOPE} pixapi:admin"), 401),
            "alg none": (
                unsigned({"iss": idp.issuer, "aud": aud, "sub": "x", "exp": now + 600, "scope": SCOPE}),
                401,
            ),
            "HS256 with the public key": (
                hs256_with_public_key(
                    idp, {"iss": idp.issuer, "aud": aud, "sub": "x", "exp": now + 600, "scope": SCOPE}
                ),
                401,
            ),
            "RS256 naming the EC key": (idp.mint(aud=aud, scope=SCOPE, headers={"kid": "key-ec"}), 401),
            "unknown key id": (idp.mint(aud=aud, scope=SCOPE, headers={"kid": "nope"}), 401),
            "no subject": (idp.mint(aud=aud, scope=SCOPE, drop=("sub",)), 401),
            "no expiry": (idp.mint(aud=aud, scope=SCOPE, drop=("exp",)), 401),
            "not valid yet": (idp.mint(aud=aud, scope=SCOPE, nbf=now + 3600), 401),
            "expiry as a string": (idp.mint(aud=aud, scope=SCOPE, exp=str(now + 600)), 401),
            "not an access token (typ)": (idp.mint(aud=aud, scope=SCOPE, headers={"typ": "logout+jwt"}), 401),
            "a key of its own in the header (jwk, jku, x5u)": (
                idp.mint(
                    key=stranger,
                    aud=aud,
                    scope=SCOPE,
                    headers={"jwk": stranger.jwk, "jku": f"{idp.issuer}/jwks", "x5u": f"{idp.issuer}/x"},
                ),
                401,
            ),
            "issuer with a trailing slash": (idp.mint(aud=aud, scope=SCOPE, iss=idp.issuer + "/"), 401),
            "audience of the wrong type": (idp.mint(aud={"aud": aud}, scope=SCOPE), 401),
            "missing scope": (idp.mint(aud=aud, scope="other"), 403),
            "no scope at all": (idp.mint(aud=aud), 403),
            # Accepted: each still meets every rule.
            "valid": (good, 200),
            "valid, EC key": (idp.mint(key=idp.keys[1], aud=aud, scope=SCOPE), 200),
            "expired within the leeway": (idp.mint(aud=aud, scope=SCOPE, exp=now - 20), 200),
            "audience list naming this server": (
                idp.mint(aud=["https://other.example", aud], scope=SCOPE),
                200,
            ),
            "audience with a trailing slash": (idp.mint(aud=aud + "/", scope=SCOPE), 200),
            "scp list claim": (idp.mint(aud=aud, scp=[SCOPE]), 200),
            "typ at+jwt (RFC 9068)": (idp.mint(aud=aud, scope=SCOPE, headers={"typ": "at+jwt"}), 200),
        }
        metadata_url = f"{server.base}/.well-known/oauth-protected-resource/mcp"
        async with httpx2.AsyncClient(timeout=30.0) as http:
            for case, (token, status) in cases.items():
                answer = await list_tools_raw(http, server.mcp_url, token)
                assert answer.status_code == status, (case, answer.status_code, answer.text)
                if status == 200:
                    continue
                challenge = parse_challenge(answer.headers["www-authenticate"])
                assert challenge["resource_metadata"] == metadata_url, case
                assert challenge["scope"] == SCOPE, case
                body = answer.json()
                if token is None:
                    # RFC 6750 section 3.1: no error code when the request carried no credential.
                    assert "error" not in challenge, case
                elif status == 401:
                    assert challenge["error"] == "invalid_token" == body["error"], case
                else:
                    assert challenge["error"] == "insufficient_scope" == body["error"], case
                assert token is None or token not in answer.text, case
        suite_counts["oauth: token cases over HTTP"] = len(cases)


async def test_the_issuers_key_rotation_is_followed_with_one_refetch(
    make_settings: Callable[..., Settings],
) -> None:
    async with issuer() as idp, oauth_served(make_settings, idp) as server:
        aud = server.settings.mcp_public_url
        async with httpx2.AsyncClient(timeout=30.0) as http:

            async def status(token: str) -> int:
                return (await list_tools_raw(http, server.mcp_url, token)).status_code

            old = idp.keys[0]
            assert await status(idp.mint(aud=aud, scope=SCOPE)) == 200
            assert idp.jwks_requests == 1
            assert await status(idp.mint(aud=aud, scope=SCOPE)) == 200
            assert idp.jwks_requests == 1, "the key set is cached"

            new = rsa_key("key-2")
            idp.keys[0] = new
            idp.published = [new, idp.keys[1]]  # the old key is withdrawn
            assert await status(idp.mint(aud=aud, scope=SCOPE)) == 200
            assert idp.jwks_requests == 2, "one refetch for the new key id"

            assert await status(idp.mint(key=old, aud=aud, scope=SCOPE)) == 401, "the withdrawn key"
            for n in range(5):
                assert await status(idp.mint(aud=aud, scope=SCOPE, headers={"kid": f"made-up-{n}"})) == 401
            # Made-up key ids right after a refetch cost the issuer nothing more.
            assert idp.jwks_requests == 2
