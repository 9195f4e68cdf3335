"""Ranked search over the bundle's sections: BM25 with heading and title boosts, query expansion
by synonyms, and page priors (recipes lead only when code is asked for, a model's page when the
model is named).

The index is built on the first search, from the sections a ``DocsBundle`` reads.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from pydantic import BaseModel, Field

from pixapi_mcp import contract
from pixapi_mcp.docs.bundle import DocsBundle, Section, model_page_name


class SearchHit(BaseModel):
    """One ranked section: read ``uri`` (or the whole page) for more."""

    page: str = Field(description="Docs page name; the whole page is pixapi://docs/<page>.")
    heading: str = Field(description="The section heading.")
    uri: str = Field(description="Resource URI of this section: pixapi://docs/<page>#<anchor>.")
    score: float = Field(description="Relevance (higher is better); only comparable within one search.")
    text: str = Field(description="The section's markdown, cut short when the size budget ran out.")
    truncated: bool = Field(default=False, description="True when text was cut to respect max_chars.")


_TOKEN = re.compile(r"[a-z0-9]+(?:[._/-][a-z0-9]+)*")
_STOPWORDS = frozenset(
    re.findall(
        r"\S+",
        "a an and are as at be by can do does for from get got how i if in into is it its me my of on or so the "
        "their then there this to use using want was what when where which who why will with you your should "
        "would could i'm im we our mean means meaning",
    )
)
_KEEP_SHORT = frozenset({"n", "go", "js", "ts", "py", "v1", "4k", "2k", "id"})


def _stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    # (suffix, replacement): "authentication" and "authenticate" both become "authenticat".
    for suffix, replacement in (
        ("ations", "at"),
        ("ation", "at"),
        ("ings", ""),
        ("ing", ""),
        ("ies", "y"),
        ("ed", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            break
    else:
        if (word.endswith("es") and word[-3:-2] in ("s", "x")) or word.endswith(("ches", "shes")):
            word = word[:-2]
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 4 and word[-1] == word[-2] and word[-1] in "lt":
        word = word[:-1]  # polling -> poll, not polll; submitted -> submit
    return word


def tokenize(text: str) -> list[str]:
    """Search terms: whole compounds (``nano-banana-pro``, ``b64_json``) plus their stemmed parts."""
    terms: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        word = match.group(0).strip("._/-")
        parts = [p for p in re.split(r"[._/-]+", word) if p]
        if len(parts) > 1:
            terms.append(word)
        for part in parts:
            if part in _STOPWORDS or (len(part) < 2 and part not in _KEEP_SHORT):
                continue
            terms.append(_stem(part))
    return terms


# Query expansion, one group a line: the first word (a stemmed term) also searches for the others,
# at half weight.
_SYNONYM_GROUPS = """
video veo wan animat image-to-video input_image clip movie mp4
animat video image-to-video input_image motion
movie video
clip video
edit multipart edits image upload form-data reference
upload multipart edit file image
file upload multipart
multipart edit upload form-data
poll task status tasks progress backoff
task poll status async
status task poll complet fail
wait poll task status
done complet result
finish complet
key authenticat bearer authorization token
auth authenticat bearer key authorization
authenticat bearer key authorization
token bearer key
secret key server-side
price credit pric cost
pric credit cost
cost credit pric
credit pric cost
charg credit bill
pay credit 402
error status retry fail
retry backoff 429 error timeout
429 rate limit retry backoff
rate 429 limit
limit 429 rate
402 credit payment
401 key authenticat bearer
404 not found
timeout retry re-post
length duration second
second duration
base64 b64_json response_format
url data[0].url
model catalog models
size resolution aspect
resolution size
aspect size 16:9
ratio size 16:9
async task /v1/async
mistak wrong rule
wrong mistak rule
generat generations
nano banana gemini
"""


def _expansions() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in _SYNONYM_GROUPS.strip().splitlines():
        head, *rest = line.split()
        table[head] = tuple(dict.fromkeys([*table.get(head, ()), *rest]))
    return table


_SYNONYMS = _expansions()
_CODE_INTENT = frozenset(
    {
        "example",
        "code",
        "sample",
        "snippet",
        "program",
        "script",
        "recipe",
        "implement",
        "integrat",
        "write",
        "sdk",
        "client",
        "librari",
        "complet",
    }
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


@dataclass(frozen=True, slots=True)
class _Doc:
    section: Section
    weights: dict[str, float]
    length: float


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
            for term in tokenize(self.bundle.title(section.page) + " " + section.page.replace("-", " ")):
                weights[term] = weights.get(term, 0.0) + _TITLE_WEIGHT
            docs.append(_Doc(section, weights, sum(weights.values())))
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.weights.keys())
        total = len(docs) or 1
        idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in df.items()}
        avg = sum(d.length for d in docs) / total
        return docs, idf, avg or 1.0

    def _query_terms(self, query: str) -> tuple[dict[str, float], set[str]]:
        weights: dict[str, float] = {}
        lowered = query.lower()
        boosted_pages: set[str] = set()
        # Model names and aliases typed with spaces ("nano banana pro") select their model page.
        names = sorted(
            ((name, info) for info in contract.CATALOG for name in (info.id, *info.aliases)),
            key=lambda pair: -len(pair[0]),
        )
        for name, info in names:
            pattern = (
                r"(?<![\w.-])" + r"[\s_-]*".join(re.escape(p) for p in re.split(r"[-_]", name)) + r"(?![\w.])"
            )
            if re.search(pattern, lowered):
                boosted_pages.add(model_page_name(info.id))
                lowered = re.sub(pattern, " ", lowered)
                weights[info.id] = weights.get(info.id, 0.0) + 2.0
        base = tokenize(query)
        for term in base:
            weights[term] = max(weights.get(term, 0.0), 1.0)
        if {"image", "video"} <= set(base) or {"imag", "video"} <= set(base):
            weights.setdefault("image-to-video", 1.0)
        for term in base:
            for synonym in _SYNONYMS.get(term, ()):
                for expanded in tokenize(synonym) or [synonym]:
                    weights.setdefault(expanded, 0.5)
        return weights, boosted_pages

    def _priors(self, query_terms: Iterable[str], boosted: set[str]) -> dict[str, float]:
        """Page multipliers: recipes only lead when code is asked for, model pages when their model is
        named, and a page whose title the query spells out gets a lift."""
        terms = set(query_terms)
        code_intent = bool(terms & _CODE_INTENT)
        priors: dict[str, float] = {}
        for name in self.bundle.pages:
            title_terms = {t for t in tokenize(self.bundle.title(name)) if "-" not in t and "." not in t}
            covered = len(title_terms & terms) / len(title_terms) if title_terms else 0.0
            prior = 1.0 + 0.5 * covered if covered >= 0.5 else 1.0
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
        for page in boosted:
            priors[page] = max(priors.get(page, 1.0), 1.0) * 2.0
        return priors

    def search(self, query: str, *, max_chars: int = 6000, limit: int = 5) -> list[SearchHit]:
        """The sections that best answer ``query``, best first: at most ``limit`` hits, at most two
        per page, whose texts add up to no more than ``max_chars`` (the last one is cut short)."""
        docs, idf, avg = self._index
        terms, boosted = self._query_terms(query)
        if not terms:
            return []
        priors = self._priors(terms, boosted)
        raw: list[tuple[float, Section]] = []
        for doc in docs:
            score = 0.0
            for term, weight in terms.items():
                tf = doc.weights.get(term)
                if tf:
                    norm = tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * doc.length / avg))
                    score += weight * idf.get(term, 0.0) * norm
            if score > 0:
                raw.append((score, doc.section))
        by_page: dict[str, list[float]] = {}
        for score, section in raw:
            by_page.setdefault(section.page, []).append(score)
        page_totals = {page: sum(sorted(values, reverse=True)[:3]) for page, values in by_page.items()}
        scored = [
            (
                (score + _PAGE_WEIGHT * max(0.0, page_totals[section.page] - score))
                * priors.get(section.page, 1.0),
                section,
            )
            for score, section in raw
        ]
        scored.sort(key=lambda pair: (-pair[0], pair[1].page, pair[1].anchor))
        hits: list[SearchHit] = []
        per_page: Counter[str] = Counter()
        budget = max_chars
        for score, section in scored:
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
            hits.append(
                SearchHit(
                    page=section.page,
                    heading=section.heading,
                    uri=section.uri,
                    score=round(score, 3),
                    text=text,
                    truncated=truncated,
                )
            )
        return hits
