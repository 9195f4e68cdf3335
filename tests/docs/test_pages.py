"""The generated files: the committed bundle matches the generator byte for byte, llms-full.txt
holds every page, the model pages follow the catalog and the mistakes page lists every rule."""

from __future__ import annotations

from pixapi_mcp import contract
from pixapi_mcp.docs import DocsBundle, generate_bundle
from pixapi_mcp.docs.pages import render_full
from tests.docs import LLMS


def test_generated_files_match_the_generator() -> None:
    generated = generate_bundle(LLMS)
    assert {"llms.txt", "llms-full.txt", "pages/mistakes.md", "pages/model-catalog.md"} <= set(generated)
    for rel, text in generated.items():
        committed = (LLMS / rel).read_text(encoding="utf-8")
        assert committed == text, f"llms/{rel} is stale: run `python -m pixapi_mcp.docs`"


def test_llms_full_holds_every_page(bundle: DocsBundle) -> None:
    full = (LLMS / "llms-full.txt").read_text(encoding="utf-8")
    assert full == render_full(bundle.pages)
    for page, text in bundle.pages.items():
        assert f"<!-- pixapi://docs/{page} -->" in full
        assert text.strip() in full


def test_model_pages_follow_the_catalog(bundle: DocsBundle) -> None:
    for info in contract.CATALOG:
        page = bundle.model_page(info.id)
        assert page is not None
        for alias in info.aliases:
            assert bundle.model_page(alias) == page
            assert f"`{alias}`" in page
        if info.credits_from is None:
            assert "pricing" in page.lower() and "not given" in page
        else:
            assert f"from {info.credits_from:g} credit" in page
        for endpoint in info.endpoints:
            assert endpoint.value in page
    assert bundle.model_page("dall-e-3") is None


def test_mistakes_page_lists_every_rule(bundle: DocsBundle) -> None:
    assert "mistakes" in bundle.pages
    for rule in contract.RULES:
        section = bundle.section("mistakes", rule.id)
        assert section is not None, rule.id
        assert rule.message in section.text and rule.summary in section.text
