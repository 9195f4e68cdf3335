"""Detectors for request fields: ``image_url`` instead of ``input_image``, ``seconds`` instead of
``duration``, literal values the contract refuses (``response_format``, ``quality``, ``size``), and
image edits sent as JSON instead of ``multipart/form-data``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pixapi_mcp import contract
from pixapi_mcp.codecheck.findings import Detector, Hit, contract_fix
from pixapi_mcp.codecheck.source import Source, key_forms, literal_values


def _openai_chat_part(source: Source, index: int) -> bool:
    """True where `image_url` is an OpenAI chat content part (`{"type": "image_url", ...}`)."""
    window = "\n".join(source.code[max(0, index - 2) : index + 1])
    return bool(re.search(r"""type["'`]?\s*[:=]>?\s*["'`]image_url""", window))


def detect_image_url(source: Source) -> Iterator[Hit]:
    forms = key_forms("image_url", source.language)
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
            contract_fix("input-image-field", path, {"image_url": "https://example.com/a.png"}),
        )


def detect_seconds(source: Source) -> Iterator[Hit]:
    forms = key_forms("seconds", source.language)
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
            contract_fix("duration-field", contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value, {"seconds": 8}),
        )


def detect_value(field: str, rule_id: str) -> Detector:
    def detect(source: Source) -> Iterator[Hit]:
        for index, value in literal_values(source, field):
            endpoint = source.endpoint_for(index)
            if endpoint is None and not source.near_body(index):
                continue
            if endpoint is not None and endpoint.kind in ("video", "video-sync"):
                path = contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
            elif endpoint is None and field == "size":
                path = contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value  # the lenient pattern when unsure
            else:
                path = contract.Endpoint.IMAGE_GENERATIONS.value
            fix = contract_fix(rule_id, path, {field: value})
            if fix is not None:
                yield Hit(index, f"Sends `{field}` = `{value}`, which Pixapi does not accept here.", fix)

    return detect


# -- edits ---------------------------------------------------------------------------------------

_JSON_BODY = re.compile(
    r"""\bjson\s*=|JSON\.stringify|json_encode\(|json\.Marshal|application/json|"""
    r"""(?:-d|--data(?:-raw)?)\s*['"]\s*\{|\bjson:\s*\{"""
)
_MULTIPART = re.compile(
    r"""(?:^|\s)(?:-F|--form)\b|\bfiles\s*=|FormData|multipart|CURLFile|curl_file_create|CreateFormFile|"""
    r"""WriteField|MultipartBody|ofMimeMultipartData|addBinaryBody|\.attach\("""
)


def detect_edit_json(source: Source) -> Iterator[Hit]:
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
                f"Sends the edit to {endpoint.shown} as JSON (line {signal + 1}: `{evidence}`): image edits are "
                "`multipart/form-data` uploads.",
                contract_fix("edit-multipart", contract.Endpoint.IMAGE_EDITS.value, {}, multipart=False),
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
