"""The one retry loop: every API call and every download goes through ``RetryPolicy.run``.

An attempt is a callable that sends once. It decides what is worth another try by raising
``Retry`` with the error to raise should no attempt be left; anything else it raises ends the
call at once. The loop itself only counts and waits, so what may be sent again (reads, requests
that provably never left the machine) is decided where the request is known, and the count is
decided here, once: a call sends at most ``max_retries + 1`` times, ``MAX_SENDS_PER_CALL`` by
default. (Loops never nest: the old client wrapped its send loop in a parse loop, and a GET could
be sent 16 times.)

Waits use exponential backoff with equal jitter, or the server's ``Retry-After`` up to a cap.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypedDict, TypeVar

import anyio

from pixapi_mcp.client.errors import PixapiError

__all__ = ["DEFAULT_MAX_RETRIES", "MAX_SENDS_PER_CALL", "Retry", "RetryOptions", "RetryPolicy"]

# The most times one call sends its request by default: the first send and three retries.
# (A download counts each redirect hop of one attempt as part of that attempt.)
MAX_SENDS_PER_CALL = 4
DEFAULT_MAX_RETRIES = MAX_SENDS_PER_CALL - 1

_T = TypeVar("_T")


class Retry(Exception):
    """Raised by an attempt that failed for a passing reason and may be tried again.

    ``error`` is what the call raises when no attempt is left; its ``retry_after`` (the server's
    requested pause, if any) sets the wait before the next attempt.
    """

    def __init__(self, error: PixapiError) -> None:
        super().__init__(str(error))
        self.error = error


class RetryOptions(TypedDict, total=False):
    """``RetryPolicy``'s fields as keyword arguments, for the constructors that build one."""

    max_retries: int
    backoff_initial_s: float
    backoff_max_s: float
    retry_after_cap_s: float
    sleep: Callable[[float], Awaitable[None]]
    jitter: Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """How many times a call may send, and how long it waits in between.

    ``sleep`` and ``jitter`` are injectable so tests run without waiting and see exact delays.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 20.0
    retry_after_cap_s: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    jitter: Callable[[], float] = random.random

    @property
    def max_sends(self) -> int:
        """The most attempts one call makes: the first and every retry."""
        return max(0, self.max_retries) + 1

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half the step fixed, half random, so delays
        always grow yet concurrent clients spread out."""
        step = min(self.backoff_max_s, self.backoff_initial_s * (2**attempt))
        jitter = min(1.0, max(0.0, self.jitter()))
        return step / 2 + step / 2 * jitter

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The wait after failed attempt number ``attempt`` (0-based): the server's pause when it
        asked for one (capped), else backoff."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap_s)
        return self.backoff(attempt)

    async def run(self, attempt: Callable[[], Awaitable[_T]]) -> _T:
        """``attempt()`` until it returns, raises anything but ``Retry``, or ``max_sends`` are spent."""
        last = self.max_sends - 1
        for number in range(self.max_sends):
            try:
                return await attempt()
            except Retry as retry:
                if number == last:
                    raise retry.error from retry.error.__cause__
                await self.sleep(self.delay(number, retry.error.retry_after))
        raise AssertionError("unreachable: the last attempt returns or raises")
