"""``python -m bench.codecheck_corpus``: how well ``check_code`` does on the project's own corpus.

The corpus (``tests/codecheck/corpus/<form>/``) is ground truth written from the seed pages,
independent of the detectors: realistic snippets in the seven forms ``check_code`` accepts, about
half correct and half with planted mistakes. Each folder's ``corpus.toml`` names, per snippet,
the rule id of every planted mistake, the line it is on and any other line a finding may fairly
point at (a value defined on one line and sent on another).

Every snippet is checked twice, with its ``language`` and without (detected), and this prints:
recall of planted mistakes (a finding with the planted rule id at one of its lines), the share of
correct snippets with any finding (false positives), per form and overall, the snippets whose
findings differ between the two runs, and the list of misses and false alarms.

Rule ids not in ``contract.RULES_BY_ID`` yet are the ones proposed in issue 13 (``PROPOSED_RULES``);
recall is also shown over today's rules alone so the two gaps can be told apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.common import Row
from pixapi_mcp import contract
from pixapi_mcp.codecheck import check_code

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "codecheck" / "corpus"
FORMS: tuple[str, ...] = ("curl", "python", "node", "go", "java", "php", "json")
# The language a host would name for the file; the form's name otherwise (TypeScript goes by its alias).
_LANGUAGE_BY_SUFFIX = {".ts": "typescript", ".tsx": "typescript", ".mjs": "javascript"}

# Documented mistakes with no rule in contract.RULES today (issue 13), with the fix a finding
# should give and where the fact comes from.
PROPOSED_RULES: dict[str, tuple[str, str]] = {
    "json-content-type": (
        "Send `Content-Type: application/json` with a JSON body (curl `-d`, fetch, Go, Java, PHP "
        "and `data=json.dumps(...)` do not set it; `json=`, axios objects, Guzzle `json` and curl "
        "`--json` do).",
        "api-reference (Shared headers: Content-Type, 'Yes for JSON bodies')",
    ),
    "base-url": (
        "Use the base URL `https://api.pixapi.ai` (requests go to `https://api.pixapi.ai/v1/...`), "
        "not `https://pixapi.ai/api` or `https://pixapi.ai/v1`.",
        "api-reference (Base URL) and llms-full (Endpoint: POST https://api.pixapi.ai/v1/...)",
    ),
    "submission-id-field": (
        "Read the task id from `id` of the async submission answer (`response['id']`), "
        "not `task_id`/`taskId`.",
        "api-reference (Async media submissions: 'id | Task id used with GET /v1/tasks/{id}') and "
        "llms-full (submission response includes status, id, progress, created_at, model)",
    ),
    "openai-base-url": (
        "Point the openai SDK at `https://api.pixapi.ai/v1` (with `/v1`): the SDK appends "
        "`/images/generations` to `base_url`.",
        "follows from how the openai SDKs build paths, not from Pixapi's pages",
    ),
}

Mode = Literal["language", "auto"]
MODES: tuple[Mode, ...] = ("language", "auto")


@dataclass(frozen=True, slots=True)
class Expected:
    """One planted mistake: its rule id, its line, other acceptable lines, and the text on them."""

    rule: str
    line: int
    also: tuple[int, ...] = ()
    at: tuple[str, ...] = ()

    @property
    def lines(self) -> tuple[int, ...]:
        return (self.line, *self.also)


@dataclass(frozen=True, slots=True)
class Snippet:
    form: str
    file: str
    path: Path
    what: str
    expect: tuple[Expected, ...]
    submit_only: bool = False
    """Submits an async task and hands the id off without polling; labelled correct (README)."""

    @property
    def correct(self) -> bool:
        return not self.expect

    @property
    def language(self) -> str:
        return _LANGUAGE_BY_SUFFIX.get(self.path.suffix, self.form)

    @property
    def name(self) -> str:
        return f"{self.form}/{self.file}"

    def code(self) -> str:
        return self.path.read_text(encoding="utf-8")


def load_corpus(root: Path = CORPUS, forms: Iterable[str] = FORMS) -> list[Snippet]:
    """Every snippet of each form folder under ``root``, in ``corpus.toml`` order."""
    snippets: list[Snippet] = []
    for form in forms:
        folder = root / form
        table = tomllib.loads((folder / "corpus.toml").read_text(encoding="utf-8"))
        for entry in table.get("snippet", []):
            expect = tuple(
                Expected(
                    rule=item["rule"],
                    line=int(item["line"]),
                    also=tuple(int(n) for n in item.get("also", ())),
                    at=tuple(item.get("at", ())),
                )
                for item in entry.get("expect", [])
            )
            snippets.append(
                Snippet(
                    form,
                    entry["file"],
                    folder / entry["file"],
                    entry.get("what", ""),
                    expect,
                    submit_only=bool(entry.get("submit_only", False)),
                )
            )
    return snippets


@dataclass(frozen=True, slots=True)
class Found:
    rule: str
    line: int
    snippet: str = ""


@dataclass
class Outcome:
    """One snippet checked once: which planted mistakes were found, which were missed (with any
    finding of the same rule elsewhere), and the findings no planted mistake accounts for."""

    snippet: Snippet
    mode: Mode
    findings: list[Found]
    caught: list[Expected] = field(default_factory=list[Expected])
    missed: list[Expected] = field(default_factory=list[Expected])
    extra: list[Found] = field(default_factory=list[Found])
    error: str | None = None
    seconds: float = 0.0

    @property
    def flagged(self) -> bool:
        return bool(self.findings) or self.error is not None


def run_snippet(snippet: Snippet, mode: Mode) -> Outcome:
    code = snippet.code()
    language = snippet.language if mode == "language" else None
    start = time.perf_counter()
    try:
        raw = check_code(code, language)
    except Exception as exc:  # a crash is a result here: it misses every mistake, flags a correct snippet
        outcome = Outcome(snippet, mode, [], error=f"{type(exc).__name__}: {exc}")
        outcome.missed = list(snippet.expect)
        outcome.seconds = time.perf_counter() - start
        return outcome
    elapsed = time.perf_counter() - start
    findings = [Found(f.rule_id, f.line, f.snippet) for f in raw]
    outcome = Outcome(snippet, mode, findings, seconds=elapsed)
    unused = list(findings)
    for expected in snippet.expect:
        hit = next((f for f in unused if f.rule == expected.rule and f.line in expected.lines), None)
        if hit is None:
            outcome.missed.append(expected)
        else:
            unused.remove(hit)
            outcome.caught.append(expected)
    outcome.extra = unused
    return outcome


@dataclass
class Tally:
    planted: int = 0
    caught: int = 0
    planted_today: int = 0  # planted mistakes whose rule exists in contract.RULES today
    caught_today: int = 0
    correct: int = 0
    flagged: int = 0

    def add(self, outcome: Outcome) -> None:
        existing = [e for e in outcome.snippet.expect if e.rule in contract.RULES_BY_ID]
        self.planted += len(outcome.snippet.expect)
        self.caught += len(outcome.caught)
        self.planted_today += len(existing)
        self.caught_today += sum(1 for e in outcome.caught if e.rule in contract.RULES_BY_ID)
        if outcome.snippet.correct:
            self.correct += 1
            self.flagged += outcome.flagged

    @property
    def recall(self) -> float:
        return self.caught / self.planted if self.planted else 1.0

    @property
    def recall_today(self) -> float:
        return self.caught_today / self.planted_today if self.planted_today else 1.0

    @property
    def fp_rate(self) -> float:
        return self.flagged / self.correct if self.correct else 0.0


@dataclass
class Report:
    outcomes: dict[Mode, list[Outcome]]

    def tally(self, mode: Mode, form: str | None = None) -> Tally:
        tally = Tally()
        for outcome in self.outcomes[mode]:
            if form is None or outcome.snippet.form == form:
                tally.add(outcome)
        return tally

    def differing(self) -> list[tuple[Outcome, Outcome]]:
        """Snippets whose findings (rule, line) differ with and without ``language``."""
        pairs = zip(self.outcomes["language"], self.outcomes["auto"], strict=True)
        return [
            (a, b)
            for a, b in pairs
            if sorted((f.rule, f.line) for f in a.findings) != sorted((f.rule, f.line) for f in b.findings)
            or (a.error is None) != (b.error is None)
        ]


def measure(snippets: Sequence[Snippet]) -> Report:
    return Report({mode: [run_snippet(s, mode) for s in snippets] for mode in MODES})


# -- printing -----------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}%"


def format_report(report: Report) -> str:
    out: list[str] = []
    differing = report.differing()
    header = (
        f"{'form':<7} {'snip':>4} {'mist':>4} {'recall(lang)':>12} {'recall(auto)':>12} "
        f"{'today-rules':>11} {'correct':>7} {'FP(lang)':>9} {'FP(auto)':>9} {'lang≠auto':>9}"
    )
    out.append(header)
    out.append("-" * len(header))
    for form in (*FORMS, None):
        lang, auto = report.tally("language", form), report.tally("auto", form)
        count = sum(1 for o in report.outcomes["language"] if form is None or o.snippet.form == form)
        diff = sum(1 for a, _ in differing if form is None or a.snippet.form == form)
        out.append(
            f"{form or 'ALL':<7} {count:>4} {lang.planted:>4} "
            f"{_pct(lang.recall):>7} {lang.caught:>3}  {_pct(auto.recall):>7} {auto.caught:>3}  "
            f"{_pct(lang.recall_today):>11} {lang.correct:>7} "
            f"{_pct(lang.fp_rate):>6} {lang.flagged:>2} {_pct(auto.fp_rate):>6} {auto.flagged:>2} {diff:>9}"
        )
    out.append("")
    out.append(
        "recall: planted mistakes found at their line (mistakes whose rule is only proposed count as "
        "missed; today-rules: recall over the rules contract.RULES has now). FP: correct snippets with "
        "any finding. lang≠auto: snippets whose findings differ with and without `language`."
    )
    for mode in MODES:
        misses = [(o, e) for o in report.outcomes[mode] for e in o.missed]
        out.append("")
        out.append(
            f"== misses ({mode}: {'language given' if mode == 'language' else 'detected'}): {len(misses)}"
        )
        for outcome, expected in misses:
            proposed = " [proposed rule]" if expected.rule not in contract.RULES_BY_ID else ""
            elsewhere = [f.line for f in outcome.findings if f.rule == expected.rule]
            note = f" (found at line {', '.join(map(str, elsewhere))})" if elsewhere else ""
            error = f" (error: {outcome.error})" if outcome.error else ""
            out.append(
                f"  {outcome.snippet.name}:{expected.line} {expected.rule}{proposed}{note}{error} "
                f"- {outcome.snippet.what}"
            )
        alarms = [o for o in report.outcomes[mode] if o.snippet.correct and o.flagged]
        submit_only = sum(1 for o in alarms if o.snippet.submit_only)
        out.append(
            f"== false alarms on correct snippets ({mode}): {len(alarms)} "
            f"({submit_only} of them submit-only snippets, marked *)"
        )
        for outcome in alarms:
            if outcome.error:
                out.append(f"  {outcome.snippet.name} error: {outcome.error}")
            mark = "*" if outcome.snippet.submit_only else " "
            for found in outcome.findings:
                out.append(f" {mark}{outcome.snippet.name}:{found.line} {found.rule}  | {found.snippet[:90]}")
        extras = [(o, f) for o in report.outcomes[mode] if not o.snippet.correct for f in o.extra]
        out.append(f"== extra findings in mistake snippets ({mode}): {len(extras)}")
        for outcome, found in extras:
            out.append(f"  {outcome.snippet.name}:{found.line} {found.rule}  | {found.snippet[:90]}")
    out.append("")
    out.append(f"== findings differ with and without language: {len(differing)}")
    for a, b in differing:
        with_lang = sorted((f.rule, f.line) for f in a.findings)
        detected = sorted((f.rule, f.line) for f in b.findings)
        out.append(f"  {a.snippet.name} ({a.snippet.language}): {with_lang} vs detected {detected}")
    slowest = max(report.outcomes["language"], key=lambda o: o.seconds, default=None)
    if slowest is not None:
        total = sum(o.seconds for mode in MODES for o in report.outcomes[mode])
        out.append("")
        out.append(
            f"time: {total:.2f} s for {sum(len(v) for v in report.outcomes.values())} checks; "
            f"slowest {slowest.snippet.name} {1000 * slowest.seconds:.0f} ms"
        )
    return "\n".join(out)


def summary(report: Report) -> dict[str, Any]:
    """The numbers as a JSON-able dict (``--json``)."""

    def row(mode: Mode, form: str | None) -> dict[str, Any]:
        t = report.tally(mode, form)
        return {
            "planted": t.planted,
            "caught": t.caught,
            "recall": round(t.recall, 4),
            "recall_today_rules": round(t.recall_today, 4),
            "correct": t.correct,
            "flagged": t.flagged,
            "fp_rate": round(t.fp_rate, 4),
        }

    return {mode: {form or "all": row(mode, form) for form in (*FORMS, None)} for mode in MODES} | {
        "differ": [a.snippet.name for a, _ in report.differing()]
    }


def run(forms: Iterable[str] = FORMS) -> list[Row]:
    """The ``python -m bench`` rows: recall of planted mistakes and the false-positive rate on
    correct snippets, language given (the bars ``tests/codecheck/test_corpus.py`` holds)."""
    report = measure(load_corpus(forms=forms))
    lang, auto = report.tally("language", None), report.tally("auto", None)
    where = f"`python -m bench.codecheck_corpus`; {len(report.outcomes['language'])} snippets"
    return [
        Row(
            "check_code corpus: recall of planted mistakes",
            100 * lang.recall,
            None,
            "%",
            "value",
            98.0,
            f"{where}; {lang.caught} of {lang.planted} (language detected: {100 * auto.recall:.1f}%)",
            better="higher",
        ),
        Row(
            "check_code corpus: correct snippets with a finding",
            100 * lang.fp_rate,
            None,
            "%",
            "value",
            1.0,
            f"{where}; {lang.flagged} of {lang.correct} (language detected: {100 * auto.fp_rate:.1f}%)",
        ),
    ]


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.codecheck_corpus", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--form", choices=FORMS, action="append", help="only these forms (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(list(argv) if argv is not None else None)
    snippets = load_corpus(forms=args.form or FORMS)
    report = measure(snippets)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(summary(report), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
