"""The rule checks: what each request rule looks at (a ``RequestView`` of the path and body) and
the ``(field, message)`` pairs it yields. The table that names them is in ``rules``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pixapi_mcp.contract.catalog import MODEL_NAMES, lookup_model, model_category, suggest_models
from pixapi_mcp.contract.endpoints import API_HOST, FORBIDDEN_VIDEO_PATH, SUBMIT_ENDPOINTS, Endpoint
from pixapi_mcp.contract.fields import IMAGE_SIZE_PATTERN, MAX_N, VIDEO_SIZE_PATTERN


@dataclass(frozen=True, slots=True)
class RequestView:
    """What a rule looks at: the path as sent (with any query string), the body fields, and whether
    the body is multipart. ``known_models`` extends the catalog (for example with the live list)."""

    path: str
    body: Mapping[str, Any]
    multipart: bool | None = None
    known_models: frozenset[str] = frozenset()
    # The Content-Type header sent with the body: None when unknown, "" when known to be absent.
    content_type: str | None = None

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


def is_submit(view: RequestView) -> bool:
    return view.endpoint in SUBMIT_ENDPOINTS


def async_endpoint_for(route: str) -> Endpoint | None:
    """The async endpoint that does the work of ``route``: itself when it is async already, its
    ``/v1/async`` twin for a synchronous image path or the non-existent synchronous video path
    (the async paths are the sync ones under ``/v1/async``, per the async-tasks guide), else None."""
    route = route.rstrip("/")
    candidates = (route, "/v1/async" + route.removeprefix("/v1")) if route.startswith("/v1/") else ()
    for candidate in candidates:
        try:
            endpoint = Endpoint(candidate)
        except ValueError:
            continue
        if endpoint.is_async:
            return endpoint
    return None


def _post_to_async(view: RequestView) -> str:
    target = async_endpoint_for(view.route)
    if target is not None:
        return f"POST to `{target.value}`; the path alone makes the request async."
    asyncs = ", ".join(f"`{e.value}`" for e in Endpoint if e.is_async)
    return f"POST to the async endpoint for the work: {asyncs}."


def check_async_flag(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if "async" in view.query:
        yield "async", f"Remove `?async=true` and {_post_to_async(view)}"
    if "async" in view.body:
        yield "async", f'Remove `"async"` from the body and {_post_to_async(view)}'


def check_video_path(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if view.route == FORBIDDEN_VIDEO_PATH:
        yield (
            None,
            "Video is async-only: POST to `/v1/async/videos/generations`, not `/v1/videos/generations`.",
        )


def check_unknown_path(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if view.endpoint is None and view.route != FORBIDDEN_VIDEO_PATH and wrong_base(view) is None:
        valid = ", ".join(e.value for e in SUBMIT_ENDPOINTS)
        yield None, f"`{view.route}` is not a Pixapi endpoint; use one of {valid}."


def check_model_required(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if is_submit(view) and view.model is None:
        yield "model", "Add `model`, e.g. `nano-banana` for images or `veo` for video."


def check_prompt_required(view: RequestView) -> Iterable[tuple[str | None, str]]:
    prompt = view.body.get("prompt")
    if is_submit(view) and (not isinstance(prompt, str) or not prompt.strip()):
        yield "prompt", "Add a non-empty `prompt` describing the image or video."


def check_unknown_model(view: RequestView) -> Iterable[tuple[str | None, str]]:
    model = view.model
    if not is_submit(view) or model is None:
        return
    if lookup_model(model) or model_category(model) or model in view.known_models:
        return
    hints = suggest_models(model, [*MODEL_NAMES, *view.known_models])
    hint = f" Did you mean {', '.join(f'`{h}`' for h in hints)}?" if hints else ""
    yield "model", f"Unknown model `{model}`.{hint} Call list_models (GET /v1/models) for valid ids."


def check_video_model_on_image(view: RequestView) -> Iterable[tuple[str | None, str]]:
    endpoint, model = view.endpoint, view.model
    if endpoint is not None and endpoint.media == "image" and model and model_category(model) == "video":
        yield (
            "model",
            (
                f"`{model}` is a video model: submit it to `POST /v1/async/videos/generations`, "
                "or use an image model such as `nano-banana` here."
            ),
        )


def check_image_model_on_video(view: RequestView) -> Iterable[tuple[str | None, str]]:
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


def check_image_url(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if "image_url" not in view.body:
        return
    if view.endpoint is not None and view.endpoint.is_edit:
        yield "image_url", "Send the input as a multipart file part named `image`, not `image_url`."
    else:
        yield "image_url", "Rename `image_url` to `input_image` (a URL) for image-to-video."


def check_seconds(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if "seconds" in view.body:
        yield "seconds", "Rename `seconds` to `duration` (the video length in seconds)."


def check_duration(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("duration")
    if value is None:
        return
    if view.endpoint is not None and view.endpoint.media == "image":
        yield "duration", "`duration` is a video field: send video work to `/v1/async/videos/generations`."
        return
    number = _as_number(value)
    if number is None or number <= 0:
        yield "duration", "`duration` must be a positive number of seconds, e.g. 8."


def check_input_image(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("input_image")
    if value is None:
        return
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        yield (
            "input_image",
            "`input_image` must be an http(s) URL, e.g. the `data[0].url` of a generated image.",
        )


def check_response_format(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("response_format")
    if value is not None and value not in ("url", "b64_json"):
        yield "response_format", "`response_format` must be `url` or `b64_json`."


def check_quality(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("quality")
    if value is not None and value not in ("low", "medium", "high", "auto"):
        yield "quality", "`quality` must be one of `low`, `medium`, `high`, `auto`."


def check_size(view: RequestView) -> Iterable[tuple[str | None, str]]:
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


def check_n(view: RequestView) -> Iterable[tuple[str | None, str]]:
    value = view.body.get("n")
    if value is None:
        return
    number = _as_number(value)
    if number is None or number < 1 or number != int(number):
        yield "n", "`n` must be a positive whole number of images, e.g. 1."
    elif number > MAX_N:
        yield "n", f"`n` is at most {MAX_N} per request; split larger batches."


def check_edit_multipart(view: RequestView) -> Iterable[tuple[str | None, str]]:
    if view.endpoint is None or not view.endpoint.is_edit:
        return
    if view.multipart is False:
        yield (
            None,
            "Image edits are `multipart/form-data`: send fields as form parts and each file as `image`.",
        )
    elif view.multipart and not view.body.get("image"):
        yield "image", "Attach at least one input image as a multipart part named `image`."


def wrong_base(view: RequestView) -> tuple[str, str] | None:
    """``(the base used, the URL to use)`` when a request leaves Pixapi's documented base URL
    ``https://api.pixapi.ai`` (api-reference.txt, "Base URL"): another pixapi.ai host, or a prefix
    such as ``/api`` before ``/v1`` (on a pixapi.ai host or a bare path). Other hosts (the sandbox,
    a proxy) are not judged."""
    parts = urlsplit(view.path)
    host = (parts.hostname or "").lower()
    route = view.route
    at = len(route) - 3 if route.endswith("/v1") else route.find("/v1/")
    if at < 0:
        return None  # not an API call (a file on cdn.pixapi.ai, say)
    right = f"https://{API_HOST}{route[at:]}"
    pixapi_host = host == "pixapi.ai" or host.endswith(".pixapi.ai")
    if host and host != API_HOST and pixapi_host:
        return f"{parts.scheme}://{host}{route[:at]}", right
    if at > 0 and (not host or pixapi_host):
        return (f"{parts.scheme}://{host}" if host else "") + route[:at], right
    return None


def check_base_url(view: RequestView) -> Iterable[tuple[str | None, str]]:
    found = wrong_base(view)
    if found is not None:
        used, right = found
        yield None, f"Pixapi's base URL is `https://{API_HOST}`, not `{used}`: send to `{right}`."


def check_json_content_type(view: RequestView) -> Iterable[tuple[str | None, str]]:
    endpoint, sent = view.endpoint, view.content_type
    if sent is None or view.multipart is not False or endpoint is None or endpoint not in SUBMIT_ENDPOINTS:
        return
    if endpoint.is_edit:
        return  # an edit sent as JSON is the edit rule's finding
    media = sent.split(";", 1)[0].strip().lower()
    if media != "application/json":
        shown = f"`Content-Type: {sent}`" if sent else "no `Content-Type`"
        yield (
            None,
            f"Add the header `Content-Type: application/json`: this JSON body goes with {shown}, so it is "
            "not read as JSON.",
        )


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
