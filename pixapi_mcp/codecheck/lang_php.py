"""PHP: the curl extension (``curl_init`` with its ``curl_setopt``/``curl_setopt_array`` calls, sent
by ``curl_exec``), Guzzle (clients with ``base_uri``/``headers``; ``json``, ``multipart``,
``form_params`` and ``body`` options) and Laravel's ``Http`` facade.

Values: single- and double-quoted strings with interpolation, heredocs, ``.`` concatenation,
``sprintf``, arrays (``'key' => value`` and lists, ``$a['k'] = v`` and ``$a[] = v``),
``json_encode``, ``getenv``/``$_ENV``, ``??`` defaults, and local functions and methods.

Why this module is long: it is one language's reader for three HTTP styles (curl, Guzzle, Laravel); its parts share the evaluator and the tree walks.
"""

from __future__ import annotations

from pixapi_mcp.codecheck.program import Binding, Ctx, Function, Mutation, Program, Read
from pixapi_mcp.codecheck.request import Request, header_entries
from pixapi_mcp.codecheck.sends import client_parts, encoded_body
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
(function_definition) @func
(method_declaration) @func
(assignment_expression) @assign
(foreach_statement) @for
(const_element) @const
(function_call_expression) @call
(member_call_expression) @mcall
(return_statement) @ret
(subscript_expression) @read
(member_access_expression) @read
"""

_GUZZLE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "request", "postAsync", "requestAsync"})


class PhpProgram(Program):
    QUERY = QUERY
    OBJECT_LITERALS = "(array_creation_expression) @o"

    def index(self) -> None:
        found = self.found
        for node in found.get("func", []):
            name, params, body = (node.child_by_field_name(f) for f in ("name", "parameters", "body"))
            if name is None or params is None or body is None:
                continue
            function = Function(self.tree.text(name), node, [])
            for param in params.named_children:
                pname = param.child_by_field_name("name")
                if pname is None:
                    continue
                text = self.tree.text(pname)
                if param.type == "variadic_parameter":
                    function.rest = text
                    self.bind(text, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
                    continue
                function.params.append(text)
                default = param.child_by_field_name("default_value")
                if default is not None:
                    function.defaults[text] = default
                self.bind(text, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
            self.add_function(function, body)
        self.finish_scopes()
        self.index_returns(found.get("ret", []))
        for node in found.get("assign", []):
            self._assignment(node)
        for node in found.get("for", []):
            for child in node.named_children[1:3]:
                if child.type == "variable_name":
                    text = self.tree.text(child)
                    self.bind(
                        text,
                        Binding(
                            node.start_byte,
                            self.scope_of(node.start_byte),
                            value=Unknown(text, self.tree.line(node)),
                        ),
                    )
        for node in found.get("const", []):
            children = node.named_children
            if len(children) >= 2:
                self.bind(self.tree.text(children[0]), Binding(node.start_byte, 0, children[-1]))
        self._calls = found.get("call", [])
        self._mcalls = found.get("mcall", [])
        for node in self._calls:
            function = node.child_by_field_name("function")
            name = self.tree.text(function) if function is not None else ""
            self.calls_of.setdefault(name, []).append(node)
            args = self._arg_nodes(node)
            if name == "define" and len(args) >= 2:
                constant = self.value(args[0])
                if isinstance(constant, Str) and constant.known:
                    self.bind(constant.text, Binding(node.start_byte, 0, args[1]))
            if (
                name in ("curl_setopt", "curl_setopt_array")
                and len(args) >= 2
                and args[0].type == "variable_name"
            ):
                scope, line = self.scope_of(node.start_byte), self.tree.line(node)
                self.mutate(
                    self.tree.text(args[0]),
                    Mutation(node.start_byte, scope, "call", line, name, node, tuple(args[1:])),
                )
        for node in self._mcalls:
            obj, name = node.child_by_field_name("object"), node.child_by_field_name("name")
            if obj is not None and self.tree.text(obj) == "$this" and name is not None:
                self.calls_of.setdefault(self.tree.text(name), []).append(node)
        self._reads = found.get("read", [])

    def _assignment(self, node: Node) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        scope, line = self.scope_of(node.start_byte), self.tree.line(node)
        if left.type == "variable_name":
            self.bind(self.tree.text(left), Binding(node.start_byte, scope, right))
        elif left.type == "subscript_expression" and left.named_child_count:
            target = left.named_children[0]
            if target.type != "variable_name":
                return
            if left.named_child_count == 1:
                self.mutate(
                    self.tree.text(target), Mutation(node.start_byte, scope, "append", line, None, right)
                )
                return
            key_node = left.named_children[1]
            key = self.value(key_node)
            if key_node.type == "name":  # a constant such as CURLOPT_HTTPHEADER
                self.mutate(
                    self.tree.text(target),
                    Mutation(node.start_byte, scope, "set", line, self.tree.text(key_node), right),
                )
            elif isinstance(key, Str) and key.known:
                self.mutate(
                    self.tree.text(target), Mutation(node.start_byte, scope, "set", line, key.text, right)
                )
        elif left.type == "member_access_expression" and self.tree.text(left).startswith("$this->"):
            self.bind(self.tree.text(left), Binding(node.start_byte, 0, right))  # a property of the object
        elif left.type == "member_access_expression":
            obj, name = left.child_by_field_name("object"), left.child_by_field_name("name")
            if obj is not None and name is not None and obj.type == "variable_name":
                self.mutate(
                    self.tree.text(obj),
                    Mutation(node.start_byte, scope, "set", line, self.tree.text(name), right),
                )

    def _arg_nodes(self, node: Node) -> list[Node]:
        arguments = node.child_by_field_name("arguments") or next(
            (c for c in node.named_children if c.type == "arguments"), None
        )
        if arguments is None:
            return []
        return [
            a.named_children[-1] if a.type == "argument" and a.named_child_count else a
            for a in self.items(arguments)
            if a.type != "comment"
        ]

    # -- evaluation ------------------------------------------------------------------------------

    def eval_node(self, node: Node, ctx: Ctx) -> Value:
        kind = node.type
        line = self.tree.line(node)
        if kind == "variable_name" or (
            kind in ("name", "member_access_expression") and self.tree.text(node) in self.bindings
        ):
            return self.resolve(self.tree.text(node), node, ctx)
        if kind == "string":
            text = self.tree.text(node)
            body = text[1:-1] if len(text) >= 2 else ""
            decoded = (
                body.replace("\\'", "'").replace("\\\\", "\\") if text.startswith("'") else unescape(body)
            )
            return literal(decoded, line, node.start_byte + 1)
        if kind in ("encapsed_string", "heredoc", "nowdoc"):
            return self._encapsed(node, ctx)
        if kind in ("integer", "float"):
            try:
                return Num(float(self.tree.text(node)), line)
            except ValueError:
                return unknown(self.tree.text(node), line)
        if kind == "boolean":
            return Bool(self.tree.text(node).lower() == "true", line)
        if kind == "null":
            return Null(line)
        if kind in ("parenthesized_expression", "argument", "cast_expression") and node.named_child_count:
            return self.value(node.named_children[-1], ctx)
        if kind == "binary_expression":
            op = node.child_by_field_name("operator")
            operator = self.tree.text(op) if op is not None else ""
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if operator == ".":
                return concat([self.value(left, ctx), self.value(right, ctx)], line)
            if operator in ("??", "?:", "||", "or"):
                first = self.value(left, ctx)
                return first if not isinstance(first, Unknown | Null) else self.value(right, ctx)
            return unknown(self.tree.text(node), line)
        if kind == "conditional_expression":
            for child in node.named_children[1:]:
                value = self.value(child, ctx)
                if not isinstance(value, Unknown | Null):
                    return value
            return unknown(self.tree.text(node), line)
        if kind == "array_creation_expression":
            return self._array(node, ctx)
        if kind == "function_call_expression":
            return self._function_call(node, ctx)
        if kind in ("member_call_expression", "scoped_call_expression", "nullsafe_member_call_expression"):
            return self._method_call(node, ctx)
        if kind == "object_creation_expression":
            name = next(
                (self.tree.text(c) for c in node.named_children if c.type in ("name", "qualified_name")), ""
            )
            args = [self.value(a, ctx) for a in self._arg_nodes(node)]
            options = args[0] if args and isinstance(args[0], Obj) else None
            short = name.rsplit("\\", 1)[-1]
            if short == "CURLFile":
                return unknown("file", line)
            return Call(
                short if short != "Client" else "guzzle",
                tuple(args),
                {k: f.value for k, f in options.fields.items()} if options else {},
                line,
            )
        if kind == "subscript_expression":
            target = node.named_children[0] if node.named_child_count else None
            target_text = self.tree.text(target) if target is not None else ""
            key = self.value(node.named_children[1], ctx) if node.named_child_count > 1 else None
            if target_text in ("$_ENV", "$_SERVER"):
                return unknown(f"env:{key.text if isinstance(key, Str) else ''}", line)
            base = self.value(target, ctx)
            if isinstance(key, Num) and isinstance(base, Arr):
                return self.element(base, int(key.value))
            if isinstance(base, Resp) and key is not None:
                index: str | int = (
                    int(key.value) if isinstance(key, Num) else (key.text if isinstance(key, Str) else "?")
                )
                return Resp(base.request, base.line, (*base.keys, index))
            if isinstance(key, Str) and key.known and isinstance(base, Obj):
                return self.member(base, key.text)
            return unknown(self.tree.text(node), line)
        if kind == "member_access_expression":
            base = self.value(node.child_by_field_name("object"), ctx)
            name_node = node.child_by_field_name("name")
            name = self.tree.text(name_node) if name_node is not None else ""
            if isinstance(base, Resp):
                return Resp(base.request, base.line, (*base.keys, name))
            if isinstance(base, Obj):
                return self.member(base, name)
            return unknown(self.tree.text(node), line)
        return unknown(self.tree.text(node), line)

    def _encapsed(self, node: Node, ctx: Ctx) -> Value:
        pieces: list[Value] = []
        nowdoc = node.type == "nowdoc"
        stack = list(reversed(node.named_children))
        while stack:
            child = stack.pop()
            if child.type in ("heredoc_body", "nowdoc_body"):
                stack.extend(reversed(child.named_children))
            elif child.type in ("string_content", "string_value", "nowdoc_string"):
                text = self.tree.text(child)
                pieces.append(
                    literal(text if nowdoc else unescape(text), self.tree.line(child), child.start_byte)
                )
            elif child.type == "escape_sequence":
                pieces.append(
                    literal(unescape(self.tree.text(child)), self.tree.line(child), child.start_byte)
                )
            elif child.type in ("heredoc_start", "heredoc_end"):
                continue
            else:
                pieces.append(self.value(child, ctx))
        return (
            concat(pieces, self.tree.line(node))
            if pieces
            else literal("", self.tree.line(node), node.start_byte)
        )

    def _array(self, node: Node, ctx: Ctx) -> Value:
        fields: dict[str, Field] = {}
        items: list[Value] = []
        for element in self.items(node):
            if element.type != "array_element_initializer":
                continue
            children = [c for c in element.named_children if c.type != "comment"]
            if len(children) >= 2:
                key = self.value(children[0], ctx)
                if isinstance(key, Str) and key.known:
                    fields[key.text] = Field(self.value(children[1], ctx), self.tree.line(element))
                elif isinstance(key, Num):
                    fields[str(int(key.value))] = Field(self.value(children[1], ctx), self.tree.line(element))
                elif children[0].type == "name":  # CURLOPT_* constants
                    fields[self.tree.text(children[0])] = Field(
                        self.value(children[1], ctx), self.tree.line(element)
                    )
            elif children:
                items.append(self.value(children[0], ctx))
        if fields and not items:
            return Obj(fields, self.tree.line(node))
        if items and not fields:
            return Arr(tuple(items), self.tree.line(node))
        if not fields and not items:
            return Obj({}, self.tree.line(node))
        return Obj(fields, self.tree.line(node), open=True)

    def _function_call(self, node: Node, ctx: Ctx) -> Value:
        function = node.child_by_field_name("function")
        name = (self.tree.text(function) if function is not None else "").lstrip("\\")
        line = self.tree.line(node)
        args = [self.value(a, ctx) for a in self._arg_nodes(node)]
        if name == "curl_exec":
            request = self.request_for(node, ctx)
            return Resp(request, line) if request is not None else unknown(name, line)
        if name == "curl_init":
            return Call("curl", (), {"CURLOPT_URL": args[0]} if args else {}, line)
        if name == "json_encode":
            return Call("json", tuple(args[:1]), {}, line)
        if name in ("json_decode", "trim", "strval", "rtrim", "urlencode", "rawurlencode"):
            return args[0] if args else unknown(name, line)
        if name == "http_build_query":
            return Call("form", tuple(args[:1]), {}, line)
        if name in ("getenv", "env"):
            default = args[1] if len(args) > 1 else None
            return (
                default
                if default is not None and name == "env"
                else unknown(f"env:{args[0].text if args and isinstance(args[0], Str) else ''}", line)
            )
        if name == "sprintf":
            return printf(args[0], args[1:], line) if args else unknown(name, line)
        if name == "implode" and len(args) == 2 and isinstance(args[1], Arr) and isinstance(args[0], Str):
            joined: list[Value] = []
            for index, item in enumerate(args[1].items):
                if index:
                    joined.append(args[0])
                joined.append(item)
            return concat(joined, line)
        if name == "file_get_contents":
            request = self.request_for(node, ctx)
            if request is not None and request.is_pixapi():
                return Resp(request, line)
        if name in ("curl_file_create", "fopen", "file_get_contents", "base64_encode"):
            return unknown(name, line)
        local = self.functions.get(name)
        if local is not None:
            return self.inline(local, args, {}, ctx, node)
        return Call(name, tuple(args), {}, line)

    def _method_call(self, node: Node, ctx: Ctx) -> Value:
        name_node = node.child_by_field_name("name")
        method = self.tree.text(name_node) if name_node is not None else ""
        line = self.tree.line(node)
        owner = node.child_by_field_name("object") or node.child_by_field_name("scope")
        owner_text = self.tree.text(owner) if owner is not None else ""
        if self._is_http(node):
            request = self.request_for(node, ctx)
            if request is not None:
                return Resp(request, line)
        args = [self.value(a, ctx) for a in self._arg_nodes(node)]
        if owner_text == "Http" or owner_text.endswith("\\Http"):
            return self._laravel(Call("laravel", (), {}, line), method, args, line)
        base = self.value(owner, ctx) if owner is not None else None
        if isinstance(base, Call) and base.name == "laravel":
            return self._laravel(base, method, args, line)
        if isinstance(base, Resp) and method in (
            "getBody",
            "getContents",
            "json",
            "body",
            "object",
            "toArray",
        ):
            return base
        if owner_text == "$this" and method in self.functions:
            return self.inline(self.functions[method], args, {}, ctx, node)
        return Call(f"{owner_text}->{method}", tuple(args), {}, line)

    def _laravel(self, base: Call, method: str, args: list[Value], line: int) -> Value:
        parts = list(base.parts)
        if method == "withToken" and args:
            parts.append(("header:Authorization", concat([Str("Bearer ", line), args[0]], line), line))
        elif method == "withHeaders" and args and isinstance(args[0], Obj):
            parts.extend((f"header:{k}", f.value, f.line) for k, f in args[0].fields.items())
        elif method in ("asMultipart", "attach"):
            parts.append(("multipart", Bool(True, line), line))
            if method == "attach" and args and isinstance(args[0], Str):
                parts.append((f"part:{args[0].text}", args[1] if len(args) > 1 else args[0], line))
        elif method == "asForm":
            parts.append(("form", Bool(True, line), line))
        elif method == "baseUrl" and args:
            return Call(base.name, base.args, {**base.kwargs, "base_url": args[0]}, base.line, tuple(parts))
        return Call(base.name, base.args, base.kwargs, base.line, tuple(parts))

    def apply_mutation(self, value: Value, mutation: Mutation, ctx: Ctx) -> Value:
        if (
            isinstance(value, Call)
            and value.name == "curl"
            and mutation.key in ("curl_setopt", "curl_setopt_array")
        ):
            kwargs = dict(value.kwargs)
            if mutation.key == "curl_setopt" and len(mutation.args) >= 2:
                kwargs[self.tree.text(mutation.args[0])] = self.value(mutation.args[1], ctx)
            elif mutation.args:
                options = self.value(mutation.args[0], ctx)
                if isinstance(options, Obj):
                    kwargs.update({k: f.value for k, f in options.fields.items()})
            return Call(value.name, value.args, kwargs, value.line, value.parts)
        new = self.value(mutation.node, ctx) if mutation.node is not None else Unknown("", mutation.line)
        if isinstance(value, Obj) and mutation.key is not None:
            fields = dict(value.fields)
            fields[mutation.key] = Field(new, mutation.line)
            return Obj(fields, value.line, value.open)
        if isinstance(value, Arr) and mutation.kind == "append":
            return Arr((*value.items, new), value.line)
        if isinstance(value, Obj) and mutation.kind == "append" and not value.fields:
            return Arr((new,), value.line)
        return value

    # -- requests -------------------------------------------------------------------------------

    def _is_http(self, node: Node) -> bool:
        name_node = node.child_by_field_name("name")
        method = self.tree.text(name_node) if name_node is not None else ""
        return method in _GUZZLE_METHODS and node.type in (
            "member_call_expression",
            "nullsafe_member_call_expression",
            "scoped_call_expression",
        )

    def send_sites(self) -> list[Node]:
        sites = [
            n
            for n in self._calls
            if self.tree.text(n.child_by_field_name("function") or n) in ("curl_exec", "file_get_contents")
        ]
        return sites + [n for n in self._mcalls if self._is_http(n)]

    def build_request(self, node: Node, ctx: Ctx) -> Request | None:
        line = self.tree.line(node)
        args = [self.value(a, ctx) for a in self._arg_nodes(node)]
        function = node.child_by_field_name("function")
        if function is not None and self.tree.text(function) == "file_get_contents":
            return self._stream(args, line, node.start_byte)
        if node.type == "function_call_expression":
            handle = args[0] if args else None
            if not isinstance(handle, Call) or handle.name != "curl":
                return None
            return self._curl(handle, line, node.start_byte)
        name_node = node.child_by_field_name("name")
        method = self.tree.text(name_node) if name_node is not None else ""
        owner = node.child_by_field_name("object") or node.child_by_field_name("scope")
        owner_text = self.tree.text(owner) if owner is not None else ""
        receiver = (
            self.value(owner, ctx)
            if owner is not None and owner_text != "Http"
            else Call("laravel", (), {}, line)
        )
        if isinstance(receiver, Obj | Arr | Str | Resp):
            return None
        if method in ("request", "requestAsync"):
            verb = args[0].text.upper() if args and isinstance(args[0], Str) else None
            args = args[1:]
        else:
            verb = method.removesuffix("Async").upper()
        url = args[0] if args else None
        options = args[1] if len(args) > 1 else None
        if isinstance(receiver, Call) and receiver.name == "laravel":
            return self._laravel_request(receiver, verb, url, options, line, node.start_byte)
        base, client_headers = client_parts(receiver)
        if isinstance(receiver, Unknown):
            client_headers = [(None, receiver, line)]  # a client made elsewhere may carry headers
        request = Request(line=line, site=node.start_byte, method=verb, url=url, base=base)
        opts = options if isinstance(options, Obj) else Obj({}, line, open=options is not None)
        headers = header_entries(opts.get("headers"))
        request.headers = None if headers is None else [*client_headers, *headers]
        if opts.get("json") is not None:
            request.body, request.encoding, request.auto_json = opts.get("json"), "json", True
        elif opts.get("multipart") is not None:
            request.body, request.encoding = self._multipart(opts.get("multipart"), line), "multipart"
        elif opts.get("form_params") is not None:
            request.body, request.encoding = opts.get("form_params"), "form"
        elif opts.get("body") is not None:
            request.body, request.encoding = encoded_body(opts.get("body"))
            request.body_line = opts.fields["body"].line
        request.query = opts.get("query")
        return request

    def _multipart(self, value: Value | None, line: int) -> Obj:
        fields: dict[str, Field] = {}
        if isinstance(value, Arr):
            for item in value.items:
                if isinstance(item, Obj):
                    name = item.get("name")
                    if isinstance(name, Str) and name.known:
                        fields[name.text] = Field(item.get("contents") or Unknown("", line), item.line)
        return Obj(fields, line)

    def _laravel_request(
        self, client: Call, verb: str | None, url: Value | None, data: Value | None, line: int, site: int
    ) -> Request:
        headers: list[tuple[str | None, Value, int]] = [
            (name[7:].lower(), value, at) for name, value, at in client.parts if name.startswith("header:")
        ]
        multipart = any(name == "multipart" for name, _, _ in client.parts)
        form = any(name == "form" for name, _, _ in client.parts)
        body: Value | None = data
        if multipart:
            fields = dict(data.fields) if isinstance(data, Obj) else {}
            fields.update(
                {name[5:]: Field(value, at) for name, value, at in client.parts if name.startswith("part:")}
            )
            body = Obj(fields, line)
        encoding = (
            "multipart" if multipart else ("form" if form else ("json" if isinstance(data, Obj) else "none"))
        )
        return Request(
            line=line,
            site=site,
            method=verb,
            url=url,
            base=client.kwargs.get("base_url"),
            headers=headers,
            body=body,
            encoding=encoding,
            auto_json=encoding == "json",
        )  # pyright: ignore[reportArgumentType]

    def _stream(self, args: list[Value], line: int, site: int) -> Request | None:
        """``file_get_contents($url, false, stream_context_create(['http' => [...]]))``."""
        url = args[0] if args else None
        if not isinstance(url, Str):
            return None
        context = args[2] if len(args) > 2 else None
        options = context.args[0] if isinstance(context, Call) and context.args else None
        http = options.get("http") if isinstance(options, Obj) else None
        request = Request(line=line, site=site, method="GET", url=url, headers=[])
        if isinstance(http, Obj):
            method = http.get("method")
            request.method = method.text.upper() if isinstance(method, Str) else "GET"
            header = http.get("header")
            lines: list[Value] = []
            if isinstance(header, Str):
                lines = [
                    Str(part, header.line, header.marks, header.holes)
                    for part in header.text.split("\r\n")
                    if part
                ]
            elif isinstance(header, Arr):
                lines = list(header.items)
            request.headers = header_entries(Arr(tuple(lines), line))
            content = http.get("content")
            if content is not None:
                request.body, request.encoding = encoded_body(content)
                request.body_line = http.fields["content"].line
        elif context is not None:
            request.headers = None
        return request

    def _curl(self, handle: Call, line: int, site: int) -> Request:
        options = handle.kwargs
        fields = options.get("CURLOPT_POSTFIELDS")
        custom = options.get("CURLOPT_CUSTOMREQUEST")
        verb = (
            custom.text.upper()
            if isinstance(custom, Str)
            else ("POST" if fields is not None or isinstance(options.get("CURLOPT_POST"), Bool) else "GET")
        )
        request = Request(line=line, site=site, method=verb, url=options.get("CURLOPT_URL"))
        request.headers = header_entries(options.get("CURLOPT_HTTPHEADER"))
        if isinstance(fields, Obj):
            request.body, request.encoding = fields, "multipart"  # curl sends an array as multipart/form-data
        elif isinstance(fields, Call) and fields.name == "form":
            request.body, request.encoding = (fields.args[0] if fields.args else None), "form"
        elif fields is not None:
            request.body, request.encoding = encoded_body(fields)
            request.body_line = getattr(fields, "line", None)
        return request

    def call_context(self, function: Function, call: Node) -> Ctx | None:
        return self.bind_call(function, [self.value(a) for a in self._arg_nodes(call)], {}, Ctx(), call)

    # -- reads ------------------------------------------------------------------------------------

    def reads(self) -> list[Read]:
        return [
            Read(r.line, r.root, r.keys, r.root_text.lstrip("$"))
            for r in self.outermost(self._reads, self._unroll)
        ]

    def _unroll(self, node: Node, keys: list[str | int], seen: set[int]) -> Node | None:
        current: Node | None = node
        while current is not None and current.type in ("subscript_expression", "member_access_expression"):
            seen.add(current.id)
            if current.type == "subscript_expression":
                if current.named_child_count < 2:
                    return None
                index = current.named_children[1]
                text = self.tree.text(index) if index.end_byte - index.start_byte < 80 else "?"
                keys.append(int(text) if text.isdigit() else text.strip("'\""))
                current = current.named_children[0]
            else:
                name = current.child_by_field_name("name")
                keys.append(self.tree.text(name) if name is not None else "?")
                current = current.child_by_field_name("object")
        return current
