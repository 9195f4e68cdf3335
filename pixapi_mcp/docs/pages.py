"""The bundled Pixapi docs: the ``llms/`` pages, ranked search over their sections, the MCP
resources, tools and prompts built on them, and ``pixapi-mcp docs sync``.

The bundle lives in the top-level ``llms/`` folder of the repository; wheels carry it as
``pixapi_mcp/llms`` (``pyproject.toml`` force-includes it). Some of its files are generated from
``contract.py`` (the model pages, the mistakes page, the catalog table, ``llms.txt`` and
``llms-full.txt``): ``python -m pixapi_mcp.docs`` rewrites them and a test fails when they drift.

Nothing happens at import time: the bundle is read on first use, and the MCP SDK and httpx2 are
imported only by the functions that need them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from pixapi_mcp import codecheck, contract
from pixapi_mcp.config import Settings

if TYPE_CHECKING:
    import httpx2
    from mcp.server import MCPServer
    from mcp_types import (
        Completion,
        CompletionArgument,
        CompletionContext,
        PromptReference,
        ResourceTemplateReference,
    )

log = logging.getLogger(__name__)

DOCS_SCHEME = "pixapi://docs/"
MODELS_SCHEME = "pixapi://models/"
PAGE_TEMPLATE = "pixapi://docs/{page}"
SECTION_TEMPLATE = "pixapi://docs/{page}#{anchor}"
MODEL_TEMPLATE = "pixapi://models/{model_id}"
MARKDOWN = "text/markdown"

# Where `docs sync` fetches from, and how long a synced copy is preferred over the bundle.
LIVE_SOURCES: dict[str, str] = {
    "llms.txt": "https://pixapi.ai/llms.txt",
    "llms-full.txt": "https://pixapi.ai/llms-full.txt",
}
CACHE_MAX_AGE_S = 7 * 24 * 3600
_MAX_DOC_BYTES = 5 * 1024 * 1024

_GUIDES = ("authentication", "image-to-video", "image-editing", "async-tasks", "errors")
_REFERENCE = ("api-reference", "model-catalog", "mistakes")
_RECIPES = ("recipe-curl", "recipe-python", "recipe-node", "recipe-go", "recipe-java", "recipe-php")


def model_page_name(model_id: str) -> str:
    return f"model-{model_id}"


def page_order() -> list[str]:
    """The order pages appear in llms.txt and llms-full.txt (unknown pages follow, sorted)."""
    return [*_GUIDES, *_REFERENCE, *(model_page_name(m.id) for m in contract.CATALOG), *_RECIPES]


# --------------------------------------------------------------------------------------------
# Locating and reading the bundle
# --------------------------------------------------------------------------------------------


def bundle_root() -> Traversable:
    """The docs bundle: ``pixapi_mcp/llms`` in an installed wheel, else the repository's top-level
    ``llms/`` next to the package (a checkout or an editable install)."""
    packaged = resources.files("pixapi_mcp") / "llms"
    if packaged.is_dir() and (packaged / "llms.txt").is_file():
        return packaged
    repo = Path(__file__).resolve().parent.parent / "llms"
    if (repo / "llms.txt").is_file():
        return repo
    raise FileNotFoundError(
        "The Pixapi docs bundle (llms/) is missing from this installation; reinstall pixapi-mcp."
    )


@dataclass(frozen=True, slots=True)
class Section:
    """A part of a page under one heading (the first one holds the title and summary)."""

    page: str
    anchor: str
    heading: str
    level: int
    text: str

    @property
    def uri(self) -> str:
        return f"{DOCS_SCHEME}{self.page}#{self.anchor}"


class SearchHit(BaseModel):
    """One ranked section: read ``uri`` (or the whole page) for more."""

    page: str = Field(description="Docs page name; the whole page is pixapi://docs/<page>.")
    heading: str = Field(description="The section heading.")
    uri: str = Field(description="Resource URI of this section: pixapi://docs/<page>#<anchor>.")
    score: float = Field(description="Relevance (higher is better); only comparable within one search.")
    text: str = Field(description="The section's markdown, cut short when the size budget ran out.")
    truncated: bool = Field(default=False, description="True when text was cut to respect max_chars.")


_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def slugify(heading: str) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_~\[\]()<>]", "", heading.strip().lower())
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"\s+", "-", text).strip("-") or "section"


def split_sections(page: str, text: str) -> list[Section]:
    """``text`` cut at its #, ## and ### headings (never inside code fences)."""
    sections: list[Section] = []
    seen: Counter[str] = Counter()
    heading, level, lines = page, 1, list[str]()
    fenced = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if not body:
            return
        base = slugify(heading)
        anchor = base if not seen[base] else f"{base}-{seen[base]}"
        seen[base] += 1
        sections.append(Section(page, anchor, heading, level, body))

    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match is not None:
            flush()
            heading, level, lines = match.group(2).strip(), len(match.group(1)), [line]
        else:
            lines.append(line)
    flush()
    return sections


