"""Detectors for reading results: the media URL read from the wrong place (``data[0].url`` on a
task, ``result.data[0].url`` on an image response, a URL read after asking for ``b64_json``), the
task id read as ``task_id`` (the submission answers ``id``), and tasks polled at the wrong path
(the openai SDK's ``videos.retrieve`` included), for the wrong status, or not at all.

Which response a read comes from is the request that answered it, followed through variables,
``.json()`` and helpers; failing that, the variable's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pixapi_mcp.codecheck.findings import Hit
from pixapi_mcp.codecheck.judge import Origin, read_origin
from pixapi_mcp.codecheck.request import Request
from pixapi_mcp.codecheck.source import Source, endpoint_of
from pixapi_mcp.codecheck.values import Resp, Str

_POLL_FIX = "Poll `GET /v1/tasks/{id}` with the submission's `id` until `status` is `completed` or `failed`."


@dataclass(frozen=True, slots=True)
class _Read:
    line: int
    root: str
    keys: tuple[str | int, ...]
    origin: Origin | None
    request: Request | None


def _reads(source: Source) -> list[_Read]:
    if "found" in source.__dict__.get("_reads_cache", {}):
        return source.__dict__["_reads_cache"]["found"]
    found: list[_Read] = []
    for read in source.reads:
        if not _RELEVANT.intersection(k.lower() for k in read.keys if isinstance(k, str)):
            continue  # only reads of media URLs, ids and statuses are judged
        value = source.program.value(read.root)
        origin, prefix, _ = read_origin(value, read.root_text)
        keys = tuple(k.lower() if isinstance(k, str) else k for k in (*prefix, *read.keys))
        request = value.request if isinstance(value, Resp) else None
        if request is not None and request.wrapped and keys[:1] == ("data",):
            keys = keys[1:]  # axios: the JSON answer is response.data
        found.append(_Read(read.line, read.root_text, keys, origin, request))
    source.__dict__["_reads_cache"] = {"found": found}
    return found


_RELEVANT = frozenset({"url", "task_id", "taskid", "result", "data", "status"})


def _url_read(keys: tuple[str | int, ...]) -> bool | None:
    """None when ``keys`` is not a media URL read; else whether it goes through ``result``."""
    if len(keys) >= 3 and keys[-3:] == ("data", 0, "url"):
        return len(keys) >= 4 and keys[-4] == "result"
    return None


def detect_task_result_field(source: Source) -> Iterator[Hit]:
    for read in _reads(source):
        via_result = _url_read(read.keys)
        if via_result is None or via_result or read.origin not in ("task", "submission"):
            continue
        what = "a task" if read.origin == "task" else "an async submission (which has no outputs yet)"
        yield Hit(
            read.line,
            f"Reads `data[0].url` from {what} (`{read.root}`): task outputs are under `result`.",
            "Read the video URL from `result.data[0].url` of `GET /v1/tasks/{id}` once `status` is `completed`.",
        )


def _asks_b64(source: Source, request: Request | None) -> bool:
    requests = [request] if request is not None else source.pixapi_requests
    for candidate in requests:
        body = candidate.body_fields()
        value = body.get("response_format") if body is not None else None
        if isinstance(value, Str) and value.text == "b64_json":
            return True
    return False


def detect_image_url_field(source: Source) -> Iterator[Hit]:
    for read in _reads(source):
        via_result = _url_read(read.keys)
        if via_result is None or read.origin != "image":
            continue
        if via_result:
            yield Hit(
                read.line,
                f"Reads `result.data[0].url` from a synchronous image response (`{read.root}`): images come "
                "back as `data[0].url`.",
                "Read the image URL from `data[0].url` of the image response.",
            )
        elif _asks_b64(source, read.request):
            yield Hit(
                read.line,
                'Requests `"response_format": "b64_json"` but reads `data[0].url`: the image is then in '
                "`data[0].b64_json`.",
                "Read `data[0].b64_json`, or drop `response_format` (or set it to `url`) to get a URL.",
            )


def detect_submission_id(source: Source) -> Iterator[Hit]:
    for read in _reads(source):
        if not read.keys or read.keys[-1] not in ("task_id", "taskid"):
            continue
        if read.origin not in ("task", "submission"):
            continue
        yield Hit(
            read.line,
            f"Reads `task_id` from the {'submission' if read.origin == 'submission' else 'task'} "
            f"(`{read.root}`): Pixapi answers the task id as `id`.",
            "Read the submission's `id` field and poll `GET /v1/tasks/{id}` with it.",
        )


# -- polling -----------------------------------------------------------------------------------

_BAD_STATUSES = (
    "done",
    "succeeded",
    "success",
    "successful",
    "succeed",
    "complete",
    "finished",
    "ready",
    "queued",
    "in_progress",
)
_COMPARISON = re.compile(
    r"==|!=|\.equals\(|\bin[ \t]*[(\[{]|\bcase\b|-eq\b|\bis[ \t]|in_array\(|\.includes\(|\bcontains\(|"
    r"\.indexOf\(|\bwhen\b|\bmatch\b"
)
_QUOTED = re.compile(r"""(?i)["'`](?P<s>""" + "|".join(_BAD_STATUSES) + r""")["'`]""")
_CASE_WORD = re.compile(
    r"""(?i)^[ \t]*(?:case[ \t]+)?["'`]?(?P<s>""" + "|".join(_BAD_STATUSES) + r""")["'`]?[ \t]*(?:\)|:)"""
)
_STATUS_HINTS = re.compile(r"(?i)status|state|case|" + "|".join(_BAD_STATUSES))
_WRONG_CASE = re.compile(r"""["'`](COMPLETED|FAILED|Completed|Failed)["'`]""")


