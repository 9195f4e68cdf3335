"""What a docs search answers: ``SearchHit``, and when its best hit counts as an answer.

Apart from ``search`` (the ranking itself), so the search_docs tool can declare its result and
the server can start without loading the index code and ``lexicon``'s term tables: they load on
the first search.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

# A search whose best hit has a lower confidence is "not covered": the best hit is more likely wrong
# than right. On the question set every question the docs cannot answer scores below it (the
# highest is about 0.41; bench/search_quality.py prints it).
COVERED_THRESHOLD = 0.5
# Longer queries are searched in a worker thread (the search_docs tool): their cost grows with
# their length (about 1 ms per 250 characters of unknown terms), a question's is a fraction of a
# thread hop.
INLINE_QUERY_CHARS = 256


class SearchHit(BaseModel):
    """One ranked section: read ``uri`` (or the whole page) for more."""

    page: str = Field(description="Docs page name; the whole page is pixapi://docs/<page>.")
    heading: str = Field(description="The section heading.")
    uri: str = Field(description="Resource URI of this section: pixapi://docs/<page>#<anchor>.")
    score: float = Field(description="Relevance (higher is better); only comparable within one search.")
    confidence: float = Field(
        description="Estimated probability (0..1) that this section answers the question; "
        f"below {COVERED_THRESHOLD} it is probably a guess."
    )
    text: str = Field(description="The section's markdown, cut short when the size budget ran out.")
    truncated: bool = Field(default=False, description="True when text was cut to respect max_chars.")


def covered(hits: list[SearchHit]) -> bool:
    """Whether the bundled docs answer the question: the best hit is confident enough."""
    return bool(hits) and hits[0].confidence >= COVERED_THRESHOLD
