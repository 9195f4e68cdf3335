"""``pixapi-mcp config HOST``: the configuration each supported host needs, and where it goes.

The snippet itself (``Snippet.body``) is exactly what belongs in the host's file, so
``pixapi-mcp config cursor > .cursor/mcp.json`` is valid JSON; everything said about it (which file,
what to replace, which variables) is in ``Snippet.notes``, which the CLI writes to stderr.
``merge_into`` adds the server to an existing file (``--write``) and keeps every other server.

Two kinds of file, two kinds of command:
- project files meant to be committed (Claude Code's ``.mcp.json``, ``.cursor/mcp.json``,
  ``.vscode/mcp.json``) name the console script, ``pixapi-mcp``, not one person's virtualenv path.
  Those hosts start servers with the user's shell PATH (Claude Code runs in the terminal; VS Code
  and Cursor take the login shell's environment), and every install method (pip, pipx,
  ``uv tool install``) puts ``pixapi-mcp`` there. ``uvx pixapi-mcp`` would also fix the version,
  but it needs uv on every machine and the package on an index, and this project installs from a
  clone; ``--absolute`` writes this machine's path instead, for a copy kept to oneself.
- per-user files (Claude Desktop's config, ``~/.codex/config.toml``) hold the absolute path: Claude
  Desktop starts servers with a minimal PATH, and the file never leaves the machine.

Secrets come from the environment wherever the host can forward them (``${PIXAPI_KEY}`` in
``.mcp.json``, ``${env:PIXAPI_KEY}`` in Cursor, ``env_vars`` in Codex, a password ``input`` in VS
Code); only Claude Desktop needs the key pasted. Sandbox snippets carry no key and say nothing about
one. Standard library only: printing a snippet loads nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

HOSTS = ("claude-desktop", "claude-code", "cursor", "codex", "vscode")
SERVER_NAME = "pixapi"
KEY_PLACEHOLDER = "<your-pixapi-key>"
# Claude Desktop sends no workspace (no MCP roots): without a folder, files would land in the
# per-user data folder, out of sight. "~" is expanded by the server (config.Settings).
DESKTOP_OUTPUT_DIR = "~/Pictures/Pixapi"

Format = Literal["json", "toml"]


@dataclass
class Snippet:
    """What ``config HOST`` prints: ``body`` for the file (stdout), ``notes`` for the reader
    (stderr), the file's usual place (``default_path``) and the format ``merge_into`` reads."""

    host: str
    body: str
    format: Format
    default_path: Path
    notes: list[str] = field(default_factory=list[str])


def _absolute_command() -> tuple[str, list[str]]:
    """This installation's command, absolute: the script beside this Python, else on PATH, else
    this Python running the module."""
    here = Path(sys.executable).parent / ("pixapi-mcp.exe" if os.name == "nt" else "pixapi-mcp")
    if here.is_file():
        return str(here), []
    script = shutil.which("pixapi-mcp")
    if script:
        return script, []
    return sys.executable, ["-m", "pixapi_mcp"]


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HOME") or environ.get("USERPROFILE") or Path.home())


def _desktop_config_path(environ: Mapping[str, str]) -> Path:
    home = _home(environ)
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform == "win32":
        return (
            Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
            / "Claude"
            / "claude_desktop_config.json"
        )
    return Path(environ.get("XDG_CONFIG_HOME") or home / ".config") / "Claude" / "claude_desktop_config.json"


def _codex_config_path(environ: Mapping[str, str]) -> Path:
    codex_home = environ.get("CODEX_HOME")
    return Path(codex_home) / "config.toml" if codex_home else _home(environ) / ".codex" / "config.toml"


def _json(value: object) -> str:
    return json.dumps(value, indent=2)


