"""The admin endpoints ``/_sandbox/*``: faults, the manual clock, the request log and balances."""

from __future__ import annotations

import httpx2
import pytest

from pixapi_mcp.sandbox import ManualClock, SandboxConfig, SandboxState, create_app
from tests.sandbox.harness import AUTH, BASE, KEY, OTHER_AUTH, generate

pytestmark = pytest.mark.anyio


async def test_admin_endpoints(client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock) -> None:
    assert (await client.get("/_sandbox/balance", headers={"Authorization": ""})).status_code == 401

    armed = await client.post("/_sandbox/faults", json={"kind": "status", "status": 502, "times": 2})
    assert armed.status_code == 200 and armed.json()["fault"]["status"] == 502
    assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 200, "caller's key only"
    assert (await client.get("/v1/models")).status_code == 502
    assert (await client.delete("/_sandbox/faults")).status_code == 200
    assert (await client.get("/v1/models")).status_code == 200

    everyone = await client.post(
        "/_sandbox/faults", json={"kind": "status", "status": 503, "all": True, "times": None}
    )
    assert everyone.status_code == 200
    assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 503
    assert (await client.get("/v1/models")).status_code == 503
    assert len((await client.get("/_sandbox/faults")).json()["faults"]) == 1
    await client.delete("/_sandbox/faults")

    bad = await client.post("/_sandbox/faults", json={"kind": "meteor"})
    assert bad.status_code == 400
    assert (await client.post("/_sandbox/faults", json={"kind": "latency", "times": 0})).status_code == 400

    before = clock.now()
    advanced = await client.post("/_sandbox/advance", json={"seconds": 5})
    assert advanced.status_code == 200 and advanced.json()["now"] == before + 5 == clock.now()
    assert (await client.post("/_sandbox/advance", json={"seconds": -1})).status_code == 400

    await generate(client, size="64x64")
    assert (await client.get("/_sandbox/balance")).json() == {"balance": 998.0}
    assert (await client.post("/_sandbox/balance", json={"credits": 7})).json() == {"balance": 7.0}
    assert state.balance(KEY) == 7.0

    mine = (await client.get("/_sandbox/requests")).json()["data"]
    assert all(r["key"] == KEY for r in mine)
    assert any(r["status"] == 502 for r in mine)
    everything = (await client.get("/_sandbox/requests?all=1")).json()["data"]
    assert len(everything) > len(mine)
    assert (await client.get("/_sandbox/unknown")).status_code == 404


async def test_advance_needs_a_manual_clock() -> None:
    app = create_app(SandboxConfig())
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=AUTH
    ) as http:
        response = await http.post("/_sandbox/advance", json={"seconds": 1})
    assert response.status_code == 409
