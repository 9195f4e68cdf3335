"""Detectors for the model a request names: image models sent for video, video models sent to an
image endpoint, and ids that are neither a Pixapi model nor an alias.

The model is the value the request's ``model`` field holds where it is sent, followed through
variables: a shared ``MODEL = "nano-banana"`` reused in a video request is found at that request.
"""

from __future__ import annotations

from collections.abc import Iterator

from pixapi_mcp import contract
from pixapi_mcp.codecheck.findings import Hit
from pixapi_mcp.codecheck.judge import Sent, fix_for, sent_bodies
from pixapi_mcp.codecheck.source import Source
from pixapi_mcp.codecheck.values import Str


def _models(source: Source) -> Iterator[tuple[Sent, str, int]]:
    for sent in sent_bodies(source):
        found = sent.body.fields.get("model")
        if found is None or not isinstance(found.value, Str) or not found.value.known:
            continue
        model = found.value.text.strip()
        if model:
            yield sent, model, found.line


def detect_image_model_on_video(source: Source) -> Iterator[Hit]:
    for sent, model, line in _models(source):
        if sent.kind not in ("video", "video-sync") or contract.model_category(model) != "image":
            continue
        yield Hit(
            line,
            f"Uses the image model `{model}` for video: Nano Banana, Gemini image and GPT Image models only make "
            "images.",
            fix_for(
                "image-model-on-video-endpoint",
                contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value,
                {"model": model},
            ),
        )


def detect_video_model_on_image(source: Source) -> Iterator[Hit]:
    for sent, model, line in _models(source):
        if sent.kind not in ("image", "edit") or sent.guessed or contract.model_category(model) != "video":
            continue
        shown = f"`{sent.request.sdk}`" if sent.request is not None and sent.request.sdk else f"`{sent.path}`"
        yield Hit(
            line,
            f"Sends the video model `{model}` to the image endpoint {shown}.",
            fix_for(
                "video-model-on-image-endpoint", contract.Endpoint.IMAGE_GENERATIONS.value, {"model": model}
            ),
        )


def detect_unknown_model(source: Source) -> Iterator[Hit]:
    for sent, model, line in _models(source):
        if sent.kind not in ("image", "edit", "video", "video-sync"):
            continue
        if contract.lookup_model(model) or contract.model_category(model):
            continue
        path = (
            contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
            if sent.kind.startswith("video")
            else contract.Endpoint.IMAGE_GENERATIONS.value
        )
        yield Hit(
            line,
            f"`{model}` is not a Pixapi model id or alias.",
            fix_for("unknown-model", path, {"model": model, "prompt": "x"}),
        )
