"""Request models: strict (unknown fields and wrong types are refused), built on ``fields``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pixapi_mcp.contract.fields import (
    Controls,
    Duration,
    ImageCount,
    ImageSize,
    ModelId,
    Prompt,
    Quality,
    ResponseFormat,
    VideoSize,
)

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
