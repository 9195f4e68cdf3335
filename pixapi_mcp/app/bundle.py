"""The app's HTML, as built from its sources in ``app/`` at the repository root.

The built file is committed (``assets/pixapi-app.html``): installing the package needs no node.
The build (``app/build.mjs``) writes the digest of its sources into the page
(``<meta name="pixapi-app-sources" content="sha256:...">``); ``sources_digest`` is the same
rule in Python, so a test fails when a source or the lock file changed and the bundle was not
rebuilt. The rule: for each file (``package.json``, ``package-lock.json``, ``build.mjs`` and
everything under ``src/``), in sorted order of its path relative to ``app/`` with ``/``
separators, the line ``<path>\\0<sha256 hex of its bytes>\\n``; the digest is the sha256 of the
lines.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources
from pathlib import Path

ASSET = "assets/pixapi-app.html"
_DIGEST = re.compile(r'<meta name="pixapi-app-sources" content="sha256:([0-9a-f]{64})">')
SOURCE_FILES = ("package.json", "package-lock.json", "build.mjs")


@functools.cache
def app_html() -> str:
    """The built app (read once per process: it is a few hundred KB)."""
    return resources.files("pixapi_mcp.app").joinpath(ASSET).read_text(encoding="utf-8")


def bundled_digest(html: str) -> str | None:
    """The sources digest the build recorded in ``html``, if any."""
    match = _DIGEST.search(html)
    return match[1] if match else None


def source_paths(root: Path) -> list[str]:
    """The files the digest covers, relative to ``root`` (the ``app/`` folder), sorted."""
    names = [name for name in SOURCE_FILES if (root / name).is_file()]
    names += [p.relative_to(root).as_posix() for p in (root / "src").rglob("*") if p.is_file()]
    return sorted(names)


def sources_digest(root: Path) -> str:
    """The digest of the app's sources under ``root`` (the rule in the module docstring)."""
    lines = b"".join(
        name.encode() + b"\0" + hashlib.sha256((root / name).read_bytes()).hexdigest().encode() + b"\n"
        for name in source_paths(root)
    )
    return hashlib.sha256(lines).hexdigest()
