"""The last word on the canary: search every file every test of this session left in its temp folder.

Its tests carry the ``canary_sweep`` marker, and ``tests/conftest.py`` moves marked tests after all
the others whatever the file order, so ``tmp_path_factory.getbasetemp()`` then holds the
``tmp_path`` of every earlier test: outputs, ledgers, logs, stderr captures, downloaded files.
None may contain ``CANARY_KEY``, raw or base64-encoded. (Run alone or after a subset, it checks
whatever that subset left; pytest keeps the last few sessions' folders, but only this session's
are searched.) CI also greps its whole output log for the canary.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CANARY_SWEEP
from tests.test_canary import canary_forms, files_under

pytestmark = pytest.mark.canary_sweep

# Bigger files are read in chunks, with an overlap so a key across a chunk edge is still found.
CHUNK = 8 * 1024 * 1024


def _contains_canary(path: Path, forms: list[bytes]) -> bool:
    overlap = max(len(f) for f in forms)
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            window = tail + chunk
            if any(form in window for form in forms):
                return True
            tail = window[-overlap:]
    return False


def test_no_canary_in_any_temp_file_of_the_session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, suite_counts: dict[str, int]
) -> None:
    # Only sweep tests may follow this one in the run order: everything else has left its files.
    order = request.session.items
    after = order[order.index(request.node) + 1 :]
    assert all(item.get_closest_marker(CANARY_SWEEP) for item in after), [i.nodeid for i in after][:5]
    base = tmp_path_factory.getbasetemp()
    forms = canary_forms()
    files = list(files_under(base))
    leaked = [p for p in files if _contains_canary(p, forms)]
    assert not leaked, f"the canary key is in {len(leaked)} temp file(s): {[str(p) for p in leaked[:10]]}"
    suite_counts["canary sweep: session temp files searched"] = len(files)
    suite_counts["canary sweep: KB searched"] = sum(p.stat().st_size for p in files) // 1024


def test_sweep_finds_a_planted_canary(tmp_path: Path) -> None:
    """The sweep's own check: a key planted in a temp file (raw, or base64 across a chunk edge) is found."""
    forms = canary_forms()
    raw = tmp_path / "raw.log"
    raw.write_bytes(b"x" * (CHUNK - 5) + forms[0] + b"y")
    assert _contains_canary(raw, forms)
    clean = tmp_path / "clean.log"
    clean.write_bytes(b"sk-canary-[redacted]" * 1000)
    assert not _contains_canary(clean, forms)
    raw.unlink()  # leave nothing for the session sweep to find
