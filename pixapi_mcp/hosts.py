"""``pixapi-mcp config HOST``: the configuration snippet each supported host needs, with where it
goes. Kept apart from ``doctor`` so printing a snippet loads nothing but the standard library."""

from __future__ import annotations

import json
import shutil
import sys


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
