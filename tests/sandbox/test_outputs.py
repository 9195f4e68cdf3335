"""Output URLs: ``public_url`` is their base, and an own output URL feeds image-to-video."""

from __future__ import annotations

import httpx2
import pytest

from pixapi_mcp.contract import task_path
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, create_app
from tests.sandbox.harness import AUTH, BASE, VIDEO, generate

pytestmark = pytest.mark.anyio


async def test_public_url_is_the_base_of_output_urls(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(clock=clock, public_url="https://sandbox.example.com/"))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        url = (await generate(http)).json()["data"][0]["url"]
        assert url.startswith("https://sandbox.example.com/files/img_")
        submitted = await http.post(VIDEO, json={"model": "veo", "prompt": "x", "input_image": url})
        clock.advance(100)
        task = (await http.get(task_path(submitted.json()["id"]))).json()
    assert task["result"]["data"][0]["url"].startswith("https://sandbox.example.com/files/vid_")