def config_snippet(
    host: str,
    *,
    sandbox: bool = False,
    absolute: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Snippet:
    """The configuration ``host`` needs. ``sandbox`` configures ``serve --sandbox`` (no key);
    ``absolute`` puts this machine's command path in project files too."""
    env = os.environ if environ is None else environ
    installed, prefix = _absolute_command()
    serve_args = [*prefix, "serve", "--sandbox"] if sandbox else prefix
    portable = (
        (installed, serve_args) if absolute else ("pixapi-mcp", ["serve", "--sandbox"] if sandbox else [])
    )
    portable_note = (
        "The command is `pixapi-mcp` from each person's PATH, so the file can be committed "
        "(install with `pip install`, `pipx install` or `uv tool install`); `--absolute` writes "
        f"this machine's path ({installed}) instead."
    )

    def entry(command: tuple[str, list[str]], env_block: dict[str, str]) -> dict[str, object]:
        server: dict[str, object] = {"command": command[0], "args": command[1]}
        if env_block:
            server["env"] = env_block
        return server

    if host == "claude-desktop":
        env_block = {"PIXAPI_OUTPUT_DIR": DESKTOP_OUTPUT_DIR}
        if not sandbox:
            env_block = {"PIXAPI_KEY": KEY_PLACEHOLDER, **env_block}
        path = _desktop_config_path(env)
        notes = [
            f"Claude Desktop: the mcpServers block of {path} (Settings > Developer > Edit Config); "
            "`--write` adds it there and keeps your other servers. Restart Claude Desktop afterwards.",
            f"Claude Desktop sends no workspace folder: files go to PIXAPI_OUTPUT_DIR ({DESKTOP_OUTPUT_DIR}; "
            "change it to taste). edit_image reads local files only inside that folder and "
            f"PIXAPI_ALLOWED_DIRS (folders separated by '{os.pathsep}'): add the folders your pictures are in.",
        ]
        if not sandbox:
            notes.append(
                f"Replace {KEY_PLACEHOLDER} with your key: Claude Desktop does not expand variables. "
                "The file stays on this machine; do not share it."
            )
        body = _json({"mcpServers": {SERVER_NAME: entry((installed, serve_args), env_block)}})
        return Snippet(host, body, "json", path, notes)
    if host == "claude-code":
        env_block = {} if sandbox else {"PIXAPI_KEY": "${PIXAPI_KEY}"}
        add = f"claude mcp add {SERVER_NAME} --scope user"
        if not sandbox:
            add += " --env PIXAPI_KEY=$PIXAPI_KEY"
        add += " -- " + " ".join([installed, *serve_args])
        notes = [
            "Claude Code: .mcp.json at the project root, to commit (`--write` merges it in).",
            portable_note,
            f"Or for yourself only, in every project, run once: {add}",
        ]
        if not sandbox:
            notes.append(
                "Claude Code reads ${PIXAPI_KEY} from the environment it was started in: export PIXAPI_KEY there."
            )
        body = _json({"mcpServers": {SERVER_NAME: entry(portable, env_block)}})
        return Snippet(host, body, "json", Path(".mcp.json"), notes)
    if host == "cursor":
        env_block = {} if sandbox else {"PIXAPI_KEY": "${env:PIXAPI_KEY}"}
        notes = [
            "Cursor: .cursor/mcp.json in the project, to commit (or ~/.cursor/mcp.json for every project).",
            portable_note,
        ]
        if not sandbox:
            notes.append(
                "Cursor reads ${env:PIXAPI_KEY} from its environment: export PIXAPI_KEY before starting Cursor."
            )
        body = _json({"mcpServers": {SERVER_NAME: entry(portable, env_block)}})
        return Snippet(host, body, "json", Path(".cursor") / "mcp.json", notes)
    if host == "vscode":
        server = {
            "type": "stdio",
            **entry(portable, {} if sandbox else {"PIXAPI_KEY": "${input:pixapi-key}"}),
        }
        config: dict[str, object] = {"servers": {SERVER_NAME: server}}
        notes = ["VS Code: .vscode/mcp.json in the workspace, to commit.", portable_note]
        if not sandbox:
            config["inputs"] = [
                {
                    "type": "promptString",
                    "id": "pixapi-key",
                    "description": "Pixapi API key",
                    "password": True,
                }
            ]
            notes.append("VS Code asks for the key once and keeps it in its secret storage, not in the file.")
        return Snippet(host, _json(config), "json", Path(".vscode") / "mcp.json", notes)
    if host == "codex":
        lines = [
            f"[mcp_servers.{SERVER_NAME}]",
            f"command = {json.dumps(installed)}",
            f"args = {json.dumps(serve_args)}",
        ]
        path = _codex_config_path(env)
        notes = [f"Codex: {path} (`--write` appends it and keeps your other servers)."]
        if not sandbox:
            lines.append('env_vars = ["PIXAPI_KEY"]')
            notes.append(
                "Codex forwards PIXAPI_KEY from its own environment (env_vars): export it before starting Codex."
            )
        return Snippet(host, "\n".join(lines), "toml", path, notes)
    raise ValueError(f"unknown host {host!r}; choose one of: {', '.join(HOSTS)}")


# -- --write: merge into the host's file --------------------------------------------------------


class MergeError(ValueError):
    """The host's file cannot be merged safely; the message says why and what to do instead."""


def merge_into(path: Path, snippet: Snippet) -> str:
    """Add the snippet's server to the file at ``path`` (created if missing), keeping everything
    else; returns what happened, in a sentence. Refuses files it cannot read back exactly (JSON
    with comments, invalid TOML) rather than rewriting them."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if snippet.format == "toml":
        text, action = _merge_toml(existing, snippet.body, path)
    else:
        text, action = _merge_json(existing, snippet.body, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the file and rename over it: an interrupted write never leaves half a config.
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as tmp:
        tmp.write(text)
    Path(tmp.name).replace(path)
    return f"{action} the {SERVER_NAME!r} server in {path}"


def _merge_json(existing: str, body: str, path: Path) -> tuple[str, str]:
    try:
        current: Any = json.loads(existing) if existing.strip() else {}
    except json.JSONDecodeError as exc:
        raise MergeError(
            f"{path} is not plain JSON ({exc.msg}, line {exc.lineno}; comments are not kept by a "
            "rewrite): add the snippet by hand instead."
        ) from None
    if not isinstance(current, dict):
        raise MergeError(f"{path} does not hold a JSON object: add the snippet by hand instead.")
    document = cast(dict[str, Any], current)
    addition: dict[str, Any] = json.loads(body)
    action = "added"
    for section, value in addition.items():
        present = document.setdefault(section, [] if section == "inputs" else {})
        if section == "inputs" and isinstance(present, list):
            inputs = cast(list[Any], present)
            known = {cast(dict[str, Any], i).get("id") for i in inputs if isinstance(i, dict)}
            inputs.extend(i for i in value if i["id"] not in known)
        elif section != "inputs" and isinstance(present, dict):
            table = cast(dict[str, Any], present)
            action = "replaced" if SERVER_NAME in table else action
            table.update(value)
        else:
            raise MergeError(f"{path}: {section!r} has an unexpected shape: add the snippet by hand instead.")
    return json.dumps(document, indent=2) + "\n", action


def _merge_toml(existing: str, body: str, path: Path) -> tuple[str, str]:
    try:
        current = tomllib.loads(existing)
    except tomllib.TOMLDecodeError as exc:
        raise MergeError(f"{path} is not valid TOML ({exc}): fix it or add the snippet by hand.") from None
    if SERVER_NAME in current.get("mcp_servers", {}):
        raise MergeError(
            f"{path} already has [mcp_servers.{SERVER_NAME}]: edit it by hand (or remove it and run again)."
        )
    separator = (
        "" if not existing or existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
    )
    text = f"{existing}{separator}{body}\n"  # appended: everything else stays byte for byte
    try:
        merged = tomllib.loads(text)
    except tomllib.TOMLDecodeError:  # e.g. mcp_servers written as an inline table
        merged = {}
    others = {k: v for k, v in merged.get("mcp_servers", {}).items() if k != SERVER_NAME}
    if SERVER_NAME not in merged.get("mcp_servers", {}) or others != current.get("mcp_servers", {}):
        raise MergeError(f"{path}: the table cannot be appended to this file's layout; add it by hand.")
    return text, "added"
