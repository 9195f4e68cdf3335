"""Reading integration code: which language it is, and a lexical view the detectors work on.

``Source`` holds the code split in lines with comments blanked (line numbers kept), the lines
that speak of a mistake negatively ("never send image_url"), paragraphs, and the Pixapi paths
(or OpenAI-SDK calls) it mentions. ``key_forms`` and ``literal_values`` find a request field and
its literal value in the spellings of each language (JSON and dict keys, keyword arguments, Go
struct fields and tags, form and query parameters). No rule lives here: the detectors
(``detect_*`` modules) decide what is a mistake.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Literal

Language = Literal["curl", "python", "node", "go", "java", "php", "json"]
LANGUAGES: tuple[Language, ...] = ("curl", "python", "node", "go", "java", "php", "json")

# Names people use for the same thing; "auto" (or None) means detect from the code.
LANGUAGE_ALIASES: dict[str, Language] = {
    "curl": "curl",
    "bash": "curl",
    "sh": "curl",
    "shell": "curl",
    "zsh": "curl",
    "python": "python",
    "py": "python",
    "python3": "python",
    "node": "node",
    "nodejs": "node",
    "node.js": "node",
    "javascript": "node",
    "js": "node",
    "mjs": "node",
    "typescript": "node",
    "ts": "node",
    "go": "go",
    "golang": "go",
    "java": "java",
    "php": "php",
    "json": "json",
}


def normalize_language(language: str | None) -> Language | None:
    """The canonical language for a user-supplied name; None for "auto" or nothing.

    Raises ``ValueError`` naming the accepted values for anything else."""
    if language is None:
        return None
    key = language.strip().lower()
    if key in ("", "auto"):
        return None
    if key in LANGUAGE_ALIASES:
        return LANGUAGE_ALIASES[key]
    accepted = ", ".join(sorted({*LANGUAGE_ALIASES, "auto"}))
    raise ValueError(f"Unknown language {language!r}; use one of: {accepted}.")


def detect_language(code: str) -> Language:
    """Best guess at the language of ``code`` (curl when nothing else fits)."""
    text = code.strip()
    first = text.splitlines()[0].strip() if text else ""
    if _REQUEST_LINE.match(first) or text.startswith(("{", "[")):
        body = split_request_text(text)[1].strip()
        if body.startswith(("{", "[")):
            try:
                json.loads(body)
            except ValueError:
                pass
            else:
                return "json"
    if re.match(r"#!.*\b(?:ba|z)?sh\b", first) or re.match(r"curl\s", first):
        return "curl"
    if "<?php" in text or re.search(r"\bcurl_(?:init|setopt)\(", text):
        return "php"
    if re.search(r"^\s*package\s+\w+\s*$|\bfunc\s+\w*\(|\bhttp\.NewRequest\b|\w\s*:=\s", text, re.M):
        return "go"
    if re.search(
        r"\bimport\s+java\.|\bHttpRequest\.newBuilder|System\.getenv|"
        r"\bpublic\s+(?:static\s+)?(?:class|void|final)\b",
        text,
    ):
        return "java"
    if re.search(
        r"^\s*(?:import\s+\w+(?:\.\w+)*(?:\s+as\s+\w+)?\s*$|from\s+[\w.]+\s+import\b|def\s+\w+\(|print\()"
        r"|^\s*(?:if|elif|while|for|with|try|except)\b[^{;]*:\s*$|os\.environ|\b(?:requests|httpx)\.\w+\(",
        text,
        re.M,
    ):
        return "python"
    if re.search(
        r"\b(?:const|let|var)\s+\w+\s*=|\bawait\s+fetch\b|\brequire\(|process\.env|=>|"
        r"\bconsole\.log\b|^\s*import\s.+\sfrom\s+['\"]",
        text,
        re.M,
    ):
        return "node"
    if re.search(r"^\s*\$\w+\s*=", text, re.M):
        return "php"
    return "curl"


# -- a request text: an optional request line, headers, then the body -------------------------

_REQUEST_LINE = re.compile(
    r"^(?:(?://|#)\s*)?(?P<method>POST|GET|PUT|PATCH)\s+(?P<url>\S+)(?:\s+HTTP/[\d.]+)?\s*$", re.I
)


def split_request_text(text: str) -> tuple[str | None, str, int, int]:
    """``(path, body, body_first_line, request_line)``: an optional request line (``POST /v1/...``,
    perhaps as a comment), header lines, then the body. Line numbers are 1-based."""
    lines = text.splitlines()
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        return None, "", 1, 1
    match = _REQUEST_LINE.match(lines[index].strip())
    if match is None:
        return None, "\n".join(lines[index:]), index + 1, index + 1
    request_line = index + 1
    url = match.group("url")
    found = re.search(r"/v1/\S*", url)
    route = found.group(0) if found else url
    index += 1
    while index < len(lines) and lines[index].strip() and not lines[index].lstrip().startswith(("{", "[")):
        index += 1  # header lines such as "Authorization: Bearer ..." up to the blank line
    return route, "\n".join(lines[index:]), index + 1, request_line


# -- the lexical view ----------------------------------------------------------------------

_LINE_COMMENTS: dict[Language, tuple[str, ...]] = {
    "curl": ("#",),
    "python": ("#",),
    "node": ("//",),
    "go": ("//",),
    "java": ("//",),
    "php": ("//", "#"),
    "json": ("//",),
}
_QUOTES: dict[Language, tuple[str, ...]] = {
    "curl": ('"', "'"),
    "python": ('"""', "'''", '"', "'"),
    "node": ('"', "'", "`"),
    "go": ('"', "`", "'"),
    "java": ('"""', '"', "'"),
    "php": ('"', "'"),
    "json": ('"',),
}
# Quotes whose strings may run over several lines; the others end at the line end.
_MULTILINE_QUOTES = frozenset({'"""', "'''", "`"})
_RAW_QUOTES = frozenset({"`"})  # no backslash escapes inside (Go raw strings; JS keeps them, harmlessly)


