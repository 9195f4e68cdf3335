"""Bounded waiting on async tasks: how long a call may wait, how often it polls, and the progress
it reports while it does.

Every tool call returns within the tool deadline: what the wait cannot finish is handed back as a
task handle with ``poll_after_s``, never a hung host.
"""

from __future__ import annotations

import logging
import math

from pixapi_mcp.contract import Task
from pixapi_mcp.tools.state import AppContext, AppState

log = logging.getLogger(__name__)

# Time kept back from the wait for downloading outputs and answering.
DOWNLOAD_RESERVE_S = 8.0
MAX_POLL_INTERVAL_S = 10.0
MIN_POLL_INTERVAL_S = 0.5


def budget(state: AppState, wait_s: float | None, started: float) -> float:
    """How long this call may still wait for the API: ``wait_s`` (default: as long as allowed),
    within the tool deadline less what the call has used and a reserve for saving outputs."""
    used = state.timer.now() - started
    ceiling = max(state.settings.tool_deadline_s - DOWNLOAD_RESERVE_S - used, 0.0)
    return ceiling if wait_s is None else max(0.0, min(float(wait_s), ceiling))


def next_poll_delay(age_s: float, progress: int, polls: int) -> float:
    """Seconds until the next poll of a task that is ``age_s`` old and ``progress`` % done.

    With a progress figure, aim at half the remaining time the progress rate predicts, so a
    long task is polled rarely and a nearly finished one often. Without one, back off
    geometrically (1 s, 1.5 s, ...) and at least a quarter of the task's age. Bounded to
    [0.5 s, 10 s] either way, so completion is noticed within 10 s at worst.
    """
    if 0 < progress < 100 and age_s > 0:
        delay = age_s * (100 - progress) / progress / 2
    else:
        delay = max(math.pow(1.5, polls), age_s / 4)
    return max(MIN_POLL_INTERVAL_S, min(MAX_POLL_INTERVAL_S, delay))


class ProgressReporter:
    """Sends numeric progress that only ever rises (hosts draw bars from it)."""

    def __init__(self, ctx: AppContext, label: str) -> None:
        self._ctx = ctx
        self._label = label
        self._last = -1.0

    async def report(self, progress: float, message: str) -> None:
        value = max(0.0, min(100.0, float(progress)))
        if value <= self._last:
            return
        self._last = value
        try:
            await self._ctx.report_progress(value, 100.0, f"{self._label}: {message}")
        except Exception:  # a host that hung up must not fail paid work
            log.debug("progress notification failed", exc_info=True)


async def wait_for_task(
    state: AppState,
    task_id: str,
    budget_s: float,
    reporter: ProgressReporter,
    ledger_id: int | None,
    known: tuple[str, int] | None = None,
) -> tuple[Task, float]:
    """Poll ``GET /v1/tasks/{id}`` until it ends or ``budget_s`` runs out. Returns the last view and
    the delay the polling policy would wait next (what a handle tells the caller). ``known`` is the
    ledger's (status, progress), so unchanged figures are not written again."""
    timer = state.timer
    start = timer.now()
    polls = 0
    while True:
        task = await state.client.get_task(task_id)
        polls += 1
        elapsed = timer.now() - start
        if ledger_id is not None and not task.is_terminal and (task.status, task.progress) != known:
            # A status change is worth an fsync; a progress figure is not.
            durable = known is None or task.status != known[0]
            await state.ledger.update(ledger_id, durable=durable, status=task.status, progress=task.progress)
            known = (task.status, task.progress)
        delay = next_poll_delay(state.task_age(task_id), task.progress, polls)
        if task.is_terminal:
            return task, delay
        await reporter.report(min(task.progress, 99), f"{task.status} {task.progress}%")
        if elapsed + delay > budget_s:
            return task, delay
        await timer.sleep(delay)