def page_title(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def page_summary(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("> "):
            return line[2:].strip()
    return ""


def page_sources(text: str) -> list[str]:
    for line in text.splitlines():
        if line.startswith("Source:"):
            return re.findall(r"https?://[^\s)>\]]+", line)
    return []


# --------------------------------------------------------------------------------------------
# Search: BM25 over sections, with heading boosts, synonyms and page priors
# --------------------------------------------------------------------------------------------

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


class DocsBundle:
    """The docs pages and their sections, read once on first use; ``search`` ranks sections."""

    def __init__(self, root: Traversable | None = None) -> None:
        self._root = root

    @cached_property
    def root(self) -> Traversable:
        return self._root if self._root is not None else bundle_root()

    @cached_property
    def pages(self) -> dict[str, str]:
        """Page name -> markdown, in ``page_order()``."""
        folder = self.root / "pages"
        found = {
            item.name[:-3]: item.read_text(encoding="utf-8")
            for item in folder.iterdir()
            if item.name.endswith(".md") and item.is_file()
        }
        order = [name for name in page_order() if name in found]
        return {name: found[name] for name in [*order, *sorted(set(found) - set(order))]}

    @cached_property
    def sections(self) -> list[Section]:
        return [section for name, text in self.pages.items() for section in split_sections(name, text)]

    def bundled_file(self, name: Literal["llms.txt", "llms-full.txt"]) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def page_names(self) -> list[str]:
        return list(self.pages)

    def resolve_page(self, name: str) -> str | None:
        """The page a user-typed name means (``Errors``, ``errors.md``), or None."""
        key = name.strip().lower()
        key = key[:-3] if key.endswith(".md") else key
        if key in self.pages:
            return key
        info = contract.lookup_model(key.removeprefix("model-"))
        if info is not None and model_page_name(info.id) in self.pages:
            return model_page_name(info.id)
        return None

    def section(self, page: str, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.page == page and s.anchor == anchor.lower()), None)

    def anchors(self, page: str) -> list[str]:
        return [s.anchor for s in self.sections if s.page == page]

    def title(self, page: str) -> str:
        return page_title(self.pages.get(page, "")) or page

    def summary(self, page: str) -> str:
        return page_summary(self.pages.get(page, ""))

    def model_page(self, model_id_or_alias: str) -> str | None:
        """The page of a catalog model, by id or alias (case-insensitive)."""
        info = contract.lookup_model(model_id_or_alias)
        return self.pages.get(model_page_name(info.id)) if info else None

    @cached_property
    def _index(self) -> tuple[list[_Doc], dict[str, float], float]:
        docs: list[_Doc] = []
        for section in self.sections:
            weights: dict[str, float] = {}
            for term in tokenize(section.text):
                weights[term] = weights.get(term, 0.0) + 1.0
            for term in tokenize(section.heading):
                weights[term] = weights.get(term, 0.0) + _HEADING_WEIGHT
            for term in tokenize(self.title(section.page) + " " + section.page.replace("-", " ")):
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
        for name in self.pages:
            title_terms = {t for t in tokenize(self.title(name)) if "-" not in t and "." not in t}
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


# --------------------------------------------------------------------------------------------
# Generated files: model pages, the mistakes page, the catalog table, llms.txt, llms-full.txt
# --------------------------------------------------------------------------------------------

_GENERATED_PAGES_NOTE = (
    "<!-- Generated from pixapi_mcp/contract.py by `python -m pixapi_mcp.docs`; do not edit. -->"
)
_LINKS = {
    contract.API_REFERENCE_URL: "API Reference",
    contract.LLMS_FULL_URL: "llms-full.txt",
    "https://pixapi.ai/": "Pixapi home",
    "https://pixapi.ai/model/gemini-2.5-flash-image": "Gemini 2.5 Flash Image model page",
    "https://pixapi.ai/image-generation-api": "Image Generation API",
}

# Facts from the captured pages that the catalog does not hold, per model.
_MODEL_NOTES: dict[str, tuple[str, ...]] = {
    "gemini-2.5-flash-image": (
        "Pixapi's recommended Nano Banana model id is `nano-banana`, the alias of this model; the canonical "
        "id `gemini-2.5-flash-image` is equivalent and costs the same.",
        "Credits are billed per successful image output.",
        "Use `n` to request several images in one call.",
        "Use `/v1/async/images/generations` or `/v1/async/images/edits` for task-based async processing.",
        "Suggested for fast prompt-to-image output and cost-efficient previews.",
    ),
    "gemini-3.1-flash-image-preview": (
        "Outputs come in 512, standard, 2K and 4K tiers, chosen with `size`.",
    ),
    "gemini-3-pro-image-preview": (
        "Standard, 2K and 4K outputs are chosen with `size`.",
        "Suggested (with `gpt-image-2`) for higher-quality campaign assets and composition control.",
    ),
    "gpt-image-1.5": ("Strong prompt adherence, text rendering and commercial composition.",),
    "gpt-image-2": (
        "Quality tiers (`quality`: `low`, `medium`, `high`, `auto`) and custom `WIDTHxHEIGHT` sizes.",
        "Suggested (with `gemini-3-pro-image-preview`) for higher-quality campaign assets.",
    ),
    "veo": (
        "Video is async-only: submit to `POST /v1/async/videos/generations`, then poll `GET /v1/tasks/{id}`.",
        "For image-to-video, pass an image URL (for example `data[0].url` from a Nano Banana image) as "
        "`input_image`; set the length with `duration` in seconds.",
    ),
    "wan": (
        "Pixapi's docs name `wan` as a video model id beside `veo`; the captured docs have no Wan-specific page, "
        "so sizes and durations are those of the video endpoint in general.",
        "Video is async-only: submit to `POST /v1/async/videos/generations`, then poll `GET /v1/tasks/{id}`.",
    ),
}

# A wrong and a right example per rule, for the mistakes page.
_RULE_EXAMPLES: dict[str, tuple[str, str]] = {
    "async-endpoint": (
        'POST /v1/images/generations?async=true, or {"async": true}',
        "POST /v1/async/images/generations",
    ),
    "video-async-only": ("POST /v1/videos/generations", "POST /v1/async/videos/generations"),
    "unknown-endpoint": ("POST /v1/images/generate", "POST /v1/images/generations"),
    "model-required": ('{"prompt": "A cup"}', '{"model": "nano-banana", "prompt": "A cup"}'),
    "prompt-required": ('{"model": "nano-banana"}', '{"model": "nano-banana", "prompt": "A cup"}'),
    "unknown-model": ('{"model": "nano-bannana"}', '{"model": "nano-banana"}'),
    "video-model-on-image-endpoint": (
        'POST /v1/images/generations {"model": "veo"}',
        'POST /v1/async/videos/generations {"model": "veo"}',
    ),
    "image-model-on-video-endpoint": (
        'POST /v1/async/videos/generations {"model": "nano-banana"}',
        '{"model": "veo", "input_image": "<image url>"}',
    ),
    "input-image-field": ('{"image_url": "https://..."}', '{"input_image": "https://..."}'),
    "duration-field": ('{"seconds": 8}', '{"duration": 8}'),
    "duration-value": ('{"duration": 0}', '{"duration": 8}'),
    "input-image-url": (
        '{"input_image": "./cup.png"}',
        '{"input_image": "https://cdn.pixapi.ai/generated/image.png"}',
    ),
    "response-format-value": ('{"response_format": "png"}', '{"response_format": "b64_json"}'),
    "quality-value": ('{"quality": "hd"}', '{"quality": "high"}'),
    "size-value": ('{"size": "1024*1024"}', '{"size": "1024x1024"}'),
    "n-value": ('{"n": 0}', '{"n": 1}'),
    "edit-multipart": (
        "POST /v1/images/edits with a JSON body",
        '-F "model=nano-banana" -F "prompt=..." -F "image=@cup.png"',
    ),
    "image-url-field": ("image.result.data[0].url", "image.data[0].url"),
    "task-result-field": ("task.data[0].url", "task.result.data[0].url"),
    "task-polling": (
        'while task["status"] != "done"',
        'poll until task["status"] in ("completed", "failed")',
    ),
    "bearer-auth": ("Authorization: $PIXAPI_KEY", "Authorization: Bearer $PIXAPI_KEY"),
    "key-server-side": (
        'NEXT_PUBLIC_PIXAPI_KEY, or PIXAPI_KEY = "sk-..." in source',
        "process.env.PIXAPI_KEY read on the server",
    ),
}


def _source_line(urls: Iterable[str]) -> str:
    unique = list(dict.fromkeys(u for u in urls if u))
    return "Source: " + ", ".join(f"[{_LINKS.get(u, u)}]({u})" for u in unique)


def _credits(info: contract.ModelInfo) -> str:
    if info.credits_from is None:
        return (
            f"not given in the captured Pixapi docs; check the live pricing page (https://pixapi.ai/pricing) "
            f"before estimating {info.category} cost"
        )
    return f"from {_credit_count(info.credits_from)} per {info.unit}"


def _credit_count(credits: float) -> str:
    return f"{credits:g} credit" if credits == 1 else f"{credits:g} credits"


def render_model_page(info: contract.ModelInfo) -> str:
    """The bundle page of one catalog model (``model-<id>``)."""
    kind = "Image" if info.category == "image" else "Video"
    alias_clause = (
        f"; alias {', '.join(f'`{a}`' for a in info.aliases)} (same model, same price)"
        if info.aliases
        else ""
    )
    price = _credits(info)
    endpoints = ", ".join(f"`POST {e.value}`" for e in info.endpoints)
    if info.category == "image":
        returns = "`created`, `data[].url` (or `data[].b64_json`); async endpoints return a task"
    else:
        returns = "a task (`id`, `status`); when `completed`, `GET /v1/tasks/{id}` has `result.data[0].url`"
    sizes = ", ".join(f"`{s}`" for s in info.sizes) or "see the API reference"
    if info.size_notes:
        sizes += f". {info.size_notes}"
    lines = [
        f"# {info.name}: `{info.id}`",
        "",
        _source_line([info.source, contract.API_REFERENCE_URL, contract.LLMS_FULL_URL]),
        "",
        f"> {kind} model `{info.id}`{alias_clause}: {info.summary.rstrip('.')}. Price: {price}.",
        "",
        _GENERATED_PAGES_NOTE,
        "",
        "## Facts",
        "",
        "| Field | Value |",
        "|---|---|",
        f"| Model id | `{info.id}` |",
        f"| Aliases | {', '.join(f'`{a}`' for a in info.aliases) or 'none'} |",
        f"| Category | {info.category} |",
        f"| Provider | {info.provider or 'not stated in the docs'} |",
        f"| Capabilities | {', '.join(info.capabilities)} |",
        f"| Endpoints | {endpoints} |",
        "| Required fields | `model`, `prompt` |",
        f"| Returns | {returns} |",
        f"| Starting price | {price} |",
        f"| Sizes | {sizes} |",
    ]
    if info.docs_url:
        lines.append(f"| Pixapi docs | {info.docs_url} |")
    lines += ["", "## Pricing", ""]
    if info.credits_from is None:
        lines.append(
            f"The captured Pixapi pages give no per-{info.unit} price for `{info.id}`. Check the live pricing page, "
            "https://pixapi.ai/pricing, and the task's `credits_cost` (credits charged after completion)."
        )
    else:
        alias_note = (
            f" The alias {', '.join(f'`{a}`' for a in info.aliases)} costs the same." if info.aliases else ""
        )
        lines.append(
            f"From {_credit_count(info.credits_from)} per {info.unit} (the documented starting price).{alias_note} The "
            "final charge follows the actual output and settings; the live pricing page "
            "(https://pixapi.ai/pricing) wins over this figure."
        )
    lines += ["", "## Request example", ""]
    model = info.aliases[0] if info.aliases else info.id
    if info.category == "image":
        lines += [
            "```bash",
            "curl https://api.pixapi.ai/v1/images/generations \\",
            '  -H "Authorization: Bearer $PIXAPI_KEY" \\',
            '  -H "Content-Type: application/json" \\',
            f'  -d \'{{"model": "{model}", "prompt": "A cinematic product photo of a ceramic coffee cup", '
            '"n": 1, "size": "1024x1024"}\'',
            "```",
            "",
            "The image URL is `data[0].url` of the answer.",
        ]
    else:
        lines += [
            "```bash",
            "curl https://api.pixapi.ai/v1/async/videos/generations \\",
            '  -H "Authorization: Bearer $PIXAPI_KEY" \\',
            '  -H "Content-Type: application/json" \\',
            f'  -d \'{{"model": "{model}", "prompt": "Slow camera push-in, steam rising from the cup", '
            '"input_image": "https://cdn.pixapi.ai/generated/image.png", "duration": 8}\'',
            "```",
            "",
            "The answer is a task: poll `GET /v1/tasks/{id}` until `status` is `completed` or `failed`, then read "
            "`result.data[0].url` ([async-tasks](pixapi://docs/async-tasks), "
            "[image-to-video](pixapi://docs/image-to-video)).",
        ]
    notes = _MODEL_NOTES.get(info.id, ())
    if notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def render_mistakes_page() -> str:
    """The ``mistakes`` page: every contract rule with what is wrong, the fix and an example."""
    lines = [
        "# Common mistakes (contract rules)",
        "",
        _source_line([contract.API_REFERENCE_URL, contract.LLMS_FULL_URL]),
        "",
        "> Every rule of Pixapi's documented contract that pixapi-mcp enforces and check_code looks for: "
        "what is wrong, the fix, and an example.",
        "",
        _GENERATED_PAGES_NOTE,
        "",
        "Request rules are checked on every request pixapi-mcp sends (a request that breaks one never leaves "
        "the machine) and in request bodies given to `check_code`; code rules are found by `check_code` in "
        "integration code.",
    ]
    for rule in contract.RULES:
        where = (
            "every request, and `check_code`"
            if rule.scope == "request"
            else "`check_code`, in integration code"
        )
        lines += [
            "",
            f"## {rule.id}",
            "",
            f"- Rule: {rule.summary}",
            f"- Fix: {rule.message}",
        ]
        example = _RULE_EXAMPLES.get(rule.id)
        if example is not None:
            lines.append(f"- Wrong: `{example[0]}`; right: `{example[1]}`")
        lines += [
            f"- Checked by: {where}",
            f"- Read more: [{codecheck.docs_uri_for(rule.id)}]({codecheck.docs_uri_for(rule.id)}), "
            f"Pixapi: {rule.docs_url}",
        ]
    return "\n".join(lines) + "\n"


def render_catalog_table() -> str:
    rows = [
        "| Model id | Aliases | Category | Capabilities | Endpoints | Starting credits | Page |",
        "|---|---|---|---|---|---|---|",
    ]
    for info in contract.CATALOG:
        aliases = ", ".join(f"`{a}`" for a in info.aliases) or "-"
        endpoints = (
            "video (async-only)"
            if info.category == "video"
            else "image generations and edits (sync or async)"
        )
        credits = (
            f"from {info.credits_from:g} / {info.unit}" if info.credits_from is not None else "not documented"
        )
        page = model_page_name(info.id)
        rows.append(
            f"| `{info.id}` | {aliases} | {info.category} | {', '.join(info.capabilities)} | {endpoints} | "
            f"{credits} | [{page}](pixapi://docs/{page}) |"
        )
    return "\n".join(rows)


def _fill_region(text: str, name: str, content: str) -> str:
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"generated region {name!r} is missing")
    return text[: start + len(begin)] + "\n" + content + "\n" + text[stop:]


