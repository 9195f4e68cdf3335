"""Faults carried out through the app: status and 429 answers, malformed bodies, dropped
connections, latency, failed, stuck and oversized work, scopes, the header, and downloads."""

from __future__ import annotations

import io
import json
import time

import anyio
import httpx2
import pytest
from PIL import Image

from pixapi_mcp.contract import task_path
from pixapi_mcp.sandbox import DroppedConnection, Fault, ManualClock, SandboxState
from tests.sandbox.harness import (
    BASE,
    IMAGES,
    KEY,
    OTHER,
    OTHER_AUTH,
    VIDEO,
    decode_png,
    error_of,
    finish_task,
    generate,
    parse_avi,
)

pytestmark = pytest.mark.anyio


async def test_task_fail_fault_fails_the_task_and_charges_nothing(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    state.inject(Fault("task_fail"))
    submitted = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    assert submitted.status_code == 200
    assert state.requests[-1].fault == Fault("task_fail")
    done = await finish_task(client, clock, submitted.json()["id"])
    assert done["status"] == "failed"
    assert set(done["error"]) >= {"code", "message"}
    assert done["credits_cost"] == 0.0
    assert "result" not in done
    assert state.balance(KEY) == 1000.0
    healthy = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    assert (await finish_task(client, clock, healthy.json()["id"]))["status"] == "completed"


async def test_task_stuck_fault_never_completes(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    submitted = await client.post(
        "/v1/async/images/generations",
        json={"model": "nano-banana", "prompt": "x"},
        headers={"X-Sandbox-Fault": "task_stuck"},
    )
    task_id = submitted.json()["id"]
    for _ in range(3):
        clock.advance(10_000)
        task = (await client.get(task_path(task_id))).json()
        assert task["status"] == "processing"
        assert task["progress"] == 99
    assert state.balance(KEY) == 1000.0


async def test_status_faults_answer_error_bodies_and_charge_nothing(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    for status, kind in ((500, "server_error"), (502, "bad_gateway"), (503, "service_unavailable")):
        state.inject(Fault("status", status=status))
        response = await generate(client)
        assert response.status_code == status
        assert error_of(response)["type"] == kind
        assert state.requests[-1].fault == Fault("status", status=status)
    assert state.balance(KEY) == 1000.0
    assert (await generate(client)).status_code == 200, "times=1 by default"


async def test_429_carries_retry_after(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.inject(Fault("status", status=429, retry_after=1.5))
    response = await generate(client)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.headers["retry-after-ms"] == "1500"
    assert error_of(response)["type"] == "rate_limit_error"


async def test_malformed_json_fault_is_a_200_that_does_not_parse(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    response = await client.post(
        IMAGES, json={"model": "nano-banana", "prompt": "x"}, headers={"X-Sandbox-Fault": "malformed_json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert state.balance(KEY) == 1000.0
    assert state.requests[-1].fault is not None


async def test_drop_connection_in_process_raises_a_connection_error(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.inject(Fault("drop_connection", path_prefix="/v1/images/"))
    with pytest.raises(ConnectionError) as caught:
        await generate(client)
    assert isinstance(caught.value, DroppedConnection)
    assert state.balance(KEY) == 1000.0
    assert state.requests[-1].status == 200  # the headers went out before the cut


async def test_latency_fault_delays_the_answer(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.inject(Fault("latency", seconds=0.2, method="GET"))
    started = time.monotonic()
    with anyio.fail_after(5):
        response = await client.get("/v1/models")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2
    assert state.requests[-1].fault == Fault("latency", seconds=0.2, method="GET")


async def test_large_output_fault_pads_valid_files(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    state.inject(Fault("large_output", size_mb=2), times=2)
    response = await generate(client, size="64x64")
    data = (await client.get(response.json()["data"][0]["url"])).content
    assert 2 * 1024 * 1024 <= len(data) < 2 * 1024 * 1024 + 1024
    assert decode_png(data).size == (64, 64)
    assert state.balance(KEY) == 998.0, "a large output is still a successful, paid output"

    submitted = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    done = await finish_task(client, clock, submitted.json()["id"])
    video = (await client.get(done["result"]["data"][0]["url"])).content
    assert 2 * 1024 * 1024 <= len(video) < 2 * 1024 * 1024 + 1024
    avi = parse_avi(video)
    assert avi.junk_bytes > 2 * 1024 * 1024 - 200_000, "the padding is a JUNK chunk readers skip"
    assert Image.open(io.BytesIO(avi.frames[0])).format == "JPEG"


async def test_fault_scopes_per_key_times_and_until_cleared(
    client: httpx2.AsyncClient, state: SandboxState
) -> None:
    state.inject(Fault("status", status=503), key=OTHER, times=None)
    assert (await client.get("/v1/models")).status_code == 200
    for _ in range(3):
        assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 503
    state.clear_faults()
    assert (await client.get("/v1/models", headers=OTHER_AUTH)).status_code == 200

    state.inject(Fault("status", status=500, path_prefix="/v1/tasks/"), times=2)
    assert (await client.get("/v1/models")).status_code == 200, "path_prefix does not match"
    assert (await client.get(task_path("task_x"))).status_code == 500
    assert (await client.get(task_path("task_x"))).status_code == 500
    assert (await client.get(task_path("task_x"))).status_code == 404

    state.inject(Fault("status", status=500, method="POST"))
    assert (await client.get("/v1/models")).status_code == 200, "method does not match"
    assert (await generate(client)).status_code == 500
    with pytest.raises(ValueError, match="configured keys"):
        state.inject(Fault("latency"), key="sk-nobody")


async def test_work_faults_are_not_used_up_by_rejected_requests(
    client: httpx2.AsyncClient, state: SandboxState, clock: ManualClock
) -> None:
    state.inject(Fault("task_fail"))
    assert (await client.post(VIDEO, json={"model": "veo"})).status_code == 400
    assert state.requests[-1].fault is None
    submitted = await client.post(VIDEO, json={"model": "veo", "prompt": "x"})
    assert (await finish_task(client, clock, submitted.json()["id"]))["status"] == "failed"


async def test_fault_header_forms_and_errors(client: httpx2.AsyncClient, state: SandboxState) -> None:
    response = await client.post(
        IMAGES,
        json={"model": "nano-banana", "prompt": "x"},
        headers={"X-Sandbox-Fault": "status=429; retry_after=3"},
    )
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    for bad in ("explode", "status=abc", "drop_connection=1", "latency=0.1; colour=red", "latency=99999"):
        refused = await client.get("/v1/models", headers={"X-Sandbox-Fault": bad})
        assert refused.status_code == 400, bad
        assert error_of(refused)["type"] == "sandbox_fault_error"
    misplaced = await client.get("/v1/models", headers={"X-Sandbox-Fault": "task_fail"})
    assert misplaced.status_code == 400
    sync_task_fault = await client.post(
        IMAGES, json={"model": "nano-banana", "prompt": "x"}, headers={"X-Sandbox-Fault": "task_stuck"}
    )
    assert sync_task_fault.status_code == 400
    assert state.balance(KEY) == 1000.0


async def test_file_downloads_can_be_faulted_too(client: httpx2.AsyncClient, state: SandboxState) -> None:
    url = (await generate(client, size="64x64")).json()["data"][0]["url"]
    state.inject(Fault("status", status=503, path_prefix="/files/"))
    assert (await client.get(url)).status_code == 503
    with pytest.raises(DroppedConnection):
        await client.get(url, headers={"X-Sandbox-Fault": "drop_connection"})
    assert (await client.get(url)).status_code == 200
    missing = await client.get(f"{BASE}/files/img_missing.png")
    assert missing.status_code == 404