def _strip_comments(text: str, language: Language) -> str:
    """``text`` with every comment replaced by spaces (newlines kept), strings left intact."""
    markers = _LINE_COMMENTS[language]
    quotes = _QUOTES[language]
    block = language in ("node", "go", "java", "php", "json")
    multiline = set(_MULTILINE_QUOTES)
    if language in ("curl", "php"):
        multiline.update({'"', "'"})  # shell and PHP strings span lines
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        quote = next((q for q in quotes if text.startswith(q, i)), None)
        if quote is not None:
            end = _string_end(text, i + len(quote), quote, quote in multiline, language)
            out.append(text[i:end])
            i = end
            continue
        if block and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
            continue
        marker = next((m for m in markers if text.startswith(m, i)), None)
        if marker is not None and _starts_comment(text, i, marker, language):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _string_end(text: str, i: int, quote: str, multiline: bool, language: Language) -> int:
    raw = quote in _RAW_QUOTES or (language == "curl" and quote == "'")
    n = len(text)
    while i < n:
        if not raw and text[i] == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i + len(quote)
        if text[i] == "\n" and not multiline:
            return i
        i += 1
    return n


def _starts_comment(text: str, i: int, marker: str, language: Language) -> bool:
    if marker == "#":
        if language == "php" and text.startswith("#[", i):
            return False  # a PHP 8 attribute
        if language == "curl":
            return i == 0 or text[i - 1] in " \t\n;(|&"
    return True


_NEGATIVE = re.compile(
    r"\b(?:do not|don't|never|not use|avoid|instead of|rather than|wrong|forbidden|not allowed|must not|"
    r"no longer|deprecated)\b",
    re.I,
)


