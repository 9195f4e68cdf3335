"""Detectors for request fields: ``image_url`` instead of ``input_image``, ``seconds`` instead of
``duration``, values the contract refuses (``response_format``, ``quality``, ``size``, ``n``,
``duration``, ``input_image`` that is not a URL), image edits sent as JSON instead of
``multipart/form-data``, and a JSON body sent without ``Content-Type: application/json``.

Each body is judged where it is sent (``judge.sent_bodies``), with the values its fields hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pixapi_mcp import contract
from pixapi_mcp.codecheck.findings import Detector, Hit
from pixapi_mcp.codecheck.judge import body_dict, fix_for, sent_bodies
from pixapi_mcp.codecheck.source import Source, endpoint_of
from pixapi_mcp.codecheck.values import HOLE, UNKNOWN, Call, Obj, Str


def _chat_part(body: Obj) -> bool:
    """True for an OpenAI chat content part (``{"type": "image_url", "image_url": ...}``)."""
    kind = body.get("type")
    return isinstance(kind, Str) and kind.text == "image_url"


def detect_image_url(source: Source) -> Iterator[Hit]:
    for sent in sent_bodies(source):
        found = sent.body.fields.get("image_url")
        if found is None or _chat_part(sent.body):
            continue
        edit = sent.kind == "edit"
        what = "an edit" if edit else "image-to-video"
        yield Hit(
            found.line,
            f"Sends `image_url` for {what}: Pixapi has no `image_url` field.",
            fix_for("input-image-field", sent.path, {"image_url": "https://example.com/a.png"}),
        )


def detect_seconds(source: Source) -> Iterator[Hit]:
    for sent in sent_bodies(source):
        found = sent.body.fields.get("seconds")
        if found is None:
            continue
        yield Hit(
            found.line,
            "Sends `seconds` for the video length: Pixapi's field is `duration` (in seconds).",
            fix_for("duration-field", contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value, {"seconds": 8}),
        )


def detect_value(field: str, rule_id: str) -> Detector:
    """A detector for a rule on one field's value, judged by the contract on the request's path."""

    def detect(source: Source) -> Iterator[Hit]:
        for sent in sent_bodies(source):
            found = sent.body.fields.get(field)
            if found is None:
                continue
            body = body_dict(sent.body)
            if body.get(field) is UNKNOWN:
                continue
            fix = fix_for(rule_id, sent.path, {field: body[field]})
            if fix is not None:
                shown = body[field]
                yield Hit(found.line, f"Sends `{field}` = `{shown}`, which Pixapi does not accept here.", fix)

    return detect


_LOCAL_PATH = re.compile(r"(?i)path|dir|cwd|file|open|resolve|__DIR__|__dirname|Paths?\.|readFile")


def detect_input_image_url(source: Source) -> Iterator[Hit]:
    """``input_image`` that is not an http(s) URL: a literal, or a value built from a local path."""
    for sent in sent_bodies(source):
        found = sent.body.fields.get("input_image")
        if found is None:
            continue
        value = found.value
        shown: str | None = None
        if isinstance(value, Str) and value.known:
            shown = value.text
        elif isinstance(value, Str) and not value.text.startswith(HOLE):
            if not value.text.startswith(("http://", "https://", "data:")):
                shown = value.text.replace(HOLE, "...")
        elif isinstance(value, Str) and _LOCAL_PATH.search(value.hole_hint(0)):
            shown = value.text.replace(HOLE, "...")
        elif isinstance(value, Call) and _LOCAL_PATH.search(value.name):
            shown = f"{value.name}(...)"
        if shown is None:
            continue
        fix = fix_for(
            "input-image-url", contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value, {"input_image": shown}
        )
        if fix is not None:
            yield Hit(
                found.line,
                f"Sends `input_image` = `{shown}`: Pixapi fetches it, so it must be an http(s) URL.",
                fix,
            )


def detect_edit_json(source: Source) -> Iterator[Hit]:
    for request in source.pixapi_requests:
        endpoint = endpoint_of(request)
        if endpoint is None or endpoint.kind != "edit" or endpoint.trailing_id:
            continue
        if request.encoding not in ("json", "raw", "form"):
            continue
        how = "a JSON body" if request.encoding in ("json", "raw") else "a URL-encoded form"
        yield Hit(
            endpoint.line,
            f"Sends the edit to {endpoint.shown} as {how}: image edits are `multipart/form-data` uploads.",
            "Send a `multipart/form-data` body: `model` and `prompt` as form fields and each input file as a "
            "part named `image`.",
        )


def detect_json_content_type(source: Source) -> Iterator[Hit]:
    for request in source.pixapi_requests:
        endpoint = endpoint_of(request)
        if endpoint is None or endpoint.sdk or request.encoding != "raw" or request.body_fields() is None:
            continue
        content_type = request.content_type()
        if content_type is None:
            continue
        path = request.url_for_contract()
        if path is None:
            continue
        fix = fix_for("json-content-type", path, {}, multipart=False, content_type=content_type)
        if fix is not None:
            line = (
                request.body_line
                if request.body_line is not None and request.via is None
                else request.anchor_line()
            )
            yield Hit(line, "Sends a JSON body without `Content-Type: application/json`.", fix)
