"""Detectors for reading results: the media URL read from the wrong place (``data[0].url`` on a
task, ``result.data[0].url`` on an image response, a URL read after asking for ``b64_json``) and
tasks polled at the wrong path, for the wrong status, or not at all.

Which response a variable holds is traced back through its assignments a few hops
(``_origin_of``) to the endpoint or call that produced it, or failing that guessed from its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pixapi_mcp.codecheck.findings import Hit
from pixapi_mcp.codecheck.source import Source, literal_values

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
    return _origin_by_name(name)


def _origin_by_name(name: str) -> Origin | None:
    """The guess a variable's or a function's name gives (``task``, ``submitVideo``, ``image``)."""
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
        origin = _origin_by_name(call)
        if origin is not None:
            return origin
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


def detect_task_result_field(source: Source) -> Iterator[Hit]:
    for read in _url_reads(source):
        if not read.via_result and read.origin in ("task", "submission"):
            what = "a task" if read.origin == "task" else "an async submission (which has no outputs yet)"
            yield Hit(
                read.line,
                f"Reads `data[0].url` from {what} (`{read.root}`): task outputs are under `result`.",
            )


def detect_image_url_field(source: Source) -> Iterator[Hit]:
    b64 = any(value == "b64_json" for _, value in literal_values(source, "response_format"))
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


def detect_task_polling(source: Source) -> Iterator[Hit]:
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
