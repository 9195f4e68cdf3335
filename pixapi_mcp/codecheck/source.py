"""Reading integration code: which language it is, and ``Source``, the view the detectors use.

``Source`` parses the code with the language's tree-sitter grammar and its reader (``lang_*``)
and offers: the lines with comments blanked (line numbers kept), the requests the code sends (each
with its own URL, headers and body, values followed through variables, concatenation, format
calls, field assignments and helpers), the field reads on responses, and the Pixapi paths the
code mentions. No rule lives here: the detectors (``detect_*``) decide what is a mistake.

Detection looks at a bounded prefix with plain substring and line-anchored patterns (no pattern
with nested repetition), so it is linear in the input.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pixapi_mcp.codecheck.program import Program, Read
from pixapi_mcp.codecheck.request import Request
from pixapi_mcp.codecheck.syntax import SourceLanguage, Tree
from pixapi_mcp.codecheck.values import HOLE, Str

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


# -- detection ---------------------------------------------------------------------------------

_DETECT_PREFIX = 65_536
# (language, weight, pattern): each pattern is anchored on a literal token, with no nested
# repetition, and runs over a bounded prefix of the text.
_SIGNAL_PATTERNS: tuple[tuple[Language, int, str], ...] = (
    ("php", 10, r"<\?php"),
    ("php", 3, r"\bcurl_(?:init|setopt|setopt_array|exec)\("),
    ("php", 2, r"^[ \t]*\$\w+[ \t]*=[^=]"),
    ("php", 2, r"\$\w+->\w+\("),
    ("php", 2, r"=>[ \t]*\[|\barray\("),
    ("go", 10, r"^package[ \t]+\w+[ \t]*$"),
    ("go", 3, r"^func[ \t]|\bfunc[ \t]*\("),
    ("go", 2, r"\w[ \t]*:=[ \t]"),
    ("go", 3, r"\bhttp\.NewRequest|\bfmt\.\w+\(|\bjson\.Marshal\b"),
    ("java", 8, r"^import[ \t]+java[x]?\.|^import[ \t]+(?:okhttp3|com\.fasterxml|org\.json)"),
    ("java", 4, r"\bpublic[ \t]+(?:static[ \t]+)?(?:class|void|final)\b|\bclass[ \t]+\w+[ \t]*\{"),
    ("java", 3, r"HttpRequest\.newBuilder|System\.getenv|System\.out\.print|new[ \t]+\w+Builder\("),
    ("java", 2, r"^[ \t]*(?:final[ \t]+)?(?:String|int|var|JsonNode|JSONObject)[ \t]+\w+[ \t]*=[^=]"),
    ("python", 6, r"^(?:import[ \t]+\w+(?:\.\w+)*(?:[ \t]+as[ \t]+\w+)?|from[ \t]+[\w.]+[ \t]+import\b)"),
    ("python", 4, r"^[ \t]*(?:async[ \t]+)?def[ \t]+\w+\("),
    ("python", 2, r"^[ \t]*(?:if|elif|while|for|with|try|except|else)\b[^{;]*:[ \t]*$"),
    ("python", 3, r"\bos\.environ|\bos\.getenv|\b(?:requests|httpx|aiohttp)\.\w+\(|\bprint\(f?[\"']"),
    ("python", 2, r"\bNone\b|\bTrue\b|\bFalse\b|\bself\."),
    ("node", 4, r"\b(?:const|let|var)[ \t]+[\w{\[]"),
    ("node", 4, r"\bawait[ \t]+fetch\(|\brequire\(|\bprocess\.env\b|\bconsole\.\w+\("),
    ("node", 2, r"=>|===|!==|\bfunction[ \t]+\w+[ \t]*\("),
    ("node", 4, r"^[ \t]*import[ \t][^\n]*[ \t]from[ \t]+['\"]|^[ \t]*export[ \t]"),
    ("node", 2, r"\b(?:interface|type)[ \t]+\w+[ \t]*[={<]|:[ \t]*(?:string|number|boolean)\b"),
    ("curl", 8, r"^#![^\n]*\b(?:ba|z)?sh\b"),
    ("curl", 6, r"^[ \t]*curl[ \t]"),
    (
        "curl",
        2,
        r"^[ \t]*(?:export[ \t]+)?[A-Z_][A-Z0-9_]*=\S|\$\(curl\b|\bjq[ \t]+-r\b|^[ \t]*(?:fi|done|then)\b",
    ),
)
_SIGNALS: tuple[tuple[Language, int, re.Pattern[str]], ...] = tuple(
    (lang, weight, re.compile(pattern, re.M)) for lang, weight, pattern in _SIGNAL_PATTERNS
)
_TYPESCRIPT = re.compile(
    r"\b(?:interface|type)[ \t]+\w+[ \t]*[={<]|\)[ \t]*:[ \t]*(?:Promise|string|number|void|boolean)\b|"
    r"\b(?:const|let)[ \t]+\w+[ \t]*:[ \t]*\w|\bas[ \t]+(?:const|string|any)\b"
)


def detect_language(code: str) -> Language:
    """Best guess at the language of ``code`` (curl when nothing else fits)."""
    text = code.strip()
    first = text.splitlines()[0].strip() if text else ""
    if _REQUEST_LINE.match(first) or text.startswith(("{", "[")):
        body = split_request_text(text)[1].strip()
        if body.startswith(("{", "[")):
            try:
                json.loads(body)
            except (ValueError, RecursionError):
                pass
            else:
                return "json"
    sample = text[:_DETECT_PREFIX]
    scores: dict[Language, int] = {}
    for lang, weight, pattern in _SIGNALS:
        hits = sum(1 for _ in zip(range(20), pattern.finditer(sample), strict=False))
        if hits:
            scores[lang] = scores.get(lang, 0) + weight * min(hits, 5)
    if not scores:
        return "curl"
    order: tuple[Language, ...] = ("php", "go", "java", "python", "node", "curl")
    return max(order, key=lambda lang: (scores.get(lang, 0), -order.index(lang)))


# -- a request text: an optional request line, headers, then the body -------------------------

_REQUEST_LINE = re.compile(
    r"^(?:(?://|#)[ \t]*)?(?P<method>POST|GET|PUT|PATCH)[ \t]+(?P<url>\S+)(?:[ \t]+HTTP/[\d.]+)?[ \t]*$", re.I
)


def split_request_text(text: str) -> tuple[str | None, str, int, int]:
    """``(url, body, body_first_line, request_line)``: an optional request line (``POST /v1/...``,
    perhaps as a comment), header lines, then the body. Line numbers are 1-based."""
    route, body, first, request_line, _ = split_request(text)
    return route, body, first, request_line


def split_request(text: str) -> tuple[str | None, str, int, int, list[str] | None]:
    """As ``split_request_text``, with the header lines given (None when there are none)."""
    lines = text.splitlines()
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        return None, "", 1, 1, None
    match = _REQUEST_LINE.match(lines[index].strip())
    if match is None:
        return None, "\n".join(lines[index:]), index + 1, index + 1, None
    request_line = index + 1
    url = match.group("url")
    index += 1
    headers: list[str] = []
    while index < len(lines) and lines[index].strip() and not lines[index].lstrip().startswith(("{", "[")):
        headers.append(lines[index].strip())  # "Authorization: Bearer ..." up to the blank line
        index += 1
    return url, "\n".join(lines[index:]), index + 1, request_line, headers or None


# -- mentions of Pixapi paths ----------------------------------------------------------------------

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


_PATH = re.compile(r"(?:/v1)?(?:/async)?/(?:images?|videos?|tasks?|models|async)(?:/[\w.{}\ue000-]*){0,6}")


def classify_path(raw: str) -> tuple[EndpointKind, bool, bool] | None:
    """``(kind, is_async, trailing id)`` of a Pixapi path."""
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
    if head == "videos" and len(parts) >= 2:
        return "tasks", is_async, True  # GET /v1/videos/{id}
    return "other", is_async, len(parts) > 1


def endpoint_of(request: Request) -> Endpoint | None:
    """The Pixapi endpoint a request goes to, classified (once per request)."""
    if request.endpoint_cache is None:
        request.endpoint_cache = (_endpoint_of(request),)
    return request.endpoint_cache[0]  # pyright: ignore[reportReturnType]


def _endpoint_of(request: Request) -> Endpoint | None:
    route = request.route()
    if route is None:
        return None
    if request.sdk is not None:
        kind = {"images.generate": "image", "images.edit": "edit"}.get(request.sdk)
        if kind is None:
            kind = "tasks" if request.method == "GET" else "video-sync"
        return Endpoint(request.line, kind, f".{request.sdk}", False, False, sdk=True)  # pyright: ignore[reportArgumentType]
    shown = route.replace(HOLE, "{id}")
    classified = classify_path(route.replace(HOLE, "x") + ("/" if route.endswith(HOLE) else ""))
    if classified is None:
        return None
    kind, is_async, trailing = classified
    return Endpoint(request.path_line(), kind, shown, is_async, trailing)


# -- the view the detectors use -------------------------------------------------------------------


_TRIPLE_QUOTE = re.compile(r"\"\"\"|'''")


def _unclosed_triple_quote(text: str) -> str:
    """The quotes that close a triple-quoted Python string left open at the end of ``text`` ("" if
    none). Python reads the rest of such a file as the string; tree-sitter instead recovers from
    the error line by line, about 0.8 s per MB, so the string is closed for it (three bytes after
    the end: every position and line stays where it was). A scan of the triple quotes alone: one
    inside a comment or a one-line string can mislead it, and then the added quotes open an empty
    string at the very end, which changes nothing before it."""
    if '"""' not in text and "'''" not in text:
        return ""
    inside: str | None = None
    for match in _TRIPLE_QUOTE.finditer(text):
        quote = match.group()
        if inside is None:
            inside = quote
        elif quote == inside:
            at = match.start()
            while at > 0 and text[at - 1] == "\\":
                at -= 1
            if not (match.start() - at) % 2:  # not escaped
                inside = None
    return inside or ""


