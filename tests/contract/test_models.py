"""Request models are strict (unknown fields and wrong types refused); response models tolerant."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pixapi_mcp import contract
from pixapi_mcp.contract import (
    ImageEditRequest,
    ImageFile,
    ImageGenerationRequest,
    ImageResponse,
    Task,
    TaskSubmission,
    VideoGenerationRequest,
)
from tests.contract import IMG, VID


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": "1"},
        {"n": 0},
        {"n": contract.MAX_N + 1},
        {"n": True},
        {"size": "16:9"},
        {"size": "big"},
        {"quality": "ultra"},
        {"response_format": "png"},
        {"seconds": 8},
        {"async": True},
        {"prompt": ""},
        {"model": "has space"},
    ],
)
def test_image_request_is_strict(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ImageGenerationRequest.model_validate(IMG | kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"duration": 0}, {"duration": 61}, {"duration": "8"}, {"size": "wide"}, {"image_url": "https://x"}],
)
def test_video_request_is_strict(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        VideoGenerationRequest.model_validate(VID | kwargs)


def test_request_models_are_frozen_and_keep_controls_separate() -> None:
    req = ImageGenerationRequest(model="nano-banana", prompt="p", n=2, controls={"seed": 7, "n": 9})
    with pytest.raises(ValidationError):
        req.n = 3  # type: ignore[misc]
    # Documented fields win over a control of the same name.
    assert req.body() == {"model": "nano-banana", "prompt": "p", "n": 2, "seed": 7}
    assert "controls" not in req.model_dump()
    with pytest.raises(ValidationError):
        ImageEditRequest(model="nano-banana", prompt="p", images=())


def test_image_file_repr_hides_bytes() -> None:
    f = ImageFile("a.png", b"\x89PNG" * 1000, "image/png")
    assert repr(f) == "ImageFile('a.png', 4000 bytes, 'image/png')"


def test_response_models_keep_unknown_fields() -> None:
    image = ImageResponse.model_validate(
        {"created": 1, "data": [{"url": "https://x", "seed": 5}], "usage": {"credits": 2}}
    )
    assert image.model_extra == {"usage": {"credits": 2}}
    assert image.data[0].model_extra == {"seed": 5}
    task = Task.model_validate({"id": "t", "status": "processing", "eta_s": 30, "error": {"message": "x"}})
    assert task.model_extra == {"eta_s": 30}
    assert not task.is_terminal and task.output_urls() == []
    sub = TaskSubmission.model_validate({"id": "t", "queue_position": 3})
    assert sub.status == "submitted" and sub.model_extra == {"queue_position": 3}
