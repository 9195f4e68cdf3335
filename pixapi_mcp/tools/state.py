"""What every tool call shares: the state the server's lifespan owns, the session's credit book
and the injectable clock."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
from anyio.abc import TaskGroup
from mcp.server.mcpserver import Context

from pixapi_mcp import media
from pixapi_mcp.auth import Caller
from pixapi_mcp.client import PixapiClient, UrlGuard
from pixapi_mcp.config import Settings
from pixapi_mcp.contract import CreditEstimate
from pixapi_mcp.ledger import LedgerStore

log = logging.getLogger(__name__)


class Timer(Protocol):
    """Monotonic time and sleeping, injectable so tests drive waits without real time."""

    def now(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class RealTimer:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


@dataclass(eq=False)  # identity: two calls of the same price are still two reservations
class Reservation:
    """The credits one paid call counts against the session until Pixapi reports its charge:
    ``amount`` (the estimate; for an unknown price, the most the caller accepted) is held from
    before the request is sent, then replaced by ``charged`` or dropped if nothing was spent."""

    amount: float
    estimate: CreditEstimate
    max_credits: float | None
    row_id: int | None = None
    charged: float | None = None
    closed: bool = False

    def over_max_credits(self) -> str | None:
        """A sentence when Pixapi charged more than the caller's ``max_credits``, else None."""
        if self.max_credits is None or self.charged is None or self.charged <= self.max_credits:
            return None
        return (
            f"Pixapi charged {self.charged:g} credits, above max_credits={self.max_credits:g} "
            f"(the estimate was {_figure(self.estimate)})."
        )


def _figure(estimate: CreditEstimate) -> str:
    return f"{estimate.credits:g}, {estimate.basis}" if estimate.credits is not None else "unknown"


