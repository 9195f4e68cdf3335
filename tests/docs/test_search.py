"""Ranked search over the bundle's sections: the right page first for real questions, the size
budget, and hits that point at readable sections."""

from __future__ import annotations

import pytest

from pixapi_mcp.docs import DocsBundle, SearchIndex

SEARCHES: list[tuple[str, set[str], str]] = [
    ("how do I turn an image into a video", {"image-to-video"}, "input_image"),
    ("what field sets video length", {"image-to-video", "api-reference"}, "duration"),
    ("why do I get 402", {"errors"}, "402"),
    ("how do I poll a task", {"async-tasks"}, "GET"),
    ("upload a file for editing", {"image-editing"}, "multipart"),
    ("price of nano banana pro", {"model-gemini-3-pro-image-preview"}, "8 credits"),
    ("how to authenticate", {"authentication"}, "Bearer"),
    ("get the video url when done", {"image-to-video", "async-tasks"}, "result.data[0].url"),
    ("rate limited 429 what to do", {"errors"}, "429"),
    ("which models can make video", {"model-catalog"}, "veo"),
    ("return base64 instead of url", {"api-reference"}, "b64_json"),
    ("node example", {"recipe-node"}, "fetch("),
    ("python example with httpx", {"recipe-python"}, "httpx"),
    ("curl script for image to video", {"recipe-curl"}, "curl"),
    ("go program", {"recipe-go"}, "Go"),
    ("java code", {"recipe-java"}, "Java"),
    ("what is nano-banana", {"model-gemini-2.5-flash-image"}, "nano-banana"),
    ("task status values", {"async-tasks", "api-reference"}, "completed"),
    ("request timed out, should I retry the POST", {"errors"}, "re-POST"),
    ("multiple reference images", {"image-editing"}, "image"),
    ("how much does veo cost", {"model-veo"}, "pricing"),
    ("keep api key out of the browser", {"authentication"}, "NEXT_PUBLIC"),
    ("image_url or input_image", {"image-to-video", "mistakes"}, "input_image"),
    ("async=true", {"async-tasks", "mistakes"}, "async"),
]


@pytest.mark.parametrize(("question", "pages", "phrase"), SEARCHES, ids=[q for q, _, _ in SEARCHES])
def test_search_ranks_the_right_page_first(
    index: SearchIndex, question: str, pages: set[str], phrase: str
) -> None:
    hits = index.search(question)
    assert hits, question
    assert hits[0].page in pages, [(h.page, h.heading, h.score) for h in hits]
    assert phrase.lower() in hits[0].text.lower()
    assert sum(len(h.text) for h in hits) <= 6000
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("max_chars", [500, 900, 2500, 6000, 50_000])
def test_search_respects_max_chars(index: SearchIndex, max_chars: int) -> None:
    for question, _, _ in SEARCHES:
        hits = index.search(question, max_chars=max_chars)
        assert hits
        assert sum(len(h.text) for h in hits) <= max_chars
        assert all(not h.truncated for h in hits[:-1])
    long = index.search("status codes 402 429", max_chars=500)
    assert long[0].uri == "pixapi://docs/errors#status-codes"
    assert long[0].truncated and len(long[0].text) == 500
    assert long[0].text.endswith("read pixapi://docs/errors#status-codes]")


def test_search_hits_point_at_readable_sections(bundle: DocsBundle, index: SearchIndex) -> None:
    for hit in index.search("how do I poll a task", limit=10, max_chars=50_000):
        page, anchor = hit.uri.removeprefix("pixapi://docs/").split("#")
        section = bundle.section(page, anchor)
        assert section is not None and section.heading == hit.heading and section.text == hit.text
    assert index.search("zzzz qqqq") == []
