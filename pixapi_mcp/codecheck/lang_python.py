"""Python: requests, httpx (clients too), aiohttp, and the openai SDK, read from the syntax tree.

Values: string literals and f-strings, ``+`` and implicit concatenation, ``%`` and ``.format``,
dicts (with ``**`` merges), lists, ``json.dumps``, ``os.environ``/``os.getenv`` defaults, ``with
... as`` clients, subscript and attribute assignment (``payload["seconds"] = 5``), ``.update``,
and local helper functions.

Why this module is long: it is one language's reader (values, requests, reads), and the pieces share the tree walks; split, each half would import the other.
"""

from __future__ import annotations

from pixapi_mcp.codecheck.program import Binding, Ctx, Function, Mutation, Program, Read
from pixapi_mcp.codecheck.request import Request
from pixapi_mcp.codecheck.sends import HTTP_METHODS, SDK_CALLS, is_sdk_client, keyword_request, sdk_request
from pixapi_mcp.codecheck.syntax import Node
from pixapi_mcp.codecheck.values import (
    Arr,
    Bool,
    Call,
    Field,
    Null,
    Num,
    Obj,
    Resp,
    Str,
    Unknown,
    Value,
    brace_format,
    concat,
    literal,
    printf,
    unescape,
    unknown,
)

QUERY = """
(function_definition) @func
(assignment) @assign
(augmented_assignment) @aug
(for_statement) @for
(as_pattern) @as
(named_expression) @walrus
(call) @call
(return_statement) @ret
(subscript) @read
(attribute) @read
"""

_CLIENTS = {"Client", "AsyncClient", "Session", "ClientSession", "OpenAI", "AsyncOpenAI", "AzureOpenAI"}


