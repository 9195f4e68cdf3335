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


def test_async_flag_fix_names_the_endpoint_of_the_request_it_is_in() -> None:
    video = (
        "import httpx\n"
        'httpx.post("https://api.pixapi.ai/v1/async/videos/generations",\n'
        '           json={"model": "veo", "prompt": "p", "async": True})\n'
    )
    image = 'curl -X POST "https://api.pixapi.ai/v1/images/edits?async=true" -F "model=nano-banana"\n'
    (video_finding,) = [f for f in check_code(video, "python") if f.rule_id == "async-endpoint"]
    (image_finding,) = [f for f in check_code(image, "curl") if f.rule_id == "async-endpoint"]
    assert "POST to `/v1/async/videos/generations`" in video_finding.fix
    assert "POST to `/v1/async/images/edits`" in image_finding.fix
    for finding in (video_finding, image_finding):
        assert "/v1/async/..." not in finding.fix + finding.message
