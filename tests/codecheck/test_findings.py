"""Findings: the rule's docs on every finding, and never a key in a snippet."""

from __future__ import annotations

import pytest

from pixapi_mcp import contract
from pixapi_mcp.codecheck import check_code, docs_uri_for
from tests.codecheck.samples import KEY, found


def test_snippets_never_echo_a_key() -> None:
    code = f'import httpx\nPIXAPI_KEY = "{KEY}"\nhttpx.post("https://api.pixapi.ai/v1/images/generations")\n'
    findings = check_code(code, "python")
    assert ("key-server-side", 2) in found(findings)
    assert all(KEY not in f.snippet for f in findings)


@pytest.mark.parametrize(
    "line",
    [
        f'api_key = "{KEY}"',
        f"headers = {{'Authorization': 'Bearer {KEY}'}}",
        f'secret_key = "{KEY[3:]}"',
        f"auth = 'Bearer {KEY[3:]}'",
    ],
)
def test_every_key_shape_is_redacted(line: str) -> None:
    code = f'import httpx\n{line}\nhttpx.post("https://api.pixapi.ai/v1/images/generations")\n'
    findings = check_code(code, "python")
    assert ("key-server-side", 2) in found(findings)
    assert all(KEY[3:] not in f.snippet for f in findings), findings


def test_every_rule_has_a_docs_page_uri() -> None:
    for rule in contract.RULES:
        assert docs_uri_for(rule.id).startswith("pixapi://docs/")
    assert docs_uri_for("no-such-rule") == "pixapi://docs/mistakes"
