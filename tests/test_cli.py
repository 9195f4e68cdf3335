"""The command line: doctor tells the truth without printing the key, settings errors name the
variable, ``serve --sandbox`` never sends the real key, and the demo runs end to end. (``config``
snippets: tests/test_hosts.py.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from pixapi_mcp.cli import main
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import SandboxConfig, running_sandbox
from tests.conftest import CANARY_KEY


def _run(args: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = main(args, env, out=lines.append)
    return code, lines


def test_bad_settings_exit_2_naming_the_variable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["config", "cursor"], {"HOME": str(tmp_path), "PIXAPI_TOOL_DEADLINE_S": "soon"}) == 2
    assert "PIXAPI_TOOL_DEADLINE_S" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "PIXAPI_DATA_DIR": str(tmp_path / "data"),
        "PIXAPI_OUTPUT_DIR": str(tmp_path / "out"),
        **extra,
    }


def test_doctor_passes_against_a_reachable_api_and_hides_the_key(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(keys={CANARY_KEY: 10.0})) as sandbox:
        code, lines = _run(
            ["doctor"], _env(tmp_path, PIXAPI_KEY=CANARY_KEY, PIXAPI_BASE_URL=sandbox.base_url)
        )
        spent = [r for r in sandbox.state.requests if r.method != "GET"]
    text = "\n".join(lines)
    assert code == 0, text
    assert "key accepted" in text and "All good." in text
    assert CANARY_KEY not in text and spent == []


def test_doctor_reports_a_rejected_key(tmp_path: Path) -> None:
    with running_sandbox() as sandbox:
        code, lines = _run(
            ["doctor"], _env(tmp_path, PIXAPI_KEY=CANARY_KEY, PIXAPI_BASE_URL=sandbox.base_url)
        )
    text = "\n".join(lines)
    assert code == 1 and "[FAIL] auth" in text and "fix:" in text and CANARY_KEY not in text


def test_doctor_reports_an_unreachable_api(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    code, lines = _run(["doctor"], _env(tmp_path, PIXAPI_BASE_URL=url))
    text = "\n".join(lines)
    assert code == 1 and "[FAIL] reachability" in text and "[warn] PIXAPI_KEY: not set" in text


def test_doctor_reports_an_unwritable_output_folder(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    with running_sandbox() as sandbox:
        code, lines = _run(
            ["doctor"],
            _env(
                tmp_path,
                PIXAPI_KEY=SANDBOX_KEY,
                PIXAPI_BASE_URL=sandbox.base_url,
                PIXAPI_OUTPUT_DIR=str(blocked / "sub"),
            ),
        )
    assert code == 1 and any(line.startswith("[FAIL] output folder") for line in lines)


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXAPI_")}
    # Short sandbox tasks: the tour still polls a video task and draws progress, in a fraction of
    # the sandbox's real 3 s / 8 s.
    env.update(
        HOME=str(tmp_path),
        PIXAPI_DATA_DIR=str(tmp_path / "data"),
        PIXAPI_SANDBOX_IMAGE_TASK_S="0.5",
        PIXAPI_SANDBOX_VIDEO_TASK_S="1",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pixapi_mcp", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "All steps passed." in proc.stdout
    files = sorted(p.suffix for p in (tmp_path / "pixapi-demo").iterdir())
    assert files == [".avi", ".png", ".png"]
    for word in ("list_models", "generate_image", "edit_image", "create_video", "search_docs", "check_code"):
        assert word in proc.stdout


# -- serve --sandbox never sends the user's real key ----------------------------------------------


@pytest.mark.anyio
async def test_sandbox_mode_sends_the_sandbox_key_not_pixapi_key(tmp_path: Path) -> None:
    """Hosts pass the user's whole environment on: a real PIXAPI_KEY beside --sandbox must not reach
    the sandbox (every paid call would be refused) nor anywhere else."""
    from mcp.client import Client

    from pixapi_mcp.config import Settings
    from pixapi_mcp.sandbox import create_app
    from pixapi_mcp.server import build_server
    from tests.server_harness import structured

    settings = Settings.from_env(_env(tmp_path, PIXAPI_KEY=CANARY_KEY), sandbox=True)
    sandbox = create_app(SandboxConfig(image_task_seconds=0, video_task_seconds=0))
    with anyio.fail_after(60):
        async with Client(build_server(settings, sandbox_app=sandbox)) as client:
            image = structured(await client.call_tool("generate_image", {"prompt": "fox", "sync": True}))
            video = structured(await client.call_tool("create_video", {"prompt": "fox", "wait_s": 0}))
            task = structured(await client.call_tool("get_task", {"task_id": video["id"], "wait_s": 30}))
    assert Path(image["data"][0]["path"]).is_file() and task["status"] == "completed"
    recorded = sandbox.state.sandbox.requests
    api = [r for r in recorded if r.path.startswith("/v1/")]
    assert len([r for r in api if r.method == "POST"]) == 2
    assert api and {r.key for r in api} == {SANDBOX_KEY}


@pytest.mark.slow
@pytest.mark.anyio
async def test_serve_sandbox_over_stdio_with_a_real_key_in_the_environment(tmp_path: Path) -> None:
    from mcp.client import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    from tests.server_harness import structured, subprocess_env
    from tests.test_canary import files_under, leaks_in_bytes

    env = subprocess_env(
        tmp_path, PIXAPI_KEY=CANARY_KEY, PIXAPI_SANDBOX_IMAGE_TASK_S="0", PIXAPI_SANDBOX_VIDEO_TASK_S="0"
    )
    errlog = tmp_path / "stderr.log"
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "pixapi_mcp", "serve", "--sandbox"], env=env
    )
    with anyio.fail_after(120), errlog.open("w") as err:
        async with Client(stdio_client(params, errlog=err), mode="legacy") as client:
            image = structured(await client.call_tool("generate_image", {"prompt": "fox"}))
            video = structured(await client.call_tool("create_video", {"prompt": "fox", "wait_s": 30}))
    # The in-process sandbox accepts only its own key: with the canary, both calls were 401s.
    assert Path(image["data"][0]["path"]).is_file() and video["status"] == "completed"
    assert "PIXAPI_KEY is set but not used" in errlog.read_text()
    assert not [p for p in files_under(tmp_path) if leaks_in_bytes(p.read_bytes())]
