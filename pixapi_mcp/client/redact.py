"""The key, scrubbed out of whatever a server sends back, in every spelling a server may use.

A hostile or careless API can echo the key it was sent: in an error message, a task error, a model
id, a request id header, an HTML page. It may not echo it verbatim: a JSON encoder writes ``\\u0073``
for ``s`` (``ensure_ascii`` and some strict encoders escape everything) and PHP writes ``\\/`` for
``/``; a URL carries ``%2F``, an HTML page ``&#47;``, a Python repr ``\\x2f``. So ``Redactor.text``
replaces any mix of those spellings, and ``Redactor.json`` scrubs every string of a decoded body
(keys of objects included): decoding turns the JSON escapes back into the key, and a string that
itself holds escaped JSON is matched by the spellings. ``Redactor.excerpt`` scrubs first and only
then cuts, and drops a partial key left at the cut.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import cast

from pixapi_mcp.client.wire import excerpt

__all__ = ["MIN_PARTIAL", "REDACTED", "Redactor"]

REDACTED = "[redacted]"
# A piece of the key this long left at the end of a cut excerpt is removed: shorter pieces say
# nothing an attacker could use, and "sk-" style prefixes are public anyway.
MIN_PARTIAL = 8
# Every escaped spelling starts with one of these; text without them needs only the plain search.
_ESCAPE_STARTS = ("\\", "%", "&")
# The start of an escape that the cut left incomplete (``\u00``, ``%2``, ``&#x``).
_CUT_ESCAPE = r"(?:\\(?:u[0-9a-fA-F]{0,3}|x[0-9a-fA-F]?)?|%[0-9a-fA-F]?|&(?:#[xX]?[0-9a-fA-F]*)?)?"


def _hex(value: int, width: int) -> str:
    """``value`` as hex digits of ``width``, either case (``\\u002F`` and ``\\u002f`` are both JSON)."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{value:0{width}x}")


def _spellings(ch: str) -> str:
    """A pattern for one character of the key, plain or escaped as JSON, a URL, HTML or a repr."""
    code = ord(ch)
    forms = [
        re.escape(ch),
        rf"\\u{_hex(code, 4)}",
        f"%{_hex(code, 2)}",
        rf"&#0*{code};",
        rf"&#[xX]0*{_hex(code, 2)};",
    ]
    if code < 0x100:
        forms.append(rf"\\x{_hex(code, 2)}")
    if ch in '/"\\':
        forms.append(re.escape("\\" + ch))  # JSON's short escapes: \/ (PHP), \" and \\
    return "(?:" + "|".join(forms) + ")"


class Redactor:
    """Removes one secret from server text; knows nothing else. ``repr`` never shows the secret."""

    def __init__(self, secret: str | None) -> None:
        self._secret = secret or None

    @cached_property
    def _anywhere(self) -> re.Pattern[str] | None:
        # Compiled on first use, not when the client is made: a key's pattern takes a few ms to
        # compile, which start-up would pay for a redaction that may never be needed.
        if self._secret is None:
            return None
        return re.compile("".join(_spellings(ch) for ch in self._secret))

    @cached_property
    def _at_end(self) -> re.Pattern[str] | None:
        if self._secret is None or len(self._secret) <= MIN_PARTIAL:
            return None
        chars = [_spellings(ch) for ch in self._secret]
        # A prefix of at least MIN_PARTIAL characters (never the whole key: that is
        # replaced already) ending the text: "c0 c1 ... c7 (c8 (c9 ...)?)?" at the end.
        tail = ""
        for spelled in reversed(chars[MIN_PARTIAL:-1]):
            tail = f"(?:{spelled}{tail})?"
        return re.compile("".join(chars[:MIN_PARTIAL]) + tail + _CUT_ESCAPE + r"\Z")

    def __repr__(self) -> str:
        return "Redactor()"

    def in_text(self, text: str) -> bool:
        """Whether ``text`` holds the secret in any spelling."""
        return self._secret is not None and self.text(text) != text

    def text(self, text: str) -> str:
        """``text`` with the secret replaced, in any mix of plain and escaped characters."""
        if self._secret is None:
            return text
        if self._secret in text:
            text = text.replace(self._secret, REDACTED)
        if self._anywhere is not None and any(start in text for start in _ESCAPE_STARTS):
            text = self._anywhere.sub(REDACTED, text)
        return text

    def json(self, value: object) -> object:
        """``value`` with the secret removed from every string in it, keys of objects included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            items = cast(dict[object, object], value).items()
            return {self.json(k): self.json(v) for k, v in items}
        if isinstance(value, list):
            return [self.json(v) for v in cast(list[object], value)]
        return value

    def excerpt(self, text: str) -> str:
        """A short excerpt of server text (``wire.excerpt``), scrubbed before it is cut, with any
        piece of the key of ``MIN_PARTIAL`` or more characters left at the cut removed."""
        return excerpt(self.text(text), trim=self._trim)

    def _trim(self, head: str) -> str:
        if self._at_end is None:
            return head
        return self._at_end.sub("", head)
