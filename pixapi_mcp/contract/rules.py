"""The rule table, written once: one record per rule holds its id, the rule, the fix, the Pixapi
page it comes from, the bundled docs page that explains it and a wrong/right example.

It drives tool-argument validation, the HTTP client's own guard, the sandbox's 400 answers,
``check_code`` findings and the generated ``mistakes`` page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pixapi_mcp.contract.checks import (
    Check,
    RequestView,
    check_async_flag,
    check_base_url,
    check_duration,
    check_edit_multipart,
    check_image_model_on_video,
    check_image_url,
    check_input_image,
    check_json_content_type,
    check_model_required,
    check_n,
    check_prompt_required,
    check_quality,
    check_response_format,
    check_seconds,
    check_size,
    check_unknown_model,
    check_unknown_path,
    check_video_model_on_image,
    check_video_path,
)
from pixapi_mcp.contract.endpoints import (
    API_REFERENCE_URL,
    ASYNC_TASKS_URL,
    AUTH_URL,
    LLMS_FULL_URL,
    MODEL_CATALOG_URL,
    Endpoint,
)
from pixapi_mcp.contract.requests import ImageEditRequest, ImageGenerationRequest, VideoGenerationRequest

RuleScope = Literal["request", "code"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule in one request: which rule, which field, and the fix."""

    rule_id: str
    message: str
    docs_url: str
    field: str | None = None

    def __str__(self) -> str:
        return f"[{self.rule_id}] {self.message}"