def render_index(pages: Mapping[str, str]) -> str:
    """``llms.txt``: one line per page, with its resource URI and summary."""
    groups = (
        ("Guides", [p for p in _GUIDES if p in pages]),
        ("Reference", [p for p in _REFERENCE if p in pages]),
        ("Models", [p for p in pages if p.startswith("model-") and p != "model-catalog"]),
        ("Recipes: complete image-to-video programs", [p for p in _RECIPES if p in pages]),
    )
    listed = {p for _, names in groups for p in names}
    others = [p for p in pages if p not in listed]
    lines = [
        "# Pixapi (pixapi-mcp docs bundle)",
        "",
        "> Pixapi is a unified, OpenAI-compatible API for image and video generation (Nano Banana and Gemini "
        "image models, GPT Image, Veo, Wan) with one Bearer key and one credit ledger. This bundle is the "
        "pixapi-mcp project's reference, written from Pixapi's public docs (https://pixapi.ai/llms-full.txt, "
        "https://pixapi.ai/docs/api-reference/); read each page as the MCP resource shown.",
        "",
        "Base URL `https://api.pixapi.ai`; every request sends `Authorization: Bearer $PIXAPI_KEY`. Images: "
        "`POST /v1/images/generations` -> `data[0].url`. Video (async-only): `POST /v1/async/videos/generations` "
        "-> poll `GET /v1/tasks/{id}` -> `result.data[0].url`. Everything in one file: "
        "pixapi://docs/llms-full.txt",
    ]
    for heading, names in (*groups, ("More", others)):
        if not names:
            continue
        lines += ["", f"## {heading}", ""]
        lines += [
            f"- [{page_title(pages[p]) or p}]({DOCS_SCHEME}{p}): {page_summary(pages[p])}" for p in names
        ]
    return "\n".join(lines) + "\n"


