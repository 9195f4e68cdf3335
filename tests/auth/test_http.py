"""The HTTP front (``pixapi_mcp.auth.http``): the protected-resource metadata and the challenge
checked against the specs' required fields, a real OAuth-capable client (the TypeScript SDK)
completing discovery and its own token flow, per-caller rate limits with ``Retry-After``, named
tokens revoked without a restart, and the order in which the modes are chosen.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
import pytest

from pixapi_mcp.auth.http import RateLimiter, auth_mode
from pixapi_mcp.cli import main
from pixapi_mcp.config import Settings
from tests.auth.harness import SCOPE, issuer, list_tools_raw, oauth_served, parse_challenge, served
from tests.server_harness import ALL_TOOLS, structured
from tests.test_http import http_client

pytestmark = pytest.mark.anyio

INTEROP = Path(__file__).parents[1] / "interop"


async def test_the_metadata_document_and_challenge_carry_what_the_specs_require(
    make_settings: Callable[..., Settings],
) -> None:
    async with issuer() as idp, oauth_served(make_settings, idp) as server:
        public = server.settings.mcp_public_url
        async with httpx2.AsyncClient(timeout=30.0) as http:
            refused = await list_tools_raw(http, server.mcp_url, None)
            assert refused.status_code == 401
            challenge = parse_challenge(refused.headers["www-authenticate"])
            # MCP authorization, "Protected Resource Metadata Discovery Requirements": the 401 names
            # the metadata URL; "Scope Selection Strategy": and the scopes needed.
            assert set(challenge) == {"resource_metadata", "scope"}
            assert challenge["scope"] == SCOPE

            documents = {}
            # RFC 9728 section 3.1: the path-suffixed URL (the challenge's) and the root one.
            for path in (
                "/.well-known/oauth-protected-resource/mcp",
                "/.well-known/oauth-protected-resource",
            ):
                answer = await http.get(server.base + path, headers={"Origin": "https://app.example"})
                assert answer.status_code == 200, path
                assert answer.headers["content-type"].startswith("application/json")
                assert answer.headers.get("access-control-allow-origin") == "*", "browser clients read it too"
                documents[path] = answer.json()
            assert challenge["resource_metadata"] == f"{server.base}/.well-known/oauth-protected-resource/mcp"
            first, root = documents.values()
            assert first == root

            # RFC 9728 section 2: resource REQUIRED (the resource identifier: this server's URL, no
            # fragment); MCP: authorization_servers MUST hold at least one issuer; RFC 9728 section 3.3:
            # resource identical to the URL the metadata was looked up for.
            assert first["resource"] == public and "#" not in first["resource"]
            assert urlsplit(first["resource"]).scheme in ("https", "http")
            assert first["authorization_servers"] == [idp.issuer]
            assert first["scopes_supported"] == [SCOPE]
            assert first["bearer_methods_supported"] == ["header"]
            assert set(first) <= {
                "resource",
                "authorization_servers",
                "jwks_uri",
                "scopes_supported",
                "bearer_methods_supported",
                "resource_signing_alg_values_supported",
                "resource_name",
                "resource_documentation",
                "resource_policy_uri",
                "resource_tos_uri",
            }, "only fields RFC 9728 section 2 defines"
            # The spec's "MUST NOT" on offline_access in scopes (refresh tokens are not a resource need).
            assert "offline_access" not in first["scopes_supported"]

            # Health stays open; nothing else does.
            assert (await http.get(f"{server.base}/health")).status_code == 200
            assert (await http.get(f"{server.base}/mcp")).status_code == 401


@pytest.mark.slow
async def test_the_typescript_sdk_discovers_the_issuer_gets_a_token_and_calls_tools(
    make_settings: Callable[..., Settings],
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the TypeScript SDK interop test needs Node.js 18+")
    if not (INTEROP / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir():
        pytest.skip("tests/interop/node_modules is missing: run `npm ci` in tests/interop")
    async with issuer() as idp, oauth_served(make_settings, idp) as server:
        command = [
            node,
            str(INTEROP / "auth_client.mjs"),
            server.mcp_url,
            "ts-agent",
            "s3cret",
            idp.issuer,
            SCOPE,
        ]
        with anyio.fail_after(90):
            done = await anyio.run_process(command, check=False, cwd=INTEROP)
    summary = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert done.returncode == 0, summary
    assert summary["challenge"] == {
        "status": 401,
        "resourceMetadataUrl": f"{server.base}/.well-known/oauth-protected-resource/mcp",
        "scope": SCOPE,
        "error": None,
    }
    assert summary["resourceMetadata"]["resource"] == server.settings.mcp_public_url
    assert summary["authorizationServerUrl"] == idp.issuer == summary["authorizationServerIssuer"]
    assert summary["tokenEndpoint"] == f"{idp.issuer}/token"
    assert summary["resource"] == server.settings.mcp_public_url
    # The client asked the issuer for a token for this resource (RFC 8707) and the scope the
    # challenge named; the server accepted it and tool code saw that client.
    (request,) = idp.token_requests
    assert request["resource"] == server.settings.mcp_public_url and request["scope"] == SCOPE
    assert ALL_TOOLS | {"whoami"} <= set(summary["tools"])
    assert summary["whoami"]["id"] == "oauth:ts-agent"


async def test_each_caller_has_its_own_rate_limit_with_retry_after(
    make_settings: Callable[..., Settings],
) -> None:
    async with issuer() as idp, oauth_served(make_settings, idp, PIXAPI_MCP_RATE_PER_MINUTE="3") as server:
        aud = server.settings.mcp_public_url
        ada = idp.mint(aud=aud, scope=SCOPE, sub="ada")
        bob = idp.mint(aud=aud, scope=SCOPE, sub="bob")
        async with httpx2.AsyncClient(timeout=30.0) as http:
            statuses = [(await list_tools_raw(http, server.mcp_url, ada)).status_code for _ in range(3)]
            assert statuses == [200, 200, 200]
            limited = await list_tools_raw(http, server.mcp_url, ada)
            assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
            # 3 a minute: the next request is ~20 s away.
            assert 1 <= int(limited.headers["retry-after"]) <= 20
            # Another caller is not held back by the first; refused requests spend nothing.
            assert (await list_tools_raw(http, server.mcp_url, bob)).status_code == 200
            assert (await list_tools_raw(http, server.mcp_url, "forged")).status_code == 401


def test_the_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second, bursts of 60
    assert all(limiter.take("a") == 0.0 for _ in range(60))
    assert limiter.take("a") == pytest.approx(1.0)
    now[0] += 0.5
    assert limiter.take("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("a") == 0.0 and limiter.take("b") == 0.0


async def test_named_tokens_work_and_a_revoked_one_stops_without_a_restart(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    env = {
        "HOME": str(tmp_path / "home"),
        "PIXAPI_DATA_DIR": str(tmp_path / "data"),
        "PIXAPI_MCP_TOKEN": "the-old-shared-token",
    }
    printed: list[str] = []
    assert main(["token", "create", "ada", "--team", "art"], environ=env, out=printed.append) == 0
    assert main(["token", "create", "bob", "--admin"], environ=env, out=printed.append) == 0
    ada, bob = printed
    assert ada.startswith("pxm_") and len(ada) > 40 and ada != bob
    stored = (tmp_path / "data" / "tokens.json").read_text()
    assert ada not in stored and bob not in stored, "only hashes at rest"

    async with served(make_settings, lambda port: {"PIXAPI_MCP_TOKEN": "the-old-shared-token"}) as server:
        assert auth_mode(server.settings) == "named"
        async with http_client(server.base, ada) as client:
            seen = structured(await client.call_tool("whoami", {}))
        assert seen["id"] == "token:ada" and seen["team"] == "art" and seen["admin"] is False
        async with http_client(server.base, bob) as client:
            assert structured(await client.call_tool("whoami", {}))["admin"] is True

        async with httpx2.AsyncClient(timeout=30.0) as http:
            assert (await list_tools_raw(http, server.mcp_url, ada)).status_code == 200
            # The shared token no longer opens the server once named tokens exist.
            shared = await list_tools_raw(http, server.mcp_url, "the-old-shared-token")
            assert shared.status_code == 401
            assert parse_challenge(shared.headers["www-authenticate"])["error"] == "invalid_token"

            assert main(["token", "revoke", "ada"], environ=env, out=printed.append) == 0
            assert (await list_tools_raw(http, server.mcp_url, ada)).status_code == 401
            assert (await list_tools_raw(http, server.mcp_url, bob)).status_code == 200
            listed: list[str] = []
            assert main(["token", "list"], environ=env, out=listed.append) == 0
            assert [line.split("\t")[0] for line in listed] == ["bob"] and bob not in "".join(listed)


def test_modes_are_chosen_oauth_then_named_tokens_then_the_shared_token(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    oauth = {
        "PIXAPI_MCP_ISSUER": "https://id.example.com/",
        "PIXAPI_MCP_PUBLIC_URL": "https://mcp.example.com/mcp",
    }
    shared = {"PIXAPI_MCP_TOKEN": "t"}
    assert auth_mode(make_settings()) == "none"
    assert auth_mode(make_settings(shared)) == "shared"
    tokens = tmp_path / "data" / "tokens.json"
    tokens.parent.mkdir(parents=True)
    tokens.write_text('{"version": 1, "tokens": {}}')
    assert auth_mode(make_settings(shared)) == "named"
    assert auth_mode(make_settings(shared | oauth)) == "oauth"
    elsewhere = tmp_path / "team-tokens.json"
    assert auth_mode(make_settings(shared | {"PIXAPI_MCP_TOKENS_FILE": str(elsewhere)})) == "shared"


@pytest.mark.slow
async def test_off_loopback_any_identity_mode_lets_the_server_start(tmp_path: Path) -> None:
    """Named tokens alone satisfy the off-loopback rule (the server refuses with none at all;
    tests/test_http.py checks that)."""
    from tests.server_harness import subprocess_env

    env = subprocess_env(tmp_path)
    assert main(["token", "create", "ada"], environ=env, out=lambda _: None) == 0
    command = [
        sys.executable,
        "-m",
        "pixapi_mcp",
        "serve",
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
    ]
    async with await anyio.open_process(command, env=env) as process:
        assert process.stderr is not None
        seen = b""
        with anyio.fail_after(30):
            async for chunk in process.stderr:
                seen += chunk
                if b"serving MCP over HTTP" in seen:
                    break
        process.terminate()
        with anyio.fail_after(15):
            await process.wait()
    assert b"HTTP identity: named" in seen, seen.decode()


async def test_a_verifier_that_raises_refuses_with_the_challenge_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A fault inside a verifier (a bug, a key it cannot parse) is a 401 with the challenge the
    client knows how to act on, never a 500, and the operator finds the traceback in the log."""
    from pixapi_mcp.auth.http import AuthFront

    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    class Broken:
        async def identify(self, token: str) -> Any:
            raise ValueError("a key the verifier cannot parse")

    front = AuthFront(app, Broken(), mode="named")
    transport = httpx2.ASGITransport(app=front)
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        answer = await http.post("/mcp", headers={"Authorization": "Bearer pxm_whatever"})
    assert answer.status_code == 401 and reached == []
    assert parse_challenge(answer.headers["www-authenticate"])["error"] == "invalid_token"
    failures = [r for r in caplog.records if r.name == "pixapi_mcp.auth.http" and r.exc_info]
    assert failures and "pxm_whatever" not in caplog.text


