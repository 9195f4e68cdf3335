"""The sandbox over real HTTP: ``running_sandbox`` (uvicorn in a thread), the seeds' curl examples
with the real ``curl`` binary, and ``pixapi-mcp sandbox`` as a subprocess."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from pixapi_mcp.contract import task_path
from pixapi_mcp.sandbox import Fault, ManualClock, RunningSandbox, SandboxConfig, running_sandbox
from tests.sandbox.harness import AUTH, KEY, OTHER, OTHER_AUTH, decode_png, parse_avi, png_bytes
from tests.seed_examples import CURL_EDIT, CURL_GENERATIONS, SEED_HOST

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[RunningSandbox]:
    with running_sandbox(SandboxConfig(keys={KEY: 1000.0, OTHER: 20.0}, clock=clock)) as running:
        yield running


@pytest.fixture
async def http(sandbox: RunningSandbox) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=sandbox.base_url, headers=AUTH, timeout=10) as client:
        yield client


async def test_running_sandbox_serves_every_endpoint(
    sandbox: RunningSandbox, http: httpx2.AsyncClient
) -> None:
    assert sandbox.base_url.startswith("http://127.0.0.1:")
    assert (await http.get("/health")).json()["status"] == "ok"
    assert (await http.get("/v1/models", headers={"Authorization": ""})).status_code == 401
    models = (await http.get("/v1/models")).json()
    assert "gemini-2.5-flash-image" in {m["id"] for m in models["data"]}

    generated = await http.post(
        "/v1/images/generations", json={"model": "nano-banana", "prompt": "a kite", "size": "300x200"}
    )
    assert generated.status_code == 200
    url = generated.json()["data"][0]["url"]
    assert url.startswith(f"{sandbox.base_url}/files/")
    download = await http.get(url)
    assert int(download.headers["content-length"]) == len(download.content)
    assert decode_png(download.content).size == (300, 200)

    edited = await http.post(
        "/v1/images/edits",
        data={"model": "nano-banana", "prompt": "add snow"},
        files={"image": ("kite.png", download.content, "image/png")},
    )
    assert edited.status_code == 200, edited.text

    image_task = await http.post(
        "/v1/async/images/edits",
        data={"model": "nano-banana", "prompt": "x"},
        files={"image": ("a.png", png_bytes((9, 9, 9)), "image/png")},
    )
    video_task = await http.post(
        "/v1/async/videos/generations",
        json={"model": "veo", "prompt": "the kite flies", "input_image": url, "size": "9:16"},
    )
    assert (await http.get(task_path(video_task.json()["id"]), headers=OTHER_AUTH)).status_code == 404
    advanced = await http.post("/_sandbox/advance", json={"seconds": 60})
    assert advanced.status_code == 200
    image_done = (await http.get(task_path(image_task.json()["id"]))).json()
    video_done = (await http.get(task_path(video_task.json()["id"]))).json()
    assert image_done["status"] == video_done["status"] == "completed"
    video = await http.get(video_done["result"]["data"][0]["url"])
    assert video.headers["content-type"] == "video/x-msvideo"
    avi = parse_avi(video.content)
    assert (avi.width, avi.height) == (360, 640)
    assert sandbox.state.balance(KEY) == 1000.0 - 2 - 2 - 2 - 10
    assert (await http.get("/_sandbox/balance")).json() == {"balance": sandbox.state.balance(KEY)}
    assert (
        await http.post("/v1/videos/generations", json={"model": "veo", "prompt": "x"})
    ).status_code == 404


async def test_drop_connection_is_a_transport_error_for_a_real_client(
    sandbox: RunningSandbox, http: httpx2.AsyncClient
) -> None:
    with pytest.raises(httpx2.TransportError):
        await http.post(
            "/v1/images/generations",
            json={"model": "nano-banana", "prompt": "x"},
            headers={"X-Sandbox-Fault": "drop_connection"},
        )
    assert sandbox.state.requests[-1].fault == Fault("drop_connection", path_prefix="/")
    assert sandbox.state.balance(KEY) == 1000.0

    url = (await http.post("/v1/images/generations", json={"model": "nano-banana", "prompt": "x"})).json()[
        "data"
    ][0]["url"]
    sandbox.state.inject(Fault("drop_connection", path_prefix="/files/"))
    with pytest.raises(httpx2.RemoteProtocolError):
        await http.get(url)
    assert (await http.get(url)).status_code == 200, "the server keeps serving after a drop"


async def test_status_faults_and_retry_after_over_http(
    sandbox: RunningSandbox, http: httpx2.AsyncClient
) -> None:
    armed = await http.post("/_sandbox/faults", json={"kind": "status", "status": 429, "retry_after": 2})
    assert armed.status_code == 200
    limited = await http.get("/v1/models")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["error"]["type"] == "rate_limit_error"
    sandbox.state.inject(Fault("status", status=503), key=OTHER)
    assert (await http.get("/v1/models", headers=OTHER_AUTH)).status_code == 503
    assert (await http.get("/v1/models")).status_code == 200


async def test_malformed_json_over_http(http: httpx2.AsyncClient) -> None:
    response = await http.get("/v1/models", headers={"X-Sandbox-Fault": "malformed_json"})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


async def test_latency_trips_a_client_timeout(sandbox: RunningSandbox, http: httpx2.AsyncClient) -> None:
    sandbox.state.inject(Fault("latency", seconds=0.4))
    with pytest.raises(httpx2.ReadTimeout):
        await http.get("/v1/models", timeout=0.05)


async def test_task_faults_through_the_admin_api(
    sandbox: RunningSandbox, http: httpx2.AsyncClient, clock: ManualClock
) -> None:
    await http.post("/_sandbox/faults", json={"kind": "task_fail", "path_prefix": "/v1/async/videos/"})
    failing = await http.post("/v1/async/videos/generations", json={"model": "veo", "prompt": "x"})
    clock.advance(30)
    task = (await http.get(task_path(failing.json()["id"]))).json()
    assert task["status"] == "failed" and task["error"]["message"]
    assert sandbox.state.balance(KEY) == 1000.0
    recorded = (await http.get("/_sandbox/requests")).json()["data"]
    assert [r["fault"]["kind"] if r["fault"] else None for r in recorded] == ["task_fail", None]


def run_curl(script: str, base_url: str, cwd: Path) -> dict[str, Any]:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    command = script.replace(SEED_HOST, base_url).replace("<token>", KEY)
    env = {"PATH": os.environ.get("PATH", ""), "PIXAPI_KEY": KEY}
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(CURL_GENERATIONS))
def test_seed_curl_generation_examples_work_against_the_sandbox(
    sandbox: RunningSandbox, tmp_path: Path, example: str
) -> None:
    body = run_curl(CURL_GENERATIONS[example], sandbox.base_url, tmp_path)
    assert isinstance(body["created"], int)
    url = body["data"][0]["url"]
    with httpx2.Client(timeout=10) as client:
        image = decode_png(client.get(url).content)
    assert image.size == (1024, 1024)


@pytest.mark.slow
def test_seed_curl_edit_example_works_against_the_sandbox(sandbox: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "product.png").write_bytes(png_bytes((200, 120, 40), (300, 300)))
    body = run_curl(CURL_EDIT, sandbox.base_url, tmp_path)
    url = body["data"][0]["url"]
    with httpx2.Client(timeout=10) as client:
        image = decode_png(client.get(url).content)
    assert image.size == (1024, 1024)
    recorded = sandbox.state.requests[-2]
    assert recorded.image_parts == 1
    assert recorded.fields == {
        "model": "gemini-3-pro-image-preview",
        "prompt": "Place the product on a warm studio background",
        "n": "1",
        "size": "1024x1024",
    }
    assert sandbox.state.balance(KEY) == 1000.0 - 8.0


# --------------------------------------------------------------------------------------------
# `pixapi-mcp sandbox` as a process
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_cli_sandbox(
    tmp_path: Path, *args: str, **env_extra: str
) -> tuple[subprocess.Popen[str], str, queue.Queue[str]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAPI_")}
    env.update(HOME=str(tmp_path), PIXAPI_LOG_LEVEL="INFO", **env_extra)
    process = subprocess.Popen(
        [sys.executable, "-m", "pixapi_mcp", "sandbox", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put("")  # end of stream

    threading.Thread(target=pump, daemon=True).start()
    marker = "Pixapi sandbox API at "
    while True:
        try:
            line = lines.get(timeout=20)
        except queue.Empty:
            process.kill()
            pytest.fail("`pixapi-mcp sandbox` did not announce its URL within 20 s")
        if not line:
            pytest.fail(f"`pixapi-mcp sandbox` exited early with {process.wait(5)}")
        if marker in line:
            url = line.split(marker, 1)[1].split()[0]
            assert url == f"http://127.0.0.1:{port}"
            return process, url, lines


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("stop", ["SIGINT", "terminate"])
def test_cli_sandbox_serves_and_stops(tmp_path: Path, stop: str) -> None:
    process, url, lines = _start_cli_sandbox(tmp_path)
    try:
        with httpx2.Client(base_url=url, timeout=10) as client:
            assert client.get("/health").json()["status"] == "ok"
            models = client.get("/v1/models", headers=AUTH)
            assert models.status_code == 200
            assert models.json()["object"] == "list"
        if stop == "SIGINT":
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
        else:
            process.terminate()
            assert process.wait(timeout=10) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    logged = "".join(iter_lines(lines))
    if stop == "SIGINT":
        assert "Pixapi sandbox stopped" in logged


@pytest.mark.slow
def test_cli_sandbox_task_durations_from_flag_and_variable(tmp_path: Path) -> None:
    """``--image-task-s`` and ``PIXAPI_SANDBOX_VIDEO_TASK_S`` reach the served sandbox: a 0 s image
    task is done at its first poll while an hour-long video task is still running."""
    process, url, _ = _start_cli_sandbox(tmp_path, "--image-task-s", "0", PIXAPI_SANDBOX_VIDEO_TASK_S="3600")
    try:
        with httpx2.Client(base_url=url, timeout=10, headers=AUTH) as client:
            body = {"model": "nano-banana", "prompt": "a fox", "size": "64x64"}
            image = client.post("/v1/async/images/generations", json=body).json()
            video = client.post(
                "/v1/async/videos/generations", json={"model": "veo", "prompt": "a fox"}
            ).json()
            assert client.get(task_path(image["id"])).json()["status"] == "completed"
            assert client.get(task_path(video["id"])).json()["status"] in ("submitted", "processing")
    finally:
        process.terminate()
        process.wait(10)


def iter_lines(lines: queue.Queue[str]) -> Iterator[str]:
    while True:
        try:
            line = lines.get(timeout=5)
        except queue.Empty:
            return
        if not line:
            return
        yield line
