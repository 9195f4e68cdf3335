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


def test_findings_point_at_their_rule_records_page() -> None:
    code = '{"model": "veo", "prompt": "x", "seconds": 8}'
    (finding,) = check_code(code, "json")
    rule = contract.RULES_BY_ID[finding.rule_id]
    assert finding.docs_uri == docs_uri_for(rule.id) == f"pixapi://docs/{rule.page}"
    assert finding.docs_url == rule.docs_url