class PythonProgram(Program):
    QUERY = QUERY

    def index(self) -> None:
        found = self.found
        for node in found.get("func", []):
            self._function(node)
        self.finish_scopes()
        self.index_returns(found.get("ret", []))
        for node in found.get("assign", []):
            self._assignment(node)
        for node in found.get("aug", []):
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                self.bind(
                    self.tree.text(left), Binding(node.start_byte, self.scope_of(node.start_byte), node)
                )
        for node in found.get("for", []):
            left = node.child_by_field_name("left")
            for name in self._names(left):
                self.bind(
                    name,
                    Binding(
                        node.start_byte,
                        self.scope_of(node.start_byte),
                        value=Unknown(name, self.tree.line(node)),
                    ),
                )
        for node in found.get("as", []):
            alias = node.child_by_field_name("alias")
            if alias is not None and node.named_child_count:
                for name in self._names(alias):
                    self.bind(
                        name, Binding(node.end_byte, self.scope_of(node.start_byte), node.named_children[0])
                    )
        for node in found.get("walrus", []):
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None:
                self.bind(self.tree.text(name), Binding(node.end_byte, self.scope_of(node.start_byte), value))
        self._calls = found.get("call", [])
        for node in self._calls:
            self._call_index(node)
        # Method calls (``r.json()``) are reads too: picked here, not with a field pattern in the query
        # (tree-sitter checks fields by scanning later siblings of every ancestor: quadratic under a
        # wide error node).
        self._reads = found.get("read", []) + [
            c
            for c in self._calls
            if (f := c.child_by_field_name("function")) is not None and f.type == "attribute"
        ]

    def _function(self, node: Node) -> None:
        name_node, params, body = (node.child_by_field_name(f) for f in ("name", "parameters", "body"))
        if name_node is None or params is None or body is None:
            return
        function = Function(self.tree.text(name_node), node, [])
        for param in params.named_children:
            name = param.child_by_field_name("name") if param.type.endswith("default_parameter") else param
            if param.type == "typed_parameter":
                name = param.named_children[0] if param.named_children else None
            if param.type == "list_splat_pattern" and param.named_child_count:
                function.rest = self.tree.text(param.named_children[0])
                self.bind(function.rest, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
                continue
            if name is None or name.type != "identifier":
                continue
            text = self.tree.text(name)
            if text in ("self", "cls") and not function.params:
                continue
            function.params.append(text)
            default = param.child_by_field_name("value")
            if default is not None:
                function.defaults[text] = default
            self.bind(text, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
        self.add_function(function, body)

    def _names(self, node: Node | None) -> list[str]:
        if node is None:
            return []
        if node.type == "identifier":
            return [self.tree.text(node)]
        return [self.tree.text(c) for c in node.named_children if c.type == "identifier"]

    def _assignment(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        scope = self.scope_of(node.start_byte)
        line = self.tree.line(node)
        if left.type == "identifier":
            self.bind(self.tree.text(left), Binding(node.start_byte, scope, right))
        elif left.type in ("pattern_list", "tuple_pattern", "list_pattern"):
            for index, item in enumerate(left.named_children):
                if item.type == "identifier":
                    self.bind(self.tree.text(item), Binding(node.start_byte, scope, right, index=index))
        elif left.type == "subscript":
            target, key = left.child_by_field_name("value"), left.child_by_field_name("subscript")
            if target is None or key is None:
                return
            name = self._key(key)
            if target.type == "identifier" and name is not None:
                self.mutate(
                    self.tree.text(target), Mutation(node.start_byte, scope, "set", line, name, right)
                )
            elif target.type == "attribute" and name is not None:
                owner, attr = target.child_by_field_name("object"), target.child_by_field_name("attribute")
                if (
                    owner is not None
                    and owner.type == "identifier"
                    and attr is not None
                    and self.tree.text(attr) == "headers"
                ):
                    self.mutate(
                        self.tree.text(owner),
                        Mutation(node.start_byte, scope, "set", line, "header:" + name, right),
                    )
        elif left.type == "attribute":
            owner, attr = left.child_by_field_name("object"), left.child_by_field_name("attribute")
            if owner is not None and attr is not None and self.tree.text(owner) in ("self", "cls"):
                self.bind(
                    self.tree.text(left), Binding(node.start_byte, 0, right)
                )  # an attribute of the object
            elif owner is not None and owner.type == "identifier" and attr is not None:
                self.mutate(
                    self.tree.text(owner),
                    Mutation(node.start_byte, scope, "set", line, self.tree.text(attr), right),
                )

    def _key(self, node: Node) -> str | None:
        if node.type == "string":
            value = self.value(node)
            return value.text if isinstance(value, Str) and value.known else None
        return None

    def _call_index(self, node: Node) -> None:
        function = node.child_by_field_name("function")
        if function is None:
            return
        if function.type == "identifier":
            self.calls_of.setdefault(self.tree.text(function), []).append(node)
            return
        if function.type != "attribute":
            return
        owner, attr = function.child_by_field_name("object"), function.child_by_field_name("attribute")
        if owner is None or attr is None:
            return
        method = self.tree.text(attr)
        if owner.type == "identifier" and self.tree.text(owner) in ("self", "cls"):
            self.calls_of.setdefault(method, []).append(node)
        args = node.child_by_field_name("arguments")
        arg_nodes = tuple(a for a in args.named_children) if args is not None else ()
        scope = self.scope_of(node.start_byte)
        line = self.tree.line(node)
        if owner.type == "identifier" and method in ("update", "append", "extend", "setdefault"):
            kind = "merge" if method == "update" else ("set" if method == "setdefault" else "append")
            key = None
            if method == "setdefault" and arg_nodes:
                key = self._key(arg_nodes[0])
                arg_nodes = arg_nodes[1:]
            self.mutate(
                self.tree.text(owner),
                Mutation(
                    node.start_byte, scope, kind, line, key, arg_nodes[0] if arg_nodes else None, arg_nodes
                ),
            )
        elif owner.type == "attribute" and method == "update":
            base, attr2 = owner.child_by_field_name("object"), owner.child_by_field_name("attribute")
            if (
                base is not None
                and base.type == "identifier"
                and attr2 is not None
                and self.tree.text(attr2) == "headers"
                and arg_nodes
            ):
                self.mutate(
                    self.tree.text(base),
                    Mutation(node.start_byte, scope, "merge", line, "headers", arg_nodes[0]),
                )

    # -- evaluation ------------------------------------------------------------------------------

    def eval_node(self, node: Node, ctx: Ctx) -> Value:
        kind = node.type
        line = self.tree.line(node)
        if kind == "identifier":
            return self.resolve(self.tree.text(node), node, ctx)
        if kind == "string":
            return self._string(node, ctx)
        if kind == "concatenated_string":
            return concat([self.value(c, ctx) for c in node.named_children], line)
        if kind == "integer" or kind == "float":
            try:
                return Num(float(self.tree.text(node).replace("_", "")), line)
            except ValueError:
                return unknown(self.tree.text(node), line)
        if kind in ("true", "false"):
            return Bool(kind == "true", line)
        if kind == "none":
            return Null(line)
        if kind in ("parenthesized_expression", "await", "expression_statement") and node.named_child_count:
            return self.value(node.named_children[0], ctx)
        if kind == "dictionary":
            return self._dict(node, ctx)
        if kind in ("list", "tuple", "expression_list"):
            return Arr(tuple(self.value(c, ctx) for c in self.items(node)), line)
        if kind == "binary_operator":
            return self._binary(node, ctx)
        if kind == "boolean_operator" or kind == "conditional_expression":
            for child in node.named_children[:2] if kind == "boolean_operator" else node.named_children[::2]:
                value = self.value(child, ctx)
                if not isinstance(value, Unknown | Null):
                    return value
            return unknown(self.tree.text(node), line)
        if kind == "call":
            return self._call(node, ctx)
        if kind == "attribute" and self.tree.text(node) in self.bindings:
            return self.resolve(self.tree.text(node), node, ctx)
        if kind == "attribute":
            owner, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
            base = self.value(owner, ctx)
            name = self.tree.text(attr) if attr is not None else ""
            if isinstance(base, Resp) and name in ("text", "content", "body"):
                return base
            if isinstance(base, Obj | Resp):
                return self.member(base, name)
            return unknown(self.tree.text(node), line)
        if kind == "subscript":
            return self._subscript(node, ctx)
        if kind == "augmented_assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            before = self.resolve(self.tree.text(left), node, ctx) if left is not None else Unknown("", line)
            return concat([before, self.value(right, ctx)], line)
        return unknown(self.tree.text(node), line)

    def member(self, value: Value, key: str) -> Value:
        if isinstance(value, Resp):
            return Resp(value.request, value.line, (*value.keys, key))
        return super().member(value, key)

    def _string(self, node: Node, ctx: Ctx) -> Value:
        start = node.child(0)
        prefix = self.tree.text(start).lower() if node.child_count else ""
        raw, fmt = "r" in prefix, "f" in prefix
        pieces: list[Value] = []
        for child in node.named_children:
            if child.type == "string_content":
                text = self.tree.text(child)
                pieces.append(
                    literal(text if raw else unescape(text), self.tree.line(child), child.start_byte)
                )
            elif child.type == "interpolation" and fmt:
                expr = child.child_by_field_name("expression")
                pieces.append(self.value(expr, ctx) if expr is not None else Unknown("", 0))
        if not pieces:
            return literal("", self.tree.line(node), node.start_byte)
        return pieces[0] if len(pieces) == 1 else concat(pieces, self.tree.line(node))

    def _dict(self, node: Node, ctx: Ctx) -> Obj:
        fields: dict[str, Field] = {}
        is_open = False
        for child in self.items(node):
            if child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                name = self.value(key, ctx) if key is not None else None
                if isinstance(name, Str) and name.known:
                    fields[name.text] = Field(self.value(value, ctx), self.tree.line(child))
                else:
                    is_open = True
            elif child.type == "dictionary_splat" and child.named_child_count:
                merged = self.value(child.named_children[0], ctx)
                if isinstance(merged, Obj):
                    fields.update(merged.fields)
                    is_open = is_open or merged.open
                else:
                    is_open = True
        return Obj(fields, self.tree.line(node), is_open)

    def _binary(self, node: Node, ctx: Ctx) -> Value:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        operator = self.tree.text(op) if op is not None else ""
        a, b = self.value(left, ctx), self.value(right, ctx)
        line = self.tree.line(node)
        if operator == "%" and isinstance(a, Str):
            return printf(a, list(b.items) if isinstance(b, Arr) else [b], line)
        if operator == "+":
            if isinstance(a, Num) and isinstance(b, Num):
                return Num(a.value + b.value, line)
            if isinstance(a, Str) or isinstance(b, Str):
                return concat([a, b], line)
        return unknown(self.tree.text(node), line)

    def _subscript(self, node: Node, ctx: Ctx) -> Value:
        target, key = node.child_by_field_name("value"), node.child_by_field_name("subscript")
        line = self.tree.line(node)
        text = self.tree.text(target) if target is not None else ""
        if text in ("os.environ", "environ"):
            return unknown(f"env:{self.tree.text(key) if key is not None else ''}", line)
        base = self.value(target, ctx)
        index = self.value(key, ctx) if key is not None else None
        if isinstance(index, Num) and isinstance(base, Arr | Resp):
            return (
                self.element(base, int(index.value))
                if isinstance(base, Arr)
                else Resp(base.request, base.line, (*base.keys, int(index.value)))
            )
        if isinstance(index, Str) and index.known:
            return self.member(base, index.text)
        return unknown(self.tree.text(node), line)

    def _arguments(self, node: Node, ctx: Ctx) -> tuple[list[Value], dict[str, Value]]:
        args: list[Value] = []
        kwargs: dict[str, Value] = {}
        arguments = node.child_by_field_name("arguments")
        if arguments is None:
            return args, kwargs
        for child in self.items(arguments):
            if child.type == "keyword_argument":
                name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
                if name is not None:
                    kwargs[self.tree.text(name)] = self.value(value, ctx)
            elif child.type == "dictionary_splat" and child.named_child_count:
                merged = self.value(child.named_children[0], ctx)
                if isinstance(merged, Obj):
                    kwargs.update({k: f.value for k, f in merged.fields.items()})
            elif child.type not in ("comment", "list_splat"):
                args.append(self.value(child, ctx))
        return args, kwargs

    def _call(self, node: Node, ctx: Ctx) -> Value:
        function = node.child_by_field_name("function")
        line = self.tree.line(node)
        if function is None:
            return unknown(self.tree.text(node), line)
        callee = self.tree.text(function)
        if self._is_send(node):
            request = self.request_for(node, ctx)
            if request is not None:
                return Resp(request, line)
        method = callee.rsplit(".", 1)[-1]
        if function.type == "attribute":
            owner = function.child_by_field_name("object")
            if method == "format":
                args, kwargs = self._arguments(node, ctx)
                return brace_format(self.value(owner, ctx), args, kwargs, line)
            if method == "join" and owner is not None and owner.type == "string":
                args, _ = self._arguments(node, ctx)
                sep = self.value(owner, ctx)
                if args and isinstance(args[0], Arr):
                    pieces: list[Value] = []
                    for index, item in enumerate(args[0].items):
                        pieces.extend([sep, item] if index else [item])
                    return concat(pieces, line)
            if method in ("json", "read", "text", "raise_for_status") and owner is not None:
                base = self.value(owner, ctx)
                if isinstance(base, Resp):
                    return base
            if method == "get" and owner is not None:
                owner_text = self.tree.text(owner)
                args, _ = self._arguments(node, ctx)
                if owner_text in ("os.environ", "environ"):
                    return args[1] if len(args) > 1 else unknown(f"env:{self.tree.text(node)}", line)
                base = self.value(owner, ctx)
                if args and isinstance(args[0], Str) and args[0].known and isinstance(base, Obj | Resp):
                    got = self.member(base, args[0].text)
                    if isinstance(got, Unknown) and len(args) > 1:
                        return args[1]
                    return got
            if (
                method in ("strip", "rstrip", "lstrip", "lower", "upper", "encode", "decode")
                and owner is not None
            ):
                return self.value(owner, ctx)
        args, kwargs = self._arguments(node, ctx)
        if callee in ("os.getenv", "getenv", "os.environ.get"):
            return args[1] if len(args) > 1 else unknown(f"env:{self.tree.text(node)}", line)
        if callee in ("json.dumps", "dumps"):
            return Call("json", tuple(args[:1]), {}, line)
        if callee in ("str", "f", "urljoin", "urllib.parse.urljoin", "parse.urljoin"):
            return concat(args, line) if callee != "str" else (args[0] if args else Unknown("", line))
        if callee == "dict":
            return Obj({k: Field(v, getattr(v, "line", line)) for k, v in kwargs.items()}, line)
        local = self.functions.get(callee if function.type == "identifier" else method)
        if local is not None and (function.type == "identifier" or callee.startswith(("self.", "cls."))):
            return self.inline(local, args, kwargs, ctx, node)
        return Call(callee, tuple(args), kwargs, line)

    def apply_mutation(self, value: Value, mutation: Mutation, ctx: Ctx) -> Value:
        new = self.value(mutation.node, ctx) if mutation.node is not None else Unknown("", mutation.line)
        if isinstance(value, Obj):
            fields = dict(value.fields)
            if mutation.kind == "set" and mutation.key is not None:
                fields[mutation.key] = Field(new, mutation.line)
            elif mutation.kind == "merge" and isinstance(new, Obj):
                fields.update(new.fields)
            elif mutation.kind == "merge":
                return Obj(fields, value.line, True)
            return Obj(fields, value.line, value.open)
        if isinstance(value, Arr) and mutation.kind == "append":
            return Arr((*value.items, new), value.line)
        if isinstance(value, Call):
            if mutation.key is not None and mutation.key.startswith("header:"):
                return Call(
                    value.name,
                    value.args,
                    value.kwargs,
                    value.line,
                    (*value.parts, (mutation.key, new, mutation.line)),
                )
            if mutation.key == "headers" and isinstance(new, Obj):
                parts = tuple((f"header:{k}", f.value, f.line) for k, f in new.fields.items())
                return Call(value.name, value.args, value.kwargs, value.line, (*value.parts, *parts))
        return value

    # -- requests -------------------------------------------------------------------------------

    def _is_send(self, node: Node) -> bool:
        function = node.child_by_field_name("function")
        if function is None:
            return False
        if function.type == "identifier":
            return self.tree.text(function) == "urlopen"
        if function.type != "attribute":
            return False
        attr = function.child_by_field_name("attribute")
        owner = function.child_by_field_name("object")
        method = self.tree.text(attr) if attr is not None else ""
        if owner is not None and owner.type == "attribute":
            resource = owner.child_by_field_name("attribute")
            if resource is not None and (self.tree.text(resource), method) in SDK_CALLS:
                return True
        if method not in HTTP_METHODS:
            return False
        owner_text = self.tree.text(owner) if owner is not None else ""
        return owner_text not in ("os.environ", "environ") and not owner_text.endswith(
            ("headers", "params", "json()")
        )

    def send_sites(self) -> list[Node]:
        return [node for node in self._calls if self._is_send(node)]

    def build_request(self, node: Node, ctx: Ctx) -> Request | None:
        function = node.child_by_field_name("function")
        if function is None or function.type != "attribute":
            return None
        owner, attr = function.child_by_field_name("object"), function.child_by_field_name("attribute")
        method = self.tree.text(attr) if attr is not None else ""
        line = self.tree.line(node)
        args, kwargs = self._arguments(node, ctx)
        if owner is not None and owner.type == "attribute":
            resource = owner.child_by_field_name("attribute")
            client_node = owner.child_by_field_name("object")
            key = (self.tree.text(resource) if resource is not None else "", method)
            if key in SDK_CALLS:
                client = self.value(client_node, ctx)
                if not is_sdk_client(client) and not _sdk_name(
                    self.tree.text(client_node) if client_node else ""
                ):
                    return None
                body = Obj({k: Field(v, getattr(v, "line", line)) for k, v in kwargs.items()}, line)
                return sdk_request(key[0], method, client, body, line, node.start_byte)
        receiver = self.value(owner, ctx)
        if isinstance(receiver, Obj | Arr | Str | Resp):
            return None
        if method == "request":
            verb = args[0] if args else kwargs.get("method")
            url = args[1] if len(args) > 1 else kwargs.get("url")
            verb_text = verb.text.upper() if isinstance(verb, Str) else None
        else:
            url = args[0] if args else kwargs.get("url")
            verb_text = method.upper()
        if isinstance(url, Obj | Arr | Num | Bool | Null):
            return None
        return keyword_request(verb_text, url, kwargs, receiver, line, node.start_byte)

    def call_context(self, function: Function, call: Node) -> Ctx | None:
        args, kwargs = self._arguments(call, Ctx())
        return self.bind_call(function, args, kwargs, Ctx(), call)

    # -- reads ------------------------------------------------------------------------------------

    def reads(self) -> list[Read]:
        return self.outermost(self._reads, self._unroll)

    def _unroll(self, node: Node, keys: list[str | int], seen: set[int]) -> Node | None:
        current: Node | None = node
        while current is not None:
            seen.add(current.id)
            if current.type == "subscript":
                key = current.child_by_field_name("subscript")
                text = self.tree.text(key) if key is not None and key.end_byte - key.start_byte < 80 else ""
                if text.isdigit():
                    keys.append(int(text))
                elif len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]:
                    keys.append(text[1:-1])
                else:
                    keys.append("?")
                current = current.child_by_field_name("value")
            elif current.type == "attribute":
                attr = current.child_by_field_name("attribute")
                keys.append(self.tree.text(attr) if attr is not None else "?")
                current = current.child_by_field_name("object")
            elif current.type == "call":
                function = current.child_by_field_name("function")
                if function is None or function.type != "attribute":
                    return current
                attr = function.child_by_field_name("attribute")
                name = self.tree.text(attr) if attr is not None else ""
                if name == "json":
                    seen.add(function.id)
                    current = function.child_by_field_name("object")
                elif name == "get":
                    seen.add(function.id)
                    args, _ = self._arguments(current, Ctx())
                    if not args or not isinstance(args[0], Str):
                        return current
                    keys.append(args[0].text)
                    current = function.child_by_field_name("object")
                else:
                    return current
            elif current.type in ("parenthesized_expression", "await") and current.named_child_count:
                current = current.named_children[0]
            else:
                return current
        return None


def _sdk_name(text: str) -> bool:
    return "openai" in text.lower() or text.lower() in ("client", "ai", "oai", "pixapi")
