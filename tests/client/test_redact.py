"""The key scrubbed from server text in every spelling a server may echo it in, from decoded JSON
values (keys of objects included), and before an excerpt is cut, with no piece left at the cut."""

from __future__ import annotations

import json

import pytest

from pixapi_mcp.client.redact import MIN_PARTIAL, REDACTED, Redactor
from pixapi_mcp.client.wire import EXCERPT_CHARS

KEY = "sk-esc/7Qz4+Wm9_Xr2.Lp5~Tn8/Hv3"


def spellings(key: str) -> dict[str, str]:
    """The key as servers write it: each form built here independently of the code under test."""
    return {
        "plain": key,
        "json ensure_ascii (all escaped)": "".join(f"\\u{ord(c):04x}" for c in key),
        "upper-case hex, every other char": "".join(
            f"\\u{ord(c):04X}" if i % 2 else c for i, c in enumerate(key)
        ),
        "php json_encode": key.replace("/", "\\/"),
        "percent-encoded": "".join(f"%{ord(c):02X}" for c in key),
        "html decimal entities": "".join(f"&#{ord(c)};" for c in key),
        "html hex entities": "".join(f"&#x{ord(c):x};" for c in key),
        "python repr escapes": "".join(f"\\x{ord(c):02x}" for c in key),
    }


@pytest.mark.parametrize(("name", "spelled"), list(spellings(KEY).items()))
def test_every_spelling_is_replaced(name: str, spelled: str) -> None:
    redact = Redactor(KEY)
    text = f"before {spelled} after"
    assert redact.in_text(text)
    assert redact.text(text) == f"before {REDACTED} after", name


def test_decoded_json_is_scrubbed_in_keys_and_values_at_any_depth() -> None:
    redact = Redactor(KEY)
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)
    php = KEY.replace("/", "\\/")
    # A string holding escaped JSON: once decoded it still reads {"k": "sk-esc\/7..."}.
    inner = '{\\"k\\": \\"' + KEY.replace("/", "\\\\/") + '\\"}'
    raw = f'{{"model": "{escaped}", "nested": {{"{php}": [1, "x {escaped}", {{"inner": "{inner}"}}]}}}}'
    decoded = json.loads(raw)
    assert KEY not in raw and KEY in json.dumps(decoded)  # only decoding brings the key back
    clean = redact.json(decoded)
    dumped = json.dumps(clean)
    assert KEY not in dumped and KEY.replace("/", "\\/") not in dumped and REDACTED in dumped
    assert clean == {
        "model": REDACTED,
        "nested": {REDACTED: [1, f"x {REDACTED}", {"inner": f'{{"k": "{REDACTED}"}}'}]},
    }


@pytest.mark.parametrize("tail", [KEY, KEY[:20], KEY[: MIN_PARTIAL + 1]], ids=["whole", "20", "9"])
def test_a_key_across_the_cut_leaves_no_piece_of_eight(tail: str) -> None:
    """The key, or a piece of it, reaching past the cut at any position never leaves 8 or more of
    its characters at the end of the excerpt (a shorter piece may stay)."""
    redact = Redactor(KEY)
    cut = EXCERPT_CHARS - 1
    for start in range(cut - len(tail), cut + 1):
        shown = redact.excerpt("p" * start + tail + " trailing words")
        assert len(shown) <= EXCERPT_CHARS
        pieces = [KEY[i : i + MIN_PARTIAL] for i in range(len(KEY) - MIN_PARTIAL + 1)]
        assert not any(piece in shown for piece in pieces), (start, shown[-40:])


def test_a_json_escaped_piece_at_the_cut_is_removed_even_mid_escape() -> None:
    redact = Redactor(KEY)
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)
    for cut in range(6 * MIN_PARTIAL, len(escaped)):
        text = "p" * (EXCERPT_CHARS - 1 - cut) + escaped[:cut] + "zz"
        shown = redact.excerpt(text)
        assert "\\u0073\\u006b\\u002d\\u0065\\u0073\\u0063\\u002f\\u0037" not in shown, (cut, shown)


def test_short_or_unrelated_text_is_left_alone() -> None:
    redact = Redactor(KEY)
    for text in (KEY[: MIN_PARTIAL - 1], "sk-esc", "100% \\ & fine", "a" * 5000, KEY[:-1], KEY[1:]):
        assert redact.text(text) == text
    # A short piece at the cut is not worth mangling the message for.
    short = "p" * (EXCERPT_CHARS - 4) + KEY[:3] + "rest of it"
    assert redact.excerpt(short).endswith(KEY[:3] + "…")
    assert Redactor(None).text(KEY) == KEY and not Redactor(None).in_text(KEY)
    assert KEY not in repr(Redactor(KEY))


def test_a_large_base64_body_is_scrubbed_without_the_escape_search() -> None:
    """b64_json bodies are megabytes of text without a backslash, % or &: the plain search alone."""
    redact = Redactor(KEY)
    blob = "QUJD" * 500_000 + KEY + "QUJD"
    assert redact.json({"data": [{"b64_json": blob}]}) == {
        "data": [{"b64_json": blob.replace(KEY, REDACTED)}]
    }
