"""Java: ``java.net.http`` (``HttpRequest.newBuilder()`` chains sent with ``client.send``), OkHttp
(``Request.Builder`` sent with ``newCall``), JSON built as strings, text blocks, ``Map.of``,
``HashMap``/``JSONObject``/``ObjectNode`` puts and Jackson/Gson serialisation, and multipart
bodies (``MultipartBody.Builder``).

A request builder is a ``Call`` value: each chained method (``uri``, ``header``, ``POST``...) adds
to it, so a builder made at one place and finished in a helper (``send(builder)`` adding the
``Authorization`` header) is judged as the one request it is.

Why this module is long: it is one language's reader (builders, maps, two HTTP clients); its parts share the evaluator and the tree walks.
"""

from __future__ import annotations

from pixapi_mcp.codecheck.program import Binding, Ctx, Function, Mutation, Program, Read
from pixapi_mcp.codecheck.request import Request, header_entries
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
(method_declaration) @func
(constructor_declaration) @func
(variable_declarator) @decl
(assignment_expression) @assign
(enhanced_for_statement) @for
(method_invocation) @call
(return_statement) @ret
(field_access) @read
(array_access) @read
(expression_statement (method_invocation) @statement)
"""

# Builder methods and what they set: the URL, a header, the method and body.
_BUILDERS = {"HttpRequest.newBuilder", "Request.Builder", "HttpPost", "HttpGet", "MultipartBody.Builder"}
_GETTERS = frozenset(
    {
        "get",
        "path",
        "getJSONObject",
        "getJSONArray",
        "getString",
        "optString",
        "optJSONObject",
        "optJSONArray",
        "getAsJsonObject",
        "getAsJsonArray",
        "getAsString",
        "at",
    }
)


class JavaProgram(Program):
    QUERY = QUERY
    STRING_PIECES = "(string_fragment) @s (multiline_string_fragment) @s"
    OBJECT_LITERALS = "(method_invocation) @o"

    def index(self) -> None:
        found = self.found
        for node in found.get("func", []):
            name, params, body = (node.child_by_field_name(f) for f in ("name", "parameters", "body"))
            if name is None or params is None or body is None:
                continue
            function = Function(self.tree.text(name), node, [])
            for param in params.named_children:
                pname = param.child_by_field_name("name")
                if param.type == "spread_parameter":
                    declarator = next(
                        (c for c in param.named_children if c.type == "variable_declarator"), None
                    )
                    rest = declarator.child_by_field_name("name") if declarator is not None else None
                    if rest is not None:
                        function.rest = self.tree.text(rest)
                        self.bind(
                            function.rest, Binding(node.start_byte, node.start_byte, param_of=node.start_byte)
                        )
                    continue
                if pname is not None:
                    text = self.tree.text(pname)
                    function.params.append(text)
                    self.bind(text, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
            self.add_function(function, body)
        self.finish_scopes()
        self.index_returns(found.get("ret", []))
        for node in found.get("decl", []):
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None:
                text = self.tree.text(name)
                self.bind(
                    text,
                    Binding(
                        node.start_byte,
                        self.scope_of(node.start_byte),
                        value,
                        value=None if value is not None else Unknown(text, self.tree.line(node)),
                    ),
                )
        for node in found.get("assign", []):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            if left.type == "field_access":
                left = left.child_by_field_name("field")
            if left is not None and left.type == "identifier":
                self.bind(
                    self.tree.text(left), Binding(node.start_byte, self.scope_of(node.start_byte), right)
                )
        for node in found.get("for", []):
            name = node.child_by_field_name("name")
            if name is not None:
                text = self.tree.text(name)
                self.bind(
                    text,
                    Binding(
                        node.start_byte,
                        self.scope_of(node.start_byte),
                        value=Unknown(text, self.tree.line(node)),
                    ),
                )
        self._calls = found.get("call", [])
        statements = {n.id for n in found.get("statement", [])}
        for node in self._calls:
            obj, name = node.child_by_field_name("object"), node.child_by_field_name("name")
            method = self.tree.text(name) if name is not None else ""
            if obj is None or obj.type == "this":
                self.calls_of.setdefault(method, []).append(node)
            elif obj.type == "identifier" and method in (
                "put",
                "set",
                "addProperty",
                "putOpt",
                "header",
                "setHeader",
                "addHeader",
                "addFormDataPart",
            ):
                args = node.child_by_field_name("arguments")
                nodes = args.named_children if args is not None else []
                # Only statements change the variable; a chain's value is its own.
                if node.id in statements and nodes:
                    self.mutate(
                        self.tree.text(obj),
                        Mutation(
                            node.start_byte,
                            self.scope_of(node.start_byte),
                            "call",
                            self.tree.line(node),
                            method,
                            node,
                            tuple(nodes),
                        ),
                    )
        self._reads = [
            *found.get("read", []),
            *[c for c in self._calls if self._getter(c) or self._text_call(c)],
        ]

    def _text_call(self, node: Node) -> bool:
        name = node.child_by_field_name("name")
        return name is not None and self.tree.text(name) in ("asText", "textValue")

    def _getter(self, node: Node) -> bool:
        name = node.child_by_field_name("name")
        return name is not None and self.tree.text(name) in _GETTERS

    # -- evaluation ------------------------------------------------------------------------------

    def eval_node(self, node: Node, ctx: Ctx) -> Value:
        kind = node.type
        line = self.tree.line(node)
        if kind == "identifier":
            return self.resolve(self.tree.text(node), node, ctx)
        if kind == "string_literal":
            return self._string(node)
        if kind in ("decimal_integer_literal", "decimal_floating_point_literal"):
            try:
                return Num(float(self.tree.text(node).rstrip("lLfFdD").replace("_", "")), line)
            except ValueError:
                return unknown(self.tree.text(node), line)
        if kind in ("true", "false"):
            return Bool(kind == "true", line)
        if kind == "null_literal":
            return Null(line)
        if kind in ("parenthesized_expression", "cast_expression") and node.named_child_count:
            return self.value(node.named_children[-1], ctx)
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
        if kind == "ternary_expression":
            for field in ("consequence", "alternative"):
                value = self.value(node.child_by_field_name(field), ctx)
                if not isinstance(value, Unknown | Null):
                    return value
            return unknown(self.tree.text(node), line)
        if kind == "method_invocation":
            return self._invoke(node, ctx)
        if kind == "object_creation_expression":
            type_node = node.child_by_field_name("type")
            name = self.tree.text(type_node).split("<", 1)[0] if type_node is not None else ""
            args = self._args(node, ctx)
            if name in ("HashMap", "LinkedHashMap", "JSONObject", "TreeMap") and not args:
                return Obj({}, line)
            if name == "JSONObject" and args and isinstance(args[0], Str):
                from pixapi_mcp.codecheck.values import json_object

                return json_object(args[0]) or unknown(name, line)
            if name in ("URI", "URL") and args:
                return args[0]
            if name in ("Request.Builder", "okhttp3.Request.Builder"):
                return Call("builder", (), {}, line)
            if name in ("MultipartBody.Builder", "okhttp3.MultipartBody.Builder"):
                return Call("multipart", (), {}, line)
            if name in ("HttpPost", "HttpGet", "HttpPut") and args:
                return Call("builder", (), {"url": args[0], "method": Str(name[4:].upper(), line)}, line)
            return Call(name, tuple(args), {}, line)
        if kind == "field_access":
            base = self.value(node.child_by_field_name("object"), ctx)
            fld = node.child_by_field_name("field")
            name = self.tree.text(fld) if fld is not None else ""
            if isinstance(base, Obj | Resp):
                return self.member(base, name)
            return unknown(self.tree.text(node), line)
        return unknown(self.tree.text(node), line)

    def _string(self, node: Node) -> Value:
        text = self.tree.text(node)
        line = self.tree.line(node)
        if text.startswith('"""'):
            body = text[3:-3] if text.endswith('"""') and len(text) >= 6 else text[3:]
            newline = body.find("\n")
            start_line = line + 1 if newline >= 0 else line
            body = body[newline + 1 :] if newline >= 0 else body
            lines = body.split("\n")
            indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
            cut = min(indents) if indents else 0
            return literal(unescape("\n".join(x[cut:] for x in lines)), start_line, node.start_byte)
        return literal(unescape(text[1:-1]), line, node.start_byte)

    def _args(self, node: Node, ctx: Ctx) -> list[Value]:
        arguments = node.child_by_field_name("arguments")
        return (
            [
                self.value(c, ctx)
                for c in self.items(arguments)
                if c.type not in ("comment", "line_comment", "block_comment")
            ]
            if arguments is not None
            else []
        )

    def _invoke(self, node: Node, ctx: Ctx) -> Value:
        obj, name_node = node.child_by_field_name("object"), node.child_by_field_name("name")
        method = self.tree.text(name_node) if name_node is not None else ""
        line = self.tree.line(name_node) if name_node is not None else self.tree.line(node)
        owner_text = self.tree.text(obj) if obj is not None else ""
        if method in ("send", "sendAsync", "newCall", "execute") and obj is not None:
            request = self._send(node, ctx)
            if request is not None:
                return Resp(request, line)
        args = self._args(node, ctx)
        qualified = f"{owner_text}.{method}" if obj is not None else method
        if qualified in ("String.format",) or method == "formatted":
            return (
                printf(args[0], args[1:], line)
                if qualified == "String.format" and args
                else printf(self.value(obj, ctx), args, line)
            )
        if qualified == "System.getenv":
            return unknown(f"env:{args[0].text if args and isinstance(args[0], Str) else ''}", line)
        if qualified == "String.join" and len(args) >= 2:
            items = list(args[1].items) if len(args) == 2 and isinstance(args[1], Arr) else args[1:]
            pieces: list[Value] = []
            for index, item in enumerate(items):
                pieces.extend([args[0], item] if index else [item])
            return concat(pieces, line)
        if qualified.endswith(("Map.of", "ImmutableMap.of")):
            return self._map_of(node, args)
        if method in ("writeValueAsString", "toJson", "writeValueAsBytes") and args:
            return Call("json", (args[0],), {}, line)
        if method in ("ofString", "ofByteArray") and "BodyPublishers" in owner_text and args:
            return Call("body", (args[0],), {}, line)
        if method in ("create", "of") and owner_text in ("URI", "RequestBody", "Path"):
            return (
                Call("body", tuple(args), {}, line)
                if owner_text == "RequestBody"
                else (args[0] if args else unknown(qualified, line))
            )
        if qualified in ("MediaType.parse", "MediaType.get", "MediaType.parse"):
            return args[0] if args else unknown(qualified, line)
        if qualified in _BUILDERS or (owner_text == "HttpRequest" and method == "newBuilder"):
            return Call("builder", tuple(args[:1]), {"url": args[0]} if args else {}, line)
        if obj is not None:
            base = self.value(obj, ctx)
            if isinstance(base, Call) and base.name in ("builder", "multipart"):
                return self._chain(base, method, args, line)
            if (
                isinstance(base, Obj)
                and method in ("put", "set", "addProperty", "putOpt")
                and len(args) >= 2
                and isinstance(args[0], Str)
            ):
                fields = dict(base.fields)
                fields[args[0].text] = Field(args[1], line)
                return Obj(fields, base.line, base.open)
            if isinstance(base, Resp):
                if method in ("body", "string", "execute", "join", "get") and not args:
                    return base
                if method in _GETTERS and args:
                    key = args[0]
                    return Resp(
                        base.request,
                        base.line,
                        (
                            *base.keys,
                            int(key.value)
                            if isinstance(key, Num)
                            else (key.text if isinstance(key, Str) else "?"),
                        ),
                    )
                return base if method in ("asText", "toString", "textValue") else unknown(qualified, line)
            if (
                method in ("readTree", "readValue", "parseString", "parse", "fromJson")
                and args
                and isinstance(args[0], Resp)
            ):
                return args[0]
            if method in ("toString", "trim", "build", "body") and isinstance(base, Str | Obj):
                return base
            if method == "build" and isinstance(base, Call):
                return base
        if owner_text == "MultipartBody.Builder" or (
            obj is not None and self.tree.text(obj).startswith("new MultipartBody.Builder")
        ):
            return Call("multipart", (), {}, line)
        local = self.functions.get(method)
        if local is not None and (obj is None or obj.type == "this"):
            return self.inline(local, args, {}, ctx, node)
        return Call(qualified, tuple(args), {}, line)

    def _map_of(self, node: Node, args: list[Value]) -> Obj:
        fields: dict[str, Field] = {}
        for index in range(0, len(args) - 1, 2):
            key = args[index]
            if isinstance(key, Str) and key.known:
                fields[key.text] = Field(args[index + 1], key.line)
        return Obj(fields, self.tree.line(node))

    def _chain(self, base: Call, method: str, args: list[Value], line: int) -> Value:
        kwargs = dict(base.kwargs)
        parts = list(base.parts)
        lowered = method.lower()
        if lowered in ("uri", "url") and args:
            kwargs["url"] = args[0]
        elif lowered in ("header", "setheader", "addheader") and len(args) >= 2 and isinstance(args[0], Str):
            parts.append(("header:" + args[0].text, args[1], line))
        elif lowered == "headers" and len(args) >= 2:
            for index in range(0, len(args) - 1, 2):
                name = args[index]
                if isinstance(name, Str):
                    parts.append(("header:" + name.text, args[index + 1], line))
        elif lowered in ("post", "put", "patch", "get", "delete"):
            kwargs["method"] = Str(method.upper(), line)
            if args:
                kwargs["body"] = args[0]
        elif lowered == "method" and args:
            kwargs["method"] = args[0]
            if len(args) > 1:
                kwargs["body"] = args[1]
        elif lowered == "addformdatapart" and args and isinstance(args[0], Str):
            parts.append((args[0].text, args[-1] if len(args) > 1 else args[0], line))
        elif lowered == "settype":
            pass
        return Call(base.name, base.args, kwargs, base.line, tuple(parts))

    def apply_mutation(self, value: Value, mutation: Mutation, ctx: Ctx) -> Value:
        args = [self.value(n, ctx) for n in mutation.args]
        if isinstance(value, Obj) and len(args) >= 2 and isinstance(args[0], Str):
            fields = dict(value.fields)
            fields[args[0].text] = Field(args[1], mutation.line)
            return Obj(fields, value.line, value.open)
        if isinstance(value, Call) and value.name in ("builder", "multipart") and mutation.key is not None:
            result = self._chain(value, mutation.key, args, mutation.line)
            return result
        return value

    # -- requests -------------------------------------------------------------------------------

    def send_sites(self) -> list[Node]:
        found: list[Node] = []
        for node in self._calls:
            name = node.child_by_field_name("name")
            if (
                name is not None
                and self.tree.text(name) in ("send", "sendAsync", "newCall")
                and node.child_by_field_name("object") is not None
            ):
                found.append(node)
        return found

    def _send(self, node: Node, ctx: Ctx) -> Request | None:
        name = node.child_by_field_name("name")
        method = self.tree.text(name) if name is not None else ""
        if method == "execute":
            obj = node.child_by_field_name("object")
            inner = self.value(obj, ctx) if obj is not None else None
            return inner.request if isinstance(inner, Resp) else None
        return self.request_for(node, ctx)

    def build_request(self, node: Node, ctx: Ctx) -> Request | None:
        args = self._args(node, ctx)
        builder = args[0] if args else None
        if not isinstance(builder, Call) or builder.name != "builder":
            return None
        line = self.tree.line(node)
        verb = builder.kwargs.get("method")
        request = Request(
            line=line,
            site=node.start_byte,
            method=verb.text.upper() if isinstance(verb, Str) and verb.known else "GET",
            url=builder.kwargs.get("url"),
            headers=header_entries(
                Obj({k[7:]: Field(v, at) for k, v, at in builder.parts if k.startswith("header:")}, line)
            ),
        )
        raw = builder.kwargs.get("body")
        if isinstance(raw, Call) and raw.name == "body":
            content = raw.args[0] if raw.args else None
            media = next((a for a in raw.args[1:] if isinstance(a, Str)), None)
            if (
                isinstance(content, Str)
                and isinstance(raw.args[-1], Str)
                and len(raw.args) > 1
                and "/" in content.text
                and "/" not in raw.args[-1].text[:1]
            ):
                content, media = raw.args[-1], content  # OkHttp's older create(MediaType, String)
            request.body, request.encoding = encoded_body(content)
            request.body_line = raw.line
            if media is not None and request.header("content-type") is None:
                request.headers = [*(request.headers or []), ("content-type", media, line)]
        elif isinstance(raw, Call) and raw.name == "multipart":
            request.body, request.encoding = raw, "multipart"
        elif raw is not None and not isinstance(raw, Null):
            request.body, request.encoding = encoded_body(raw)
            request.body_line = getattr(raw, "line", None)
        return request

    def call_context(self, function: Function, call: Node) -> Ctx | None:
        return self.bind_call(function, self._args(call, Ctx()), {}, Ctx(), call)

    def objects(self, skip_lines: frozenset[int] = frozenset()) -> list[Obj]:
        return []  # Java bodies are built by calls; the requests carry them

    # -- reads ------------------------------------------------------------------------------------

    def reads(self) -> list[Read]:
        return self.outermost(self._reads, self._unroll)

    def _unroll(self, node: Node, keys: list[str | int], seen: set[int]) -> Node | None:
        current: Node | None = node
        while current is not None:
            seen.add(current.id)
            if current.type == "method_invocation" and self._getter(current):
                arguments = current.child_by_field_name("arguments")
                first = (
                    arguments.named_children[0]
                    if arguments is not None and arguments.named_child_count
                    else None
                )
                text = (
                    self.tree.text(first)
                    if first is not None and first.end_byte - first.start_byte < 80
                    else "?"
                )
                keys.append(int(text) if text.isdigit() else text.strip('"'))
                current = current.child_by_field_name("object")
            elif current.type == "method_invocation":
                name = current.child_by_field_name("name")
                if name is None or self.tree.text(name) not in ("asText", "textValue", "toString"):
                    return current
                current = current.child_by_field_name("object")
            elif current.type == "field_access":
                fld = current.child_by_field_name("field")
                keys.append(self.tree.text(fld) if fld is not None else "?")
                current = current.child_by_field_name("object")
            elif current.type == "array_access":
                index = current.child_by_field_name("index")
                text = (
                    self.tree.text(index)
                    if index is not None and index.end_byte - index.start_byte < 80
                    else "?"
                )
                keys.append(int(text) if text.isdigit() else text)
                current = current.child_by_field_name("array")
            else:
                return current
        return None
