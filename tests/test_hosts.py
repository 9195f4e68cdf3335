"""``pixapi-mcp config HOST``: what goes to stdout is the host's file content as is (JSON or TOML,
checked by parsing it), notes go to stderr, project files carry a portable command, secrets come
from the environment where the host can forward them, and ``--write`` merges without clobbering."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from pixapi_mcp.cli import HOSTS, main
from pixapi_mcp.config import Settings, key_problem
from pixapi_mcp.hosts import HOSTS as KNOWN_HOSTS

PROJECT_FILES = {"claude-code", "cursor", "vscode"}  # meant to be committed
SECRET_FORMS = {
    "claude-code": "${PIXAPI_KEY}",
    "cursor": "${env:PIXAPI_KEY}",
    "vscode": "${input:pixapi-key}",
}


def _config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str, **env: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    lines: list[str] = []
    code = main(["config", *args], {"HOME": str(tmp_path), **env}, out=lines.append)
    return code, "\n".join(lines), capsys.readouterr().err


def _entry(host: str, text: str) -> dict[str, Any]:
    if host == "codex":
        return tomllib.loads(text)["mcp_servers"]["pixapi"]
    document = json.loads(text)
    return document["servers" if host == "vscode" else "mcpServers"]["pixapi"]


def test_the_cli_and_the_snippets_know_the_same_hosts() -> None:
    assert HOSTS == KNOWN_HOSTS


@pytest.mark.parametrize("sandbox", [False, True])
@pytest.mark.parametrize("host", HOSTS)
def test_stdout_is_the_file_as_is_and_notes_go_to_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, host: str, sandbox: bool
) -> None:
    code, out, err = _config(capsys, tmp_path, host, *(["--sandbox"] if sandbox else []))
    assert code == 0
    # `pixapi-mcp config HOST > file` gives a file the host can read: the whole stdout parses.
    entry = _entry(host, out)
    assert not any(line.lstrip().startswith("#") for line in out.splitlines())
    assert err and all(line.startswith("# ") for line in err.splitlines())
    assert ("--sandbox" in entry["args"]) is sandbox
    if host in PROJECT_FILES:
        assert entry["command"] == "pixapi-mcp"  # portable: no one's virtualenv path
        assert "PATH" in err
    else:
        assert Path(entry["command"]).is_absolute()  # a per-user file: hosts launch with a bare PATH
    if sandbox:
        # No key in the snippet, and nothing said about one (the command's own path, which may
        # hold any word, aside).
        said = (out + err).lower().replace(str(entry["command"]).lower(), "")
        assert "key" not in said
        assert "PIXAPI_KEY" not in entry.get("env", {})
        assert "env_vars" not in entry


@pytest.mark.parametrize("host", sorted(PROJECT_FILES))
def test_project_files_forward_the_key_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, host: str
) -> None:
    _, out, err = _config(capsys, tmp_path, host)
    assert _entry(host, out)["env"] == {"PIXAPI_KEY": SECRET_FORMS[host]}
    if host == "vscode":
        (prompt,) = json.loads(out)["inputs"]
        assert prompt["id"] == "pixapi-key" and prompt["password"] is True
    else:
        assert "export PIXAPI_KEY" in err


def test_codex_forwards_the_key_with_env_vars(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, out, err = _config(capsys, tmp_path, "codex")
    entry = _entry("codex", out)
    assert entry["env_vars"] == ["PIXAPI_KEY"] and "env" not in entry
    assert "<your-pixapi-key>" not in out and "export it" in err


def test_absolute_puts_this_machines_path_in_project_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = _config(capsys, tmp_path, "cursor", "--absolute")
    assert Path(_entry("cursor", out)["command"]).is_absolute()


@pytest.mark.parametrize("sandbox", [False, True])
def test_claude_desktop_gets_an_output_folder_and_hears_about_allowed_dirs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sandbox: bool
) -> None:
    _, out, err = _config(capsys, tmp_path, "claude-desktop", *(["--sandbox"] if sandbox else []))
    env = _entry("claude-desktop", out)["env"]
    assert "PIXAPI_ALLOWED_DIRS" in err and "no workspace" in err
    # The folder the snippet sets means a real folder under the user's home to the server.
    settings = Settings.from_env({"HOME": str(tmp_path), **env})
    assert settings.output_dir == Path.home() / "Pictures" / "Pixapi"
    if not sandbox:
        # A snippet pasted but not filled in is caught, never sent as a key.
        assert env["PIXAPI_KEY"] == "<your-pixapi-key>" and key_problem(env["PIXAPI_KEY"])
        assert settings.key_value() is None and "Replace <your-pixapi-key>" in err


# -- --write -----------------------------------------------------------------------------------

OTHER_JSON = {
    "mcpServers": {"github": {"command": "gh-mcp", "args": ["--x"], "env": {"T": "1"}}},
    "theme": "dark",
}


@pytest.mark.parametrize("host", ["claude-desktop", "claude-code", "cursor"])
def test_write_merges_into_a_json_file_and_keeps_other_servers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, host: str
) -> None:
    target = tmp_path / "config.json"
    target.write_text(json.dumps(OTHER_JSON))
    code, out, err = _config(capsys, tmp_path, host, "--write", str(target))
    assert code == 0 and out == "" and "added" in err
    written = json.loads(target.read_text())
    assert written["mcpServers"]["github"] == OTHER_JSON["mcpServers"]["github"]
    assert written["theme"] == "dark"
    assert set(written["mcpServers"]) == {"github", "pixapi"}
    # Again, switched to the sandbox: the pixapi entry is replaced, never doubled.
    code, _, err = _config(capsys, tmp_path, host, "--sandbox", "--write", str(target))
    again = json.loads(target.read_text())
    assert code == 0 and "replaced" in err
    assert again["mcpServers"]["github"] == OTHER_JSON["mcpServers"]["github"]
    assert "--sandbox" in again["mcpServers"]["pixapi"]["args"]


def test_write_vscode_keeps_other_servers_and_inputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / ".vscode" / "mcp.json"
    target.parent.mkdir()
    other_input = {"type": "promptString", "id": "gh-token", "password": True}
    target.write_text(
        json.dumps({"servers": {"gh": {"type": "stdio", "command": "gh"}}, "inputs": [other_input]})
    )
    for _ in range(2):
        assert _config(capsys, tmp_path, "vscode", "--write", str(target))[0] == 0
    written = json.loads(target.read_text())
    assert set(written["servers"]) == {"gh", "pixapi"}
    assert [i["id"] for i in written["inputs"]] == ["gh-token", "pixapi-key"]


def test_write_creates_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "new" / ".cursor" / "mcp.json"
    assert _config(capsys, tmp_path, "cursor", "--write", str(target))[0] == 0
    assert _entry("cursor", target.read_text())["command"] == "pixapi-mcp"


def test_write_refuses_json_it_cannot_keep(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "mcp.json"
    original = '{\n  // my servers\n  "servers": {}\n}\n'
    target.write_text(original)
    code, _, err = _config(capsys, tmp_path, "vscode", "--write", str(target))
    assert code == 1 and "by hand" in err
    assert target.read_text() == original


def test_write_appends_to_codex_toml_and_keeps_the_rest_byte_for_byte(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    codex_home = tmp_path / "codex"
    codex_home.mkdir()
    target = codex_home / "config.toml"
    original = 'model = "o4"\n\n[mcp_servers.github]\ncommand = "gh-mcp"\nenv = { T = "1" }\n'
    target.write_text(original)
    code, _, err = _config(capsys, tmp_path, "codex", "--write", CODEX_HOME=str(codex_home))
    assert code == 0 and str(target) in err
    text = target.read_text()
    assert text.startswith(original)
    parsed = tomllib.loads(text)
    assert parsed["model"] == "o4" and parsed["mcp_servers"]["github"]["env"] == {"T": "1"}
    assert parsed["mcp_servers"]["pixapi"]["env_vars"] == ["PIXAPI_KEY"]
    # A second time would need rewriting the table: refused, the file untouched.
    code, _, err = _config(capsys, tmp_path, "codex", "--write", CODEX_HOME=str(codex_home))
    assert code == 1 and "already has [mcp_servers.pixapi]" in err and target.read_text() == text


def test_write_refuses_codex_toml_whose_layout_cannot_take_a_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "config.toml"
    original = 'mcp_servers = { github = { command = "gh" } }\n'
    target.write_text(original)
    code, _, err = _config(capsys, tmp_path, "codex", "--write", str(target))
    assert code == 1 and "by hand" in err and target.read_text() == original


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux location of Claude Desktop's file")
def test_write_finds_claude_desktops_file_from_home(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _config(capsys, tmp_path, "claude-desktop", "--sandbox", "--write")[0] == 0
    written = tmp_path / ".config" / "Claude" / "claude_desktop_config.json"
    assert "pixapi" in json.loads(written.read_text())["mcpServers"]