@functools.cache
def _case_sensitive(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _reader(language: SourceLanguage) -> type[Program]:
    if language == "python":
        from pixapi_mcp.codecheck.lang_python import PythonProgram

        return PythonProgram
    if language == "node":
        from pixapi_mcp.codecheck.lang_node import NodeProgram

        return NodeProgram
    if language == "go":
        from pixapi_mcp.codecheck.lang_go import GoProgram

        return GoProgram
    if language == "java":
        from pixapi_mcp.codecheck.lang_java import JavaProgram

        return JavaProgram
    if language == "php":
        from pixapi_mcp.codecheck.lang_php import PhpProgram

        return PhpProgram
    from pixapi_mcp.codecheck.lang_shell import ShellProgram

    return ShellProgram


class Source:
    """Code parsed in its language: lines, requests, reads and the Pixapi paths it mentions."""

    def __init__(self, text: str, language: Language, deadline: float | None = None) -> None:
        self.language: Language = language
        self.raw: list[str] = text.splitlines()
        lang: SourceLanguage = "curl" if language == "json" else language
        typescript = lang == "node" and bool(_TYPESCRIPT.search(text[:_DETECT_PREFIX]))
        closer = _unclosed_triple_quote(text) if lang == "python" else ""
        tree = Tree(text + closer, lang, typescript, deadline)
        if lang == "node" and tree.error_ratio() > 0.01:
            other = Tree(
                text, lang, not typescript, deadline
            )  # JSX or type syntax: the other grammar may fit
            if other.error_ratio() < tree.error_ratio():
                tree = other
        self.tree = tree
        self.program: Program = _reader(lang)(tree, deadline)
        code = tree.blanked_lines(len(self.raw), self.program.found.get("c", []))
        self.code: list[str] = code[: len(self.raw)] if closer else code  # the closer's own line

    @cached_property
    def text(self) -> str:
        return "\n".join(self.code)

    def lines(self) -> list[tuple[int, str]]:
        """(index, code) for every line that has code."""
        return [(i, line) for i, line in enumerate(self.code) if line.strip()]

    def lines_matching(self, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
        """(index, code) of the lines where ``pattern`` matches: one scan of the whole text, so the
        per-line checks run only where they can apply."""
        found: list[tuple[int, str]] = []
        last = -1
        text, pattern = self._folded(pattern)
        for match in pattern.finditer(text):
            index = bisect.bisect_right(self._line_starts, match.start()) - 1
            if index != last:
                found.append((index, self.code[index]))
                last = index
        return found

    def _folded(self, pattern: re.Pattern[str]) -> tuple[str, re.Pattern[str]]:
        """The text and pattern to scan: a case-insensitive pattern of lowercase literals runs
        case-sensitively over the lowercased text, about ten times faster (``re`` finds no literal
        prefix to skip ahead with under ``IGNORECASE``). Only when lowercasing keeps every position
        (no character lowercases to two), so match positions are the text's."""
        source = pattern.pattern.removeprefix("(?i)")
        if not pattern.flags & re.IGNORECASE or source != source.lower() or "\\" in source.replace("\\.", ""):
            return self.text, pattern
        if len(self._lowered) != len(self.text):
            return self.text, pattern
        return self._lowered, _case_sensitive(source)

    @cached_property
    def _lowered(self) -> str:
        return self.text.lower()

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        for line in self.code:
            starts.append(starts[-1] + len(line) + 1)
        return starts

    @cached_property
    def requests(self) -> list[Request]:
        return self.program.requests()

    @cached_property
    def pixapi_requests(self) -> list[Request]:
        return [r for r in self.requests if r.is_pixapi()]

    @cached_property
    def reads(self) -> list[Read]:
        return self.program.reads()

    @cached_property
    def endpoints(self) -> list[Endpoint]:
        """Every Pixapi path the code mentions in a string, and every SDK call, in line order."""
        found: list[Endpoint] = []
        for literal in self.program.strings():
            for match in _PATH.finditer(literal.text):
                raw = match.group(0)
                if not raw.startswith("/v1/") and not re.match(r"/(?:async/)?(?:images|videos)/", raw):
                    continue
                classified = classify_path(raw)
                if classified is not None:
                    kind, is_async, trailing = classified
                    found.append(Endpoint(literal.line_at(match.start()), kind, raw, is_async, trailing))
        for request in self.requests:
            if request.sdk is not None:
                endpoint = endpoint_of(request)
                if endpoint is not None:
                    found.append(endpoint)
        return sorted(found, key=lambda e: e.line)

    @cached_property
    def used_literals(self) -> frozenset[int]:
        """Source positions of the literals some request's URL was built from."""
        used: set[int] = set()
        for request in self.requests:
            for value in (request.url, request.base):
                if isinstance(value, Str):
                    used.update(key for _, _, key in value.marks)
        return frozenset(used)
