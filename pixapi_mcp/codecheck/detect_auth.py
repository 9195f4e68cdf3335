"""Detectors for the key: a request without ``Authorization: Bearer <key>`` (or with the key in
another header or the URL), judged per request with that request's own headers; and a key
hard-coded in the source or exposed to the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pixapi_mcp.codecheck.findings import BEARER_TOKEN, KEY_ASSIGNMENT, Hit
from pixapi_mcp.codecheck.source import Source, endpoint_of
from pixapi_mcp.codecheck.values import HOLE, Call, Obj, Str, Unknown

_KEY_HEADERS = frozenset({"x-api-key", "api-key", "x-pixapi-key", "apikey", "x-key"})
_KEYISH = re.compile(r"(?i)key|token|secret|env:|getenv|environ")
_FIX = "Send `Authorization: Bearer <key>` with the key read from the PIXAPI_KEY environment variable."


def detect_bearer(source: Source) -> Iterator[Hit]:
    for request in source.pixapi_requests:
        if request.sdk is not None:
            continue  # the SDK sends the key as a Bearer token itself
        endpoint = endpoint_of(request)
        if endpoint is None or endpoint.kind == "other":
            continue  # a path Pixapi does not have: that is the finding there
        url = request.full_url()
        query = request.query
        if (url is not None and re.search(r"(?i)[?&](?:api_?key|key|token)=", url.text)) or (
            isinstance(query, Obj)
            and any(k.lower() in ("api_key", "apikey", "key", "token") for k in query.fields)
        ):
            yield Hit(
                request.path_line(),
                "Puts the key in the URL query: it belongs in `Authorization: Bearer <key>`.",
                _FIX,
            )
            continue
        found = request.header("authorization")
        if found is not None:
            value, line = found
            problem = _bad_bearer(value)
            if problem is not None:
                yield Hit(line, problem, _FIX)
            continue
        other = next((k for k, _, _ in request.headers or [] if k in _KEY_HEADERS), None)
        if other is not None:
            line = next(ln for k, _, ln in request.headers or [] if k == other)
            yield Hit(line, f"Sends the key in `{other}`: Pixapi reads `Authorization: Bearer <key>`.", _FIX)
            continue
        if request.headers_known:
            yield Hit(request.anchor_line(), "Calls Pixapi without an `Authorization: Bearer` header.", _FIX)


def _bad_bearer(value: object) -> str | None:
    if isinstance(value, Str):
        text = value.text
        if text.startswith(HOLE):
            hint = value.hole_hint(0)
            if text == HOLE and _KEYISH.search(hint) and "bearer" not in hint.lower():
                return "Sends the key in `Authorization` without the `Bearer ` scheme."
            return None  # built from something not known statically
        lowered = text.lower()
        if lowered.startswith("bearer "):
            return None
        if lowered.startswith("bearer") and lowered[6:7] in (HOLE, "$", "{"):
            return "Builds `Authorization` as `Bearer<key>` without the space: send `Bearer <key>`."
        if lowered.startswith(("basic ", "token ")):
            return f"Sends `Authorization: {text.split(' ', 1)[0]} ...`: Pixapi takes the `Bearer` scheme."
        if "bearer" not in lowered:
            return "Sends the key in `Authorization` without the `Bearer ` scheme."
        return None
    if isinstance(value, Unknown) and not value.param and _KEYISH.search(value.hint):
        return "Sends the key in `Authorization` without the `Bearer ` scheme."
    if isinstance(value, Call) and _KEYISH.search(value.name) and "bearer" not in value.name.lower():
        return "Sends the key in `Authorization` without the `Bearer ` scheme."
    return None


_SECRET_LITERAL = re.compile(r"""["'`](?P<key>sk-[A-Za-z0-9_-]{8,})["'`]""")
_KEY_ASSIGN = re.compile(rf"""(?i){KEY_ASSIGNMENT}(?P<key>[^"'`\s]{{12,}})["'`]""")
_BEARER_LITERAL = re.compile(rf"""(?i)\bBearer[ \t]+(?P<key>{BEARER_TOKEN})""")
_PLACEHOLDER = re.compile(r"(?i)your|xxx|\.\.\.|<|>|\$|\{|placeholder|changeme|here|dummy|sandbox|redacted")
_SHELL_KEY = re.compile(r"\bPIXAPI_KEY=(?P<key>[A-Za-z0-9_\-]{12,})")
# A public-prefixed variable read from the environment (bundlers inline these into browser code).
_PUBLIC_ENV = re.compile(
    r"(?:env\.|env\[[\"']|getenv\([\"']|\$\{?)"
    r"(?P<var>(?:NEXT_PUBLIC|VITE|REACT_APP|EXPO_PUBLIC|NUXT_PUBLIC|GATSBY|PUBLIC)_[A-Z0-9_]{0,60}(?:KEY|TOKEN|SECRET|PIXAPI)[A-Z0-9_]{0,40})"
)
_BROWSER_STORE = re.compile(r"\b(?:localStorage|sessionStorage|document\.cookie|window\.)")
_MENTIONS_KEY = re.compile(r"(?i)pixapi|api_?key|apikey")


# Lines that can expose a key name one of these; the line checks below run only there.
_KEY_HINTS = re.compile(
    r"(?i)sk-|key|bearer|token|secret|public_|vite_|react_app|gatsby|storage|cookie|window\.|dangerously"
)


def detect_key_exposure(source: Source) -> Iterator[Hit]:
    for index, line in source.lines_matching(_KEY_HINTS):
        for pattern in (_SECRET_LITERAL, _KEY_ASSIGN, _BEARER_LITERAL, _SHELL_KEY):
            match = pattern.search(line)
            if match is not None and not _PLACEHOLDER.search(match.group("key")):
                yield Hit(
                    index,
                    "Hard-codes an API key in the source.",
                    "Read the key from the `PIXAPI_KEY` environment variable on the server.",
                )
                break
        public = _PUBLIC_ENV.search(line)
        if public is not None:
            yield Hit(
                index,
                f"Reads the key from `{public.group('var')}`: that prefix is inlined into the browser bundle, "
                "so every visitor gets the key.",
                "Read `PIXAPI_KEY` (no public prefix) on the server and call Pixapi from there.",
            )
        elif _BROWSER_STORE.search(line) and _MENTIONS_KEY.search(line):
            yield Hit(
                index,
                "Keeps or reads the key in the browser (window/localStorage/cookies).",
                "Keep the key on the server; have the browser call your own backend.",
            )
        if source.language == "node" and re.search(r"\bdangerouslyAllowBrowser[ \t]*:[ \t]*true", line):
            yield Hit(
                index,
                "Calls the API from the browser (`dangerouslyAllowBrowser: true`) with the key.",
                "Call Pixapi from your server; never ship the key to a browser.",
            )
    if re.match(r"""[ \t\n]*["']use client["']""", source.text) and re.search(
        r"PIXAPI_KEY|pixapi", source.text, re.I
    ):
        first = next((i for i, line in source.lines() if "PIXAPI_KEY" in line), None)
        if first is not None:
            yield Hit(
                first,
                'Uses the key in a client component (`"use client"`): it runs in the browser.',
                "Move the Pixapi call to a server route or server action.",
            )