EndpointKind = Literal["image", "edit", "video", "video-sync", "tasks", "models", "other"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One mention of a Pixapi path (or an SDK call standing for one) in the code."""

    line: int  # 0-based
    kind: EndpointKind
    path: str
    is_async: bool
    trailing_id: bool  # the path goes on with "/<something>", such as a task id
    sdk: bool = False  # an OpenAI-SDK style call (client.images.generate ...), not a literal path

    @property
    def shown(self) -> str:
        """How a finding quotes it: the path, or the SDK call."""
        return f"`{self.path}(...)`" if self.sdk else f"`{self.path}`"


_PATH = re.compile(r"(?P<path>(?:/v1)?(?:/async)?/(?:images?|videos?|tasks?|models|async)(?:/[\w.-]*)*)")
_SDK_CALLS: tuple[tuple[re.Pattern[str], EndpointKind], ...] = (
    (re.compile(r"\.images\.(?:generate|create)\s*\("), "image"),
    (re.compile(r"\.images\.edit\s*\("), "edit"),
    (re.compile(r"\.videos\.(?:create|generate)\s*\("), "video-sync"),
)


def _classify_path(raw: str) -> tuple[EndpointKind, bool, bool] | None:
    path = raw.rstrip("/.")
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] == "v1":
        parts = parts[1:]
    is_async = bool(parts) and parts[0] == "async"
    if is_async:
        parts = parts[1:]
    if not parts:
        return None
    head = parts[0]
    trailing = raw.endswith("/") and len(parts) >= 1
    if head in ("tasks", "task"):
        return (
            ("tasks" if head == "tasks" and not is_async else "other"),
            is_async,
            len(parts) > 1 or trailing,
        )
    if head == "models":
        return "models", is_async, False
    if head == "images" and len(parts) >= 2 and parts[1] in ("generations", "edits"):
        kind: EndpointKind = "edit" if parts[1] == "edits" else "image"
        return kind, is_async, len(parts) > 2 or (trailing and len(parts) == 2)
    if head == "videos" and (len(parts) == 1 or parts[1] == "generations"):
        extra = len(parts) > 2 or (trailing and len(parts) == 2)
        if is_async and len(parts) >= 2:
            return "video", True, extra
        if len(parts) == 1 and trailing:
            return "tasks", False, True  # GET /v1/videos/{id}: an OpenAI-style retrieval
        return "video-sync", is_async, extra
    return "other", is_async, len(parts) > 1


class Source:
    """Code split in lines, with comments blanked and the Pixapi paths it mentions."""

    def __init__(self, text: str, language: Language) -> None:
        self.language: Language = language
        self.raw: list[str] = text.splitlines()
        code = _strip_comments(text, language).splitlines()
        self.code: list[str] = code + [""] * (len(self.raw) - len(code))
        self.negated: frozenset[int] = frozenset(
            i for i, line in enumerate(self.code) if _NEGATIVE.search(line)
        )
        paragraph, paragraphs = 0, list[int]()
        for line in self.raw:
            if not line.strip():
                paragraph += 1
            paragraphs.append(paragraph)
        self.paragraph: list[int] = paragraphs

    def lines(self) -> Iterator[tuple[int, str]]:
        """(index, code) for every line that has code and does not speak of a mistake negatively."""
        for index, line in enumerate(self.code):
            if line.strip() and index not in self.negated:
                yield index, line

    @cached_property
    def endpoints(self) -> list[Endpoint]:
        found: list[Endpoint] = []
        for index, line in self.lines():
            for match in _PATH.finditer(line):
                raw = match.group("path")
                if not raw.startswith("/v1/") and not re.match(r"/(?:async/)?(?:images|videos)/", raw):
                    continue
                classified = _classify_path(raw)
                if classified is None:
                    continue
                kind, is_async, trailing = classified
                found.append(Endpoint(index, kind, raw, is_async, trailing))
            for pattern, kind in _SDK_CALLS:
                call = pattern.search(line)
                if call is not None:
                    found.append(Endpoint(index, kind, call.group(0).strip(" ("), False, False, sdk=True))
        return found

    @cached_property
    def text(self) -> str:
        return "\n".join(self.code)

    @cached_property
    def body_lines(self) -> frozenset[int]:
        """Lines that look like part of a Pixapi request body (a `model` or `prompt` key)."""
        marks: set[int] = set()
        for index, line in self.lines():
            if key_forms("prompt", self.language).search(line) or key_forms("model", self.language).search(
                line
            ):
                marks.add(index)
        return frozenset(marks)

    def near_body(self, index: int, radius: int = 6) -> bool:
        return (
            any(
                abs(other - index) <= radius and self.paragraph[other] == self.paragraph[index]
                for other in self.body_lines
            )
            or index in self.body_lines
        )

    def endpoint_for(self, index: int, radius: int = 12) -> Endpoint | None:
        """The request a line belongs to: an endpoint on the same line, else the nearest one in the
        same paragraph, else the nearest within ``radius`` lines (ties go to the earlier one)."""
        requests = [e for e in self.endpoints if e.kind not in ("models", "other")]
        same = [e for e in requests if e.line == index]
        if same:
            return same[0]
        in_paragraph = [e for e in requests if self.paragraph[e.line] == self.paragraph[index]]
        pool = in_paragraph or [e for e in requests if abs(e.line - index) <= radius]
        if not pool:
            return None
        return min(pool, key=lambda e: (abs(e.line - index), e.line))

    def assignment(self, name: str, before: int) -> tuple[int, str] | None:
        """The last assignment of ``name`` at or before line ``before``: (line, right-hand side
        with its continuation lines)."""
        pattern = re.compile(
            rf"(?<![\w$.])\$?{re.escape(name)}\s*(?::\s*[\w\[\], .|]+)?\s*(?::=|=(?![=>]))\s*(?P<rhs>.*)$"
        )
        for index in range(min(before, len(self.code) - 1), -1, -1):
            match = pattern.search(self.code[index])
            if match is None:
                continue
            rhs = [match.group("rhs")]
            depth = _depth(match.group("rhs"))
            follow = index + 1
            while (
                follow < len(self.code)
                and follow - index <= 10
                and (depth > 0 or rhs[-1].rstrip().endswith("\\"))
            ):
                rhs.append(self.code[follow])
                depth += _depth(self.code[follow])
                follow += 1
            return index, "\n".join(rhs)
        return None


def _depth(text: str) -> int:
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


@cache
def key_forms(name: str, language: Language) -> re.Pattern[str]:
    """Where ``name`` is used as a request field: a quoted key (JSON, dict, PHP, Go map, Java
    Map.of), a Go struct tag, a query or form parameter, and the unquoted forms of each language
    (JS object keys and shorthand, Python keyword arguments)."""
    n = re.escape(name)
    forms = [
        rf"""(?<![\w-])\\?["'`]{n}\\?["'`]\s*(?::|=>)""",
        rf"""(?<!get)(?<!pop)(?<!getenv)(?<!getOrDefault)[(,]\s*["']{n}["']\s*,""",
        rf"""json:\\?"{n}\b""",
        rf"""[?&]{n}=""",
        rf"""(?:-F|--form|--form-string|-d|--data|--data-urlencode)\s*["']?{n}=""",
        rf"""["']{n}=""",
    ]
    if language == "node":
        forms.append(rf"""(?<![\w$.'"`-]){n}\s*:(?!:)""")
        forms.append(rf"""[{{,]\s*{n}\s*(?=[,}}])""")
    if language == "python":
        forms.append(rf"""[(,]\s*{n}\s*=(?!=)|^\s*{n}=(?!=)|^\s*{n}\s*=(?!=).*,\s*$""")
    if language == "go":
        forms.append(rf"""(?<![\w.])(?:{_go_names(name)})\s*:(?!=)""")
    return re.compile("|".join(f"(?:{f})" for f in forms))


def _go_names(name: str) -> str:
    """Go struct field spellings of a JSON field: ``image_url`` -> ``ImageUrl|ImageURL``."""
    camel = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    names = {camel, re.sub(r"(Url|Id)$", lambda m: m.group(1).upper(), camel)}
    return "|".join(sorted(re.escape(n) for n in names))


@cache
def _literal_after_key(name: str, language: Language) -> re.Pattern[str]:
    """``name`` used as a field with a string literal value; the value is group ``value``."""
    n = re.escape(name)
    forms = [
        rf"""\\?["'`]{n}\\?["'`]\s*(?::|=>|,)\s*\\?["'`](?P<v1>[^"'`\\]*)\\?["'`]""",
        rf"""(?:-F|--form|-d|--data)\s*["']?{n}=(?P<v2>[^"'&\s]+)""",
        rf"""["']{n}=(?P<v3>[^"'&]+)""",
        rf"""\.(?:set)?{n[0].upper()}{n[1:]}\(\s*"(?P<v4>[^"]*)"\s*\)""",
        rf"""\.{n}\(\s*"(?P<v5>[^"]*)"\s*\)""",
    ]
    if language == "node":
        forms.append(rf"""(?<![\w$.'"`-]){n}\s*:\s*["'`](?P<v6>[^"'`$]*)["'`]""")
    if language == "python":
        forms.append(rf"""(?:[(,]|^)\s*{n}\s*=\s*["'](?P<v7>[^"']*)["']""")
    if language == "go":
        forms.append(rf"""(?<![\w.])(?:{_go_names(name)})\s*:\s*"(?P<v8>[^"]*)\"""")
    return re.compile("|".join(f"(?:{f})" for f in forms))


def literal_values(source: Source, name: str) -> Iterator[tuple[int, str]]:
    pattern = _literal_after_key(name, source.language)
    for index, line in source.lines():
        for match in pattern.finditer(line):
            value = next((v for v in match.groups() if v is not None), None)
            if value is not None and not re.search(r"[<>{}$]|\$\{", value):
                yield index, value
