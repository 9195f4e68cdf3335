"""Clocks for the sandbox: task progress is computed from a clock, so tests can move time by hand."""

from __future__ import annotations

import threading
import time

# 2025-12-28T00:00:00Z, the ``created`` of the API reference's image example: a fixed, plausible
# start so timestamps in deterministic tests look like real ones.
DEFAULT_MANUAL_START = 1_766_880_000.0


class SystemClock:
    """The wall clock: ``now()`` is ``time.time()``."""

    def now(self) -> float:
        """Current unix time in seconds."""
        return time.time()


class ManualClock:
    """A clock that only moves when told to, for deterministic tests.

    Safe to advance from a test thread while a sandbox in another thread reads it.
    """

    def __init__(self, start: float = DEFAULT_MANUAL_START) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current (manual) unix time in seconds."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (never backwards: tasks must not un-complete)."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        with self._lock:
            self._now += float(seconds)

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now()!r})"
