"""The documented samples (verbatim from the captured pages in shared/seeds/) pass the rule table,
and the documented response samples parse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixapi_mcp.contract import (
    ErrorBody,
    ImageGenerationRequest,
    ImageResponse,
    ModelList,
    Task,
    TaskSubmission,
    VideoGenerationRequest,
    check_request,
)
from tests.contract import ASYNC_EDIT, ASYNC_GEN, EDIT, GEN, VIDEO

# api-reference.txt, the curl/Go/Java request example body (the `-d` payload).
API_REFERENCE_BODY = """{
"model": "gemini-3-pro-image-preview",
"prompt": "A cinematic product photo of a ceramic coffee cup",
"n": 1,
"size": "1024x1024"
}"""
# image-generation-api-page.txt, home-page.txt: the other curl payloads.
IMAGE_PAGE_BODY = """{
    "model": "gemini-3-pro-image-preview",
    "prompt": "A cinematic product photo",
    "n": 1,
    "size": "1024x1024"
  }"""
HOME_PAGE_BODIES = [
    '{ "model": "gpt-image-2", "prompt": "A cinematic product hero shot", "n": 1, "size": "1024x1024" }',
    """{
"model": "nano-banana",
"prompt": "A cinematic product shot",
"size": "1024x1024"
}""",
]
# api-reference.txt, the edit example: curl -F fields, with one image part.
EDIT_FORM = {
    "model": "gemini-3-pro-image-preview",
    "prompt": "Place the product on a warm studio background",
    "image": ["product.png"],
    "n": "1",
    "size": "1024x1024",
}
# llms-full.txt, "Generated image to short video": every documented video field, as documented.
VIDEO_BODY = {
    "model": "veo",
    "prompt": "The product turns slowly on a warm studio table",
    "input_image": "https://cdn.pixapi.ai/generated/image.png",
    "duration": 5,
    "size": "16:9",
}


@pytest.mark.parametrize("text", [API_REFERENCE_BODY, IMAGE_PAGE_BODY, *HOME_PAGE_BODIES])
@pytest.mark.parametrize("path", [GEN, ASYNC_GEN])
def test_documented_generation_bodies_pass(text: str, path: str) -> None:
    body = json.loads(text)
    assert check_request(path, body) == []
    # ...and the typed request model accepts them as they are.
    assert ImageGenerationRequest.model_validate(body).body() == body


@pytest.mark.parametrize("path", [EDIT, ASYNC_EDIT])
def test_documented_edit_form_passes(path: str) -> None:
    assert check_request(path, EDIT_FORM, multipart=True) == []


def test_documented_video_body_passes() -> None:
    assert check_request(VIDEO, VIDEO_BODY) == []
    assert VideoGenerationRequest.model_validate(VIDEO_BODY).body() == VIDEO_BODY | {"duration": 5.0}


SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the captured seed pages are not next to this checkout")
def test_embedded_samples_are_verbatim_from_the_seeds() -> None:
    api = (SEEDS / "api-reference.txt").read_text()
    assert API_REFERENCE_BODY in api
    assert '-F "model=gemini-3-pro-image-preview"' in api and '-F "image=@product.png"' in api
    assert IMAGE_PAGE_BODY in (SEEDS / "image-generation-api-page.txt").read_text()
    home = (SEEDS / "home-page.txt").read_text()
    assert all(body in home for body in HOME_PAGE_BODIES)


def test_documented_response_samples_parse() -> None:
    image = ImageResponse.model_validate(
        {"created": 1766880000, "data": [{"url": "https://cdn.pixapi.ai/generated/image.png"}]}
    )
    assert image.data[0].url == "https://cdn.pixapi.ai/generated/image.png"
    sub = TaskSubmission.model_validate(
        {
            "status": "submitted",
            "id": "task_01KPQ7J7DWB7QZ3WCEK3YVPBRA",
            "progress": 0,
            "created_at": 1703884800,
            "model": "gemini-3.1-flash-image-preview",
        }
    )
    assert (sub.id, sub.status, sub.progress) == ("task_01KPQ7J7DWB7QZ3WCEK3YVPBRA", "submitted", 0)
    task = Task.model_validate(
        {
            "id": "xxx",
            "status": "completed",
            "credits_cost": 1.5,
            "model": "sora-2",
            "progress": 100,
            "result": {"type": "video", "data": [{"url": "https://xxx.xxx"}]},
            "created": 1763088289,
            "completed": 1763088308,
        }
    )
    assert task.is_terminal and task.output_urls() == ["https://xxx.xxx"] and task.credits_cost == 1.5
    models = ModelList.model_validate(
        {
            "object": "list",
            "data": [
                {
                    "id": "gemini-3-pro-image-preview",
                    "object": "model",
                    "category": "image",
                    "capabilities": ["text-to-image", "image-to-image"],
                }
            ],
        }
    )
    assert models.data[0].capabilities == ["text-to-image", "image-to-image"]
    err = ErrorBody.model_validate(
        {"error": {"code": 400, "message": "xxx", "type": "invalid_request_error"}}
    )
    assert (err.error.code, err.error.message, err.error.type) == (400, "xxx", "invalid_request_error")
