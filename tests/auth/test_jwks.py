"""The issuer's key set against the stand-in issuer on loopback, with a manual clock: discovery
from the issuer's metadata (and refusal of metadata naming another issuer), caching, rotation,
the refetch rate limit, and the bounds on what is fetched."""

from __future__ import annotations

import anyio
import httpx2
import pytest

from pixapi_mcp.auth.jwks import MAX_DOCUMENT_BYTES, JwksSource, metadata_urls
from tests.auth.harness import issuer
from tests.auth.idp import rsa_key

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_metadata_is_looked_up_where_the_mcp_spec_has_clients_look() -> None:
    assert metadata_urls("https://id.example") == [
        "https://id.example/.well-known/oauth-authorization-server",
        "https://id.example/.well-known/openid-configuration",
    ]
    assert metadata_urls("https://id.example/tenant1/") == [
        "https://id.example/.well-known/oauth-authorization-server/tenant1",
        "https://id.example/.well-known/openid-configuration/tenant1",
        "https://id.example/tenant1/.well-known/openid-configuration",
    ]


async def test_keys_are_discovered_cached_rotated_and_refetched_at_a_bounded_rate() -> None:
    async with issuer() as idp:
        clock = Clock()
        keys = JwksSource(idp.issuer, clock=clock, min_refetch_s=30.0, max_age_s=3600.0)
        assert (await keys.key("key-1", "RS256")) is not None
        assert keys.jwks_url == f"{idp.issuer}/jwks" and idp.jwks_requests == 1
        assert (await keys.key("key-ec", "ES256")) is not None and idp.jwks_requests == 1
        # A key is only ever used with its own type and algorithm.
        assert (await keys.key("key-ec", "RS256")) is None
        assert (await keys.key("key-1", "ES256")) is None

        new = rsa_key("key-2")
        idp.published = [new]
        assert (await keys.key("key-2", "RS256")) is not None and idp.jwks_requests == 2
        for n in range(10):
            assert (await keys.key(f"bogus-{n}", "RS256")) is None
        assert idp.jwks_requests == 2, "no refetch within 30 s of the last one"
        clock.now += 31
        assert (await keys.key("bogus-x", "RS256")) is None and idp.jwks_requests == 3

        # Concurrent misses share one fetch.
        clock.now += 31
        idp.published = [new, rsa_key("key-3")]
        found: list[bool] = []

        async def look() -> None:
            found.append(await keys.key("key-3", "RS256") is not None)

        async with anyio.create_task_group() as tg:
            for _ in range(5):
                tg.start_soon(look)
        assert found == [True] * 5 and idp.jwks_requests == 4

        # After an hour the set is fetched again; if that fails, the keys held are kept.
        clock.now += 3600
        idp.jwks_status = 500
        assert (await keys.key("key-2", "RS256")) is not None and idp.jwks_requests == 5
        # A set the issuer empties on purpose is believed.
        clock.now += 3600
        idp.jwks_status, idp.published = 200, []
        assert (await keys.key("key-2", "RS256")) is None
        assert idp.jwks_requests == 7, "the hourly refresh, then one refetch for the id it lacks"


async def test_metadata_naming_another_issuer_is_not_trusted() -> None:
    async with issuer() as idp:
        # The same server under another name: its metadata says it is idp.issuer, not this.
        keys = JwksSource(idp.issuer.replace("127.0.0.1", "localhost"))
        assert (await keys.key("key-1", "RS256")) is None
        assert keys.jwks_url is None and idp.jwks_requests == 0


async def test_what_is_fetched_is_bounded_and_symmetric_keys_are_dropped() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/big":
            return httpx2.Response(200, content=b'{"keys": [' + b" " * MAX_DOCUMENT_BYTES + b"]}")
        if request.url.path == "/moved":
            return httpx2.Response(302, headers={"location": "https://elsewhere.example/jwks"})
        # An HMAC secret in a public key set: never a verification key.
        return httpx2.Response(200, json={"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]})

    transport = httpx2.MockTransport(answer)
    for path in ("/big", "/moved", "/oct"):
        keys = JwksSource("https://id.example", f"https://id.example{path}", transport=transport)
        assert (await keys.key("k", "RS256")) is None, path
        assert (await keys.key(None, "RS256")) is None, path


async def test_a_fetch_that_fails_in_an_unexpected_way_is_logged_not_raised() -> None:
    """A key-set URL with a port out of range makes the socket layer raise OverflowError (not an
    HTTP error): the request is refused like any unknown key, never turned into a 500."""
    keys = JwksSource("https://id.example", "http://127.0.0.1:99999/jwks")
    assert (await keys.key("k", "RS256")) is None
    assert (await keys.key(None, "RS256")) is None


async def test_with_no_keys_held_a_failed_fetch_is_retried_at_the_refetch_rate() -> None:
    """The issuer was down at the first request: a token without a key id is not refused for the
    whole hour the set would otherwise be cached."""
    clock = Clock()
    signer = rsa_key("only")
    state = {"status": 503, "requests": 0}

    def answer(_: httpx2.Request) -> httpx2.Response:
        state["requests"] += 1
        return httpx2.Response(state["status"], json={"keys": [signer.jwk]})

    keys = JwksSource(
        "https://id.example",
        "https://id.example/jwks",
        clock=clock,
        min_refetch_s=30.0,
        transport=httpx2.MockTransport(answer),
    )
    assert (await keys.key(None, "RS256")) is None and state["requests"] == 1
    state["status"] = 200
    assert (await keys.key(None, "RS256")) is None and state["requests"] == 1, "not within 30 s"
    clock.now += 31
    assert (await keys.key(None, "RS256")) is not None and state["requests"] == 2


async def test_an_old_key_set_is_refreshed_by_one_request_while_others_use_the_keys_held() -> None:
    """Stale while revalidating: a slow issuer delays the one request that refreshes the hourly
    set, not every request that arrives meanwhile."""
    clock = Clock()
    signer = rsa_key("k1")
    release, refreshing = anyio.Event(), anyio.Event()
    calls: list[int] = []

    async def answer(_: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        if len(calls) > 1:
            refreshing.set()
            await release.wait()  # the issuer is slow to answer the refresh
        return httpx2.Response(200, json={"keys": [signer.jwk]})

    keys = JwksSource(
        "https://id.example",
        "https://id.example/jwks",
        clock=clock,
        max_age_s=3600.0,
        transport=httpx2.MockTransport(answer),
    )
    assert (await keys.key("k1", "RS256")) is not None
    clock.now += 3601
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(keys.key, "k1", "RS256")  # finds the set old: refreshes, and waits
            await refreshing.wait()
            with anyio.fail_after(2):
                assert (await keys.key("k1", "RS256")) is not None, "served from the keys held"
            release.set()
    assert len(calls) == 2
