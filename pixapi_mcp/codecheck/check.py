"""``check_code``: find Pixapi contract mistakes in integration code or in a request body.

Built on the rule table in ``contract.RULES``: every finding carries a contract rule id, the
rule's docs and a fix. Request bodies (``language="json"``) go through ``contract.check_request``
itself (``json_body``); source code in curl/bash, Python, Node, Go, Java and PHP is parsed with tree-sitter
(``source``, ``lang_*``), values are followed through the file (``program``), and ``DETECTORS``,
one entry per rule id, judge each request on its own URL, headers and body. The detectors favour
precision: Pixapi's own examples and this project's recipes must come out clean.

No MCP and no HTTP here: ``tool`` puts this on an MCP server.
"""

from __future__ import annotations

import time

from pixapi_mcp import contract
from pixapi_mcp.codecheck.detect_auth import detect_bearer, detect_key_exposure
from pixapi_mcp.codecheck.detect_endpoints import (
    detect_async_flag,
    detect_base_url,
    detect_openai_base_url,
    detect_sync_video,
    detect_unknown_endpoint,
)
from pixapi_mcp.codecheck.detect_fields import (
    detect_edit_json,
    detect_image_url,
    detect_input_image_url,
    detect_json_content_type,
    detect_seconds,
    detect_value,
)
from pixapi_mcp.codecheck.detect_models import (
    detect_image_model_on_video,
    detect_unknown_model,
    detect_video_model_on_image,
)
from pixapi_mcp.codecheck.detect_results import (
    detect_image_url_field,
    detect_submission_id,
    detect_task_polling,
    detect_task_result_field,
)
from pixapi_mcp.codecheck.findings import Detector, Finding, finding_for_hit
from pixapi_mcp.codecheck.json_body import check_json
from pixapi_mcp.codecheck.program import CheckTimeout
from pixapi_mcp.codecheck.source import Source, detect_language, normalize_language

# One detector per rule id: every code-scope rule, and the request rules whose mistakes show in
# source text. Findings are sorted by line and contract rule order, so this order is free.
DETECTORS: dict[str, Detector] = {
    "async-endpoint": detect_async_flag,
    "video-async-only": detect_sync_video,
    "unknown-endpoint": detect_unknown_endpoint,
    "base-url": detect_base_url,
    "openai-base-url": detect_openai_base_url,
    "unknown-model": detect_unknown_model,
    "video-model-on-image-endpoint": detect_video_model_on_image,
    "image-model-on-video-endpoint": detect_image_model_on_video,
    "input-image-field": detect_image_url,
    "duration-field": detect_seconds,
    "response-format-value": detect_value("response_format", "response-format-value"),
    "quality-value": detect_value("quality", "quality-value"),
    "size-value": detect_value("size", "size-value"),
    "n-value": detect_value("n", "n-value"),
    "duration-value": detect_value("duration", "duration-value"),
    "input-image-url": detect_input_image_url,
    "edit-multipart": detect_edit_json,
    "json-content-type": detect_json_content_type,
    "image-url-field": detect_image_url_field,
    "task-result-field": detect_task_result_field,
    "submission-id-field": detect_submission_id,
    "task-polling": detect_task_polling,
    "bearer-auth": detect_bearer,
    "key-server-side": detect_key_exposure,
}


def check_code(
    code: str, language: str | None = None, *, path: str | None = None, deadline: float | None = None
) -> list[Finding]:
    """Every contract mistake found in ``code``, ordered by line.

    ``language`` is one of ``LANGUAGES`` or an alias (``javascript``, ``bash`` ...); None or
    ``"auto"`` detects it. For ``"json"`` the text is a request body (optionally preceded by a
    ``POST /v1/...`` line or a ``// POST /v1/...`` comment) checked with
    ``contract.check_request``; ``path`` names the endpoint when the text does not.

    ``deadline`` (a ``time.monotonic()`` instant) stops the check with ``CheckTimeout`` once it
    passes: the work is linear in the input, the deadline is the backstop.

    Raises ``ValueError`` for an unknown language or a JSON body that does not parse.
    """
    lang = normalize_language(language) or detect_language(code)
    if lang == "json":
        findings = check_json(code, path)
    else:
        source = Source(code, lang, deadline)
        findings: list[Finding] = []
        for rule_id, detector in DETECTORS.items():
            findings.extend(finding_for_hit(rule_id, hit, source) for hit in detector(source))
            if deadline is not None and time.monotonic() > deadline:
                raise CheckTimeout
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
            f"No Pixapi contract mistakes found in this {what}. The check is static: it follows values "
            "through the file (variables, concatenation, format calls, helpers) but cannot see values "
            "computed at run time or defined in other files."
        )
    rules = sorted({f.rule_id for f in findings})
    noun = "finding" if len(findings) == 1 else "findings"
    return (
        f"{len(findings)} {noun} in this {what} ({', '.join(rules)}). Fix each at its line; read the "
        "docs_uri resource for the rule, then run check_code again."
    )
