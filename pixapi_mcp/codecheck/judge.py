"""What the detectors share: each request's route and body as the contract sees them, the exact
fix for a route, and where a response read comes from.

A body is judged where it is sent. A body the checker cannot tie to a request it recognised
(handed to a wrapper it does not know, say) is still judged, against the endpoint its fields
imply (``guess_path``), when it looks like a Pixapi body (``model`` and ``prompt``, or a video
field).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pixapi_mcp import contract
from pixapi_mcp.codecheck.request import Request
from pixapi_mcp.codecheck.source import Endpoint, Source, endpoint_of
from pixapi_mcp.codecheck.values import UNKNOWN, Obj, Resp, Str, Unknown, Value, plain

_VIDEO_FIELDS = ("duration", "input_image", "image_url", "seconds")

# The exact endpoint to use instead of a wrong one.
ASYNC_OF = {
    "/v1/images/generations": "/v1/async/images/generations",
    "/v1/images/edits": "/v1/async/images/edits",
    "/v1/videos/generations": "/v1/async/videos/generations",
    "/v1/videos": "/v1/async/videos/generations",
}


def guess_path(body: Mapping[str, Any]) -> str:
    """The endpoint a body without a known endpoint is most likely meant for."""
    model = body.get("model")
    category = contract.model_category(model) if isinstance(model, str) and model is not UNKNOWN else None
    if any(key in body for key in _VIDEO_FIELDS) or category == "video":
        return contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
    if "image" in body:
        return contract.Endpoint.IMAGE_EDITS.value
    return contract.Endpoint.IMAGE_GENERATIONS.value


def looks_like_body(body: Obj) -> bool:
    return "model" in body.fields and (
        "prompt" in body.fields or any(k in body.fields for k in _VIDEO_FIELDS)
    )


@dataclass(frozen=True, slots=True)
class Sent:
    """A body and where it goes: the request (None for a body no request was found for), the path
    the contract judges it against, and the endpoint's kind."""

    request: Request | None
    path: str
    kind: str
    body: Obj
    guessed: bool


def sent_bodies(source: Source) -> list[Sent]:
    """Every Pixapi request body with the path it is judged against, then the orphan bodies
    (computed once per source: every field detector reads them)."""
    cached: list[Sent] | None = source.__dict__.get("_sent_bodies")
    if cached is None:
        cached = list(_sent_bodies(source))
        source.__dict__["_sent_bodies"] = cached
    return cached


def _sent_bodies(source: Source) -> Iterator[Sent]:
    used: set[int] = set()
    for request in source.requests:
        body = request.body_fields()
        if body is None:
            continue
        endpoint = endpoint_of(request) if request.is_pixapi() else None
        if endpoint is None and not (request.route() is None and looks_like_body(body)):
            continue
        used.add(body.line)
        if endpoint is None:
            path = guess_path(request.contract_body())
            yield Sent(request, path, _kind(path), body, True)
            continue
        yield Sent(request, contract_path(request, endpoint), endpoint.kind, body, False)
    for body in source.program.objects(frozenset(used)):
        if body.line in used or not looks_like_body(body):
            continue
        used.add(body.line)
        fields = {k: plain(f.value) for k, f in body.fields.items()}
        path = guess_path(fields)
        yield Sent(None, path, _kind(path), body, True)


def _kind(path: str) -> str:
    return "video" if "videos" in path else ("edit" if path.endswith("edits") else "image")


def contract_path(request: Request, endpoint: Endpoint) -> str:
    """The path the contract judges a request against (an SDK call stands for its endpoint)."""
    if endpoint.sdk:
        return {
            "image": contract.Endpoint.IMAGE_GENERATIONS.value,
            "edit": contract.Endpoint.IMAGE_EDITS.value,
        }.get(endpoint.kind, contract.FORBIDDEN_VIDEO_PATH)
    return request.url_for_contract() or endpoint.path


def body_dict(body: Obj) -> dict[str, Any]:
    return {name: plain(f.value) for name, f in body.fields.items()}


def fix_for(rule_id: str, path: str, body: Mapping[str, Any], **kwargs: Any) -> str | None:
    """The contract's own wording for ``rule_id`` on this request, when the rule fires on it."""
    clean = {k: v for k, v in body.items() if v is not UNKNOWN}
    if rule_id in contract.CODE_CHECKS:
        found = contract.check_code_request(path, clean, rules=[rule_id], **kwargs)
    else:
        found = contract.check_request(path, clean, rules=[contract.RULES_BY_ID[rule_id]], **kwargs)
    return found[0].message if found else None


def field_value(body: Obj, name: str) -> tuple[Value, int] | None:
    found = body.fields.get(name)
    return (found.value, found.line) if found is not None else None


# -- where a read value comes from ---------------------------------------------------------------

Origin = Literal["task", "submission", "image"]

_TASKISH = re.compile(r"(?i)task|job|poll|status|operation|prediction")
_VIDEOISH = re.compile(r"(?i)video|submission|submit")
_IMAGEISH = re.compile(r"(?i)image|img|picture|photo|generation|edit")


def origin_of_request(request: Request) -> Origin | None:
    endpoint = endpoint_of(request)
    if endpoint is None:
        return None
    if endpoint.kind == "tasks":
        return "task"
    if endpoint.is_async or endpoint.kind in ("video", "video-sync"):
        return "submission"
    if endpoint.kind in ("image", "edit"):
        return "task" if endpoint.trailing_id else "image"
    return None


def origin_by_name(name: str) -> Origin | None:
    """The guess a variable's or a function's name gives (``task``, ``submitVideo``, ``image``)."""
    if _TASKISH.search(name):
        return "task"
    if _VIDEOISH.search(name):
        return "submission"
    if _IMAGEISH.search(name):
        return "image"
    return None


def read_origin(value: Value, root_text: str) -> tuple[Origin | None, tuple[str | int, ...], bool]:
    """``(origin, keys already read, known)`` of a read's root: from the request that answered it,
    else from its name (``known`` is False then)."""
    if isinstance(value, Resp):
        return origin_of_request(value.request), value.keys, True
    if isinstance(value, Unknown | Str) or True:
        name = value.hint if isinstance(value, Unknown) else root_text
        return origin_by_name(name.rsplit(".", 1)[-1] if "(" not in name else name), (), False
