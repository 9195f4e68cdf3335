"""Value tracking inside one file: the part every language reader shares.

A reader (``lang_*``) indexes its tree once (``index``): where each name is bound (assignments,
parameters, loop variables), which functions the file defines and what they return, and the
in-place changes to a variable (``payload["seconds"] = 5``, ``req.Header.Set(...)``,
``curl_setopt($ch, ...)``). ``Program.value`` then evaluates an expression node to a ``Value``:
a name resolves to its last binding before the use in the nearest scope that has one, with the
changes made to it since applied; a call to a simple local helper is inlined with its arguments
bound to its parameters.

Requests are judged one by one. A request sent inside a helper whose URL, headers or body depend
on the helper's parameters is instantiated at each call site of the helper (``requests``), so
``post("/v1/images/edits", body)`` is judged with its own path and body.

Bounded: every evaluation step counts against a budget proportional to the input, cycles between
bindings are cut, and inlining goes at most ``MAX_DEPTH`` calls deep, so the work stays linear in
the size of the input whatever it contains.

Why this module is long: bindings, scopes, changes and helper instantiation are one mechanism (value tracking); each part calls the others.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from pixapi_mcp.codecheck.request import Request
from pixapi_mcp.codecheck.syntax import CheckTimeout, Node, Tree
from pixapi_mcp.codecheck.values import Obj, Resp, Str, Unknown, Value, literal, unescape

MAX_DEPTH = 3
# How deep one evaluation may nest (an expression inside an expression, a binding resolved through
# another): deeper values are unknown. Far below Python's recursion limit, whatever the input.
MAX_NESTING = 120
# The most elements read from one argument list, object or array literal: bodies and calls are
# short, so a 100,000-element literal costs no more than a realistic one.
MAX_ITEMS = 512


@dataclass(frozen=True, slots=True, eq=False)
class Binding:
    """``name`` bound at ``pos`` in ``scope`` to the value of ``node`` (or to ``value``)."""

    pos: int
    scope: int
    node: Node | None = None
    value: Value | None = None
    param_of: int | None = None  # the function (by position) whose parameter this is
    index: int | None = None  # take this element of a tuple/array value (destructuring)
    key: str | None = None  # take this field (JS destructuring ``const { id } = ...``)
    out: bool = False  # written through a pointer argument of the call ``node`` (Go ``&task``)


@dataclass(frozen=True, slots=True, eq=False)
class Mutation:
    """An in-place change of a variable: a field set (``key``), a merge, or a method call."""

    pos: int
    scope: int
    kind: Literal["set", "merge", "call", "append"]
    line: int
    key: str | None = None
    node: Node | None = None
    args: tuple[Node, ...] = ()


@dataclass(eq=False)
class Function:
    name: str
    node: Node
    params: list[str]
    defaults: dict[str, Node] = field(default_factory=dict[str, Node])
    returns: list[Node] = field(default_factory=list[Node])
    rest: str | None = None  # the parameter that collects the remaining arguments (``*parts``)

    @property
    def pos(self) -> int:
        return self.node.start_byte


@dataclass(frozen=True, slots=True, eq=False)
class Read:
    """A chain of field reads on a value: ``task["result"]["data"][0]["url"]`` is the root node
    ``task`` with keys ``("result", "data", 0, "url")``."""

    line: int
    root: Node
    keys: tuple[str | int, ...]
    root_text: str


@dataclass(frozen=True, slots=True, eq=False)
class Ctx:
    """Where an expression is evaluated: parameter values of the inlined call, if any."""

    func: Function | None = None
    bindings: dict[str, Value] | None = None
    depth: int = 0
    via: int | None = None  # the call site that instantiated this context
    serial: int = 0  # tells contexts apart for memoisation (0: no parameters bound)

    def bound(self, name: str) -> Value | None:
        return self.bindings.get(name) if self.bindings is not None else None


TOP = Ctx()


class Program:
    """A parsed file with its bindings, helpers and changes indexed; subclasses read one language."""

    def __init__(self, tree: Tree, deadline: float | None = None) -> None:
        self.tree = tree
        self.deadline = deadline
        self.bindings: dict[str, list[Binding]] = {}
        self.mutations: dict[str, list[Mutation]] = {}
        self.functions: dict[str, Function] = {}
        self.calls_of: dict[str, list[Node]] = {}  # local helper name -> its call sites
        self.scopes: list[tuple[int, int, int]] = []  # (start, end, function pos), sorted by start
        self.budget = max(200_000, len(tree.src) // 2)
        self.truncated = False
        self._memo: dict[tuple[int, int], tuple[Value, frozenset[int]]] = {}
        self._requests: dict[tuple[int, int], tuple[Request | None, frozenset[int]]] = {}
        self._active: set[tuple[int, int]] = set()
        self._touched: set[int] = set()
        self._serial = 0
        self._nesting = 0
        self._functions_at: dict[int, Function] = {}
        self._scope_parent: list[int] = []
        # One query run, in C, for everything the reader and the checks need: each run walks the tree.
        self.found = tree.captures(
            "\n".join((self.QUERY, self.STRING_PIECES, self.OBJECT_LITERALS, tree.comment_query()))
        )
        # Names resolve to nothing while indexing (a key written as an f-string, say).
        self._by_scope: dict[tuple[str, int], tuple[list[int], list[Binding]]] = {}
        self._changes_by_scope: dict[tuple[str, int], tuple[list[int], list[Mutation]]] = {}
        self.index()
        self.finish_scopes()
        self._memo.clear()
        self._requests.clear()
        self._by_scope = _group(self.bindings)
        self._changes_by_scope = _group(self.mutations)
        self._sites: list[Node] | None = None
        self._site_starts: list[int] = []
        self._strings: list[Str] | None = None

    # -- what a language reader provides ---------------------------------------------------------

    QUERY = ""  # the reader's node kinds, as a tree-sitter query with named captures

    def index(self) -> None:
        raise NotImplementedError

    def eval_node(self, node: Node, ctx: Ctx) -> Value:
        raise NotImplementedError

    def send_sites(self) -> list[Node]:
        """Calls that may send a request."""
        raise NotImplementedError

    def build_request(self, node: Node, ctx: Ctx) -> Request | None:
        raise NotImplementedError

    def apply_mutation(self, value: Value, mutation: Mutation, ctx: Ctx) -> Value:
        return value

    def out_value(self, call: Node | None, ctx: Ctx) -> Value:
        """What a call writes through a pointer argument (only Go has them)."""
        return Unknown("", 0)

    def reads(self) -> list[Read]:
        """Every chain of field reads (outermost only)."""
        raise NotImplementedError

    def outermost(
        self, nodes: list[Node], unroll: Callable[[Node, list[str | int], set[int]], Node | None]
    ) -> list[Read]:
        """Reads for the outermost chains among ``nodes``: each chain is unrolled once, and the
        pieces it passes through are not read again (no parent lookups, which cost a walk from
        the root in tree-sitter)."""
        found: list[Read] = []
        seen: set[int] = set()
        for node in sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte)):
            if node.id in seen:
                continue
            keys: list[str | int] = []
            root = unroll(node, keys, seen)
            if root is None or not keys:
                continue
            keys.reverse()
            found.append(Read(self.tree.line(node), root, tuple(keys), self.tree.text(root)[:60]))
        return found

    # The node kinds holding the text of string literals (their content, without quotes).
    STRING_PIECES = "(string_content) @s"
    # The node kinds of object/dict/map literals.
    OBJECT_LITERALS = "(dictionary) @o"

    def strings(self) -> list[Str]:
        """Every piece of literal string text that could hold a path or URL (it has a ``/``), with
        its line; computed once."""
        if self._strings is not None:
            return self._strings
        found: list[Str] = []
        src = self.tree.src
        for node in self.found.get("s", []):
            if src.find(b"/", node.start_byte, node.end_byte) < 0:
                continue
            text = self.tree.text(node)
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
                text = text[1:-1]
            found.append(literal(unescape(text), self.tree.line(node), node.start_byte))
        self._strings = found
        return found

    def objects(self, skip_lines: frozenset[int] = frozenset()) -> list[Obj]:
        """Every outermost object literal that names a ``model``, evaluated where it is written
        (except those starting on ``skip_lines``: bodies already judged with their request)."""
        found: list[Obj] = []
        covered = -1
        for node in self.found.get("o", []):
            if node.start_byte < covered or self.tree.src.find(b"model", node.start_byte, node.end_byte) < 0:
                continue
            if node.start_point.row in skip_lines:
                covered = node.end_byte
                continue
            covered = node.end_byte
            self._touched.clear()
            value = self.value(node, TOP)
            if isinstance(value, Obj):
                found.append(value)
        return found

    @staticmethod
    def items(node: Node) -> list[Node]:
        """The first ``MAX_ITEMS`` named children of ``node``."""
        children = node.named_children
        return children[:MAX_ITEMS] if len(children) > MAX_ITEMS else children

    # -- indexing helpers ------------------------------------------------------------------------

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def mutate(self, name: str, mutation: Mutation) -> None:
        self.mutations.setdefault(name, []).append(mutation)

    def add_function(self, function: Function, body: Node) -> None:
        self.functions.setdefault(function.name, function)
        self._functions_at[function.pos] = function
        self.scopes.append((body.start_byte, body.end_byte, function.pos))

    def finish_scopes(self) -> None:
        """Sort the function scopes and link each to the one enclosing it (they nest), so finding
        the scopes around a position is a binary search and a walk up, not a scan."""
        self.scopes.sort()
        self._scope_starts = [s for s, _, _ in self.scopes]
        parents: list[int] = []
        stack: list[int] = []
        for index, (start, _, _) in enumerate(self.scopes):
            while stack and self.scopes[stack[-1]][1] <= start:
                stack.pop()
            parents.append(stack[-1] if stack else -1)
            stack.append(index)
        self._scope_parent = parents

    def scope_of(self, pos: int) -> int:
        """The innermost function (by its position) containing ``pos``; 0 at module level."""
        chain = self.scope_chain(pos)
        return chain[0] if chain else 0

    def scope_chain(self, pos: int) -> list[int]:
        """The functions containing ``pos``, innermost first."""
        found: list[int] = []
        index = bisect.bisect_right(self._scope_starts, pos) - 1 if self.scopes else -1
        while index >= 0 and len(found) < 8:
            start, end, fn = self.scopes[index]
            if start <= pos < end:
                found.append(fn)
            index = self._scope_parent[index] if index < len(self._scope_parent) else -1
        return found

    def function_at(self, pos: int) -> Function | None:
        chain = self.scope_chain(pos)
        return self._functions_at.get(chain[0]) if chain else None

    def index_returns(self, nodes: list[Node]) -> None:
        """Record each captured ``return`` statement's value on the function it returns from."""
        for node in nodes:
            function = self.function_at(node.start_byte)
            if function is not None and node.named_child_count:
                function.returns.append(node.named_children[0])

    # -- evaluation -----------------------------------------------------------------------------

    def value(self, node: Node | None, ctx: Ctx = TOP) -> Value:
        if node is None:
            return Unknown("", 0)
        self.budget -= 1
        if self.deadline is not None and not self.budget & 1023 and time.monotonic() > self.deadline:
            raise CheckTimeout
        if self.budget < 0 or self._nesting >= MAX_NESTING:
            self.truncated = True
            return Unknown("", self.tree.line(node))
        self._nesting += 1
        try:
            return self.eval_node(node, ctx)
        finally:
            self._nesting -= 1

    def resolve(self, name: str, node: Node, ctx: Ctx) -> Value:
        """The value ``name`` holds where ``node`` uses it."""
        bound = ctx.bound(name)
        if bound is not None:
            return bound
        pos = node.start_byte
        line = self.tree.line(node)
        if name not in self.bindings:
            return Unknown(name, line)
        chain = [*self.scope_chain(pos), 0]
        for scope in chain:
            group = self._by_scope.get((name, scope))
            if group is None:
                continue
            positions, in_scope = group
            at = bisect.bisect_left(positions, pos)
            binding = in_scope[at - 1] if at > 0 else (in_scope[0] if scope == 0 else None)
            if binding is None:
                continue
            if binding.param_of is not None:
                if ctx.func is not None and ctx.func.pos == binding.param_of and ctx.bindings is not None:
                    return Unknown(name, line, param=True)
                self._touched.add(binding.param_of)
                return Unknown(name, line, param=True)
            value = self._binding_value(name, binding, ctx if scope != 0 else TOP)
            return self._mutated(name, binding, value, pos, ctx)
        return Unknown(name, line)

    def _binding_value(self, name: str, binding: Binding, ctx: Ctx) -> Value:
        if binding.value is not None:
            return binding.value
        key = (id(binding), ctx.serial)
        if key in self._memo:
            value, touched = self._memo[key]
            self._touched.update(touched)  # a memoized value still depends on the same parameters
            return value
        if key in self._active:
            return Unknown(name, self.tree.line(binding.node) if binding.node else 0)
        self._active.add(key)
        outer, self._touched = self._touched, set[int]()
        try:
            value = self.out_value(binding.node, ctx) if binding.out else self.value(binding.node, ctx)
            if binding.index is not None:
                value = self.element(value, binding.index)
            if binding.key is not None:
                value = self.member(value, binding.key)
        finally:
            self._active.discard(key)
            inner, self._touched = self._touched, outer
            self._touched.update(inner)
        self._memo[key] = (value, frozenset(inner))
        return value

    def _mutated(self, name: str, binding: Binding, value: Value, pos: int, ctx: Ctx) -> Value:
        group = self._changes_by_scope.get((name, binding.scope))
        if group is None:
            return value
        positions, changes = group
        first = bisect.bisect_right(positions, binding.pos)
        last = bisect.bisect_left(positions, pos)
        for mutation in changes[first : min(last, first + 64)]:  # a bounded number of changes
            value = self.apply_mutation(value, mutation, ctx)
        return value

    def changes(self, name: str, scope: int, after: int, before: int) -> list[Mutation]:
        """The changes made to ``name`` in ``scope`` between two positions."""
        group = self._changes_by_scope.get((name, scope))
        if group is None:
            return []
        positions, changes = group
        return changes[bisect.bisect_right(positions, after) : bisect.bisect_left(positions, before)]

    def next_binding(self, name: str, scope: int, after: int) -> int | None:
        """Where ``name`` is bound next in ``scope`` after ``after``."""
        group = self._by_scope.get((name, scope))
        if group is None:
            return None
        positions, _ = group
        at = bisect.bisect_right(positions, after)
        return positions[at] if at < len(positions) else None

    def element(self, value: Value, index: int) -> Value:
        from pixapi_mcp.codecheck.values import Arr

        if isinstance(value, Arr) and 0 <= index < len(value.items):
            return value.items[index]
        if isinstance(value, Resp) and index == 0:
            return value
        return value if index == 0 else Unknown("", getattr(value, "line", 0))

    def member(self, value: Value, key: str) -> Value:
        if isinstance(value, Obj):
            found = value.get(key)
            return found if found is not None else Unknown(key, value.line)
        if isinstance(value, Resp):
            return Unknown(f"{key}", value.line)
        return Unknown(key, getattr(value, "line", 0))

    # -- local helpers ----------------------------------------------------------------------------

    def inline(
        self, function: Function, args: list[Value], kwargs: dict[str, Value], ctx: Ctx, site: Node
    ) -> Value:
        """The value a call to the local ``function`` returns, its parameters bound to the arguments."""
        if ctx.depth >= MAX_DEPTH or not function.returns:
            return Unknown(function.name, self.tree.line(site))
        inner = self.bind_call(function, args, kwargs, ctx, site)
        fallback: Value = Unknown(function.name, self.tree.line(site))
        for node in function.returns:
            result = self.value(node, inner)
            if isinstance(result, Resp):
                return result
            if not isinstance(result, Unknown):
                fallback = result if isinstance(fallback, Unknown) else fallback
        return fallback

    def bind_call(
        self, function: Function, args: list[Value], kwargs: dict[str, Value], ctx: Ctx, site: Node
    ) -> Ctx:
        bindings: dict[str, Value] = {}
        if function.rest is not None:
            from pixapi_mcp.codecheck.values import Arr

            bindings[function.rest] = Arr(tuple(args[len(function.params) :]), self.tree.line(site))
        for index, name in enumerate(function.params):
            if index < len(args):
                bindings[name] = args[index]
            elif name in kwargs:
                bindings[name] = kwargs[name]
            elif name in function.defaults:
                bindings[name] = self.value(function.defaults[name], ctx)
            else:
                bindings[name] = Unknown(name, self.tree.line(site))
        self._serial += 1
        return Ctx(function, bindings, ctx.depth + 1, via=site.start_byte, serial=self._serial)

    # -- requests ---------------------------------------------------------------------------------

    def sites(self) -> list[Node]:
        """``send_sites()``, computed once, in source order."""
        if self._sites is None:
            self._sites = sorted(self.send_sites(), key=lambda n: n.start_byte)
            self._site_starts = [s.start_byte for s in self._sites]
        return self._sites

    def requests(self) -> list[Request]:
        """Every request, each at its own call site; requests inside helpers once per call site."""
        found: list[Request] = []
        seen: set[tuple[int, int | None]] = set()
        for site in self.sites():
            for request in self._instances(site, TOP, 0):
                key = (request.site, request.via)
                if key not in seen:
                    seen.add(key)
                    found.append(request)
        return found

    def _instances(self, site: Node, ctx: Ctx, depth: int) -> Iterator[Request]:
        function = self.function_at(site.start_byte)
        self._touched.clear()
        request = self.request_for(site, ctx if function is not None else TOP)
        touched = function is not None and function.pos in self._touched
        canonical = function is not None and self.functions.get(function.name) is function
        calls = self.calls_of.get(function.name, []) if function is not None and canonical else []
        if not touched or not calls or depth >= 2:
            if request is not None:
                yield request
            return
        for call in calls:
            inner = self.call_context(function, call)  # pyright: ignore[reportArgumentType]
            if inner is None:
                continue
            built = self.request_for(site, inner)
            if built is not None:
                built.via = call.start_byte
                yield built

    def request_for(self, node: Node, ctx: Ctx) -> Request | None:
        """``build_request``, once per call node and context: the same request is reached from
        ``requests`` and again from every read of its response (``image.json()["data"]``), and
        building it evaluates its URL, headers and body."""
        key = (node.id, ctx.serial)
        if key in self._requests:
            request, touched = self._requests[key]
            self._touched.update(touched)  # still depends on the same parameters
            return request
        outer, self._touched = self._touched, set[int]()
        try:
            request = self.build_request(node, ctx)
        finally:
            inner, self._touched = self._touched, outer
            self._touched.update(inner)
        self._requests[key] = (request, frozenset(inner))
        return request

    def call_context(self, function: Function, call: Node) -> Ctx | None:
        """The context of ``function`` called at ``call``: its parameters bound to the arguments."""
        raise NotImplementedError

    def request_at(self, call: Node, function: Function) -> Request | None:
        """The request ``function`` sends when called at ``call`` (for output parameters)."""
        sites = self.sites()
        for site in sites[bisect.bisect_left(self._site_starts, function.node.start_byte) :]:
            if site.start_byte >= function.node.end_byte:
                break
            if function.node.start_byte <= site.start_byte < function.node.end_byte:
                inner = self.call_context(function, call)
                if inner is not None:
                    built = self.request_for(site, inner)
                    if built is not None:
                        built.via = call.start_byte
                        return built
        return None


_Entry = TypeVar("_Entry", Binding, Mutation)


def _group(table: dict[str, list[_Entry]]) -> dict[tuple[str, int], tuple[list[int], list[_Entry]]]:
    """Entries by (name, scope), sorted by position, with the positions for binary search."""
    grouped: dict[tuple[str, int], list[_Entry]] = {}
    for name, entries in table.items():
        for entry in entries:
            grouped.setdefault((name, entry.scope), []).append(entry)
    result: dict[tuple[str, int], tuple[list[int], list[_Entry]]] = {}
    for key, items in grouped.items():
        items.sort(key=lambda e: e.pos)
        result[key] = ([e.pos for e in items], items)
    return result
