"""The parsers: tree-sitter with its published grammars, one per language the checker reads.

The grammars are wheels (``tree-sitter-python`` and friends, declared in pyproject.toml), so they
ship with the package and nothing is fetched at run time. Parsing is linear in the input; a parser
is made once per language and thread (``tree_sitter.Parser`` is not shared between threads).

``Tree`` wraps a parse: the source bytes, node text and line helpers, the comment-blanked lines,
and ``captures`` (a tree-sitter query run in C, so the checker visits only the node kinds it needs
instead of walking every node in Python).
"""

from __future__ import annotations

import threading
import time
from functools import cache
from typing import Literal

import tree_sitter

SourceLanguage = Literal["curl", "python", "node", "go", "java", "php"]


def _grammar(language: SourceLanguage, typescript: bool) -> object:
    # Imported here: each grammar is a compiled module; load only the ones a check needs.
    if language == "python":
        import tree_sitter_python

        return tree_sitter_python.language()
    if language == "node":
        if typescript:
            import tree_sitter_typescript

            return tree_sitter_typescript.language_typescript()
        import tree_sitter_javascript

        return tree_sitter_javascript.language()
    if language == "go":
        import tree_sitter_go

        return tree_sitter_go.language()
    if language == "java":
        import tree_sitter_java

        return tree_sitter_java.language()
    if language == "php":
        import tree_sitter_php

        return tree_sitter_php.language_php()
    import tree_sitter_bash

    return tree_sitter_bash.language()


@cache
def grammar(language: SourceLanguage, typescript: bool = False) -> tree_sitter.Language:
    return tree_sitter.Language(_grammar(language, typescript))


_local = threading.local()


def _parser(language: SourceLanguage, typescript: bool) -> tree_sitter.Parser:
    parsers: dict[tuple[str, bool], tree_sitter.Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = {}
        _local.parsers = parsers
    key = (language, typescript)
    if key not in parsers:
        parsers[key] = tree_sitter.Parser(grammar(language, typescript))
    return parsers[key]


@cache
def _query(language: SourceLanguage, typescript: bool, source: str) -> tree_sitter.Query:
    return tree_sitter.Query(grammar(language, typescript), source)


Node = tree_sitter.Node


class CheckTimeout(Exception):
    """A check ran past its deadline."""


class Unparseable(ValueError):
    """The input could not be parsed within the time its size allows: tree-sitter's error recovery
    is slow on input that is not code (a run of quotes, thousands of stray braces)."""

    def __init__(self, language: str) -> None:
        super().__init__(
            f"This input could not be read as {language} code in the time its size allows (unbalanced "
            "quotes or brackets, or not code at all): check a complete, well-formed file or function."
        )


# Parsing real code is linear and fast (about 0.2 s per MB here); input that takes much longer is
# not code (a run of quotes, say), and is refused rather than waited on.
_SECONDS_PER_MB = 1.0
_MIN_SECONDS = 0.25


def work_deadline(size: int) -> float:
    """When parsing ``size`` bytes must be done by."""
    return time.monotonic() + _MIN_SECONDS + _SECONDS_PER_MB * size / 1_000_000


# Every byte but line breaks becomes a space: a blanked comment keeps the line numbers.
_BLANK = bytes(b if b in (10, 13) else 32 for b in range(256))

# Node kinds that are comments, per grammar (PHP and Java name them differently).
_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})


# tree-sitter's queries slow down sharply over an error node with many children (a whole file
# that failed to parse as one unit, or thousands of stray "{"): such nodes are queried child by
# child instead, which is linear.
_WIDE_ERROR = 64


def _query_roots(root: Node) -> list[Node]:
    """The nodes to run a query on so that no wide error node is queried as a whole."""
    if not root.has_error:
        return [root]
    wide = root.type == "ERROR" and root.child_count > _WIDE_ERROR
    children = root.children
    if not wide and not any(c.type == "ERROR" and c.child_count > _WIDE_ERROR for c in children):
        return [root]
    roots: list[Node] = []
    for child in children:
        if child.type == "ERROR" and child.child_count > _WIDE_ERROR:
            roots.extend(c for c in child.children if c.is_named)
        elif child.is_named:
            roots.append(child)
    return roots


