"""``python -m bench.codecheck_speed``: how long ``check_code`` takes on large and adversarial inputs.

Each case has a stated bound; the table shows the CPU seconds of the check (best of ``--repeats``,
``time.process_time``, so other processes on a shared machine do not count) and the wall time.
Cases:

- the three inputs issue 13 measured on the regex checker (~8 s, >60 s and ~9 s there);
- what the tree-sitter design could make risky: deep nesting (the evaluator recurses), long
  chains of reassignment and concatenation, huge literals and command lines, JSON nested past
  the parser's depth, a helper called thousands of times (each call is a request instantiated);
- 1 MB of code: realistic Python (this project's own modules, with Pixapi recipes spliced in),
  and "dense" files in every language where each few lines are a Pixapi request (a template
  repeated: 1,000+ requests per MB, far denser than real code).

Exits 1 when a case runs over its bound (or raises). ``--quick`` runs small sizes only.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import Row
from pixapi_mcp.codecheck import check_code

REPO = Path(__file__).resolve().parent.parent
MB = 1_000_000


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    language: str | None
    build: Callable[[int], str]  # size scale -> code
    bound_s: float
    note: str = ""


def _repeat(text: str, size: int) -> str:
    return (text * (size // len(text) + 1))[:size]


def _template(language: str) -> str:
    from tests.codecheck.samples import TEMPLATES

    return TEMPLATES[language]


def _realistic_python(size: int) -> str:
    """This project's own Python modules (real code: classes, dicts, calls, strings), with the
    Python recipe (a complete Pixapi program) spliced in every 100 KB."""
    sources = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "pixapi_mcp").rglob("*.py")))
    recipe_page = (REPO / "llms" / "pages" / "recipe-python.md").read_text(encoding="utf-8")
    recipe = recipe_page.split("```python\n", 1)[1].split("```", 1)[0]
    parts: list[str] = []
    total = 0
    while total < size:
        chunk = sources[: 100_000 - len(recipe)]
        parts.extend([chunk, "\n\n", recipe, "\n\n"])
        total += len(chunk) + len(recipe) + 4
        sources = sources[len(chunk) :] or sources
    return "".join(parts)[:size]


def cases(scale: float) -> list[Case]:
    def n(count: int) -> int:
        return max(1, int(count * scale))

    found = [
        Case(
            "issue: 'resp:' + 1,200 spaces",
            "python",
            lambda _: "resp:" + " " * 1200 + "\nx = resp.data[0].url",
            0.1,
            "~8 s before",
        ),
        Case(
            "issue: 100 KB dotted chain",
            "node",
            lambda _: "x = a" + ".b" * n(50_000) + ";\n",
            1.0,
            ">60 s before",
        ),
        Case(
            "issue: 2,000 auth dict lines",
            "python",
            lambda _: "".join(f'h = {{"Authorization": key{i}}}\n' for i in range(n(2000))),
            0.5,
            "~9 s before",
        ),
        Case(
            "5,000-deep parentheses",
            "node",
            lambda _: "x = " + "(" * n(5000) + "1" + ")" * n(5000) + ";\n",
            0.5,
        ),
        Case(
            "20,000-term concatenation",
            "python",
            lambda _: "s = " + " + ".join(['"a"'] * n(20_000)) + "\n",
            0.5,
        ),
        Case(
            "3,000 self-reassignments",
            "python",
            lambda _: 'a = "x"\n' + 'a = a + "/v1/"\n' * n(3000) + "import requests\nrequests.post(a)\n",
            0.5,
        ),
        Case("JSON nested 20,000 deep", "json", lambda _: "[" * n(20_000) + "]" * n(20_000), 0.1, "refused"),
        Case(
            "JSON body string, 20,000 keys",
            "python",
            lambda _: (
                'import requests\nrequests.post("https://api.pixapi.ai/v1/images/generations", data="{'
                + ", ".join(f'\\"k{i}\\": {i}' for i in range(n(20_000)))
                + '}")\n'
            ),
            1.0,
        ),
        Case(
            "1 MB single curl command",
            "curl",
            lambda size: (
                "curl " + "-H 'a: b' " * (size // 10) + "https://api.pixapi.ai/v1/images/generations\n"
            ),
            1.5,
        ),
        Case(
            "helper called 5,000 times",
            "python",
            lambda _: (
                'import requests\ndef post(p, b):\n    return requests.post("https://api.pixapi.ai" + p, json=b, '
                'headers={"Authorization": "Bearer x"})\n'
                + "".join(
                    f'post("/v1/images/generations", {{"model": "nano-banana", "prompt": "p{i}"}})\n'
                    for i in range(n(5000))
                )
            ),
            2.0,
        ),
        Case("1 MB realistic Python", "python", _realistic_python, 1.0, "this project's modules + recipes"),
    ]
    for language in ("python", "node", "curl", "go", "java", "php"):
        found.append(
            Case(
                f"1 MB dense {language}",
                language,
                lambda size, lang=language: _repeat(_template(lang), size),
                2.5,
                "a request every few lines",
            )
        )
    found.append(
        Case("1 MB dense python, no language", None, lambda size: _repeat(_template("python"), size), 2.5)
    )
    return found


def measure(case: Case, size: int, repeats: int) -> tuple[float, float, int | str]:
    code = case.build(size)
    best_cpu = best_wall = float("inf")
    outcome: int | str = 0
    for _ in range(repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            outcome = len(check_code(code, case.language))
        except ValueError as exc:
            outcome = f"refused: {str(exc)[:40]}"
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall, outcome


def run(scale: float = 1.0, repeats: int = 2) -> list[Row]:
    """The ``python -m bench`` row: every case's CPU time against its bound, the worst shown."""
    size = int(MB * scale)
    shares: list[tuple[float, Case, float]] = []
    for case in cases(scale):
        cpu, _, _ = measure(case, size, repeats)
        shares.append((cpu / case.bound_s, case, cpu))
    worst, case, cpu = max(shares, key=lambda item: item[0])
    within = sum(1 for share, _, _ in shares if share <= 1.0)
    return [
        Row(
            "check_code on 1 MB and adversarial inputs: CPU time of the worst case / its bound",
            worst,
            None,
            "x",
            "value",
            1.0,
            f"`python -m bench.codecheck_speed`; {within} of {len(shares)} cases within their bound at "
            f"{size:,} characters; worst: {case.name} ({case.language or 'detected'}), {cpu:.2f} s CPU of "
            f"{case.bound_s:g} s; best of {repeats}",
            {c.name: round(t, 3) for _, c, t in shares},
        )
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.codecheck_speed", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes (proves it runs; the bounds are for full size)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    scale = 0.02 if args.quick else 1.0
    size = int(MB * scale)
    print(f"{'case':34} {'lang':7} {'size':>9} {'bound':>6} {'cpu s':>7} {'wall s':>7}  result")
    print("-" * 96)
    over = 0
    for case in cases(scale):
        cpu, wall, outcome = measure(case, size, 1 if args.quick else args.repeats)
        length = len(case.build(size))
        ok = cpu <= case.bound_s
        over += 0 if ok or args.quick else 1
        mark = "" if ok else "  OVER"
        shown = f"{outcome} findings" if isinstance(outcome, int) else outcome
        note = f" ({case.note})" if case.note else ""
        print(
            f"{case.name:34} {case.language or 'auto':7} {length:>9,} {case.bound_s:>6.1f} {cpu:>7.3f} {wall:>7.3f}  "
            f"{shown}{note}{mark}"
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
