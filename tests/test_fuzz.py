"""Fuzz: thousands of tool calls generated from each tool's *published* input schema.

The schemas come from ``tools/list`` through the SDK's client (never from Python types), and a
small seeded generator turns each into calls: values that follow the schema, then wrong types,
missing required arguments, nulls, 100 KB+ strings, huge and negative numbers, NaN-like strings,
unicode (including lone surrogates, which JSON can carry), path and SSRF strings, nested junk in
``controls`` and unknown extra arguments. Every call goes through the in-memory client to the real
server on the real sandbox (one manual clock, so waits cost nothing), for every tool.

For every call: it returns within a bound; it is a success whose structured content validates
against the tool's published output schema, or a clean ``isError`` whose text is actionable (not
the SDK's masked "Error executing tool X", no traceback); no result is a multi-megabyte blob;
every saved path lies under the test's folder; every request the sandbox recorded passes
``contract.check_request`` and was not answered 400 (a 400 means an invalid request got out). For
the whole run, a Python audit hook records every file the process opens for writing, every folder
it creates, renames into, links or removes: all of them must lie under the test's temp folder.

A second run sends generated calls as raw JSON-RPC over streamable HTTP, where ``NaN``,
``Infinity`` and surrogate escapes reach the server (the in-memory client turns NaN into null).
Then: the crashes the fuzz found, as regression tests, and an attack table of traversal and
symlink paths through the tools.

Counts and seed are configurable: ``PIXAPI_FUZZ_CALLS`` (default 2000), ``PIXAPI_FUZZ_WIRE_CALLS``
(default 300), ``PIXAPI_FUZZ_SEED``, ``PIXAPI_FUZZ_SECONDS`` (a wall-time budget for the first run;
the loop stops early when it runs out, and fails if fewer than 300 calls fitted).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
import os
import random
import re
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import jsonschema
import pytest
from mcp_types import CallToolResult, ImageContent, Tool
from PIL import Image

from pixapi_mcp import contract
from pixapi_mcp.config import Settings
from pixapi_mcp.sandbox import RecordedRequest, SandboxConfig
from tests.server_harness import Harness, harness, text_of
from tests.test_media import TRAVERSALS

pytestmark = pytest.mark.anyio


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


FUZZ_CALLS = int(_env_number("PIXAPI_FUZZ_CALLS", 2000))
FUZZ_SEED = int(_env_number("PIXAPI_FUZZ_SEED", 20261121))
FUZZ_SECONDS = _env_number("PIXAPI_FUZZ_SECONDS", 40.0)
# One call, in memory on a manual clock, takes milliseconds; this bounds a hang, not a slow call.
CALL_TIMEOUT_S = 20.0
# Calls per client session (each session is a fresh server lifespan; modes alternate).
SESSION_CALLS = 400
MAX_FAILURES = 12
# Results are for a model's context: the SDK's hosts cap them around 1 MB.
MAX_RESULT_BYTES = 1_000_000

MEDIA_TOOLS = {"generate_image", "edit_image", "create_video", "get_task", "list_models", "list_tasks"}
# The SDK's masked crash: "Error executing tool X" (possibly nested), with nothing after it.
MASKED = re.compile(r"(Error executing tool [\w.-]+(: )?)+")


# -- hostile values --------------------------------------------------------------------------

UNICODE = [
    "🦊 in ❄️ at dawn",
    "renard roux à l'aube",
    "狐狸在雪中",
    "\u202eevil\u202c.png",
    "zero\u200bwidth\ufeff",
    "nul\x00byte",
    "lone \ud800 surrogate",
    "\udfff",
    "Ω≈ç√∫˜µ≤≥÷",
    "\n\t\r\x0b\x0c",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}",
    "%s%s%s%n",
    "\\",
    "𝕳𝖊𝖑𝖑𝖔",
]
NAN_LIKE = ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-0", "0x10", "1_000", "", " ", "null"]
PATH_LIKE = [
    "../../etc/passwd",
    "/etc/shadow",
    "~/.ssh/id_rsa",
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://127.0.0.1:22/",
    "http://[::1]/x.png",
    "http://10.0.0.1/a.png",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/a.png",
    "https://93.184.216.34/a.png",
    "\\\\server\\share\\x.png",
    "C:\\Windows\\system32\\config\\SAM",
    "/proc/self/environ",
    "/dev/zero",
    "..",
    ".",
    "/",
    "%2e%2e/%2e%2e/etc/passwd",
    "..\\..\\etc\\passwd",
    "/tmp/../etc",
    "out/../../../../etc/cron.d/x",
    "data:image/png;base64,AAAA",
    "data:text/html,<b>x</b>",
    "javascript:alert(1)",
    "gopher://127.0.0.1:25/",
    "ftp://example.com/x.png",
    "http://sandbox.test/files/../../etc/passwd",
    "http://sandbox.test/_sandbox/balance",
]
HUGE_NUMBERS: list[Any] = [
    10**30,
    -(10**30),
    1e308,
    -1e308,
    2**63,
    2**64 + 1,
    5e-324,
    math.inf,
    -math.inf,
    math.nan,
]
NEGATIVES: list[Any] = [-1, -0.5, -3600, -(2**31), -1e-9]
WRONG_TYPES: list[Any] = [123, 1.5, True, False, "text", ["a", 1], {"a": {"b": [1, None]}}, [], {}]


def _junk(rng: random.Random, depth: int = 0) -> Any:
    """A nested JSON value with hostile leaves."""
    roll = rng.random()
    if depth >= 3 or roll < 0.4:
        return rng.choice([*UNICODE, *NAN_LIKE, *PATH_LIKE[:6], *HUGE_NUMBERS, *NEGATIVES, None, True])
    if roll < 0.7:
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["a", "model", "prompt", "", "🦊", "__proto__"]): _junk(rng, depth + 1)}


# -- domain pools, keyed by the published property names --------------------------------------

MODELS = sorted({m.id for m in contract.CATALOG} | {a for m in contract.CATALOG for a in m.aliases})
PROMPTS = ["a red fox in snow", "hero image for a bakery website", "x", "🦊 in ❄️", "waves " * 200]
SIZES = ["auto", "1024x1024", "512x384", "64x64", "1536x1024", "16:9", "9:16", "1:1", "10x10", "1280x720"]
SIZES += ["99999x99999", "12x99999"]
QUERIES = ["how do I poll a video task", "price of nano banana pro", "image_url", "async", "veo duration"]
LANGUAGES = ["python", "curl", "node", "javascript", "typescript", "go", "java", "php", "json", "rust"]
CODES = [
    'import httpx\nr = httpx.post("https://api.pixapi.ai/v1/videos/generations", json={"model": "veo", '
    '"seconds": 5, "image_url": u})\nprint(r.json()["data"][0]["url"])',
    'curl https://api.pixapi.ai/v1/images/generations?async=true -H "Authorization: Bearer $PIXAPI_KEY" '
    '-d \'{"model": "nano-banana", "prompt": "x"}\'',
    'POST /v1/async/videos/generations\n{"model": "nano-banana", "prompt": "p", "duration": 4}',
    '{"model": "veo", "prompt": "p"}',
    "const r = await fetch('/v1/images/edits', {method: 'POST', body: JSON.stringify({image: b64})})",
    "func main() {}",
    "<?php echo 1;",
    "",
    "{" * 5000,
    "(" * 20000 + "a",
]
CONTROLS: list[Any] = [
    {},
    {"style": "vivid"},
    {"seed": 7},
    {"background": "transparent", "output_format": "png"},
    {"async": True},
    {"seconds": 5},
    {"image_url": "https://cdn.example/a.png"},
    {"model": "veo"},
    {"prompt": "override"},
    {"n": 0},
    {"quality": "ultra"},
    {"response_format": "png"},
    {"size": "big"},
    {"image": "x"},
    {"duration": -1},
    {"seed": math.nan},
    {"seed": math.inf},
    {"aspect_ratio": "16:9", "negative_prompt": "blur"},
]


def _png(size: int = 32, color: str = "orange") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


class Fuzzer:
    """Arguments for a tool from its published input schema, by strategy."""

    STRATEGIES = (
        "valid",
        "valid",
        "valid",
        "wrong_type",
        "missing_required",
        "null",
        "huge_string",
        "huge_number",
        "negative",
        "nan_like",
        "unicode",
        "path_like",
        "controls_junk",
        "extra_args",
        "mixed",
    )

    def __init__(self, rng: random.Random, workspace: Path, out: Path) -> None:
        self.rng = rng
        self.urls: list[str] = []
        self.task_ids: list[str] = []
        png = _png()
        (out / "input.png").write_bytes(png)
        (workspace / "input.png").write_bytes(png)
        (out / "notes.png").write_text("not an image")
        data_uri = "data:image/png;base64," + base64.b64encode(png).decode()
        self.images = [str(out / "input.png"), "input.png", data_uri, str(out / "notes.png"), str(out)]
        self.output_dirs = [str(out / "sub"), "assets/img", "pixapi-output", str(workspace / "public")]

    # -- pools ---------------------------------------------------------------------------------

    def pool(self, tool: str, name: str) -> list[Any] | None:
        rng = self.rng
        if name == "prompt":
            return PROMPTS
        if name == "model":
            return ["veo", "wan"] if tool == "create_video" else MODELS
        if name == "size":
            return SIZES
        if name == "image":
            singles: list[Any] = [*self.images, *self.urls[-5:]]
            return [*singles, [rng.choice(singles) for _ in range(rng.randint(1, 3))]]
        if name == "input_image":
            return [*self.urls[-5:], "http://sandbox.test/files/img_missing.png"]
        if name == "task_id":
            return [*self.task_ids[-10:], "task_0000", "nope"]
        if name == "output_dir":
            return self.output_dirs
        if name == "query":
            return QUERIES
        if name == "code":
            return CODES
        if name == "language":
            return LANGUAGES
        if name == "controls":
            return CONTROLS
        return None

    # -- schema-following values ---------------------------------------------------------------

    def valid(self, tool: str, name: str, schema: dict[str, Any]) -> Any:
        rng = self.rng
        if "anyOf" in schema:
            branches: list[dict[str, Any]] = schema["anyOf"]
            typed = [b for b in branches if b.get("type") != "null"]
            if typed and rng.random() < 0.85:
                return self.valid(tool, name, rng.choice(typed))
            return None
        if "enum" in schema:
            return rng.choice(schema["enum"])
        if "default" in schema and rng.random() < 0.2:
            return schema["default"]
        kind = schema.get("type")
        pool = self.pool(tool, name)
        if pool and rng.random() < 0.8:
            value = rng.choice(pool)
            if kind != "string" or not isinstance(value, str) or self._fits(value, schema):
                return value
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            low, high = int(schema.get("minimum", -1000)), int(schema.get("maximum", 1000))
            return rng.choice([low, high, rng.randint(low, high)])
        if kind == "number":
            low = float(schema.get("minimum", schema.get("exclusiveMinimum", -1000.0)))
            high = float(schema.get("maximum", 1000.0))
            if "exclusiveMinimum" in schema:
                low = math.nextafter(low, math.inf)
            return rng.choice([low, high, rng.uniform(low, high), round(rng.uniform(low, min(high, 60)), 1)])
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "array":
            item: dict[str, Any] = schema.get("items", {})
            return [self.valid(tool, name, item) for _ in range(rng.randint(1, 3))]
        if kind == "object":
            return rng.choice(CONTROLS)
        return None

    @staticmethod
    def _fits(value: str, schema: dict[str, Any]) -> bool:
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10**9):
            return False
        pattern = schema.get("pattern")
        return pattern is None or re.search(pattern, value) is not None

    def _string(self, schema: dict[str, Any]) -> str:
        rng = self.rng
        pattern = schema.get("pattern")
        for _ in range(20):
            if pattern and rng.random() < 0.5:
                value = f"{rng.randint(1, 4096)}x{rng.randint(1, 4096)}"
            else:
                alphabet = "abcxyz0123456789_.:-" if pattern else "abc xyz-_/.🦊é\n"
                low = max(1, schema.get("minLength", 1))
                high = min(schema.get("maxLength", 40), 40)
                value = "".join(rng.choice(alphabet) for _ in range(rng.randint(low, max(low, high))))
            if self._fits(value, schema):
                return value
        return "a"

    # -- one call ------------------------------------------------------------------------------

    def arguments(self, tool: Tool) -> tuple[str, dict[str, Any]]:
        rng = self.rng
        schema = tool.input_schema
        props: dict[str, dict[str, Any]] = schema.get("properties", {})
        required: list[str] = schema.get("required", [])
        args: dict[str, Any] = {}
        for name, prop in props.items():
            if name in required or rng.random() < 0.35:
                args[name] = self.valid(tool.name, name, prop)
        strategy = rng.choice(self.STRATEGIES)
        names = list(props)
        if strategy == "mixed":
            for _ in range(rng.randint(2, 4)):
                self._mutate(rng.choice(self.STRATEGIES[3:-1]), args, names, required)
        else:
            self._mutate(strategy, args, names, required)
        return strategy, args

    def _mutate(self, strategy: str, args: dict[str, Any], names: list[str], required: list[str]) -> None:
        rng = self.rng
        target = rng.choice(names) if names else "x"
        if strategy == "wrong_type":
            args[target] = rng.choice(WRONG_TYPES)
        elif strategy == "missing_required":
            victim = rng.choice(required) if required else target
            args.pop(victim, None)
        elif strategy == "null":
            args[target] = None
        elif strategy == "huge_string":
            unit = rng.choice(["a", "🦊", "../", "x" * 7 + " ", "\u202e"])
            args[target] = unit * (rng.randint(100_000, 300_000) // len(unit))
        elif strategy == "huge_number":
            args[target] = rng.choice(HUGE_NUMBERS)
        elif strategy == "negative":
            args[target] = rng.choice(NEGATIVES)
        elif strategy == "nan_like":
            args[target] = rng.choice(NAN_LIKE)
        elif strategy == "unicode":
            args[target] = rng.choice(UNICODE)
        elif strategy == "path_like":
            args[target] = rng.choice(PATH_LIKE)
        elif strategy == "controls_junk":
            key = "controls" if "controls" in names else target
            args[key] = {rng.choice(["x", "seed", "style", "model", "🦊", ""]): _junk(rng) for _ in range(3)}
        elif strategy == "extra_args":
            args[rng.choice(["api_key", "base_url", "__class__", "async", "image_url", "X"])] = _junk(rng)

    def learn(self, result: dict[str, Any]) -> None:
        """Feed ids and URLs from successful results back into the pools."""
        task_id = result.get("id")
        if isinstance(task_id, str) and task_id:
            self.task_ids.append(task_id)
        outputs: list[Any] = list(result.get("data") or [])
        inner = result.get("result")
        if isinstance(inner, dict):
            outputs += list(inner.get("data") or [])  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
        for item in outputs:
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                self.urls.append(item["url"])  # pyright: ignore[reportUnknownArgumentType]


# -- file-write audit ---------------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_SINKS: list[list[tuple[str, str]]] = []
_HOOKED = False
_PATH_EVENTS = {"os.mkdir": 0, "os.remove": 0, "os.rmdir": 0, "os.truncate": 0, "os.chmod": 0}
_DEST_EVENTS = {"os.rename": 1, "os.symlink": 1, "os.link": 1, "shutil.copyfile": 1, "sqlite3.connect": 0}


# Files created relative to a folder descriptor: their "open" event has only the name, so the
# server raises this event with the whole path first (pixapi_mcp.media.paths.CREATE_AT_EVENT).
_CREATE_AT = "pixapi_mcp.create_at"
_RELATIVE = threading.local()
# Events whose path may be relative to a descriptor: the index of that dir_fd argument.
_DIR_FD_ARG = {"os.mkdir": 2, "os.remove": 1, "os.rmdir": 1}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _SINKS:
        return
    path: Any = None
    if event == _CREATE_AT:
        path, _RELATIVE.name = args
    elif event == "open":
        if len(args) >= 3 and isinstance(args[2], int) and args[2] & _WRITE_FLAGS:
            path = args[0]
            if path == getattr(_RELATIVE, "name", None):
                return  # recorded by its whole path just before
    elif event in ("os.link", "os.rename") and args[1] == getattr(_RELATIVE, "name", None):
        return  # a temporary file placed under its final name, relative to the same folder
    elif event in _PATH_EVENTS:
        path = args[_PATH_EVENTS[event]]
        fd = args[_DIR_FD_ARG[event]] if event in _DIR_FD_ARG and len(args) > _DIR_FD_ARG[event] else None
        if isinstance(fd, int) and fd >= 0 and isinstance(path, str) and not os.path.isabs(path):
            path = os.path.join(os.readlink(f"/proc/self/fd/{fd}"), path)
    elif event in _DEST_EVENTS and len(args) > _DEST_EVENTS[event]:
        path = args[_DEST_EVENTS[event]]
    if isinstance(path, str | bytes | os.PathLike):
        text = os.fsdecode(path)  # pyright: ignore[reportUnknownArgumentType]
        for sink in _SINKS:
            sink.append((event, text))


@contextmanager
def recorded_writes() -> Iterator[list[tuple[str, str]]]:
    """Every write-like file system event the process makes while active (an audit hook, installed
    once per process and idle outside this block)."""
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED = True
    sink: list[tuple[str, str]] = []
    _SINKS.append(sink)
    try:
        yield sink
    finally:
        _SINKS.remove(sink)


def writes_outside(events: list[tuple[str, str]], allowed: Path) -> list[tuple[str, str]]:
    """The events whose path lies outside ``allowed`` (relative paths count from the working folder)."""
    root = allowed.resolve()
    bad: list[tuple[str, str]] = []
    for event, raw in events:
        if raw == ":memory:" or raw == "":
            continue
        path = Path(raw)
        resolved = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if resolved == root or resolved.is_relative_to(root):
            continue
        bad.append((event, raw))
    return bad


class _CrashLog(logging.Handler):
    """Collects the SDK's "raised an unexpected exception" records as one line each."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc: BaseException = record.exc_info[1]
            while exc.__cause__ is not None:
                exc = exc.__cause__
            frames = traceback.extract_tb(exc.__traceback__)
            where = next(
                (
                    f"{Path(f.filename).name}:{f.lineno}"
                    for f in reversed(frames)
                    if "pixapi_mcp" in f.filename
                ),
                f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?",
            )
            self.crashes.append(f"{type(exc).__name__} at {where}: {str(exc)[:160]}")


