"""The sandbox's state: configuration, per-key credits, recorded requests, tasks, outputs and faults.

Tests read and change this object directly (``app.state.sandbox``) while the app serves requests,
possibly from another thread (``running_sandbox``), so everything two threads touch is guarded.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pixapi_mcp.contract import SANDBOX_KEY
from pixapi_mcp.sandbox.clock import ManualClock, SystemClock
from pixapi_mcp.sandbox.faults import Fault, FaultBook

# The key the sandbox accepts unless told otherwise; contract holds it, so the server's sandbox
# mode sends the very key the sandbox expects.
DEFAULT_KEY = SANDBOX_KEY
# What RecordedRequest.key holds for a key that is present but not configured: the raw value is
# never stored, because a mistyped real key must not end up in logs or test reports.
INVALID_KEY = "<invalid>"
# Old tasks are forgotten past this many, so a long-running sandbox cannot grow without bound.
MAX_TASKS = 10_000


def _default_keys() -> dict[str, float]:
    return {DEFAULT_KEY: 1000.0}


def _default_video_credits() -> dict[str, float]:
    return {"veo": 10.0, "wan": 6.0}


@dataclass
class SandboxConfig:
    """How a sandbox behaves.

    ``keys`` maps each accepted API key to its starting credits. ``clock`` drives task progress
    (use ``ManualClock`` for deterministic tests). Async image and video tasks complete
    ``image_task_seconds`` / ``video_task_seconds`` after submission; sync image answers are
    delayed by ``sync_latency_s``. Image prices come from the contract catalog's ``credits_from``
    times ``n``; ``video_credits`` are sandbox-only prices per video (the captured docs give none).
    Outputs are capped at ``max_image_side`` pixels on the longer side and kept in memory up to
    ``max_store_mb`` in total (least recently used first out). Output URLs start with
    ``public_url`` when set, else with the base URL the request came in on.
    """

    keys: dict[str, float] = field(default_factory=_default_keys)
    clock: ManualClock | SystemClock = field(default_factory=SystemClock)
    image_task_seconds: float = 3.0
    video_task_seconds: float = 8.0
    sync_latency_s: float = 0.0
    video_credits: dict[str, float] = field(default_factory=_default_video_credits)
    max_image_side: int = 2048
    public_url: str | None = None
    max_store_mb: int = 256

    def with_task_seconds(self, image: float | None = None, video: float | None = None) -> SandboxConfig:
        """A copy whose async image and video tasks take ``image`` / ``video`` seconds; None keeps
        the current figure (how ``PIXAPI_SANDBOX_*_TASK_S`` and the CLI flags reach a sandbox)."""
        changes = {"image_task_seconds": image, "video_task_seconds": video}
        return replace(self, **{k: float(v) for k, v in changes.items() if v is not None})


@dataclass
class RecordedRequest:
    """One request the API received, as tests want to assert on it.

    ``key`` is None when no key was sent, the configured key when it was valid, and ``"<invalid>"``
    otherwise. ``fields`` is the JSON body (or the multipart form's text fields); ``image_parts``
    counts multipart ``image`` files. ``status`` is the status answered (a dropped connection
    records the 200 it started with). ``faults`` are the faults this request used up.
    """

    method: str
    path: str
    key: str | None
    request_id: str
    at: float
    fields: dict[str, Any] = field(default_factory=dict[str, Any])
    image_parts: int = 0
    status: int | None = None
    faults: list[Fault] = field(default_factory=list[Fault])

    @property
    def fault(self) -> Fault | None:
        """The first fault this request used up, if any."""
        return self.faults[0] if self.faults else None

    def to_json(self) -> dict[str, Any]:
        """The record as ``GET /_sandbox/requests`` shows it."""
        return {
            "method": self.method,
            "path": self.path,
            "key": self.key,
            "request_id": self.request_id,
            "at": self.at,
            "fields": self.fields,
            "image_parts": self.image_parts,
            "status": self.status,
            "fault": self.fault.to_json() if self.fault else None,
            "faults": [f.to_json() for f in self.faults],
        }


Media = Literal["image", "video"]


@dataclass
class SandboxTask:
    """One async task. Its status is computed from the clock on every read; outputs are rendered
    (and credits charged) once, by the first read that sees it complete."""

    id: str
    key: str
    media: Media
    endpoint: str
    model: str
    created: float
    duration: float
    price: float
    prompt: str
    n: int = 1
    size: str | None = None
    response_format: str | None = None
    video_duration: float | None = None
    sources: list[bytes] = field(default_factory=list[bytes], repr=False)
    fail: bool = False
    stuck: bool = False
    pad_mb: float = 0.0
    base_url: str = ""
    # Set once the task reaches a terminal state.
    status: Literal["completed", "failed"] | None = None
    completed: float | None = None
    outputs: list[dict[str, str]] = field(default_factory=list[dict[str, str]])
    error: dict[str, Any] | None = None
    credits_cost: float | None = None


class OutputStore:
    """Generated files by name, in memory, bounded by total bytes (least recently used first out)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._files: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def put(self, name: str, data: bytes, content_type: str) -> None:
        """Keep ``data`` under ``name``, evicting the least recently used files past the cap."""
        with self._lock:
            old = self._files.pop(name, None)
            if old:
                self._total -= len(old[0])
            self._files[name] = (data, content_type)
            self._total += len(data)
            # Never evict the file just stored, even when it alone exceeds the cap: its URL is about
            # to be handed out.
            while self._total > self.max_bytes and len(self._files) > 1:
                _, (evicted, _) = self._files.popitem(last=False)
                self._total -= len(evicted)

    def get(self, name: str) -> tuple[bytes, str] | None:
        """``(bytes, content type)`` for ``name``, or None when unknown or evicted."""
        with self._lock:
            item = self._files.get(name)
            if item is not None:
                self._files.move_to_end(name)
            return item

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)

    @property
    def total_bytes(self) -> int:
        """Bytes held right now."""
        with self._lock:
            return self._total


