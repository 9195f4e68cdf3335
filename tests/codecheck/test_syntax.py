"""The parsers: a check keeps nothing of its source once it is over, and a cancelled parse leaves
the next parse on the same thread unaffected."""

from __future__ import annotations

import gc
import time
import tracemalloc

import pytest

from pixapi_mcp.codecheck import CheckTimeout, check_code
from pixapi_mcp.codecheck.syntax import Tree, Unparseable
from tests.codecheck.samples import TEMPLATES, found

# About 100 KB of Python: past the parser's 64 KB chunks, so a parse reads several.
BIG_PYTHON = (TEMPLATES["python"] + "\n\n") * (100_000 // len(TEMPLATES["python"]) + 1)


def _held_after(parses: int, text: str) -> int:
    """Bytes still allocated after ``parses`` parses of new sources (the trees dropped)."""
    Tree(text, "python")  # warm up: the grammar, the parser, the chunk buffer
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(parses):
            Tree(text + f"# {n}\n", "python")  # a new source each time
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_parses_keep_none_of_their_sources() -> None:
    # py-tree-sitter 0.26.1 keeps a reference to each chunk a read callback returns: before the
    # fix every parse kept its source alive for good (here 50 x 100 KB, each chunk read twice).
    held = _held_after(50, BIG_PYTHON)
    assert held < len(BIG_PYTHON), f"{held} bytes still held after 50 parses"


def test_checks_keep_none_of_their_sources() -> None:
    check_code(TEMPLATES["python"], "python")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(100):
            check_code(TEMPLATES["python"] + f"# {n}\n", "python")
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 100 * len(TEMPLATES["python"]) // 4, f"{held} bytes still held after 100 checks"


def test_a_parse_after_a_cancelled_one_reads_its_own_input() -> None:
    # A cancelled tree-sitter parser resumes its half-done parse on the next call unless reset.
    with pytest.raises(CheckTimeout):
        Tree(BIG_PYTHON, "python", deadline=time.monotonic() - 1)
    tree = Tree("def f():\n    return 1\n", "python")
    assert not tree.root.has_error
    assert [child.type for child in tree.root.children] == ["function_definition"]
    assert tree.text(tree.root) == "def f():\n    return 1\n"


def test_a_check_after_a_timed_out_one_finds_what_it_should() -> None:
    with pytest.raises(CheckTimeout):
        check_code(BIG_PYTHON, "python", deadline=time.monotonic() - 1)
    assert found(check_code(TEMPLATES["python"], "python")) == []
    wrong = TEMPLATES["python"].replace("/v1/images/generations", "/v1/images/generations?async=true", 1)
    assert wrong != TEMPLATES["python"]
    assert found(check_code(wrong, "python"))


def test_input_that_is_not_code_is_refused_and_the_parser_recovers() -> None:
    with pytest.raises(Unparseable):
        Tree('"' * 100_000, "node")  # error recovery on a run of quotes is slow: refused
    assert not Tree("const x = 1;\n", "node").root.has_error


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 65_537, 200_001])
def test_every_byte_is_read_at_chunk_edges(size: int) -> None:
    text = ("x = 1\n" * (size // 6 + 1))[:size]
    tree = Tree(text, "python")
    assert tree.root.end_byte == len(text.encode())
    assert tree.text(tree.root) == text