@contextmanager
def logged_crashes() -> Iterator[list[str]]:
    """Crashes the SDK logged while masking them (its text stays on the server: this reads it)."""
    handler = _CrashLog()
    logger = logging.getLogger("mcp.server.mcpserver.server")
    logger.addHandler(handler)
    try:
        yield handler.crashes
    finally:
        logger.removeHandler(handler)


# -- checks -----------------------------------------------------------------------------------


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def _paths_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():  # pyright: ignore[reportUnknownVariableType]
            if key in ("path", "paths") and isinstance(item, str):
                yield item
            elif key == "paths" and isinstance(item, list):
                yield from (p for p in item if isinstance(p, str))  # pyright: ignore[reportUnknownVariableType]
            else:
                yield from _paths_in(item)
    elif isinstance(value, list):
        for item in value:  # pyright: ignore[reportUnknownVariableType]
            yield from _paths_in(item)


def check_result(
    tool: Tool, validator: Any, result: CallToolResult, tmp_path: Path, where: str
) -> tuple[bool, str]:
    """Assert the per-call invariants; returns (is_error, error text)."""
    try:
        # What stdio and HTTP do with it: a result that cannot be serialised never reaches the client.
        result.model_dump_json(by_alias=True, exclude_unset=True)
    except ValueError as exc:
        raise AssertionError(f"{where}: a result no transport can send: {str(exc)[:200]}") from None
    size = sum(len(getattr(b, "text", "") or "") + len(getattr(b, "data", "") or "") for b in result.content)
    assert size < MAX_RESULT_BYTES, f"{where}: a {size}-byte result"
    if result.is_error:
        text = text_of(result)
        assert text.strip(), f"{where}: an error with no text"
        assert not MASKED.fullmatch(text.strip()), f"{where}: a masked crash: {text!r}"
        assert "Traceback (most recent call last)" not in text, f"{where}: a traceback: {text[:2000]}"
        if tool.name in MEDIA_TOOLS:
            # The media tools' one error shape: category, retryable, and the fix.
            actionable = ("category: " in text and "retryable: " in text) or "validation error" in text
        else:
            actionable = len(MASKED.sub("", text, count=1).strip()) >= 20
        assert actionable, f"{where}: an error that does not say what to do: {text[:500]!r}"
        return True, text
    assert result.structured_content is not None, f"{where}: success without structured content"
    errors = sorted(validator.iter_errors(result.structured_content), key=lambda e: list(e.path))
    assert not errors, f"{where}: output breaks the published schema: {errors[0].message}"
    for path in _paths_in(result.structured_content):
        assert Path(path).resolve().is_relative_to(tmp_path.resolve()), f"{where}: saved outside: {path}"
    images = [b for b in result.content if isinstance(b, ImageContent)]
    assert all(len(b.data) < 300_000 for b in images), f"{where}: a preview that is not small"
    return False, ""


