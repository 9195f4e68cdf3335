"""Find Pixapi contract mistakes in integration code or a JSON request body (``check_code``).

- ``syntax``: the tree-sitter parsers (grammar wheels, no network) and node helpers;
- ``values``: what the checker knows about a value (strings with holes, objects, responses);
- ``program``: value tracking inside a file (bindings, scopes, changes, helpers, a time budget);
- ``lang_python``, ``lang_node``, ``lang_go``, ``lang_java``, ``lang_php``, ``lang_shell``: one
  reader per language (its values, the requests its HTTP libraries and the openai SDK send, reads);
- ``request``, ``sends``: a request as sent (URL, headers, body, encoding), library conventions;
- ``source``: languages, detection, and ``Source``, the view the detectors use;
- ``json_body``: request bodies, checked by ``contract.check_request`` itself;
- ``judge``: what the detectors share (bodies and the path they go to, origins of reads);
- ``detect_endpoints``, ``detect_fields``, ``detect_models``, ``detect_results``, ``detect_auth``:
  the detectors, grouped by rule family;
- ``findings``: ``Finding``, a detector's ``Hit``, docs links and key-redacted snippets;
- ``check``: the ``DETECTORS`` registry, ``check_code`` and ``summarize``;
- ``tool``: the MCP ``check_code`` tool (``register_check_code``). It is the only module here that
  imports ``mcp``, and it is not imported by this package: the server imports it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixapi_mcp.codecheck.check import DETECTORS, check_code, summarize
    from pixapi_mcp.codecheck.findings import Finding, docs_uri_for
    from pixapi_mcp.codecheck.program import CheckTimeout
    from pixapi_mcp.codecheck.source import (
        LANGUAGE_ALIASES,
        LANGUAGES,
        Language,
        detect_language,
        normalize_language,
    )

# Where each re-exported name lives. The names load on first use (PEP 562), not with the package:
# the checker's modules compile their tree-sitter grammars' queries and dozens of regexes, which
# the server's start-up (it registers check_code, it does not run it) should not pay for.
_EXPORTS = {
    "DETECTORS": "check",
    "check_code": "check",
    "summarize": "check",
    "Finding": "findings",
    "docs_uri_for": "findings",
    "CheckTimeout": "program",
    "LANGUAGE_ALIASES": "source",
    "LANGUAGES": "source",
    "Language": "source",
    "detect_language": "source",
    "normalize_language": "source",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "DETECTORS",
    "LANGUAGES",
    "LANGUAGE_ALIASES",
    "CheckTimeout",
    "Finding",
    "Language",
    "check_code",
    "detect_language",
    "docs_uri_for",
    "normalize_language",
    "summarize",
]
