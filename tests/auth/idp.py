"""A stand-in identity provider for the tests: real keys made here (``cryptography``), its metadata
(RFC 8414), its key set (JWKS) and a ``client_credentials`` token endpoint, served on loopback by
the test (``tests.test_http.serving``). Tokens are minted with PyJWT, so the server under test and
the issuer share no code but the standard.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class SigningKey:
    """A private key, its id and algorithm, and its public JWK."""

    kid: str
    alg: str
    private: PrivateKey

    @property
    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            data: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            data = ECAlgorithm.to_jwk(public, as_dict=True)
        return data | {"kid": self.kid, "alg": self.alg, "use": "sig"}


def rsa_key(kid: str) -> SigningKey:
    return SigningKey(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_key(kid: str) -> SigningKey:
    return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


@dataclass
class IdentityProvider:
    """The issuer at ``issuer`` (set once served). ``published`` is the key set it serves now:
    replace it to rotate. Counts the key-set requests it answered."""

    keys: list[SigningKey] = field(default_factory=lambda: [rsa_key("key-1"), ec_key("key-ec")])
    issuer: str = ""
    published: list[SigningKey] = field(default_factory=list[SigningKey])
    jwks_requests: int = 0
    jwks_status: int = 200  # set to 500 to have the key set fail
    token_requests: list[dict[str, str]] = field(default_factory=list[dict[str, str]])

    def __post_init__(self) -> None:
        self.published = list(self.keys)

    def app(self, port: int) -> Starlette:
        self.issuer = f"http://127.0.0.1:{port}"

        async def metadata(_: Request) -> JSONResponse:
            return JSONResponse(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token",
                    "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code", "client_credentials"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                }
            )

        async def jwks(_: Request) -> JSONResponse:
            self.jwks_requests += 1
            return JSONResponse({"keys": [k.jwk for k in self.published]}, status_code=self.jwks_status)

        async def token(request: Request) -> JSONResponse:
            form = {k: str(v) for k, v in (await request.form()).items()}
            self.token_requests.append(form)
            client_id = form.get("client_id", "")
            if auth := request.headers.get("authorization", ""):
                client_id = base64.b64decode(auth.split(" ", 1)[1]).decode().split(":", 1)[0]
            if form.get("grant_type") != "client_credentials" or not client_id:
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            access = self.mint(sub=client_id, aud=form.get("resource", ""), scope=form.get("scope", ""))
            return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 300})

        return Starlette(
            routes=[
                Route("/.well-known/oauth-authorization-server", metadata),
                Route("/jwks", jwks),
                Route("/token", token, methods=["POST"]),
            ]
        )

    def mint(
        self,
        *,
        key: SigningKey | None = None,
        alg: str | None = None,
        headers: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
        **claims: Any,
    ) -> str:
        """A signed access token: this issuer, an hour to live, ``claims`` over the defaults
        (``aud`` must be given), claims named in ``drop`` left out."""
        key = key or self.keys[0]
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "user-1",
            "iat": now,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
        } | claims
        for name in drop:
            body.pop(name, None)
        return jwt.encode(
            body, key.private, algorithm=alg or key.alg, headers={"kid": key.kid, **(headers or {})}
        )


def unsigned(claims: dict[str, Any]) -> str:
    """An ``alg: none`` token (no signature), built by hand as an attacker would."""

    def part(data: dict[str, Any]) -> str:
        import json

        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'key-1'})}.{part(claims)}."
