"""The search's bar on the question set (tests/docs/questions.toml), measured the way
bench/search_quality.py prints it: top-1 section accuracy on answerable questions, and the "not
covered" answer for every question the docs cannot answer. Plus the held-out questions' floor, and
the confidence threshold and not-covered answer through the MCP surface."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.client import Client
from mcp.server import MCPServer

from bench.search_quality import HOLDOUT, QUESTIONS, Question, evaluate, load
from pixapi_mcp.docs import DocsBundle, SearchIndex
from pixapi_mcp.docs import hits as hits_module
from pixapi_mcp.docs.coverage import PRICING_URL, SUPPORT_EMAIL, ZH_DOCS_URL
from pixapi_mcp.docs.search import COVERED_THRESHOLD, SearchHit, covered
from tests.docs import MODES

# The languages Pixapi's public pages are localised into (seeds/llms-full.txt).
LANGUAGES = {"en", "zh-hans", "zh-hant", "de", "it"}


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    return load(QUESTIONS)


def test_the_question_set_is_what_the_issue_asks_for(questions: list[Question], bundle: DocsBundle) -> None:
    assert len(questions) >= 50
    assert sum(not q.answerable for q in questions) >= 8
    assert sum(q.lang.startswith("zh") for q in questions) >= 8
    assert {q.lang for q in questions} == LANGUAGES
    assert len({q.q for q in questions}) == len(questions)
    for question in [*questions, *load(HOLDOUT)]:
        for expected in question.expect:
            page, anchor = expected.split("#")
            assert bundle.section(page, anchor) is not None, expected


def test_top1_accuracy_and_not_covered_answers(questions: list[Question], index: SearchIndex) -> None:
    report = evaluate(questions, index)
    wrong = [(o.question.q, o.top) for o in report.answerable if not o.right]
    assert report.top1 >= 0.90, wrong
    guessed = [(o.question.q, o.top, o.confidence) for o in report.unanswerable if o.covered]
    assert not guessed  # every question the docs cannot answer gets "not covered"
    for o in report.unanswerable:
        assert o.confidence < COVERED_THRESHOLD


def test_held_out_questions_keep_a_floor(index: SearchIndex) -> None:
    """Never tuned on: a floor, not the bar (bench/search_quality.py prints the number)."""
    report = evaluate(load(HOLDOUT), index)
    assert report.top1 >= 0.70
    assert report.flagged == 1.0


def test_confidence_is_a_probability_and_the_threshold_decides_covered(index: SearchIndex) -> None:
    for question in ("how do I poll a task", "怎么查询账户余额", "zzzz qqqq wibble", "x" * 2000):
        hits = index.search(question)
        assert all(0.0 <= h.confidence <= 1.0 for h in hits)
    hit = index.search("how do I poll a task")[0]

    def at(confidence: float) -> list[SearchHit]:
        return [hit.model_copy(update={"confidence": confidence})]

    assert covered(at(COVERED_THRESHOLD))
    assert not covered(at(COVERED_THRESHOLD - 0.001))
    assert not covered([])
    # Only the best hit decides.
    assert covered([*at(0.9), *at(0.01)]) and not covered([*at(0.01), *at(0.9)])


def test_a_known_gap_lowers_the_confidence_of_a_section_that_never_mentions_it(index: SearchIndex) -> None:
    plain = index.search("how do I poll a video task")[0]
    gap = index.search("how do I cancel a video task")[0]
    assert plain.confidence >= COVERED_THRESHOLD > gap.confidence
    assert index.gaps("how do I cancel a video task") == ["cancel"]
    assert index.gaps("如何取消任务") == ["cancel"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_search_docs_says_when_the_docs_do_not_cover_it(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        answered = await client.call_tool("search_docs", {"query": "how do I poll a task"})
        data = answered.structured_content
        assert data is not None and not answered.is_error
        assert data["covered"] is True
        assert data["confidence"] == data["hits"][0]["confidence"] >= COVERED_THRESHOLD
        assert "check_code" in data["next_step"]

        balance = await client.call_tool("search_docs", {"query": "how do I check my credit balance?"})
        data = balance.structured_content
        assert data is not None and not balance.is_error
        assert data["covered"] is False and data["confidence"] < COVERED_THRESHOLD
        assert 1 <= len(data["hits"]) <= 2  # the nearest sections, not a page of guesses
        assert "do not cover this" in data["next_step"]
        assert PRICING_URL in data["next_step"] and SUPPORT_EMAIL in data["next_step"]

        cancel = await client.call_tool("search_docs", {"query": "如何取消正在运行的任务"})
        data = cancel.structured_content
        assert data is not None and data["covered"] is False
        assert ZH_DOCS_URL in data["next_step"] and SUPPORT_EMAIL in data["next_step"]

        nothing = await client.call_tool("search_docs", {"query": "zzzz qqqq"})
        data = nothing.structured_content
        assert data is not None and not nothing.is_error
        assert data == {**data, "hits": [], "covered": False, "confidence": 0.0}
        assert "llms.txt" in data["next_step"] and SUPPORT_EMAIL in data["next_step"]


@pytest.mark.anyio
async def test_the_threshold_is_what_the_server_applies(
    server: MCPServer[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same search flips between covered and not covered as the threshold moves past its
    confidence: the server reads the threshold, it does not keep its own."""
    async with Client(server) as client:
        first = await client.call_tool("search_docs", {"query": "what does a 402 mean"})
        assert first.structured_content is not None
        confidence = first.structured_content["confidence"]
        assert 0 < confidence < 1
        monkeypatch.setattr(hits_module, "COVERED_THRESHOLD", confidence + 0.001)
        above = await client.call_tool("search_docs", {"query": "what does a 402 mean"})
        assert above.structured_content is not None and above.structured_content["covered"] is False
        monkeypatch.setattr(hits_module, "COVERED_THRESHOLD", confidence)
        at = await client.call_tool("search_docs", {"query": "what does a 402 mean"})
        assert at.structured_content is not None and at.structured_content["covered"] is True