# py-tree-sitter 0.26.1 keeps one reference to every object the read callback of ``Parser.parse``
# returns (it releases the buffer view but not the object), so returning slices of the source
# would keep every checked source alive for good. The callback instead copies each chunk into a
# buffer taken from this pool and returns that buffer: the leaked references pile up on a few
# long-lived buffers (bounded by how many parses ever ran at once), never on a source. Resizing a
# buffer for the last, short chunk is allowed because the binding releases its view of the
# previous chunk before it asks for the next.
_CHUNK = 65_536
_buffers: list[bytearray] = []


class _Reader:
    """The read callback of one parse (see ``_buffers``)."""

    __slots__ = ("_buf", "_src")

    def __init__(self, src: bytes) -> None:
        self._src = src
        try:
            self._buf: bytearray | None = _buffers.pop()
        except IndexError:  # every pooled buffer is in use
            self._buf = bytearray(_CHUNK)

    def __call__(self, offset: int, _point: object) -> bytes | bytearray:
        buf = self._buf
        if buf is None:  # after the parse (the tree keeps its callback for ``Node.text``)
            return self._src[offset : offset + _CHUNK]
        buf[:] = memoryview(self._src)[offset : offset + _CHUNK]
        return buf

    def done(self) -> None:
        """Give the buffer back to the pool once the parse is over."""
        if self._buf is not None:
            _buffers.append(self._buf)
            self._buf = None


class Tree:
    """One parsed source: bytes, root node and helpers that give text and lines of nodes."""

    def __init__(
        self, text: str, language: SourceLanguage, typescript: bool = False, deadline: float | None = None
    ) -> None:
        self.language: SourceLanguage = language
        self.typescript = typescript
        try:
            self.src = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates (from a JSON-decoded string, say)
            self.src = text.encode("utf-8", "surrogatepass")
        src = self.src
        allowed = work_deadline(len(src))
        stop = allowed if deadline is None else min(allowed, deadline)

        def cancel(*_state: object) -> bool:
            # A bool: py-tree-sitter 0.26.1 never releases what this returns (upstream #483), and
            # True and False are shared objects.
            return time.monotonic() > stop

        parser = _parser(language, typescript)
        reader = _Reader(src)
        try:  # a parse read in chunks can be cancelled (a parse of one bytestring cannot)
            self.tree = parser.parse(reader, progress_callback=cancel)
        except ValueError:
            # A cancelled parser keeps its half-done parse and resumes it on the next call, even on
            # other input: start the next parse on this thread from scratch.
            parser.reset()
            if deadline is not None and deadline <= allowed:
                raise CheckTimeout from None  # the caller's budget ran out
            raise Unparseable("shell" if language == "curl" else language) from None
        finally:
            reader.done()
        self.root: Node = self.tree.root_node

    def text(self, node: Node) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    @staticmethod
    def line(node: Node) -> int:
        return node.start_point.row

    def captures(self, query: str) -> dict[str, list[Node]]:
        """The nodes ``query`` captures, by capture name, in source order."""
        compiled = _query(self.language, self.typescript, query)
        roots = _query_roots(self.root)
        if len(roots) == 1:
            found = tree_sitter.QueryCursor(compiled).captures(roots[0])
            return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in found.items()}
        merged: dict[str, list[Node]] = {}
        cursor = tree_sitter.QueryCursor(compiled)
        for node in roots:
            for name, nodes in cursor.captures(node).items():
                merged.setdefault(name, []).extend(nodes)
        return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in merged.items()}

    def comment_query(self) -> str:
        """A query capturing every comment as ``@c``."""
        return "\n".join(f"({kind}) @c" for kind in sorted(_COMMENTS) if _has_kind(self, kind))

    def blanked_lines(self, count: int, comments: list[Node]) -> list[str]:
        """The source lines with each of ``comments`` replaced by spaces (line numbers kept)."""
        data = bytearray(self.src)
        for node in comments:
            data[node.start_byte : node.end_byte] = data[node.start_byte : node.end_byte].translate(_BLANK)
        lines = bytes(data).decode("utf-8", "replace").splitlines()
        return lines + [""] * (count - len(lines))

    def error_ratio(self) -> float:
        """How much of the source the grammar could not parse (0 = all of it parsed)."""
        if not self.src or not self.root.has_error:
            return 0.0
        if self.root.type == "ERROR":
            return 1.0  # the file did not parse as one unit
        bad = 0
        for node in self.captures("(ERROR) @e").get("e", []):
            bad += node.end_byte - node.start_byte
        return bad / len(self.src)


def _has_kind(tree: Tree, kind: str) -> bool:
    return grammar(tree.language, tree.typescript).id_for_node_kind(kind, True) is not None
