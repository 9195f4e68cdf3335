"""What a check reports: ``Finding`` (the public record), ``Hit`` (a detector's raw answer) and
the one place a finding gets its rule's docs and a snippet with any key blanked out.

Both halves of the checker end here: ``json_body`` turns ``contract.check_request`` violations
into findings, the detectors yield hits that ``finding_for_hit`` turns into findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from pixapi_mcp import contract

if TYPE_CHECKING:
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


def docs_uri_for(rule_id: str) -> str:
    """The ``pixapi://docs/<page>`` resource that explains ``rule_id`` (its rule record's page)."""
    return contract.RULES_BY_ID[rule_id].docs_uri


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector's answer: 0-based line, what is wrong there, and the fix when it is more
    specific than the rule's own message."""

    line: int
    message: str
    fix: str | None = None


Detector = Callable[["Source"], Iterator[Hit]]


def make_finding(rule_id: str, line: int, message: str, fix: str, lines: list[str]) -> Finding:
    """A finding at 1-based ``line`` of ``lines``, with its rule's docs and a redacted snippet."""
    rule = contract.RULES_BY_ID[rule_id]
    return Finding(
        rule_id=rule_id,
        line=line,
        message=message,
        fix=fix,
        docs_url=rule.docs_url,
        docs_uri=rule.docs_uri,
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
    text = lines[line - 1].strip()[:600]  # redact a window, then cut: no key is left half-shown
    text = _REDACT[0].sub("sk-[redacted]", text)
    text = _REDACT[1].sub(r"\1[redacted]", text)
    text = _REDACT[2].sub(r"\1[redacted]", text)
    return text[:200]