def render_full(pages: Mapping[str, str]) -> str:
    """``llms-full.txt``: the whole bundle in one file, page by page."""
    parts = [
        "# Pixapi reference (pixapi-mcp docs bundle, all pages)\n\n"
        "> Every page of the pixapi-mcp docs bundle in one file. Each page starts with a comment naming its "
        "resource URI (pixapi://docs/<page>) and a Source line citing the pixapi.ai pages its facts come from.\n"
    ]
    for name, text in pages.items():
        parts.append(f"<!-- {DOCS_SCHEME}{name} -->\n\n{text.strip()}\n")
    return "\n---\n\n".join(parts)


def generate_bundle(root: Path) -> dict[str, str]:
    """Every generated file of the bundle at ``root`` (relative path -> content), computed from the
    hand-written pages there and from ``contract``."""
    pages_dir = root / "pages"
    generated: dict[str, str] = {}
    for info in contract.CATALOG:
        generated[f"pages/{model_page_name(info.id)}.md"] = render_model_page(info)
    generated["pages/mistakes.md"] = render_mistakes_page()
    catalog = (pages_dir / "model-catalog.md").read_text(encoding="utf-8")
    generated["pages/model-catalog.md"] = _fill_region(catalog, "catalog-table", render_catalog_table())
    pages: dict[str, str] = {
        path.stem: path.read_text(encoding="utf-8") for path in pages_dir.glob("*.md") if path.is_file()
    }
    pages.update({Path(rel).stem: text for rel, text in generated.items()})
    order = [name for name in page_order() if name in pages]
    ordered = {name: pages[name] for name in [*order, *sorted(set(pages) - set(order))]}
    generated["llms.txt"] = render_index(ordered)
    generated["llms-full.txt"] = render_full(ordered)
    return generated


