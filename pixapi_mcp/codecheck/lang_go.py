"""Go: net/http (``http.NewRequest`` with its ``req.Header.Set`` calls, ``http.Post``), the
request's JSON from ``json.Marshal`` of maps and tagged structs, ``mime/multipart`` forms, and
the response decoded into variables (``Decode(&task)``, helpers with pointer arguments).

Values: string and raw literals, ``+``, ``fmt.Sprintf``, map and struct literals (fields named by
their ``json`` tags), index and field assignment, ``os.Getenv``, and local helper functions.

Why this module is long: it is one language's reader (struct tags, pointer outputs, header calls); its parts share the evaluator and the tree walks.
"""

from __future__ import annotations

import re

from pixapi_mcp.codecheck.program import Binding, Ctx, Function, Mutation, Program, Read
from pixapi_mcp.codecheck.request import Request
from pixapi_mcp.codecheck.sends import encoded_body
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
    printf,
    unescape,
    unknown,
)

QUERY = """
(function_declaration) @func
(method_declaration) @func
(type_spec) @type
(short_var_declaration) @decl
(var_spec) @var
(const_spec) @var
(assignment_statement) @assign
(call_expression) @call
(return_statement) @ret
(selector_expression) @read
(index_expression) @read
(range_clause) @range
"""

