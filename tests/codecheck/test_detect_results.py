"""Detectors for reading results and polling tasks: data[0].url vs result.data[0].url, statuses, polls."""

from __future__ import annotations

import pytest

from pixapi_mcp.codecheck import check_code
from tests.codecheck.samples import TEMPLATES, assert_planted_mistake_found, found, line_of, planted


@pytest.mark.parametrize(("language", "old", "new", "rule_id"), planted("detect_results"))
def test_planted_mistake_is_found_at_its_line(language: str, old: str, new: str, rule_id: str) -> None:
    assert_planted_mistake_found(language, old, new, rule_id)


@pytest.mark.parametrize("language", ["python", "node", "php"])
def test_an_async_submission_that_is_never_polled(language: str) -> None:
    template = TEMPLATES[language]
    code = "\n".join(line for line in template.splitlines() if "/v1/tasks/" not in line)
    submit_line = line_of(code, "/v1/async/videos/generations")
    assert ("task-polling", submit_line) in found(check_code(code, language))


def test_reading_data_url_after_the_forbidden_video_path_is_also_flagged() -> None:
    """Posting to /v1/videos/generations and reading data[0].url makes two mistakes, not one."""
    from pixapi_mcp.demo import SNIPPET

    found = {(f.rule_id, f.line) for f in check_code(SNIPPET, "python")}
    assert found == {
        ("async-endpoint", 2),
        ("video-async-only", 2),
        ("image-model-on-video-endpoint", 4),
        ("input-image-field", 4),
        ("duration-field", 4),
        ("task-result-field", 5),
    }
