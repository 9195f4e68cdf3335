"""A request the code sends, as the checker reconstructs it, and what the rules ask of it.

Each language reader (``lang_*``) turns a call site into a ``Request``: the URL as built (with its
client's base URL, if any), the headers, the body and how it is encoded. Everything here is about
one request, so auth, content type, endpoint and body are judged per request, never per file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pixapi_mcp.codecheck.values import (
    HOLE,
    UNKNOWN,
    Arr,
    Call,
    Field,
    Obj,
    Str,
    Unknown,
    Value,
    concat,
    plain,
)

Encoding = Literal["json", "multipart", "form", "raw", "none", "unknown"]

# Where a Pixapi API path starts in a URL: /v1/..., or a known route after an unknown base.
_API_PATH = re.compile(r"/v1(?:/|$)|(?:^|" + HOLE + r")/(?:async/)?(?:images|videos|tasks|models)\b")
_UNSET = object()
_PIXAPI_HOST = re.compile(r"(?i)^https?://(?:[\w-]+\.)*pixapi\.ai(?=/|$|" + HOLE + ")")


@dataclass(eq=False)
class Request:
    """One HTTP request (or SDK call) in the code."""

    line: int  # 0-based line of the call
    site: int  # source position of the call, to tell requests apart
    method: str | None = None
    url: Value | None = None
    base: Value | None = None  # the client's base URL when ``url`` is relative to it
    headers: list[tuple[str | None, Value, int]] | None = field(
        default_factory=list[tuple[str | None, Value, int]]
    )
    body: Value | None = None
    encoding: Encoding = "none"
    auto_json: bool = False  # the library sets Content-Type: application/json itself
    query: Value | None = None
    sdk: str | None = None  # an openai SDK call such as "images.generate"
    via: int | None = None  # the helper call site this request was instantiated at
    wrapped: bool = False  # the JSON answer is under `.data` of the response (axios)
    body_line: int | None = None  # where the body is handed to the request (``data=``, ``.POST(...)``)
    endpoint_cache: tuple[object] | None = None  # source.endpoint_of's answer, computed once
    # (url, base, full_url(), api_path()) for the url and base it was computed from
    _url_cache: tuple[object, object, Str | None, object] | None = field(default=None, repr=False)

    # -- the URL -------------------------------------------------------------------------------

    def full_url(self) -> Str | None:
        # Asked a dozen times per request by the detectors: computed once per (url, base) pair
        # (a reader may still set ``url`` or ``base`` while it builds the request).
        cached = self._url_cache
        if cached is not None and cached[0] is self.url and cached[1] is self.base:
            return cached[2]
        found = self._full_url()
        self._url_cache = (self.url, self.base, found, _UNSET)
        return found

    def _full_url(self) -> Str | None:
        url = self.url if isinstance(self.url, Str) else None
        base = self.base if isinstance(self.base, Str) else None
        if url is not None and (url.text.startswith(("http://", "https://")) or base is None):
            return url
        if base is None:
            return None
        if url is None:
            return base
        stem = Str(
            base.text.rstrip("/") + ("" if url.text.startswith("/") else "/"),
            base.line,
            base.marks,
            base.holes,
        )
        return concat([stem, url], url.line)

    def api_path(self) -> tuple[str, int] | None:
        """``(path with query, offset in the full URL)`` of the Pixapi API path, if the URL has one."""
        url = self.full_url()
        cached = self._url_cache
        if cached is not None and cached[3] is not _UNSET:
            return cached[3]  # pyright: ignore[reportReturnType]
        found = None
        match = _API_PATH.search(url.text) if url is not None else None
        if url is not None and match is not None:
            start = match.start() + (1 if url.text[match.start()] == HOLE else 0)
            found = url.text[start:], start
        if cached is not None:
            self._url_cache = (*cached[:3], found)
        return found

    def is_pixapi(self) -> bool:
        """True when the request goes to Pixapi's API: a pixapi.ai host, or a ``/v1`` API path."""
        if self.sdk is not None:
            return True
        url = self.full_url()
        if url is None:
            return False
        if _PIXAPI_HOST.match(url.text):
            return self.api_path() is not None or "/api" in url.text
        return self.api_path() is not None

    def url_for_contract(self) -> str | None:
        """The URL as the contract's checks take it: holes replaced (an unknown id stays a segment)."""
        url = self.full_url()
        found = self.api_path()
        if url is None or found is None:
            return None
        path = found[0]
        text = url.text if _PIXAPI_HOST.match(url.text) else path
        if self.query is not None and isinstance(self.query, Obj) and "async" in self.query.fields:
            text += ("&" if "?" in text else "?") + "async=true"
        return text.replace(HOLE, "x")

    def route(self) -> str | None:
        found = self.api_path()
        if found is None:
            return None
        path = found[0].split("?", 1)[0].split("#", 1)[0]
        return path

    def anchor_line(self) -> int:
        """Where a finding about the whole request goes: the line of its URL when that is part of
        the request (at the call, or at the helper call site it was made from), else the call."""
        at = self.path_line()
        if self.via is not None or self.line - 12 <= at <= self.line + 3:
            return at
        return self.line

    def path_line(self) -> int:
        url = self.full_url()
        found = self.api_path()
        if url is None or found is None:
            return self.line
        return url.line_at(found[1])

    # -- headers ------------------------------------------------------------------------------

    def header(self, name: str) -> tuple[Value, int] | None:
        for key, value, line in self.headers or []:
            if key == name:
                return value, line
        return None

    @property
    def headers_known(self) -> bool:
        return self.headers is not None and all(key is not None for key, _, _ in self.headers)

    def content_type(self) -> str | None:
        """The Content-Type sent: the header's value, "" when none is sent, None when unknown."""
        found = self.header("content-type")
        if found is not None:
            value = found[0]
            return value.text if isinstance(value, Str) and value.known else None
        if self.auto_json or not self.headers_known:
            return None
        return ""

    # -- the body -------------------------------------------------------------------------------

    def body_fields(self) -> Obj | None:
        body = self.body
        if isinstance(body, Obj):
            return body
        if isinstance(body, Call) and body.parts:
            return Obj({name: Field(value, at) for name, value, at in body.parts}, body.line)
        return None

    def contract_body(self) -> dict[str, Any]:
        """The body as the contract's checks take it; unknown values are ``UNKNOWN``."""
        fields = self.body_fields()
        if fields is None:
            return {}
        return {name: plain(f.value) for name, f in fields.fields.items()}

    def multipart(self) -> bool | None:
        if self.encoding == "multipart":
            return True
        if self.encoding in ("json", "raw", "form"):
            return False
        return None


