"""Find Pixapi contract mistakes in integration code or a JSON request body (``check_code``).

- ``source``: languages, detection, comment stripping, the lexical ``Source`` view, literal lookups;
- ``json_body``: request bodies, checked by ``contract.check_request`` itself;
- ``detect_endpoints``, ``detect_fields``, ``detect_models``, ``detect_results``, ``detect_auth``:
  the detectors, grouped by rule family;
- ``findings``: ``Finding``, a detector's ``Hit``, docs links and key-redacted snippets;
- ``check``: the ``DETECTORS`` registry, ``check_code`` and ``summarize``;
- ``tool``: the MCP ``check_code`` tool (``register_check_code``). It is the only module here that
  imports ``mcp``, and it is not imported by this package: the server imports it.
"""

from pixapi_mcp.codecheck.check import DETECTORS, check_code, summarize
from pixapi_mcp.codecheck.findings import Finding, docs_uri_for
from pixapi_mcp.codecheck.source import (
    LANGUAGE_ALIASES,
    LANGUAGES,
    Language,
    detect_language,
    normalize_language,
)

__all__ = [
    "DETECTORS",
    "LANGUAGES",
    "LANGUAGE_ALIASES",
    "Finding",
    "Language",
    "check_code",
    "detect_language",
    "docs_uri_for",
    "normalize_language",
    "summarize",
]
