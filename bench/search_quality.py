"""How well ``search_docs`` answers: ``python -m bench.search_quality`` (``-v`` lists every
question, ``--fit`` refits the confidence model and prints the constants to paste into
``pixapi_mcp/docs/search.py``).

On the question set (tests/docs/questions.toml; the search was tuned on it and the confidence
model is fitted on it) and on held-out questions (tests/docs/holdout.toml; never tuned on), it
prints:

- top-1 section accuracy on answerable questions (the best hit is one of the expected sections),
  and how many of those are also marked covered (confidence at or above the threshold);
- for questions the docs cannot answer, how many get the "not covered" answer;
- per language;
- the time of one search on adversarial queries at the tool's limit (2,000 characters) and at
  50 times that, to show it grows linearly;
- calibration of the per-hit confidence over the top five hits (a hit is right when it is an
  expected section; every hit of an unanswerable question is wrong): Brier score and a
  reliability table (mean confidence against the share right, per confidence band).

``tests/docs/test_search_quality.py`` asserts the bar on the same numbers.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Row
from pixapi_mcp.docs import DocsBundle
from pixapi_mcp.docs.search import COVERED_THRESHOLD, Features, SearchIndex, _confidence  # pyright: ignore[reportPrivateUsage]

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "tests" / "docs" / "questions.toml"
HOLDOUT = REPO / "tests" / "docs" / "holdout.toml"
NOT_COVERED = "not-covered"
HITS = 5  # hits per question that the calibration looks at


@dataclass(frozen=True)
class Question:
    q: str
    expect: tuple[str, ...]  # page#anchor, or empty when the docs do not cover it
    lang: str

    @property
    def answerable(self) -> bool:
        return bool(self.expect)


def load(path: Path = QUESTIONS) -> list[Question]:
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["question"]
    return [
        Question(
            q=row["q"],
            expect=() if row["expect"] == NOT_COVERED else tuple(row["expect"]),
            lang=row["lang"],
        )
        for row in rows
    ]


@dataclass
class Outcome:
    question: Question
    top: str  # page#anchor of the best hit, or "" when there is none
    confidence: float  # of the best hit (0 when there is none)
    hits: list[tuple[str, Features, float]]  # page#anchor, features, confidence

    @property
    def right(self) -> bool:
        return self.top in self.question.expect

    @property
    def covered(self) -> bool:
        return bool(self.top) and self.confidence >= COVERED_THRESHOLD


@dataclass
class Report:
    outcomes: list[Outcome]
    by_lang: dict[str, tuple[int, int]] = field(default_factory=dict[str, tuple[int, int]])

    @property
    def answerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.question.answerable]

    @property
    def unanswerable(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question.answerable]

    @property
    def top1(self) -> float:
        return sum(o.right for o in self.answerable) / max(1, len(self.answerable))

    @property
    def right_and_covered(self) -> float:
        return sum(o.right and o.covered for o in self.answerable) / max(1, len(self.answerable))

    @property
    def flagged(self) -> float:
        """Share of unanswerable questions that get the "not covered" answer."""
        return sum(not o.covered for o in self.unanswerable) / max(1, len(self.unanswerable))

    def answerable_samples(self) -> list[tuple[tuple[float, ...], bool]]:
        """One per question with hits: its question features, and whether the docs answer it."""
        return [(o.hits[0][1][0], o.question.answerable) for o in self.outcomes if o.hits]

    def right_samples(self) -> list[tuple[tuple[float, ...], bool]]:
        """One per hit of an answerable question: its hit features, and whether it is a right section."""
        return [
            (features[1], uri in o.question.expect) for o in self.answerable for uri, features, _ in o.hits
        ]

    def brier(self) -> float:
        rows = [(conf, uri in o.question.expect) for o in self.outcomes for uri, _, conf in o.hits]
        return sum((c - float(y)) ** 2 for c, y in rows) / max(1, len(rows))

    def reliability(self) -> list[tuple[str, int, float, float]]:
        """(band, hits, mean confidence, share right) per confidence band."""
        bands = [(0.0, 0.1), (0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)]
        rows = [(conf, uri in o.question.expect) for o in self.outcomes for uri, _, conf in o.hits]
        table: list[tuple[str, int, float, float]] = []
        for low, high in bands:
            inside = [(c, y) for c, y in rows if low <= c < high]
            if inside:
                table.append(
                    (
                        f"{low:.1f}-{min(high, 1.0):.1f}",
                        len(inside),
                        sum(c for c, _ in inside) / len(inside),
                        sum(y for _, y in inside) / len(inside),
                    )
                )
        return table


def evaluate(questions: Sequence[Question], index: SearchIndex | None = None) -> Report:
    index = index or SearchIndex(DocsBundle())
    outcomes: list[Outcome] = []
    for question in questions:
        hits = [
            (uri.removeprefix("pixapi://docs/"), features, _confidence(features))
            for uri, features in index.features(question.q, limit=HITS)
        ]
        top, confidence = (hits[0][0], hits[0][2]) if hits else ("", 0.0)
        outcomes.append(Outcome(question, top, confidence, hits))
    report = Report(outcomes)
    for lang in sorted({q.lang for q in questions}):
        mine = [o for o in outcomes if o.question.lang == lang]
        good = sum(o.right and o.covered if o.question.answerable else not o.covered for o in mine)
        report.by_lang[lang] = (good, len(mine))
    return report


def fit(samples: Sequence[tuple[tuple[float, ...], bool]], l2: float = 0.1, rounds: int = 50) -> list[float]:
    """Logistic regression (bias first) by Newton's method with a little L2 on the weights: the
    confidence model's constants."""
    xs = [[1.0, *features] for features, _ in samples]
    ys = [1.0 if y else 0.0 for _, y in samples]
    size = len(xs[0]) if xs else 1
    w = [0.0] * size
    for _ in range(rounds):
        grad = [0.0] * size
        hess = [[0.0] * size for _ in range(size)]
        for x, y in zip(xs, ys, strict=True):
            z = max(-30.0, min(30.0, sum(wi * xi for wi, xi in zip(w, x, strict=True))))
            p = 1.0 / (1.0 + math.exp(-z))
            for i in range(size):
                grad[i] += (p - y) * x[i]
                for j in range(size):
                    hess[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(1, size):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrices here are 5x5)."""
    n = len(b)
    m = [[*row, rhs] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [v - factor * p for v, p in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] if abs(m[i][i]) >= 1e-12 else 0.0 for i in range(n)]


def summary(name: str, report: Report) -> list[str]:
    answerable, unanswerable = report.answerable, report.unanswerable
    lines = [
        f"{name}: {len(report.outcomes)} questions, {len(answerable)} answerable, {len(unanswerable)} not covered",
        f"  top-1 section accuracy (answerable): {report.top1:.1%} ({sum(o.right for o in answerable)}/{len(answerable)})",
        f"  right and marked covered:            {report.right_and_covered:.1%}",
        f"  not-covered answer (unanswerable):   {report.flagged:.1%} "
        f"({sum(not o.covered for o in unanswerable)}/{len(unanswerable)}); "
        f"highest top confidence among them: {max((o.confidence for o in unanswerable), default=0):.3f}",
        f"  threshold {COVERED_THRESHOLD}; Brier score of per-hit confidence: {report.brier():.3f}",
        "  per language (right and covered, or flagged): "
        + ", ".join(f"{lang} {good}/{total}" for lang, (good, total) in report.by_lang.items()),
        "  reliability (band: hits, mean confidence, share right): "
        + "; ".join(f"{band}: {n}, {mean:.2f}, {share:.2f}" for band, n, mean, share in report.reliability()),
    ]
    return lines


ADVERSARIAL: dict[str, str] = {
    "unknown Han characters": "龘",
    "known Chinese terms": "视频异步任务",
    "one long German-like word": "bildbearbeitung",
    "dotted chain": "a.",
    "model names with spaces": "nano banana pro ",
    "code-like text": 'resp: {"model": "veo", "seconds": 8} ',
    "English question": "how do I poll a video task and read the url ",
}


def timings(index: SearchIndex, sizes: Sequence[int] = (2_000, 100_000), repeats: int = 5) -> list[str]:
    """Median milliseconds per search for each adversarial query at each size."""
    index.search("warm up")
    lines: list[str] = []
    for name, unit in ADVERSARIAL.items():
        cells: list[str] = []
        for size in sizes:
            query = (unit * (size // len(unit) + 1))[:size]
            runs: list[float] = []
            for _ in range(repeats):
                start = time.perf_counter()
                index.search(query)
                runs.append((time.perf_counter() - start) * 1000)
            cells.append(f"{size:,} chars {statistics.median(runs):.1f} ms")
        lines.append(f"  {name}: " + ", ".join(cells))
    return lines


SPEED_GOAL_MS = 0.4  # issue 14: per search_docs query


def query_times(index: SearchIndex, questions: Sequence[Question], rounds: int) -> list[float]:
    """Milliseconds per query over the whole question set, once per round (after a warm-up pass
    that builds the index)."""
    for question in questions:
        index.search(question.q)
    times: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        for question in questions:
            index.search(question.q)
        times.append((time.perf_counter() - start) * 1000 / len(questions))
    return times


def run(rounds: int = 15) -> list[Row]:
    """The ``python -m bench`` rows: search time per query, and the quality bars
    ``tests/docs/test_search_quality.py`` holds."""
    index = SearchIndex(DocsBundle())
    questions, held_out = load(QUESTIONS), load(HOLDOUT)
    times = query_times(index, questions, rounds)
    report, other = evaluate(questions, index), evaluate(held_out, index)
    unanswerable = report.unanswerable
    return [
        Row(
            "search_docs per query (the question set)",
            statistics.median(times),
            None,
            "ms",
            "value",
            SPEED_GOAL_MS,
            f"{len(questions)} questions, one pass per round, {rounds} rounds; the index is built before",
            rounds=times,
        ),
        Row(
            "search_docs top-1 section accuracy (answerable questions)",
            100 * report.top1,
            None,
            "%",
            "value",
            90.0,
            f"`python -m bench.search_quality`; {len(report.answerable)} answerable questions; held out: "
            f"{100 * other.top1:.1f}%; {sum(not o.covered for o in unanswerable)} of {len(unanswerable)} "
            'unanswerable questions answered "not covered"',
            better="higher",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every question")
    parser.add_argument("--fit", action="store_true", help="refit the confidence model on questions.toml")
    args = parser.parse_args(argv)
    index = SearchIndex(DocsBundle())
    reports = {"question set": evaluate(load(QUESTIONS), index), "held out": evaluate(load(HOLDOUT), index)}
    for name, report in reports.items():
        print("\n".join(summary(name, report)))
        if args.verbose:
            for o in report.outcomes:
                mark = (
                    ("ok " if o.right else "BAD")
                    if o.question.answerable
                    else ("NC " if not o.covered else "MISS")
                )
                print(f"    {mark} {o.confidence:.2f} {o.question.q[:60]!r} -> {o.top or '-'}")
    print("search time, median of 5 (the tool accepts up to 2,000 characters):")
    print("\n".join(timings(index)))
    if args.fit:
        report = reports["question set"]
        for name, samples in (
            ("_ANSWERABLE_WEIGHTS", report.answerable_samples()),
            ("_RIGHT_WEIGHTS", report.right_samples()),
        ):
            print(f"{name} = (" + ", ".join(f"{w:.2f}" for w in fit(samples)) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
