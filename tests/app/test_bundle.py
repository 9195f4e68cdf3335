"""The committed app (``pixapi_mcp/app/assets/pixapi-app.html``) is the build of its sources in
``app/``: a source or lock-file change without a rebuild fails here. Where node and npm are
present, the build itself is run from the lock file and must reproduce the committed bytes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pixapi_mcp.app.bundle import app_html, bundled_digest, source_paths, sources_digest

APP_SOURCES = Path(__file__).resolve().parents[2] / "app"
# A ui:// page is read by the host once and cached; the official client library with its schema
# validator is most of it. Kept within this bound so a new dependency cannot creep in unnoticed.
MAX_BUNDLE_BYTES = 450_000


def test_the_committed_bundle_is_built_from_the_current_sources() -> None:
    assert bundled_digest(app_html()) == sources_digest(APP_SOURCES), (
        "app/ changed since pixapi_mcp/app/assets/pixapi-app.html was built: "
        "run `npm ci && npm run build` in app/ and commit the result"
    )


def test_the_digest_covers_the_lock_file_and_every_source(tmp_path: Path) -> None:
    assert {"package.json", "package-lock.json", "build.mjs", "src/main.js"} <= set(source_paths(APP_SOURCES))
    copy = tmp_path / "app"
    shutil.copytree(APP_SOURCES, copy, ignore=shutil.ignore_patterns("node_modules"))
    before = sources_digest(copy)
    lock = copy / "package-lock.json"
    lock.write_text(lock.read_text(encoding="utf-8").replace('"version"', '"version" ', 1), encoding="utf-8")
    assert sources_digest(copy) != before


def test_the_dependencies_are_pinned_exactly() -> None:
    manifest = json.loads((APP_SOURCES / "package.json").read_text(encoding="utf-8"))
    pinned = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    assert "@modelcontextprotocol/ext-apps" in pinned
    assert all(version[0].isdigit() for version in pinned.values()), pinned
    lock = json.loads((APP_SOURCES / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["devDependencies"] == manifest["devDependencies"]


def test_the_bundle_stays_small() -> None:
    assert len(app_html().encode()) <= MAX_BUNDLE_BYTES


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None or shutil.which("node") is None, reason="needs node and npm")
def test_the_build_reproduces_the_committed_bundle(tmp_path: Path) -> None:
    work = tmp_path / "app"
    shutil.copytree(APP_SOURCES, work, ignore=shutil.ignore_patterns("node_modules"))
    subprocess.run(
        ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    built = tmp_path / "built.html"
    subprocess.run(["node", "build.mjs", "--out", str(built)], cwd=work, check=True, capture_output=True)
    assert built.read_text(encoding="utf-8") == app_html()
