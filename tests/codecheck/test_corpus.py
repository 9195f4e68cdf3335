"""The check_code corpus (tests/codecheck/corpus/): its shape, its labels, and issue 13's bar.

The corpus is ground truth written from the seed pages; ``bench.codecheck_corpus`` runs the
installed ``check_code`` over it. The bar is hard: recall >= 98% of planted mistakes and <= 1% of
correct snippets flagged, with and without ``language``; run ``python -m bench.codecheck_corpus``
for the per-form numbers, misses and false alarms.
"""

from __future__ import annotations

import pytest

from bench.codecheck_corpus import (
    CORPUS,
    FORMS,
    MODES,
    PROPOSED_RULES,
    Mode,
    Report,
    Snippet,
    load_corpus,
    main,
    measure,
)
from pixapi_mcp import contract

SNIPPETS = load_corpus()


@pytest.fixture(scope="module")
def report() -> Report:
    return measure(SNIPPETS)


def test_corpus_has_every_form_about_half_correct() -> None:
    assert len(SNIPPETS) >= 170
    for form in FORMS:
        in_form = [s for s in SNIPPETS if s.form == form]
        assert len(in_form) >= 20, form
        correct = sum(s.correct for s in in_form)
        assert 0.35 <= correct / len(in_form) <= 0.65, (form, correct, len(in_form))
    correct = sum(s.correct for s in SNIPPETS)
    assert 0.4 <= correct / len(SNIPPETS) <= 0.6


def test_every_file_is_listed_once_and_exists() -> None:
    for form in FORMS:
        folder = CORPUS / form
        listed = [s.file for s in SNIPPETS if s.form == form]
        on_disk = sorted(p.name for p in folder.iterdir() if p.name != "corpus.toml")
        assert sorted(listed) == on_disk, form


def test_rule_ids_are_contract_rules_or_proposed_ones() -> None:
    known = set(contract.RULES_BY_ID) | set(PROPOSED_RULES)
    used = {e.rule for s in SNIPPETS for e in s.expect}
    assert used <= known, used - known
    assert set(PROPOSED_RULES) <= used  # every proposed rule has snippets to be measured on


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s.expect], ids=lambda s: s.name)
def test_expected_lines_hold_their_text(snippet: Snippet) -> None:
    lines = snippet.code().splitlines()
    for expected in snippet.expect:
        assert len(expected.at) == len(expected.lines), expected
        for number, text in zip(expected.lines, expected.at, strict=True):
            assert 1 <= number <= len(lines), (expected.rule, number)
            assert text in lines[number - 1], (expected.rule, number, text)


def test_findings_are_the_same_with_and_without_language(report: Report) -> None:
    assert [a.snippet.name for a, _ in report.differing()] == []


def test_json_bodies_meet_the_bar_on_todays_rules(report: Report) -> None:
    # Request bodies go through contract.check_request itself; only the proposed rules are missing.
    for mode in MODES:
        tally = report.tally(mode, "json")
        assert tally.recall_today == 1.0
        assert tally.flagged == 0


@pytest.mark.parametrize("mode", ["language", "auto"])
def test_recall_of_planted_mistakes_is_at_least_98_percent(report: Report, mode: Mode) -> None:
    tally = report.tally(mode)
    assert tally.recall >= 0.98, f"recall {tally.recall:.1%} ({tally.caught}/{tally.planted})"


@pytest.mark.parametrize("mode", ["language", "auto"])
def test_at_most_1_percent_of_correct_snippets_are_flagged(report: Report, mode: Mode) -> None:
    tally = report.tally(mode)
    assert tally.fp_rate <= 0.01, f"false positives {tally.fp_rate:.1%} ({tally.flagged}/{tally.correct})"


def test_bench_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--form", "json"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["form", "snip", "mist"]
    assert "== misses (language" in out and "== false alarms on correct snippets (auto)" in out
