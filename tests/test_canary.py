"""Canary: the API key never shows up anywhere a user or a model could read it.

``PIXAPI_KEY`` is ``tests.conftest.CANARY_KEY`` and real workflows run against sandboxes that
accept it (in-process over ASGI, and over real HTTP behind a stdio subprocess with DEBUG logging),
through the error paths too: 402, 401 from a wrong base URL, injected faults, and a hostile API
that echoes the key back in every place it can (error bodies, codes, request ids, headers, HTML
pages, task errors, output URLs). Then every tool result, every error text, every log line (the
subprocess's stderr included), the ledger's SQLite files and every file under the test's temp
folders are searched for the key, raw and base64-encoded: it must be in none of them.

``tests/test_canary_sweep.py`` repeats the file search over the whole session's temp folders
once every other test has run.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import CallToolResult
from PIL import Image

from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import Fault, SandboxConfig, create_app, running_sandbox
from pixapi_mcp.server import build_server
from tests.conftest import CANARY_KEY
from tests.server_harness import SANDBOX_URL, harness, structured, subprocess_env, text_of
from tests.test_http import captured_logs

pytestmark = pytest.mark.anyio

CALL_TIMEOUT_S = 60.0


def canary_forms(key: str = CANARY_KEY) -> list[bytes]:
    """The key as bytes, and base64-encoded at each of the three alignments (as in a Basic header
    or an encoded log line), so an encoded leak is found too."""
    raw = key.encode()
    forms = [raw]
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        # Drop the characters touched by the padding bytes and the tail: what stays is what any
        # base64 text containing the key at this alignment must contain.
        forms.append(encoded[4 if shift else 0 : -4])
    return forms


def leaks_in_bytes(data: bytes) -> bool:
    return any(form in data for form in canary_forms())


def files_under(*roots: Path) -> Iterable[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def assert_no_canary(
    texts: Iterable[str], roots: Iterable[Path], suite_counts: dict[str, int], label: str
) -> None:
    """No text and no file under ``roots`` holds the key; counts what was searched."""
    text_list = list(texts)
    for index, text in enumerate(text_list):
        assert not leaks_in_bytes(text.encode("utf-8", "replace")), (
            f"the key leaked in text #{index}: {text[:500]}"
        )
    files = list(files_under(*roots))
    scanned = 0
    for path in files:
        data = path.read_bytes()
        scanned += len(data)
        assert not leaks_in_bytes(data), f"the key leaked into {path}"
    assert text_list and files, "nothing was searched: the check would prove nothing"
    suite_counts[f"canary: {label}: texts searched"] = len(text_list)
    suite_counts[f"canary: {label}: files searched"] = len(files)
    suite_counts[f"canary: {label}: KB searched"] = scanned // 1024 + sum(len(t) for t in text_list) // 1024


def dump(result: CallToolResult) -> str:
    """Everything the model would see: content, structured content and metadata."""
    return result.model_dump_json(by_alias=True)


async def call(client: Client, results: list[str], tool: str, args: dict[str, Any]) -> CallToolResult:
    with anyio.fail_after(CALL_TIMEOUT_S):
        result = await client.call_tool(tool, args)
    results.append(dump(result))
    return result


def test_canary_forms_find_encoded_keys() -> None:
    """The search must catch the key raw and base64-encoded at any alignment, or it proves little."""
    for prefix in (b"", b"x", b"xy", b"Bearer "):
        assert leaks_in_bytes(base64.b64encode(prefix + CANARY_KEY.encode() + b"!"))
    assert leaks_in_bytes(f"header: Bearer {CANARY_KEY}".encode())
    assert not leaks_in_bytes(b"sk-canary-redacted")


# -- in-process, on a sandbox that accepts the key --------------------------------------------


async def test_canary_in_process_workflows_and_error_paths(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    results: list[str] = []
    (tmp_path / "out").mkdir()
    source = tmp_path / "out" / "source.png"
    Image.new("RGB", (48, 48), "purple").save(source)
    config = SandboxConfig(keys={CANARY_KEY: 1000.0}, max_image_side=128)
    with captured_logs() as logs:
        async with harness(
            make_settings, config, env={"PIXAPI_KEY": CANARY_KEY, "PIXAPI_LOG_LEVEL": "DEBUG"}
        ) as h:
            async with h.client() as client:
                await call(client, results, "list_models", {})
                await call(client, results, "search_docs", {"query": "where does the API key go"})
                await call(client, results, "check_code", {"code": 'key = os.environ["PIXAPI_KEY"]'})
                gen = structured(await call(client, results, "generate_image", {"prompt": "a fox"}))
                b64 = await call(
                    client,
                    results,
                    "generate_image",
                    {"prompt": "b64", "response_format": "b64_json", "sync": True},
                )
                assert not b64.is_error
                edit = structured(
                    await call(client, results, "edit_image", {"prompt": "hat", "image": str(source)})
                )
                video = structured(
                    await call(
                        client,
                        results,
                        "create_video",
                        {"prompt": "go", "input_image": edit["data"][0]["url"]},
                    )
                )
                for _ in range(10):
                    if video["status"] == "completed":
                        break
                    video = structured(
                        await call(client, results, "get_task", {"task_id": video["id"], "wait_s": 45})
                    )
                assert video["status"] == "completed" and gen["status"] == "completed"

                # Error paths: faults on every leg, a failed task, credits short.
                faults = [
                    (Fault(kind="status", status=500, path_prefix="/v1/async/"), 1),
                    (Fault(kind="status", status=429, path_prefix="/v1/tasks/"), None),
                    (Fault(kind="malformed_json", path_prefix="/v1/async/"), 1),
                    (Fault(kind="drop_connection", path_prefix="/v1/async/"), 1),
                    (Fault(kind="task_fail", path_prefix="/v1/async/"), 1),
                    (Fault(kind="status", status=503, path_prefix="/files/"), None),
                ]
                errors = 0
                for fault, times in faults:
                    h.sandbox.clear_faults()
                    h.sandbox.inject(fault, times=times)
                    result = await call(client, results, "generate_image", {"prompt": f"fault {fault.kind}"})
                    errors += result.is_error
                h.sandbox.clear_faults()
                h.sandbox.set_balance(CANARY_KEY, 1.0)
                short = await call(
                    client, results, "generate_image", {"prompt": "p", "model": "nano-banana-pro"}
                )
                assert short.is_error and "category: credits" in text_of(short)
                await call(client, results, "get_task", {"task_id": "task_does_not_exist"})
                await call(client, results, "list_tasks", {"limit": 50})
                assert errors >= 4
            # The sandbox saw the key on every request: the test really ran with it.
            assert h.sandbox.requests and all(
                r.key == CANARY_KEY for r in h.sandbox.requests if r.path.startswith("/v1/")
            )

    # A wrong base URL: an API that does not know the key answers 401.
    other = create_app(SandboxConfig())
    settings = make_settings({"PIXAPI_KEY": CANARY_KEY, "PIXAPI_BASE_URL": SANDBOX_URL})
    with captured_logs() as more_logs:
        async with (
            httpx2.AsyncClient(transport=httpx2.ASGITransport(app=other), base_url=SANDBOX_URL) as http,
            Client(build_server(settings, http)) as client,
        ):
            refused = await call(client, results, "generate_image", {"prompt": "p"})
            assert refused.is_error and "category: auth" in text_of(refused)
            await call(client, results, "list_models", {})
    assert all(r.key == "<invalid>" for r in other.state.sandbox.requests)
    assert_no_canary([*results, *logs, *more_logs], [tmp_path], suite_counts, "in-process")


# -- a hostile API that echoes the key everywhere ------------------------------------------------


def echo_api(request: httpx2.Request) -> httpx2.Response:
    """Answers every call with the caller's key in it: bodies, codes, request ids, headers, pages."""
    key = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or "none"
    path = request.url.path
    echo = {"x-request-id": f"req_{key}", "x-debug-key": key}
    if path == "/v1/async/images/generations":
        return httpx2.Response(
            200, json={"id": "task_echo", "status": "submitted", "model": key}, headers=echo
        )
    if path == "/v1/tasks/task_echo":
        task = {
            "id": "task_echo",
            "status": "failed",
            "progress": 100,
            "error": {"message": f"bad key {key}", "code": key},
        }
        return httpx2.Response(200, json=task, headers=echo)
    if path == "/v1/images/generations":
        # A 2xx whose body is not JSON, quoting the key.
        return httpx2.Response(200, text=f"<html><body>Welcome {key}</body></html>", headers=echo)
    if path == "/v1/async/images/edits":
        error = {"message": f"Invalid key {key}", "code": key, "param": key, "type": key, "request_id": key}
        return httpx2.Response(401, json={"error": error}, headers=echo)
    if path == "/v1/async/videos/generations":
        return httpx2.Response(
            402, text=f"Insufficient credits for {key}", headers=echo | {"content-type": "text/plain"}
        )
    if path == "/v1/models":
        return httpx2.Response(503, text=f"<h1>down</h1><p>{key}</p>", headers=echo | {"retry-after": "0"})
    if path.startswith("/v1/tasks/"):
        return httpx2.Response(404, json={"error": f"no task for {key}"}, headers=echo)
    return httpx2.Response(500, json={"error": {"message": key}}, headers=echo)


