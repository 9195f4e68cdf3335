"""Fixtures of the browser suite: Debian's Chromium under Playwright, the host page's AppBridge
bundle, the real server as a process, and the relay the host page talks to.

What the suite needs from the machine is Chromium (``apt-get install chromium``), the ``playwright``
package (a dev dependency; it drives the system browser and never downloads one) and the host
bundle's npm packages (``npm ci`` in tests/app_browser/host). Locally a missing piece skips the
suite with the command that installs it; in CI (``CI=true``) it fails: .ci/run installs all three,
so a miss there is a broken set-up, not an optional extra.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.app_browser.relay import HOST_DIR, Relay, ServerProcess, environment, server_process, serving

TOKEN = "browser-test-token-6c1e0f4a9b27"
CHROMIUM_FLAGS = [
    "--no-sandbox",  # root in CI and containers: Chromium's own sandbox needs user namespaces
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # this machine refuses traffic beyond loopback
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str, install: str) -> NoReturn:
    """Skip locally, fail in CI: the CI installs the browser suite's needs itself."""
    message = f"{what} is missing (install: {install})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser suite: {message}", pytrace=False)
    pytest.skip(message)


def chromium_path() -> str | None:
    """Debian's Chromium: ``PIXAPI_TEST_CHROMIUM`` when set, else ``chromium`` on PATH; None when
    it is not there."""
    found = os.environ.get("PIXAPI_TEST_CHROMIUM") or shutil.which("chromium")
    return found if found and os.access(found, os.X_OK) else None


@pytest.fixture(scope="session")
def host_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """host.js and the official AppBridge bundled by esbuild from the pinned npm packages."""
    esbuild = HOST_DIR / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        _missing("the host page's npm packages", "cd tests/app_browser/host && npm ci")
    out = tmp_path_factory.mktemp("host-bundle")
    command = [str(esbuild), "host.js", "--bundle", "--format=esm", "--target=es2022", "--log-level=warning"]
    subprocess.run([*command, f"--outfile={out / 'host.bundle.js'}"], cwd=HOST_DIR, check=True, timeout=60)
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium, with a fresh profile folder, for one test module. Not for the
    session: Playwright's sync API keeps an asyncio loop running in the main thread while it is
    open, and the anyio tests of later modules cannot start theirs beside it."""
    executable = chromium_path()
    if executable is None:
        _missing("Chromium", "apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package", "python -m pip install -e '.[dev]'")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 900, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the suite's screenshots go (printed, so a run's artifacts can be found)."""
    folder = tmp_path_factory.mktemp("app-screenshots")
    print(f"\napp screenshots: {folder}")  # noqa: T201 - the artifact path is the point
    return folder


def server_env(root: Path, **extra: str) -> dict[str, str]:
    """The server's environment: folders under ``root``, the token, fast sandbox tasks, prices the
    test can count (a video is counted at the sandbox's 10 credits), no confirmation prompts."""
    return environment(
        {
            "HOME": str(root / "home"),
            "PIXAPI_DATA_DIR": str(root / "data"),
            "PIXAPI_CACHE_DIR": str(root / "cache"),
            "PIXAPI_OUTPUT_DIR": str(root / "out"),
            "PIXAPI_MCP_TOKEN": TOKEN,
            "PIXAPI_SANDBOX_IMAGE_TASK_S": "1",
            "PIXAPI_SANDBOX_VIDEO_TASK_S": "4",
            "PIXAPI_VIDEO_CREDITS_ESTIMATE": "10",
            "PIXAPI_CONFIRM_ABOVE_CREDITS": "500",
            "PIXAPI_LOG_LEVEL": "INFO",
        },
        **extra,
    )


class Host:
    """A running server, its relay, and where its files land."""

    def __init__(self, server: ServerProcess, relay: Relay, out: Path) -> None:
        self.server = server
        self.relay = relay
        self.out = out

    @property
    def page_url(self) -> str:
        return f"{self.relay.base_url}/?sandbox={self.relay.sandbox_origin}/sandbox.html"


def start_host(root: Path, bundle: Path, **extra: str) -> Iterator[Host]:
    with (
        server_process(server_env(root, **extra)) as server,
        serving(Relay(server.url, TOKEN, bundle)) as relay,
    ):
        yield Host(server, relay, root / "out")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, host_bundle: Path) -> Iterator[Host]:
    """The real server with room to spend, and its relay."""
    yield from start_host(tmp_path_factory.mktemp("server"), host_bundle)


@pytest.fixture
def page(browser: Any, host: Host) -> Iterator[Any]:
    """The host page, loaded and ready."""
    page = browser.new_page()
    page.goto(host.page_url)
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    try:
        yield page
    finally:
        page.close()
