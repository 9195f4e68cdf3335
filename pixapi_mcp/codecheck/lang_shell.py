"""Shell: ``curl`` command lines (options as curl reads them: ``-H``, ``-d``/``--data*`` and
``--json``, ``-F``, ``-X``, ``--url``, ``-u``, ``--oauth2-bearer``, heredoc bodies), variables
(``API=...``, ``$(curl ...)``, ``${VAR:-default}``), shell functions (``$1``, ``$2`` bound at each
call), and ``jq`` filters reading the answers.

Why this module is long: curl's option grammar and jq's paths are part of reading shell; they share the evaluator.
"""

from __future__ import annotations

import re

from pixapi_mcp.codecheck.program import MAX_ITEMS, Binding, Ctx, Function, Program, Read
from pixapi_mcp.codecheck.request import Request, header_line
from pixapi_mcp.codecheck.sends import encoded_body
from pixapi_mcp.codecheck.syntax import Node
from pixapi_mcp.codecheck.values import Field, Obj, Resp, Str, Unknown, Value, concat, literal, unknown

QUERY = """
(function_definition) @func
(variable_assignment) @assign
(command) @cmd
(for_statement) @for
(pipeline) @pipe
(redirected_statement) @redir
"""

# curl options that take a value (the value is the next argument unless attached).
_VALUED = frozenset(
    [
        "-o",
        "-w",
        "-m",
        "-A",
        "-e",
        "-x",
        "-b",
        "-c",
        "-K",
        "-T",
        "-r",
        "-y",
        "-Y",
        "-z",
        "-E",
        "-u",
        "-X",
        "-H",
        "-d",
        "-F",
        "--output",
        "--write-out",
        "--max-time",
        "--connect-timeout",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--user-agent",
        "--proxy",
        "--cookie",
        "--cookie-jar",
        "--cert",
        "--key",
        "--cacert",
        "--resolve",
        "--limit-rate",
        "--range",
        "--upload-file",
        "--config",
        "--request",
        "--header",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-ascii",
        "--data-urlencode",
        "--json",
        "--form",
        "--form-string",
        "--url",
        "--user",
        "--oauth2-bearer",
        "--referer",
        "--interface",
        "--dns-servers",
    ]
)
_JQ_PATH = re.compile(r"(?:\.(?:[A-Za-z_]\w{0,40}|\"[^\"]{1,40}\")|\[\d{1,4}\])+")


def _unquote_shell(text: str) -> str:
    return re.sub(r'\\([\\"$`])', r"\1", text)


