"""The bundle as read: every page has its title, Source line and summary, links resolve, sections
split at headings outside code fences, and a bundle can be read from another folder."""

from __future__ import annotations

import re
from pathlib import Path

from pixapi_mcp.docs import (
    DocsBundle,
    SearchIndex,
    bundle_root,
    page_order,
    page_sources,
    page_summary,
    split_sections,
)
from tests.docs import LLMS


def test_every_page_has_title_source_and_summary(bundle: DocsBundle) -> None:
    index = (LLMS / "llms.txt").read_text(encoding="utf-8")
    expected = {*page_order()}
    assert set(bundle.page_names()) == expected, "a page is missing, or a new page is not in page_order()"
    for page, text in bundle.pages.items():
        lines = text.splitlines()
        assert lines[0].startswith("# "), page
        sources = page_sources(text)
        assert sources and all(u.startswith("https://pixapi.ai/") for u in sources), page
        assert lines[2].startswith("Source:"), page
        assert page_summary(text), page
        assert f"](pixapi://docs/{page}): {page_summary(text)}" in index


def test_internal_links_resolve(bundle: DocsBundle) -> None:
    for page, text in bundle.pages.items():
        for target in re.findall(r"pixapi://docs/([\w.-]+)", text):
            assert target in ("llms.txt", "llms-full.txt") or target in bundle.pages, (page, target)


def test_sections_split_outside_code_fences() -> None:
    text = "# T\n\nSource: https://pixapi.ai/\n\n## A b\n\n```bash\n# not a heading\n```\n\n## A b\n\nx\n"
    sections = split_sections("p", text)
    assert [(s.anchor, s.heading) for s in sections] == [("t", "T"), ("a-b", "A b"), ("a-b-1", "A b")]
    assert "# not a heading" in sections[1].text


def test_bundle_from_another_root(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "llms.txt").write_text("# index\n", encoding="utf-8")
    (tmp_path / "pages" / "errors.md").write_text(
        "# Errors\n\nSource: https://pixapi.ai/\n\n> s\n\n## Retry\n\nBack off on 429.\n", encoding="utf-8"
    )
    small = DocsBundle(tmp_path)
    assert small.page_names() == ["errors"]
    assert SearchIndex(small).search("429")[0].uri == "pixapi://docs/errors#retry"
    assert bundle_root().joinpath("pages").is_dir()
