"""The short text beside every structured result: bounded, head first, next step last."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pixapi_mcp.tool_result import TEXT_LIMIT, short_text

chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")
# Short text and long runs alike: hypothesis alone rarely builds lines long enough to overflow.
lines = st.one_of(st.text(chars, max_size=80), st.builds(lambda c, n: c * n, chars, st.integers(0, 900)))


@given(head=lines, details=st.lists(lines, max_size=60), tail=lines)
def test_the_text_is_bounded_and_keeps_what_happened_and_what_next(
    head: str, details: list[str], tail: str
) -> None:
    text = short_text(head, details, tail)
    assert len(text) <= TEXT_LIMIT
    first = text.split("\n")[0]
    assert first == head or (first.endswith("…") and head.startswith(first[:-1].rstrip()))
    if tail and len(tail) <= TEXT_LIMIT // 2:
        assert text.endswith("\n" + tail)


def test_details_that_do_not_fit_are_counted() -> None:
    details = [f"- /a/rather/long/path/to/output-{i}.png" for i in range(40)]
    text = short_text("40 images completed.", details, "Done.")
    shown = [line for line in text.splitlines() if line.startswith("- ")]
    assert 0 < len(shown) < 40 and f"(+{40 - len(shown)} more in the structured result)" in text
    assert text.startswith("40 images completed.\n- /a/") and text.endswith("\nDone.")
    assert short_text("ok", ["- one", "- two"], "next") == "ok\n- one\n- two\nnext"
