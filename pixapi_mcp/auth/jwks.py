"""The issuer's signing keys: found, fetched within bounds, cached, and refetched on rotation.

Where: ``PIXAPI_MCP_JWKS_URL``, else the ``jwks_uri`` of the issuer's metadata, looked up at the
places the MCP authorization spec has clients try (RFC 8414 ``oauth-authorization-server``, then
OpenID ``openid-configuration``, path-inserted and path-appended); the metadata must name the
configured issuer exactly (RFC 8414 section 3.3), or it is not that issuer's.

How: one GET, no redirects, a few seconds at most and a few hundred kilobytes at most. The issuer is
the operator's own configuration, so a private address is allowed here (unlike a tool's URL input).

When: on first use, again when the set is an hour old, and at once when a token names a key id the
set lacks (the issuer rotated its keys); such refetches at most once per ``min_refetch_s``, so a
flood of tokens with made-up key ids costs the issuer one request, not one each. Concurrent misses share
one fetch. A failed refresh keeps the keys already held; with none held, it is tried again at the
refetch rate. The hourly refresh is stale-while-revalidate: the request that finds the set old
fetches it, and requests arriving meanwhile verify with the keys held rather than wait on a slow
issuer. Any failure of a fetch (an odd URL included) is logged, never raised into a request.

Symmetric keys (``kty: oct``) are never taken from a key set: a public document cannot hold a
secret, and an HS256 token "signed" with a public key must not verify.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
import jwt

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 256 * 1024
FETCH_TIMEOUT_S = 5.0
MAX_AGE_S = 3600.0
MIN_REFETCH_S = 30.0

# The algorithms a token may use, each with the key type (and curve) it needs. Explicit, and
# asymmetric only: "none" and HS* are absent, so no configuration can let them through.
ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", None),
}


class JwksError(RuntimeError):
    """The key set or the issuer's metadata could not be had; the message names the URL."""