def write_bundle(root: Path | None = None) -> list[str]:
    """Rewrite the generated files of the repository bundle; returns the ones that changed."""
    target = root or Path(__file__).resolve().parent.parent / "llms"
    changed: list[str] = []
    for rel, text in generate_bundle(target).items():
        path = target / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    return changed


# --------------------------------------------------------------------------------------------
# The docs cache written by `docs sync`
# --------------------------------------------------------------------------------------------

_META = "meta.json"


def docs_cache_dir(settings: Settings) -> Path:
    return settings.cache_dir / "docs"


def _read_meta(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    entries: dict[str, dict[str, Any]] = {}
    for name, entry in data.items():  # pyright: ignore[reportUnknownVariableType]
        if isinstance(name, str) and isinstance(entry, dict):
            entries[name] = dict(entry)  # pyright: ignore[reportUnknownArgumentType]
    return entries


def cached_doc(
    folder: Path, name: str, *, now: float | None = None, max_age_s: float = CACHE_MAX_AGE_S
) -> str | None:
    """The synced copy of ``name`` when it was confirmed within ``max_age_s``, else None."""
    entry = _read_meta(folder).get(name)
    if entry is None:
        return None
    checked = entry.get("checked_at")
    if (
        not isinstance(checked, int | float)
        or (now if now is not None else time.time()) - checked > max_age_s
    ):
        return None
    try:
        return (folder / name).read_text(encoding="utf-8")
    except OSError:
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What ``sync_docs`` did: per file ``updated`` or ``unchanged``, or the error that stopped it
    (in which case nothing was written)."""

    files: dict[str, Literal["updated", "unchanged"]]
    sizes: dict[str, int]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def sync_docs(
    client: httpx2.AsyncClient,
    folder: Path,
    *,
    sources: Mapping[str, str] = LIVE_SOURCES,
    now: Callable[[], float] = time.time,
) -> SyncOutcome:
    """Fetch ``sources`` into ``folder`` with conditional requests. All files are fetched before
    anything is written, so an error (offline, an HTTP error, an HTML page where text was expected)
    leaves the cache exactly as it was."""
    import httpx2

    meta = _read_meta(folder)
    fetched: dict[str, tuple[bytes, str | None, str | None]] = {}
    files: dict[str, Literal["updated", "unchanged"]] = {}
    sizes: dict[str, int] = {}
    for name, url in sources.items():
        entry = meta.get(name, {})
        headers: dict[str, str] = {}
        if (folder / name).is_file():
            if isinstance(entry.get("etag"), str):
                headers["If-None-Match"] = entry["etag"]
            if isinstance(entry.get("last_modified"), str):
                headers["If-Modified-Since"] = entry["last_modified"]
        try:
            response = await client.get(url, headers=headers)
        except httpx2.HTTPError as exc:
            return SyncOutcome({}, {}, f"could not reach {url} ({type(exc).__name__}: {exc})")
        if response.status_code == 304 and headers:
            files[name] = "unchanged"
            sizes[name] = (folder / name).stat().st_size
            continue
        if response.status_code != 200:
            return SyncOutcome({}, {}, f"{url} answered HTTP {response.status_code}")
        body = response.content
        problem = _check_doc(body, response.headers.get("content-type", ""))
        if problem is not None:
            return SyncOutcome({}, {}, f"{url}: {problem}")
        fetched[name] = (body, response.headers.get("etag"), response.headers.get("last-modified"))
        files[name] = "updated"
        sizes[name] = len(body)
    stamp = now()
    for name, (body, etag, modified) in fetched.items():
        _atomic_write(folder / name, body)
        meta[name] = {
            "url": sources[name],
            "etag": etag,
            "last_modified": modified,
            "sha256": hashlib.sha256(body).hexdigest(),
            "fetched_at": stamp,
        }
    for name in files:
        meta.setdefault(name, {"url": sources[name]})["checked_at"] = stamp
    _atomic_write(folder / _META, json.dumps(meta, indent=2, sort_keys=True).encode())
    return SyncOutcome(files, sizes)


def _check_doc(body: bytes, content_type: str) -> str | None:
    if not body.strip():
        return "empty answer"
    if len(body) > _MAX_DOC_BYTES:
        return f"answer larger than {_MAX_DOC_BYTES // (1024 * 1024)} MB"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "answer is not UTF-8 text"
    head = text.lstrip()[:200].lower()
    if "html" in content_type.lower() or head.startswith(("<!doctype html", "<html")):
        return "answered an HTML page instead of the text file (a captive portal or an error page?)"
    return None


def sync_docs_command(
    settings: Settings,
    *,
    out: Callable[[str], None],
    transport: httpx2.AsyncBaseTransport | None = None,
) -> int:
    """``pixapi-mcp docs sync``: refresh the docs mirror; 0 on success, 1 when it could not (then
    nothing changed). ``transport`` replaces the network (tests)."""
    import anyio
    import httpx2

    from pixapi_mcp import __version__

    folder = docs_cache_dir(settings)

    async def run() -> SyncOutcome:
        async with httpx2.AsyncClient(
            transport=transport,
            timeout=httpx2.Timeout(30.0, connect=settings.connect_timeout_s),
            follow_redirects=True,
            headers={"User-Agent": f"pixapi-mcp/{__version__} (docs sync)"},
        ) as client:
            return await sync_docs(client, folder)

    try:
        outcome = anyio.run(run)
    except OSError as exc:
        out(f"docs sync failed: could not write the cache in {folder} ({exc}).")
        return 1
    return report_sync(outcome, folder, out)


def report_sync(outcome: SyncOutcome, folder: Path, out: Callable[[str], None]) -> int:
    if not outcome.ok:
        out(f"docs sync failed: {outcome.error}.")
        out("Nothing was changed; the bundled docs keep working offline.")
        return 1
    for name, state in outcome.files.items():
        detail = (
            "unchanged (304 Not Modified)"
            if state == "unchanged"
            else f"updated ({outcome.sizes[name]:,} bytes)"
        )
        out(f"{name}: {detail}")
    days = CACHE_MAX_AGE_S // 86400
    out(f"Saved in {folder}; pixapi://docs/llms.txt and llms-full.txt serve this copy for {days} days.")
    return 0


# --------------------------------------------------------------------------------------------
# MCP: resources, templates, completions, tools and prompts
# --------------------------------------------------------------------------------------------


class SearchDocsResult(BaseModel):
    query: str
    hits: list[SearchHit]
    hint: str = Field(description="What to read or call next.")


class CheckCodeResult(BaseModel):
    language: str = Field(description="The language checked (detected when not given).")
    ok: bool = Field(description="True when there are no findings.")
    findings: list[codecheck.Finding]
    summary: str


SEARCH_DESCRIPTION = """Search Pixapi's API docs (bundled, offline) and get the best-matching sections, ranked.

Covers endpoints and fields, auth, async tasks and polling, image-to-video, image edits, errors and
retries, every model (ids, aliases, credit prices) and complete code recipes (curl, Python, Node,
Go, Java, PHP). Use it before writing or fixing Pixapi code, or when unsure of a field, endpoint,
model id, status or price. Free and local: no API call, no credits. Each hit has page, heading,
uri and text; the total text stays within max_chars. Next: read a hit's uri, or the whole page
pixapi://docs/<page>, for more; after writing code, run check_code on it."""

CHECK_CODE_DESCRIPTION = """Check Pixapi integration code, or a JSON request body, against Pixapi's documented contract.

language: curl (bash), python, node (javascript/typescript), go, java, php, or json for a request
body (put `POST /v1/...` on its first line, else the endpoint is guessed); omit it to auto-detect.
Finds async=true flags, /v1/videos/generations, image_url instead of input_image, seconds instead
of duration, image models used for video (and the reverse), data[0].url read from a task (the
video is at result.data[0].url), tasks never polled or polled for the wrong status, missing
Bearer auth, hard-coded or browser-exposed keys, edits sent as JSON, and bad
response_format/quality/size values. Free and local; a static check (nothing is run or sent).
Returns findings with rule_id, line, message, fix and docs_uri. Next: fix each finding (read its
docs_uri), then check again until ok is true."""

READ_ONLY_LOCAL: dict[str, bool] = {
    "read_only_hint": True,
    "destructive_hint": False,
    "idempotent_hint": True,
    "open_world_hint": False,
}

_LANGUAGE_NAMES: dict[str, str] = {
    "curl": "curl (bash)",
    "python": "Python",
    "node": "Node.js (JavaScript/TypeScript)",
    "go": "Go",
    "java": "Java",
    "php": "PHP",
}


def _not_found(what: str, name: str, valid: Iterable[str]) -> Exception:
    from mcp.server.mcpserver.exceptions import ResourceNotFoundError

    return ResourceNotFoundError(f"Unknown {what} {name!r}. Valid: {', '.join(valid)}.")


class DocsService:
    """What ``register_docs`` wires: the bundle (read on first use) and the cache location."""

    def __init__(self, settings: Settings, bundle: DocsBundle | None = None) -> None:
        self.settings = settings
        self._bundle = bundle

    @cached_property
    def bundle(self) -> DocsBundle:
        return self._bundle or DocsBundle()

    def llms_file(self, name: Literal["llms.txt", "llms-full.txt"]) -> str:
        """The synced copy from pixapi.ai when fresh (see ``docs sync``), else the bundled file."""
        cached = cached_doc(docs_cache_dir(self.settings), name)
        return cached if cached is not None else self.bundle.bundled_file(name)

    def read_page(self, page: str) -> str:
        name = self.bundle.resolve_page(page)
        if name is None:
            raise _not_found("docs page", page, self.bundle.page_names())
        return self.bundle.pages[name]

    def read_section(self, page: str, anchor: str) -> str:
        name = self.bundle.resolve_page(page)
        if name is None:
            raise _not_found("docs page", page, self.bundle.page_names())
        section = self.bundle.section(name, anchor)
        if section is None:
            raise _not_found(f"section of {name}", anchor, self.bundle.anchors(name))
        return f"<!-- {section.uri} (whole page: {DOCS_SCHEME}{name}) -->\n\n{section.text}\n"

    def read_model(self, model_id: str) -> str:
        info = contract.lookup_model(model_id)
        page = self.bundle.model_page(model_id) if info else None
        if info is None or page is None:
            hints = contract.suggest_models(model_id)
            valid = [name for m in contract.CATALOG for name in (m.id, *m.aliases)]
            error = _not_found("model", model_id, valid)
            if hints:
                error.args = (f"{error.args[0]} Did you mean {', '.join(hints)}?",)
            raise error
        entry = {
            "id": info.id,
            "name": info.name,
            "category": info.category,
            "provider": info.provider,
            "aliases": list(info.aliases),
            "capabilities": list(info.capabilities),
            "endpoints": [e.value for e in info.endpoints],
            "credits_from": info.credits_from,
            "unit": info.unit,
            "sizes": list(info.sizes),
            "size_notes": info.size_notes,
            "docs_url": info.docs_url,
        }
        requested = (
            "" if model_id.strip().lower() == info.id else f"`{model_id}` is an alias of `{info.id}`.\n\n"
        )
        return f"{requested}{page}\n## Catalog entry\n\n```json\n{json.dumps(entry, indent=2)}\n```\n"

    def search(self, query: str, max_chars: int) -> SearchDocsResult:
        from mcp.server.mcpserver.exceptions import ToolError

        if not query.strip():
            raise ToolError("query is empty: ask in words, e.g. 'how do I poll a video task'.")
        hits = self.bundle.search(query, max_chars=max_chars)
        if hits:
            hint = (
                f"Read {hits[0].uri} (or the whole page {DOCS_SCHEME}{hits[0].page}) for more. "
                "Before shipping Pixapi code, run check_code on it."
            )
        else:
            hint = (
                "No section matched. Try other words (an endpoint, a field, a model id), or read "
                f"{DOCS_SCHEME}llms.txt for the list of pages."
            )
        return SearchDocsResult(query=query, hits=hits, hint=hint)

    def check(self, code: str, language: str | None) -> CheckCodeResult:
        from mcp.server.mcpserver.exceptions import ToolError

        if not code.strip():
            raise ToolError("code is empty: pass the source code or the JSON request body to check.")
        try:
            lang = codecheck.normalize_language(language) or codecheck.detect_language(code)
            findings = codecheck.check_code(code, lang)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        return CheckCodeResult(
            language=lang, ok=not findings, findings=findings, summary=codecheck.summarize(findings, lang)
        )

    def integrate_prompt(self, language: str, task: str) -> str:
        try:
            lang = codecheck.normalize_language(language)
        except ValueError:
            lang = None
        recipe_lang = lang if lang in _LANGUAGE_NAMES else None
        recipe_page = f"recipe-{recipe_lang or 'curl'}"
        recipe = self.bundle.pages.get(recipe_page, "")
        shown = _LANGUAGE_NAMES.get(recipe_lang or "", language.strip() or "the project's language")
        rules = "\n".join(f"- {rule.summary} Fix: {rule.message}" for rule in contract.RULES)
        models = "\n".join(
            f"- `{m.id}`"
            + (f" (alias {', '.join(f'`{a}`' for a in m.aliases)})" if m.aliases else "")
            + f": {m.category}; {_credits(m)}"
            for m in contract.CATALOG
        )
        note = (
            ""
            if recipe_lang
            else f"There is no {language!r} recipe; the curl recipe below shows the exact HTTP exchange to port.\n\n"
        )
        return f"""Write production-ready Pixapi integration code in {shown}, based only on Pixapi's documented API.

Task: {task.strip()}

Endpoint facts (base URL https://api.pixapi.ai; every request sends `Authorization: Bearer <key>` with the key read from the PIXAPI_KEY environment variable, on the server only):
- `POST /v1/images/generations` (JSON: model, prompt, n, size, quality, response_format) -> the image URL is `data[0].url` (`data[0].b64_json` with response_format b64_json).
- `POST /v1/images/edits` (multipart/form-data: model, prompt, one `image` file part per input) -> `data[0].url`.
- `POST /v1/async/images/generations`, `POST /v1/async/images/edits`: same fields, answer a task `{{"id", "status": "submitted", "progress", "created_at", "model"}}`.
- `POST /v1/async/videos/generations` (JSON: model `veo` or `wan`, prompt, duration in seconds, size such as 1280x720 or 16:9, input_image = an image URL) -> a task. Video is async-only.
- `GET /v1/tasks/{{id}}` -> status `submitted`, `processing`, `completed` or `failed`, progress 0-100; when completed the media URL is `result.data[0].url`. Poll with backoff and a deadline; never re-POST a paid request after a timeout.
- Errors are `{{"error": {{"code", "message", "type"}}}}`; 429 and 5xx on GETs are retryable.

Models:
{models}

Contract rules (pixapi-mcp's check_code enforces each):
{rules}

{note}Reference implementation ({recipe_page}); adapt it to the task and the project's conventions:

{recipe}
When the code is written, call the check_code tool with it (language "{recipe_lang or "auto"}") and fix every finding. For any other detail call search_docs or read pixapi://docs/llms.txt."""

    def image_to_video_prompt(self, prompt: str, model: str) -> str:
        from mcp.shared.exceptions import MCPError
        from mcp_types import INVALID_PARAMS

        category = contract.model_category(model)
        default_image = contract.lookup_model(contract.DEFAULT_IMAGE_MODEL)
        image_cost = (
            f"{contract.DEFAULT_IMAGE_MODEL} is {_credits(default_image)}"
            if default_image
            else "see list_models"
        )
        if category == "image":
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"`{model}` is an image model; image_to_video needs a video model such as veo or wan.",
            )
        return f"""Turn an idea into a short video with Pixapi, using this server's tools: first an image, then animate it.

Idea: {prompt.strip()}
Video model: {model}

1. Call generate_image with an image prompt for the idea (model "nano-banana" unless the user chose another image model). Its result has data[0].url (the hosted image) and data[0].path (the saved file). If it comes back unfinished with a task id, call get_task with that task_id until status is completed, then use result.data[0].url.
2. Call create_video with model="{model}", a prompt describing the motion and camera, input_image=<the data[0].url from step 1> and duration=8 (seconds). input_image must be that http(s) URL, not the local path or base64. Video is async-only; there is no other video endpoint.
3. create_video usually returns a task id with status submitted or processing. Call get_task with task_id=<id> (and a wait_s) until status is completed or failed. Waiting is free and never resubmits; do not call create_video again for the same video, that would pay twice.
4. When completed, give the user result.data[0].url and the saved file path. If failed, report the error and ask before trying again (a new video costs credits again).

Costs: {image_cost}; video prices are on https://pixapi.ai/pricing. Rules the server enforces: `{model}` goes only to the video endpoint; the length field is duration (not seconds); the image field is input_image (not image_url). Details: pixapi://docs/image-to-video."""

    async def complete(
        self,
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        """Completions for the docs templates and prompts (prefix match, case-insensitive)."""
        from mcp_types import Completion, ResourceTemplateReference

        values: list[str] = []
        if isinstance(ref, ResourceTemplateReference):
            if ref.uri in (PAGE_TEMPLATE, SECTION_TEMPLATE) and argument.name == "page":
                values = self.bundle.page_names()
            elif ref.uri == SECTION_TEMPLATE and argument.name == "anchor":
                page = (context.arguments or {}).get("page", "") if context else ""
                name = self.bundle.resolve_page(page) if page else None
                values = self.bundle.anchors(name) if name else []
            elif ref.uri == MODEL_TEMPLATE and argument.name == "model_id":
                values = [name for m in contract.CATALOG for name in (m.id, *m.aliases)]
        elif ref.name == "integrate_pixapi" and argument.name == "language":
            values = list(_LANGUAGE_NAMES)
        elif ref.name == "image_to_video" and argument.name == "model":
            values = [m.id for m in contract.CATALOG if m.category == "video"]
        else:
            return None
        prefix = argument.value.strip().lower()
        matches = [v for v in values if v.lower().startswith(prefix)]
        return Completion(values=matches[:100], total=len(matches), has_more=len(matches) > 100)


def register_docs(server: MCPServer[Any], settings: Settings) -> None:
    """Register the docs resources, templates, completions, the search_docs and check_code tools,
    and the integrate_pixapi and image_to_video prompts on ``server``.

    This registers the server's completion handler (MCP servers have one); the docs templates and
    prompts are the only ones with completable arguments. ``DocsService.complete`` can be chained
    from another handler if more are added."""
    from mcp.server.mcpserver.resources import FunctionResource
    from mcp_types import ToolAnnotations

    service = DocsService(settings)
    bundle = service.bundle

    def static(uri: str, name: str, title: str, description: str, read: Callable[[], str]) -> None:
        server.add_resource(
            FunctionResource.from_function(
                read, uri=uri, name=name, title=title, description=description, mime_type=MARKDOWN
            )
        )

    static(
        f"{DOCS_SCHEME}llms.txt",
        "llms.txt",
        "Pixapi docs index",
        "Index of the Pixapi docs: one line per page with its pixapi://docs/<page> URI and summary.",
        lambda: service.llms_file("llms.txt"),
    )
    static(
        f"{DOCS_SCHEME}llms-full.txt",
        "llms-full.txt",
        "Pixapi docs, all pages",
        "The whole Pixapi reference in one file (large: prefer search_docs or single pages).",
        lambda: service.llms_file("llms-full.txt"),
    )
    for page in bundle.page_names():
        static(
            f"{DOCS_SCHEME}{page}",
            page,
            bundle.title(page),
            bundle.summary(page),
            lambda page=page: bundle.pages[page],
        )
    for info in contract.CATALOG:
        static(
            f"{MODELS_SCHEME}{info.id}",
            f"model {info.id}",
            info.name,
            f"{info.category} model{' (alias ' + ', '.join(info.aliases) + ')' if info.aliases else ''}: "
            f"{info.summary}",
            lambda model=info.id: service.read_model(model),
        )

    @server.resource(
        PAGE_TEMPLATE,
        name="docs page",
        title="Pixapi docs page",
        description="A page of the Pixapi docs by name, e.g. pixapi://docs/async-tasks (see pixapi://docs/llms.txt).",
        mime_type=MARKDOWN,
    )
    def docs_page(page: str) -> str:  # pyright: ignore[reportUnusedFunction]
        return service.read_page(page)

    @server.resource(
        SECTION_TEMPLATE,
        name="docs section",
        title="Pixapi docs section",
        description="One section of a docs page, as returned in search_docs hits (pixapi://docs/<page>#<anchor>).",
        mime_type=MARKDOWN,
    )
    def docs_section(page: str, anchor: str) -> str:  # pyright: ignore[reportUnusedFunction]
        return service.read_section(page, anchor)

    @server.resource(
        MODEL_TEMPLATE,
        name="model",
        title="Pixapi model",
        description="A Pixapi model by id or alias (e.g. nano-banana-pro): facts, price, endpoints and the "
        "catalog entry as JSON.",
        mime_type=MARKDOWN,
    )
    def model_resource(model_id: str) -> str:  # pyright: ignore[reportUnusedFunction]
        return service.read_model(model_id)

    server.completion()(service.complete)

    async def search_docs(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=2000,
                description="The question in words, e.g. 'how do I poll a video task' or 'price of nano banana pro'.",
            ),
        ],
        max_chars: Annotated[
            int, Field(ge=500, le=50_000, description="Upper bound on the total text of all hits.")
        ] = 6000,
    ) -> SearchDocsResult:
        return service.search(query, max_chars)

    async def check_code(
        code: Annotated[
            str,
            Field(
                min_length=1,
                max_length=200_000,
                description="The source code, or a JSON request body (optionally preceded by a `POST /v1/...` line).",
            ),
        ],
        language: Annotated[
            str | None,
            Field(
                max_length=32,
                description="curl, python, node (javascript, typescript), go, java, php or json; omit to auto-detect.",
            ),
        ] = None,
    ) -> CheckCodeResult:
        return service.check(code, language)

    server.add_tool(
        search_docs,
        title="Search Pixapi docs",
        description=SEARCH_DESCRIPTION,
        annotations=ToolAnnotations(title="Search Pixapi docs", **READ_ONLY_LOCAL),
    )
    server.add_tool(
        check_code,
        title="Check Pixapi code",
        description=CHECK_CODE_DESCRIPTION,
        annotations=ToolAnnotations(title="Check Pixapi code", **READ_ONLY_LOCAL),
    )

    @server.prompt(
        name="integrate_pixapi",
        title="Integrate Pixapi",
        description="Grounded instructions for writing Pixapi integration code: endpoint facts, the contract "
        "rules and the matching complete recipe.",
    )
    def integrate_pixapi(  # pyright: ignore[reportUnusedFunction]
        language: Annotated[
            str, Field(description="curl, python, node, go, java or php (others get the curl recipe).")
        ],
        task: Annotated[
            str, Field(description="What the code should do, e.g. 'generate a hero image and animate it'.")
        ],
    ) -> str:
        return service.integrate_prompt(language, task)

    @server.prompt(
        name="image_to_video",
        title="Image to video",
        description="Step-by-step plan for this server's tools: generate_image -> create_video(input_image=...) "
        "-> get_task until completed.",
    )
    def image_to_video(  # pyright: ignore[reportUnusedFunction]
        prompt: Annotated[str, Field(description="What the video should show.")] = (
            "A cinematic product photo of a ceramic coffee cup on a wooden table, steam rising"
        ),
        model: Annotated[str, Field(description="Video model: veo or wan.")] = contract.DEFAULT_VIDEO_MODEL,
    ) -> str:
        return service.image_to_video_prompt(prompt, model)


if __name__ == "__main__":
    import sys

    for changed in write_bundle():
        sys.stderr.write(f"wrote llms/{changed}\n")
