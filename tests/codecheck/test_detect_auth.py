"""Detectors for the key: Bearer auth, and keys hard-coded or exposed to the browser."""

from __future__ import annotations

import pytest

from tests.codecheck.samples import assert_planted_mistake_found, planted


@pytest.mark.parametrize(("language", "old", "new", "rule_id"), planted("detect_auth"))
def test_planted_mistake_is_found_at_its_line(language: str, old: str, new: str, rule_id: str) -> None:
    assert_planted_mistake_found(language, old, new, rule_id)