_TAG = re.compile(r'json:"([^",]*)')
_SENDS = frozenset({"NewRequest", "NewRequestWithContext", "Post", "Get", "PostForm"})


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class GoProgram(Program):
    QUERY = QUERY
    STRING_PIECES = "(interpreted_string_literal_content) @s (raw_string_literal_content) @s"
    OBJECT_LITERALS = "(composite_literal) @o"

    def index(self) -> None:
        found = self.found
        self.structs: dict[str, dict[str, str]] = {}
        self.struct_lines: dict[str, dict[str, int]] = {}
        self.param_types: dict[int, dict[str, str]] = {}
        self._tag_reads: list[tuple[int, Node]] = []  # struct fields tagged json:"task_id"
        self._assigned: dict[int, tuple[int, str]] = {}  # call node id -> (statement start, variable)
        for node in found.get("type", []):
            self._struct(node)
        for node in found.get("func", []):
            self._function(node)
        self.finish_scopes()
        for node in found.get("ret", []):
            function = self.function_at(node.start_byte)
            if function is not None and node.named_child_count:
                first = node.named_children[0]
                function.returns.append(
                    first.named_children[0]
                    if first.type == "expression_list" and first.named_child_count
                    else first
                )
        for node in found.get("decl", []) + found.get("assign", []):
            self._assign(node)
        for node in found.get("var", []):
            self._var(node)
        for node in found.get("range", []):
            left = node.child_by_field_name("left")
            for item in left.named_children if left is not None else []:
                if item.type == "identifier":
                    name = self.tree.text(item)
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
        self._reads = found.get("read", [])

    def _struct(self, node: Node) -> None:
        name, body = node.child_by_field_name("name"), node.child_by_field_name("type")
        if name is None or body is None or body.type != "struct_type":
            return
        self._struct_tags(body, name)
        fields: dict[str, str] = {}
        lines: dict[str, int] = {}
        for decl in body.named_children[0].named_children if body.named_child_count else []:
            field_name, tag = decl.child_by_field_name("name"), decl.child_by_field_name("tag")
            if field_name is None:
                continue
            text = self.tree.text(field_name)
            match = _TAG.search(self.tree.text(tag)) if tag is not None else None
            fields[text] = match.group(1) if match and match.group(1) else _snake(text)
            lines[fields[text]] = self.tree.line(decl)
        self.structs[self.tree.text(name)] = fields
        self.struct_lines[self.tree.text(name)] = lines

    def _struct_tags(self, body: Node, owner: Node) -> None:
        for decl in body.named_children[0].named_children if body.named_child_count else []:
            tag = decl.child_by_field_name("tag")
            match = _TAG.search(self.tree.text(tag)) if tag is not None else None
            if match is not None and match.group(1) in ("task_id", "taskId"):
                self._tag_reads.append((self.tree.line(decl), owner))

    def _function(self, node: Node) -> None:
        name, params, body = (node.child_by_field_name(f) for f in ("name", "parameters", "body"))
        if name is None or params is None or body is None:
            return
        function = Function(self.tree.text(name), node, [])
        types: dict[str, str] = {}
        for decl in params.named_children:
            type_node = decl.child_by_field_name("type")
            for child in decl.children_by_field_name("name"):
                text = self.tree.text(child)
                if decl.type == "variadic_parameter_declaration":
                    function.rest = text
                else:
                    function.params.append(text)
                if type_node is not None:
                    types[text] = self.tree.text(type_node).lstrip("*")
                self.bind(text, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
        self.param_types[node.start_byte] = types
        self.add_function(function, body)

    def _assign(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        scope, line = self.scope_of(node.start_byte), self.tree.line(node)
        values = right.named_children
        for index, target in enumerate(left.named_children):
            source = (
                values[index] if len(values) > 1 and index < len(values) else (values[0] if values else None)
            )
            element = index if len(values) == 1 and index > 0 else None
            if (
                target.type == "identifier"
                and index == 0
                and source is not None
                and source.type == "call_expression"
            ):
                self._assigned[source.id] = (node.start_byte, self.tree.text(target))
            if target.type == "identifier":
                if len(values) == 1 and index > 0:
                    self.bind(
                        self.tree.text(target),
                        Binding(node.start_byte, scope, value=Unknown(self.tree.text(target), line)),
                    )
                else:
                    self.bind(self.tree.text(target), Binding(node.start_byte, scope, source, index=element))
            elif target.type == "index_expression":
                owner, key = target.child_by_field_name("operand"), target.child_by_field_name("index")
                name = self.value(key) if key is not None else None
                if owner is not None and owner.type == "identifier" and isinstance(name, Str) and name.known:
                    self.mutate(
                        self.tree.text(owner),
                        Mutation(node.start_byte, scope, "set", line, name.text, source),
                    )
            elif target.type == "selector_expression":
                owner, fld = target.child_by_field_name("operand"), target.child_by_field_name("field")
                if owner is not None and owner.type == "identifier" and fld is not None:
                    self.mutate(
                        self.tree.text(owner),
                        Mutation(node.start_byte, scope, "set", line, self.tree.text(fld), source),
                    )

    def _var(self, node: Node) -> None:
        value = node.child_by_field_name("value")
        scope, line = self.scope_of(node.start_byte), self.tree.line(node)
        values = value.named_children if value is not None else []
        type_node = node.child_by_field_name("type")
        names = node.children_by_field_name("name")
        if type_node is not None and type_node.type == "struct_type" and names:
            self._struct_tags(type_node, names[0])
        for index, name in enumerate(names):
            text = self.tree.text(name)
            if index < len(values):
                self.bind(text, Binding(node.start_byte, scope, values[index]))
            else:
                hint = text + (
                    " " + self.tree.text(type_node)[:40]
                    if type_node is not None and type_node.type == "type_identifier"
                    else ""
                )
                self.bind(text, Binding(node.start_byte, scope, value=Unknown(hint, line)))

    def _call_index(self, node: Node) -> None:
        function = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        if function is None or args_node is None:
            return
        args = args_node.named_children
        scope, line = self.scope_of(node.start_byte), self.tree.line(node)
        name = self.tree.text(function)
        local = function.type == "identifier" or (
            function.type == "selector_expression" and self._field(function) in self.functions
        )
        method = self._field(function) if function.type == "selector_expression" else name
        if local and method is not None:
            self.calls_of.setdefault(method, []).append(node)
        for arg in args:
            if arg.type == "unary_expression" and self.tree.text(arg).startswith("&"):
                operand = arg.child_by_field_name("operand")
                if operand is not None and operand.type == "identifier":
                    self.bind(self.tree.text(operand), Binding(node.end_byte, scope, node, out=True))
        if function.type == "selector_expression":
            owner = function.child_by_field_name("operand")
            if (
                owner is not None
                and owner.type == "selector_expression"
                and self._field(owner) == "Header"
                and method in ("Set", "Add")
                and len(args) >= 2
            ):
                base = owner.child_by_field_name("operand")
                key = self.value(args[0])
                if base is not None and base.type == "identifier" and isinstance(key, Str) and key.known:
                    self.mutate(
                        self.tree.text(base),
                        Mutation(node.start_byte, scope, "set", line, "header:" + key.text, args[1]),
                    )
            elif (
                owner is not None
                and owner.type == "identifier"
                and method in ("WriteField", "CreateFormFile", "CreateFormField")
                and args
            ):
                key = self.value(args[0])
                if isinstance(key, Str) and key.known:
                    self.mutate(
                        self.tree.text(owner),
                        Mutation(
                            node.start_byte,
                            scope,
                            "append",
                            line,
                            key.text,
                            args[1] if len(args) > 1 else args[0],
                        ),
                    )

    def _field(self, node: Node) -> str | None:
        field = node.child_by_field_name("field")
        return self.tree.text(field) if field is not None else None

    # -- evaluation ------------------------------------------------------------------------------

    def eval_node(self, node: Node, ctx: Ctx) -> Value:
        kind = node.type
        line = self.tree.line(node)
        if kind == "identifier":
            return self.resolve(self.tree.text(node), node, ctx)
        if kind == "interpreted_string_literal":
            pieces = [c for c in node.named_children]
            text = "".join(unescape(self.tree.text(c)) for c in pieces)
            return literal(text, line, pieces[0].start_byte if pieces else node.start_byte)
        if kind == "raw_string_literal":
            content = node.named_children[0] if node.named_child_count else node
            return literal(
                self.tree.text(content) if node.named_child_count else "", line, content.start_byte
            )
        if kind in ("int_literal", "float_literal"):
            try:
                return Num(float(self.tree.text(node).replace("_", "")), line)
            except ValueError:
                return unknown(self.tree.text(node), line)
        if kind in ("true", "false"):
            return Bool(kind == "true", line)
        if kind == "nil":
            return Null(line)
        if (
            kind in ("parenthesized_expression", "literal_element", "expression_list")
            and node.named_child_count
        ):
            return self.value(node.named_children[0], ctx)
        if kind == "unary_expression":
            return self.value(node.child_by_field_name("operand"), ctx)
        if kind == "type_conversion_expression":
            return self.value(node.child_by_field_name("operand"), ctx)
        if kind == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and self.tree.text(op) == "+":
                a, b = (
                    self.value(node.child_by_field_name("left"), ctx),
                    self.value(node.child_by_field_name("right"), ctx),
                )
                if isinstance(a, Num) and isinstance(b, Num):
                    return Num(a.value + b.value, line)
                return concat([a, b], line)
            return unknown(self.tree.text(node), line)
        if kind == "composite_literal":
            return self._composite(node, ctx)
        if kind == "literal_value":
            return self._literal_value(node, ctx, None)
        if kind == "call_expression":
            return self._call(node, ctx)
        if kind == "selector_expression":
            base = self.value(node.child_by_field_name("operand"), ctx)
            name = self._field(node) or ""
            if isinstance(base, Resp) and name == "Body":
                return base
            if isinstance(base, Obj):
                return self.member(base, name)
            if isinstance(base, Resp):
                return Resp(base.request, base.line, (*base.keys, name))
            return unknown(self.tree.text(node), line)
        if kind == "index_expression":
            base = self.value(node.child_by_field_name("operand"), ctx)
            index = self.value(node.child_by_field_name("index"), ctx)
            if isinstance(index, Num) and isinstance(base, Arr):
                return self.element(base, int(index.value))
            if isinstance(index, Str) and index.known and isinstance(base, Obj):
                return self.member(base, index.text)
            if isinstance(base, Resp):
                key: str | int = (
                    int(index.value)
                    if isinstance(index, Num)
                    else (index.text if isinstance(index, Str) else "?")
                )
                return Resp(base.request, base.line, (*base.keys, key))
            return unknown(self.tree.text(node), line)
        return unknown(self.tree.text(node), line)

    def _composite(self, node: Node, ctx: Ctx) -> Value:
        type_node, body = node.child_by_field_name("type"), node.child_by_field_name("body")
        if body is None:
            return unknown(self.tree.text(node), self.tree.line(node))
        type_name = self.tree.text(type_node) if type_node is not None else ""
        if type_name.startswith("[]"):
            return Arr(
                tuple(self.value(c, ctx) for c in self.items(body) if c.type != "comment"),
                self.tree.line(node),
            )
        struct = type_name.lstrip("*&")
        return self._literal_value(body, ctx, self.structs.get(struct), self.struct_lines.get(struct))

    def _literal_value(
        self, body: Node, ctx: Ctx, tags: dict[str, str] | None, lines: dict[str, int] | None = None
    ) -> Value:
        fields: dict[str, Field] = {}
        items: list[Value] = []
        for element in self.items(body):
            if element.type == "keyed_element":
                key, value = element.child_by_field_name("key"), element.child_by_field_name("value")
                inner = key.named_children[0] if key is not None and key.named_child_count else key
                if inner is None:
                    continue
                if inner.type in ("identifier", "field_identifier"):
                    name = self.tree.text(inner)
                    name = tags.get(name, _snake(name)) if tags is not None else _snake(name)
                    if lines is not None and name in lines:  # the wire name is the struct's tag
                        fields[name] = Field(self.value(value, ctx), lines[name])
                        continue
                else:
                    evaluated = self.value(inner, ctx)
                    if not isinstance(evaluated, Str) or not evaluated.known:
                        continue
                    name = evaluated.text
                fields[name] = Field(self.value(value, ctx), self.tree.line(element))
            elif element.type == "literal_element":
                items.append(self.value(element, ctx))
        if items and not fields:
            return Arr(tuple(items), self.tree.line(body))
        return Obj(fields, self.tree.line(body))

    def _args(self, node: Node, ctx: Ctx) -> list[Value]:
        arguments = node.child_by_field_name("arguments")
        return (
            [self.value(c, ctx) for c in self.items(arguments) if c.type != "comment"]
            if arguments is not None
            else []
        )

    def _call(self, node: Node, ctx: Ctx) -> Value:
        function = node.child_by_field_name("function")
        line = self.tree.line(node)
        if function is None:
            return unknown(self.tree.text(node), line)
        callee = self.tree.text(function)
        method = self._field(function) if function.type == "selector_expression" else callee
        if self._is_send(node):
            request = self.request_for(node, ctx)
            if request is not None:
                return Resp(request, line)
        args = self._args(node, ctx)
        if callee in ("fmt.Sprintf",):
            return printf(args[0], args[1:], line) if args else unknown(callee, line)
        if callee in ("json.Marshal", "json.MarshalIndent"):
            return Call("json", tuple(args[:1]), {}, line)
        if callee in (
            "bytes.NewBuffer",
            "bytes.NewReader",
            "strings.NewReader",
            "bytes.NewBufferString",
            "io.ReadAll",
            "ioutil.ReadAll",
            "string",
        ):
            return args[0] if args else unknown(callee, line)
        if callee in ("os.Getenv",):
            hint = args[0].text if args and isinstance(args[0], Str) else ""
            return unknown(f"env:{hint}", line)
        if callee in ("url.JoinPath", "path.Join"):
            return concat(
                [a for pair in zip(args, [Str("/", line)] * len(args), strict=False) for a in pair][:-1], line
            )
        if callee == "strings.Join" and len(args) == 2 and isinstance(args[0], Arr):
            pieces: list[Value] = []
            for index, item in enumerate(args[0].items):
                pieces.extend([args[1], item] if index else [item])
            return concat(pieces, line)
        if callee == "strings.TrimRight" or callee == "strings.TrimSuffix":
            return args[0] if args else unknown(callee, line)
        if method == "Do" and args:
            return args[0] if isinstance(args[0], Resp) else unknown(callee, line)
        if callee == "multipart.NewWriter":
            return Call("multipart", (), {}, line)
        local = self.functions.get(method or "")
        if local is not None and (function.type == "identifier" or function.type == "selector_expression"):
            return self.inline(local, args, {}, ctx, node)
        return Call(callee, tuple(args), {}, line)

    def resolve(self, name: str, node: Node, ctx: Ctx) -> Value:
        value = super().resolve(name, node, ctx)
        if isinstance(value, Unknown) and value.param:
            function = self.function_at(node.start_byte)
            type_name = self.param_types.get(function.pos, {}).get(name) if function is not None else None
            if type_name in self.structs:  # a struct parameter: its fields, at their declarations
                lines = self.struct_lines[type_name]
                return Obj({tag: Field(Unknown(tag, at), at) for tag, at in lines.items()}, value.line)
        return value

    def out_value(self, call: Node | None, ctx: Ctx) -> Value:
        if call is None:
            return Unknown("", 0)
        function = call.child_by_field_name("function")
        method = (
            self._field(function)
            if function is not None and function.type == "selector_expression"
            else (self.tree.text(function) if function is not None else "")
        )
        args = call.child_by_field_name("arguments")
        arg_nodes = args.named_children if args is not None else []
        if method == "Decode" and function is not None:
            decoder = function.child_by_field_name("operand")
            if decoder is not None and decoder.type == "call_expression":
                inner = decoder.child_by_field_name("arguments")
                if inner is not None and inner.named_child_count:
                    return self.value(inner.named_children[0], ctx)
        if method == "Unmarshal" and arg_nodes:
            return self.value(arg_nodes[0], ctx)
        local = self.functions.get(method or "")
        if local is not None:
            request = self.request_at(call, local)
            if request is not None:
                return Resp(request, self.tree.line(call))
        return Unknown(self.tree.text(call)[:40], self.tree.line(call))

    def apply_mutation(self, value: Value, mutation: Mutation, ctx: Ctx) -> Value:
        new = self.value(mutation.node, ctx) if mutation.node is not None else Unknown("", mutation.line)
        if isinstance(value, Obj) and mutation.key is not None:
            fields = dict(value.fields)
            fields[_snake(mutation.key) if mutation.key[:1].isupper() else mutation.key] = Field(
                new, mutation.line
            )
            return Obj(fields, value.line, value.open)
        if isinstance(value, Call) and value.name == "multipart" and mutation.key is not None:
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
        if function is None or function.type != "selector_expression":
            return False
        owner = function.child_by_field_name("operand")
        method = self._field(function)
        return (
            method in _SENDS
            and owner is not None
            and (self.tree.text(owner) == "http" or method in ("Post", "PostForm"))
        )

    def send_sites(self) -> list[Node]:
        return [node for node in self._calls if self._is_send(node)]

    def build_request(self, node: Node, ctx: Ctx) -> Request | None:
        function = node.child_by_field_name("function")
        method = self._field(function) if function is not None else None
        args = self._args(node, ctx)
        line = self.tree.line(node)
        if method == "NewRequestWithContext":
            args = args[1:]
        if method in ("NewRequest", "NewRequestWithContext"):
            verb = args[0].text.upper() if args and isinstance(args[0], Str) and args[0].known else None
            url = args[1] if len(args) > 1 else None
            raw = args[2] if len(args) > 2 else None
            request = Request(line=line, site=node.start_byte, method=verb, url=url)
            self._body(request, raw)
            request.headers = self._headers(node, ctx)
            return request
        url = args[0] if args else None
        request = Request(
            line=line, site=node.start_byte, method="GET" if method == "Get" else "POST", url=url
        )
        if method == "Post" and len(args) > 2:
            self._body(request, args[2])
            content_type = args[1]
            request.headers = [("content-type", content_type, line)]
        elif method == "PostForm":
            request.body, request.encoding = (args[1] if len(args) > 1 else None), "form"
        return request

    def _body(self, request: Request, raw: Value | None) -> None:
        if raw is None or isinstance(raw, Null):
            return
        if isinstance(raw, Call) and raw.name == "multipart":
            request.body, request.encoding = raw, "multipart"
            return
        body, encoding = encoded_body(raw)
        request.body_line = request.line  # the body is handed over at the NewRequest call
        request.body, request.encoding = body, encoding

    def _headers(self, node: Node, ctx: Ctx) -> list[tuple[str | None, Value, int]] | None:
        """The headers set on the variable the request is assigned to, after it is made."""
        assigned = self._assigned.get(node.id)
        if assigned is None:
            return None
        holder, name = assigned
        scope = self.scope_of(node.start_byte)
        end = self.next_binding(name, scope, holder) or (1 << 62)
        headers: list[tuple[str | None, Value, int]] = []
        for mutation in self.changes(name, scope, holder, end):
            if mutation.key and mutation.key.startswith("header:"):
                value = (
                    self.value(mutation.node, ctx)
                    if mutation.node is not None
                    else Unknown("", mutation.line)
                )
                headers.append((mutation.key[7:].lower(), value, mutation.line))
        return headers

    def call_context(self, function: Function, call: Node) -> Ctx | None:
        return self.bind_call(function, self._args(call, Ctx()), {}, Ctx(), call)

    # -- reads ------------------------------------------------------------------------------------

    def reads(self) -> list[Read]:
        found = self.outermost(self._reads, self._unroll)
        for line, name in self._tag_reads:
            found.append(Read(line, name, ("task_id",), self.tree.text(name)))
        return found

    def _unroll(self, node: Node, keys: list[str | int], seen: set[int]) -> Node | None:
        current: Node | None = node
        while current is not None and current.type in ("selector_expression", "index_expression"):
            seen.add(current.id)
            if current.type == "selector_expression":
                keys.append(self._field(current) or "?")
            else:
                index = current.child_by_field_name("index")
                text = (
                    self.tree.text(index)
                    if index is not None and index.end_byte - index.start_byte < 80
                    else "?"
                )
                keys.append(int(text) if text.isdigit() else text.strip('"'))
            current = current.child_by_field_name("operand")
        return current
