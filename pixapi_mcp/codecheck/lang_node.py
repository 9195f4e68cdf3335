"""JavaScript and TypeScript: fetch, axios (instances too), got/ky, FormData, and the openai SDK.

Values: string and template literals, ``+``, ``??``/``||`` defaults (``process.env.X ?? '...'``),
objects (with spreads and shorthand), arrays, ``JSON.stringify``, ``new URL``, ``FormData``
appends, member and index assignment (``payload.seconds = x``), destructuring, and local helper
functions (declarations, arrow functions, methods called on ``this``).

Why this module is long: it is one language's reader for three HTTP styles (fetch, axios, got/ky) and the SDK; its parts share the evaluator and the tree walks.
"""

from __future__ import annotations

from pixapi_mcp.codecheck.program import Binding, Ctx, Function, Mutation, Program, Read
from pixapi_mcp.codecheck.request import Encoding, Request, header_entries
from pixapi_mcp.codecheck.sends import SDK_CALLS, client_parts, encoded_body, is_sdk_client, sdk_request
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
    concat,
    literal,
    unescape,
    unknown,
)

QUERY = """
(function_declaration) @func
(generator_function_declaration) @func
(method_definition) @func
(variable_declarator) @decl
(assignment_expression) @assign
(augmented_assignment_expression) @aug
(for_in_statement) @for
(call_expression) @call
(return_statement) @ret
(member_expression) @read
(subscript_expression) @read
"""
# ``x.json()`` calls are reads too; they are picked from the ``@call`` captures in Python, not with a
# field pattern (``function: (member_expression property: ...)``): tree-sitter checks fields by
# scanning the later siblings of every ancestor, which is quadratic under a wide error node (a whole
# file that failed to parse as one unit): 0.9 s of the 1 s query on 1 MB of truncated Node code.

_WRAPPERS = frozenset(
    {
        "parenthesized_expression",
        "await_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
    }
)
_AXIOS_METHODS = frozenset({"get", "post", "put", "patch", "delete", "request"})


