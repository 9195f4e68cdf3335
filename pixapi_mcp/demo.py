"""``pixapi-mcp demo``: the offline tour. It starts ``pixapi-mcp serve --sandbox`` as a subprocess,
connects the MCP SDK's own client over stdio, and walks the workflow a user cares about, printing
where each file lands. No key, no network; exits non-zero when any step fails.

This module writes to stdout on purpose: the demo is a terminal program, not the stdio server.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO

import anyio
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

from pixapi_mcp.config import Settings

SNIPPET = """import requests, os
r = requests.post("https://api.pixapi.ai/v1/videos/generations?async=true",
    headers={"Authorization": "Bearer " + os.environ["PIXAPI_KEY"]},
    json={"model": "nano-banana", "prompt": "a fox", "image_url": URL, "seconds": 5})
video_url = r.json()["data"][0]["url"]
"""


class _Printer:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._bar_shown = False

    def line(self, text: str = "") -> None:
        self.end_bar()
        self.stream.write(text + "\n")
        self.stream.flush()

    def bar(self, progress: float, message: str | None) -> None:
        width = 30
        filled = int(width * max(0.0, min(progress, 100.0)) / 100)
        text = f"  [{'#' * filled}{'.' * (width - filled)}] {progress:5.1f}%  {message or ''}"
        if self.tty:
            self.stream.write("\r" + text[:100].ljust(100))
            self._bar_shown = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def end_bar(self) -> None:
        if self._bar_shown:
            self.stream.write("\n")
            self._bar_shown = False


def _structured(result: Any) -> dict[str, Any]:
    if result.is_error:
        text = "\n".join(getattr(block, "text", "") for block in result.content)
        raise RuntimeError(text)
    data = result.structured_content
    if not isinstance(data, dict):
        raise RuntimeError("the tool returned no structured result")
    return data  # pyright: ignore[reportUnknownVariableType]


async def _tour(settings: Settings, out: _Printer, output_dir: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k != "PIXAPI_KEY"}
    env.update(
        PIXAPI_OUTPUT_DIR=str(output_dir),
        PIXAPI_DATA_DIR=str(settings.data_dir),
        PIXAPI_LOG_LEVEL="WARNING",
    )
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "pixapi_mcp", "serve", "--sandbox"], env=env
    )

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        out.bar(progress, message)

    steps_failed = 0

    async def step(title: str, body: Callable[[], Awaitable[None]]) -> None:
        nonlocal steps_failed
        out.line(f"\n> {title}")
        started = time.monotonic()
        try:
            await body()
        except Exception as exc:  # a demo step failing is reported, and the tour goes on
            steps_failed += 1
            out.line(f"  FAILED: {exc}")
            return
        out.line(f"  ok ({time.monotonic() - started:.1f} s)")

    async with Client(params, mode="legacy") as client:
        state: dict[str, Any] = {}
        out.line("pixapi-mcp demo: a real MCP client session against `pixapi-mcp serve --sandbox`")
        out.line(f"files go to {output_dir}")

        async def models() -> None:
            listing = _structured(await client.call_tool("list_models", {}))
            for model in listing["data"]:
                price = (
                    f"from {model['credits_from']:g} credits"
                    if model.get("credits_from") is not None
                    else "price: see pixapi.ai/pricing"
                )
                aliases = f" (alias {', '.join(model['aliases'])})" if model.get("aliases") else ""
                out.line(f"  {model['id']:<32} {model['category']:<6} {price}{aliases}")

        async def generate() -> None:
            result = _structured(
                await client.call_tool(
                    "generate_image",
                    {"prompt": "a lighthouse on a cliff at dusk, cinematic", "size": "1024x768"},
                    progress_callback=on_progress,
                )
            )
            item = result["data"][0]
            state["image"] = item
            out.line(f"  saved {item['path']}  ({item['width']}x{item['height']})")
            out.line(f"  url   {item['url']}")

        async def edit() -> None:
            result = _structured(
                await client.call_tool(
                    "edit_image",
                    {"prompt": "add a starry sky", "image": state["image"]["path"]},
                    progress_callback=on_progress,
                )
            )
            state["edit"] = result["data"][0]
            out.line(f"  saved {state['edit']['path']}")

        async def animate() -> None:
            result = _structured(
                await client.call_tool(
                    "create_video",
                    {
                        "prompt": "slow push-in, waves below",
                        "input_image": state["edit"]["url"],
                        "duration": 4,
                    },
                    progress_callback=on_progress,
                )
            )
            for _ in range(20):
                if result["status"] == "completed":
                    break
                out.line(f"  task {result['id']} is {result['status']}; polling with get_task")
                result = _structured(
                    await client.call_tool(
                        "get_task", {"task_id": result["id"], "wait_s": 30}, progress_callback=on_progress
                    )
                )
            if result["status"] != "completed":
                raise RuntimeError(f"task {result['id']} did not complete")
            video = result["result"]["data"][0]
            out.line(f"  saved {video['path']}  ({video['bytes']} bytes, {video['media_type']})")

        async def docs() -> None:
            found = _structured(
                await client.call_tool(
                    "search_docs", {"query": "how do I turn an image into a video?", "max_chars": 1200}
                )
            )
            first = found["hits"][0]
            out.line(f"  best match: {first['uri']}  ({first['heading']})")

        async def check() -> None:
            report = _structured(
                await client.call_tool("check_code", {"code": SNIPPET, "language": "python"})
            )
            findings = report["findings"]
            if not findings:
                raise RuntimeError("check_code found nothing in a snippet full of mistakes")
            for finding in findings:
                out.line(f"  line {finding['line']}: [{finding['rule_id']}] {finding['fix']}")

        await step("list_models: what can I use, and what does it cost?", models)
        await step("generate_image: a hero image (async task, bounded wait, progress)", generate)
        if "image" in state:
            await step("edit_image: edit the saved file (multipart upload)", edit)
        if "edit" in state:
            await step("create_video: animate the edit with input_image, then poll get_task", animate)
        await step("search_docs: ground a coding agent in the docs", docs)
        await step("check_code: catch the classic integration mistakes", check)
        tasks = _structured(await client.call_tool("list_tasks", {"limit": 5}))
        out.line(f"\nledger: {len(tasks['tasks'])} recent paid requests recorded (list_tasks)")

    if steps_failed:
        out.line(f"\n{steps_failed} step(s) failed.")
        return 1
    out.line("\nAll steps passed. Next: `pixapi-mcp config claude-code` to wire the server into your host.")
    return 0


def run_demo(settings: Settings, *, stream: TextIO | None = None) -> int:
    """Run the tour; returns the exit code."""
    out = _Printer(stream or sys.stdout)
    output_dir = settings.output_dir or Path.cwd() / "pixapi-demo"
    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        return anyio.run(_tour, settings, out, output_dir)
    except Exception as exc:
        out.line(f"demo failed: {exc}")
        return 1
