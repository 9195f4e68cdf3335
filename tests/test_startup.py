"""Start-up stays lazy: what a host waits for before it sees the tools is only what listing them needs.

``python -m bench`` measures the cold start; these tests keep the fixes it led to from regressing.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import anyio
import httpx2
import pytest

from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.server import LazySandboxApp

pytestmark = pytest.mark.anyio


@pytest.mark.slow
def test_serve_sandbox_lists_tools_without_importing_the_sandbox_or_the_checker(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys, anyio
        from mcp.client import Client
        from pixapi_mcp.config import Settings
        from pixapi_mcp.server import build_server

        async def main() -> None:
            settings = Settings.from_env({"HOME": sys.argv[1], "PIXAPI_DATA_DIR": sys.argv[1]}, sandbox=True)
            async with Client(build_server(settings), mode="legacy") as client:
                assert len((await client.list_tools()).tools) >= 8
                assert "pixapi_mcp.sandbox" not in sys.modules, "imported at start-up"
                assert "pixapi_mcp.codecheck.check" not in sys.modules, "checker imported at start-up"
                assert "tree_sitter" not in sys.modules, "grammars loaded at start-up"
                result = await client.call_tool("list_models", {})
                assert not result.is_error and result.structured_content["source"] == "live+catalog"
                assert "pixapi_mcp.sandbox" in sys.modules
                result = await client.call_tool("check_code", {"code": "curl https://api.pixapi.ai/v1/models"})
                assert not result.is_error and "pixapi_mcp.codecheck.check" in sys.modules

        anyio.run(main)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


async def test_lazy_sandbox_app_is_built_once_under_concurrent_first_requests() -> None:
    auth = {"Authorization": f"Bearer {SANDBOX_KEY}"}
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=LazySandboxApp()), base_url="http://sandbox.test"
    ) as http:
        ids: list[str] = []

        async def submit(index: int) -> None:
            response = await http.post(
                "/v1/async/images/generations",
                json={"model": "nano-banana", "prompt": f"first {index}"},
                headers=auth,
            )
            ids.append(response.json()["id"])

        async with anyio.create_task_group() as tg:
            for index in range(8):
                tg.start_soon(submit, index)
        # Two apps would mean two task tables: some of these ids would be unknown (404).
        for task_id in ids:
            assert (await http.get(f"/v1/tasks/{task_id}", headers=auth)).status_code == 200
