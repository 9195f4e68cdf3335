"""The catalog matches the docs: aliases, prices, categories, endpoints and suggestions."""

from __future__ import annotations

from pixapi_mcp import contract
from pixapi_mcp.contract import (
    ALIASES,
    CATALOG,
    Endpoint,
    canonical_model_id,
    check_request,
    estimate_credits,
    lookup_model,
    model_category,
    suggest_models,
)
from tests.contract import GEN, IMG


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
