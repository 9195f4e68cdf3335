"""Interop: ``python -m pixapi_mcp serve --sandbox`` driven over stdio by an independent client, the
official TypeScript MCP SDK (``tests/interop/client.mjs``, pinned in ``tests/interop/package-lock.json``).

Everything else in the suite uses the Python SDK on both ends; this proves a client written by other
people, with its own JSON-RPC framing and its own outputSchema validation (ajv), agrees with the
server. Skipped where ``node`` or ``tests/interop/node_modules`` is missing
(``cd tests/interop && npm ci`` installs it; ``.ci/run`` does so when npm is present).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.server_harness import ALL_TOOLS, subprocess_env

pytestmark = pytest.mark.slow

INTEROP = Path(__file__).parent / "interop"
REPO = Path(__file__).parent.parent


def run_client(tmp_path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the TypeScript SDK interop test needs Node.js 18+")
    if not (INTEROP / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir():
        pytest.skip("tests/interop/node_modules is missing: run `npm ci` in tests/interop")
    env = subprocess_env(tmp_path)
    done = subprocess.run(
        [node, "client.mjs", sys.executable],
        cwd=INTEROP,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output from the node client (exit {done.returncode}): {done.stderr[-2000:]}"
    summary: dict[str, Any] = json.loads(lines[-1])
    assert "error" not in summary, f"{summary['error']}\n--- server log ---\n{summary.get('stderr', '')}"
    assert done.returncode == 0, done.stderr[-2000:]
    return summary


def test_typescript_sdk_client_drives_the_stdio_server(tmp_path: Path) -> None:
    summary = run_client(tmp_path)

    assert summary["protocolVersion"] in {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}
    assert summary["server"]["name"] == "pixapi"
    assert summary["hasInstructions"]

    tools = {tool["name"]: tool for tool in summary["tools"]}
    assert set(tools) == ALL_TOOLS
    assert all(tool["inputType"] == "object" and tool["hasOutputSchema"] for tool in tools.values())
    assert tools["get_task"]["readOnly"] is True and tools["generate_image"]["readOnly"] is False

    models = summary["list_models"]
    assert not models["isError"] and models["source"] == "live+catalog"
    assert {"gemini-2.5-flash-image", "veo", "wan"} <= set(models["ids"])

    generated = summary["generate_image"]
    assert not generated["isError"], generated["error"]
    assert generated["status"] == "completed"
    path = Path(generated["path"])
    assert path.is_file() and path.is_relative_to(tmp_path / "out")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (256, 256)
    assert (generated["width"], generated["height"]) == (256, 256)
    assert generated["url"].startswith("http")
    assert generated["previews"] == ["image/jpeg"]
    progress: list[float] = generated["progress"]
    assert progress and progress == sorted(progress) and progress[-1] == 100

    resource = summary["resource"]
    bundled = (REPO / "llms" / "llms.txt").read_text()
    assert resource["uri"] == "pixapi://docs/llms.txt"
    assert resource["mimeType"] == "text/markdown"
    assert resource["length"] == len(bundled)
    assert bundled.startswith(resource["head"]) and resource["head"].startswith("# Pixapi")