def metadata_urls(issuer: str) -> list[str]:
    """Where the issuer's metadata may be, in the order the MCP spec has clients try them."""
    parts = urlsplit(issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    if not path:
        return [
            f"{origin}/.well-known/oauth-authorization-server",
            f"{origin}/.well-known/openid-configuration",
        ]
    return [
        f"{origin}/.well-known/oauth-authorization-server{path}",
        f"{origin}/.well-known/openid-configuration{path}",
        f"{origin}{path}/.well-known/openid-configuration",
    ]


class JwksSource:
    """The signing keys of one issuer, by key id."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_refetch_s: float = MIN_REFETCH_S,
        max_age_s: float = MAX_AGE_S,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer
        self.jwks_url = jwks_url
        self._clock = clock
        self._min_refetch_s = min_refetch_s
        self._max_age_s = max_age_s
        self._transport = transport
        self._keys: list[dict[str, Any]] = []
        self._fetched_at: float | None = None
        self._missed_at: float | None = None  # when an unknown key id last caused a refetch
        self._lock = anyio.Lock()
        self.fetches = 0  # how many times the key set was requested (tests and logs read it)

    async def key(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        """The key for a token's ``kid`` and ``alg``, or None when the issuer has no such key (after
        one refetch, when the rate limit allows it). A token without ``kid`` gets the only
        suitable key, if there is exactly one."""
        now = self._clock()
        if self._fetched_at is None:
            await self._refresh(seen=None)
        elif not self._keys and self._may_refetch():
            # The last fetch failed (or found nothing): try again, at the refetch rate, so a token
            # without a key id is not refused for an hour after the issuer was briefly down.
            self._missed_at = now
            await self._refresh(seen=self._fetched_at)
        elif now - self._fetched_at >= self._max_age_s:
            # Stale while revalidating: this request refreshes the set (bounded by FETCH_TIMEOUT_S);
            # _refresh marks the set fresh before fetching, so requests meanwhile verify with the
            # keys held instead of queueing behind a slow issuer.
            await self._refresh(seen=self._fetched_at)
        found = self._pick(kid, alg)
        # Only a key id the set lacks means rotation; a known id with the wrong algorithm is a bad token.
        known = kid is not None and any(k.get("kid") == kid for k in self._keys)
        if found is None and kid is not None and not known and self._may_refetch():
            self._missed_at = self._clock()
            log.info(
                "Token names key id %r, which the issuer's key set lacks: fetching the set again", kid[:64]
            )
            await self._refresh(seen=self._fetched_at)
            found = self._pick(kid, alg)
        elif found is None and self._lock.locked():
            async with self._lock:  # a refetch is under way: its keys may include this one
                pass
            found = self._pick(kid, alg)
        if found is None:
            return None
        try:
            return jwt.PyJWK(found, algorithm=alg)
        except jwt.PyJWTError:
            return None

    def _may_refetch(self) -> bool:
        return self._missed_at is None or self._clock() - self._missed_at >= self._min_refetch_s

    def _pick(self, kid: str | None, alg: str) -> dict[str, Any] | None:
        kty, crv = ALGORITHMS[alg]
        suitable = [
            k
            for k in self._keys
            if k.get("kty") == kty and (crv is None or k.get("crv") == crv) and k.get("alg") in (None, alg)
        ]
        if kid is None:
            return suitable[0] if len(suitable) == 1 else None
        return next((k for k in suitable if k.get("kid") == kid), None)

    async def _refresh(self, *, seen: float | None) -> None:
        async with self._lock:
            if self._fetched_at != seen:
                return  # another request fetched while this one waited: use its result
            self._fetched_at = self._clock()
            try:
                self._keys = await self._fetch_keys()
            except Exception as exc:  # JwksError, and what an odd URL makes httpx2 raise (a bad port)
                problem = exc if isinstance(exc, JwksError) else f"Fetching the key set failed: {exc!r}"
                if not self._keys:
                    self._missed_at = self._clock()  # the next try waits min_refetch_s
                log.error(
                    "%s; %s",
                    problem,
                    "keeping the keys already held" if self._keys else "no token can be verified",
                )

    async def _fetch_keys(self) -> list[dict[str, Any]]:
        self.fetches += 1
        async with httpx2.AsyncClient(
            timeout=FETCH_TIMEOUT_S, follow_redirects=False, transport=self._transport
        ) as http:
            url = self.jwks_url or await self._discover(http)
            document = await _get_json(http, url)
        raw_keys: Any = document.get("keys")
        if not isinstance(raw_keys, list):
            raise JwksError(f"The key set at {url} has no 'keys' list")
        keys: list[dict[str, Any]] = []
        for raw in raw_keys:  # pyright: ignore[reportUnknownVariableType]
            if not isinstance(raw, dict):
                continue
            key: dict[str, Any] = {str(k): v for k, v in raw.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            if key.get("kty") in ("RSA", "EC", "OKP") and key.get("use", "sig") == "sig":
                keys.append(key)
        log.info("Fetched %d signing key(s) from %s", len(keys), url)
        return keys

    async def _discover(self, http: httpx2.AsyncClient) -> str:
        problems: list[str] = []
        for url in metadata_urls(self.issuer):
            try:
                metadata = await _get_json(http, url)
            except JwksError as exc:
                problems.append(str(exc))
                continue
            if metadata.get("issuer") != self.issuer:
                problems.append(
                    f"{url} names issuer {str(metadata.get('issuer'))[:200]!r}, not {self.issuer!r}"
                )
                continue
            jwks_uri = metadata.get("jwks_uri")
            if isinstance(jwks_uri, str) and jwks_uri.startswith(("https://", "http://")):
                self.jwks_url = jwks_uri
                return jwks_uri
            problems.append(f"{url} has no jwks_uri")
        raise JwksError(
            "Cannot find the signing keys of PIXAPI_MCP_ISSUER (set PIXAPI_MCP_JWKS_URL): "
            + "; ".join(problems)
        )


async def _get_json(http: httpx2.AsyncClient, url: str) -> dict[str, Any]:
    """A JSON object from one GET, read up to ``MAX_DOCUMENT_BYTES``."""
    try:
        async with http.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code != 200:
                raise JwksError(f"GET {url} answered HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise JwksError(f"GET {url} sent more than {MAX_DOCUMENT_BYTES} bytes")
    except httpx2.HTTPError as exc:
        raise JwksError(f"GET {url} failed: {type(exc).__name__}") from None
    try:
        data: Any = json.loads(body)
    except ValueError:
        raise JwksError(f"GET {url} did not answer JSON") from None
    if not isinstance(data, dict):
        raise JwksError(f"GET {url} did not answer a JSON object")
    return {str(k): v for k, v in data.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
