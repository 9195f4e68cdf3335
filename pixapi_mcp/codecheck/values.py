"""What the checker knows about a value in the code: the abstract values the evaluators compute.

A string is a ``Str`` whose unknown pieces are marked with ``HOLE`` (``f"{API}/v1/tasks/{id}"`` is
``HOLE + "/v1/tasks/" + HOLE`` when ``API`` and ``id`` are not known); it remembers the line of each
literal piece, so a finding points at the literal that carries the mistake. Objects, dicts, maps
and arrays are ``Obj`` (each field with the line of its key) and ``Arr``. A call the checker does
not model is a ``Call`` (its name and arguments are kept: ``OpenAI(base_url=...)``,
``httpx.Client(headers=...)``, ``new FormData()``); a response is ``Resp``. Anything else is
``Unknown``, with the source text as a hint for name-based guesses.

Values are small by construction: strings are capped (``MAX_TEXT``), so concatenation in a loop
cannot grow without bound.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixapi_mcp.codecheck.request import Request

HOLE = "\ue000"
MAX_TEXT = 4096


@dataclass(frozen=True, slots=True, eq=False)
class Str:
    """A string; ``HOLE`` marks pieces not known statically. ``marks`` are ``(offset, line, key)``
    where a literal piece starts: its offset in ``text``, its 0-based line and the source position
    of the literal (``key``), so the checker knows which literals a request used."""

    text: str
    line: int
    marks: tuple[tuple[int, int, int], ...] = ()
    holes: tuple[str, ...] = ()  # what each hole stands for (a name, ``env:KEY``), in order

    def hole_hint(self, offset: int) -> str:
        """The hint of the hole at ``offset`` in ``text``."""
        index = self.text.count(HOLE, 0, offset)
        return self.holes[index] if index < len(self.holes) else ""

    def line_at(self, offset: int) -> int:
        line = self.line
        for start, at, _ in self.marks:
            if start > offset:
                break
            line = at
        return line

    @property
    def known(self) -> bool:
        return HOLE not in self.text


@dataclass(frozen=True, slots=True, eq=False)
class Num:
    value: float
    line: int


@dataclass(frozen=True, slots=True, eq=False)
class Bool:
    value: bool
    line: int


@dataclass(frozen=True, slots=True, eq=False)
class Null:
    line: int


@dataclass(frozen=True, slots=True, eq=False)
class Field:
    value: Value
    line: int  # the line of the key


@dataclass(frozen=True, slots=True, eq=False)
class Obj:
    """A dict, JS object, PHP array with keys, Go map or struct literal, or a parsed JSON text.
    ``open`` is True when fields may exist that the checker cannot see (a spread of an unknown)."""

    fields: dict[str, Field]
    line: int
    open: bool = False

    def get(self, name: str) -> Value | None:
        found = self.fields.get(name)
        return found.value if found is not None else None


@dataclass(frozen=True, slots=True, eq=False)
class Arr:
    items: tuple[Value, ...]
    line: int


@dataclass(frozen=True, slots=True, eq=False)
class Unknown:
    hint: str
    line: int
    param: bool = False  # a parameter of the enclosing function, not bound at this call


@dataclass(frozen=True, slots=True, eq=False)
class Call:
    """A call the checker does not model, kept by name: constructors of clients and forms."""

    name: str
    args: tuple[Value, ...]
    kwargs: dict[str, Value]
    line: int
    parts: tuple[tuple[str, Value, int], ...] = field(default=())  # appended (name, value, line)

    def kwarg(self, *names: str) -> Value | None:
        for name in names:
            if name in self.kwargs:
                return self.kwargs[name]
        return None


@dataclass(frozen=True, slots=True, eq=False)
class Resp:
    """The answer of a request (or the JSON in it); ``keys`` is the part of it read so far
    (``task["result"]`` is the task's answer with keys ``("result",)``)."""

    request: Request
    line: int
    keys: tuple[str | int, ...] = ()


Value = Str | Num | Bool | Null | Obj | Arr | Unknown | Call | Resp


def unknown(hint: str, line: int) -> Unknown:
    return Unknown(hint[:80], line)


def concat(values: list[Value], line: int) -> Str:
    """The string made of ``values`` one after another; what is not a known string is a hole."""
    text: list[str] = []
    marks: list[tuple[int, int, int]] = []
    holes: list[str] = []
    size = 0
    first_line = line
    for value in values:
        if isinstance(value, Str):
            if value.marks and not marks:
                first_line = value.line
            marks.extend((size + off, at, key) for off, at, key in value.marks)
            piece = value.text
            holes.extend(
                value.holes[: piece.count(HOLE)] + ("",) * max(0, piece.count(HOLE) - len(value.holes))
            )
        elif isinstance(value, Num):
            piece = _number_text(value.value)
        elif isinstance(value, Bool):
            piece = "true" if value.value else "false"
        else:
            piece = HOLE
            holes.append(
                value.hint if isinstance(value, Unknown) else (value.name if isinstance(value, Call) else "")
            )
        text.append(piece)
        size += len(piece)
        if size > MAX_TEXT:
            break
    joined = "".join(text)[:MAX_TEXT]
    if not marks:
        first_line = line
    return Str(joined, first_line, tuple(marks), tuple(holes))


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def literal(text: str, line: int, key: int) -> Str:
    """A string literal at ``line``; a literal over several lines keeps the line of each."""
    text = text[:MAX_TEXT]
    marks = [(0, line, key)]
    at = text.find("\n")
    while at >= 0 and len(marks) < 200:
        marks.append((at + 1, line + len(marks), key))
        at = text.find("\n", at + 1)
    return Str(text, line, tuple(marks))


# -- JSON inside strings --------------------------------------------------------------------------

_JSON_PAIR = re.compile(
    r'"(?P<key>[A-Za-z_][\w-]{0,40})"\s{0,20}:\s{0,20}'
    r'(?P<value>"(?:[^"\\\n]|\\.){0,2000}"|-?\d{1,12}(?:\.\d{1,12})?|true|false|null)'
)


def json_object(value: Str) -> Obj | None:
    """The object a JSON text holds, holes read as unknown values; None when it is not one.

    Strict JSON first (holes inside strings stay in the string, holes between tokens become
    unknown values); when that fails, the ``"key": value`` pairs that can be read (a template with
    ``%s`` or ``{}`` pieces, say)."""
    text = value.text.strip()
    if not text.startswith("{"):
        return None
    offset = value.text.find("{")
    try:
        parsed: Any = json.loads(_holes_as_json(value.text[offset:]), strict=False)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        parsed = None
    if isinstance(parsed, dict):
        return _from_json(parsed, value, offset)  # pyright: ignore[reportUnknownArgumentType]
    fields: dict[str, Field] = {}
    for match in _JSON_PAIR.finditer(value.text):
        raw = match.group("value")
        try:
            item: Any = json.loads(raw, strict=False)
        except ValueError:
            item = None
        line = value.line_at(match.start()) + value.text.count(
            "\n", _mark_start(value, match.start()), match.start()
        )
        fields[match.group("key")] = Field(_json_value(item, line), line)
    if not fields:
        return None
    return Obj(fields, value.line, open=True)


def _mark_start(value: Str, offset: int) -> int:
    start = 0
    for mark_offset, _, _ in value.marks:
        if mark_offset > offset:
            break
        start = mark_offset
    return start


def _holes_as_json(text: str) -> str:
    """JSON text with each hole made parseable: inside a string it stays (a control character is
    allowed with strict=False), between tokens it becomes a string holding just the hole."""
    if HOLE not in text:
        return text
    out: list[str] = []
    in_string = escaped = False
    for ch in text:
        if ch == HOLE and not in_string:
            out.append(f'"{HOLE}"')
            continue
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        out.append(ch)
    return "".join(out)


def _from_json(parsed: dict[str, Any], value: Str, offset: int) -> Obj:
    """An ``Obj`` for a parsed JSON object, each key at the line where it is written."""
    fields: dict[str, Field] = {}
    search_from = offset
    for key, item in parsed.items():
        found = value.text.find(f'"{key}"', search_from)
        at = found if found >= 0 else search_from
        search_from = max(search_from, at)
        line = value.line_at(at) + value.text.count("\n", _mark_start(value, at), at)
        fields[key] = Field(_json_value(item, line), line)
    return Obj(fields, value.line)


def _json_value(item: Any, line: int, depth: int = 0) -> Value:
    if isinstance(item, bool):
        return Bool(item, line)
    if isinstance(item, int | float):
        return Num(item, line)
    if isinstance(item, str):
        return Str(item, line)
    if item is None:
        return Null(line)
    if depth > 8:
        return Unknown("json", line)  # a request body is shallow: deeper structure is not judged
    if isinstance(item, dict):
        return Obj(
            {str(k): Field(_json_value(v, line, depth + 1), line) for k, v in item.items()},  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            line,
        )
    if isinstance(item, list):
        return Arr(tuple(_json_value(v, line, depth + 1) for v in item), line)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return Unknown("json", line)


def plain(value: Value | None) -> Any:
    """A Python value the contract's checks can judge: literals as themselves; anything not known
    statically as ``UNKNOWN`` (which the detectors leave out of value checks)."""
    if isinstance(value, Str):
        return value.text if value.known else UNKNOWN
    if isinstance(value, Num):
        return int(value.value) if float(value.value).is_integer() else value.value
    if isinstance(value, Bool):
        return value.value
    if isinstance(value, Null):
        return None
    return UNKNOWN


class _Unknown:
    """The placeholder for a field whose value is not known statically."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


# -- string building the way each language formats --------------------------------------------

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "'": "'",
    "\\": "\\",
    "/": "/",
    "0": "\0",
    "`": "`",
    "$": "$",
}


def unescape(text: str) -> str:
    """C-style escapes (``\\"``, ``\\n``...) decoded; anything else is kept as written."""
    if "\\" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            out.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_PRINTF = re.compile(r"%(?:[-+ #0]{0,4}\d{0,4}(?:\.\d{1,4})?)([sdvqfxXgeiu%])")
_BRACES = re.compile(r"\{\{|\}\}|\{([^{}]{0,40})\}")


def printf(template: Value, args: list[Value], line: int) -> Value:
    """``sprintf``/``fmt.Sprintf``/``String.format``/``"..." % args``: the template with each
    verb replaced by its argument."""
    if not isinstance(template, Str):
        return Unknown("format", line)
    pieces: list[Value] = []
    last = 0
    index = 0
    for match in _PRINTF.finditer(template.text):
        pieces.append(_slice(template, last, match.start()))
        if match.group(1) == "%":
            pieces.append(Str("%", line))
        else:
            pieces.append(args[index] if index < len(args) else Unknown("arg", line))
            index += 1
        last = match.end()
    pieces.append(_slice(template, last, len(template.text)))
    return concat(pieces, template.line)


def brace_format(template: Value, args: list[Value], kwargs: dict[str, Value], line: int) -> Value:
    """Python's ``"...{}...".format(...)``."""
    if not isinstance(template, Str):
        return Unknown("format", line)
    pieces: list[Value] = []
    last = 0
    index = 0
    for match in _BRACES.finditer(template.text):
        pieces.append(_slice(template, last, match.start()))
        token = match.group(0)
        if token in ("{{", "}}"):
            pieces.append(Str(token[0], line))
        else:
            name = (match.group(1) or "").split(":", 1)[0].split("!", 1)[0].strip()
            if not name:
                pieces.append(args[index] if index < len(args) else Unknown("arg", line))
                index += 1
            elif name.isdigit():
                pieces.append(args[int(name)] if int(name) < len(args) else Unknown("arg", line))
            else:
                pieces.append(kwargs.get(name, Unknown(name, line)))
        last = match.end()
    pieces.append(_slice(template, last, len(template.text)))
    return concat(pieces, template.line)


def _slice(value: Str, start: int, end: int) -> Str:
    marks = tuple((max(0, o - start), ln, k) for o, ln, k in value.marks if o < end)
    if not marks:
        marks = ((0, value.line_at(start), -1),)
    first = value.text.count(HOLE, 0, start)
    holes = value.holes[first : first + value.text.count(HOLE, start, end)]
    return Str(value.text[start:end], value.line_at(start), marks, holes)