def header_entries(value: Value | None) -> list[tuple[str | None, Value, int]] | None:
    """Headers from a dict/object/map, or from a list of ``"Name: value"`` lines (curl, PHP)."""
    if value is None:
        return []
    if isinstance(value, Obj):
        entries: list[tuple[str | None, Value, int]] = [
            (name.lower(), f.value, f.line) for name, f in value.fields.items()
        ]
        if value.open:
            entries.append((None, Unknown("...", value.line), value.line))
        return entries
    if isinstance(value, Arr):
        found: list[tuple[str | None, Value, int]] = []
        for item in value.items:
            found.extend(header_line(item))
        return found
    return None


def header_line(item: Value) -> list[tuple[str | None, Value, int]]:
    """One ``"Name: value"`` header line."""
    if isinstance(item, Str) and ":" in item.text and not item.text.startswith(HOLE):
        name, _, rest = item.text.partition(":")
        offset = len(name) + 1 + (len(rest) - len(rest.lstrip()))
        first = item.text.count(HOLE, 0, offset)
        value = Str(
            rest.strip(),
            item.line_at(offset),
            tuple((max(0, o - offset), ln, k) for o, ln, k in item.marks),
            item.holes[first:],
        )
        return [(name.strip().lower(), value, item.line)]
    return [(None, item, getattr(item, "line", 0))]


UNKNOWN_VALUE = UNKNOWN
