"""The package's shape (DESIGN.md §4), checked on the source: imports run one way, and no module
grows past a few hundred lines without saying why.

Read from the files with ``ast`` (nothing is imported), so a new module is covered the day it is
added. Function-level imports count too: a dependency hidden in a function is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pixapi_mcp"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "llms" not in p.parts)
MAX_LINES = 500
# A module longer than MAX_LINES must say why in its docstring, with these words.
LONG_REASON = "Why this module is long:"


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (relative imports resolved), at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*here[: len(here) - node.level + 1], *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _package_imports(path: Path) -> set[str]:
    """The pixapi_mcp modules ``path`` imports, outside its own package."""
    own = _name(path).split(".")[1] if _name(path) != "pixapi_mcp" else ""
    return {
        name.split(".")[1]
        for name in _imports(path)
        if name.startswith("pixapi_mcp.") and name.split(".")[1] != own
    }


def _third_party(path: Path, root: str) -> bool:
    return any(name == root or name.startswith(root + ".") for name in _imports(path))


def _in(package: str) -> list[Path]:
    return [
        p
        for p in MODULES
        if _name(p) == f"pixapi_mcp.{package}" or _name(p).startswith(f"pixapi_mcp.{package}.")
    ]


def test_every_package_of_the_layout_exists() -> None:
    for package in ("contract", "client", "tools", "docs", "codecheck", "sandbox"):
        assert (PACKAGE / package / "__init__.py").is_file(), package
    for module in ("cli", "config", "server", "media", "ledger"):
        assert (PACKAGE / f"{module}.py").is_file() or (PACKAGE / module).is_dir(), module


@pytest.mark.parametrize("leaf", ["config", "contract"])
def test_leaves_import_nothing_else_of_the_package(leaf: str) -> None:
    for path in _in(leaf):
        assert _package_imports(path) - {"__version__"} == set(), path


def test_sandbox_imports_only_contract_and_the_socket_leaf() -> None:
    for path in _in("sandbox"):
        assert _package_imports(path) <= {"contract", "listen"}, path


def test_client_knows_no_mcp() -> None:
    for path in _in("client"):
        assert not _third_party(path, "mcp") and not _third_party(path, "mcp_types"), path
        assert _package_imports(path) <= {"config", "contract", "__version__"}, path


def test_tools_know_no_httpx2() -> None:
    for path in _in("tools"):
        assert not _third_party(path, "httpx2"), path


def test_auth_knows_only_config_and_its_caller_module_is_light() -> None:
    """Identity sits beside the tools, not above them: ``auth`` reads settings and nothing else of
    the package, and ``auth.caller`` (what tool code imports) loads neither the SDK nor httpx2."""
    for path in _in("auth"):
        assert _package_imports(path) <= {"config"}, path
    for path in (PACKAGE / "auth" / "caller.py", PACKAGE / "auth" / "__init__.py"):
        assert not any(_third_party(path, root) for root in ("mcp", "httpx2", "jwt", "starlette")), path


def test_only_the_registration_modules_import_mcp() -> None:
    """docs and codecheck are libraries with one MCP face each: search and the checker can be used
    (and tested) without the SDK."""
    for package, face in (("docs", "pixapi_mcp.docs.server"), ("codecheck", "pixapi_mcp.codecheck.tool")):
        importers = {_name(p) for p in _in(package) if _third_party(p, "mcp") or _third_party(p, "mcp_types")}
        assert importers <= {face}, importers


def test_nothing_below_server_imports_server_or_cli() -> None:
    """``server`` wires the parts; only the entry points above it (the CLI and the HTTP front) may
    import it, and nothing imports the CLI."""
    above = {"pixapi_mcp.cli", "pixapi_mcp.__main__", "pixapi_mcp.http_server", "pixapi_mcp.server"}
    for path in MODULES:
        imported = _package_imports(path)
        assert "cli" not in imported or _name(path) == "pixapi_mcp.__main__", path
        assert "server" not in imported or _name(path) in above, path


def test_no_utils_module() -> None:
    assert not [p for p in MODULES if p.stem in ("utils", "util", "helpers", "common", "misc")]


@pytest.mark.parametrize("path", MODULES, ids=[_name(p) for p in MODULES])
def test_modules_are_a_few_hundred_lines_or_say_why(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.count("\n") <= MAX_LINES:
        return
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert LONG_REASON in docstring, f"{path.name} has {text.count(chr(10))} lines and no '{LONG_REASON}'"
