"""Request bodies (``language="json"``) go through ``contract.check_request``: the same verdict
as the tools, the client guard and the sandbox, at the line of the offending field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixapi_mcp import codecheck, contract
from pixapi_mcp.codecheck import check_code
from pixapi_mcp.codecheck.json_body import guess_path
from tests.codecheck.samples import found

JSON_CASES: list[tuple[str, str, list[tuple[str, int]]]] = [
    (
        "async flag",
        '{\n  "model": "nano-banana",\n  "prompt": "A cup",\n  "async": true\n}',
        [("async-endpoint", 4)],
    ),
    (
        "video with every mistake",
        '// POST /v1/videos/generations\n{\n  "model": "nano-banana",\n  "prompt": "Steam",\n'
        '  "image_url": "https://cdn.example/a.png",\n  "seconds": 8\n}',
        [
            ("video-async-only", 1),
            ("image-model-on-video-endpoint", 3),
            ("input-image-field", 5),
            ("duration-field", 6),
        ],
    ),
    ("guessed video endpoint", '{"model": "veo", "prompt": "Steam", "seconds": 8}', [("duration-field", 1)]),
    (
        "edit as json",
        "POST https://api.pixapi.ai/v1/images/edits\nContent-Type: application/json\n\n"
        '{"model": "nano-banana", "prompt": "Warmer", "image": "https://cdn.example/a.png"}',
        [("edit-multipart", 1)],
    ),
    (
        "bad values",
        '{\n  "model": "gpt-image-2",\n  "prompt": "A cup",\n  "quality": "hd",\n  "response_format": "png",\n'
        '  "size": "big"\n}',
        [("quality-value", 4), ("response-format-value", 5), ("size-value", 6)],
    ),
    ("missing prompt", '{"model": "nano-banana"}', [("prompt-required", 1)]),
    (
        "video model on image endpoint",
        'POST /v1/images/generations\n\n{"model": "veo", "prompt": "x"}',
        [("video-model-on-image-endpoint", 3)],
    ),
    (
        "query flag",
        'POST /v1/images/generations?async=true\n{"model": "nano-banana", "prompt": "x"}',
        [("async-endpoint", 1)],
    ),
    (
        "valid video",
        '{"model": "veo", "prompt": "Steam", "input_image": "https://cdn.example/a.png", "duration": 8}',
        [],
    ),
    (
        "valid image",
        '{"model": "nano-banana-pro", "prompt": "A cup", "n": 2, "size": "1536x1024", "quality": "high"}',
        [],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [pytest.param(b, e, id=n) for n, b, e in JSON_CASES])
def test_json_bodies_go_through_the_contract(body: str, expected: list[tuple[str, int]]) -> None:
    assert sorted(found(check_code(body, "json"))) == sorted(expected)


def test_json_is_detected_and_path_hint_wins() -> None:
    body = '{"model": "veo", "prompt": "x", "duration": 8}'
    assert codecheck.detect_language(body) == "json"
    assert found(check_code(body, path="/v1/images/generations")) == [
        ("video-model-on-image-endpoint", 1),
        ("duration-value", 1),
    ]


def test_invalid_json_and_unknown_language_raise() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        check_code('{"model": ', "json")
    with pytest.raises(ValueError, match="JSON object"):
        check_code("[1, 2]", "json")
    with pytest.raises(ValueError, match="Unknown language 'cobol'"):
        check_code("x", "cobol")


# -- property: a body built from the rule fields gets the contract's own rule ids ---------------

_ROUTES = [endpoint.value for endpoint in contract.Endpoint] + [contract.FORBIDDEN_VIDEO_PATH]
_MODELS = [name for info in contract.CATALOG for name in (info.id, *info.aliases)]
_VALUES = st.one_of(
    st.sampled_from(
        [*_MODELS, "dall-e-3", "hd", "png", "url", "b64_json", "auto", "1024x1024", "16:9", "big"]
    ),
    st.sampled_from(["https://cdn.example/a.png", "data:image/png;base64,AAAA", "a.png"]),
    st.integers(min_value=-2, max_value=20),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
)
_FIELDS = st.sampled_from(
    [
        "model",
        "prompt",
        "n",
        "size",
        "quality",
        "response_format",
        "duration",
        "seconds",
        "input_image",
        "image_url",
        "image",
        "async",
        "style",
    ]
)


@settings(max_examples=80, deadline=None)
@given(
    body=st.dictionaries(_FIELDS, _VALUES, max_size=8), route=st.one_of(st.none(), st.sampled_from(_ROUTES))
)
def test_bodies_get_the_contracts_rule_ids(body: dict[str, Any], route: str | None) -> None:
    text = json.dumps(body, indent=2)
    if route is not None:
        text = f"POST {route}\n\n{text}"
    expected = {v.rule_id for v in contract.check_request(route or guess_path(body), body, multipart=False)}
    findings = check_code(text, "json")
    assert {f.rule_id for f in findings} == expected
    for finding in findings:
        assert 1 <= finding.line <= len(text.splitlines())