class SpendBook:
    """The session's credits: what Pixapi charged (settled) plus what is held for calls sent, or
    about to be sent, whose charge is not known yet (reserved).

    A cap is checked and the call's credits reserved in one step under one lock, with no await in
    between, so calls running at once cannot together pass a cap that each would pass alone.
    Every reservation ends exactly once: released (never sent, or refused by the API: nothing
    charged), settled to the credits Pixapi reports, or left held (outcome unknown: it may have
    been charged)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settled = 0.0
        self._open: list[Reservation] = []
        # Every reservation tied to a ledger row, open or closed, so a result built later (the
        # call's own, or a get_task's) can say where its estimate came from and what was held.
        self._by_row: dict[int, Reservation] = {}

    @property
    def total(self) -> float:
        """Charged credits plus credits held for calls whose charge is not known yet."""
        with self._lock:
            return self._settled + sum(r.amount for r in self._open)

    def reserve(
        self, amount: float, estimate: CreditEstimate, max_credits: float | None, cap: float
    ) -> tuple[Reservation | None, float]:
        """Hold ``amount`` unless the session total would pass ``cap``. Returns the reservation
        (None when refused) and the session total it was checked against."""
        with self._lock:
            total = self._settled + sum(r.amount for r in self._open)
            if total + amount > cap + 1e-9:
                return None, total
            reservation = Reservation(amount, estimate, max_credits)
            self._open.append(reservation)
            return reservation, total

    def settle(self, reservation: Reservation, charged: float) -> None:
        """Replace the held amount by what Pixapi charged (0: nothing was spent). Only the first
        settlement of a reservation counts."""
        with self._lock:
            if reservation.closed:
                return
            reservation.closed = True
            reservation.charged = charged
            self._open.remove(reservation)
            self._settled += charged

    def settle_ended(self, reservation: Reservation, *, failed: bool, charged: float | None) -> None:
        """Settle a request whose outcome is known. Pixapi charges only successful outputs, so a
        failure costs what it reported (else nothing); a success without a reported charge counts
        at what was held (the estimate, or the ceiling the caller accepted)."""
        if failed:
            self.settle(reservation, charged or 0.0)
        else:
            self.settle(reservation, charged if charged is not None else reservation.amount)

    def release(self, reservation: Reservation) -> None:
        """The request was never sent: nothing is spent."""
        self.settle(reservation, 0.0)

    def held(self) -> list[Reservation]:
        """Reservations still waiting for their charge."""
        with self._lock:
            return list(self._open)

    def attach(self, reservation: Reservation, row_id: int) -> None:
        """Tie ``reservation`` to the ledger row of the request it pays for."""
        with self._lock:
            reservation.row_id = row_id
            self._by_row[row_id] = reservation

    def for_row(self, row_id: int) -> Reservation | None:
        """The reservation of the paid request recorded in ledger row ``row_id`` (open or
        settled), if this server session made it."""
        with self._lock:
            return self._by_row.get(row_id)


class Background:
    """Work that outlives the tool call that started it: a paid POST still waiting for its answer
    when the call's deadline came. It runs in a task group the server's lifespan owns, so its
    answer (a task id) is still recorded after the call returned; at shutdown it gets
    ``grace_s`` to finish, then is cancelled (and records what it knows)."""

    def __init__(self, group: TaskGroup) -> None:
        self._group = group
        self._running = 0
        self._idle = anyio.Event()
        self._idle.set()

    def start_soon(self, work: Callable[[], Awaitable[None]]) -> None:
        self._running += 1
        self._idle = anyio.Event() if self._idle.is_set() else self._idle

        async def run() -> None:
            try:
                await work()
            except Exception:  # never the lifespan's: one failed piece of work must not stop the server
                log.exception("background work failed")
            finally:
                self._running -= 1
                if self._running == 0:
                    self._idle.set()

        self._group.start_soon(run)

    async def stop(self, grace_s: float) -> None:
        """Wait up to ``grace_s`` for the work in flight, then cancel what is left."""
        with anyio.move_on_after(grace_s, shield=True):
            await self._idle.wait()
        self._group.cancel_scope.cancel()


@dataclass
class AppState:
    """What the lifespan owns: one API client, the ledger, the clock."""

    settings: Settings
    client: PixapiClient
    ledger: LedgerStore
    timer: Timer
    trusted_hosts: tuple[str, ...] = ()
    # Clients reach this server over the network (HTTP): their roots name folders on their own
    # machine, so files stay in the folders the server's configuration allows (outputs.py).
    remote_clients: bool = False
    # Where work that outlives a tool call runs (the lifespan's task group); None: nowhere, so a
    # paid POST is awaited in the call itself.
    background: Background | None = None
    # Credits this process has spent or holds for calls in flight (the per-session cap; the
    # deployment's caps are the store's, checked when the row is written).
    spend: SpendBook = field(default_factory=SpendBook)
    # When this process first saw each task (timer time): the polling policy works from the
    # task's age, so a series of get_task calls keeps its pace instead of restarting at 0.5 s.
    task_origin: dict[str, float] = field(default_factory=dict[str, float])
    # When the task's ledger row was written (wall clock), on whichever replica: a task submitted
    # through another replica, or before a restart, is as old as that.
    task_seen: dict[str, float] = field(default_factory=dict[str, float])

    @property
    def session_credits(self) -> float:
        """Credits this session has spent: charges Pixapi reported, estimates until then."""
        return self.spend.total

    def task_age(self, task_id: str) -> float:
        """Seconds since the task was first seen: by this process (its timer), or by any replica
        (the row's wall-clock time, ``seen_task``), whichever is older."""
        now = self.timer.now()
        for seen in (self.task_origin, self.task_seen):
            if len(seen) > 10_000:  # bounded: forget the oldest half
                for old in list(seen)[:5_000]:
                    del seen[old]
        local = now - self.task_origin.setdefault(task_id, now)
        first = self.task_seen.get(task_id)
        return max(local, time.time() - first) if first is not None else local

    def seen_task(self, task_id: str, first_seen: float) -> None:
        """The task's row was written at ``first_seen`` (epoch seconds): its age counts from there."""
        self.task_seen.setdefault(task_id, first_seen)

    def guard(self) -> UrlGuard:
        """The check before every hop of a URL input's fetch (``media.url_guard``)."""
        return media.url_guard(self.settings.allow_private_urls, allow_hosts=self.trusted_hosts)


AppContext = Context[AppState, Any]


def app_state(ctx: AppContext) -> AppState:
    return ctx.request_context.lifespan_context


def visible_owner(caller: Caller) -> str | None:
    """Whose rows ``caller`` may read: only their own (the store's ``owner`` filter), or every
    caller's (None) for an admin (stdio, the shared token, an admin token or scope). Every read a
    caller starts (list_tasks, get_task, output resources, the app) filters with this one rule."""
    return None if caller.admin else caller.id


# Where a non-admin caller's files live, under the output folder: callers/<caller_folder(id)>.
CALLERS_SUBDIR = "callers"


def caller_folder(caller_id: str) -> str:
    """A folder name for a caller id: readable, safe on every file system, and distinct for
    distinct ids (the hash: ``oauth:a/b`` and ``oauth:a_b`` must not share a folder)."""
    readable = re.sub(r"[^A-Za-z0-9._@-]", "_", caller_id)[:48].strip(".")
    return f"{readable}-{hashlib.sha256(caller_id.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}"


def files_settings(settings: Settings, caller: Caller) -> Settings:
    """The settings as ``caller``'s files see them. The ledger keeps callers to their own rows;
    files need the same on disk, since a saved file's path is guessable (time, model, prompt) and a
    local path is a valid input image: a non-admin caller's outputs go to, and its local inputs
    are read from, its own folder ``<output folder>/callers/<caller_folder(id)>`` (plus the
    operator's ``PIXAPI_ALLOWED_DIRS``, shared by the operator's choice). An admin (stdio, the
    shared token) keeps the whole output folder, as before."""
    if caller.admin:
        return settings
    own = settings.default_output_dir / CALLERS_SUBDIR / caller_folder(caller.id)
    return settings.model_copy(update={"output_dir": own})


def asks_mid_call(ctx: AppContext) -> bool:
    """Whether this call's channel can carry a request from the server to the client (roots,
    elicitation) while the call runs: true on protocols before 2026-07-28. On 2026-07-28 such a
    question rides the call's ``InputRequiredResult`` instead (the SDK's ``Resolve``), and the
    server holds nothing while the client answers. One test for both the roots and the spend
    question, so they can never disagree on which way to ask."""
    return ctx.session.can_send_request
