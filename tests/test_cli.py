"""The command line: config snippets parse and have the right shape for each host, doctor tells the
truth without printing the key, settings errors name the variable, and the demo runs end to end."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from pixapi_mcp.cli import HOSTS, main
from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox import SandboxConfig, running_sandbox
from tests.conftest import CANARY_KEY


def _run(args: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = main(args, env, out=lines.append)
    return code, lines


def _body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


@pytest.mark.parametrize("sandbox", [False, True])
@pytest.mark.parametrize("host", HOSTS)
def test_config_snippets_parse_and_have_the_host_shape(host: str, sandbox: bool, tmp_path: Path) -> None:
    code, lines = _run(["config", host, *(["--sandbox"] if sandbox else [])], {"HOME": str(tmp_path)})
    assert code == 0
    text = "\n".join(lines)
    entry: dict[str, Any]
    if host == "codex":
        entry = tomllib.loads(_body(text))["mcp_servers"]["pixapi"]
    elif host == "claude-code":
        assert "claude mcp add pixapi" in text
        entry = json.loads(_body(text).split("\n", 2)[2])["mcpServers"]["pixapi"]
    elif host == "vscode":
        config = json.loads(_body(text))
        entry = config["servers"]["pixapi"]
        assert entry["type"] == "stdio"
        assert ("inputs" in config) is not sandbox
    else:
        entry = json.loads(_body(text))["mcpServers"]["pixapi"]
    assert Path(entry["command"]).is_absolute()
    assert ("--sandbox" in entry["args"]) is sandbox
    assert ("env" in entry) is not sandbox
    if not sandbox:
        assert set(entry["env"]) == {"PIXAPI_KEY"}


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