INIT_2025 = (
    b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",'
    b'"capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}'
)


async def test_a_token_revoked_mid_session_stops_at_once_and_a_session_is_its_openers_only(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Named tokens: revoking one ends its live session on the next request in both protocol eras;
    another caller presenting that session's id reaches nothing (the SDK binds a session to its
    principal) and reads like a session that never was."""
    from mcp.shared.exceptions import MCPError

    env = {"HOME": str(tmp_path / "home"), "PIXAPI_DATA_DIR": str(tmp_path / "data")}
    printed: list[str] = []
    for name in ("ada", "bob"):
        assert main(["token", "create", name], environ=env, out=printed.append) == 0
    ada, bob = printed
    async with served(make_settings, lambda port: {}) as server:
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        async with httpx2.AsyncClient(timeout=30.0) as http:
            opened = await http.post(
                server.mcp_url, headers=headers | {"Authorization": f"Bearer {ada}"}, content=INIT_2025
            )
            session = {
                "Mcp-Session-Id": opened.headers["mcp-session-id"],
                "MCP-Protocol-Version": "2025-11-25",
            }
            call = b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'
            hijack = await http.post(
                server.mcp_url, headers=headers | session | {"Authorization": f"Bearer {bob}"}, content=call
            )
            assert hijack.status_code == 404 and "token:ada" not in hijack.text
        for mode in ("legacy", "auto"):
            name = f"ada-{mode}"
            token: list[str] = []
            assert main(["token", "create", name], environ=env, out=token.append) == 0
            statuses: list[int] = []
            async with http_client(server.base, token[0], mode=mode, statuses=statuses) as client:
                assert structured(await client.call_tool("whoami", {}))["id"] == f"token:{name}"
                assert main(["token", "revoke", name], environ=env, out=printed.append) == 0
                with pytest.raises(MCPError):
                    await client.call_tool("whoami", {})
            assert statuses[-1] == 401, (mode, statuses)
