"""What a check reports: ``Finding`` (the public record), ``Hit`` (a detector's raw answer) and
the one place a finding gets its rule's docs and a snippet with any key blanked out.

Both halves of the checker end here: ``json_body`` turns ``contract.check_request`` violations
into findings, the detectors yield hits that ``finding_for_hit`` turns into findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from pixapi_mcp import contract
from pixapi_mcp.codecheck.source import Source


class Finding(BaseModel):
    """One contract mistake at one line: what is wrong there, the fix, and where the docs say so."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    line: int
    message: str
    fix: str
    docs_url: str
    docs_uri: str
    snippet: str = ""


# Which bundled page explains each rule best (the resource a model should read next).
RULE_PAGES: dict[str, str] = {
    "async-endpoint": "async-tasks",
    "video-async-only": "async-tasks",
    "unknown-endpoint": "api-reference",
    "model-required": "api-reference",
    "prompt-required": "api-reference",
    "unknown-model": "model-catalog",
    "video-model-on-image-endpoint": "model-catalog",
    "image-model-on-video-endpoint": "image-to-video",
    "input-image-field": "image-to-video",
    "duration-field": "image-to-video",
    "duration-value": "api-reference",
    "input-image-url": "image-to-video",
    "response-format-value": "api-reference",
    "quality-value": "api-reference",
    "size-value": "api-reference",
    "n-value": "api-reference",
    "edit-multipart": "image-editing",
    "image-url-field": "api-reference",
    "task-result-field": "async-tasks",
    "task-polling": "async-tasks",
    "bearer-auth": "authentication",
    "key-server-side": "authentication",
}

_PAGES_BY_URL: dict[str, str] = {
    contract.API_REFERENCE_URL: "api-reference",
    contract.ASYNC_TASKS_URL: "async-tasks",
    contract.AUTH_URL: "authentication",
    contract.ERRORS_URL: "errors",
    contract.MODEL_CATALOG_URL: "model-catalog",
    contract.LLMS_FULL_URL: "image-to-video",
}


def docs_uri_for(rule_id: str) -> str:
    """The ``pixapi://docs/<page>`` resource that explains ``rule_id``."""
    page = RULE_PAGES.get(rule_id)
    if page is None:
        rule = contract.RULES_BY_ID.get(rule_id)
        page = _PAGES_BY_URL.get(rule.docs_url, "mistakes") if rule else "mistakes"
    return f"pixapi://docs/{page}"


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector's answer: 0-based line, what is wrong there, and the fix when it is more
    specific than the rule's own message."""

    line: int
    message: str
    fix: str | None = None


Detector = Callable[[Source], Iterator[Hit]]


def contract_fix(
    rule_id: str, path: str, body: Mapping[str, Any], multipart: bool | None = None
) -> str | None:
    """The contract's own wording for this rule on this request, when the rule fires on it."""
    rule = contract.RULES_BY_ID[rule_id]
    found = contract.check_request(path, body, multipart=multipart, rules=[rule])
    return found[0].message if found else None


def make_finding(rule_id: str, line: int, message: str, fix: str, lines: list[str]) -> Finding:
    """A finding at 1-based ``line`` of ``lines``, with its rule's docs and a redacted snippet."""
    rule = contract.RULES_BY_ID[rule_id]
    return Finding(
        rule_id=rule_id,
        line=line,
        message=message,
        fix=fix,
        docs_url=rule.docs_url,
        docs_uri=docs_uri_for(rule_id),
        snippet=_snippet(lines, line),
    )


def finding_for_hit(rule_id: str, hit: Hit, source: Source) -> Finding:
    fix = hit.fix or contract.RULES_BY_ID[rule_id].message
    return make_finding(rule_id, hit.line + 1, hit.message, fix, source.raw)


# What a key looks like, shared by the key-exposure detector (which reports it) and the snippet
# redaction (which blanks it): a key-named variable assigned a quoted literal, a Bearer token.
KEY_ASSIGNMENT = (
    r"""\b(?:pixapi_?(?:api_?)?key|api_?key|apikey|secret_?key)\b["'`]?\s*(?::=|=>|=|:)\s*["'`]"""
)
BEARER_TOKEN = r"[A-Za-z0-9_\-.]{16,}"

_REDACT = (
    re.compile(r"sk-[A-Za-z0-9_-]{4,}"),
    re.compile(rf"""(?i)({KEY_ASSIGNMENT})[^"'`\s]{{12,}}"""),
    re.compile(rf"(?i)(\bBearer\s+){BEARER_TOKEN}"),
)


def _snippet(lines: list[str], line: int) -> str:
    """The offending line, trimmed, with anything that looks like a key blanked out."""
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1].strip()
    text = _REDACT[0].sub("sk-[redacted]", text)
    text = _REDACT[1].sub(r"\1[redacted]", text)
    text = _REDACT[2].sub(r"\1[redacted]", text)
    return text[:200]
