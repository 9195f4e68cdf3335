"""The lexical view and languages: names and aliases, detection, comments and negative mentions
blanked, Pixapi paths and SDK calls recognised."""

from __future__ import annotations

import pytest

from pixapi_mcp import codecheck
from pixapi_mcp.codecheck import check_code
from pixapi_mcp.codecheck.source import Source, detect_language, normalize_language
from tests.codecheck.samples import NODE, PYTHON, TEMPLATES, found


def test_language_names() -> None:
    assert codecheck.normalize_language("TypeScript") == "node"
    assert codecheck.normalize_language("auto") is None
    assert codecheck.normalize_language(None) is None
    assert codecheck.normalize_language("golang") == "go"
    assert codecheck.normalize_language("bash") == "curl"


def test_unknown_language_names_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match=r"Unknown language 'cobol'.*golang.*typescript"):
        normalize_language("cobol")


@pytest.mark.parametrize("language", sorted(TEMPLATES))
def test_each_template_is_detected_as_its_language(language: str) -> None:
    assert detect_language(TEMPLATES[language]) == language
    assert detect_language("") == "curl"


def test_comments_and_negative_mentions_do_not_trigger() -> None:
    code = (
        PYTHON.replace(
            "import time\n", "import time\n# Never use async=true or /v1/videos/generations here.\n"
        ).replace('"duration": 8},', '"duration": 8},  # "seconds": 8 would be wrong')
        + 'print("Do not send image_url; use input_image.")\n'
    )
    assert found(check_code(code, "python")) == []
    js = NODE.replace("const API", "/* Don't send `async: true`;\n   seconds: 8 is wrong too. */\nconst API")
    assert found(check_code(js, "node")) == []


def test_comments_are_blanked_and_lines_kept() -> None:
    code = 'url = "/v1/images/generations"  # not /v1/videos/generations\n"""/v1/tasks/ in a # string"""\n'
    source = Source(code, "python")
    assert len(source.code) == len(source.raw) == 2
    assert "videos" not in source.code[0] and source.code[1] == source.raw[1]
    assert [(e.line, e.kind, e.path) for e in source.endpoints] == [
        (0, "image", "/v1/images/generations"),
        (1, "tasks", "/v1/tasks/"),
    ]


def test_sdk_calls_stand_for_their_endpoints() -> None:
    source = Source("client.images.edit(image=f)\nclient.videos.create(model='veo')\n", "python")
    assert [(e.line, e.kind, e.sdk, e.shown) for e in source.endpoints] == [
        (0, "edit", True, "`.images.edit(...)`"),
        (1, "video-sync", True, "`.videos.create(...)`"),
    ]


def test_an_unclosed_docstring_reads_as_a_string_to_the_end() -> None:
    """Python reads the rest of the file as the string; the parser is given the closing quotes
    (tree-sitter's error recovery would take ~0.8 s per MB) and the findings before it stay."""
    code = (
        "import requests\n"
        'requests.post("https://api.pixapi.ai/v1/images/generations?async=true", json={"model": "nano-banana"})\n'
        'notes = """never closed\nrequests.post("https://api.pixapi.ai/v1/videos/generations?async=true")\n'
    )
    source = Source(code, "python")
    assert not source.tree.root.has_error
    assert len(source.raw) == 4 and len(source.code) == 4
    assert [line for rule, line in found(check_code(code, "python")) if rule == "async-endpoint"] == [2]


def test_closed_and_escaped_triple_quotes_add_nothing() -> None:
    code = 'a = """x \\""" y"""\nb = \'\'\'has """ inside\'\'\'\nc = 1\n'
    source = Source(code, "python")
    assert source.tree.src == code.encode()
    assert not source.tree.root.has_error
