"""Find Pixapi contract mistakes in integration code or a JSON request body (``check_code``).

The checker is being split into modules; for now it all lives in ``source``."""

from pixapi_mcp.codecheck.source import (
    DETECTORS,
    LANGUAGE_ALIASES,
    LANGUAGES,
    RULE_PAGES,
    Finding,
    Language,
    check_code,
    detect_language,
    docs_uri_for,
    normalize_language,
    summarize,
)

__all__ = [
    "DETECTORS",
    "LANGUAGE_ALIASES",
    "LANGUAGES",
    "RULE_PAGES",
    "Finding",
    "Language",
    "check_code",
    "detect_language",
    "docs_uri_for",
    "normalize_language",
    "summarize",
]
