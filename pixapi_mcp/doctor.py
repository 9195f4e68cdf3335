"""``pixapi-mcp doctor``: check the set-up, spending nothing.

Doctor's only API call is ``GET /v1/models``, which is free. The key is reported as set or not,
never printed.
"""

from __future__ import annotations

import importlib.metadata
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio
import httpx2

from pixapi_mcp import __version__
from pixapi_mcp.client import AuthenticationError, PixapiError, open_client
from pixapi_mcp.config import Settings
from pixapi_mcp.docs import DocsBundle

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    level: Level
    name: str
    detail: str
    fix: str = ""


def _versions() -> list[Check]:
    checks: list[Check] = []
    py = sys.version_info
    if py < (3, 11):
        checks.append(Check("fail", "python", f"{py.major}.{py.minor}", "Install Python 3.11 or newer."))
    else:
        checks.append(Check("ok", "python", f"{py.major}.{py.minor}.{py.micro}"))
    found: list[str] = [f"pixapi-mcp {__version__}"]
    for dist in ("mcp", "httpx2", "pydantic", "anyio", "pillow"):
        try:
            found.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check("fail", dist, "not installed", "Reinstall: python -m pip install pixapi-mcp"))
    checks.append(Check("ok", "packages", ", ".join(found)))
    return checks


def _writable(name: str, folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".pixapi-doctor-"):
            pass
    except OSError as exc:
        return Check(
            "fail",
            name,
            f"{folder} is not writable ({exc.strerror or exc})",
            "Point the variable at a writable folder (see `pixapi-mcp --help`).",
        )
    return Check("ok", name, str(folder))


async def _api_checks(settings: Settings, http: httpx2.AsyncClient | None = None) -> list[Check]:
    """Key, reachability and auth, through a client built as the server builds it (``http``: tests)."""
    key = settings.key_value()
    checks: list[Check] = []
    if key:
        checks.append(Check("ok", "PIXAPI_KEY", "set (not shown)"))
    else:
        checks.append(
            Check(
                "warn",
                "PIXAPI_KEY",
                "not set",
                "Set PIXAPI_KEY to a key from the Pixapi console for live calls "
                "(`pixapi-mcp serve --sandbox` needs none).",
            )
        )
    # Without a key, a probe key still shows whether the API answers (401 means reachable).
    async with open_client(settings, http, api_key=key or "sk-doctor-no-key", max_retries=0) as client:
        try:
            listing = await client.list_models()
        except AuthenticationError as exc:
            reach = Check("ok", "reachability", f"{settings.base_url} answered")
            if key:
                return [
                    *checks,
                    reach,
                    Check(
                        "fail",
                        "auth",
                        f"the key was rejected ({exc.status})",
                        "Create a new key in the Pixapi console and set PIXAPI_KEY.",
                    ),
                ]
            return [*checks, reach]
        except PixapiError as exc:
            return [
                *checks,
                Check(
                    "fail",
                    "reachability",
                    f"{settings.base_url}: {exc.category}",
                    "Check the network, a proxy, or PIXAPI_BASE_URL.",
                ),
            ]
    checks.append(Check("ok", "reachability", f"{settings.base_url} answered"))
    if key:
        checks.append(Check("ok", "auth", f"key accepted; {len(listing.data)} models listed"))
    return checks


def collect_checks(settings: Settings) -> list[Check]:
    """Every check, in the order they are printed."""
    checks = _versions()
    checks.extend(anyio.run(_api_checks, settings))
    checks.append(_writable("output folder", settings.default_output_dir))
    checks.append(_writable("data folder (ledger)", settings.data_dir))
    try:
        pages = len(DocsBundle().pages)
        checks.append(Check("ok", "docs bundle", f"{pages} pages"))
    except Exception as exc:  # a broken install should be reported, not crash the doctor
        checks.append(Check("fail", "docs bundle", f"not readable ({exc})", "Reinstall pixapi-mcp."))
    return checks


def run_doctor(settings: Settings, *, out: Callable[[str], None]) -> int:
    """Print each check and what to fix; exit 1 when anything failed."""
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    checks = collect_checks(settings)
    for check in checks:
        out(f"[{marks[check.level]}] {check.name}: {check.detail}")
        if check.fix:
            out(f"       fix: {check.fix}")
    failed = sum(c.level == "fail" for c in checks)
    out("All good." if not failed else f"{failed} problem(s) to fix.")
    return 1 if failed else 0
