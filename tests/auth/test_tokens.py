"""Named tokens at rest: hashes only, revocation seen on the next read, a damaged file refusing
everyone rather than anyone, names checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pixapi_mcp.auth.tokens import TOKEN_PREFIX, TokenFile, TokenFileError, token_hash


def test_created_tokens_match_until_revoked_and_only_hashes_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    server_side = TokenFile(path)  # what a running server holds
    cli = TokenFile(path)  # what `pixapi-mcp token` uses
    assert server_side.match("anything") is None  # no file: no token

    ada = cli.create("ada", team="art")
    bob = cli.create("bob", admin=True)
    assert ada.startswith(TOKEN_PREFIX) and len(ada) == len(TOKEN_PREFIX) + 43
    assert ada not in path.read_text() and token_hash(ada) in path.read_text()
    assert (path.stat().st_mode & 0o777) == 0o600

    found = server_side.match(ada)
    assert found is not None and found.name == "ada" and found.team == "art" and not found.admin
    assert (m := server_side.match(bob)) is not None and m.admin
    assert server_side.match(ada + "x") is None and server_side.match("") is None

    assert cli.revoke("ada") and not cli.revoke("ada")
    assert server_side.match(ada) is None and server_side.match(bob) is not None
    assert [e.name for e in cli.listed()] == ["bob"]


def test_names_are_checked_and_not_reused(tmp_path: Path) -> None:
    tokens = TokenFile(tmp_path / "tokens.json")
    tokens.create("ada@example.com")
    for bad in ("", "has space", "../etc", "x" * 65, "-lead"):
        with pytest.raises(TokenFileError):
            tokens.create(bad)
    with pytest.raises(TokenFileError, match="exists"):
        tokens.create("ada@example.com")


def test_a_damaged_file_refuses_every_token_until_it_is_fixed(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    tokens = TokenFile(path)
    ada = tokens.create("ada")
    good = path.read_text()
    for damaged in (
        "{not json",
        '{"version": 2, "tokens": {}}',
        '{"version": 1, "tokens": {"ada": {"sha256": "zz"}}}',
    ):
        path.write_text(damaged)
        os.utime(path, ns=(1, len(damaged)))  # a new mtime even within one clock tick
        assert tokens.match(ada) is None, damaged
        with pytest.raises(TokenFileError):
            tokens.listed()
    path.write_text(good)
    assert tokens.match(ada) is not None


def test_tokens_created_at_once_by_several_processes_all_land(tmp_path: Path) -> None:
    """``token create`` run concurrently (separate processes, as two operators or a script would):
    every token printed is in the file and matches; none is lost to another's rename."""
    import subprocess
    import sys

    from tests.server_harness import subprocess_env

    env = subprocess_env(tmp_path)
    names = [f"user{n}" for n in range(8)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "pixapi_mcp", "token", "create", name],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in names
    ]
    printed = {
        name: p.communicate(timeout=60)[0].decode().strip() for name, p in zip(names, procs, strict=True)
    }
    assert all(p.returncode == 0 for p in procs)
    tokens = TokenFile(Path(env["PIXAPI_DATA_DIR"]) / "tokens.json")
    assert sorted(e.name for e in tokens.listed()) == names
    for name, token in printed.items():
        found = tokens.match(token)
        assert found is not None and found.name == name
