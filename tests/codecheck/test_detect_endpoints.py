"""Detectors for where a request goes: async flags, the synchronous video path, unknown paths."""

from __future__ import annotations

import pytest

from pixapi_mcp.codecheck import check_code
from tests.codecheck.samples import assert_planted_mistake_found, found, planted


@pytest.mark.parametrize(("language", "old", "new", "rule_id"), planted("detect_endpoints"))
def test_planted_mistake_is_found_at_its_line(language: str, old: str, new: str, rule_id: str) -> None:
    assert_planted_mistake_found(language, old, new, rule_id)


def test_a_path_pixapi_does_not_have_is_reported() -> None:
    code = 'import httpx\nhttpx.post("https://api.pixapi.ai/v1/images/generate", json={"model": "nano-banana"})\n'
    assert found(check_code(code, "python")) == [("unknown-endpoint", 2)]


def test_a_wrong_task_path_is_a_polling_mistake_not_an_unknown_endpoint() -> None:
    code = 'curl -H "Authorization: Bearer $PIXAPI_KEY" "https://api.pixapi.ai/v1/async/tasks/$id"\n'
    assert found(check_code(code, "curl")) == [("task-polling", 1)]
