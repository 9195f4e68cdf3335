"""``pixapi-mcp doctor`` (check the set-up, spending nothing) and ``pixapi-mcp config HOST`` (print a
correct host configuration snippet).

Doctor's only API call is ``GET /v1/models``, which is free. The key is reported as set or not,
never printed.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import anyio

from pixapi_mcp import __version__
from pixapi_mcp.config import Settings

if TYPE_CHECKING:
    import httpx2

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
    from pixapi_mcp.client import AuthenticationError, PixapiError, open_client

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
    from pixapi_mcp.docs import DocsBundle

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


# -- host configuration -------------------------------------------------------------------------


def _command() -> tuple[str, list[str]]:
    """An absolute command, because hosts launch servers with a minimal PATH."""
    script = shutil.which("pixapi-mcp")
    if script:
        return script, []
    return sys.executable, ["-m", "pixapi_mcp"]


def config_snippet(host: str, *, sandbox: bool = False) -> str:
    """The configuration a host needs, as text ready to paste (with where to paste it)."""
    command, args = _command()
    if sandbox:
        args = [*args, "serve", "--sandbox"]
    key_note = "" if sandbox else "Replace <your-pixapi-key> with your key (keep it out of version control)."

    def server(env_value: str | None) -> dict[str, object]:
        entry: dict[str, object] = {"command": command, "args": args}
        if not sandbox and env_value is not None:
            entry["env"] = {"PIXAPI_KEY": env_value}
        return entry

    if host == "claude-desktop":
        body = json.dumps({"mcpServers": {"pixapi": server("<your-pixapi-key>")}}, indent=2)
        return (
            "# Claude Desktop: add to claude_desktop_config.json\n"
            "#   macOS: ~/Library/Application Support/Claude/claude_desktop_config.json\n"
            "#   Windows: %APPDATA%\\Claude\\claude_desktop_config.json\n"
            f"# {key_note}\n{body}"
        )
    if host == "claude-code":
        env = "" if sandbox else " --env PIXAPI_KEY=$PIXAPI_KEY"
        joined = " ".join([command, *args])
        body = json.dumps({"mcpServers": {"pixapi": server("${PIXAPI_KEY}")}}, indent=2)
        return (
            "# Claude Code: run once (user scope: add --scope user)\n"
            f"claude mcp add pixapi{env} -- {joined}\n\n"
            "# or commit this as .mcp.json in the project (the key is read from your environment):\n"
            f"{body}"
        )
    if host == "cursor":
        body = json.dumps({"mcpServers": {"pixapi": server("${env:PIXAPI_KEY}")}}, indent=2)
        return "# Cursor: .cursor/mcp.json in the project (or ~/.cursor/mcp.json for all projects)\n" + body
    if host == "codex":
        lines = [
            "# Codex: ~/.codex/config.toml",
            "[mcp_servers.pixapi]",
            f"command = {json.dumps(command)}",
            f"args = {json.dumps(args)}",
        ]
        if not sandbox:
            lines.append('env = { PIXAPI_KEY = "<your-pixapi-key>" }')
            lines.insert(1, f"# {key_note}")
        return "\n".join(lines)
    if host == "vscode":
        entry = {"type": "stdio", **server("${input:pixapi-key}")}
        config: dict[str, object] = {"servers": {"pixapi": entry}}
        if not sandbox:
            config["inputs"] = [
                {
                    "type": "promptString",
                    "id": "pixapi-key",
                    "description": "Pixapi API key",
                    "password": True,
                }
            ]
        return "# VS Code: .vscode/mcp.json in the workspace (VS Code asks for the key once)\n" + json.dumps(
            config, indent=2
        )
    raise ValueError(f"unknown host {host!r}; choose claude-desktop, claude-code, cursor, codex or vscode")