class ShellProgram(Program):
    QUERY = QUERY
    STRING_PIECES = "(string_content) @s (raw_string) @s (word) @s"
    OBJECT_LITERALS = ""

    def index(self) -> None:
        found = self.found
        for node in found.get("func", []):
            name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
            if name is None or body is None:
                continue
            function = Function(self.tree.text(name), node, [str(i) for i in range(1, 10)])
            for param in function.params:
                self.bind(param, Binding(node.start_byte, node.start_byte, param_of=node.start_byte))
            self.add_function(function, body)
        self.finish_scopes()
        for node in found.get("assign", []):
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None:
                self.bind(
                    self.tree.text(name),
                    Binding(
                        node.start_byte,
                        self.scope_of(node.start_byte),
                        value,
                        value=None
                        if value is not None
                        else literal("", self.tree.line(node), node.start_byte),
                    ),
                )
        for node in found.get("for", []):
            variable = node.child_by_field_name("variable")
            if variable is not None:
                text = self.tree.text(variable)
                self.bind(
                    text,
                    Binding(
                        node.start_byte,
                        self.scope_of(node.start_byte),
                        value=Unknown(text, self.tree.line(node)),
                    ),
                )
        self._commands = found.get("cmd", [])
        # Where each command sits (tree-sitter finds a parent by walking down from the root).
        self._in_pipe: dict[int, tuple[list[Node], int]] = {}
        for pipe in found.get("pipe", []):
            members = [c for c in pipe.named_children if c.type in ("command", "redirected_statement")]
            for index, member in enumerate(members):
                inner = (
                    member.child_by_field_name("body") if member.type == "redirected_statement" else member
                )
                if inner is not None:
                    self._in_pipe[inner.id] = (members, index)
        self._redirected: dict[int, Node] = {}
        for redirected in found.get("redir", []):
            body = redirected.child_by_field_name("body")
            if body is not None:
                self._redirected[body.id] = redirected
        for node in self._commands:
            name = self._name(node)
            if name in self.functions:
                self.calls_of.setdefault(name, []).append(node)

    def _name(self, node: Node) -> str:
        name = node.child_by_field_name("name")
        return self.tree.text(name) if name is not None else ""

    # -- evaluation ------------------------------------------------------------------------------

    def eval_node(self, node: Node, ctx: Ctx) -> Value:
        kind = node.type
        line = self.tree.line(node)
        if kind in ("word", "number"):
            return literal(re.sub(r"\\(.)", r"\1", self.tree.text(node)), line, node.start_byte)
        if kind == "raw_string":
            return literal(self.tree.text(node)[1:-1], line, node.start_byte + 1)
        if kind == "ansi_c_string":
            return literal(self.tree.text(node)[2:-1], line, node.start_byte + 2)
        if kind == "string":
            pieces: list[Value] = []
            for child in node.named_children:
                if child.type == "string_content":
                    pieces.append(
                        literal(
                            _unquote_shell(self.tree.text(child)), self.tree.line(child), child.start_byte
                        )
                    )
                else:
                    pieces.append(self.value(child, ctx))
            if not pieces:
                return literal("", line, node.start_byte)
            return pieces[0] if len(pieces) == 1 else concat(pieces, line)
        if kind == "concatenation":
            return concat([self.value(c, ctx) for c in node.named_children], line)
        if kind in ("simple_expansion", "expansion"):
            name = next(
                (c for c in node.named_children if c.type in ("variable_name", "special_variable_name")), None
            )
            if name is None:
                return unknown(self.tree.text(node), line)
            value = self.resolve(self.tree.text(name), node, ctx)
            if isinstance(value, Unknown) and kind == "expansion":
                default = [c for c in node.named_children if c is not name]
                if default and "-" in self.tree.text(node):
                    return self.value(default[-1], ctx)
            return value
        if kind == "command_substitution":
            inner = node.named_children[0] if node.named_child_count else None
            return self._output(inner, ctx) if inner is not None else unknown("", line)
        return unknown(self.tree.text(node), line)

    def _output(self, node: Node, ctx: Ctx) -> Value:
        """What a command (or pipeline) prints: the answer of a curl, a helper's answer, a jq read."""
        line = self.tree.line(node)
        if node.type == "pipeline":
            commands = [c for c in node.named_children if c.type in ("command", "redirected_statement")]
            value: Value = unknown("", line)
            for command in commands:
                if self._name(command) == "jq" and isinstance(value, Resp):
                    value = self._jq(command, value)
                else:
                    value = self._output(command, ctx)
            return value
        if node.type == "redirected_statement":
            body = node.child_by_field_name("body")
            return self._output(body, ctx) if body is not None else unknown("", line)
        if node.type != "command":
            return unknown(self.tree.text(node), line)
        name = self._name(node)
        if name == "curl":
            request = self.request_for(node, ctx)
            return Resp(request, line) if request is not None else unknown("curl", line)
        if name in ("echo", "printf"):
            args = self._args(node)
            return self.value(args[-1], ctx) if args else unknown(name, line)
        if name == "jq" and any(self.tree.text(a) in ("-n", "--null-input") for a in self._args(node)):
            return self._jq_object(node, ctx)
        if name == "jq":
            source = self._jq_input(node)
            base = self.value(source, ctx) if source is not None else None
            return self._jq(node, base) if isinstance(base, Resp) else unknown("jq", line)
        function = self.functions.get(name)
        if function is not None:
            request = self.request_at(node, function)
            if request is not None:
                return Resp(request, line)
        return unknown(name, line)

    def _jq_object(self, command: Node, ctx: Ctx) -> Value:
        """The object ``jq -n --arg k v '{...}'`` prints."""
        line = self.tree.line(command)
        args = self._args(command)
        variables: dict[str, Value] = {}
        program: Str | None = None
        index = 0
        while index < len(args):
            flag = self.tree.text(args[index])
            if flag in ("--arg", "--argjson") and index + 2 < len(args):
                value = self.value(args[index + 2], ctx)
                if flag == "--argjson" and isinstance(value, Str) and value.known:
                    value = _json_scalar(value) or value
                variables[self.tree.text(args[index + 1])] = value
                index += 3
                continue
            if not flag.startswith("-"):
                evaluated = self.value(args[index], ctx)
                program = evaluated if isinstance(evaluated, Str) else None
            index += 1
        if program is None or not program.text.strip().startswith("{"):
            return unknown("jq", line)
        fields: dict[str, Field] = {}
        text = program.text
        start = text.find("{") + 1
        for begin, entry in _top_level(text, start):
            key, colon, rest = entry.partition(":")
            key = key.strip().strip('"')
            at = program.line_at(begin + len(entry) - len(entry.lstrip()))
            if not colon:
                key = key.lstrip("$")
                fields[key] = Field(variables.get(key, Unknown(key, at)), at)
                continue
            raw = rest.strip()
            if raw.startswith("$"):
                value = variables.get(raw[1:], Unknown(raw, at))
            else:
                value = _json_scalar(Str(raw, at)) or Unknown(raw, at)
            fields[key] = Field(value, at)
        return Obj(fields, program.line)

    def _jq(self, command: Node, value: Resp) -> Value:
        filters = [a for a in self._args(command) if not self.tree.text(a).startswith("-")]
        if not filters:
            return value
        match = _JQ_PATH.match(self.tree.text(filters[0]).strip("'\"").strip())
        keys = _jq_keys(match.group(0)) if match else []
        return Resp(value.request, value.line, (*value.keys, *keys))

    def _jq_input(self, command: Node) -> Node | None:
        redirected = self._redirected.get(command.id)
        if redirected is not None:
            for redirect in redirected.children_by_field_name("redirect"):
                if redirect.type == "herestring_redirect" and redirect.named_child_count:
                    return redirect.named_children[-1]
        for redirect in command.children_by_field_name("redirect"):
            if redirect.type == "herestring_redirect" and redirect.named_child_count:
                return redirect.named_children[-1]
        placed = self._in_pipe.get(command.id)
        if placed is not None:
            siblings, index = placed
            if index > 0:
                before = siblings[index - 1]
                if self._name(before) in ("echo", "printf"):
                    args = self._args(before)
                    return args[-1] if args else None
                return before
        return None

    def _args(self, node: Node) -> list[Node]:
        found = node.children_by_field_name("argument")
        # A real command line is short; of a huge one, its start and its last word (often the URL).
        return found if len(found) <= 2 * MAX_ITEMS else found[: 2 * MAX_ITEMS] + found[-1:]

    # -- requests -------------------------------------------------------------------------------

    def send_sites(self) -> list[Node]:
        return [node for node in self._commands if self._name(node) == "curl"]

    def build_request(self, node: Node, ctx: Ctx) -> Request | None:
        line = self.tree.line(node)
        request = Request(line=line, site=node.start_byte, headers=[])
        args = [(self.value(a, ctx), a) for a in self._args(node)]
        data: list[Value] = []
        form: dict[str, Field] = {}
        pending: str | None = None
        json_body = False
        for value, arg in args:
            if pending is not None:
                self._option(request, pending, value, self.tree.line(arg), data, form)
                json_body = json_body or pending == "--json"
                pending = None
                continue
            if not isinstance(value, Str):
                if request.url is None:
                    request.url = value
                continue
            text = value.text
            if text.startswith("--"):
                name, eq, attached = text.partition("=")
                if name in _VALUED:
                    if eq:
                        self._option(
                            request,
                            name,
                            Str(attached, value.line, value.marks, value.holes),
                            self.tree.line(arg),
                            data,
                            form,
                        )
                        json_body = json_body or name == "--json"
                    else:
                        pending = name
                continue
            if text.startswith("-") and len(text) > 1:
                for index, flag in enumerate(text[1:], start=1):
                    if f"-{flag}" in _VALUED:
                        rest = text[index + 1 :]
                        if rest:
                            self._option(
                                request,
                                f"-{flag}",
                                Str(rest, value.line, value.marks, value.holes),
                                self.tree.line(arg),
                                data,
                                form,
                            )
                        else:
                            pending = f"-{flag}"
                        break
                continue
            if request.url is None:
                request.url = value
        if data:
            body = (
                data[0]
                if len(data) == 1
                else concat(
                    [d for pair in zip(data, [Str("&", line)] * len(data), strict=False) for d in pair][:-1],
                    line,
                )
            )
            if isinstance(body, Str) and body.text == "@-":
                body = self._heredoc(node)
            request.body, request.encoding = encoded_body(body) if body is not None else (None, "unknown")
            request.body_line = data[0].line if isinstance(data[0], Str) else None
            if json_body:
                request.encoding, request.auto_json = "json", True
            if isinstance(body, Str) and body.text.startswith("@"):
                request.body, request.encoding = None, "unknown"
        elif form:
            request.body, request.encoding = Obj(form, line), "multipart"
        if request.method is None:
            request.method = "POST" if (data or form) else "GET"
        return request

    def _option(
        self, request: Request, name: str, value: Value, line: int, data: list[Value], form: dict[str, Field]
    ) -> None:
        if name in ("-X", "--request"):
            request.method = value.text.upper() if isinstance(value, Str) else None
        elif name in ("-H", "--header"):
            if request.headers is None:
                request.headers = []
            request.headers.extend((k, v, line) for k, v, _ in header_line(value))
        elif name in ("-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"):
            data.append(value)
        elif name == "--data-urlencode":
            data.append(value)
            request.encoding = "form"
        elif name in ("-F", "--form", "--form-string"):
            if isinstance(value, Str) and "=" in value.text:
                key, _, rest = value.text.partition("=")
                form[key] = Field(
                    Str(rest, value.line) if not rest.startswith("@") else Unknown("file", value.line), line
                )
        elif name == "--url":
            request.url = value
        elif name in ("-u", "--user"):
            request.headers = [*(request.headers or []), ("authorization", Str("Basic \ue000", line), line)]
        elif name == "--oauth2-bearer":
            request.headers = [
                *(request.headers or []),
                ("authorization", concat([Str("Bearer ", line), value], line), line),
            ]

    def _heredoc(self, node: Node) -> Value | None:
        parent = self._redirected.get(node.id)
        if parent is None:
            return None
        for redirect in parent.children_by_field_name("redirect"):
            if redirect.type == "heredoc_redirect":
                body = next((c for c in redirect.named_children if c.type == "heredoc_body"), None)
                if body is not None:
                    return literal(self.tree.text(body), self.tree.line(body), body.start_byte)
        return None

    def call_context(self, function: Function, call: Node) -> Ctx | None:
        args = [self.value(a) for a in self._args(call)]
        return self.bind_call(function, args, {}, Ctx(), call)

    def objects(self, skip_lines: frozenset[int] = frozenset()) -> list[Obj]:
        return []

    # -- reads ------------------------------------------------------------------------------------

    def reads(self) -> list[Read]:
        found: list[Read] = []
        for command in self._commands:
            if self._name(command) != "jq":
                continue
            source = self._jq_input(command)
            if source is None:
                continue
            for arg in self._args(command):
                text = self.tree.text(arg).strip("'\"")
                if text.startswith("-"):
                    continue
                for match in _JQ_PATH.finditer(text):
                    keys = _jq_keys(match.group(0))
                    if keys:
                        found.append(
                            Read(
                                self.tree.line(command),
                                source,
                                tuple(keys),
                                self.tree.text(source).strip('"$')[:60],
                            )
                        )
                break
        return found


