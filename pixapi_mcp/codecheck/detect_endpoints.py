"""Detectors for where a request goes: an async flag instead of the async endpoint's path, video
sent to the synchronous path that does not exist, a path Pixapi does not have, a wrong base URL,
and an openai SDK ``base_url`` without ``/v1``.

Each request is judged at its own path (values followed through variables, concatenation and
helpers). A Pixapi path written in the code that no recognised request uses is judged too, unless
it sits in prose (a string with spaces: a docstring, a log message).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from pixapi_mcp import contract
from pixapi_mcp.codecheck.findings import Hit
from pixapi_mcp.codecheck.judge import ASYNC_OF, field_value, fix_for, sent_bodies
from pixapi_mcp.codecheck.source import Source, endpoint_of
from pixapi_mcp.codecheck.values import HOLE, Obj, Str

_KNOWN_ROUTE = re.compile(
    r"^/v1/(?:images/(?:generations|edits)|async/(?:images/(?:generations|edits)|videos/generations)"
    r"|tasks(?:/.*)?|models(?:/.*)?)$"
)


def _async_target(route: str, video: bool) -> str:
    if video:
        return contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
    return ASYNC_OF.get(route, contract.Endpoint.ASYNC_IMAGE_GENERATIONS.value)


def _orphans(source: Source) -> Iterator[tuple[int, str]]:
    """(line, text) of string literals with a Pixapi path that no recognised request uses."""
    used = source.used_literals
    for literal in source.program.strings():
        key = literal.marks[0][2] if literal.marks else -1
        if key in used or re.search(r"\s", literal.text) or "/v1/" not in literal.text:
            continue
        yield literal.line, literal.text


def detect_async_flag(source: Source) -> Iterator[Hit]:
    for request in source.pixapi_requests:
        route = request.route() or ""
        url = request.full_url()
        query = request.query
        in_query = (url is not None and re.search(r"[?&]async=", url.text) is not None) or (
            isinstance(query, Obj) and "async" in query.fields
        )
        body = request.body_fields()
        bare = route.split("?", 1)[0]
        video = "videos" in bare
        target = _async_target(bare if not bare.startswith("/v1/async/") else "", video)
        if in_query:
            flag = re.search(r"[?&]async=", url.text) if url is not None else None
            line = url.line_at(flag.start()) if url is not None and flag is not None else request.path_line()
            if isinstance(query, Obj) and "async" in query.fields:
                line = query.fields["async"].line
            shown = f"`{bare}?async=true`" if request.sdk is None else "`extra_query={'async': ...}`"
            yield Hit(
                line,
                f"Sends {shown}: Pixapi has no async flag; async work is chosen by the endpoint's path.",
                f"Remove the `async` query parameter and POST to `{target}`.",
            )
        if body is not None and "async" in body.fields:
            yield Hit(
                body.fields["async"].line,
                'Sends an `"async"` field in the body: Pixapi has no async flag; async work is chosen by the '
                "endpoint's path.",
                f'Remove `"async"` from the body and POST to `{target}`.',
            )
    for sent in sent_bodies(source):
        if sent.request is None and "async" in sent.body.fields:
            found = field_value(sent.body, "async")
            assert found is not None
            yield Hit(
                found[1],
                'Sends an `"async"` field in the body: Pixapi has no async flag.',
                f'Remove `"async"` from the body and POST to `{_async_target("", sent.kind == "video")}`.',
            )
    for line, text in _orphans(source):
        match = re.search(r"(/v1/[\w/.-]*)\?(?:[\w=&-]*&)?async=", text)
        if match is not None:
            route = match.group(1)
            yield Hit(
                line,
                f"Uses `{route}?async=...`: Pixapi has no async flag; async work is chosen by the path.",
                f"Remove `?async=...` and POST to `{_async_target(route, 'videos' in route)}`.",
            )


_VIDEO_FIX = (
    "POST to `/v1/async/videos/generations` (`model` `veo` or `wan`, `prompt`, optional `duration` and "
    "`input_image`), then poll `GET /v1/tasks/{id}` until `completed` or `failed`."
)


def detect_sync_video(source: Source) -> Iterator[Hit]:
    for request in source.pixapi_requests:
        endpoint = endpoint_of(request)
        if endpoint is None or endpoint.kind != "video-sync" or request.method == "GET":
            continue
        if endpoint.sdk:
            yield Hit(
                endpoint.line,
                f"Submits video with the openai SDK's `{request.sdk}`: Pixapi has no OpenAI video API "
                "(`/v1/videos`); video is async-only.",
                _VIDEO_FIX,
            )
        else:
            yield Hit(
                endpoint.line,
                f"Submits video to `{endpoint.path.split('?', 1)[0]}`: video is async-only and that endpoint "
                "does not exist.",
                _VIDEO_FIX,
            )
    for line, text in _orphans(source):
        if re.search(r"/v1/videos/generations\b", text):
            yield Hit(
                line,
                "Uses `/v1/videos/generations`: video is async-only and that endpoint does not exist.",
                _VIDEO_FIX,
            )


def detect_unknown_endpoint(source: Source) -> Iterator[Hit]:
    for request in source.pixapi_requests:
        endpoint = endpoint_of(request)
        route = request.route()
        if endpoint is None or endpoint.sdk or route is None:
            continue
        if HOLE in "/".join(route.split("/")[:4]):
            continue  # the path is built at run time: nothing to judge
        bare = route.split("?", 1)[0].replace(HOLE, "{id}").rstrip("/")
        url = request.url_for_contract() or bare
        if fix_for("base-url", url, {}) is not None:
            continue  # the base URL is the mistake
        if endpoint.kind in ("tasks",) or bare.startswith(("/v1/async/tasks", "/v1/task", "/v1/videos/")):
            continue  # polling mistakes are reported by task-polling
        if endpoint.trailing_id and endpoint.kind in ("image", "edit", "video", "video-sync"):
            continue
        if not bare.startswith("/v1/"):
            if "/v1" + bare in ASYNC_OF or _KNOWN_ROUTE.match("/v1" + bare):
                yield Hit(
                    request.path_line(),
                    f"Calls `{bare}` without the `/v1` prefix: Pixapi's paths start with `/v1`.",
                    f"Send to `https://api.pixapi.ai/v1{bare}`.",
                )
            continue
        if _KNOWN_ROUTE.match(bare) or endpoint.kind == "video-sync":
            continue
        yield Hit(
            request.path_line(),
            f"Calls `{bare}`, which is not a Pixapi endpoint.",
            fix_for("unknown-endpoint", bare, {}),
        )


# An API base on the wrong host or path (the website is https://pixapi.ai; the API is not there).
_WRONG_BASE = re.compile(r"(?i)^https?://(?:(?:www\.)?pixapi\.ai/(?:api|v1)|api\.pixapi\.ai/api)(?:/|$)")


def detect_base_url(source: Source) -> Iterator[Hit]:
    for request in source.pixapi_requests:
        url = request.full_url()
        if url is None or not url.text.lower().startswith(("http://", "https://")):
            continue
        text = url.text.replace(HOLE, "x")
        if request.sdk is not None and not re.search(r"/v1(?:/|$)", urlsplit(text).path):
            continue  # the openai-base-url detector speaks for SDK clients
        fix = fix_for("base-url", text, {})
        if fix is not None:
            yield Hit(
                url.line_at(0), f"Sends to `{text.split('?', 1)[0]}`, which is not Pixapi's base URL.", fix
            )
    for literal in source.program.strings():
        if _WRONG_BASE.match(literal.text) and not re.search(r"\s", literal.text):
            yield Hit(
                literal.line,
                f"Uses `{literal.text}` as Pixapi's URL: the API is at `https://api.pixapi.ai`.",
                "Use the base URL `https://api.pixapi.ai` and append the `/v1/...` path.",
            )


def detect_openai_base_url(source: Source) -> Iterator[Hit]:
    seen: set[int] = set()
    for request in source.requests:
        base = request.base
        if request.sdk is None or not isinstance(base, Str) or base.line in seen:
            continue
        text = base.text
        if HOLE in text or not re.match(r"(?i)^https?://(?:[\w-]+\.)*pixapi\.ai", text):
            continue
        if re.search(r"/v1/?$", text):
            continue
        seen.add(base.line)
        yield Hit(
            base.line,
            f"Points the openai SDK at `{text}`: the SDK appends `/images/generations` to `base_url`, so "
            "without `/v1` every call misses Pixapi's `/v1/...` endpoints. This follows from how the openai "
            "SDKs build paths, not from Pixapi's pages.",
            "Set `base_url` (Node: `baseURL`) to `https://api.pixapi.ai/v1`.",
        )
