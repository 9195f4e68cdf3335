"""``GET /v1/models`` and which models the sandbox serves."""

from __future__ import annotations

import httpx2
import pytest

from pixapi_mcp.contract import CATALOG
from pixapi_mcp.sandbox import ManualClock, SandboxConfig, create_app
from tests.sandbox.harness import AUTH, BASE, error_of

pytestmark = pytest.mark.anyio


async def test_models_lists_canonical_ids_in_the_documented_shape(client: httpx2.AsyncClient) -> None:
    response = await client.get("/v1/models")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert {m["id"] for m in body["data"]} == {m.id for m in CATALOG}
    aliases = {a for m in CATALOG for a in m.aliases}
    for entry in body["data"]:
        assert set(entry) == {"id", "object", "category", "capabilities"}
        assert entry["object"] == "model"
        assert entry["id"] not in aliases
        assert entry["category"] in ("image", "video")
        assert entry["capabilities"]


async def test_models_omits_video_models_the_sandbox_does_not_price(clock: ManualClock) -> None:
    app = create_app(SandboxConfig(clock=clock, video_credits={"veo": 3.0}))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        ids = {m["id"] for m in (await http.get("/v1/models")).json()["data"]}
        assert "veo" in ids and "wan" not in ids
        refused = await http.post("/v1/async/videos/generations", json={"model": "wan", "prompt": "waves"})
    assert refused.status_code == 400
    assert error_of(refused)["param"] == "model"
