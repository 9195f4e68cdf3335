"""The tool boundary (pixapi_mcp.tools.boundary): arguments are judged as agents send them.

Every documented misuse goes to every paid tool the way agents make it: as a top-level argument
(which the SDK would otherwise drop without a word), inside ``controls``, inside ``controls`` sent
as JSON text, and with its value as a string; in both protocol eras. Each must come back as an
actionable error naming its contract rule, and the sandbox's own records must show that nothing
was sent (no request at all) and no credit moved. Unknown names get the valid names and a
did-you-mean, on every tool; booleans are never read as numbers; the SDK's validation failures
read like every other error; a valid call sent the way hosts send it still works.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from PIL import Image

from pixapi_mcp.config import Settings
from pixapi_mcp.contract import SANDBOX_KEY
from tests.server_harness import FREE_TOOLS, PAID_TOOLS, Harness, harness, structured, text_of

pytestmark = pytest.mark.anyio

ERAS = ["auto", "legacy"]
IMAGE_TOOLS = frozenset({"generate_image", "edit_image"})
VIDEO_TOOLS = frozenset({"create_video"})


def _png_data_uri() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


BASE: dict[str, dict[str, Any]] = {
    "generate_image": {"prompt": "A red ceramic cup"},
    "edit_image": {"prompt": "Make the background warmer", "image": _png_data_uri()},
    "create_video": {"prompt": "Steam rises from the cup"},
}
# The endpoint each paid tool submits to: an async-flag error must name it exactly.
ASYNC_ENDPOINT = {
    "generate_image": "/v1/async/images/generations",
    "edit_image": "/v1/async/images/edits",
    "create_video": "/v1/async/videos/generations",
}


@dataclass(frozen=True)
class Misuse:
    """A documented slip: the field and value an agent sends, the same value as a string (None
    when it is one already), the rule that must answer, and the tools it applies to."""

    name: str
    field: str
    value: Any
    as_string: str | None
    rule: str
    tools: frozenset[str] = PAID_TOOLS


MISUSES = [
    Misuse("image_url", "image_url", "https://cdn.pixapi.ai/generated/image.png", None, "input-image-field"),
    Misuse("seconds", "seconds", 8, "8", "duration-field"),
    Misuse("async flag", "async", True, "true", "async-endpoint"),
    Misuse("video model", "model", "veo", None, "video-model-on-image-endpoint", IMAGE_TOOLS),
    Misuse("image model", "model", "nano-banana", None, "image-model-on-video-endpoint", VIDEO_TOOLS),
    Misuse("response_format", "response_format", "png", None, "response-format-value"),
    Misuse("quality", "quality", "ultra", None, "quality-value"),
    Misuse("size", "size", "big", None, "size-value"),
    Misuse("n zero", "n", 0, "0", "n-value"),
    Misuse("n boolean", "n", True, "true", "n-value"),
    Misuse("n too many", "n", 50, "50", "n-value"),
    Misuse("duration zero", "duration", 0, "0", "duration-value"),
    Misuse("duration negative", "duration", -5, "-5", "duration-value"),
]
PLACES = ["top-level", "controls", "controls as JSON text"]


def _call_args(tool: str, field: str, value: Any, place: str) -> dict[str, Any]:
    if place == "top-level":
        return BASE[tool] | {field: value}
    controls = {field: value}
    return BASE[tool] | {"controls": controls if place == "controls" else json.dumps(controls)}


def _assert_refused(text: str, *, rule: str, where: str) -> None:
    assert f"`{where}` [{rule}]" in text, text
    assert f"rule: {rule}" in text or f", {rule}" in text, text
    assert "category: invalid_request" in text and "retryable: no" in text and "\nfix: " in text, text
    assert "pydantic" not in text.lower() and "errors.pydantic.dev" not in text, text


def _nothing_sent(h: Harness, balance: float) -> None:
    assert h.sandbox.requests == [], [f"{r.method} {r.path}" for r in h.sandbox.requests]
    assert h.sandbox.balance(SANDBOX_KEY) == balance


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("tool", sorted(PAID_TOOLS))
@pytest.mark.parametrize("mode", ERAS)
async def test_every_documented_misuse_is_refused_with_its_rule_and_nothing_is_sent(
    make_settings: Callable[..., Settings], mode: str, tool: str, place: str
) -> None:
    async with harness(make_settings) as h, h.client(mode) as client:
        balance = h.sandbox.balance(SANDBOX_KEY)
        tried = 0
        for misuse in (m for m in MISUSES if tool in m.tools):
            values = [misuse.value] + ([misuse.as_string] if misuse.as_string is not None else [])
            for value in values:
                result = await client.call_tool(tool, _call_args(tool, misuse.field, value, place))
                where = misuse.field if place == "top-level" else f"controls.{misuse.field}"
                assert result.is_error, (misuse.name, value, place, result.structured_content)
                text = text_of(result)
                _assert_refused(text, rule=misuse.rule, where=where)
                if misuse.rule == "async-endpoint":
                    assert f"POST to `{ASYNC_ENDPOINT[tool]}`" in text, text
                    assert "/v1/async/..." not in text, text
                _nothing_sent(h, balance)
                tried += 1
        assert tried >= 18


@pytest.mark.parametrize("tool", sorted(PAID_TOOLS))
@pytest.mark.parametrize("mode", ERAS)
async def test_unknown_names_get_the_valid_names_and_a_did_you_mean(
    make_settings: Callable[..., Settings], mode: str, tool: str
) -> None:
    async with harness(make_settings) as h, h.client(mode) as client:
        schema = {t.name: t.input_schema for t in (await client.list_tools()).tools}[tool]
        valid = list(schema["properties"])
        balance = h.sandbox.balance(SANDBOX_KEY)
        for wrong, meant in [("promt", "prompt"), ("modle", "model"), ("width", "size"), ("sise", "size")]:
            args = {k: v for k, v in BASE[tool].items() if k != meant} | {wrong: "x"}
            result = await client.call_tool(tool, args)
            assert result.is_error
            text = text_of(result)
            assert f"did you mean `{meant}`?" in text and f"Rename `{wrong}` to `{meant}`." in text, text
            assert f"{tool} takes: {', '.join(valid)}." in text, text
            assert "category: invalid_request" in text and "retryable: no" in text
        # A field the model may take goes inside controls: the error says so.
        result = await client.call_tool(tool, BASE[tool] | {"seed": 7})
        assert result.is_error and '{"controls": {"seed": ...}}' in text_of(result), text_of(result)
        # An argument of another tool names that tool.
        result = await client.call_tool(tool, BASE[tool] | {"task_id": "task_1"})
        assert result.is_error and "`task_id` is an argument of get_task" in text_of(result)
        _nothing_sent(h, balance)


FREE_CALLS: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("get_task", {"task_id": "task_01", "wiat_s": 0}, "wiat_s", "wait_s"),
    ("get_task", {"id": "task_01"}, "id", "task_id"),
    ("list_models", {"refresh": True}, "refresh", None),
    ("list_tasks", {"limt": 5}, "limt", "limit"),
    ("search_docs", {"query": "poll a task", "max_char": 1000}, "max_char", "max_chars"),
    ("search_docs", {"q": "poll a task"}, "q", "query"),
    (
        "check_code",
        {"code": "curl https://api.pixapi.ai/v1/models", "langauge": "curl"},
        "langauge",
        "language",
    ),
    ("check_code", {"code": "x", "async": True}, "async", None),
]


@pytest.mark.parametrize(
    ("tool", "args", "wrong", "meant"), FREE_CALLS, ids=[f"{c[0]}-{c[2]}" for c in FREE_CALLS]
)
@pytest.mark.parametrize("mode", ERAS)
async def test_free_tools_refuse_unknown_names_the_same_way(
    make_settings: Callable[..., Settings],
    mode: str,
    tool: str,
    args: dict[str, Any],
    wrong: str,
    meant: str | None,
) -> None:
    assert tool in FREE_TOOLS
    async with harness(make_settings) as h, h.client(mode) as client:
        schema = {t.name: t.input_schema for t in (await client.list_tools()).tools}[tool]
        result = await client.call_tool(tool, args)
        assert result.is_error
        text = text_of(result)
        assert f"{tool} has no argument `{wrong}`" in text, text
        valid = list(schema["properties"])
        assert (f"{tool} takes: {', '.join(valid)}." if valid else f"{tool} takes no arguments.") in text
        if meant is not None:
            assert f"did you mean `{meant}`?" in text, text
        assert "category: invalid_request" in text and "retryable: no" in text
        assert h.sandbox.requests == []  # get_task would have asked GET /v1/tasks/{id}


BOOLEANS_FOR_NUMBERS: list[tuple[str, dict[str, Any], str]] = [
    ("generate_image", BASE["generate_image"] | {"wait_s": True}, "wait_s"),
    ("generate_image", BASE["generate_image"] | {"max_credits": True}, "max_credits"),
    ("create_video", BASE["create_video"] | {"duration": True}, "duration"),
    ("get_task", {"task_id": "task_01", "wait_s": False}, "wait_s"),
    ("list_tasks", {"limit": True}, "limit"),
    ("search_docs", {"query": "poll", "max_chars": True}, "max_chars"),
]


@pytest.mark.parametrize(
    ("tool", "args", "field"), BOOLEANS_FOR_NUMBERS, ids=[f"{t}-{f}" for t, _, f in BOOLEANS_FOR_NUMBERS]
)
async def test_a_boolean_is_never_read_as_a_number(
    make_settings: Callable[..., Settings], tool: str, args: dict[str, Any], field: str
) -> None:
    async with harness(make_settings) as h, h.client() as client:
        balance = h.sandbox.balance(SANDBOX_KEY)
        result = await client.call_tool(tool, args)
        assert result.is_error, result.structured_content  # lax validation would have made it 1 or 0
        text = text_of(result)
        assert f"`{field}`" in text and "category: invalid_request" in text, text
        _nothing_sent(h, balance)


SDK_VALIDATION: list[tuple[str, dict[str, Any], str, str]] = [
    ("create_video", BASE["create_video"] | {"duration": 120}, "duration", "up to 60"),
    ("generate_image", BASE["generate_image"] | {"wait_s": -1}, "wait_s", "from 0"),
    ("generate_image", BASE["generate_image"] | {"sync": "perhaps"}, "sync", "true or false"),
    ("edit_image", {"prompt": "p", "image": 42}, "image", "text or a list"),
    ("get_task", {"task_id": "not a task id!"}, "task_id", "non-empty text"),
    ("get_task", {}, "task_id", "non-empty text"),
    ("list_tasks", {"limit": 0}, "limit", "from 1"),
    ("search_docs", {"query": "poll", "max_chars": 10}, "max_chars", "from 500"),
    ("check_code", {"code": ""}, "code", "non-empty text"),
]


@pytest.mark.parametrize(
    ("tool", "args", "field", "takes"), SDK_VALIDATION, ids=[f"{c[0]}-{c[2]}" for c in SDK_VALIDATION]
)
@pytest.mark.parametrize("mode", ERAS)
async def test_validation_failures_read_like_every_other_error(
    make_settings: Callable[..., Settings], mode: str, tool: str, args: dict[str, Any], field: str, takes: str
) -> None:
    async with harness(make_settings) as h, h.client(mode) as client:
        result = await client.call_tool(tool, args)
        assert result.is_error
        text = text_of(result)
        assert text.startswith(f"Not sent: invalid arguments to {tool}: `{field}`"), text
        assert "category: invalid_request | retryable: no" in text, text
        fix = text.split("\nfix: ", 1)[1]
        assert fix.startswith(f"`{field}` takes ") and takes in fix, text
        # None of pydantic's own text: no URL, no "validation error for", no echo of the input.
        assert "pydantic" not in text.lower() and "further information" not in text.lower(), text
        assert "validation error" not in text and "input_value" not in text, text
        assert h.posts() == []


async def test_misuse_with_an_error_elsewhere_is_reported_in_one_answer(
    make_settings: Callable[..., Settings],
) -> None:
    async with harness(make_settings) as h, h.client() as client:
        args = BASE["create_video"] | {"image_url": "https://x.test/a.png", "seconds": "8", "promt": "x"}
        text = text_of(await client.call_tool("create_video", args | {"controls": '{"async": "true"}'}))
        for piece in (
            "[input-image-field]",
            "[duration-field]",
            "`controls.async` [async-endpoint]",
            "`promt`",
        ):
            assert piece in text, text
        assert "rule: input-image-field, duration-field, async-endpoint" in text, text
        assert h.sandbox.requests == []


@pytest.mark.parametrize(
    ("controls", "ok"),
    [
        (None, True),
        ("null", True),
        ('{"seed": 7}', True),
        ("nope", False),
        ("[1, 2]", False),
        (5, False),
        ([], False),
    ],
)
async def test_controls_as_sent(make_settings: Callable[..., Settings], controls: Any, ok: bool) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool(
            "generate_image", BASE["generate_image"] | {"controls": controls, "wait_s": 0}
        )
        if ok:
            structured(result)
            assert len(h.posts()) == 1
            if controls == '{"seed": 7}':
                assert h.posts()[0].fields["seed"] == 7
        else:
            text = text_of(result)
            assert result.is_error and "`controls` must be a JSON object" in text, text
            assert "category: invalid_request" in text
            assert h.sandbox.requests == []


async def test_twenty_misuses_at_once_send_nothing(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        balance = h.sandbox.balance(SANDBOX_KEY)
        texts: list[str] = []
        cases = [m for m in MISUSES if "create_video" in m.tools]

        async def call(index: int) -> None:
            misuse = cases[index % len(cases)]
            result = await client.call_tool(
                "create_video", BASE["create_video"] | {misuse.field: misuse.value}
            )
            assert result.is_error
            texts.append(text_of(result))

        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                for index in range(20):
                    group.start_soon(call, index)
        assert len(texts) == 20 and all("rule: " in t for t in texts)
        _nothing_sent(h, balance)


async def test_an_unknown_tool_gets_a_did_you_mean(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool("generate_images", {"prompt": "p"})
        assert result.is_error
        assert "Did you mean `generate_image`" in text_of(result) and "category: invalid_request" in text_of(
            result
        )
        assert h.sandbox.requests == []


@pytest.mark.parametrize("mode", ERAS)
async def test_a_valid_call_sent_the_way_hosts_send_it_still_works(
    make_settings: Callable[..., Settings], mode: str, tmp_path: Any
) -> None:
    """Every value as a string, controls as JSON text, a list as JSON text: the calls go through
    and the API receives the intended typed values."""
    out = str(tmp_path / "out")
    image_args = {
        "prompt": "A red ceramic cup",
        "model": "nano-banana",
        "n": "2",
        "size": "1024x1024",
        "quality": "high",
        "response_format": "url",
        "controls": '{"seed": 7}',
        "output_dir": out,
        "wait_s": "0",
        "sync": "false",
        "max_credits": "100",
    }
    async with harness(make_settings) as h, h.client(mode) as client:
        structured(await client.call_tool("generate_image", image_args))
        edit = image_args | {"image": json.dumps([_png_data_uri(), _png_data_uri()]), "n": "1"}
        structured(await client.call_tool("edit_image", edit))
        video = {
            "prompt": "Steam rises",
            "model": "veo",
            "duration": "8",
            "size": "16:9",
            "input_image": "https://cdn.pixapi.ai/generated/image.png",
            "controls": '{"seed": 3}',
            "output_dir": out,
            "wait_s": "0",
            "max_credits": "100",
        }
        structured(await client.call_tool("create_video", video))
        sent = h.posts()
        assert [r.path for r in sent] == list(ASYNC_ENDPOINT.values())
        generate, edited, made = (r.fields for r in sent)
        assert generate | {} == generate and generate["n"] == 2 and generate["seed"] == 7
        assert generate["size"] == "1024x1024" and generate["quality"] == "high"
        assert sent[1].image_parts == 2 and str(edited["seed"]) == "7"
        assert made["duration"] == 8 and made["seed"] == 3 and made["input_image"].startswith("https://")
