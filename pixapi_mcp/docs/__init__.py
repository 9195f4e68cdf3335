"""The bundled Pixapi docs: the ``llms/`` pages (``bundle``), ranked search over their sections
(``search``), the files generated from ``contract`` (``pages``), ``pixapi-mcp docs sync`` and its
cache (``sync``), and their MCP resources, tool and prompts (``server``, the one module here that
imports the MCP SDK).

``python -m pixapi_mcp.docs`` rewrites the generated files; a test fails when they drift.
Nothing happens at import time: the bundle is read on first use. The package root does not
import ``server``, so ``docs sync``, ``doctor`` and the generator never load the MCP SDK; the
server imports ``pixapi_mcp.docs.server`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pixapi_mcp.docs.bundle import (
    DOCS_SCHEME,
    DocsBundle,
    Section,
    bundle_root,
    model_page_name,
    page_order,
    page_sources,
    page_summary,
    page_title,
    split_sections,
)
from pixapi_mcp.docs.hits import SearchHit
from pixapi_mcp.docs.pages import generate_bundle, write_bundle
from pixapi_mcp.docs.sync import (
    CACHE_MAX_AGE_S,
    SyncOutcome,
    cached_doc,
    docs_cache_dir,
    report_sync,
    sync_docs,
    sync_docs_command,
)

if TYPE_CHECKING:
    from pixapi_mcp.docs.search import SearchIndex


def __getattr__(name: str) -> Any:
    # ``SearchIndex`` loads on first use (PEP 562): the ranking code and lexicon's term tables are
    # not needed until the first search, and the server's start-up should not pay for them.
    if name == "SearchIndex":
        from pixapi_mcp.docs.search import SearchIndex

        globals()[name] = SearchIndex
        return SearchIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CACHE_MAX_AGE_S",
    "DOCS_SCHEME",
    "DocsBundle",
    "SearchHit",
    "SearchIndex",
    "Section",
    "SyncOutcome",
    "bundle_root",
    "cached_doc",
    "docs_cache_dir",
    "generate_bundle",
    "model_page_name",
    "page_order",
    "page_sources",
    "page_summary",
    "page_title",
    "report_sync",
    "split_sections",
    "sync_docs",
    "sync_docs_command",
    "write_bundle",
]