def _top_level(text: str, start: int) -> list[tuple[int, str]]:
    """The comma-separated entries of a jq object literal starting after ``{`` at ``start``."""
    entries: list[tuple[int, str]] = []
    depth, quoted, begin = 0, False, start
    for index in range(start, len(text)):
        ch = text[index]
        if quoted:
            quoted = ch != '"' or text[index - 1] == "\\"
            continue
        if ch == '"':
            quoted = True
        elif ch in "{[(":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                entries.append((begin, text[begin:index]))
                return [(b, e) for b, e in entries if e.strip()]
            depth -= 1
        elif ch == "," and depth == 0:
            entries.append((begin, text[begin:index]))
            begin = index + 1
    return [(b, e) for b, e in entries if e.strip()]


def _json_scalar(value: Str) -> Value | None:
    import json

    try:
        parsed = json.loads(value.text)
    except ValueError:
        return None
    if isinstance(parsed, bool):
        from pixapi_mcp.codecheck.values import Bool

        return Bool(parsed, value.line)
    if isinstance(parsed, int | float):
        from pixapi_mcp.codecheck.values import Num

        return Num(parsed, value.line)
    if isinstance(parsed, str):
        return Str(parsed, value.line, value.marks)
    return None


def _jq_keys(path: str) -> list[str | int]:
    keys: list[str | int] = []
    for match in re.finditer(r"\.(?:([A-Za-z_]\w*)|\"([^\"]+)\")|\[(\d+)\]", path):
        if match.group(3) is not None:
            keys.append(int(match.group(3)))
        else:
            keys.append(match.group(1) or match.group(2))
    return keys