def check_requests(records: list[RecordedRequest], where: str) -> int:
    """Every request that reached the sandbox is contract-valid and was not answered 400."""
    for record in records:
        assert record.status != 400, f"{where}: the sandbox answered 400 to {record.method} {record.path}"
        if record.method != "POST":
            continue
        body = dict(record.fields)
        multipart = "/edits" in record.path
        if multipart:
            body["image"] = ["image"] * record.image_parts
        found = contract.check_request(record.path, body, multipart=multipart)
        assert not found, f"{where}: an invalid request reached the sandbox: {found}"
    return len(records)


# -- the suite ----------------------------------------------------------------------------------


async def test_fuzz_every_tool_from_its_published_schema(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    rng = random.Random(FUZZ_SEED)
    workspace = tmp_path / "workspace"
    out = tmp_path / "out"
    workspace.mkdir()
    out.mkdir()
    fuzzer = Fuzzer(rng, workspace, out)
    config = SandboxConfig(
        keys={contract.SANDBOX_KEY: 1e12}, max_image_side=64, image_task_seconds=2.0, video_task_seconds=300.0
    )
    env = {"PIXAPI_MAX_CREDITS_PER_SESSION": "1e12"}
    per_tool: Counter[str] = Counter()
    time_per_tool: dict[str, float] = {}
    per_strategy: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    checked = 0
    slowest = (0.0, "")
    started = time.monotonic()
    done = 0
    tools_seen: set[str] = set()
    failures: dict[str, str] = {}
    listed: list[Tool] = []
    with recorded_writes() as writes, logged_crashes() as crashes:
        async with harness(make_settings, config, env=env) as h:
            session = 0
            while done < FUZZ_CALLS and time.monotonic() - started < FUZZ_SECONDS:
                mode, roots = ("auto", None) if session % 2 == 0 else ("legacy", [workspace.as_uri()])
                session += 1
                async with h.client(mode, roots=roots) as client:
                    listed = (await client.list_tools()).tools
                    validators = {
                        t.name: jsonschema.Draft202012Validator(t.output_schema or {}) for t in listed
                    }
                    for _ in range(min(SESSION_CALLS, FUZZ_CALLS - done)):
                        if time.monotonic() - started >= FUZZ_SECONDS:
                            break
                        done += 1
                        tool = listed[(done + rng.randrange(len(listed))) % len(listed)]
                        strategy, args = fuzzer.arguments(tool)
                        where = (
                            f"call {done} (seed {FUZZ_SEED}, {mode}) {tool.name} [{strategy}] {_short(args)}"
                        )
                        first = len(h.sandbox.requests)
                        t0 = time.monotonic()
                        with anyio.fail_after(CALL_TIMEOUT_S):
                            result = await client.call_tool(tool.name, args)
                        elapsed = time.monotonic() - t0
                        assert elapsed < CALL_TIMEOUT_S, f"{where}: took {elapsed:.1f} s"
                        slowest = max(slowest, (elapsed, f"{tool.name} [{strategy}]"))
                        time_per_tool[tool.name] = time_per_tool.get(tool.name, 0.0) + elapsed
                        try:
                            is_error, _ = check_result(tool, validators[tool.name], result, tmp_path, where)
                            checked += check_requests(h.sandbox.requests[first:], where)
                        except AssertionError as exc:
                            # Keep going: one run reports every distinct failure, not just the first.
                            crash = crashes.pop() if crashes else ""
                            reason = re.sub(r"[0-9]+", "#", crash or str(exc).rsplit(": ", 1)[-1])[:90]
                            key = f"{tool.name} {reason}"
                            failures.setdefault(key, f"{str(exc)[:1500]}\n  server: {crash}")
                            crashes.clear()
                            if len(failures) >= MAX_FAILURES:
                                break
                            continue
                        assert not crashes, f"{where}: the server logged a crash: {crashes}"
                        if not is_error and result.structured_content is not None:
                            fuzzer.learn(result.structured_content)
                        tools_seen.add(tool.name)
                        per_tool[tool.name] += 1
                        per_strategy[strategy] += 1
                        outcomes["error" if is_error else "success"] += 1
                if len(failures) >= MAX_FAILURES:
                    break
            paid_posts = len(_posts(h))
    assert not failures, f"{len(failures)} distinct failures:\n" + "\n\n".join(failures.values())
    outside = writes_outside(writes, tmp_path)
    assert not outside, f"files written outside the test folder: {outside[:10]}"
    elapsed_total = time.monotonic() - started
    ms_per_call = {name: round(total * 1000 / per_tool[name], 1) for name, total in time_per_tool.items()}
    sys.stderr.write(
        f"\nfuzz: {done} calls in {elapsed_total:.1f} s (seed {FUZZ_SEED}); {dict(outcomes)}; "
        f"slowest {slowest[0] * 1000:.0f} ms {slowest[1]}; calls per tool {dict(per_tool)}; "
        f"ms per call {ms_per_call}; strategies {dict(per_strategy)}\n"
    )
    suite_counts["fuzz: tool calls"] = done
    suite_counts["fuzz: successes"] = outcomes["success"]
    suite_counts["fuzz: clean errors"] = outcomes["error"]
    suite_counts["fuzz: sandbox requests checked"] = checked
    suite_counts["fuzz: paid POSTs that reached the sandbox"] = paid_posts
    suite_counts["fuzz: file writes audited"] = len(writes)
    # Honest about coverage: every published tool was called, and both outcomes occurred.
    assert tools_seen == {t.name for t in listed}, (
        f"tools never called: {set(t.name for t in listed) - tools_seen}"
    )
    assert outcomes["success"] > 0 and outcomes["error"] > 0
    assert done >= min(FUZZ_CALLS, 300), f"only {done} calls fitted in {FUZZ_SECONDS:g} s"


def _posts(h: Harness) -> list[RecordedRequest]:
    return [r for r in h.sandbox.requests if r.method == "POST"]


def test_masked_pattern_matches_the_sdk_text() -> None:
    """The detector above must recognise the SDK's masked text, or the suite could never fail."""
    assert MASKED.fullmatch("Error executing tool generate_image")
    assert MASKED.fullmatch("Error executing tool a: Error executing tool b")
    assert not MASKED.fullmatch("Error executing tool generate_image: Invalid arguments: n ...")


def test_write_audit_sees_writes_outside(tmp_path: Path) -> None:
    """The audit must catch a write outside the allowed folder, or its silence would mean nothing."""
    inside = tmp_path / "inside"
    inside.mkdir()
    other = tmp_path / "other.txt"
    with recorded_writes() as writes:
        (inside / "ok.txt").write_text("ok")
        other.write_text("outside")
        (inside / "dir").mkdir()
        json.dumps({})  # no event
    bad = writes_outside(writes, inside)
    assert [p for _, p in bad] == [str(other)]


# -- regressions the fuzz found (each was a masked crash) ----------------------------------------

REGRESSIONS: list[tuple[str, dict[str, Any], str]] = [
    # media: path text no file system takes
    ("edit_image", {"prompt": "p", "image": "in\x00put.png"}, "NUL"),
    ("edit_image", {"prompt": "p", "image": "lone \ud800.png"}, "not valid Unicode"),
    ("edit_image", {"prompt": "p", "image": "a" * 300_000}, "too long"),
    ("edit_image", {"prompt": "p", "image": "~no-such-user-here/x.png"}, "no such user"),
    ("generate_image", {"prompt": "p", "output_dir": "x" * 300}, "name too long"),
    ("generate_image", {"prompt": "p", "output_dir": "o\x00ut"}, "NUL"),
    # client: text with no UTF-8 form could never be encoded for sending. (Typed string arguments
    # are refused by the SDK's own validation; `controls` values are free-form JSON.)
    ("generate_image", {"prompt": "p", "controls": {"style": ["x", {"y": "\udfff"}]}}, "json-body"),
    ("create_video", {"prompt": "p", "controls": {"seed": "\ud800"}}, "json-body"),
]
# NaN and infinity in controls: the in-memory client turns them into null on the way, so they are
# tested over HTTP, whose server-side JSON parser lets them through (tests/test_http.py).


@pytest.mark.parametrize(("tool", "args", "expect"), REGRESSIONS, ids=[f"{t}-{e}" for t, _, e in REGRESSIONS])
async def test_fuzz_regressions_are_clean_errors(
    make_settings: Callable[..., Settings], tmp_path: Path, tool: str, args: dict[str, Any], expect: str
) -> None:
    (tmp_path / "out").mkdir()
    # A loop the resolver cannot follow, inside the allowed folder.
    (tmp_path / "out" / "loop1").symlink_to(tmp_path / "out" / "loop2")
    (tmp_path / "out" / "loop2").symlink_to(tmp_path / "out" / "loop1")
    async with harness(make_settings) as h, h.client() as client:
        with logged_crashes() as crashes, anyio.fail_after(CALL_TIMEOUT_S):
            result = await client.call_tool(tool, args)
            loop = await client.call_tool(
                "edit_image", {"prompt": "p", "image": str(tmp_path / "out" / "loop1")}
            )
        assert crashes == []
        for res in (result, loop):
            assert res.is_error
            text = text_of(res)
            assert "category: invalid_request" in text and "retryable: no" in text, text[:500]
            assert len(text) < 2000  # a 300 KB argument does not come back 300 KB long
            res.model_dump_json()  # and the error can travel over a real transport
        assert expect in text_of(result)
        assert h.posts() == []


# -- attack table: traversal and symlinks through the tools (the unit tables are in test_media) ----


def _attacks(base: Path, outside: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, tool, arguments) that must all be refused without touching anything outside;
    ``base`` is where relative paths start (the workspace root, else the output folder)."""
    escape_dir = base / "escape"  # a symlink to a folder outside
    escape_file = base / "secret.png"  # a symlink to a file outside
    image = str(base / "ok.png")
    table: list[tuple[str, str, dict[str, Any]]] = []
    for value in [
        *TRAVERSALS,
        str(outside),
        "escape",
        "escape/deeper",
        str(escape_dir),
        "/proc/self",
        "/dev",
    ]:
        table.append((f"output_dir {value}", "generate_image", {"prompt": "p", "output_dir": value}))
        table.append(
            (f"edit output_dir {value}", "edit_image", {"prompt": "p", "image": image, "output_dir": value})
        )
    for value in [
        "../outside/key.png",
        str(outside / "key.png"),
        "/etc/passwd",
        "/etc/shadow",
        "~/.ssh/id_rsa",
        "/proc/self/environ",
        "/dev/zero",
        "escape/key.png",
        str(escape_file),
        "secret.png",
        "file:///etc/passwd",
        "../../../../../../../../etc/hosts",
    ]:
        table.append((f"image {value}", "edit_image", {"prompt": "p", "image": value}))
    table.append(("image list with one bad", "edit_image", {"prompt": "p", "image": [image, "/etc/passwd"]}))
    # Issue 12: what is opened is checked, not the name: a FIFO (opened without blocking, refused
    # by fstat), a symlink to a device, devices themselves.
    for value in ["pipe.png", str(base / "pipe.png"), "zero.png", "/dev/urandom", "/dev/stdin"]:
        table.append((f"image {value}", "edit_image", {"prompt": "p", "image": value}))
    # Issue 12: IPv6 transition forms whose embedded IPv4 address is private or link-local.
    for host in [
        "[64:ff9b::a9fe:a9fe]",
        "[::7f00:1]",
        "[2002:a9fe:a9fe::]",
        "[fec0::1]",
        "[::ffff:0:7f00:1]",
    ]:
        table.append(
            (f"image http://{host}/", "edit_image", {"prompt": "p", "image": f"http://{host}/x.png"})
        )
    return table


async def test_traversal_and_symlink_attacks_through_the_tools(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    workspace = tmp_path / "workspace"
    outside = tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    Image.new("RGB", (8, 8), "red").save(outside / "key.png")
    out = tmp_path / "out"  # where relative paths start when the host gives no workspace
    out.mkdir()
    for base in (workspace, out):
        Image.new("RGB", (8, 8), "blue").save(base / "ok.png")
        (base / "escape").symlink_to(outside)
        (base / "secret.png").symlink_to(outside / "key.png")
        os.mkfifo(base / "pipe.png")
        (base / "zero.png").symlink_to("/dev/zero")
    before = sorted(p.name for p in outside.iterdir())
    refused = 0
    with recorded_writes() as writes:
        async with harness(make_settings) as h:
            for mode, roots, base in (("legacy", [workspace.as_uri()], workspace), ("auto", None, out)):
                async with h.client(mode, roots=roots) as client:
                    for label, tool, args in _attacks(base, outside):
                        with anyio.fail_after(CALL_TIMEOUT_S):
                            result = await client.call_tool(tool, args)
                        text = text_of(result)
                        assert result.is_error, f"{mode}: {label} was not refused: {text[:300]}"
                        assert "category: invalid_request" in text and "retryable: no" in text, (label, text)
                        refused += 1
            assert h.posts() == []
    assert sorted(p.name for p in outside.iterdir()) == before
    bad = [w for w in writes if Path(w[1]).resolve().is_relative_to(outside.resolve())]
    assert not bad, f"written outside the allowed folders: {bad}"
    suite_counts["attacks: traversal and symlink refused through the tools"] = refused


# -- over the wire: what JSON can carry but the in-memory client cannot --------------------------

WIRE_CALLS = int(_env_number("PIXAPI_FUZZ_WIRE_CALLS", 300))


async def test_fuzz_over_the_wire(
    make_settings: Callable[..., Settings], tmp_path: Path, suite_counts: dict[str, int]
) -> None:
    """The same generator, sent as raw JSON-RPC over streamable HTTP (2026-07-28) to the server on
    the sandbox. The in-memory client serialises arguments itself (NaN becomes null, a lone
    surrogate cannot be sent at all); here Python's ``json.dumps`` writes ``NaN``, ``Infinity`` and
    ``\\ud800`` escapes, which the server's JSON parser accepts. Same checks as above."""
    from tests.test_http import _jsonrpc_result, _mcp_headers, sandboxed_app, serving

    rng = random.Random(FUZZ_SEED + 1)
    workspace, out = tmp_path / "workspace", tmp_path / "out"
    workspace.mkdir()
    out.mkdir()
    fuzzer = Fuzzer(rng, workspace, out)
    served = sandboxed_app(make_settings, {"PIXAPI_MAX_CREDITS_PER_SESSION": "1e12"})
    served.sandbox.set_balance(contract.SANDBOX_KEY, 1e12)
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "wire-fuzz", "version": "0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    outcomes: Counter[str] = Counter()
    checked = 0
    with logged_crashes() as crashes, recorded_writes() as writes:
        async with (
            served.http,
            serving(served) as base,
            httpx2.AsyncClient(base_url=base, timeout=30.0) as raw,
        ):
            listing = {"jsonrpc": "2.0", "id": 0, "method": "tools/list", "params": {"_meta": meta}}
            answer = await raw.post("/mcp", headers=_mcp_headers("tools/list"), content=json.dumps(listing))
            tools = [Tool.model_validate(t) for t in _jsonrpc_result(answer)["result"]["tools"]]
            validators = {t.name: jsonschema.Draft202012Validator(t.output_schema or {}) for t in tools}
            for number in range(1, WIRE_CALLS + 1):
                tool = tools[number % len(tools)]
                strategy, args = fuzzer.arguments(tool)
                where = f"wire call {number} (seed {FUZZ_SEED + 1}) {tool.name} [{strategy}] {_short(args)}"
                message = {
                    "jsonrpc": "2.0",
                    "id": number,
                    "method": "tools/call",
                    "params": {"name": tool.name, "arguments": args, "_meta": meta},
                }
                first = len(served.sandbox.requests)
                with anyio.fail_after(CALL_TIMEOUT_S):
                    response = await raw.post(
                        "/mcp", headers=_mcp_headers("tools/call", tool.name), content=json.dumps(message)
                    )
                assert response.status_code == 200, (
                    f"{where}: HTTP {response.status_code} {response.text[:300]}"
                )
                reply = _jsonrpc_result(response)
                assert "result" in reply, f"{where}: a protocol error instead of a tool result: {reply}"
                result = CallToolResult.model_validate(reply["result"])
                is_error, _ = check_result(tool, validators[tool.name], result, tmp_path, where)
                assert not crashes, f"{where}: the server logged a crash: {crashes}"
                checked += check_requests(served.sandbox.requests[first:], where)
                if not is_error and result.structured_content is not None:
                    fuzzer.learn(result.structured_content)
                outcomes["error" if is_error else "success"] += 1
    outside = writes_outside(writes, tmp_path)
    assert not outside, f"files written outside the test folder: {outside[:10]}"
    assert outcomes["success"] > 0 and outcomes["error"] > 0
    suite_counts["fuzz over HTTP: tool calls"] = WIRE_CALLS
    suite_counts["fuzz over HTTP: successes"] = outcomes["success"]
    suite_counts["fuzz over HTTP: sandbox requests checked"] = checked
