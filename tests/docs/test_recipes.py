"""The recipes in llms/pages run: each program is executed against a small Pixapi stand-in that
answers with the documented shapes and rejects, with a 400, anything the contract rules forbid.

Slow (each program waits about two seconds before its first poll) and skipped for languages whose
toolchain is not installed."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pixapi_mcp import contract
from tests.docs import LLMS

PAGES = LLMS / "pages"
KEY = "sk-recipe-run-3b9d"
IMAGE_URL = "https://cdn.example.test/generated/cup.png"
VIDEO_URL = "https://cdn.example.test/generated/cup.mp4"

pytestmark = pytest.mark.slow


class FakePixapi(ThreadingHTTPServer):
    """Records every request; video tasks finish (``completed`` or ``failed``) on the first poll."""

    def __init__(self, outcome: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.outcome = outcome
        self.log: list[tuple[str, str, Any]] = []
        self.tasks: dict[str, int] = {}
        self.ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    @property
    def fake(self) -> FakePixapi:
        assert isinstance(self.server, FakePixapi)
        return self.server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._answer(status, {"error": {"code": status, "message": message, "type": "invalid_request_error"}})

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            self._error(401, "missing or invalid Bearer key")
            return False
        return True

    def do_POST(self) -> None:
        if not self._authorized():
            return
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            return self._error(400, "body is not JSON")
        self.fake.log.append(("POST", self.path, body))
        if "application/json" not in self.headers.get("Content-Type", ""):
            return self._error(400, "Content-Type must be application/json")
        violations = contract.check_request(self.path, body, multipart=False)
        if violations:
            return self._error(400, "; ".join(str(v) for v in violations))
        if self.path == "/v1/images/generations":
            return self._answer(200, {"created": 1766880000, "data": [{"url": IMAGE_URL}]})
        if self.path == "/v1/async/videos/generations":
            if body.get("input_image") != IMAGE_URL:
                return self._error(400, "input_image is not the generated image")
            task_id = f"task_{next(self.fake.ids)}"
            self.fake.tasks[task_id] = 0
            return self._answer(
                200,
                {
                    "status": "submitted",
                    "id": task_id,
                    "progress": 0,
                    "created_at": 1703884800,
                    "model": body["model"],
                },
            )
        self._error(404, f"no route {self.path}")

    def do_GET(self) -> None:
        if not self._authorized():
            return
        self.fake.log.append(("GET", self.path, None))
        match = re.fullmatch(r"/v1/tasks/([\w-]+)", self.path)
        if match is None or match.group(1) not in self.fake.tasks:
            return self._error(404, "no such task")
        if self.fake.outcome == "failed":
            return self._answer(200, {"id": match.group(1), "status": "failed", "progress": 100})
        self._answer(
            200,
            {
                "id": match.group(1),
                "status": "completed",
                "credits_cost": 1.5,
                "model": "veo",
                "progress": 100,
                "result": {"type": "video", "data": [{"url": VIDEO_URL}]},
                "created": 1763088289,
                "completed": 1763088308,
            },
        )


def program(language: str) -> str:
    fence = {"curl": "bash", "node": "js"}.get(language, language)
    text = (PAGES / f"recipe-{language}.md").read_text(encoding="utf-8").split("## Program", 1)[1]
    match = re.search(rf"^```{fence}\n(.*?)^```", text, re.S | re.M)
    assert match is not None, f"recipe-{language} has no program block"
    return match.group(1)


def command(language: str, folder: Path) -> list[str] | None:
    """How to run the recipe saved in ``folder``, or None when the toolchain is missing."""
    code = program(language)
    if language == "curl":
        if not (shutil.which("bash") and shutil.which("curl") and shutil.which("jq")):
            return None
        (folder / "image-to-video.sh").write_text(code, encoding="utf-8")
        return ["bash", "image-to-video.sh"]
    if language == "python":
        if importlib.util.find_spec("httpx") is None:
            if importlib.util.find_spec("httpx2") is None:
                return None
            # httpx2 continues httpx with the same API: let it stand in for the recipe's dependency.
            (folder / "httpx.py").write_text(
                "from httpx2 import *  # noqa: F403\nfrom httpx2 import Client, Timeout, TransportError  # noqa: F401\n",
                encoding="utf-8",
            )
        (folder / "image_to_video.py").write_text(code, encoding="utf-8")
        return [sys.executable, "image_to_video.py"]
    if language == "node":
        if not shutil.which("node"):
            return None
        (folder / "image-to-video.mjs").write_text(code, encoding="utf-8")
        return ["node", "image-to-video.mjs"]
    if language == "go":
        if not shutil.which("go"):
            return None
        (folder / "main.go").write_text(code, encoding="utf-8")
        (folder / "go.mod").write_text("module example.com/imagetovideo\n\ngo 1.18\n", encoding="utf-8")
        return ["go", "run", "."]
    if language == "java":
        if not shutil.which("java"):
            return None
        (folder / "ImageToVideo.java").write_text(code, encoding="utf-8")
        return ["java", "ImageToVideo.java"]
    if language == "php":
        if not shutil.which("php"):
            return None
        (folder / "image-to-video.php").write_text(code, encoding="utf-8")
        return ["php", "image-to-video.php"]
    raise AssertionError(language)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    log: list[tuple[str, str, Any]]


LANGUAGES = ["curl", "python", "node", "go", "java", "php"]
JOBS = [(language, "completed") for language in LANGUAGES] + [("curl", "failed"), ("node", "failed")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Run | None]]:
    """Every recipe run at once (each against its own stand-in), so the suite waits for the
    slowest program rather than for all of them in turn."""
    results: dict[tuple[str, str], Run | None] = {}
    started: list[tuple[tuple[str, str], FakePixapi, threading.Thread, subprocess.Popen[str]]] = []
    try:
        for language, outcome in JOBS:
            folder = tmp_path_factory.mktemp(f"{language}-{outcome}")
            argv = command(language, folder)
            if argv is None:
                results[(language, outcome)] = None
                continue
            server = FakePixapi(outcome)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            env = {**os.environ, "PIXAPI_KEY": KEY, "PIXAPI_BASE_URL": server.base_url}
            process = subprocess.Popen(
                argv, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            started.append(((language, outcome), server, thread, process))
        for key, server, _, process in started:
            try:
                stdout, stderr = process.communicate(timeout=180)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
            results[key] = Run(process.returncode, stdout, stderr, list(server.log))
        yield results
    finally:
        for _, server, thread, process in started:
            if process.poll() is None:
                process.kill()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


def result_for(runs: dict[tuple[str, str], Run | None], language: str, outcome: str) -> Run:
    run = runs[(language, outcome)]
    if run is None:
        pytest.skip(f"no toolchain for the {language} recipe")
    return run


@pytest.mark.parametrize("language", LANGUAGES)
def test_recipe_runs_the_whole_workflow(language: str, runs: dict[tuple[str, str], Run | None]) -> None:
    result = result_for(runs, language, "completed")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == VIDEO_URL
    calls = [(method, path) for method, path, _ in result.log]
    assert calls[0] == ("POST", "/v1/images/generations")
    assert calls[1] == ("POST", "/v1/async/videos/generations")
    assert calls[2:] and all(
        method == "GET" and path.startswith("/v1/tasks/task_") for method, path in calls[2:]
    )
    image_body, video_body = result.log[0][2], result.log[1][2]
    assert image_body["model"] == "nano-banana"
    assert (
        video_body["model"] == "veo"
        and video_body["input_image"] == IMAGE_URL
        and video_body["duration"] == 8
    )


@pytest.mark.parametrize("language", ["curl", "node"])
def test_recipe_reports_a_failed_task(language: str, runs: dict[tuple[str, str], Run | None]) -> None:
    result = result_for(runs, language, "failed")
    assert result.returncode != 0
    assert "failed" in result.stderr
    assert VIDEO_URL not in result.stdout
