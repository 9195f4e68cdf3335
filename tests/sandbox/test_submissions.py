"""Submissions in-process: sync images at the requested size, credits and 402, bodies, every
request rule of the contract answering with its id and fix, and multipart edits built from their
inputs."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest
from PIL import Image

from pixapi_mcp.client import PixapiClient
from pixapi_mcp.contract import RULES, ImageGenerationRequest, VideoGenerationRequest
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, SandboxState, create_app, running_sandbox
from tests.sandbox.harness import (
    AUTH,
    BASE,
    IMAGES,
    KEY,
    VIDEO,
    decode_png,
    error_of,
    generate,
    mean_distance,
    near,
    png_bytes,
    rgb_at,
)

pytestmark = pytest.mark.anyio


async def test_sync_generation_returns_a_downloadable_png_at_the_requested_size(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    response = await generate(client, size="512x256")
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == int(clock.now())
    assert len(body["data"]) == 1
    url = body["data"][0]["url"]
    assert url.startswith(f"{BASE}/files/")
    download = await client.get(url, headers={"Authorization": ""})
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert int(download.headers["content-length"]) == len(download.content)
    assert decode_png(download.content).size == (512, 256)
    assert state.balance(KEY) == 998.0  # nano-banana is 2 credits per image


async def test_credits_are_catalog_price_times_n_and_aliases_resolve(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    response = await generate(client, model="nano-banana-pro", n=3, size="64x64")
    assert response.status_code == 200
    urls = [d["url"] for d in response.json()["data"]]
    assert len(set(urls)) == 3
    assert state.balance(KEY) == 1000.0 - 8.0 * 3
    images = [decode_png((await client.get(u)).content) for u in urls]
    assert mean_distance(images[0], images[1]) > 1, "n outputs are not identical"
    await generate(client, model="gpt-image-2", size="64x64")
    assert state.balance(KEY) == 1000.0 - 24.0 - 1.0


async def test_auto_size_is_1024_square_and_large_sizes_are_capped(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(clock=clock, max_image_side=256))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        capped = await generate(http, size="4096x2048")
        auto = await generate(http, size="auto")
        default = await generate(http)
        sizes = [
            decode_png((await http.get(r.json()["data"][0]["url"])).content).size
            for r in (capped, auto, default)
        ]
    assert sizes == [(256, 128), (256, 256), (256, 256)]


async def test_auto_size_defaults_to_1024(client: httpx2.AsyncClient) -> None:
    response = await generate(client, size="auto")
    assert decode_png((await client.get(response.json()["data"][0]["url"])).content).size == (1024, 1024)


async def test_b64_json_returns_the_png_inline(client: httpx2.AsyncClient, state: SandboxState) -> None:
    response = await generate(client, response_format="b64_json", size="128x64", n=2)
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 2
    for item in data:
        assert set(item) == {"b64_json"}
        assert decode_png(base64.b64decode(item["b64_json"])).size == (128, 64)
    assert state.balance(KEY) == 996.0


async def test_different_prompts_give_visibly_different_images_and_same_prompt_same_image(
    client: httpx2.AsyncClient,
) -> None:
    async def image(prompt: str) -> Image.Image:
        response = await generate(client, prompt=prompt, size="256x256")
        return decode_png((await client.get(response.json()["data"][0]["url"])).content)

    fox, whale, fox_again = await image("a red fox"), await image("a blue whale"), await image("a red fox")
    assert mean_distance(fox, whale) > 20
    assert mean_distance(fox, fox_again) == 0


async def test_402_when_credits_are_short_and_nothing_is_charged(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.set_balance(KEY, 3.0)
    short = await generate(client, n=2)  # 4 credits
    assert short.status_code == 402
    error = error_of(short)
    assert error["type"] == "insufficient_credits"
    assert "needs 4" in error["message"] and "balance 3" in error["message"]
    assert state.balance(KEY) == 3.0
    video = await client.post("/v1/async/videos/generations", json={"model": "veo", "prompt": "waves"})
    assert video.status_code == 402
    assert "needs 10" in error_of(video)["message"]
    ok = await generate(client)
    assert ok.status_code == 200
    assert state.balance(KEY) == 1.0


async def test_invalid_json_and_non_object_bodies_are_400(client: httpx2.AsyncClient) -> None:
    broken = await client.post(
        "/v1/images/generations",
        content=b'{"model": "nano-banana", ',
        headers={"Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert "not valid JSON" in error_of(broken)["message"]
    listed = await client.post("/v1/images/generations", json=["model", "prompt"])
    assert listed.status_code == 400
    assert "object" in error_of(listed)["message"]
    form = await client.post(
        "/v1/images/generations",
        data={"model": "nano-banana", "prompt": "x"},
        files={"image": ("a.png", b"x")},
    )
    assert form.status_code == 400
    assert "application/json" in error_of(form)["message"]


# rule id -> (path, JSON body, expected status). A new request-scope rule without a case fails
# test_every_request_rule_has_a_case.
RULE_CASES: dict[str, tuple[str, dict[str, Any], int]] = {
    "async-endpoint": (IMAGES + "?async=true", {"model": "nano-banana", "prompt": "x"}, 400),
    "video-async-only": ("/v1/videos/generations", {"model": "veo", "prompt": "x"}, 404),
    "unknown-endpoint": ("/v1/images/generate", {"model": "nano-banana", "prompt": "x"}, 404),
    "model-required": (IMAGES, {"prompt": "x"}, 400),
    "prompt-required": (IMAGES, {"model": "nano-banana", "prompt": "  "}, 400),
    "unknown-model": (IMAGES, {"model": "nano-bananna", "prompt": "x"}, 400),
    "video-model-on-image-endpoint": (IMAGES, {"model": "veo", "prompt": "x"}, 400),
    "image-model-on-video-endpoint": (VIDEO, {"model": "nano-banana", "prompt": "x"}, 400),
    "input-image-field": (VIDEO, {"model": "veo", "prompt": "x", "image_url": "https://x.test/a.png"}, 400),
    "duration-field": (VIDEO, {"model": "veo", "prompt": "x", "seconds": 5}, 400),
    "duration-value": (VIDEO, {"model": "veo", "prompt": "x", "duration": -1}, 400),
    "input-image-url": (VIDEO, {"model": "veo", "prompt": "x", "input_image": "cat.png"}, 400),
    "response-format-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "response_format": "png"}, 400),
    "quality-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "quality": "ultra"}, 400),
    "size-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "size": "big"}, 400),
    "n-value": (IMAGES, {"model": "nano-banana", "prompt": "x", "n": 0}, 400),
    "edit-multipart": ("/v1/images/edits", {"model": "nano-banana", "prompt": "x"}, 400),
    "json-content-type": (IMAGES, {"model": "nano-banana", "prompt": "x"}, 400),
}
# Cases sent with other headers than httpx's `json=` (which sets `Content-Type: application/json`).
RULE_HEADERS: dict[str, dict[str, str]] = {"json-content-type": {"Content-Type": "text/plain"}}


def test_every_request_rule_has_a_case() -> None:
    assert set(RULE_CASES) == {rule.id for rule in RULES if rule.scope == "request"}


@pytest.mark.parametrize("rule_id", sorted(RULE_CASES))
async def test_each_rule_answers_with_its_id_and_fix(
    client: httpx2.AsyncClient, state: SandboxState, rule_id: str
) -> None:
    path, body, status = RULE_CASES[rule_id]
    if rule_id in RULE_HEADERS:
        response = await client.post(path, content=json.dumps(body), headers=RULE_HEADERS[rule_id])
    else:
        response = await client.post(path, json=body)
    assert response.status_code == status
    error = error_of(response)
    assert error["rule"] == rule_id
    assert error["type"] == ("invalid_request_error" if status == 400 else "not_found_error")
    message = next(v["message"] for v in error["violations"] if v["rule"] == rule_id)
    assert message in error["message"]
    assert state.balance(KEY) == 1000.0
    assert state.requests[-1].status == status


async def test_forbidden_video_path_names_the_async_endpoint(client: httpx2.AsyncClient) -> None:
    response = await client.post("/v1/videos/generations", json={"model": "veo", "prompt": "waves"})
    assert response.status_code == 404
    assert "/v1/async/videos/generations" in error_of(response)["message"]


async def test_several_violations_are_all_reported_first_one_leads(client: httpx2.AsyncClient) -> None:
    response = await client.post(VIDEO, json={"model": "veo", "prompt": "x", "seconds": 5, "image_url": "u"})
    error = error_of(response)
    assert [v["rule"] for v in error["violations"]] == ["input-image-field", "duration-field"]
    assert error["rule"] == "input-image-field" and error["param"] == "image_url"
    assert "`duration`" in error["message"] and "`input_image`" in error["message"]


async def test_async_flag_in_the_body_is_refused(client: httpx2.AsyncClient) -> None:
    response = await generate(client, **{"async": True})
    assert error_of(response)["rule"] == "async-endpoint"


async def test_multipart_edit_without_an_image_part_is_the_edit_rule(client: httpx2.AsyncClient) -> None:
    form = (
        b'--xyz\r\nContent-Disposition: form-data; name="model"\r\n\r\nnano-banana\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx\r\n--xyz--\r\n'
    )
    response = await client.post(
        "/v1/images/edits", content=form, headers={"Content-Type": "multipart/form-data; boundary=xyz"}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["rule"] == "edit-multipart" and error["param"] == "image"
    assert "`image`" in error["message"]


async def test_edit_with_one_image_visibly_derives_from_it(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    orange = (240, 140, 20)
    response = await client.post(
        "/v1/images/edits",
        data={"model": "gemini-3-pro-image-preview", "prompt": "warm studio background", "size": "400x300"},
        files={"image": ("product.png", png_bytes(orange, (120, 80)), "image/png")},
    )
    assert response.status_code == 200, response.text
    out = decode_png((await client.get(response.json()["data"][0]["url"])).content)
    assert out.size == (400, 300)
    centre = rgb_at(out, (200, 120))
    assert near(centre, orange, 60), centre
    corner = rgb_at(out, (1, 1))
    assert not near(corner, orange, 10), "a border frames the edit"
    assert state.balance(KEY) == 992.0
    assert state.requests[-2].image_parts == 1
    assert state.requests[-2].fields["prompt"] == "warm studio background"


async def test_edit_with_three_images_composes_them_side_by_side(client: httpx2.AsyncClient) -> None:
    colours = [(230, 20, 20), (20, 230, 20), (20, 20, 230)]
    files = [("image", (f"ref{i}.png", png_bytes(c), "image/png")) for i, c in enumerate(colours)]
    response = await client.post(
        "/v1/images/edits", data={"model": "nano-banana", "prompt": "combine", "size": "600x600"}, files=files
    )
    assert response.status_code == 200, response.text
    out = decode_png((await client.get(response.json()["data"][0]["url"])).content)
    for x, colour in zip((100, 300, 500), colours, strict=True):
        pixel = rgb_at(out, (x, 250))
        dominant = max(range(3), key=lambda channel: pixel[channel])
        assert dominant == colour.index(max(colour)), (x, pixel)
        assert near(pixel, colour, 70), (x, pixel)


async def test_edit_rejects_uploads_that_are_not_images(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    response = await client.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "x"},
        files={"image": ("notes.txt", b"definitely not an image", "text/plain")},
    )
    assert response.status_code == 400
    assert error_of(response)["param"] == "image"
    assert state.balance(KEY) == 1000.0


async def test_edit_image_given_as_text_or_image_brackets_is_explained(client: httpx2.AsyncClient) -> None:
    text = await client.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "x", "image": "product.png"},
        files={"other": ("x.png", png_bytes((1, 2, 3)))},
    )
    assert text.status_code == 400
    assert "file part" in error_of(text)["message"]
    brackets = await client.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "x"},
        files=[("image[]", ("a.png", png_bytes((1, 2, 3)), "image/png"))],
    )
    assert brackets.status_code == 400
    assert "`image[]`" in error_of(brackets)["message"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 400),  # no Content-Type at all
        ({"Content-Type": "text/plain"}, 400),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 400),
        ({"Content-Type": "application/json; charset=utf-8"}, 200),
        ({"Content-Type": "Application/JSON"}, 200),
    ],
)
async def test_json_content_type_is_enforced_over_real_http(headers: dict[str, str], status: int) -> None:
    """A JSON body sent over a socket is judged by the Content-Type actually on the wire; a refused
    one costs nothing (the sandbox's own log and balance, not the response, are the count)."""
    body = json.dumps({"model": "nano-banana", "prompt": "a kite", "size": "64x64"}).encode()
    with running_sandbox(SandboxConfig(keys={KEY: 1000.0})) as sandbox:
        async with httpx2.AsyncClient(base_url=sandbox.base_url, timeout=10) as http:
            request = http.build_request("POST", IMAGES, content=body, headers=AUTH | headers)
            assert request.headers.get("content-type") == headers.get("Content-Type")
            response = await http.send(request)
        assert response.status_code == status, response.text
        recorded = sandbox.state.requests[-1]
        assert recorded.status == status
        if status == 400:
            error = error_of(response)
            assert error["rule"] == "json-content-type"
            assert "application/json" in error["message"]
            assert sandbox.state.balance(KEY) == 1000.0
        else:
            assert sandbox.state.balance(KEY) == 998.0


async def test_the_projects_client_sends_json_with_its_content_type() -> None:
    """Every JSON call the client makes passes the sandbox's json-content-type rule, over a socket."""
    with running_sandbox(SandboxConfig(keys={KEY: 1000.0})) as sandbox:
        async with httpx2.AsyncClient() as http:
            client = PixapiClient(http, base_url=sandbox.base_url, api_key=KEY, max_retries=0)
            image = await client.create_image(
                ImageGenerationRequest(model="nano-banana", prompt="p", size="64x64")
            )
            queued = await client.submit_image(
                ImageGenerationRequest(model="nano-banana", prompt="p", size="64x64")
            )
            video = await client.submit_video(VideoGenerationRequest(model="veo", prompt="waves"))
        assert image.data and queued.id and video.id
        posts = [r for r in sandbox.state.requests if r.method == "POST"]
        assert [r.status for r in posts] == [200, 200, 200]