class NodeProgram(Program):
    QUERY = QUERY
    STRING_PIECES = "(string_fragment) @s"
    OBJECT_LITERALS = "(object) @o"

    def _json_call(self, call: Node) -> bool:
        """``<expr>.json()``: the call reads a response body."""
        function = call.child_by_field_name("function")
        if function is None or function.type != "member_expression":
            return False
        prop = function.child_by_field_name("property")
        return prop is not None and prop.type == "property_identifier" and self.tree.text(prop) == "json"

    def index(self) -> None:
        found = self.found
        for node in found.get("func", []):
            name = node.child_by_field_name("name")
            if name is not None:
                self._function(self.tree.text(name), node)
        for node in found.get("decl", []):
            value = node.child_by_field_name("value")
            name = node.child_by_field_name("name")
            if (
                value is not None
                and name is not None
                and name.type == "identifier"
                and value.type in ("arrow_function", "function_expression", "function")
            ):
                self._function(self.tree.text(name), value)
        self.finish_scopes()
        self.index_returns(found.get("ret", []))
        for node in found.get("decl", []):
            self._declarator(node)
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
            if left is not None and left.type == "identifier":
                name = self.tree.text(left)
                self.bind(
                    name,
                    Binding(
                        node.start_byte,
                        self.scope_of(node.start_byte),
                        value=Unknown(name, self.tree.line(node)),
                    ),
                )
        self._calls = found.get("call", [])
        for node in self._calls:
            self._call_index(node)
        self._reads = found.get("read", []) + [c for c in self._calls if self._json_call(c)]
        self._destructured = [
            d
            for d in found.get("decl", [])
            if (n := d.child_by_field_name("name")) is not None and n.type == "object_pattern"
        ]

    def _function(self, name: str, node: Node) -> None:
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        body = node.child_by_field_name("body")
        if body is None:
            return
        function = Function(name, node, [])
        for param in (
            params.named_children
            if params is not None and params.type == "formal_parameters"
            else [params]
            if params is not None
            else []
        ):
            target, default = param, None
            if param.type in ("required_parameter", "optional_parameter"):
                target, default = param.child_by_field_name("pattern"), param.child_by_field_name("value")
            elif param.type == "assignment_pattern":
                target, default = param.child_by_field_name("left"), param.child_by_field_name("right")
            if target is not None and target.type == "rest_pattern" and target.named_child_count:
                function.rest = self.tree.text(target.named_children[0])
                self.bind(function.rest, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
                continue
            if target is None or target.type != "identifier":
                function.params.append("")
                continue
            text = self.tree.text(target)
            function.params.append(text)
            if default is not None:
                function.defaults[text] = default
            self.bind(text, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
        if body.type != "statement_block":
            function.returns.append(body)
        self.add_function(function, body)

    def _declarator(self, node: Node) -> None:
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is None:
            return
        scope = self.scope_of(node.start_byte)
        if name.type == "identifier":
            self.bind(
                self.tree.text(name),
                Binding(
                    node.start_byte,
                    scope,
                    value,
                    value=None if value is not None else Unknown(self.tree.text(name), self.tree.line(node)),
                ),
            )
        elif name.type == "object_pattern" and value is not None:
            for child in name.named_children:
                if child.type == "shorthand_property_identifier_pattern":
                    text = self.tree.text(child)
                    self.bind(text, Binding(node.start_byte, scope, value, key=text))
                elif child.type == "pair_pattern":
                    key, target = child.child_by_field_name("key"), child.child_by_field_name("value")
                    if key is not None and target is not None and target.type == "identifier":
                        self.bind(
                            self.tree.text(target),
                            Binding(node.start_byte, scope, value, key=self.tree.text(key).strip("'\"")),
                        )
        elif name.type == "array_pattern" and value is not None:
            for index, child in enumerate(name.named_children):
                if child.type == "identifier":
                    self.bind(self.tree.text(child), Binding(node.start_byte, scope, value, index=index))

    def _assignment(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        scope = self.scope_of(node.start_byte)
        line = self.tree.line(node)
        if left.type == "identifier":
            self.bind(self.tree.text(left), Binding(node.start_byte, scope, right))
            return
        if left.type == "member_expression" and self.tree.text(left).startswith("this."):
            self.bind(self.tree.text(left), Binding(node.start_byte, 0, right))  # a field of the object
            return
        target, key = self._target(left)
        if target is not None and key is not None:
            owner = target.child_by_field_name("object") if target.type == "member_expression" else None
            if target.type == "identifier":
                self.mutate(self.tree.text(target), Mutation(node.start_byte, scope, "set", line, key, right))
            elif owner is not None and owner.type == "identifier" and self._prop(target) == "headers":
                self.mutate(
                    self.tree.text(owner),
                    Mutation(node.start_byte, scope, "set", line, "header:" + key, right),
                )

    def _target(self, left: Node) -> tuple[Node | None, str | None]:
        if left.type == "member_expression":
            return left.child_by_field_name("object"), self._prop(left)
        if left.type == "subscript_expression":
            index = left.child_by_field_name("index")
            value = self.value(index) if index is not None else None
            return left.child_by_field_name("object"), value.text if isinstance(
                value, Str
            ) and value.known else None
        return None, None

    def _prop(self, node: Node) -> str | None:
        prop = node.child_by_field_name("property")
        return self.tree.text(prop) if prop is not None else None

    def _call_index(self, node: Node) -> None:
        function = node.child_by_field_name("function")
        if function is None:
            return
        if function.type == "identifier":
            self.calls_of.setdefault(self.tree.text(function), []).append(node)
            return
        if function.type != "member_expression":
            return
        owner, method = function.child_by_field_name("object"), self._prop(function) or ""
        if owner is None:
            return
        if owner.type == "this":
            self.calls_of.setdefault(method, []).append(node)
        args = node.child_by_field_name("arguments")
        arg_nodes = tuple(args.named_children) if args is not None else ()
        scope, line = self.scope_of(node.start_byte), self.tree.line(node)
        if owner.type == "identifier" and method in ("append", "set") and len(arg_nodes) >= 2:
            key = self.value(arg_nodes[0])
            if isinstance(key, Str) and key.known:
                self.mutate(
                    self.tree.text(owner),
                    Mutation(
                        node.start_byte,
                        scope,
                        "append" if method == "append" else "set",
                        line,
                        key.text,
                        arg_nodes[1],
                    ),
                )
        elif owner.type == "identifier" and method == "push" and arg_nodes:
            self.mutate(
                self.tree.text(owner), Mutation(node.start_byte, scope, "append", line, None, arg_nodes[0])
            )
        elif (
            function.type == "member_expression"
            and self.tree.text(function) == "Object.assign"
            and len(arg_nodes) >= 2
            and arg_nodes[0].type == "identifier"
        ):
            self.mutate(
                self.tree.text(arg_nodes[0]),
                Mutation(node.start_byte, scope, "merge", line, None, arg_nodes[1]),
            )

    # -- evaluation ------------------------------------------------------------------------------

    def eval_node(self, node: Node, ctx: Ctx) -> Value:
        kind = node.type
        line = self.tree.line(node)
        if kind in ("identifier", "shorthand_property_identifier"):
            text = self.tree.text(node)
            if text == "undefined":
                return Null(line)
            return self.resolve(text, node, ctx)
        if kind == "string":
            pieces = [c for c in node.named_children if c.type in ("string_fragment", "escape_sequence")]
            text = "".join(unescape(self.tree.text(c)) for c in pieces)
            return literal(text, line, pieces[0].start_byte if pieces else node.start_byte)
        if kind == "template_string":
            parts: list[Value] = []
            for child in node.named_children:
                if child.type in ("string_fragment", "escape_sequence"):
                    parts.append(
                        literal(unescape(self.tree.text(child)), self.tree.line(child), child.start_byte)
                    )
                elif child.type == "template_substitution" and child.named_child_count:
                    parts.append(self.value(child.named_children[0], ctx))
            return concat(parts, line) if parts else literal("", line, node.start_byte)
        if kind == "number":
            try:
                return Num(float(self.tree.text(node).replace("_", "")), line)
            except ValueError:
                return unknown(self.tree.text(node), line)
        if kind in ("true", "false"):
            return Bool(kind == "true", line)
        if kind in ("null", "undefined"):
            return Null(line)
        if kind in _WRAPPERS and node.named_child_count:
            return self.value(node.named_children[0], ctx)
        if kind == "object":
            return self._object(node, ctx)
        if kind == "array":
            return Arr(tuple(self.value(c, ctx) for c in self.items(node) if c.type != "comment"), line)
        if kind == "binary_expression":
            return self._binary(node, ctx)
        if kind == "ternary_expression":
            for field in ("consequence", "alternative"):
                value = self.value(node.child_by_field_name(field), ctx)
                if not isinstance(value, Unknown | Null):
                    return value
            return unknown(self.tree.text(node), line)
        if kind == "call_expression":
            return self._call(node, ctx)
        if kind == "new_expression":
            return self._new(node, ctx)
        if kind == "member_expression" and self.tree.text(node) in self.bindings:
            return self.resolve(self.tree.text(node), node, ctx)
        if kind == "member_expression":
            owner = node.child_by_field_name("object")
            name = self._prop(node) or ""
            owner_text = self.tree.text(owner) if owner is not None else ""
            if owner_text in ("process.env", "import.meta.env"):
                return unknown(f"env:{name}", line)
            base = self.value(owner, ctx)
            if isinstance(base, Call) and name in ("href", "toString"):
                return base.args[0] if base.args else base
            if isinstance(base, Obj | Resp):
                return self.member(base, name)
            return unknown(self.tree.text(node), line)
        if kind == "subscript_expression":
            base = self.value(node.child_by_field_name("object"), ctx)
            index = self.value(node.child_by_field_name("index"), ctx)
            if isinstance(index, Num) and isinstance(base, Arr):
                return self.element(base, int(index.value))
            if isinstance(index, Num) and isinstance(base, Resp):
                return Resp(base.request, base.line, (*base.keys, int(index.value)))
            if isinstance(index, Str) and index.known and isinstance(base, Obj | Resp):
                return self.member(base, index.text)
            return unknown(self.tree.text(node), line)
        if kind == "augmented_assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            before = self.resolve(self.tree.text(left), node, ctx) if left is not None else Unknown("", line)
            return concat([before, self.value(right, ctx)], line)
        if kind == "assignment_expression":
            return self.value(node.child_by_field_name("right"), ctx)
        return unknown(self.tree.text(node), line)

    def member(self, value: Value, key: str) -> Value:
        if isinstance(value, Resp):
            return Resp(value.request, value.line, (*value.keys, key))
        return super().member(value, key)

    def _object(self, node: Node, ctx: Ctx) -> Obj:
        fields: dict[str, Field] = {}
        is_open = False
        for child in self.items(node):
            if child.type == "pair":
                key = child.child_by_field_name("key")
                if key is None:
                    continue
                if key.type in ("property_identifier", "number"):
                    name: str | None = self.tree.text(key)
                else:
                    computed = self.value(
                        key.named_children[0]
                        if key.type == "computed_property_name" and key.named_child_count
                        else key,
                        ctx,
                    )
                    name = computed.text if isinstance(computed, Str) and computed.known else None
                if name is None:
                    is_open = True
                    continue
                fields[name] = Field(
                    self.value(child.child_by_field_name("value"), ctx), self.tree.line(child)
                )
            elif child.type == "shorthand_property_identifier":
                fields[self.tree.text(child)] = Field(self.value(child, ctx), self.tree.line(child))
            elif child.type == "spread_element" and child.named_child_count:
                merged = self.value(child.named_children[0], ctx)
                if isinstance(merged, Obj):
                    fields.update(merged.fields)
                    is_open = is_open or merged.open
                else:
                    is_open = True
        return Obj(fields, self.tree.line(node), is_open)

    def _binary(self, node: Node, ctx: Ctx) -> Value:
        op = node.child_by_field_name("operator")
        operator = self.tree.text(op) if op is not None else ""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        line = self.tree.line(node)
        if operator in ("??", "||"):
            first = self.value(left, ctx)
            return first if not isinstance(first, Unknown | Null) else self.value(right, ctx)
        if operator == "+":
            a, b = self.value(left, ctx), self.value(right, ctx)
            if isinstance(a, Num) and isinstance(b, Num):
                return Num(a.value + b.value, line)
            return concat([a, b], line)
        return unknown(self.tree.text(node), line)

    def _args(self, node: Node, ctx: Ctx) -> list[Value]:
        arguments = node.child_by_field_name("arguments")
        if arguments is None:
            return []
        return [self.value(c, ctx) for c in self.items(arguments) if c.type != "comment"]

    def _new(self, node: Node, ctx: Ctx) -> Value:
        constructor = node.child_by_field_name("constructor")
        name = self.tree.text(constructor) if constructor is not None else ""
        args = self._args(node, ctx)
        line = self.tree.line(node)
        if name == "URL" and args:
            return (
                concat([args[1], args[0]], line)
                if len(args) > 1 and isinstance(args[0], Str) and not args[0].text.startswith("http")
                else args[0]
            )
        if name in ("Headers", "URLSearchParams") and args and isinstance(args[0], Obj):
            return args[0] if name == "Headers" else Call("form", (args[0],), {}, line)
        if name == "FormData":
            return Call("multipart", (), {}, line)
        options = args[0] if args and isinstance(args[0], Obj) else None
        kwargs = {k: f.value for k, f in options.fields.items()} if options is not None else {}
        return Call(name, tuple(args), kwargs, line)

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
        method = self._prop(function) if function.type == "member_expression" else None
        owner = function.child_by_field_name("object") if function.type == "member_expression" else None
        if method in ("json", "text", "then") and owner is not None:
            base = self.value(owner, ctx)
            if isinstance(base, Resp):
                return base
        if method in ("toString", "trim", "toLowerCase", "replace") and owner is not None:
            return self.value(owner, ctx)
        args = self._args(node, ctx)
        if callee == "JSON.stringify":
            return Call("json", tuple(args[:1]), {}, line)
        if callee in ("String", "encodeURIComponent", "encodeURI"):
            return args[0] if args else Unknown("", line)
        if method == "join" and owner is not None:
            parts = self.value(owner, ctx)
            sep = args[0] if args else Str(",", line)
            if isinstance(parts, Arr) and isinstance(sep, Str):
                joined: list[Value] = []
                for index, item in enumerate(parts.items):
                    if index:
                        joined.append(sep)
                    joined.append(item)
                return concat(joined, line)
        if method == "concat" and owner is not None:
            return concat([self.value(owner, ctx), *args], line)
        if callee == "axios.create" or (callee.endswith(".create") and "axios" in callee):
            options = args[0] if args and isinstance(args[0], Obj) else None
            return Call(
                "axios.create",
                tuple(args),
                {k: f.value for k, f in options.fields.items()} if options else {},
                line,
            )
        local = self.functions.get(callee if function.type == "identifier" else (method or ""))
        if local is not None and (
            function.type == "identifier" or (owner is not None and owner.type == "this")
        ):
            return self.inline(local, args, {}, ctx, node)
        return Call(callee, tuple(args), {}, line)

    def apply_mutation(self, value: Value, mutation: Mutation, ctx: Ctx) -> Value:
        new = self.value(mutation.node, ctx) if mutation.node is not None else Unknown("", mutation.line)
        if isinstance(value, Obj):
            fields = dict(value.fields)
            if mutation.kind in ("set", "append") and mutation.key is not None:
                fields[mutation.key] = Field(new, mutation.line)
            elif mutation.kind == "merge":
                if isinstance(new, Obj):
                    fields.update(new.fields)
                else:
                    return Obj(fields, value.line, True)
            return Obj(fields, value.line, value.open)
        if isinstance(value, Arr) and mutation.kind == "append" and mutation.key is None:
            return Arr((*value.items, new), value.line)
        if isinstance(value, Call) and mutation.key is not None:
            return Call(
                value.name,
                value.args,
                value.kwargs,
                value.line,
                (*value.parts, (mutation.key, new, mutation.line)),
            )
        return value

    # -- requests -------------------------------------------------------------------------------

    def _is_send(self, node: Node) -> bool:
        function = node.child_by_field_name("function")
        if function is None:
            return False
        callee = self.tree.text(function)
        if function.type == "identifier":
            return callee in ("fetch", "axios", "got", "ky", "ofetch", "$fetch")
        if function.type != "member_expression":
            return False
        method = self._prop(function) or ""
        owner = function.child_by_field_name("object")
        if (
            owner is not None
            and owner.type == "member_expression"
            and (self._prop(owner), method) in SDK_CALLS
        ):
            return True
        if method not in _AXIOS_METHODS:
            return False
        owner_text = self.tree.text(owner) if owner is not None else ""
        return not owner_text.endswith(
            ("headers", "searchParams", "params", "env", "Map", "cache", "form", "formData")
        ) and owner_text not in ("app", "router", "server", "fastify")

    def send_sites(self) -> list[Node]:
        return [node for node in self._calls if self._is_send(node)]

    def build_request(self, node: Node, ctx: Ctx) -> Request | None:
        function = node.child_by_field_name("function")
        if function is None:
            return None
        line, site = self.tree.line(node), node.start_byte
        args = self._args(node, ctx)
        callee = self.tree.text(function)
        if function.type == "member_expression":
            owner = function.child_by_field_name("object")
            method = self._prop(function) or ""
            if (
                owner is not None
                and owner.type == "member_expression"
                and (self._prop(owner), method) in SDK_CALLS
            ):
                client_node = owner.child_by_field_name("object")
                client = self.value(client_node, ctx)
                name = self.tree.text(client_node) if client_node is not None else ""
                if (
                    not is_sdk_client(client)
                    and "openai" not in name.lower()
                    and name.lower() not in ("client", "ai", "pixapi")
                ):
                    return None
                body = args[0] if args and isinstance(args[0], Obj) else None
                if method in ("retrieve", "poll", "downloadContent"):
                    body = None
                return sdk_request(self._prop(owner) or "", method, client, body, line, site)
            receiver = self.value(owner, ctx)
            if isinstance(receiver, Obj | Arr | Str | Resp):
                return None
            verb = method.upper() if method != "request" else None
            if method == "request" and args and isinstance(args[0], Obj):
                return self._config_request(args[0], receiver, line, site)
            return self._axios_style(verb, args, receiver, line, site)
        if callee == "axios":
            if args and isinstance(args[0], Obj):
                return self._config_request(args[0], None, line, site)
            return self._axios_style("GET", args, None, line, site)
        return self._fetch_style(args, line, site)

    def _fetch_style(self, args: list[Value], line: int, site: int) -> Request:
        options = args[1] if len(args) > 1 and isinstance(args[1], Obj) else None
        url = args[0] if args else None
        if isinstance(url, Call) and url.name == "Request":
            options = url.args[1] if len(url.args) > 1 and isinstance(url.args[1], Obj) else options
            url = url.args[0] if url.args else None
        method = options.get("method") if options is not None else None
        headers = header_entries(options.get("headers") if options is not None else None)
        body: Value | None = None
        encoding: Encoding = "none"
        auto = False
        body_line: int | None = None
        if options is not None and options.get("json") is not None:
            body, encoding, auto = options.get("json"), "json", True  # got, ky
        elif options is not None and options.get("body") is not None:
            body, encoding = encoded_body(options.get("body"))
            body_line = options.fields["body"].line
        elif len(args) > 1 and not isinstance(args[1], Obj):
            headers = None  # options built elsewhere
        if options is not None and options.open:
            headers = None if headers is None else [*headers, (None, Unknown("...", line), line)]
        return Request(
            line=line,
            site=site,
            method=method.text.upper()
            if isinstance(method, Str)
            else ("POST" if body is not None else "GET"),
            url=url,
            headers=headers,
            body=body,
            encoding=encoding,
            auto_json=auto,
            body_line=body_line,
        )

    def _axios_style(
        self, verb: str | None, args: list[Value], receiver: Value | None, line: int, site: int
    ) -> Request:
        url = args[0] if args else None
        has_body = verb in ("POST", "PUT", "PATCH")
        data = args[1] if has_body and len(args) > 1 else None
        config = args[2 if has_body else 1] if len(args) > (2 if has_body else 1) else None
        base, client_headers = client_parts(receiver)
        if isinstance(data, Obj) and (
            data.get("json") is not None or ("headers" in data.fields and "model" not in data.fields)
        ):
            config, data = data, data.get("json")  # got/ky style options, not axios data
        headers = header_entries(config.get("headers") if isinstance(config, Obj) else None)
        if config is not None and not isinstance(config, Obj):
            headers = None
        if isinstance(receiver, Unknown) and receiver.hint not in ("axios", "got", "ky", "superagent"):
            headers = None if headers is None else [*headers, (None, Unknown("client", line), line)]
        body, encoding = (data, "json") if isinstance(data, Obj) else encoded_body(data)
        return Request(
            line=line,
            site=site,
            method=verb,
            url=url,
            base=base,
            headers=None if headers is None else [*client_headers, *headers],
            body=body,
            encoding=encoding,
            auto_json=isinstance(data, Obj),
            query=config.get("params") if isinstance(config, Obj) else None,
            wrapped=isinstance(receiver, Unknown | Call)
            and (getattr(receiver, "hint", "") == "axios" or getattr(receiver, "name", "") == "axios.create"),
        )

    def _config_request(self, config: Obj, receiver: Value | None, line: int, site: int) -> Request:
        method = config.get("method")
        verb = method.text.upper() if isinstance(method, Str) and method.known else "GET"
        data = config.get("data")
        url = config.get("url")
        args: list[Value] = [url if url is not None else Unknown("url", line)]
        if verb in ("POST", "PUT", "PATCH"):
            args.append(data if data is not None else Null(line))
        args.append(config)
        request = self._axios_style(verb, args, receiver, line, site)
        request.wrapped = True
        base = config.get("baseURL")
        if base is not None:
            request.base = base
        return request

    def call_context(self, function: Function, call: Node) -> Ctx | None:
        return self.bind_call(function, self._args(call, Ctx()), {}, Ctx(), call)

    # -- reads ------------------------------------------------------------------------------------

    def reads(self) -> list[Read]:
        found = self.outermost(self._reads, self._unroll)
        for node in self._destructured:  # const { id } = await res.json()
            pattern, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if pattern is None or value is None:
                continue
            for child in pattern.named_children:
                key = (
                    child
                    if child.type == "shorthand_property_identifier_pattern"
                    else child.child_by_field_name("key")
                )
                if key is not None:
                    found.append(
                        Read(
                            self.tree.line(child),
                            value,
                            (self.tree.text(key).strip("'\""),),
                            self.tree.text(value)[:60],
                        )
                    )
        return found

    def _unroll(self, node: Node, keys: list[str | int], seen: set[int]) -> Node | None:
        current: Node | None = node
        while current is not None:
            seen.add(current.id)
            if current.type == "member_expression":
                keys.append(self._prop(current) or "?")
                current = current.child_by_field_name("object")
            elif current.type == "subscript_expression":
                index = current.child_by_field_name("index")
                text = (
                    self.tree.text(index)
                    if index is not None and index.end_byte - index.start_byte < 80
                    else "?"
                )
                keys.append(int(text) if text.isdigit() else text.strip("'\"`"))
                current = current.child_by_field_name("object")
            elif current.type == "call_expression":
                function = current.child_by_field_name("function")
                if function is None or function.type != "member_expression" or self._prop(function) != "json":
                    return current
                seen.add(function.id)
                current = function.child_by_field_name("object")
            elif current.type in _WRAPPERS and current.named_child_count:
                current = current.named_children[0]
            else:
                return current
        return None
