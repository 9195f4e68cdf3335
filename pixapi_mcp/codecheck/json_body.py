"""Request bodies (``language="json"``): checked by ``contract.check_request`` itself, so a body
gets exactly the verdict the tools, the client guard and the sandbox give it.

The text may start with a request line (``POST /v1/...``, perhaps as a ``//`` or ``#`` comment)
and header lines; without one the endpoint is guessed from the fields. Each violation is reported
at the line of its field, else at the request line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pixapi_mcp import contract
from pixapi_mcp.codecheck.findings import Finding, make_finding
from pixapi_mcp.codecheck.source import split_request

# Fields only the video endpoint takes, right or wrong: their presence means the body is a video's.
_VIDEO_FIELDS = ("duration", "input_image", "image_url", "seconds")


def check_json(text: str, path: str | None) -> list[Finding]:
    """The contract violations of the JSON request body in ``text``, sent to ``path`` (else the
    request line's path, else a guess). Raises ``ValueError`` when the body is not a JSON object."""
    found_url, body_text, first_line, request_line, headers = split_request(text)
    found_path = _route(found_url) if found_url is not None else None
    try:
        body = json.loads(body_text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1) + first_line - 1
        raise ValueError(f"The request body is not valid JSON (line {line}): {exc}") from None
    except RecursionError:
        raise ValueError(
            "The request body is nested too deeply to read; a Pixapi body is a flat object."
        ) from None
    if not isinstance(body, dict):
        raise ValueError('The request body must be a JSON object such as {"model": ..., "prompt": ...}.')
    fields: dict[str, Any] = dict(body)  # pyright: ignore[reportUnknownArgumentType]
    route = path or found_path or guess_path(fields)
    lines = text.splitlines()
    findings: list[Finding] = []
    content_type = None
    if headers is not None:  # the headers are written out: a missing Content-Type is known
        content_type = next(
            (h.split(":", 1)[1].strip() for h in headers if h.lower().startswith("content-type:")), ""
        )
    violations = contract.check_request(route, fields, multipart=False, content_type=content_type)
    violations += contract.check_code_request(route, fields, multipart=False)
    order = {rule.id: index for index, rule in enumerate(contract.RULES)}
    for violation in sorted(violations, key=lambda v: order[v.rule_id]):
        rule = contract.RULES_BY_ID[violation.rule_id]
        line = request_line
        if violation.field:
            line = _json_field_line(lines, violation.field, first_line) or request_line
        shown = f"`{violation.field}`" if violation.field else f"`{route}`"
        findings.append(
            make_finding(
                rule.id,
                max(line, 1),
                f"{rule.summary} This body breaks it at {shown} (sent to {route}).",
                violation.message,
                lines,
            )
        )
    return findings


def _route(url: str) -> str:
    """The URL as the contract judges it: a full http(s) URL as written (its host and base are
    judged too), else the path from ``/v1/`` on (``{{host}}/v1/...`` templates)."""
    if url.lower().startswith(("http://", "https://")):
        return url
    found = re.search(r"/v1/\S*", url)
    return found.group(0) if found else url


def guess_path(body: Mapping[str, Any]) -> str:
    """The endpoint a body without a request line is most likely meant for."""
    model = body.get("model")
    category = contract.model_category(model) if isinstance(model, str) else None
    if any(key in body for key in _VIDEO_FIELDS) or category == "video":
        return contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
    if "image" in body:
        return contract.Endpoint.IMAGE_EDITS.value
    return contract.Endpoint.IMAGE_GENERATIONS.value


def _json_field_line(lines: list[str], field: str, first_line: int) -> int | None:
    pattern = re.compile(rf'"{re.escape(field)}"\s*:')
    for number in range(first_line, len(lines) + 1):
        if pattern.search(lines[number - 1]):
            return number
    return None
