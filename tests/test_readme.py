"""The README's tools and configuration tables are generated from the code; drift fails here.

Regenerate on purpose with ``PIXAPI_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_readme.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from mcp.client import Client

from pixapi_mcp.config import Settings
from pixapi_mcp.server import build_server

README = Path(__file__).parent.parent / "README.md"


def _replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start[^>]*-->\n)(.*?)(<!-- {name}:end -->)", re.S)
    assert pattern.search(text), f"README has no {name} block"
    return pattern.sub(lambda m: m.group(1) + body + m.group(3), text)


async def _tools_table(settings: Settings) -> str:
    async with Client(build_server(settings)) as client:
        tools = (await client.list_tools()).tools
    rows = ["| tool | what it does | credits | annotations |", "|---|---|---|---|"]
    for tool in tools:
        ann = tool.annotations
        assert ann is not None and tool.description
        first = tool.description.strip().splitlines()[0]
        paid = "paid" if ann.read_only_hint is False else "free"
        hints = ", ".join(
            h
            for h, on in (
                ("read-only", ann.read_only_hint),
                ("idempotent", ann.idempotent_hint),
                ("open-world", ann.open_world_hint),
            )
            if on
        )
        rows.append(f"| `{tool.name}` | {first} | {paid} | {hints or '-'} |")
    return "\n".join(rows) + "\n"


def _config_table() -> str:
    rows = ["| variable / flag | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        description = field.description or ""
        var, _, rest = description.partition(":")
        if not var.startswith("PIXAPI_"):
            flag = {"sandbox": "`--sandbox`", "read_only": "`--read-only`"}.get(name)
            if flag:
                rows.append(f"| {flag} | off | {description} |")
            continue
        default = field.default if field.default is not None else "-"
        if name in ("data_dir", "cache_dir"):
            default = "per-user folder"
        if isinstance(default, tuple):
            default = "-"
        meaning = rest.strip()
        rows.append(f"| `{var.strip()}` | `{default}` | {meaning} |")
    return "\n".join(rows) + "\n"


@pytest.mark.anyio
async def test_readme_tables_match_the_code(make_settings: Callable[..., Settings]) -> None:
    text = README.read_text(encoding="utf-8")
    updated = _replace_block(text, "tools", await _tools_table(make_settings(sandbox=True)))
    updated = _replace_block(updated, "config", _config_table())
    if os.environ.get("PIXAPI_UPDATE_SNAPSHOTS") == "1":
        README.write_text(updated, encoding="utf-8")
        text = updated
    assert text == updated, "README tables drifted from the code: regenerate with PIXAPI_UPDATE_SNAPSHOTS=1"


def test_readme_names_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "python -m pip install . && pixapi-mcp demo" in text
    assert "python -m pip install -e '.[dev]' && python -m pytest" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pip install --quiet -e '.[dev]'" in ci and "python -m pytest" in ci
