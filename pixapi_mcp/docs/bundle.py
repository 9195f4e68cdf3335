"""The docs bundle: where the ``llms/`` folder is, its pages in their order, and their sections.

The bundle lives in the top-level ``llms/`` folder of the repository; wheels carry it as
``pixapi_mcp/llms`` (``pyproject.toml`` force-includes it). Nothing is read at import time: a
``DocsBundle`` reads its pages on first use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from pixapi_mcp import contract

DOCS_SCHEME = "pixapi://docs/"

# The hand-written pages by group, in the order llms.txt lists them (model pages sit between).
GUIDE_PAGES = ("authentication", "image-to-video", "image-editing", "async-tasks", "errors")
REFERENCE_PAGES = ("api-reference", "model-catalog", "mistakes")
RECIPE_PAGES = ("recipe-curl", "recipe-python", "recipe-node", "recipe-go", "recipe-java", "recipe-php")


def model_page_name(model_id: str) -> str:
    return f"model-{model_id}"


def page_order() -> list[str]:
    """The order pages appear in llms.txt and llms-full.txt (unknown pages follow, sorted)."""
    return [*GUIDE_PAGES, *REFERENCE_PAGES, *(model_page_name(m.id) for m in contract.CATALOG), *RECIPE_PAGES]


def ordered_pages(pages: Mapping[str, str]) -> dict[str, str]:
    """``pages`` in ``page_order()``, pages it does not name last, sorted by name."""
    order = [name for name in page_order() if name in pages]
    return {name: pages[name] for name in [*order, *sorted(set(pages) - set(order))]}


def checkout_bundle() -> Path:
    """The repository's top-level ``llms/`` folder (a checkout or an editable install); the
    generator writes here."""
    return Path(__file__).resolve().parents[2] / "llms"


def bundle_root() -> Traversable:
    """The docs bundle: ``pixapi_mcp/llms`` in an installed wheel, else the repository's top-level
    ``llms/`` next to the package (a checkout or an editable install)."""
    packaged = resources.files("pixapi_mcp") / "llms"
    if packaged.is_dir() and (packaged / "llms.txt").is_file():
        return packaged
    repo = checkout_bundle()
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


class DocsBundle:
    """The docs pages and their sections, read once on first use."""

    def __init__(self, root: Traversable | None = None) -> None:
        self._root = root

    @cached_property
    def root(self) -> Traversable:
        return self._root if self._root is not None else bundle_root()

    @cached_property
    def pages(self) -> dict[str, str]:
        """Page name -> markdown, in ``page_order()``."""
        folder = self.root / "pages"
        return ordered_pages(
            {
                item.name[:-3]: item.read_text(encoding="utf-8")
                for item in folder.iterdir()
                if item.name.endswith(".md") and item.is_file()
            }
        )

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
