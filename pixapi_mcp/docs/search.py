"""Ranked search over the bundle's sections, and how sure it is.

Ranking: BM25 with heading and title boosts, query expansion by synonyms, and page priors (recipes
lead only when code is asked for, a model's page when the model is named). Questions in Chinese,
German and Italian reach the English sections through ``lexicon``'s term maps.

Confidence: each hit carries the estimated probability that it is a section that answers the
question, the product of two fitted logistic models (see ``Features`` and ``_confidence``):
P(the bundled docs answer the question at all), from the share of the question the docs never
mention, whether it asks about a known gap (``coverage.GAPS``: a credit balance, cancelling, an
SLA...) that the best hit does not mention, the best hit's coverage and score; and P(this hit is
a right section | they do), from the hit's coverage, score and score relative to the best hit.
Both are fitted on the question set ``tests/docs/questions.toml`` (answerable questions with
their sections, and questions the docs cannot answer) by ``python -m bench.search_quality --fit``,
which also prints how well calibrated the confidences are there and on held-out questions. A
search whose best hit is below ``COVERED_THRESHOLD`` (0.5: more likely wrong than right) is "not
covered": the bundled docs most likely do not answer it.

The index (with each term's postings) and everything that does not depend on the query (page
titles' terms, model-name patterns) are built once, on the first search; a search visits only the
sections that share a term with the question, and works out the confidence of the hits it returns.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from pixapi_mcp import contract
from pixapi_mcp.docs.bundle import DocsBundle, Section, model_page_name
from pixapi_mcp.docs.coverage import gaps_in
from pixapi_mcp.docs.hits import COVERED_THRESHOLD, INLINE_QUERY_CHARS, SearchHit, covered
from pixapi_mcp.docs.lexicon import SYNONYMS, analyze, tokenize

__all__ = ["COVERED_THRESHOLD", "INLINE_QUERY_CHARS", "Features", "SearchHit", "SearchIndex", "covered"]

# The fitted logistic models, bias first, then one weight per feature (see ``Features``):
# whether the docs answer the question at all, and whether a hit is a right section if they do.
_ANSWERABLE_WEIGHTS = (-4.12, -1.21, -5.82, 2.17, 2.52)
_RIGHT_WEIGHTS = (-7.85, -0.11, 0.76, 6.42)

Features = tuple[tuple[float, float, float, float], tuple[float, float, float]]
"""A hit as the confidence model sees it. First the question's features, the same for every hit:
the idf-weighted share of the question's own terms that no section contains; 1.0 when the question
asks about a known gap of the docs (``coverage.GAPS``) that the best hit never mentions (else 0.0);
the best hit's coverage; log(1 + the best score). Then the hit's: its coverage (the idf-weighted
share of the question's own terms the section contains, a synonym counting half), log(1 + score)
and score / best score."""


_CODE_INTENT = frozenset(
    term
    for word in [
        "example",
        "code",
        "sample",
        "snippet",
        "program",
        "script",
        "recipe",
        "implement",
        "integrate",
        "write",
        "sdk",
        "client",
        "library",
    ]
    for term in tokenize(word)
)
_LANGUAGE_WORDS: dict[str, tuple[str, bool]] = {
    # word -> (recipe page, unambiguous without a code word)
    "python": ("recipe-python", True),
    "httpx": ("recipe-python", True),
    "py": ("recipe-python", False),
    "request": ("recipe-python", False),
    "node": ("recipe-node", True),
    "nodej": ("recipe-node", True),
    "javascript": ("recipe-node", True),
    "typescript": ("recipe-node", True),
    "js": ("recipe-node", False),
    "ts": ("recipe-node", False),
    "fetch": ("recipe-node", False),
    "golang": ("recipe-go", True),
    "go": ("recipe-go", False),
    "java": ("recipe-java", True),
    "php": ("recipe-php", True),
    "curl": ("recipe-curl", True),
    "bash": ("recipe-curl", True),
    "shell": ("recipe-curl", False),
    "sh": ("recipe-curl", False),
}
_K1, _B = 1.2, 0.6
_PAGE_WEIGHT = 0.3  # how much the rest of a page's matching sections lift each of its sections
_HEADING_WEIGHT, _TITLE_WEIGHT = 3.0, 1.5
_SYNONYM_WEIGHT = 0.5  # a synonym's weight in the query, and its credit in the coverage
_TITLE_PRIOR, _TITLE_PRIOR_MIN = 0.5, 1.0  # the lift of a page whose title the question spells out
_PROGRAM_LIFT = 1.5  # a recipe's program section leads its page when code is asked for
_HEADING_LIFT = 0.15  # the lift of a section whose heading the question spells out (synonyms count half)


@dataclass(frozen=True, slots=True)
class _Doc:
    section: Section
    weights: dict[str, float]
    length: float
    heading: frozenset[str]  # the heading's own terms (for the heading lift)


@dataclass(frozen=True, slots=True)
class _Query:
    """A question as the index sees it: weighted terms (with synonyms), the question's own terms
    with their share of its meaning (for coverage), and the model pages it names."""

    weights: dict[str, float]
    own: dict[str, float]
    boosted: frozenset[str]
    gaps: tuple[str, ...]
    code: bool


@dataclass(frozen=True, slots=True)
class _Ranked:
    section: Section
    score: float
    features: Features
    confidence: float


def logistic(weights: tuple[float, ...], features: tuple[float, ...]) -> float:
    """σ(bias + Σ weight × feature)."""
    z = weights[0] + sum(w * x for w, x in zip(weights[1:], features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _confidence(features: Features) -> float:
    """P(the docs answer the question) × P(this hit is a right section | they do)."""
    question, hit = features
    return logistic(_ANSWERABLE_WEIGHTS, question) * logistic(_RIGHT_WEIGHTS, hit)


class SearchIndex:
    """The BM25 index of a bundle's sections, built on first use; ``search`` ranks them."""

    def __init__(self, bundle: DocsBundle) -> None:
        self.bundle = bundle

    @cached_property
    def _index(self) -> tuple[list[_Doc], dict[str, float], float]:
        docs: list[_Doc] = []
        for section in self.bundle.sections:
            weights: dict[str, float] = {}
            for term in tokenize(section.text):
                weights[term] = weights.get(term, 0.0) + 1.0
            for term in tokenize(section.heading):
                weights[term] = weights.get(term, 0.0) + _HEADING_WEIGHT
            for term in tokenize(self._page_words(section.page)):
                weights[term] = weights.get(term, 0.0) + _TITLE_WEIGHT
            # A page's first section is headed by its title, which the title prior already weighs.
            heading = frozenset(
                t for t in tokenize(section.heading) if section.level > 1 and not _is_compound(t)
            )
            docs.append(_Doc(section, weights, sum(weights.values()), heading))
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.weights.keys())
        total = len(docs) or 1
        idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in df.items()}
        avg = sum(d.length for d in docs) / total
        return docs, idf, avg or 1.0

    @cached_property
    def _postings(self) -> dict[str, list[tuple[int, float]]]:
        """Term -> (section number, BM25 term-frequency factor) for each section that has it: a
        search visits only the sections that share a term with the question."""
        docs, _, avg = self._index
        postings: dict[str, list[tuple[int, float]]] = {}
        for number, doc in enumerate(docs):
            for term, tf in doc.weights.items():
                norm = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * doc.length / avg))
                postings.setdefault(term, []).append((number, norm))
        return postings

    def _page_words(self, page: str) -> str:
        """What every section of ``page`` is also about: its title and name, and for a recipe the
        names of its language (``typescript`` finds the Node.js recipe)."""
        languages = [word for word, (recipe, _) in _LANGUAGE_WORDS.items() if recipe == page]
        return " ".join([self.bundle.title(page), page.replace("-", " "), *languages])

    @cached_property
    def _unknown_idf(self) -> float:
        """The idf of a term no section has: the question asks about something the docs never say."""
        docs, _, _ = self._index
        total = len(docs) or 1
        return math.log(1 + (total + 0.5) / 0.5)

    @cached_property
    def _model_patterns(self) -> list[tuple[re.Pattern[str], str]]:
        """Model ids and aliases as typed with spaces ("nano banana pro"), longest first."""
        names = sorted(
            ((name, info.id) for info in contract.CATALOG for name in (info.id, *info.aliases)),
            key=lambda pair: -len(pair[0]),
        )
        return [
            (
                re.compile(
                    r"(?<![a-z0-9_.-])"
                    + r"[ _-]?".join(re.escape(p) for p in re.split(r"[-_]", name))
                    + r"(?![a-z0-9_.])"
                ),
                model_id,
            )
            for name, model_id in names
        ]

    @cached_property
    def _title_terms(self) -> dict[str, frozenset[str]]:
        return {
            name: frozenset(t for t in tokenize(self.bundle.title(name)) if "-" not in t and "." not in t)
            for name in self.bundle.pages
        }

    def _query(self, query: str) -> _Query:
        weights: dict[str, float] = {}
        own: dict[str, float] = {}
        lowered = query.lower()
        boosted: set[str] = set()
        for pattern, model_id in self._model_patterns:
            if pattern.search(lowered):
                boosted.add(model_page_name(model_id))
                lowered = pattern.sub(" ", lowered)
                weights[model_id] = weights.get(model_id, 0.0) + 2.0
                own[model_id] = max(own.get(model_id, 0.0), 1.0)
        base = analyze(query)
        for term, weight in base:
            weights[term] = max(weights.get(term, 0.0), weight)
            if not _is_compound(term):
                own[term] = max(own.get(term, 0.0), weight)
        terms = {term for term, _ in base}
        if {"imag", "video"} <= terms:
            weights.setdefault("image-to-video", 1.0)
        for term in terms:
            for synonym in SYNONYMS.get(term, ()):
                weights.setdefault(synonym, _SYNONYM_WEIGHT)
        return _Query(weights, own, frozenset(boosted), tuple(gaps_in(terms)), bool(terms & _CODE_INTENT))

    def _priors(self, query: _Query) -> dict[str, float]:
        """Page multipliers: recipes only lead when code is asked for, model pages when their model is
        named, and a page whose title the query spells out gets a lift."""
        terms = set(query.weights)
        own = set(query.own)
        code_intent = query.code
        priors: dict[str, float] = {}
        for name, title_terms in self._title_terms.items():
            covered = len(title_terms & own) / len(title_terms) if title_terms else 0.0
            prior = 1.0 + _TITLE_PRIOR * covered if covered >= _TITLE_PRIOR_MIN else 1.0
            if name.startswith("recipe-"):
                prior = 0.5
            elif name.startswith("model-") and name != "model-catalog":
                prior *= 0.7
            priors[name] = prior
        for word, (page, unambiguous) in _LANGUAGE_WORDS.items():
            if word in terms and (unambiguous or code_intent):
                priors[page] = 3.0
        if code_intent:
            for page in priors:
                priors[page] = max(priors[page], 0.9)
        for page in query.boosted:
            priors[page] = max(priors.get(page, 1.0), 1.0) * 2.0
        return priors

    def _unknown_share(self, query: _Query, idf: dict[str, float]) -> float:
        """The idf-weighted share of the question's own terms that no section contains: the part of
        the question the docs never talk about."""
        masses = [
            (weight * idf.get(term, self._unknown_idf), term in idf) for term, weight in query.own.items()
        ]
        total = sum(mass for mass, _ in masses)
        return sum(mass for mass, known in masses if not known) / total if total else 1.0

    def _coverage(self, query: _Query, doc: _Doc, idf: dict[str, float]) -> float:
        """The idf-weighted share of the question's own terms that ``doc`` contains (a synonym of a
        term found instead counts half)."""
        total = found = 0.0
        for term, weight in query.own.items():
            mass = weight * idf.get(term, self._unknown_idf)
            total += mass
            if term in doc.weights:
                found += mass
            elif any(s in doc.weights for s in SYNONYMS.get(term, ())):
                found += _SYNONYM_WEIGHT * mass
        return found / total if total else 0.0

    def _rank(self, query: str) -> Iterator[_Ranked]:
        """Every section that matches ``query``, best first, with its confidence (worked out only
        for the hits a caller takes)."""
        docs, idf, _ = self._index
        parsed = self._query(query)
        if not parsed.weights:
            return
        priors = self._priors(parsed)
        postings = self._postings
        sums: dict[int, float] = {}
        for term, weight in parsed.weights.items():
            entries = postings.get(term)
            if not entries:
                continue
            term_weight = weight * idf[term]  # hoisted: the same product, in the same order
            for number, norm in entries:
                sums[number] = sums.get(number, 0.0) + term_weight * norm
        raw = [(sums[number], docs[number]) for number in sorted(sums) if sums[number] > 0]
        by_page: dict[str, list[float]] = {}
        for score, doc in raw:
            by_page.setdefault(doc.section.page, []).append(score)
        page_totals = {page: sum(sorted(values, reverse=True)[:3]) for page, values in by_page.items()}
        weights = parsed.weights
        scored: list[tuple[float, _Doc]] = []
        for score, doc in raw:
            page = doc.section.page
            value = (
                (score + _PAGE_WEIGHT * max(0.0, page_totals[page] - score))
                * priors.get(page, 1.0)
                * (_PROGRAM_LIFT if parsed.code and doc.section.anchor == "program" else 1.0)
            )
            if not doc.heading.isdisjoint(weights):  # most sections: no heading lift (x 1.0)
                value *= 1.0 + _HEADING_LIFT * _heading_match(parsed, doc)
            scored.append((value, doc))
        scored.sort(key=lambda pair: (-pair[0], pair[1].section.page, pair[1].section.anchor))
        if not scored:
            return
        best, top = scored[0]
        question = (
            self._unknown_share(parsed, idf),
            1.0 if any(gap not in top.weights for gap in parsed.gaps) else 0.0,
            self._coverage(parsed, top, idf),
            math.log1p(best),
        )
        for score, doc in scored:
            features = (question, (self._coverage(parsed, doc, idf), math.log1p(score), score / best))
            yield _Ranked(doc.section, score, features, _confidence(features))

    def search(self, query: str, *, max_chars: int = 6000, limit: int = 5) -> list[SearchHit]:
        """The sections that best answer ``query``, best first: at most ``limit`` hits, at most two
        per page, whose texts add up to no more than ``max_chars`` (the last one is cut short).
        Each hit has a ``confidence``; ``covered`` tells whether the best one is good enough."""
        return [hit for hit, _ in self._hits(query, max_chars=max_chars, limit=limit)]

    def features(self, query: str, *, limit: int = 5) -> list[tuple[str, Features]]:
        """For calibration (bench/search_quality.py): each hit's uri with the confidence model's inputs."""
        return [(hit.uri, features) for hit, features in self._hits(query, max_chars=10**9, limit=limit)]

    def _hits(self, query: str, *, max_chars: int, limit: int) -> list[tuple[SearchHit, Features]]:
        hits: list[tuple[SearchHit, Features]] = []
        per_page: Counter[str] = Counter()
        budget = max_chars
        for ranked in self._rank(query):
            section = ranked.section
            if len(hits) >= limit or budget <= 0:
                break
            if per_page[section.page] >= 2:
                continue
            text, truncated = section.text, False
            if len(text) > budget:
                if hits and budget < 200:
                    break
                marker = f"\n[... cut to fit max_chars; read {section.uri}]"
                text = text[: max(0, budget - len(marker))].rstrip() + marker
                text = text[:budget]
                truncated = True
            per_page[section.page] += 1
            budget -= len(text)
            hit = SearchHit(
                page=section.page,
                heading=section.heading,
                uri=section.uri,
                score=round(ranked.score, 3),
                confidence=round(ranked.confidence, 3),
                text=text,
                truncated=truncated,
            )
            hits.append((hit, ranked.features))
        return hits

    def gaps(self, query: str) -> list[str]:
        """The known gaps of the docs (``coverage.GAPS``) that ``query`` asks about."""
        return list(self._query(query).gaps)


def _heading_match(query: _Query, doc: _Doc) -> float:
    """How much of the section's heading the question spells out, 0..1."""
    if doc.heading.isdisjoint(query.weights):  # most sections: nothing to add up
        return 0.0
    return sum(min(1.0, query.weights.get(term, 0.0)) for term in doc.heading) / len(doc.heading)


def _is_compound(term: str) -> bool:
    return any(sep in term for sep in "._/-") and len(term) > 1
