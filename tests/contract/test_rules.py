"""The rule table: every request rule has a valid and an invalid case, every rule is load-bearing,
violations come in table order, and each rule record carries its page and example."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pixapi_mcp import contract
from pixapi_mcp.contract import (
    RULES,
    RULES_BY_ID,
    Endpoint,
    ImageEditRequest,
    ImageFile,
    ImageGenerationRequest,
    VideoGenerationRequest,
    check_request,
    check_submission,
)
from tests.contract import ASYNC_EDIT, ASYNC_GEN, EDIT, EDIT_BODY, GEN, IMG, VID, VIDEO


@dataclass(frozen=True)
class Case:
    path: str
    body: dict[str, Any]
    multipart: bool | None = None
    known_models: tuple[str, ...] = ()
    content_type: str | None = None

    def check(self, rules: Any = RULES) -> list[contract.Violation]:
        return check_request(
            self.path,
            self.body,
            multipart=self.multipart,
            known_models=self.known_models,
            rules=rules,
            content_type=self.content_type,
        )


def mp(path: str, body: dict[str, Any]) -> Case:
    return Case(path, body, multipart=True)


# rule id -> (valid cases, invalid cases). Each invalid case breaks ONLY its rule, so removing the
# rule lets the request through: that is what makes every rule load-bearing.
TABLE: dict[str, tuple[list[Case], list[Case]]] = {
    "async-endpoint": (
        [Case(ASYNC_GEN, IMG), Case(VIDEO, VID), mp(ASYNC_EDIT, EDIT_BODY)],
        [
            Case(GEN + "?async=true", IMG),
            Case(GEN, IMG | {"async": True}),
            Case(VIDEO, VID | {"async": True}),
            mp(EDIT, EDIT_BODY | {"async": "true"}),
        ],
    ),
    "video-async-only": (
        [Case(VIDEO, VID)],
        [Case("/v1/videos/generations", VID), Case("/v1/videos/generations/", VID | {"duration": 8})],
    ),
    "unknown-endpoint": (
        [Case(GEN, IMG), Case("/v1/models", {}), Case(EDIT + "/", EDIT_BODY, multipart=True)],
        [
            Case("/v1/images/generate", IMG),
            Case("/v2/images/generations", IMG),
            Case("/v1/async/videos", VID),
        ],
    ),
    "model-required": (
        [Case(GEN, IMG), Case(VIDEO, VID)],
        [
            Case(GEN, {"prompt": "p"}),
            Case(VIDEO, {"model": "  ", "prompt": "p"}),
            Case(ASYNC_GEN, {"model": 5, "prompt": "p"}),
            mp(EDIT, {"prompt": "p", "image": ["a.png"]}),
        ],
    ),
    "prompt-required": (
        [Case(GEN, IMG), mp(EDIT, EDIT_BODY)],
        [
            Case(GEN, {"model": "nano-banana"}),
            Case(VIDEO, {"model": "veo", "prompt": "   "}),
            Case(ASYNC_GEN, {"model": "nano-banana", "prompt": 42}),
            mp(ASYNC_EDIT, {"model": "nano-banana", "image": ["a.png"]}),
        ],
    ),
    "unknown-model": (
        [
            Case(GEN, IMG | {"model": "gemini-2.5-flash-image"}),
            Case(GEN, IMG | {"model": "NANO-BANANA-PRO"}),
            Case(VIDEO, VID | {"model": "veo-3.1-fast"}),
            Case(GEN, IMG | {"model": "flux-1-pro"}, known_models=("flux-1-pro",)),
        ],
        [Case(GEN, IMG | {"model": "dall-e-3"}), Case(VIDEO, VID | {"model": "runway-gen4"})],
    ),
    "video-model-on-image-endpoint": (
        [Case(VIDEO, VID | {"model": "wan"}), Case(GEN, IMG)],
        [
            Case(GEN, IMG | {"model": "veo"}),
            Case(ASYNC_GEN, IMG | {"model": "veo-3.1-fast"}),
            mp(EDIT, EDIT_BODY | {"model": "wan"}),
        ],
    ),
    "image-model-on-video-endpoint": (
        [Case(VIDEO, VID), Case(GEN, IMG | {"model": "gpt-image-2"})],
        [
            Case(VIDEO, VID | {"model": "nano-banana"}),
            Case(VIDEO, VID | {"model": "gpt-image-2"}),
            Case(VIDEO, VID | {"model": "gemini-3-pro-image-preview"}),
        ],
    ),
    "input-image-field": (
        [Case(VIDEO, VID | {"input_image": "https://cdn.pixapi.ai/generated/image.png"})],
        [
            Case(VIDEO, VID | {"image_url": "https://cdn.pixapi.ai/generated/image.png"}),
            mp(EDIT, EDIT_BODY | {"image_url": "https://x.test/a.png"}),
        ],
    ),
    "duration-field": (
        [Case(VIDEO, VID | {"duration": 8})],
        [Case(VIDEO, VID | {"seconds": 8})],
    ),
    "duration-value": (
        [Case(VIDEO, VID | {"duration": 8}), Case(VIDEO, VID | {"duration": "5"}), Case(VIDEO, VID)],
        [
            Case(VIDEO, VID | {"duration": 0}),
            Case(VIDEO, VID | {"duration": -3}),
            Case(VIDEO, VID | {"duration": "long"}),
            Case(VIDEO, VID | {"duration": True}),
            Case(GEN, IMG | {"duration": 5}),
        ],
    ),
    "input-image-url": (
        [Case(VIDEO, VID | {"input_image": "http://example.com/a.png"})],
        [
            Case(VIDEO, VID | {"input_image": "file:///etc/passwd"}),
            Case(VIDEO, VID | {"input_image": "data:image/png;base64,AAAA"}),
            Case(VIDEO, VID | {"input_image": 5}),
        ],
    ),
    "response-format-value": (
        [Case(GEN, IMG | {"response_format": "url"}), mp(EDIT, EDIT_BODY | {"response_format": "b64_json"})],
        [Case(GEN, IMG | {"response_format": "png"}), mp(EDIT, EDIT_BODY | {"response_format": "URL"})],
    ),
    "quality-value": (
        [Case(GEN, IMG | {"quality": q}) for q in ("low", "medium", "high", "auto")],
        [Case(GEN, IMG | {"quality": "ultra"}), mp(EDIT, EDIT_BODY | {"quality": "hd"})],
    ),
    "size-value": (
        [
            Case(GEN, IMG | {"size": "auto"}),
            Case(GEN, IMG | {"size": "1536x1024"}),
            mp(EDIT, EDIT_BODY | {"size": "1024x1536"}),
            Case(VIDEO, VID | {"size": "16:9"}),
            Case(VIDEO, VID | {"size": "1280x720"}),
        ],
        [
            Case(GEN, IMG | {"size": "16:9"}),
            Case(GEN, IMG | {"size": "1024*1024"}),
            Case(GEN, IMG | {"size": "huge"}),
            Case(GEN, IMG | {"size": 1024}),
            Case(VIDEO, VID | {"size": "big"}),
            mp(EDIT, EDIT_BODY | {"size": "0x0"}),
        ],
    ),
    "n-value": (
        [Case(GEN, IMG | {"n": 1}), Case(GEN, IMG | {"n": contract.MAX_N}), mp(EDIT, EDIT_BODY | {"n": "2"})],
        [
            Case(GEN, IMG | {"n": 0}),
            Case(GEN, IMG | {"n": -1}),
            Case(GEN, IMG | {"n": 1.5}),
            Case(GEN, IMG | {"n": "two"}),
            Case(GEN, IMG | {"n": True}),
            Case(GEN, IMG | {"n": contract.MAX_N + 1}),
        ],
    ),
    "edit-multipart": (
        [mp(EDIT, EDIT_BODY), mp(ASYNC_EDIT, EDIT_BODY), Case(EDIT, IMG)],  # None: transport unknown
        [
            Case(EDIT, EDIT_BODY, multipart=False),
            mp(ASYNC_EDIT, IMG),
            mp(EDIT, EDIT_BODY | {"image": []}),
        ],
    ),
    "json-content-type": (
        [
            Case(GEN, IMG, multipart=False, content_type="application/json"),
            Case(VIDEO, VID, multipart=False, content_type="application/json; charset=utf-8"),
            Case(GEN, IMG, multipart=False),  # None: the header is not known (tool arguments, the client)
            Case(GEN, IMG, content_type=""),  # multipart unknown: not judged
            mp(EDIT, EDIT_BODY),
        ],
        [
            Case(GEN, IMG, multipart=False, content_type=""),
            Case(VIDEO, VID, multipart=False, content_type="application/x-www-form-urlencoded"),
            Case(ASYNC_GEN, IMG, multipart=False, content_type="text/plain"),
        ],
    ),
}

REQUEST_RULE_IDS = {rule.id for rule in RULES if rule.scope == "request"}
VALID = [(rule_id, case) for rule_id, (valid, _) in TABLE.items() for case in valid]
INVALID = [(rule_id, case) for rule_id, (_, invalid) in TABLE.items() for case in invalid]


def _id(item: tuple[str, Case]) -> str:
    rule_id, case = item
    return f"{rule_id}:{case.path}:{json.dumps(case.body, sort_keys=True)[:60]}"


def test_table_covers_exactly_the_request_rules() -> None:
    assert set(TABLE) == REQUEST_RULE_IDS
    assert all(valid and invalid for valid, invalid in TABLE.values())
    assert len(RULES_BY_ID) == len(RULES), "rule ids must be unique"
    assert all(rule.check is not None for rule in RULES if rule.scope == "request")
    assert all(rule.check is None for rule in RULES if rule.scope == "code")


@pytest.mark.parametrize("item", VALID, ids=[_id(i) for i in VALID])
def test_valid_cases_have_no_violations(item: tuple[str, Case]) -> None:
    _, case = item
    assert case.check() == []


@pytest.mark.parametrize("item", INVALID, ids=[_id(i) for i in INVALID])
def test_invalid_cases_break_exactly_their_rule(item: tuple[str, Case]) -> None:
    rule_id, case = item
    found = case.check()
    assert {v.rule_id for v in found} == {rule_id}
    rule = RULES_BY_ID[rule_id]
    for violation in found:
        assert violation.message.strip() and violation.docs_url == rule.docs_url
        assert str(violation).startswith(f"[{rule_id}] ")


@pytest.mark.parametrize("item", INVALID, ids=[_id(i) for i in INVALID])
def test_each_rule_is_load_bearing(item: tuple[str, Case]) -> None:
    rule_id, case = item
    others = [rule for rule in RULES if rule.id != rule_id]
    without = case.check(rules=others)
    assert rule_id not in {v.rule_id for v in without}
    # Nothing else catches it: without this rule the bad request would go through.
    assert without == []


def test_violations_come_in_table_order() -> None:
    found = check_request(GEN + "?async=true", {"model": "veo", "size": "big", "n": 0})
    order = [rule.id for rule in RULES]
    ids = [v.rule_id for v in found]
    assert ids == sorted(ids, key=order.index)
    assert ids == [
        "async-endpoint",
        "prompt-required",
        "video-model-on-image-endpoint",
        "size-value",
        "n-value",
    ]


def test_check_submission_applies_the_table_to_typed_requests() -> None:
    edit = ImageEditRequest(model="nano-banana", prompt="p", images=(ImageFile("a.png", b"x"),))
    assert check_submission(edit, Endpoint.IMAGE_EDITS) == []
    gen = ImageGenerationRequest(model="nano-banana", prompt="p", controls={"async": True})
    assert [v.rule_id for v in check_submission(gen, Endpoint.IMAGE_GENERATIONS)] == ["async-endpoint"]
    video = VideoGenerationRequest(model="nano-banana", prompt="p")
    assert [v.rule_id for v in check_submission(video, Endpoint.ASYNC_VIDEO_GENERATIONS)] == [
        "image-model-on-video-endpoint"
    ]
    unknown = ImageGenerationRequest(model="flux-1-pro", prompt="p")
    assert [v.rule_id for v in check_submission(unknown, Endpoint.IMAGE_GENERATIONS)] == ["unknown-model"]
    assert check_submission(unknown, Endpoint.IMAGE_GENERATIONS, known_models=["flux-1-pro"]) == []


# Known contract defects, pinned so they flip to failures (strict) the day they are fixed.
def test_task_path_is_a_known_endpoint() -> None:
    assert check_request("/v1/tasks/task_01KPQ7J7DWB7QZ3WCEK3YVPBRA", {}) == []


@pytest.mark.parametrize("n", ["inf", "nan", float("inf")])
def test_non_finite_n_is_a_violation_not_a_crash(n: Any) -> None:
    assert [v.rule_id for v in check_request(GEN, IMG | {"n": n})] == ["n-value"]


@pytest.mark.parametrize("duration", ["nan", "inf", float("nan")])
def test_non_finite_duration_is_a_violation(duration: Any) -> None:
    assert [v.rule_id for v in check_request(VIDEO, VID | {"duration": duration})] == ["duration-value"]


BUNDLE_PAGES = Path(__file__).resolve().parents[2] / "llms" / "pages"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_each_rule_record_names_a_bundled_page_and_an_example(rule: contract.Rule) -> None:
    """One record holds everything about a rule: the page a model reads next must exist in the
    bundle, and the example must show a wrong and a different right way."""
    assert (BUNDLE_PAGES / f"{rule.page}.md").is_file(), rule.page
    assert rule.docs_uri == f"pixapi://docs/{rule.page}"
    assert rule.example.wrong.strip() and rule.example.right.strip()
    assert rule.example.wrong != rule.example.right


@pytest.mark.parametrize(
    ("path", "body", "endpoint"),
    [
        (GEN + "?async=true", IMG, ASYNC_GEN),
        (GEN, IMG | {"async": True}, ASYNC_GEN),
        (EDIT + "?async=1", EDIT_BODY, ASYNC_EDIT),
        (ASYNC_EDIT, EDIT_BODY | {"async": "true"}, ASYNC_EDIT),
        ("/v1/videos/generations", VID | {"async": True}, VIDEO),
        (VIDEO + "?async=true", VID, VIDEO),
    ],
)
def test_async_flag_fix_names_the_exact_endpoint(path: str, body: dict[str, Any], endpoint: str) -> None:
    found = [v for v in check_request(path, body) if v.rule_id == "async-endpoint"]
    assert len(found) == 1
    assert f"POST to `{endpoint}`" in found[0].message and "/v1/async/..." not in found[0].message


def test_async_flag_on_an_unknown_path_lists_every_async_endpoint() -> None:
    (found,) = [v for v in check_request("/v1/generate?async=true", IMG) if v.rule_id == "async-endpoint"]
    for endpoint in (ASYNC_GEN, ASYNC_EDIT, VIDEO):
        assert f"`{endpoint}`" in found.message
    assert "/v1/async/..." not in RULES_BY_ID["async-endpoint"].message


# Code-scope rules judged on a request as check_code reconstructs it (contract.CODE_CHECKS): the
# client and the sandbox never see a wrong base URL, so it is not a request rule, but the same
# record and check serve check_code's source and JSON-body findings.
CODE_TABLE: dict[str, tuple[list[Case], list[Case]]] = {
    "base-url": (
        [
            Case("https://api.pixapi.ai" + GEN, IMG),
            Case("http://127.0.0.1:8787" + VIDEO, VID),
        ],
        [
            Case("https://pixapi.ai/api" + GEN, IMG),
            Case("https://pixapi.ai" + VIDEO, VID),
            Case("https://api.pixapi.ai/api" + GEN, IMG),
            Case("/api" + GEN, IMG),
        ],
    ),
}


def test_code_checks_are_code_rules_with_cases() -> None:
    assert set(CODE_TABLE) == set(contract.CODE_CHECKS)
    assert all(RULES_BY_ID[rule_id].scope == "code" for rule_id in contract.CODE_CHECKS)


def _code_check(case: Case) -> list[contract.Violation]:
    return contract.check_code_request(
        case.path, case.body, multipart=case.multipart, content_type=case.content_type
    )


@pytest.mark.parametrize(("rule_id", "case"), [(r, c) for r, (valid, _) in CODE_TABLE.items() for c in valid])
def test_code_check_valid_cases(rule_id: str, case: Case) -> None:
    assert _code_check(case) == []
    assert case.check() == [], "a valid case breaks no request rule either"


@pytest.mark.parametrize(
    ("rule_id", "case"), [(r, c) for r, (_, invalid) in CODE_TABLE.items() for c in invalid]
)
def test_code_check_invalid_cases_break_exactly_their_rule(rule_id: str, case: Case) -> None:
    found = _code_check(case)
    assert [v.rule_id for v in found] == [rule_id]
    assert found[0].message.strip() and found[0].docs_url == RULES_BY_ID[rule_id].docs_url
    assert case.check() == [], "the request rules leave it to the code check (unknown-endpoint too)"
