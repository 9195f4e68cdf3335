"""The estimate of what is sent (every basis, ``n`` wherever and however it was given) and the
session's credit book (hold, release, settle once), below the tools."""

from __future__ import annotations

from typing import Any

import pytest

from pixapi_mcp.contract import CreditEstimate, estimate_request
from pixapi_mcp.tools.guardrails import sent_fields
from pixapi_mcp.tools.state import SpendBook

VIDEO = 20.0


def estimate(**body: Any) -> CreditEstimate:
    return estimate_request(body, video_credits=VIDEO)


@pytest.mark.parametrize(
    ("body", "credits", "basis"),
    [
        ({"model": "nano-banana"}, 2.0, "documented"),  # "costs 2 credits per image"
        ({"model": "gemini-2.5-flash-image", "n": 3}, 6.0, "documented"),
        ({"model": "nano-banana-2", "size": "2048x2048"}, 4.0, "from"),  # a floor for the 2K tier
        ({"model": "nano-banana-pro", "n": "2"}, 16.0, "from"),
        ({"model": "gpt-image-2", "quality": "high", "n": 4.0}, 4.0, "from"),
        ({"model": "veo"}, VIDEO, "configured"),
        ({"model": "wan", "duration": 10}, VIDEO, "configured"),
        ({"model": "veo-3.1-fast"}, VIDEO, "configured"),
        ({"model": "nano-banana-4k"}, 8.0, "family"),  # the dearest documented Gemini image model
        ({"model": "gemini-4-flash-image", "n": 2}, 16.0, "family"),
        ({"model": "gpt-image-1", "n": 3}, 3.0, "family"),
        ({"model": "flux-pro"}, None, "unknown"),
        ({"model": "nano-banana", "n": "three"}, None, "unknown"),  # never read as 1 or 0
        ({"model": "nano-banana", "n": True}, None, "unknown"),
        ({"model": "nano-banana", "n": 1.5}, None, "unknown"),
        ({"model": "nano-banana", "n": 0}, None, "unknown"),
    ],
)
def test_estimate_bases(body: dict[str, Any], credits: float | None, basis: str) -> None:
    got = estimate(**body)
    assert (got.credits, got.basis) == (credits, basis)
    assert got.note and got.known == (credits is not None)


def test_notes_say_what_the_figure_is() -> None:
    assert "not from Pixapi's docs" in estimate(model="veo").note
    floor = estimate(model="nano-banana-2", size="2048x2048").note
    assert "a floor" in floor and "size=2048x2048" in floor
    assert "sets" not in estimate(model="nano-banana-2", size="auto").note  # auto selects no tier
    assert "no documented price" in estimate(model="gpt-image-1").note
    assert "no price" in estimate(model="flux-pro").note


@pytest.mark.parametrize(
    ("controls", "top", "n"),
    [({"n": 3}, None, 3), ({"n": "3"}, None, "3"), ({"n": 3}, 2, 2), (None, 4, 4), ({}, None, None)],
)
def test_sent_fields_merge_like_the_request_body(
    controls: dict[str, Any] | None, top: int | None, n: Any
) -> None:
    """Documented fields win over controls of the same name, as in contract requests' body()."""
    assert sent_fields(controls, model="m", n=top).get("n") == n


def test_book_holds_releases_and_settles_once() -> None:
    book = SpendBook()
    est = estimate(model="veo")
    first, total = book.reserve(20, est, None, cap=50)
    second, _ = book.reserve(20, est, None, cap=50)
    assert first is not None and second is not None and total == 0 and book.total == 40
    third, total = book.reserve(20, est, None, cap=50)
    assert third is None and total == 40 and book.total == 40  # refused: nothing held
    book.settle(first, 10)  # the charge replaces the estimate
    book.settle(first, 99)  # only the first settlement counts
    assert book.total == 30 and first.charged == 10
    book.release(second)
    assert book.total == 10 and book.held() == []


def test_book_reports_a_charge_above_max_credits() -> None:
    book = SpendBook()
    held, _ = book.reserve(5, estimate(model="veo"), 8, cap=100)
    assert held is not None and held.over_max_credits() is None
    book.settle(held, 10)
    assert "charged 10 credits, above max_credits=8" in (held.over_max_credits() or "")