@dataclass(frozen=True, slots=True)
class Example:
    """A wrong and a right way, short enough for one line of the mistakes page."""

    wrong: str
    right: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One contract rule. ``summary`` states the rule; ``message`` is the fix; ``docs_url`` the
    Pixapi page it comes from; ``page`` the bundled ``pixapi://docs/<page>`` that explains it.
    ``check`` yields ``(field, message)`` pairs; code-scope rules have none (``check_code`` finds
    them in source text)."""

    id: str
    summary: str
    message: str
    docs_url: str
    page: str
    example: Example
    scope: RuleScope = "request"
    check: Check | None = None

    @property
    def docs_uri(self) -> str:
        return f"pixapi://docs/{self.page}"


RULES: tuple[Rule, ...] = (
    Rule(
        "async-endpoint",
        "Async work uses /v1/async/* endpoints, never an async flag.",
        'Do not use `?async=true` or `"async": true`; POST to the async endpoint for the work: '
        "`/v1/async/images/generations`, `/v1/async/images/edits` or `/v1/async/videos/generations`.",
        ASYNC_TASKS_URL,
        page="async-tasks",
        example=Example(
            'POST /v1/images/generations?async=true, or {"async": true}', "POST /v1/async/images/generations"
        ),
        check=check_async_flag,
    ),
    Rule(
        "video-async-only",
        "Video is async-only at POST /v1/async/videos/generations.",
        "Use `POST /v1/async/videos/generations`; `/v1/videos/generations` does not exist.",
        ASYNC_TASKS_URL,
        page="async-tasks",
        example=Example("POST /v1/videos/generations", "POST /v1/async/videos/generations"),
        check=check_video_path,
    ),
    Rule(
        "unknown-endpoint",
        "Requests go to documented endpoints only.",
        "Use a documented endpoint from the API reference.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example("POST /v1/images/generate", "POST /v1/images/generations"),
        check=check_unknown_path,
    ),
    Rule(
        "base-url",
        "Requests go to the documented base URL, https://api.pixapi.ai.",
        "Use `https://api.pixapi.ai` as the base and append the `/v1/...` path.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example(
            "https://pixapi.ai/api/v1/images/generations", "https://api.pixapi.ai/v1/images/generations"
        ),
        scope="code",
    ),
    Rule(
        "model-required",
        "`model` is required.",
        "Add `model` (e.g. `nano-banana` for images, `veo` for video).",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example('{"prompt": "A cup"}', '{"model": "nano-banana", "prompt": "A cup"}'),
        check=check_model_required,
    ),
    Rule(
        "prompt-required",
        "`prompt` is required and non-empty.",
        "Add a non-empty `prompt`.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example('{"model": "nano-banana"}', '{"model": "nano-banana", "prompt": "A cup"}'),
        check=check_prompt_required,
    ),
    Rule(
        "unknown-model",
        "`model` must be a Pixapi model id or documented alias.",
        "Use an id from GET /v1/models or a documented alias such as `nano-banana`.",
        MODEL_CATALOG_URL,
        page="model-catalog",
        example=Example('{"model": "nano-bannana"}', '{"model": "nano-banana"}'),
        check=check_unknown_model,
    ),
    Rule(
        "video-model-on-image-endpoint",
        "Video models (veo, wan) only go to the video endpoint.",
        "Submit video models to `POST /v1/async/videos/generations`.",
        API_REFERENCE_URL,
        page="model-catalog",
        example=Example(
            'POST /v1/images/generations {"model": "veo"}',
            'POST /v1/async/videos/generations {"model": "veo"}',
        ),
        check=check_video_model_on_image,
    ),
    Rule(
        "image-model-on-video-endpoint",
        "Image models (nano-banana, gemini-*-image*, gpt-image-*) are not video models.",
        "Use `veo` or `wan` on the video endpoint; Nano Banana is an image model.",
        LLMS_FULL_URL,
        page="image-to-video",
        example=Example(
            'POST /v1/async/videos/generations {"model": "nano-banana"}',
            '{"model": "veo", "input_image": "<image url>"}',
        ),
        check=check_image_model_on_video,
    ),
    Rule(
        "input-image-field",
        "Image-to-video takes `input_image` (a URL), never `image_url`.",
        "Rename `image_url` to `input_image`.",
        API_REFERENCE_URL,
        page="image-to-video",
        example=Example('{"image_url": "https://..."}', '{"input_image": "https://..."}'),
        check=check_image_url,
    ),
    Rule(
        "duration-field",
        "Video length is `duration` in seconds, never `seconds`.",
        "Rename `seconds` to `duration`.",
        API_REFERENCE_URL,
        page="image-to-video",
        example=Example('{"seconds": 8}', '{"duration": 8}'),
        check=check_seconds,
    ),
    Rule(
        "duration-value",
        "`duration` is a positive number of seconds, on video requests only.",
        "Send `duration` as a positive number, e.g. 8, on the video endpoint.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example('{"duration": 0}', '{"duration": 8}'),
        check=check_duration,
    ),
    Rule(
        "input-image-url",
        "`input_image` is an http(s) URL.",
        "Pass a public image URL, such as `data[0].url` from an image generation.",
        API_REFERENCE_URL,
        page="image-to-video",
        example=Example(
            '{"input_image": "./cup.png"}', '{"input_image": "https://cdn.pixapi.ai/generated/image.png"}'
        ),
        check=check_input_image,
    ),
    Rule(
        "response-format-value",
        "`response_format` is `url` or `b64_json`.",
        "Use `url` or `b64_json`.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example('{"response_format": "png"}', '{"response_format": "b64_json"}'),
        check=check_response_format,
    ),
    Rule(
        "quality-value",
        "`quality` is low, medium, high or auto.",
        "Use `low`, `medium`, `high` or `auto`.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example('{"quality": "hd"}', '{"quality": "high"}'),
        check=check_quality,
    ),
    Rule(
        "size-value",
        "`size` is auto or WIDTHxHEIGHT (video also ratio presets such as 16:9).",
        "Use `auto`, `1024x1024`, `1536x1024`, `1024x1536` (video: `1280x720`, `720x1280`, `16:9`).",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example('{"size": "1024*1024"}', '{"size": "1024x1024"}'),
        check=check_size,
    ),
    Rule(
        "n-value",
        "`n` is a positive count of images.",
        "Use a whole number from 1.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example('{"n": 0}', '{"n": 1}'),
        check=check_n,
    ),
    Rule(
        "edit-multipart",
        "Edits are multipart/form-data with each file in an `image` part.",
        "Send a multipart form with `model`, `prompt` and one `image` part per input.",
        API_REFERENCE_URL,
        page="image-editing",
        example=Example(
            "POST /v1/images/edits with a JSON body",
            '-F "model=nano-banana" -F "prompt=..." -F "image=@cup.png"',
        ),
        check=check_edit_multipart,
    ),
    Rule(
        "json-content-type",
        "JSON bodies are sent with `Content-Type: application/json`.",
        "Add the header `Content-Type: application/json` to requests with a JSON body.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example(
            "curl -d '{\"model\": ...}' without -H",
            'curl -H "Content-Type: application/json" -d \'{"model": ...}\'',
        ),
        check=check_json_content_type,  # judged only when the Content-Type sent is known
    ),
    # Code-scope rules: found in integration code by check_code, not in request bodies.
    Rule(
        "image-url-field",
        "Image URLs are read from `data[0].url` of an image response.",
        "Read the image URL from `response.data[0].url` (or `b64_json` when requested).",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example("image.result.data[0].url", "image.data[0].url"),
        scope="code",
    ),
    Rule(
        "task-result-field",
        "A finished task's media URL is at `result.data[0].url`.",
        "Read the video URL from `task.result.data[0].url` once `status` is `completed`.",
        ASYNC_TASKS_URL,
        page="async-tasks",
        example=Example("task.data[0].url", "task.result.data[0].url"),
        scope="code",
    ),
    Rule(
        "submission-id-field",
        "An async submission answers the task id as `id`.",
        "Read the task id from the submission's `id` field and poll `GET /v1/tasks/{id}`.",
        API_REFERENCE_URL,
        page="async-tasks",
        example=Example('submission.json()["task_id"]', 'submission.json()["id"]'),
        scope="code",
    ),
    Rule(
        "task-polling",
        "Async tasks are polled at GET /v1/tasks/{id} until completed or failed.",
        "Poll `GET /v1/tasks/{id}` until `status` is `completed` or `failed`, and handle `failed`.",
        ASYNC_TASKS_URL,
        page="async-tasks",
        example=Example(
            'while task["status"] != "done"', 'poll until task["status"] in ("completed", "failed")'
        ),
        scope="code",
    ),
    Rule(
        "bearer-auth",
        "Authenticate with `Authorization: Bearer $PIXAPI_KEY`.",
        "Send `Authorization: Bearer <key>` with the key read from the PIXAPI_KEY environment variable.",
        AUTH_URL,
        page="authentication",
        example=Example("Authorization: $PIXAPI_KEY", "Authorization: Bearer $PIXAPI_KEY"),
        scope="code",
    ),
    Rule(
        "key-server-side",
        "The key stays server-side, read from the environment; never in browser code or source.",
        "Read the key from the `PIXAPI_KEY` environment variable on the server; never ship it to a browser.",
        AUTH_URL,
        page="authentication",
        example=Example(
            'NEXT_PUBLIC_PIXAPI_KEY, or PIXAPI_KEY = "sk-..." in source',
            "process.env.PIXAPI_KEY read on the server",
        ),
        scope="code",
    ),
    # Not from Pixapi's pages: it follows from how the openai SDKs build request paths (they append
    # `/images/generations` to `base_url`), so a base_url without `/v1` misses every endpoint.
    Rule(
        "openai-base-url",
        "With the openai SDKs, `base_url` ends in `/v1` (the SDK appends `/images/generations`).",
        "Set `base_url` (Node: `baseURL`) to `https://api.pixapi.ai/v1`.",
        API_REFERENCE_URL,
        page="api-reference",
        example=Example(
            'OpenAI(base_url="https://api.pixapi.ai")', 'OpenAI(base_url="https://api.pixapi.ai/v1")'
        ),
        scope="code",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

# Code-scope rules that can still be judged on a request as check_code reconstructs it (the URL as
# written). The client and the sandbox never see these (a wrong base never reaches them), so they
# are not request rules. (json-content-type is a request rule: the sandbox reads the header sent.)
CODE_CHECKS: dict[str, Check] = {
    "base-url": check_base_url,
}


def check_request(
    path: str,
    body: Mapping[str, Any],
    *,
    multipart: bool | None = None,
    known_models: Iterable[str] = (),
    rules: Iterable[Rule] = RULES,
    content_type: str | None = None,
) -> list[Violation]:
    """Every rule ``body`` sent to ``path`` breaks, in table order; empty when it is valid.

    ``path`` is the request path as it would be sent, query string included (so ``?async=true``
    is caught). ``multipart`` says whether the body travels as a multipart form (None: unknown).
    ``known_models`` adds ids beyond the catalog, such as those from the live ``GET /v1/models``.
    ``content_type`` is the Content-Type header sent ("" when none is sent; None when unknown).
    """
    view = RequestView(
        path=path,
        body=body,
        multipart=multipart,
        known_models=frozenset(known_models),
        content_type=content_type,
    )
    found: list[Violation] = []
    for rule in rules:
        if rule.check is None:
            continue
        for fld, message in rule.check(view):
            found.append(Violation(rule.id, message, rule.docs_url, fld))
    return found


def check_code_request(
    path: str,
    body: Mapping[str, Any],
    *,
    multipart: bool | None = None,
    content_type: str | None = None,
    rules: Iterable[str] = CODE_CHECKS,
) -> list[Violation]:
    """The ``CODE_CHECKS`` a request as written in code breaks (``path`` may be a full URL;
    ``content_type`` is the header sent, "" for none, None when unknown)."""
    view = RequestView(path=path, body=body, multipart=multipart, content_type=content_type)
    found: list[Violation] = []
    for rule_id in rules:
        rule = RULES_BY_ID[rule_id]
        for fld, message in CODE_CHECKS[rule_id](view):
            found.append(Violation(rule.id, message, rule.docs_url, fld))
    return found


def check_submission(
    request: ImageGenerationRequest | ImageEditRequest | VideoGenerationRequest,
    endpoint: Endpoint,
    *,
    known_models: Iterable[str] = (),
) -> list[Violation]:
    """The rule table applied to a typed request about to be sent to ``endpoint``."""
    body = request.body()
    multipart = None
    if isinstance(request, ImageEditRequest):
        multipart = True
        body["image"] = [img.filename for img in request.images]
    return check_request(endpoint.value, body, multipart=multipart, known_models=known_models)
