"""Detectors for the key: a request without ``Authorization: Bearer <key>`` (or with the key in
another header or the URL), and a key hard-coded in the source or exposed to the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pixapi_mcp.codecheck.findings import BEARER_TOKEN, KEY_ASSIGNMENT, Hit
from pixapi_mcp.codecheck.source import Source

_HEADER_AUTH = re.compile(r"""(?i)["'`]?\bAuthorization["'`]?\s*(?::|=>|,|=)""")
_OTHER_KEY_HEADER = re.compile(
    r"""(?i)["'`](?:x-api-key|api-key|x-pixapi-key)\s*["'`]?\s*(?::|=>|,)|-H\s*["'](?:x-)?api-key:"""
)
_HTTP_CALL = re.compile(
    r"""\bcurl\b|\bfetch\(|\b(?:requests|httpx|axios|http)\.(?:post|get|request|Post|Get)\b|"""
    r"""http\.NewRequest|HttpRequest\.newBuilder|curl_init|\bgot\(|urlopen"""
)


def detect_bearer(source: Source) -> Iterator[Hit]:
    seen_auth = False
    for index, line in source.lines():
        match = _HEADER_AUTH.search(line)
        if match is not None:
            seen_auth = True
            rest = line[match.end() :]
            if not rest.strip() and index + 1 < len(source.code):
                rest = source.code[index + 1]
            if not re.search(r"(?i)bearer", rest) and not _built_with_bearer(source, rest, index):
                yield Hit(index, "Sends the key in `Authorization` without the `Bearer ` scheme.")
        if _OTHER_KEY_HEADER.search(line):
            seen_auth = True
            yield Hit(
                index, "Sends the key in an API-key header: Pixapi reads `Authorization: Bearer <key>`."
            )
        if re.search(r"(?i)[?&](?:api_?key|key|token)=", line) and source.endpoints:
            yield Hit(index, "Puts the key in the URL query: it belongs in `Authorization: Bearer <key>`.")
    calls = [i for i, line in source.lines() if _HTTP_CALL.search(line)]
    uses_sdk = re.search(r"\bOpenAI\s*\(|[({,]\s*api_?[Kk]ey\s*[:=]", source.text)
    if not seen_auth and calls and not uses_sdk and not re.search(r"(?i)bearer", source.text):
        requests = [e for e in source.endpoints if e.kind != "other"]
        if requests:
            yield Hit(requests[0].line, "Calls Pixapi without an `Authorization: Bearer` header.")


def _built_with_bearer(source: Source, rest: str, index: int) -> bool:
    """True when the header value is a variable (or call) that was itself built with "Bearer"."""
    for ident in re.findall(r"(?<![\w$.'\"])\$?([A-Za-z_]\w*)", rest):
        found = source.assignment(ident, index)
        if found is not None and re.search(r"(?i)bearer", found[1]):
            return True
        if re.search(rf"(?i)(?:def|function|func)\s+{re.escape(ident)}\b[\s\S]{{0,300}}bearer", source.text):
            return True
    return False


_SECRET_LITERAL = re.compile(r"""["'`](?P<key>sk-[A-Za-z0-9_-]{8,})["'`]""")
_KEY_ASSIGN = re.compile(rf"""(?i){KEY_ASSIGNMENT}(?P<key>[^"'`\s]{{12,}})["'`]""")
_BEARER_LITERAL = re.compile(rf"""(?i)\bBearer\s+(?P<key>{BEARER_TOKEN})""")
_PLACEHOLDER = re.compile(
    r"(?i)your|xxx|\.\.\.|<|>|\$|\{|example|placeholder|changeme|here|dummy|sandbox|redacted"
)
_SHELL_KEY = re.compile(r"\bPIXAPI_KEY=(?P<key>[A-Za-z0-9_\-]{12,})")
_PUBLIC_ENV = re.compile(
    r"\b(?P<var>(?:NEXT_PUBLIC|VITE|REACT_APP|EXPO_PUBLIC|NUXT_PUBLIC|GATSBY|PUBLIC)_\w*(?:KEY|TOKEN|SECRET|PIXAPI)\w*)"
)
_BROWSER_STORE = re.compile(r"\b(?:localStorage|sessionStorage|document\.cookie|window\.)")
_MENTIONS_KEY = re.compile(r"(?i)pixapi|api_?key|apikey")


def detect_key_exposure(source: Source) -> Iterator[Hit]:
    for index, line in enumerate(source.code):
        if not line.strip():
            continue
        for pattern in (_SECRET_LITERAL, _KEY_ASSIGN, _BEARER_LITERAL, _SHELL_KEY):
            match = pattern.search(line)
            if match is not None and not _PLACEHOLDER.search(match.group("key")):
                yield Hit(index, "Hard-codes an API key in the source.")
                break
        public = _PUBLIC_ENV.search(line)
        if public is not None:
            yield Hit(
                index,
                f"Reads the key from `{public.group('var')}`: that prefix is inlined into the browser bundle, "
                "so every visitor gets the key.",
            )
        elif _BROWSER_STORE.search(line) and _MENTIONS_KEY.search(line):
            yield Hit(index, "Keeps or reads the key in the browser (window/localStorage/cookies).")
        if re.search(r"\bdangerouslyAllowBrowser\s*:\s*true", line):
            yield Hit(index, "Calls the API from the browser (`dangerouslyAllowBrowser: true`) with the key.")
    if re.match(r"""\s*["']use client["']""", source.text) and re.search(
        r"PIXAPI_KEY|pixapi", source.text, re.I
    ):
        first = next((i for i, line in source.lines() if re.search(r"PIXAPI_KEY", line)), None)
        if first is not None:
            yield Hit(first, 'Uses the key in a client component (`"use client"`): it runs in the browser.')
