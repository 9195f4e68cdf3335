"""Detectors for the model a request names: image models sent for video, video models sent to an
image endpoint, and ids that are neither a Pixapi model nor an alias."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pixapi_mcp import contract
from pixapi_mcp.codecheck.findings import Hit, contract_fix
from pixapi_mcp.codecheck.source import Endpoint, Source, key_forms, literal_values


@dataclass(frozen=True, slots=True)
class _ModelUse:
    line: int
    model: str
    endpoint: Endpoint | None
    video_body: bool  # the literal sits among video-only fields


def _model_uses(source: Source) -> list[_ModelUse]:
    video_keys = [key_forms(name, source.language) for name in ("input_image", "duration", "seconds")]
    uses: list[_ModelUse] = []
    for index, value in literal_values(source, "model"):
        window = range(max(0, index - 5), min(len(source.code), index + 6))
        video_body = any(
            source.paragraph[other] == source.paragraph[index]
            and any(k.search(source.code[other]) for k in video_keys)
            for other in window
        )
        uses.append(_ModelUse(index, value.strip(), source.endpoint_for(index), video_body))
    return uses


def detect_image_model_on_video(source: Source) -> Iterator[Hit]:
    for use in _model_uses(source):
        if contract.model_category(use.model) != "image":
            continue
        on_video = use.endpoint is not None and use.endpoint.kind in ("video", "video-sync")
        if on_video or (
            use.video_body and (use.endpoint is None or use.endpoint.kind not in ("image", "edit"))
        ):
            yield Hit(
                use.line,
                f"Uses the image model `{use.model}` for video: Nano Banana, Gemini image and GPT Image "
                "models only make images.",
                contract_fix(
                    "image-model-on-video-endpoint",
                    contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value,
                    {"model": use.model},
                ),
            )


def detect_video_model_on_image(source: Source) -> Iterator[Hit]:
    for use in _model_uses(source):
        if contract.model_category(use.model) != "video" or use.endpoint is None:
            continue
        if use.endpoint.kind in ("image", "edit"):
            yield Hit(
                use.line,
                f"Sends the video model `{use.model}` to the image endpoint {use.endpoint.shown}.",
                contract_fix(
                    "video-model-on-image-endpoint",
                    contract.Endpoint.IMAGE_GENERATIONS.value,
                    {"model": use.model},
                ),
            )


def detect_unknown_model(source: Source) -> Iterator[Hit]:
    for use in _model_uses(source):
        if use.endpoint is None or use.endpoint.kind not in ("image", "edit", "video"):
            continue
        if contract.lookup_model(use.model) or contract.model_category(use.model):
            continue
        path = (
            contract.Endpoint.ASYNC_VIDEO_GENERATIONS.value
            if use.endpoint.kind == "video"
            else (contract.Endpoint.IMAGE_GENERATIONS.value)
        )
        yield Hit(
            use.line,
            f"`{use.model}` is not a Pixapi model id or alias.",
            contract_fix("unknown-model", path, {"model": use.model, "prompt": "x"}),
        )