def new_ulid(now: float) -> str:
    """A ULID-shaped id: 48-bit millisecond time then 80 random bits, Crockford base32 (26 chars)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = ((int(now * 1000) & ((1 << 48) - 1)) << 80) | secrets.randbits(80)
    chars: list[str] = []
    for _ in range(26):
        chars.append(alphabet[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class SandboxState:
    """Everything a running sandbox knows; ``app.state.sandbox`` of ``create_app``."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock: ManualClock | SystemClock = config.clock
        self.requests: list[RecordedRequest] = []
        self.tasks: dict[str, SandboxTask] = {}
        self.outputs = OutputStore(config.max_store_mb * 1024 * 1024)
        self.faults = FaultBook()
        self._balances: dict[str, float] = dict(config.keys)
        self._lock = threading.Lock()

    # -- credits -------------------------------------------------------------------------------

    def balance(self, key: str) -> float:
        """Credits left for ``key``; KeyError for a key the sandbox does not accept."""
        with self._lock:
            return self._balances[key]

    def set_balance(self, key: str, credits: float) -> None:
        """Set ``key``'s credits; a new key becomes an accepted key."""
        with self._lock:
            self._balances[key] = float(credits)

    def is_key(self, key: str) -> bool:
        """Whether ``key`` is an accepted API key."""
        with self._lock:
            return key in self._balances

    def try_charge(self, key: str, amount: float) -> bool:
        """Debit ``amount`` if the balance covers it; False (and no change) otherwise."""
        with self._lock:
            balance = self._balances.get(key, 0.0)
            if balance + 1e-9 < amount:
                return False
            # Rounding keeps repeated fractional prices from drifting (1000 - 0.1*10 == 999.0).
            self._balances[key] = round(balance - amount, 6)
            return True

    # -- faults --------------------------------------------------------------------------------

    def inject(self, fault: Fault, *, key: str | None = None, times: int | None = 1) -> None:
        """Arm ``fault`` for requests made with ``key`` (None: everyone), for the next ``times``
        matching requests (None: until ``clear_faults``)."""
        if key is not None and not self.is_key(key):
            raise ValueError("inject(key=...) must be one of the sandbox's configured keys")
        self.faults.arm(fault, key=key, times=times)

    def clear_faults(self) -> None:
        """Disarm every injected fault."""
        self.faults.clear()

    # -- tasks ---------------------------------------------------------------------------------

    def add_task(self, task: SandboxTask) -> None:
        """Remember a new task (the oldest are forgotten past ``MAX_TASKS``)."""
        self.tasks[task.id] = task
        while len(self.tasks) > MAX_TASKS:
            del self.tasks[next(iter(self.tasks))]

    def task_for(self, task_id: str, key: str) -> SandboxTask | None:
        """The task, only when ``key`` created it: another key's task id answers like an unknown one."""
        task = self.tasks.get(task_id)
        return task if task is not None and task.key == key else None
