"""The Pixapi contract, written once: endpoints, request/response models, the model catalog and
the rule table.

Every fact here comes from the captured Pixapi pages in ``shared/seeds/`` (API reference,
llms-full.txt, the Gemini 2.5 Flash Image model page, the image-generation page and the home
page). The rule table drives four things: tool-argument validation, the HTTP client's own guard,
the sandbox's 400 answers and ``check_code`` findings. This module is a leaf: it imports nothing
from the rest of the package.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

DOCS_ROOT = "https://pixapi.ai/docs"
API_REFERENCE_URL = f"{DOCS_ROOT}/api-reference/"
ASYNC_TASKS_URL = f"{DOCS_ROOT}/guides/async-tasks/"
AUTH_URL = f"{DOCS_ROOT}/authentication/"
ERRORS_URL = f"{DOCS_ROOT}/errors/"
MODEL_CATALOG_URL = f"{DOCS_ROOT}/model-catalog/"
LLMS_FULL_URL = "https://pixapi.ai/llms-full.txt"

# The key the built-in sandbox accepts by default. The sandbox and the server in sandbox mode both
# import it from here, the one leaf they share, so the two sides can never disagree.
SANDBOX_KEY = "sk-sandbox"


# --------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------


class Endpoint(StrEnum):
    """Every documented path. Video has no synchronous endpoint: there is deliberately no
    ``/v1/videos/generations`` member, so code built on this enum cannot address it."""

    IMAGE_GENERATIONS = "/v1/images/generations"
    IMAGE_EDITS = "/v1/images/edits"
    ASYNC_IMAGE_GENERATIONS = "/v1/async/images/generations"
    ASYNC_IMAGE_EDITS = "/v1/async/images/edits"
    ASYNC_VIDEO_GENERATIONS = "/v1/async/videos/generations"
    TASKS = "/v1/tasks"  # GET /v1/tasks/{id}
    MODELS = "/v1/models"

    @property
    def is_async(self) -> bool:
        return self.value.startswith("/v1/async/")

    @property
    def is_edit(self) -> bool:
        return self in (Endpoint.IMAGE_EDITS, Endpoint.ASYNC_IMAGE_EDITS)

    @property
    def media(self) -> Literal["image", "video"] | None:
        if self is Endpoint.ASYNC_VIDEO_GENERATIONS:
            return "video"
        if self in (Endpoint.TASKS, Endpoint.MODELS):
            return None
        return "image"


SUBMIT_ENDPOINTS = frozenset(e for e in Endpoint if e.media is not None)
FORBIDDEN_VIDEO_PATH = "/v1/videos/generations"


def task_path(task_id: str) -> str:
    return f"{Endpoint.TASKS.value}/{task_id}"


# --------------------------------------------------------------------------------------------
# Field types (constraints are types, written once)
# --------------------------------------------------------------------------------------------

ResponseFormat = Literal["url", "b64_json"]
Quality = Literal["low", "medium", "high", "auto"]
TaskStatus = Literal["submitted", "processing", "completed", "failed"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "failed"})

IMAGE_SIZE_PATTERN = r"^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4})$"
VIDEO_SIZE_PATTERN = r"^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4}|[1-9][0-9]?:[1-9][0-9]?)$"
ImageSize = Annotated[str, StringConstraints(pattern=IMAGE_SIZE_PATTERN)]
VideoSize = Annotated[str, StringConstraints(pattern=VIDEO_SIZE_PATTERN)]
Prompt = Annotated[str, StringConstraints(min_length=1, max_length=32_000)]
ModelId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:/-]+$")]
# The API does not document an upper bound for n; 10 matches OpenAI-compatible image APIs and
# keeps one call from spending a surprising number of credits.
MAX_N = 10
ImageCount = Annotated[int, Field(ge=1, le=MAX_N)]
Duration = Annotated[float, Field(gt=0, le=60)]
TaskId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]

# Model controls travel beside the documented fields (for example a provider-specific knob); the
# rule table still polices them, so a forbidden field cannot be smuggled in this way.
Controls = dict[str, JsonValue]

# defer_build: validators are built on first use, not at import (start-up time matters to hosts).
_STRICT_REQUEST = ConfigDict(strict=True, extra="forbid", frozen=True, defer_build=True)


class _Request(BaseModel):
    model_config = _STRICT_REQUEST

    controls: Controls = Field(default_factory=dict, exclude=True)

    def body(self) -> dict[str, Any]:
        """The JSON (or multipart field) body: documented fields that are set, then controls."""
        data = self.model_dump(exclude_none=True, exclude={"controls", "images"})
        for key, value in self.controls.items():
            data.setdefault(key, value)
        return data


class ImageGenerationRequest(_Request):
    """``POST /v1/images/generations`` and ``/v1/async/images/generations``."""

    model: ModelId
    prompt: Prompt
    n: ImageCount | None = None
    size: ImageSize | None = None
    quality: Quality | None = None
    response_format: ResponseFormat | None = None


@dataclass(frozen=True, slots=True)
class ImageFile:
    """One ``image`` part of a multipart edit: file name, bytes and content type."""

    filename: str
    content: bytes = field(repr=False)
    content_type: str = "image/png"

    def __repr__(self) -> str:
        return f"ImageFile({self.filename!r}, {len(self.content)} bytes, {self.content_type!r})"


class ImageEditRequest(_Request):
    """``POST /v1/images/edits`` and ``/v1/async/images/edits`` (multipart, one ``image`` part per
    input image)."""

    model_config = ConfigDict(
        strict=True, extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True
    )

    model: ModelId
    prompt: Prompt
    images: Annotated[tuple[ImageFile, ...], Field(min_length=1, max_length=16)]
    n: ImageCount | None = None
    size: ImageSize | None = None
    quality: Quality | None = None
    response_format: ResponseFormat | None = None


class VideoGenerationRequest(_Request):
    """``POST /v1/async/videos/generations`` — the only video endpoint."""

    model: ModelId
    prompt: Prompt
    duration: Duration | None = None
    size: VideoSize | None = None
    input_image: Annotated[str, StringConstraints(min_length=1, max_length=8192)] | None = None


# --------------------------------------------------------------------------------------------
# Responses (tolerant: unknown fields are kept, not rejected)
# --------------------------------------------------------------------------------------------

_TOLERANT = ConfigDict(extra="allow", defer_build=True)


class ImageDatum(BaseModel):
    model_config = _TOLERANT
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None


class ImageResponse(BaseModel):
    """Synchronous image answer: read the image at ``data[0].url`` (or ``data[0].b64_json``)."""

    model_config = _TOLERANT
    created: int | None = None
    data: list[ImageDatum] = Field(default_factory=list[ImageDatum])


class TaskSubmission(BaseModel):
    """What an ``/v1/async/*`` endpoint answers: a task handle to poll at ``GET /v1/tasks/{id}``."""

    model_config = _TOLERANT
    id: str
    status: str = "submitted"
    progress: int = 0
    created_at: int | None = None
    model: str | None = None


class MediaItem(BaseModel):
    model_config = _TOLERANT
    url: str | None = None
    b64_json: str | None = None


class TaskResult(BaseModel):
    model_config = _TOLERANT
    type: str | None = None
    data: list[MediaItem] = Field(default_factory=list[MediaItem])


class Task(BaseModel):
    """``GET /v1/tasks/{id}``: the video (or image) URL is at ``result.data[0].url``."""

    model_config = _TOLERANT
    id: str
    status: str
    progress: int = 0
    model: str | None = None
    credits_cost: float | None = None
    result: TaskResult | None = None
    created: int | None = None
    created_at: int | None = None
    completed: int | None = None
    error: JsonValue = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def output_urls(self) -> list[str]:
        return [item.url for item in (self.result.data if self.result else []) if item.url]


class ModelEntry(BaseModel):
    model_config = _TOLERANT
    id: str
    object: str = "model"
    category: str | None = None
    capabilities: list[str] = Field(default_factory=list[str])


class ModelList(BaseModel):
    model_config = _TOLERANT
    object: str = "list"
    data: list[ModelEntry] = Field(default_factory=list[ModelEntry])


class ErrorDetail(BaseModel):
    model_config = _TOLERANT
    code: int | str | None = None
    message: str = ""
    type: str | None = None
    param: str | None = None


class ErrorBody(BaseModel):
    """OpenAI-style error: ``{"error": {"code": 400, "message": "...", "type": "..."}}``."""

    model_config = _TOLERANT
    error: ErrorDetail


# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------

Category = Literal["image", "video"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the docs say about one model. ``credits_from`` is the documented starting price per
    output (None where the captured pages state none); live prices on pixapi.ai/pricing win."""

    id: str
    name: str
    category: Category
    provider: str
    summary: str
    capabilities: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    aliases: tuple[str, ...] = ()
    credits_from: float | None = None
    sizes: tuple[str, ...] = ()
    size_notes: str = ""
    docs_url: str = ""
    source: str = ""

    @property
    def unit(self) -> str:
        return self.category


_IMAGE_ENDPOINTS = (
    Endpoint.IMAGE_GENERATIONS,
    Endpoint.ASYNC_IMAGE_GENERATIONS,
    Endpoint.IMAGE_EDITS,
    Endpoint.ASYNC_IMAGE_EDITS,
)
_IMAGE_CAPS = ("text-to-image", "image-to-image")
_VIDEO_CAPS = ("text-to-video", "image-to-video")
_DOCUMENTED_IMAGE_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
_DOCUMENTED_VIDEO_SIZES = ("1280x720", "720x1280", "16:9")

CATALOG: tuple[ModelInfo, ...] = (
    ModelInfo(
        id="gemini-2.5-flash-image",
        name="Gemini 2.5 Flash Image (Nano Banana)",
        category="image",
        provider="Google",
        summary="Fast Gemini image generation and editing for low-latency product workflows.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        aliases=("nano-banana",),
        credits_from=2.0,
        sizes=_DOCUMENTED_IMAGE_SIZES,
        docs_url=f"{DOCS_ROOT}/models/gemini-2.5-flash-image/",
        source="https://pixapi.ai/model/gemini-2.5-flash-image",
    ),
    ModelInfo(
        id="gemini-3.1-flash-image-preview",
        name="Gemini 3.1 Flash Image Preview (Nano Banana 2)",
        category="image",
        provider="Google",
        summary="Balanced Gemini image generation and editing with size-controlled 512, standard, 2K and "
        "4K outputs.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        aliases=("nano-banana-2",),
        credits_from=4.0,
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Output tier (512, standard, 2K, 4K) is controlled by size.",
        docs_url=f"{DOCS_ROOT}/models/gemini-3.1-flash-image-preview/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="gemini-3-pro-image-preview",
        name="Gemini 3 Pro Image Preview (Nano Banana Pro)",
        category="image",
        provider="Google",
        summary="Premium Gemini image generation and editing for high-quality product visuals.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        aliases=("nano-banana-pro",),
        credits_from=8.0,
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Standard, 2K and 4K outputs are controlled by size.",
        docs_url=f"{DOCS_ROOT}/models/gemini-3-pro-image-preview/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="gpt-image-1.5",
        name="GPT Image 1.5",
        category="image",
        provider="OpenAI",
        summary="Image generation and editing with strong prompt adherence, text rendering and commercial "
        "composition.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        credits_from=1.0,
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Price depends on quality tier and size.",
        docs_url=f"{DOCS_ROOT}/models/gpt-image-1.5/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="gpt-image-2",
        name="GPT Image 2",
        category="image",
        provider="OpenAI",
        summary="OpenAI image generation and editing with quality tiers, custom sizes and strong prompt "
        "adherence.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        credits_from=1.0,
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Accepts custom WIDTHxHEIGHT sizes; price depends on quality tier and size.",
        docs_url=f"{DOCS_ROOT}/models/gpt-image-2/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="veo",
        name="Veo",
        category="video",
        provider="Google",
        summary="Video generation task model: text-to-video and image-to-video through the async video "
        "endpoint.",
        capabilities=_VIDEO_CAPS,
        endpoints=(Endpoint.ASYNC_VIDEO_GENERATIONS,),
        sizes=_DOCUMENTED_VIDEO_SIZES,
        size_notes="Credits per video are not in the captured docs: check pixapi.ai/pricing.",
        docs_url=f"{DOCS_ROOT}/models/veo/",
        source=LLMS_FULL_URL,
    ),
    ModelInfo(
        id="wan",
        name="Wan",
        category="video",
        provider="",  # not stated in the captured docs
        summary="Video generation model for text-to-video and image-to-video through the async video "
        "endpoint.",
        capabilities=_VIDEO_CAPS,
        endpoints=(Endpoint.ASYNC_VIDEO_GENERATIONS,),
        sizes=_DOCUMENTED_VIDEO_SIZES,
        size_notes="Credits per video are not in the captured docs: check pixapi.ai/pricing.",
        docs_url=MODEL_CATALOG_URL,
        source=API_REFERENCE_URL,
    ),
)

DEFAULT_IMAGE_MODEL = "nano-banana"
DEFAULT_VIDEO_MODEL = "veo"

_BY_NAME: dict[str, ModelInfo] = {}
for _info in CATALOG:
    _BY_NAME[_info.id] = _info
    for _alias in _info.aliases:
        _BY_NAME[_alias] = _info
ALIASES: dict[str, str] = {a: m.id for m in CATALOG for a in m.aliases}

# Families by name, so a model the catalog does not know yet (say ``veo-3.1-fast``) is still sent
# to the right endpoint. From the seeds: nano-banana*, gemini-*-image*, gpt-image-* are image
# models; veo and wan (and the sora-2 of the task example) are video models.
_IMAGE_FAMILY = re.compile(
    r"^(nano-banana(-[a-z0-9.]+)?|gemini-[a-z0-9.-]*image[a-z0-9.-]*|gpt-image-[a-z0-9.-]+)$"
)
_VIDEO_FAMILY = re.compile(r"^(veo|wan|sora|kling|seedance|hailuo)([-.][a-z0-9.-]+)?$")


def lookup_model(name: str) -> ModelInfo | None:
    """The catalog entry for a model id or alias (case-insensitive), or None."""
    return _BY_NAME.get(name.strip().lower())


def canonical_model_id(name: str) -> str:
    """Resolve an alias to its canonical id; unknown names come back unchanged."""
    info = lookup_model(name)
    return info.id if info else name


def model_category(name: str) -> Category | None:
    """Image or video for a known model or a known model family; None when it cannot be told."""
    info = lookup_model(name)
    if info:
        return info.category
    lowered = name.strip().lower()
    if _IMAGE_FAMILY.match(lowered):
        return "image"
    if _VIDEO_FAMILY.match(lowered):
        return "video"
    return None


def suggest_models(name: str, candidates: Iterable[str] | None = None, limit: int = 3) -> list[str]:
    """Close matches for a misspelled model name, from ``candidates`` (default: the catalog)."""
    pool = list(candidates) if candidates is not None else list(_BY_NAME)
    return difflib.get_close_matches(name.strip().lower(), pool, n=limit, cutoff=0.5)


def estimate_credits(model: str, n: int = 1) -> float | None:
    """The documented starting price for ``n`` outputs, or None when the docs give no price."""
    info = lookup_model(model)
    if info is None or info.credits_from is None:
        return None
    return info.credits_from * n


# --------------------------------------------------------------------------------------------
# The rule table
# --------------------------------------------------------------------------------------------

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
class RequestView:
    """What a rule looks at: the path as sent (with any query string), the body fields, and whether
    the body is multipart. ``known_models`` extends the catalog (for example with the live list)."""

    path: str
    body: Mapping[str, Any]
    multipart: bool | None = None
    known_models: frozenset[str] = frozenset()

    @property
    def route(self) -> str:
        return urlsplit(self.path).path.rstrip("/") or "/"

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    @property
    def endpoint(self) -> Endpoint | None:
        route = self.route
        # GET /v1/tasks/{id} is the tasks endpoint; the bare collection path is not documented.
        if route.startswith(Endpoint.TASKS.value + "/") and route.count("/") == 3:
            return Endpoint.TASKS
        if route == Endpoint.TASKS.value:
            return None
        try:
            return Endpoint(route)
        except ValueError:
            return None

    @property
    def model(self) -> str | None:
        value = self.body.get("model")
        return value if isinstance(value, str) and value.strip() else None


Check = Callable[[RequestView], Iterable[tuple[str | None, str]]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One contract rule. ``check`` yields ``(field, message)`` pairs; ``message`` names the fix.
    Code-scope rules have no request check: ``check_code`` finds them in source text."""

    id: str
    summary: str
    message: str
    docs_url: str
    scope: RuleScope = "request"
    check: Check | None = None


def _is_submit(view: RequestView) -> bool:
    return view.endpoint in SUBMIT_ENDPOINTS


def _check_async_flag(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if "async" in view.query:
        yield "async", "Remove `?async=true`: submit to the `/v1/async/...` endpoint instead."
    if "async" in view.body:
        yield "async", 'Remove `"async"` from the body: submit to the `/v1/async/...` endpoint instead.'


def _check_video_path(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if view.route == FORBIDDEN_VIDEO_PATH:
        yield (
            None,
            "Video is async-only: POST to `/v1/async/videos/generations`, not `/v1/videos/generations`.",
        )


def _check_unknown_path(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if view.endpoint is None and view.route != FORBIDDEN_VIDEO_PATH:
        valid = ", ".join(e.value for e in SUBMIT_ENDPOINTS)
        yield None, f"`{view.route}` is not a Pixapi endpoint; use one of {valid}."


def _check_model_required(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if _is_submit(view) and view.model is None:
        yield "model", "Add `model`, e.g. `nano-banana` for images or `veo` for video."


def _check_prompt_required(view: RequestView) -> Iterable[tuple[str | None, str]]:
    prompt = view.body.get("prompt")
    if _is_submit(view) and (not isinstance(prompt, str) or not prompt.strip()):
        yield "prompt", "Add a non-empty `prompt` describing the image or video."


def _check_unknown_model(view: RequestView) -> Iterable[tuple[str | None, str]]:
    model = view.model
    if not _is_submit(view) or model is None:
        return
    if lookup_model(model) or model_category(model) or model in view.known_models:
        return
    hints = suggest_models(model, [*_BY_NAME, *view.known_models])
    hint = f" Did you mean {', '.join(f'`{h}`' for h in hints)}?" if hints else ""
    yield "model", f"Unknown model `{model}`.{hint} Call list_models (GET /v1/models) for valid ids."


def _check_video_model_on_image(view: RequestView) -> Iterable[tuple[str | None, str]]:
    endpoint, model = view.endpoint, view.model
    if endpoint is not None and endpoint.media == "image" and model and model_category(model) == "video":
        yield (
            "model",
            (
                f"`{model}` is a video model: submit it to `POST /v1/async/videos/generations`, "
                "or use an image model such as `nano-banana` here."
            ),
        )


def _check_image_model_on_video(view: RequestView) -> Iterable[tuple[str | None, str]]:
    model = view.model
    video_route = view.endpoint is Endpoint.ASYNC_VIDEO_GENERATIONS or view.route == FORBIDDEN_VIDEO_PATH
    if video_route and model and model_category(model) == "image":
        yield (
            "model",
            (
                f"`{model}` is an image model, not a video model: use `veo` or `wan` on the video endpoint, "
                "and pass a generated image as `input_image` for image-to-video."
            ),
        )


def _check_image_url(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if "image_url" not in view.body:
        return
    if view.endpoint is not None and view.endpoint.is_edit:
        yield "image_url", "Send the input as a multipart file part named `image`, not `image_url`."
    else:
        yield "image_url", "Rename `image_url` to `input_image` (a URL) for image-to-video."


def _check_seconds(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if "seconds" in view.body:
        yield "seconds", "Rename `seconds` to `duration` (the video length in seconds)."


def _check_duration(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("duration")
    if value is None:
        return
    if view.endpoint is not None and view.endpoint.media == "image":
        yield "duration", "`duration` is a video field: send video work to `/v1/async/videos/generations`."
        return
    number = _as_number(value)
    if number is None or number <= 0:
        yield "duration", "`duration` must be a positive number of seconds, e.g. 8."


def _check_input_image(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("input_image")
    if value is None:
        return
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        yield (
            "input_image",
            "`input_image` must be an http(s) URL, e.g. the `data[0].url` of a generated image.",
        )


def _check_response_format(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("response_format")
    if value is not None and value not in ("url", "b64_json"):
        yield "response_format", "`response_format` must be `url` or `b64_json`."


def _check_quality(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("quality")
    if value is not None and value not in ("low", "medium", "high", "auto"):
        yield "quality", "`quality` must be one of `low`, `medium`, `high`, `auto`."


def _check_size(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("size")
    if value is None:
        return
    video = view.endpoint is Endpoint.ASYNC_VIDEO_GENERATIONS or view.route == FORBIDDEN_VIDEO_PATH
    pattern = VIDEO_SIZE_PATTERN if video else IMAGE_SIZE_PATTERN
    if not isinstance(value, str) or not re.match(pattern, value):
        example = (
            "`1280x720` or a ratio such as `16:9`" if video else "`auto` or WIDTHxHEIGHT such as `1024x1024`"
        )
        yield "size", f"`size` must be {example}."


def _check_n(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("n")
    if value is None:
        return
    number = _as_number(value)
    if number is None or number < 1 or number != int(number):
        yield "n", "`n` must be a positive whole number of images, e.g. 1."
    elif number > MAX_N:
        yield "n", f"`n` is at most {MAX_N} per request; split larger batches."


def _check_edit_multipart(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if view.endpoint is None or not view.endpoint.is_edit:
        return
    if view.multipart is False:
        yield (
            None,
            "Image edits are `multipart/form-data`: send fields as form parts and each file as `image`.",
        )
    elif view.multipart and not view.body.get("image"):
        yield "image", "Attach at least one input image as a multipart part named `image`."


def _as_number(value: object) -> float | None:
    """A finite number from a JSON or form value; None for anything else (NaN and infinity too)."""
    if isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None


RULES: tuple[Rule, ...] = (
    Rule(
        "async-endpoint",
        "Async work uses /v1/async/* endpoints, never an async flag.",
        'Do not use `?async=true` or `"async": true`; submit to the matching `/v1/async/...` endpoint.',
        ASYNC_TASKS_URL,
        check=_check_async_flag,
    ),
    Rule(
        "video-async-only",
        "Video is async-only at POST /v1/async/videos/generations.",
        "Use `POST /v1/async/videos/generations`; `/v1/videos/generations` does not exist.",
        ASYNC_TASKS_URL,
        check=_check_video_path,
    ),
    Rule(
        "unknown-endpoint",
        "Requests go to documented endpoints only.",
        "Use a documented endpoint from the API reference.",
        API_REFERENCE_URL,
        check=_check_unknown_path,
    ),
    Rule(
        "model-required",
        "`model` is required.",
        "Add `model` (e.g. `nano-banana` for images, `veo` for video).",
        API_REFERENCE_URL,
        check=_check_model_required,
    ),
    Rule(
        "prompt-required",
        "`prompt` is required and non-empty.",
        "Add a non-empty `prompt`.",
        API_REFERENCE_URL,
        check=_check_prompt_required,
    ),
    Rule(
        "unknown-model",
        "`model` must be a Pixapi model id or documented alias.",
        "Use an id from GET /v1/models or a documented alias such as `nano-banana`.",
        MODEL_CATALOG_URL,
        check=_check_unknown_model,
    ),
    Rule(
        "video-model-on-image-endpoint",
        "Video models (veo, wan) only go to the video endpoint.",
        "Submit video models to `POST /v1/async/videos/generations`.",
        API_REFERENCE_URL,
        check=_check_video_model_on_image,
    ),
    Rule(
        "image-model-on-video-endpoint",
        "Image models (nano-banana, gemini-*-image*, gpt-image-*) are not video models.",
        "Use `veo` or `wan` on the video endpoint; Nano Banana is an image model.",
        LLMS_FULL_URL,
        check=_check_image_model_on_video,
    ),
    Rule(
        "input-image-field",
        "Image-to-video takes `input_image` (a URL), never `image_url`.",
        "Rename `image_url` to `input_image`.",
        API_REFERENCE_URL,
        check=_check_image_url,
    ),
    Rule(
        "duration-field",
        "Video length is `duration` in seconds, never `seconds`.",
        "Rename `seconds` to `duration`.",
        API_REFERENCE_URL,
        check=_check_seconds,
    ),
    Rule(
        "duration-value",
        "`duration` is a positive number of seconds, on video requests only.",
        "Send `duration` as a positive number, e.g. 8, on the video endpoint.",
        API_REFERENCE_URL,
        check=_check_duration,
    ),
    Rule(
        "input-image-url",
        "`input_image` is an http(s) URL.",
        "Pass a public image URL, such as `data[0].url` from an image generation.",
        API_REFERENCE_URL,
        check=_check_input_image,
    ),
    Rule(
        "response-format-value",
        "`response_format` is `url` or `b64_json`.",
        "Use `url` or `b64_json`.",
        API_REFERENCE_URL,
        check=_check_response_format,
    ),
    Rule(
        "quality-value",
        "`quality` is low, medium, high or auto.",
        "Use `low`, `medium`, `high` or `auto`.",
        API_REFERENCE_URL,
        check=_check_quality,
    ),
    Rule(
        "size-value",
        "`size` is auto or WIDTHxHEIGHT (video also ratio presets such as 16:9).",
        "Use `auto`, `1024x1024`, `1536x1024`, `1024x1536` (video: `1280x720`, `720x1280`, `16:9`).",
        API_REFERENCE_URL,
        check=_check_size,
    ),
    Rule(
        "n-value",
        "`n` is a positive count of images.",
        "Use a whole number from 1.",
        API_REFERENCE_URL,
        check=_check_n,
    ),
    Rule(
        "edit-multipart",
        "Edits are multipart/form-data with each file in an `image` part.",
        "Send a multipart form with `model`, `prompt` and one `image` part per input.",
        API_REFERENCE_URL,
        check=_check_edit_multipart,
    ),
    # Code-scope rules: found in integration code by check_code, not in request bodies.
    Rule(
        "image-url-field",
        "Image URLs are read from `data[0].url` of an image response.",
        "Read the image URL from `response.data[0].url` (or `b64_json` when requested).",
        API_REFERENCE_URL,
        scope="code",
    ),
    Rule(
        "task-result-field",
        "A finished task's media URL is at `result.data[0].url`.",
        "Read the video URL from `task.result.data[0].url` once `status` is `completed`.",
        ASYNC_TASKS_URL,
        scope="code",
    ),
    Rule(
        "task-polling",
        "Async tasks are polled at GET /v1/tasks/{id} until completed or failed.",
        "Poll `GET /v1/tasks/{id}` until `status` is `completed` or `failed`, and handle `failed`.",
        ASYNC_TASKS_URL,
        scope="code",
    ),
    Rule(
        "bearer-auth",
        "Authenticate with `Authorization: Bearer $PIXAPI_KEY`.",
        "Send `Authorization: Bearer <key>` with the key read from the PIXAPI_KEY environment variable.",
        AUTH_URL,
        scope="code",
    ),
    Rule(
        "key-server-side",
        "The key stays server-side, read from the environment; never in browser code or source.",
        "Read the key from the `PIXAPI_KEY` environment variable on the server; never ship it to a browser.",
        AUTH_URL,
        scope="code",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def check_request(
    path: str,
    body: Mapping[str, Any],
    *,
    multipart: bool | None = None,
    known_models: Iterable[str] = (),
    rules: Iterable[Rule] = RULES,
) -> list[Violation]:
    """Every rule ``body`` sent to ``path`` breaks, in table order; empty when it is valid.

    ``path`` is the request path as it would be sent, query string included (so ``?async=true``
    is caught). ``multipart`` says whether the body travels as a multipart form (None: unknown).
    ``known_models`` adds ids beyond the catalog, such as those from the live ``GET /v1/models``.
    """
    view = RequestView(path=path, body=body, multipart=multipart, known_models=frozenset(known_models))
    found: list[Violation] = []
    for rule in rules:
        if rule.check is None:
            continue
        for fld, message in rule.check(view):
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
