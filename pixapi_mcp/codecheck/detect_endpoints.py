"""Detectors for where a request goes: an async flag instead of the ``/v1/async/*`` path, video
sent to the synchronous path that does not exist, a ``/v1/...`` path Pixapi does not have."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pixapi_mcp import contract
from pixapi_mcp.codecheck.findings import Hit, contract_fix
from pixapi_mcp.codecheck.source import Source, key_forms

_KNOWN_ROUTE = re.compile(
    r"^/v1/(?:images/(?:generations|edits)|async/(?:images/(?:generations|edits)|videos/generations)"
    r"|tasks(?:/.*)?|models(?:/.*)?)$"
)


def detect_async_flag(source: Source) -> Iterator[Hit]:
    forms = key_forms("async", source.language)
    for index, line in source.lines():
        match = forms.search(line)
        if match is None:
            continue
        in_query = match.group(0).startswith(("?", "&"))
        where = "`?async=true` in the URL" if in_query else 'an `"async"` field in the body'
        # The request this line belongs to decides the endpoint the fix names.
        route = _submit_route(source, index)
        path = f"{route}?async=true" if in_query else route
        body: dict[str, Any] = {} if in_query else {"async": True}
        yield Hit(
            index,
            f"Sends {where}: Pixapi has no async flag; async work is chosen by the endpoint's path.",
            contract_fix("async-endpoint", path, body),
        )


_SUBMIT_ROUTES: dict[str, str] = {
    "image": contract.Endpoint.IMAGE_GENERATIONS.value,
    "edit": contract.Endpoint.IMAGE_EDITS.value,
    "video": contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value,
    "video-sync": contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value,
}


def _submit_route(source: Source, index: int) -> str:
    """The documented path of the submission nearest to line ``index`` (same paragraph first; an
    SDK call stands for its path); "/v1" when there is none, so the fix lists every async endpoint
    rather than guessing one. Polling and model-list paths are not submissions."""
    submits = [e for e in source.endpoints if e.kind in _SUBMIT_ROUTES]
    pool = [e for e in submits if source.paragraph[e.line] == source.paragraph[index]] or submits
    if not pool:
        return "/v1"
    nearest = min(pool, key=lambda e: (abs(e.line - index), e.line))
    return _SUBMIT_ROUTES[nearest.kind]


def detect_sync_video(source: Source) -> Iterator[Hit]:
    for endpoint in source.endpoints:
        if endpoint.kind == "video-sync":
            shown = f"an OpenAI-style {endpoint.shown} call" if endpoint.sdk else endpoint.shown
            yield Hit(
                endpoint.line,
                f"Submits video to {shown}: video is async-only and that endpoint does not exist.",
                contract_fix("video-async-only", contract.FORBIDDEN_VIDEO_PATH, {}),
            )


def detect_unknown_endpoint(source: Source) -> Iterator[Hit]:
    for endpoint in source.endpoints:
        if endpoint.kind != "other" or endpoint.sdk or not endpoint.path.startswith("/v1/"):
            continue
        route = endpoint.path.rstrip("/")
        if _KNOWN_ROUTE.match(route) or route.startswith(("/v1/async/tasks", "/v1/task")):
            continue  # polling mistakes are reported by task-polling
        yield Hit(
            endpoint.line,
            f"Calls `{route}`, which is not a Pixapi endpoint.",
            contract_fix("unknown-endpoint", route, {}),
        )