async def test_canary_hostile_api_echoing_the_key(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    results: list[str] = []
    (tmp_path / "out").mkdir()
    source = tmp_path / "out" / "source.png"
    Image.new("RGB", (16, 16), "red").save(source)
    settings = make_settings({"PIXAPI_KEY": CANARY_KEY, "PIXAPI_BASE_URL": "https://api.echo.test"})
    seen_keys: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen_keys.append(request.headers.get("authorization", ""))
        return echo_api(request)

    calls: list[tuple[str, dict[str, Any]]] = [
        ("generate_image", {"prompt": "echo", "wait_s": 30}),
        ("get_task", {"task_id": "task_echo"}),
        ("generate_image", {"prompt": "echo sync", "sync": True}),
        ("edit_image", {"prompt": "echo", "image": str(source)}),
        ("create_video", {"prompt": "echo"}),
        ("list_models", {}),
        ("get_task", {"task_id": "task_elsewhere"}),
        ("list_tasks", {}),
    ]
    with captured_logs() as logs:
        async with (
            httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as http,
            Client(build_server(settings, http, timer=_NoWait())) as client,
        ):
            for tool, args in calls:
                await call(client, results, tool, args)
    assert any(CANARY_KEY in k for k in seen_keys), "the hostile API never saw the key"
    assert_no_canary([*results, *logs], [tmp_path], suite_counts, "hostile API")


class _NoWait:
    def now(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        await anyio.lowlevel.checkpoint()


# -- stdio subprocess, DEBUG logging, a real HTTP sandbox -----------------------------------------


@pytest.mark.slow
async def test_canary_stdio_subprocess_with_debug_logs(tmp_path: Path, suite_counts: dict[str, int]) -> None:
    results: list[str] = []
    stderr_path = tmp_path / "server-stderr.log"
    config = SandboxConfig(keys={CANARY_KEY: 1000.0}, image_task_seconds=0.2, max_image_side=128)
    with running_sandbox(config) as sandbox, stderr_path.open("w") as errlog:
        env = subprocess_env(tmp_path, PIXAPI_KEY=CANARY_KEY, PIXAPI_BASE_URL=sandbox.base_url)
        params = StdioServerParameters(command=sys.executable, args=["-m", "pixapi_mcp", "serve"], env=env)
        with anyio.fail_after(120):
            async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
                await call(client, results, "list_models", {})
                done = structured(
                    await call(client, results, "generate_image", {"prompt": "stdio", "wait_s": 30})
                )
                assert done["status"] == "completed", done
                await call(client, results, "generate_image", {"prompt": "sync", "sync": True})
                sandbox.state.inject(Fault(kind="status", status=502, path_prefix="/v1/"), times=1)
                assert (await call(client, results, "generate_image", {"prompt": "fault"})).is_error
                sandbox.state.inject(Fault(kind="drop_connection", path_prefix="/v1/async/"), times=1)
                assert (await call(client, results, "generate_image", {"prompt": "drop"})).is_error
                sandbox.state.set_balance(CANARY_KEY, 0.5)
                assert (await call(client, results, "generate_image", {"prompt": "broke"})).is_error
                await call(client, results, "list_tasks", {})
        assert sandbox.state.requests and sandbox.state.requests[-1].key == CANARY_KEY
    log = stderr_path.read_text()
    assert "DEBUG" in log and "POST /v1/async/images/generations" in log, log[-2000:]
    data_files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert any(p.name.startswith("ledger") for p in data_files), data_files
    assert_no_canary([*results, log, json.dumps(results)], [tmp_path], suite_counts, "stdio")


# -- a hostile API that echoes the key JSON-escaped, nested, and across the excerpt's cut -----------

# A key with a "/" so PHP's json_encode has something to escape; every 8-character piece of it is
# distinctive, so a piece left at a cut is found too.
SLASH_KEY = "sk-esc/7Qz4+Wm9_Xr2.Lp5~Tn8/Hv3"
# Long enough that a key after it straddles the 300-character excerpt cut.
PAD = "p" * 280


def u_escaped(key: str, *, upper: bool = False, every: int = 1) -> str:
    """``key`` as a JSON encoder escaping every ``every``-th character writes it (``\\u0073``)."""
    spelled = (f"\\u{ord(c):04X}" if upper else f"\\u{ord(c):04x}" for c in key)
    return "".join(s if i % every == 0 else c for i, (c, s) in enumerate(zip(key, spelled, strict=True)))


def php_escaped(key: str) -> str:
    """``key`` as PHP's json_encode writes it: ``/`` becomes ``\\/``."""
    return key.replace("/", "\\/")


def unescaped(text: str) -> str:
    """``text`` with the escapes the hostile API uses decoded (written independently of the code
    under test), so a leak in an escaped spelling is found by a plain search."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("\\/", "/")


def key_pieces(key: str, size: int = 8) -> list[str]:
    """Every ``size``-character window of ``key``: what a cut through the key would leave."""
    return [key[i : i + size] for i in range(len(key) - size + 1)]


def escaping_api(request: httpx2.Request) -> httpx2.Response:
    """Echoes the caller's key JSON-escaped (all ``\\u``, mixed-case ``\\u``, ``\\/``), in nested
    objects and object keys, in headers, and straddling the 300-character excerpt cut."""
    key = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or "none"
    u_all, u_some, php = u_escaped(key), u_escaped(key, upper=True, every=2), php_escaped(key)
    path = request.url.path
    headers = {"content-type": "application/json", "x-request-id": f"req_{PAD}{key}"}

    def answer(status: int, text: str, **extra: str) -> httpx2.Response:
        return httpx2.Response(status, text=text, headers=headers | extra)

    if path == "/v1/async/images/generations":
        nested = f'{{"meta": {{"{php}": ["{u_some}", {{"deep": "{u_all}"}}]}}}}'
        return answer(
            200, f'{{"id": "task_esc", "status": "submitted", "model": "{u_all}", "extra": {nested}}}'
        )
    if path == "/v1/tasks/task_esc":
        task = (
            f'{{"id": "task_esc", "status": "failed", "progress": 100, "model": "{php}", '
            f'"error": {{"message": "{PAD}{u_all}", "code": "{php}", "{u_some}": "{u_all}"}}}}'
        )
        return answer(200, task)
    if path == "/v1/images/generations":
        # A 2xx that is not JSON: the raw text (cut for the message) holds every spelling.
        return answer(
            200,
            f"<html><p>{u_all} {php} {u_some}</p><p>{PAD}{key}</p></html>",
            **{"content-type": "text/html"},
        )
    if path == "/v1/async/images/edits":
        error = f'{{"error": {{"message": "{PAD}{php}", "code": "{u_all}", "param": "{u_some}", "request_id": "{u_all}"}}}}'
        return answer(401, error)
    if path == "/v1/async/videos/generations":
        # Only the start of the key, reaching past the cut: a piece must not be left at the end.
        return answer(402, f"{PAD}{'q' * 8}{key[:20]}", **{"content-type": "text/plain"})
    if path == "/v1/models":
        models = f'{{"object": "list", "data": [{{"id": "{u_all}", "object": "model", "category": "image", "{php}": 1}}]}}'
        return answer(200, models)
    return answer(404, f'{{"error": {{"message": "no task {PAD}{u_some}"}}}}')


@pytest.mark.parametrize("key", [CANARY_KEY, SLASH_KEY], ids=["canary", "slash"])
async def test_canary_hostile_api_echoing_the_key_json_escaped(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int], key: str
) -> None:
    """The key, escaped as JSON encoders write it and cut where the excerpt cuts, reaches no
    result, error, ledger row or DEBUG log line, whole or as a piece of 8 characters."""
    results: list[str] = []
    (tmp_path / "out").mkdir()
    source = tmp_path / "out" / "source.png"
    Image.new("RGB", (16, 16), "red").save(source)
    env = {"PIXAPI_KEY": key, "PIXAPI_BASE_URL": "https://api.echo.test", "PIXAPI_LOG_LEVEL": "DEBUG"}
    settings = make_settings(env)
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers.get("authorization", ""))
        return escaping_api(request)

    calls: list[tuple[str, dict[str, Any]]] = [
        ("generate_image", {"prompt": "escaped", "wait_s": 30}),
        ("get_task", {"task_id": "task_esc"}),
        ("generate_image", {"prompt": "escaped sync", "sync": True}),
        ("edit_image", {"prompt": "escaped", "image": str(source)}),
        ("create_video", {"prompt": "escaped"}),
        ("list_models", {}),
        ("get_task", {"task_id": "task_elsewhere"}),
        ("list_tasks", {}),
    ]
    with captured_logs() as logs:
        async with (
            httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as http,
            Client(build_server(settings, http, timer=_NoWait())) as client,
        ):
            for tool, args in calls:
                await call(client, results, tool, args)
    assert seen and all(k == f"Bearer {key}" for k in seen), "the hostile API never saw the key"
    # The calls did reach the echoing paths: a submission recorded, errors carrying server text.
    assert "task_esc" in results[0] and "[redacted]" in "".join(results)
    files = [p for p in files_under(tmp_path) if p.name.startswith("ledger")]
    assert files, "no ledger file was written: the ledger rows were not checked"
    texts = [*results, *logs, *(p.read_bytes().decode("latin-1") for p in files)]
    for index, text in enumerate(texts):
        plain = unescaped(text)
        leaked = [piece for piece in key_pieces(key) if piece in plain]
        assert not leaked, f"a piece of the key leaked in text #{index}: {leaked[:3]} in {plain[:400]}"
    suite_counts[f"canary: escaped echo ({len(key)}-char key): texts searched"] = len(texts)