_OUTCOME = re.compile(r"""["'`](?:completed|failed|succeeded|done|complete|finished|ready)["'`]""")
_LOOP = re.compile(
    r"(?m)^[ \t]*(?:while|for|until|loop|do)\b|\b(?:setInterval|setTimeout|sleep|Sleep|usleep)\("
)


def _expects_output(source: Source) -> bool:
    """True when the code goes on to use the task's outcome (its status, result or media URL); code
    that submits and hands the id on may poll elsewhere."""
    for read in _reads(source):
        if read.origin != "image" and ("result" in read.keys or _url_read(read.keys) is not None):
            return True
    return bool(_OUTCOME.search(source.text))


def _polls(source: Source) -> list[Request]:
    return [r for r in source.pixapi_requests if (r.route() or "").startswith("/v1/tasks/")]


def detect_task_polling(source: Source) -> Iterator[Hit]:
    requests = source.pixapi_requests
    submissions = [
        r
        for r in requests
        if (e := endpoint_of(r)) is not None
        and e.is_async
        and e.kind in ("image", "edit", "video")
        and not e.trailing_id
    ]
    polls = _polls(source)
    if submissions and not polls and "/tasks" not in source.text and _expects_output(source):
        yield Hit(
            submissions[0].path_line(),
            "Submits an async task but never polls `GET /v1/tasks/{id}`: the output only exists on the task.",
            _POLL_FIX,
        )
    for request in requests:
        endpoint = endpoint_of(request)
        route = request.route() or ""
        if endpoint is None:
            continue
        if endpoint.sdk and request.method == "GET":
            yield Hit(
                request.line,
                f"Polls with the openai SDK's `{request.sdk}`: Pixapi has no OpenAI video API; tasks are read "
                "at `GET /v1/tasks/{id}`.",
                _POLL_FIX,
            )
            continue
        wrong = (
            route.startswith(("/v1/async/tasks", "/v1/task/", "/v1/task\ue000"))
            or (endpoint.kind == "tasks" and not route.startswith("/v1/tasks"))
            or (endpoint.kind in ("image", "edit", "video", "video-sync") and endpoint.trailing_id)
        )
        if wrong:
            shown = route.replace("\ue000", "{id}")
            yield Hit(
                request.path_line(), f"Polls `{shown}`: tasks are read at `GET /v1/tasks/{{id}}`.", _POLL_FIX
            )
    if not requests and not source.endpoints:
        return
    for index, line in source.lines_matching(_STATUS_HINTS):
        lowered = line.lower()
        status_line = "status" in lowered or "state" in lowered
        match = None
        if status_line and (
            _COMPARISON.search(line) or (source.language == "curl" and " = " in line and "[" in line)
        ):
            match = _QUOTED.search(line)
        if match is None and re.match(r"^[ \t]*case[ \t]", line):
            match = _QUOTED.search(line)
        if match is None and source.language == "curl":
            candidate = _CASE_WORD.match(line)
            match = candidate if candidate and candidate.group("s").lower() != "done" else None
        if match is not None:
            yield Hit(
                index,
                f"Checks the task status for `{match.group('s')}`: Pixapi task statuses are `submitted`, "
                "`processing`, `completed` and `failed`, so this never matches.",
                "Compare `status` with `completed` (then read `result.data[0].url`) and `failed` (then stop).",
            )
        wrong_case = _WRONG_CASE.search(line)
        if status_line and wrong_case:
            yield Hit(
                index,
                f"Compares the status with `{wrong_case.group(1)}`: statuses are lower-case "
                "(`completed`, `failed`).",
                "Compare with the lower-case `completed` and `failed`.",
            )
    text = source.text
    completed = [i for i, line in source.lines() if re.search(r"""["'`]completed["'`]""", line)]
    if polls and completed and _LOOP.search(text) and not re.search(r"""["'`]failed["'`]|\bfailed\)""", text):
        yield Hit(
            completed[0],
            "Waits for `completed` but never handles `failed`: a failed task would be polled until the loop "
            "gives up (or forever).",
            "Stop polling when `status` is `failed` too, and report the task's error.",
        )
