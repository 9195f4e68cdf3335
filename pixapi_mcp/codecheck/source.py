"""``check_code``: find Pixapi contract mistakes in integration code or in a request body.

Built on the rule table in ``contract.RULES``: every finding carries a contract rule id, the
rule's docs and a fix. Request bodies (``language="json"``) go through ``contract.check_request``
itself; source code in curl/bash, Python, Node, Go, Java and PHP goes through the detectors in
``DETECTORS``, one entry per rule id, over a light lexical view of the code (comments blanked,
line numbers kept). The detectors favour precision: Pixapi's own examples and this project's
recipes must come out clean, so each pattern is anchored to something that only a request body,
a header or a response read looks like.

No MCP and no HTTP here: this module is imported by ``docs`` and by the tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pixapi_mcp import contract

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
        body = _split_request_text(text)[1].strip()
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


def check_code(code: str, language: str | None = None, *, path: str | None = None) -> list[Finding]:
    """Every contract mistake found in ``code``, ordered by line.

    ``language`` is one of ``LANGUAGES`` or an alias (``javascript``, ``bash`` ...); None or
    ``"auto"`` detects it. For ``"json"`` the text is a request body (optionally preceded by a
    ``POST /v1/...`` line or a ``// POST /v1/...`` comment) checked with
    ``contract.check_request``; ``path`` names the endpoint when the text does not.

    Raises ``ValueError`` for an unknown language or a JSON body that does not parse.
    """
    lang = normalize_language(language) or detect_language(code)
    if lang == "json":
        findings = _check_json(code, path)
    else:
        source = Source(code, lang)
        findings: list[Finding] = []
        for rule_id, detector in DETECTORS.items():
            findings.extend(_finding(rule_id, hit, source) for hit in detector(source))
    order = {rule.id: index for index, rule in enumerate(contract.RULES)}
    unique: dict[tuple[str, int], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule_id, finding.line), finding)  # the first detector's wording wins
    return sorted(unique.values(), key=lambda f: (f.line, order.get(f.rule_id, 99)))


def summarize(findings: list[Finding], language: str) -> str:
    """One paragraph for a tool result: how many findings, which rules, what to do next."""
    what = "JSON request body" if language == "json" else f"{language} code"
    if not findings:
        return (
            f"No Pixapi contract mistakes found in this {what}. The check is static and pattern-based: "
            "it cannot see values computed at run time."
        )
    rules = sorted({f.rule_id for f in findings})
    noun = "finding" if len(findings) == 1 else "findings"
    return (
        f"{len(findings)} {noun} in this {what} ({', '.join(rules)}). Fix each at its line; read the "
        "docs_uri resource for the rule, then run check_code again."
    )


# --------------------------------------------------------------------------------------------
# Request bodies
# --------------------------------------------------------------------------------------------

_REQUEST_LINE = re.compile(
    r"^(?:(?://|#)\s*)?(?P<method>POST|GET|PUT|PATCH)\s+(?P<url>\S+)(?:\s+HTTP/[\d.]+)?\s*$", re.I
)
_VIDEO_FIELDS = ("duration", "input_image", "image_url", "seconds")


def _split_request_text(text: str) -> tuple[str | None, str, int, int]:
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


def _guess_path(body: Mapping[str, Any]) -> str:
    model = body.get("model")
    category = contract.model_category(model) if isinstance(model, str) else None
    if any(key in body for key in _VIDEO_FIELDS) or category == "video":
        return contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
    if "image" in body:
        return contract.Endpoint.IMAGE_EDITS.value
    return contract.Endpoint.IMAGE_GENERATIONS.value


def _check_json(text: str, path: str | None) -> list[Finding]:
    found_path, body_text, first_line, request_line = _split_request_text(text)
    try:
        body = json.loads(body_text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1) + first_line - 1
        raise ValueError(f"The request body is not valid JSON (line {line}): {exc}") from None
    if not isinstance(body, dict):
        raise ValueError('The request body must be a JSON object such as {"model": ..., "prompt": ...}.')
    fields: dict[str, Any] = dict(body)  # pyright: ignore[reportUnknownArgumentType]
    route = path or found_path or _guess_path(fields)
    lines = text.splitlines()
    findings: list[Finding] = []
    for violation in contract.check_request(route, fields, multipart=False):
        rule = contract.RULES_BY_ID[violation.rule_id]
        line = request_line
        if violation.field:
            line = _json_field_line(lines, violation.field, first_line) or request_line
        shown = f"`{violation.field}`" if violation.field else f"`{route}`"
        findings.append(
            Finding(
                rule_id=rule.id,
                line=max(line, 1),
                message=f"{rule.summary} This body breaks it at {shown} (sent to {route}).",
                fix=violation.message,
                docs_url=rule.docs_url,
                docs_uri=docs_uri_for(rule.id),
                snippet=_snippet(lines, max(line, 1)),
            )
        )
    return findings


def _json_field_line(lines: list[str], field: str, first_line: int) -> int | None:
    pattern = re.compile(rf'"{re.escape(field)}"\s*:')
    for number in range(first_line, len(lines) + 1):
        if pattern.search(lines[number - 1]):
            return number
    return None


# --------------------------------------------------------------------------------------------
# Source code: a lexical view
# --------------------------------------------------------------------------------------------

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


_PATH = re.compile(r"(?P<path>(?:/v1)?(?:/async)?/(?:images?|videos?|tasks?|models|async)(?:/[\w.-]*)*)")
_SDK_CALLS: tuple[tuple[re.Pattern[str], EndpointKind], ...] = (
    (re.compile(r"\.images\.(?:generate|create)\s*\("), "image"),
    (re.compile(r"\.images\.edit\s*\("), "edit"),
    (re.compile(r"\.videos\.(?:create|generate)\s*\("), "video-sync"),
)
_KNOWN_ROUTE = re.compile(
    r"^/v1/(?:images/(?:generations|edits)|async/(?:images/(?:generations|edits)|videos/generations)"
    r"|tasks(?:/.*)?|models(?:/.*)?)$"
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
            if _key_forms("prompt", self.language).search(line) or _key_forms("model", self.language).search(
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


def _key_forms(name: str, language: Language) -> re.Pattern[str]:
    """Where ``name`` is used as a request field: a quoted key (JSON, dict, PHP, Go map, Java
    Map.of), a Go struct tag, a query or form parameter, and the unquoted forms of each language
    (JS object keys and shorthand, Python keyword arguments)."""
    return _KEY_FORM_CACHE.get((name, language)) or _compile_key_forms(name, language)


_KEY_FORM_CACHE: dict[tuple[str, Language], re.Pattern[str]] = {}


def _compile_key_forms(name: str, language: Language) -> re.Pattern[str]:
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
    pattern = re.compile("|".join(f"(?:{f})" for f in forms))
    _KEY_FORM_CACHE[(name, language)] = pattern
    return pattern


def _go_names(name: str) -> str:
    """Go struct field spellings of a JSON field: ``image_url`` -> ``ImageUrl|ImageURL``."""
    camel = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    names = {camel, re.sub(r"(Url|Id)$", lambda m: m.group(1).upper(), camel)}
    return "|".join(sorted(re.escape(n) for n in names))


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


def _literal_values(source: Source, name: str) -> Iterator[tuple[int, str]]:
    pattern = _literal_after_key(name, source.language)
    for index, line in source.lines():
        for match in pattern.finditer(line):
            value = next((v for v in match.groups() if v is not None), None)
            if value is not None and not re.search(r"[<>{}$]|\$\{", value):
                yield index, value


# --------------------------------------------------------------------------------------------
# Detectors, one per rule id
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector's answer: 0-based line, what is wrong there, and the fix when it is more
    specific than the rule's own message."""

    line: int
    message: str
    fix: str | None = None


Detector = Callable[[Source], Iterator[Hit]]


def _contract_fix(
    rule_id: str, path: str, body: Mapping[str, Any], multipart: bool | None = None
) -> str | None:
    """The contract's own wording for this rule on this request, when the rule fires on it."""
    rule = contract.RULES_BY_ID[rule_id]
    found = contract.check_request(path, body, multipart=multipart, rules=[rule])
    return found[0].message if found else None


def _detect_async_flag(source: Source) -> Iterator[Hit]:
    forms = _key_forms("async", source.language)
    for index, line in source.lines():
        match = forms.search(line)
        if match is None:
            continue
        in_query = match.group(0).startswith(("?", "&"))
        where = "`?async=true` in the URL" if in_query else 'an `"async"` field in the body'
        path = "/v1/images/generations?async=true" if in_query else "/v1/images/generations"
        body: dict[str, Any] = {} if in_query else {"async": True}
        yield Hit(
            index,
            f"Sends {where}: Pixapi has no async flag; async work is chosen by the `/v1/async/...` path.",
            _contract_fix("async-endpoint", path, body),
        )


def _detect_sync_video(source: Source) -> Iterator[Hit]:
    for endpoint in source.endpoints:
        if endpoint.kind == "video-sync":
            shown = f"an OpenAI-style {_shown(endpoint)} call" if endpoint.sdk else _shown(endpoint)
            yield Hit(
                endpoint.line,
                f"Submits video to {shown}: video is async-only and that endpoint does not exist.",
                _contract_fix("video-async-only", contract.FORBIDDEN_VIDEO_PATH, {}),
            )


def _detect_unknown_endpoint(source: Source) -> Iterator[Hit]:
    for endpoint in source.endpoints:
        if endpoint.kind != "other" or endpoint.sdk or not endpoint.path.startswith("/v1/"):
            continue
        route = endpoint.path.rstrip("/")
        if _KNOWN_ROUTE.match(route) or route.startswith(("/v1/async/tasks", "/v1/task")):
            continue  # polling mistakes are reported by task-polling
        yield Hit(
            endpoint.line,
            f"Calls `{route}`, which is not a Pixapi endpoint.",
            _contract_fix("unknown-endpoint", route, {}),
        )


def _openai_chat_part(source: Source, index: int) -> bool:
    """True where `image_url` is an OpenAI chat content part (`{"type": "image_url", ...}`)."""
    window = "\n".join(source.code[max(0, index - 2) : index + 1])
    return bool(re.search(r"""type["'`]?\s*[:=]>?\s*["'`]image_url""", window))


def _detect_image_url(source: Source) -> Iterator[Hit]:
    forms = _key_forms("image_url", source.language)
    for index, line in source.lines():
        if not forms.search(line) or _openai_chat_part(source, index):
            continue
        endpoint = source.endpoint_for(index)
        if endpoint is None and not source.near_body(index):
            continue
        edit = endpoint is not None and endpoint.kind == "edit"
        path = (
            contract.Endpoint.IMAGE_EDITS.value if edit else contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
        )
        what = "an edit" if edit else "image-to-video"
        yield Hit(
            index,
            f"Sends `image_url` for {what}: Pixapi has no `image_url` field.",
            _contract_fix("input-image-field", path, {"image_url": "https://example.com/a.png"}),
        )


def _detect_seconds(source: Source) -> Iterator[Hit]:
    forms = _key_forms("seconds", source.language)
    for index, line in source.lines():
        if not forms.search(line):
            continue
        endpoint = source.endpoint_for(index, radius=8)
        video = endpoint is not None and endpoint.kind in ("video", "video-sync")
        if not (video or source.near_body(index)):
            continue
        yield Hit(
            index,
            "Sends `seconds` for the video length: Pixapi's field is `duration` (in seconds).",
            _contract_fix("duration-field", contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value, {"seconds": 8}),
        )


@dataclass(frozen=True, slots=True)
class _ModelUse:
    line: int
    model: str
    endpoint: Endpoint | None
    video_body: bool  # the literal sits among video-only fields


def _model_uses(source: Source) -> list[_ModelUse]:
    video_keys = [_key_forms(name, source.language) for name in ("input_image", "duration", "seconds")]
    uses: list[_ModelUse] = []
    for index, value in _literal_values(source, "model"):
        window = range(max(0, index - 5), min(len(source.code), index + 6))
        video_body = any(
            source.paragraph[other] == source.paragraph[index]
            and any(k.search(source.code[other]) for k in video_keys)
            for other in window
        )
        uses.append(_ModelUse(index, value.strip(), source.endpoint_for(index), video_body))
    return uses


def _detect_image_model_on_video(source: Source) -> Iterator[Hit]:
    for use in _model_uses(source):
        if contract.model_category(use.model) != "image":
            continue
        on_video = use.endpoint is not None and use.endpoint.kind in ("video", "video-sync")
        if on_video or (
            use.video_body and (use.endpoint is None or use.endpoint.kind not in ("image", "edit"))
        ):
            yield Hit(
                use.line,
                f"Uses the image model `{use.model}` for video: Nano Banana, Gemini image and GPT Image "
                "models only make images.",
                _contract_fix(
                    "image-model-on-video-endpoint",
                    contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value,
                    {"model": use.model},
                ),
            )


def _detect_video_model_on_image(source: Source) -> Iterator[Hit]:
    for use in _model_uses(source):
        if contract.model_category(use.model) != "video" or use.endpoint is None:
            continue
        if use.endpoint.kind in ("image", "edit"):
            yield Hit(
                use.line,
                f"Sends the video model `{use.model}` to the image endpoint {_shown(use.endpoint)}.",
                _contract_fix(
                    "video-model-on-image-endpoint",
                    contract.Endpoint.IMAGE_GENERATIONS.value,
                    {"model": use.model},
                ),
            )


def _shown(endpoint: Endpoint) -> str:
    return f"`{endpoint.path}(...)`" if endpoint.sdk else f"`{endpoint.path}`"


def _detect_unknown_model(source: Source) -> Iterator[Hit]:
    for use in _model_uses(source):
        if use.endpoint is None or use.endpoint.kind not in ("image", "edit", "video"):
            continue
        if contract.lookup_model(use.model) or contract.model_category(use.model):
            continue
        path = (
            contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
            if use.endpoint.kind == "video"
            else (contract.Endpoint.IMAGE_GENERATIONS.value)
        )
        yield Hit(
            use.line,
            f"`{use.model}` is not a Pixapi model id or alias.",
            _contract_fix("unknown-model", path, {"model": use.model, "prompt": "x"}),
        )


# -- reading URLs out of responses -------------------------------------------------------------

_ACCESSOR_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\?\.\["), "["),
    (re.compile(r"\?\."), "."),
    (re.compile(r"""\[\s*["'](\w+)["']\s*\]"""), r".\1"),
    (re.compile(r"\[\s*(\d+)\s*\]"), r".\1"),
    (re.compile(r"->"), "."),
    (
        re.compile(
            r"""\.(?:get|path|at|getJSONObject|getJSONArray|getString|optJSONObject|optJSONArray|optString|"""
            r"""getAsJsonObject|getAsJsonArray|Get|Index)\(\s*["']?(\w+)["']?\s*\)"""
        ),
        r".\1",
    ),
    (re.compile(r"\.json\(\s*\)"), ""),
)
_URL_READ = re.compile(r"(?i)(?<![\w$])\$?(?P<root>[A-Za-z_][\w$]*)(?P<middle>(?:\.\w+)*?)\.data\.0\.url\b")
_JQ_READ = re.compile(r"""(?P<path>(?:\.result)?\.data\[0\]\.url)""")
_TASKISH = re.compile(r"(?i)task|job|poll|status|operation|prediction")
_VIDEOISH = re.compile(r"(?i)video|submission|submit")
_IMAGEISH = re.compile(r"(?i)image|img|picture|photo|generation|edit")
_RESULT_ACCESS = re.compile(
    r"""(?i)(?:\.result\b|\[\s*["']result["']\s*\]|->result\b|\(\s*["']result["']\s*\))"""
)

Origin = Literal["task", "submission", "image", "task-result"]


def _normalize_accessors(line: str) -> str:
    for pattern, replacement in _ACCESSOR_REWRITES:
        line = pattern.sub(replacement, line)
    return line


def _origin_of(source: Source, name: str, before: int, depth: int = 0) -> Origin | None:
    """Where the value in variable ``name`` comes from, following assignments a few hops."""
    found = source.assignment(name, before)
    if found is not None:
        index, rhs = found
        origin = _origin_of_text(source, rhs, index, name, depth)
        if origin is not None:
            return origin
    if _TASKISH.search(name):
        return "task"
    if _VIDEOISH.search(name):
        return "submission"
    if _IMAGEISH.search(name):
        return "image"
    return None


def _origin_of_text(source: Source, rhs: str, index: int, name: str, depth: int) -> Origin | None:
    if _RESULT_ACCESS.search(rhs):
        return "task-result"
    span = range(index, index + len(rhs.splitlines()))
    kinds = [e for e in source.endpoints if e.line in span]
    for endpoint in kinds:
        if endpoint.kind == "tasks":
            return "task"
        # The forbidden sync video path answers (at best) a task too: reading data[0].url from it
        # is the same mistake as from the async endpoint.
        if endpoint.is_async or endpoint.kind in ("video", "video-sync"):
            return "submission"
        if endpoint.kind in ("image", "edit"):
            return "image"
    if depth < 3:
        for ident in re.findall(r"(?<![\w$.])\$?([A-Za-z_]\w*)", rhs):
            if ident == name or ident in _NOT_VARIABLES:
                continue
            if source.assignment(ident, index - 1) is not None:
                origin = _origin_of(source, ident, index - 1, depth + 1)
                if origin is not None:
                    return origin
    for call in re.findall(r"([A-Za-z_]\w*)\s*\(", rhs):
        if _TASKISH.search(call):
            return "task"
        if _VIDEOISH.search(call):
            return "submission"
        if _IMAGEISH.search(call):
            return "image"
    return None


_NOT_VARIABLES = frozenset(
    {
        "await",
        "json",
        "JSON",
        "new",
        "this",
        "self",
        "return",
        "const",
        "let",
        "var",
        "true",
        "false",
        "null",
        "None",
        "True",
        "False",
        "string",
        "String",
        "Object",
        "parse",
        "loads",
        "decode",
        "json_decode",
    }
)


@dataclass(frozen=True, slots=True)
class _UrlRead:
    line: int
    root: str
    via_result: bool  # reads result.data[0].url
    origin: Origin | None


def _url_reads(source: Source) -> list[_UrlRead]:
    reads: list[_UrlRead] = []
    for index, line in source.lines():
        if "jq" in line and source.language == "curl":
            for match in _JQ_READ.finditer(line):
                names = [v for v in re.findall(r"\$\{?(\w+)", line) if v not in _jq_args(line)]
                origin = _origin_of(source, names[-1], index) if names else None
                root = names[-1] if names else "jq"
                reads.append(_UrlRead(index, root, match.group("path").startswith(".result"), origin))
            continue
        for match in _URL_READ.finditer(_normalize_accessors(line)):
            root, middle = match.group("root"), match.group("middle")
            via_result = bool(re.search(r"(?i)\.result$", middle))
            if root.lower() == "result" and not middle:
                origin = _origin_of(source, root, index)
                via_result = origin == "task-result"
            else:
                origin = _origin_of(source, root, index)
            reads.append(_UrlRead(index, root, via_result, origin))
    return reads


def _jq_args(line: str) -> set[str]:
    return set(re.findall(r"--arg(?:json)?\s+(\w+)", line))


def _detect_task_result_field(source: Source) -> Iterator[Hit]:
    for read in _url_reads(source):
        if not read.via_result and read.origin in ("task", "submission"):
            what = "a task" if read.origin == "task" else "an async submission (which has no outputs yet)"
            yield Hit(
                read.line,
                f"Reads `data[0].url` from {what} (`{read.root}`): task outputs are under `result`.",
            )


def _detect_image_url_field(source: Source) -> Iterator[Hit]:
    b64 = any(value == "b64_json" for _, value in _literal_values(source, "response_format"))
    for read in _url_reads(source):
        if read.via_result and read.origin == "image":
            yield Hit(
                read.line,
                f"Reads `result.data[0].url` from a synchronous image response (`{read.root}`): "
                "images come back as `data[0].url`.",
            )
        elif b64 and not read.via_result and read.origin == "image":
            yield Hit(
                read.line,
                'Requests `"response_format": "b64_json"` but reads `data[0].url`: the image is then in '
                "`data[0].b64_json`.",
                "Read `data[0].b64_json`, or drop `response_format` (or set it to `url`) to get a URL.",
            )


# -- polling -----------------------------------------------------------------------------------

_BAD_STATUSES = ("done", "succeeded", "success", "successful", "succeed", "complete", "finished", "ready")
_COMPARISON = re.compile(
    r"""==|!=|\.equals\(|\bin\s*[(\[{]|\bcase\b|-eq\b|\bis\s|\[\[?\s.*\s=\s|in_array\(|\.includes\(|"""
    r"""\bcontains\(|\.indexOf\("""
)


def _detect_task_polling(source: Source) -> Iterator[Hit]:
    endpoints = source.endpoints
    polls = [e for e in endpoints if e.kind == "tasks" and e.path.startswith(("/v1/tasks", "/tasks"))]
    submissions = [e for e in endpoints if e.is_async and e.kind in ("image", "edit", "video")]
    if submissions and not polls and not re.search(r"/tasks\b", source.text):
        yield Hit(
            submissions[0].line,
            "Submits an async task but never polls `GET /v1/tasks/{id}`: the output only exists on the task.",
        )
    for endpoint in endpoints:
        wrong_poll = (
            (endpoint.kind == "tasks" and not endpoint.path.startswith(("/v1/tasks", "/tasks")))
            or endpoint.path.startswith(("/v1/async/tasks", "/v1/task/", "/async/tasks"))
            or (endpoint.kind in ("image", "edit", "video") and endpoint.trailing_id)
        )
        if wrong_poll:
            yield Hit(endpoint.line, f"Polls `{endpoint.path}...`: tasks are read at `GET /v1/tasks/{{id}}`.")
    bad = "|".join(_BAD_STATUSES)
    quoted = re.compile(rf"""(?i)["'`](?P<s>{bad})["'`]""")
    case_word = re.compile(rf"""^\s*(?:case\s+)?["'`]?(?P<s>{bad})["'`]?\s*(?:\)|:)""", re.I)
    for index, line in source.lines():
        status_line = re.search(r"(?i)status|state", line)
        match = quoted.search(line) if status_line and _COMPARISON.search(line) else None
        if match is None and re.match(r"^\s*case\s", line):
            match = quoted.search(line)
        if match is None and source.language == "curl":
            candidate = case_word.match(line)
            match = candidate if candidate and candidate.group("s").lower() != "done" else None
        if match is not None:
            yield Hit(
                index,
                f"Checks the task status for `{match.group('s')}`: Pixapi task statuses are `submitted`, "
                "`processing`, `completed` and `failed`, so this never matches.",
            )
        wrong_case = re.search(r"""["'`](COMPLETED|FAILED|Completed|Failed)["'`]""", line)
        if status_line and wrong_case:
            yield Hit(
                index,
                f"Compares the status with `{wrong_case.group(1)}`: statuses are lower-case "
                "(`completed`, `failed`).",
            )
    completed = [i for i, line in source.lines() if re.search(r"""["'`]completed["'`]""", line)]
    if polls and completed and not re.search(r"""["'`]failed["'`]|\bfailed\)""", source.text):
        yield Hit(
            completed[0],
            "Waits for `completed` but never handles `failed`: a failed task would be polled until the loop "
            "gives up (or forever).",
        )


# -- the key -------------------------------------------------------------------------------------

_HEADER_AUTH = re.compile(r"""(?i)["'`]?\bAuthorization["'`]?\s*(?::|=>|,|=)""")
_OTHER_KEY_HEADER = re.compile(
    r"""(?i)["'`](?:x-api-key|api-key|x-pixapi-key)\s*["'`]?\s*(?::|=>|,)|-H\s*["'](?:x-)?api-key:"""
)
_HTTP_CALL = re.compile(
    r"""\bcurl\b|\bfetch\(|\b(?:requests|httpx|axios|http)\.(?:post|get|request|Post|Get)\b|"""
    r"""http\.NewRequest|HttpRequest\.newBuilder|curl_init|\bgot\(|urlopen"""
)


def _detect_bearer(source: Source) -> Iterator[Hit]:
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
_KEY_ASSIGN = re.compile(
    r"""(?i)\b(?:pixapi_?(?:api_?)?key|api_?key|apikey|secret_?key)\b["'`]?\s*(?::=|=>|=|:)\s*["'`](?P<key>[^"'`\s]{12,})["'`]"""
)
_BEARER_LITERAL = re.compile(r"""(?i)\bBearer\s+(?P<key>[A-Za-z0-9_\-.]{16,})""")
_PLACEHOLDER = re.compile(
    r"(?i)your|xxx|\.\.\.|<|>|\$|\{|example|placeholder|changeme|here|dummy|sandbox|redacted"
)
_SHELL_KEY = re.compile(r"\bPIXAPI_KEY=(?P<key>[A-Za-z0-9_\-]{12,})")
_PUBLIC_ENV = re.compile(
    r"\b(?P<var>(?:NEXT_PUBLIC|VITE|REACT_APP|EXPO_PUBLIC|NUXT_PUBLIC|GATSBY|PUBLIC)_\w*(?:KEY|TOKEN|SECRET|PIXAPI)\w*)"
)
_BROWSER_STORE = re.compile(r"\b(?:localStorage|sessionStorage|document\.cookie|window\.)")
_MENTIONS_KEY = re.compile(r"(?i)pixapi|api_?key|apikey")


def _detect_key_exposure(source: Source) -> Iterator[Hit]:
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


# -- edits ---------------------------------------------------------------------------------------

_JSON_BODY = re.compile(
    r"""\bjson\s*=|JSON\.stringify|json_encode\(|json\.Marshal|application/json|"""
    r"""(?:-d|--data(?:-raw)?)\s*['"]\s*\{|\bjson:\s*\{"""
)
_MULTIPART = re.compile(
    r"""(?:^|\s)(?:-F|--form)\b|\bfiles\s*=|FormData|multipart|CURLFile|curl_file_create|CreateFormFile|"""
    r"""WriteField|MultipartBody|ofMimeMultipartData|addBinaryBody|\.attach\("""
)


def _detect_edit_json(source: Source) -> Iterator[Hit]:
    requests = sorted(
        (e for e in source.endpoints if e.kind not in ("models", "other")), key=lambda e: e.line
    )
    for position, endpoint in enumerate(requests):
        if endpoint.kind != "edit" or endpoint.sdk:
            continue
        start = max(0, endpoint.line - 3)
        if position > 0:
            start = max(start, requests[position - 1].line + 1)
        stop = min(len(source.code), endpoint.line + 15)
        if position + 1 < len(requests):
            stop = min(stop, requests[position + 1].line)
        window = list(range(start, max(stop, endpoint.line + 1)))
        window.extend(_helper_body(source, endpoint.line))
        if any(_MULTIPART.search(source.code[i]) for i in window):
            continue
        signal = next(
            (i for i in window if _JSON_BODY.search(source.code[i]) and i not in source.negated), None
        )
        if signal is not None:
            evidence = source.raw[signal].strip()[:60]
            yield Hit(
                endpoint.line,
                f"Sends the edit to {_shown(endpoint)} as JSON (line {signal + 1}: `{evidence}`): image edits are "
                "`multipart/form-data` uploads.",
                _contract_fix("edit-multipart", contract.Endpoint.IMAGE_EDITS.value, {}, multipart=False),
            )


def _helper_body(source: Source, line: int) -> list[int]:
    """The lines of a local helper function the request on ``line`` is sent through, such as
    ``post("/v1/images/edits", body)`` with ``def post(...)`` above: that is where the body gets
    encoded."""
    code = source.code[line]
    path_at = min((code.find(m) for m in ("/v1/", "/images/") if m in code), default=-1)
    if path_at < 0:
        return []
    calls = re.findall(r"([A-Za-z_]\w*)\s*\(", code[:path_at])
    for name in reversed(calls):
        if name in _NOT_HELPERS:
            continue
        definition = re.compile(
            rf"(?:\bdef|\bfunction|\bfunc(?:\s*\([^)]*\))?|\bstatic\s+[\w<>\[\], ]+|\b(?:const|let|var)\s*)\s*"
            rf"{re.escape(name)}\s*(?:=\s*(?:async\s*)?)?\("
        )
        for index, text in enumerate(source.code):
            if index != line and definition.search(text):
                return list(range(index, min(len(source.code), index + 25)))
    return []


# Library calls that take a URL; anything else wrapping the path may be a local helper.
_NOT_HELPERS = frozenset(
    {
        "fetch",
        "create",
        "URI",
        "curl_init",
        "NewRequest",
        "newBuilder",
        "str",
        "String",
        "format",
        "sprintf",
        "Sprintf",
        "join",
        "urljoin",
        "url",
        "URL",
    }
)


# -- literal values ------------------------------------------------------------------------------


def _detect_value(field: str, rule_id: str) -> Detector:
    def detect(source: Source) -> Iterator[Hit]:
        for index, value in _literal_values(source, field):
            endpoint = source.endpoint_for(index)
            if endpoint is None and not source.near_body(index):
                continue
            if endpoint is not None and endpoint.kind in ("video", "video-sync"):
                path = contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
            elif endpoint is None and field == "size":
                path = contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value  # the lenient pattern when unsure
            else:
                path = contract.Endpoint.IMAGE_GENERATIONS.value
            fix = _contract_fix(rule_id, path, {field: value})
            if fix is not None:
                yield Hit(index, f"Sends `{field}` = `{value}`, which Pixapi does not accept here.", fix)

    return detect


DETECTORS: dict[str, Detector] = {
    "async-endpoint": _detect_async_flag,
    "video-async-only": _detect_sync_video,
    "unknown-endpoint": _detect_unknown_endpoint,
    "unknown-model": _detect_unknown_model,
    "video-model-on-image-endpoint": _detect_video_model_on_image,
    "image-model-on-video-endpoint": _detect_image_model_on_video,
    "input-image-field": _detect_image_url,
    "duration-field": _detect_seconds,
    "response-format-value": _detect_value("response_format", "response-format-value"),
    "quality-value": _detect_value("quality", "quality-value"),
    "size-value": _detect_value("size", "size-value"),
    "edit-multipart": _detect_edit_json,
    "image-url-field": _detect_image_url_field,
    "task-result-field": _detect_task_result_field,
    "task-polling": _detect_task_polling,
    "bearer-auth": _detect_bearer,
    "key-server-side": _detect_key_exposure,
}


def _finding(rule_id: str, hit: Hit, source: Source) -> Finding:
    rule = contract.RULES_BY_ID[rule_id]
    return Finding(
        rule_id=rule_id,
        line=hit.line + 1,
        message=hit.message,
        fix=hit.fix or rule.message,
        docs_url=rule.docs_url,
        docs_uri=docs_uri_for(rule_id),
        snippet=_snippet(source.raw, hit.line + 1),
    )


_REDACT = (
    re.compile(r"sk-[A-Za-z0-9_-]{4,}"),
    re.compile(
        r"""(?i)(\b(?:pixapi_?(?:api_?)?key|api_?key|apikey|secret_?key)\b["'`]?\s*(?::=|=>|=|:)\s*["'`])[^"'`\s]{12,}"""
    ),
    re.compile(r"(?i)(\bBearer\s+)[A-Za-z0-9_\-.]{16,}"),
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
