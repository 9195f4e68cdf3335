"""The contract rule table and catalog: every request rule has a valid and an invalid case, every
rule is load-bearing, the catalog matches the docs, and the documented samples pass."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pixapi_mcp import contract
from pixapi_mcp.contract import (
    ALIASES,
    CATALOG,
    RULES,
    RULES_BY_ID,
    Endpoint,
    ErrorBody,
    ImageEditRequest,
    ImageFile,
    ImageGenerationRequest,
    ImageResponse,
    ModelList,
    Task,
    TaskSubmission,
    VideoGenerationRequest,
    canonical_model_id,
    check_request,
    check_submission,
    estimate_credits,
    lookup_model,
    model_category,
    suggest_models,
)

GEN = "/v1/images/generations"
ASYNC_GEN = "/v1/async/images/generations"
EDIT = "/v1/images/edits"
ASYNC_EDIT = "/v1/async/images/edits"
VIDEO = "/v1/async/videos/generations"

IMG: dict[str, Any] = {"model": "nano-banana", "prompt": "A ceramic coffee cup"}
VID: dict[str, Any] = {"model": "veo", "prompt": "The cup slowly rotates"}
EDIT_BODY: dict[str, Any] = {
    "model": "gemini-3-pro-image-preview",
    "prompt": "Warm background",
    "image": ["a.png"],
}


@dataclass(frozen=True)
class Case:
    path: str
    body: dict[str, Any]
    multipart: bool | None = None
    known_models: tuple[str, ...] = ()

    def check(self, rules: Any = RULES) -> list[contract.Violation]:
        return check_request(
            self.path, self.body, multipart=self.multipart, known_models=self.known_models, rules=rules
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


# Known contract.py defects, pinned so they flip to failures (strict) the day they are fixed.
def test_task_path_is_a_known_endpoint() -> None:
    assert check_request("/v1/tasks/task_01KPQ7J7DWB7QZ3WCEK3YVPBRA", {}) == []


@pytest.mark.parametrize("n", ["inf", "nan", float("inf")])
def test_non_finite_n_is_a_violation_not_a_crash(n: Any) -> None:
    assert [v.rule_id for v in check_request(GEN, IMG | {"n": n})] == ["n-value"]


@pytest.mark.parametrize("duration", ["nan", "inf", float("nan")])
def test_non_finite_duration_is_a_violation(duration: Any) -> None:
    assert [v.rule_id for v in check_request(VIDEO, VID | {"duration": duration})] == ["duration-value"]


# --------------------------------------------------------------------------------------------
# Documented samples (verbatim from the captured pages in shared/seeds/)
# --------------------------------------------------------------------------------------------

# api-reference.txt, the curl/Go/Java request example body (the `-d` payload).
API_REFERENCE_BODY = """{
"model": "gemini-3-pro-image-preview",
"prompt": "A cinematic product photo of a ceramic coffee cup",
"n": 1,
"size": "1024x1024"
}"""
# image-generation-api-page.txt, home-page.txt: the other curl payloads.
IMAGE_PAGE_BODY = """{
    "model": "gemini-3-pro-image-preview",
    "prompt": "A cinematic product photo",
    "n": 1,
    "size": "1024x1024"
  }"""
HOME_PAGE_BODIES = [
    '{ "model": "gpt-image-2", "prompt": "A cinematic product hero shot", "n": 1, "size": "1024x1024" }',
    """{
"model": "nano-banana",
"prompt": "A cinematic product shot",
"size": "1024x1024"
}""",
]
# api-reference.txt, the edit example: curl -F fields, with one image part.
EDIT_FORM = {
    "model": "gemini-3-pro-image-preview",
    "prompt": "Place the product on a warm studio background",
    "image": ["product.png"],
    "n": "1",
    "size": "1024x1024",
}
# llms-full.txt, "Generated image to short video": every documented video field, as documented.
VIDEO_BODY = {
    "model": "veo",
    "prompt": "The product turns slowly on a warm studio table",
    "input_image": "https://cdn.pixapi.ai/generated/image.png",
    "duration": 5,
    "size": "16:9",
}


@pytest.mark.parametrize("text", [API_REFERENCE_BODY, IMAGE_PAGE_BODY, *HOME_PAGE_BODIES])
@pytest.mark.parametrize("path", [GEN, ASYNC_GEN])
def test_documented_generation_bodies_pass(text: str, path: str) -> None:
    body = json.loads(text)
    assert check_request(path, body) == []
    # ...and the typed request model accepts them as they are.
    assert ImageGenerationRequest.model_validate(body).body() == body


@pytest.mark.parametrize("path", [EDIT, ASYNC_EDIT])
def test_documented_edit_form_passes(path: str) -> None:
    assert check_request(path, EDIT_FORM, multipart=True) == []


def test_documented_video_body_passes() -> None:
    assert check_request(VIDEO, VIDEO_BODY) == []
    assert VideoGenerationRequest.model_validate(VIDEO_BODY).body() == VIDEO_BODY | {"duration": 5.0}


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the captured seed pages are not next to this checkout")
def test_embedded_samples_are_verbatim_from_the_seeds() -> None:
    api = (SEEDS / "api-reference.txt").read_text()
    assert API_REFERENCE_BODY in api
    assert '-F "model=gemini-3-pro-image-preview"' in api and '-F "image=@product.png"' in api
    assert IMAGE_PAGE_BODY in (SEEDS / "image-generation-api-page.txt").read_text()
    home = (SEEDS / "home-page.txt").read_text()
    assert all(body in home for body in HOME_PAGE_BODIES)


def test_documented_response_samples_parse() -> None:
    image = ImageResponse.model_validate(
        {"created": 1766880000, "data": [{"url": "https://cdn.pixapi.ai/generated/image.png"}]}
    )
    assert image.data[0].url == "https://cdn.pixapi.ai/generated/image.png"
    sub = TaskSubmission.model_validate(
        {
            "status": "submitted",
            "id": "task_01KPQ7J7DWB7QZ3WCEK3YVPBRA",
            "progress": 0,
            "created_at": 1703884800,
            "model": "gemini-3.1-flash-image-preview",
        }
    )
    assert (sub.id, sub.status, sub.progress) == ("task_01KPQ7J7DWB7QZ3WCEK3YVPBRA", "submitted", 0)
    task = Task.model_validate(
        {
            "id": "xxx",
            "status": "completed",
            "credits_cost": 1.5,
            "model": "sora-2",
            "progress": 100,
            "result": {"type": "video", "data": [{"url": "https://xxx.xxx"}]},
            "created": 1763088289,
            "completed": 1763088308,
        }
    )
    assert task.is_terminal and task.output_urls() == ["https://xxx.xxx"] and task.credits_cost == 1.5
    models = ModelList.model_validate(
        {
            "object": "list",
            "data": [
                {
                    "id": "gemini-3-pro-image-preview",
                    "object": "model",
                    "category": "image",
                    "capabilities": ["text-to-image", "image-to-image"],
                }
            ],
        }
    )
    assert models.data[0].capabilities == ["text-to-image", "image-to-image"]
    err = ErrorBody.model_validate(
        {"error": {"code": 400, "message": "xxx", "type": "invalid_request_error"}}
    )
    assert (err.error.code, err.error.message, err.error.type) == (400, "xxx", "invalid_request_error")


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


def test_aliases_resolve_to_canonical_ids() -> None:
    assert ALIASES == {
        "nano-banana": "gemini-2.5-flash-image",
        "nano-banana-2": "gemini-3.1-flash-image-preview",
        "nano-banana-pro": "gemini-3-pro-image-preview",
    }
    for alias, canonical in ALIASES.items():
        info = lookup_model(alias)
        assert info is not None and info.id == canonical
        assert canonical_model_id(alias) == canonical
        assert canonical_model_id(alias.upper()) == canonical
    assert canonical_model_id("flux-1-pro") == "flux-1-pro"
    assert lookup_model("flux-1-pro") is None


def test_documented_prices() -> None:
    prices = {m.id: m.credits_from for m in CATALOG}
    assert prices == {
        "gemini-2.5-flash-image": 2.0,
        "gemini-3.1-flash-image-preview": 4.0,
        "gemini-3-pro-image-preview": 8.0,
        "gpt-image-1.5": 1.0,
        "gpt-image-2": 1.0,
        "veo": None,
        "wan": None,
    }
    assert estimate_credits("nano-banana") == 2.0
    assert estimate_credits("nano-banana-pro", n=3) == 24.0
    assert estimate_credits("veo") is None
    assert estimate_credits("unknown-model") is None


def test_categories_and_endpoints() -> None:
    for info in CATALOG:
        assert model_category(info.id) == info.category
        if info.category == "video":
            assert info.endpoints == (Endpoint.ASYNC_VIDEO_GENERATIONS,)
        else:
            assert Endpoint.ASYNC_VIDEO_GENERATIONS not in info.endpoints
            assert set(info.endpoints) == {
                Endpoint.IMAGE_GENERATIONS,
                Endpoint.ASYNC_IMAGE_GENERATIONS,
                Endpoint.IMAGE_EDITS,
                Endpoint.ASYNC_IMAGE_EDITS,
            }
    families = {
        "nano-banana": "image",
        "nano-banana-3": "image",
        "gemini-2.0-flash-image-exp": "image",
        "gpt-image-1": "image",
        "veo-3.1-fast": "video",
        "wan-2.2": "video",
        "sora-2": "video",
        "dall-e-3": None,
        "gemini-2.5-pro": None,
    }
    assert {name: model_category(name) for name in families} == families


def test_endpoint_enum_has_no_sync_video_path() -> None:
    assert contract.FORBIDDEN_VIDEO_PATH not in {e.value for e in Endpoint}
    assert [e for e in Endpoint if e.media == "video"] == [Endpoint.ASYNC_VIDEO_GENERATIONS]
    assert {e for e in Endpoint if e.is_async} == {
        Endpoint.ASYNC_IMAGE_GENERATIONS,
        Endpoint.ASYNC_IMAGE_EDITS,
        Endpoint.ASYNC_VIDEO_GENERATIONS,
    }
    assert contract.task_path("abc") == "/v1/tasks/abc"


def test_suggest_models() -> None:
    assert suggest_models("nano-banan")[0] == "nano-banana"
    assert "veo" in suggest_models("veo3")
    assert suggest_models("gpt-image-3")[0] in {"gpt-image-2", "gpt-image-1.5"}
    assert suggest_models("zzzzzzzz") == []
    assert suggest_models("flux-pro", ["flux-1-pro", "nano-banana"]) == ["flux-1-pro"]
    assert len(suggest_models("gemini", limit=2)) <= 2


def test_unknown_model_message_suggests_live_ids() -> None:
    (violation,) = check_request(GEN, IMG | {"model": "flux-pro"}, known_models=["flux-1-pro"])
    assert "Did you mean" in violation.message and "`flux-1-pro`" in violation.message


# --------------------------------------------------------------------------------------------
# Request models are strict, response models tolerant
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": "1"},
        {"n": 0},
        {"n": contract.MAX_N + 1},
        {"n": True},
        {"size": "16:9"},
        {"size": "big"},
        {"quality": "ultra"},
        {"response_format": "png"},
        {"seconds": 8},
        {"async": True},
        {"prompt": ""},
        {"model": "has space"},
    ],
)
def test_image_request_is_strict(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ImageGenerationRequest.model_validate(IMG | kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"duration": 0}, {"duration": 61}, {"duration": "8"}, {"size": "wide"}, {"image_url": "https://x"}],
)
def test_video_request_is_strict(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        VideoGenerationRequest.model_validate(VID | kwargs)


def test_request_models_are_frozen_and_keep_controls_separate() -> None:
    req = ImageGenerationRequest(model="nano-banana", prompt="p", n=2, controls={"seed": 7, "n": 9})
    with pytest.raises(ValidationError):
        req.n = 3  # type: ignore[misc]
    # Documented fields win over a control of the same name.
    assert req.body() == {"model": "nano-banana", "prompt": "p", "n": 2, "seed": 7}
    assert "controls" not in req.model_dump()
    with pytest.raises(ValidationError):
        ImageEditRequest(model="nano-banana", prompt="p", images=())


def test_image_file_repr_hides_bytes() -> None:
    f = ImageFile("a.png", b"\x89PNG" * 1000, "image/png")
    assert repr(f) == "ImageFile('a.png', 4000 bytes, 'image/png')"


def test_response_models_keep_unknown_fields() -> None:
    image = ImageResponse.model_validate(
        {"created": 1, "data": [{"url": "https://x", "seed": 5}], "usage": {"credits": 2}}
    )
    assert image.model_extra == {"usage": {"credits": 2}}
    assert image.data[0].model_extra == {"seed": 5}
    task = Task.model_validate({"id": "t", "status": "processing", "eta_s": 30, "error": {"message": "x"}})
    assert task.model_extra == {"eta_s": 30}
    assert not task.is_terminal and task.output_urls() == []
    sub = TaskSubmission.model_validate({"id": "t", "queue_position": 3})
    assert sub.status == "submitted" and sub.model_extra == {"queue_position": 3}
