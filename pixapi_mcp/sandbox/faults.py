"""Fault injection: what can go wrong between a client and the API, on demand.

A fault is armed three ways: ``SandboxState.inject`` in-process, ``POST /_sandbox/faults`` from
another process, or the ``X-Sandbox-Fault`` header on a single request. Request-level kinds
(latency, status, malformed_json, drop_connection) act on the HTTP exchange itself; work-level
kinds (task_fail, task_stuck, large_output) act on the work a valid request starts, so a request
rejected with 400 does not use them up.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast, get_args

FaultKind = Literal[
    "latency", "status", "malformed_json", "drop_connection", "task_fail", "task_stuck", "large_output"
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
FAULT_HEADER = "X-Sandbox-Fault"

# Kinds that change the HTTP exchange; the others change the work a valid request starts.
REQUEST_KINDS = frozenset({"latency", "status", "malformed_json", "drop_connection"})
TASK_KINDS = frozenset({"task_fail", "task_stuck"})
OUTPUT_KINDS = frozenset({"large_output"})

# Bounds keep a typo (latency=5000) from hanging a test run or eating the machine's memory.
MAX_LATENCY_S = 120.0
MAX_OUTPUT_MB = 1024.0


class FaultError(ValueError):
    """A fault description is malformed; the message says what to send instead."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing to go wrong.

    ``kind`` picks the failure; ``path_prefix`` and ``method`` pick the requests it hits.
    ``seconds`` is the added latency, ``status`` the HTTP status of a ``status`` fault (429 also
    sends ``Retry-After: retry_after``), ``size_mb`` the size each output file is padded to by
    ``large_output``.
    """

    kind: FaultKind
    path_prefix: str = "/v1/"
    method: str | None = None
    seconds: float = 0.0
    status: int = 503
    retry_after: float = 1.0
    size_mb: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if not self.path_prefix.startswith("/"):
            raise FaultError("path_prefix must start with '/', e.g. '/v1/'")
        if not (0 <= self.seconds <= MAX_LATENCY_S) or math.isnan(self.seconds):
            raise FaultError(f"seconds must be between 0 and {MAX_LATENCY_S:g}")
        if not (400 <= self.status <= 599):
            raise FaultError("status must be an HTTP error status from 400 to 599")
        if not (0 <= self.retry_after <= 3600) or math.isnan(self.retry_after):
            raise FaultError("retry_after must be between 0 and 3600 seconds")
        if not (0 <= self.size_mb <= MAX_OUTPUT_MB) or math.isnan(self.size_mb):
            raise FaultError(f"size_mb must be between 0 and {MAX_OUTPUT_MB:g}")

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault targets a request with ``method`` to ``path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix)

    def to_json(self) -> dict[str, Any]:
        """The fault as the JSON object ``POST /_sandbox/faults`` accepts."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """Build a fault from JSON fields (unknown fields are an error, so typos do not pass silently)."""
        allowed = {"kind", "path_prefix", "method", "seconds", "status", "retry_after", "size_mb"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise FaultError(
                f"unknown fault field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
            )
        kind = data.get("kind")
        if not isinstance(kind, str):
            raise FaultError(f"`kind` is required: one of {', '.join(FAULT_KINDS)}")
        try:
            return cls(
                kind=cast(FaultKind, kind),  # checked against FAULT_KINDS in __post_init__
                path_prefix=_as_str(data, "path_prefix", "/v1/"),
                method=_as_optional_str(data, "method"),
                seconds=_as_float(data, "seconds", 0.0),
                status=int(_as_float(data, "status", 503.0)),
                retry_after=_as_float(data, "retry_after", 1.0),
                size_mb=_as_float(data, "size_mb", 0.0),
            )
        except (TypeError, ValueError) as exc:
            if isinstance(exc, FaultError):
                raise
            raise FaultError(str(exc)) from None


def _as_str(data: Mapping[str, Any], name: str, default: str) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise FaultError(f"`{name}` must be a string")
    return value


def _as_optional_str(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise FaultError(f"`{name}` must be a string or null")
    return value


def _as_float(data: Mapping[str, Any], name: str, default: float) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FaultError(f"`{name}` must be a number")
    try:
        return float(value)
    except ValueError:
        raise FaultError(f"`{name}` must be a number") from None


# The single value a header fault may carry after ``kind=``, and which field it sets.
_HEADER_VALUE_FIELD = {"latency": "seconds", "status": "status", "large_output": "size_mb"}


def parse_fault_header(value: str) -> Fault:
    """Parse an ``X-Sandbox-Fault`` header.

    Syntax: ``kind[=value][; field=value]...``, for example ``status=503``,
    ``status=429; retry_after=2``, ``latency=0.5``, ``malformed_json``, ``drop_connection``,
    ``task_fail``, ``task_stuck``, ``large_output=5``. The header applies to its own request, so
    ``path_prefix`` and ``method`` are not accepted.
    """
    parts = [p.strip() for p in value.split(";") if p.strip()]
    if not parts:
        raise FaultError(f"empty {FAULT_HEADER} header; use e.g. `status=503` or `latency=0.5`")
    head, _, head_value = parts[0].partition("=")
    kind = head.strip()
    if kind not in FAULT_KINDS:
        raise FaultError(
            f"unknown fault kind {kind!r} in {FAULT_HEADER}; use one of {', '.join(FAULT_KINDS)}"
        )
    fields: dict[str, Any] = {"kind": kind, "path_prefix": "/"}
    if head_value.strip():
        target = _HEADER_VALUE_FIELD.get(kind)
        if target is None:
            raise FaultError(f"fault {kind!r} takes no value in {FAULT_HEADER}")
        fields[target] = head_value.strip()
    for extra in parts[1:]:
        name, sep, raw = extra.partition("=")
        name = name.strip()
        if not sep or name not in {"seconds", "status", "retry_after", "size_mb"}:
            raise FaultError(
                f"bad {FAULT_HEADER} parameter {extra!r}; use seconds=, status=, retry_after= or size_mb="
            )
        fields[name] = raw.strip()
    return Fault.from_json(fields)


@dataclass(slots=True)
class _Armed:
    fault: Fault
    key: str | None
    remaining: int | None


@dataclass(slots=True)
class FaultBook:
    """The injected faults, in arming order; thread-safe because tests arm them from another thread
    than the one serving requests."""

    _armed: list[_Armed] = field(default_factory=list[_Armed])
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def arm(self, fault: Fault, *, key: str | None, times: int | None) -> None:
        """Arm ``fault`` for ``key`` (None: everyone) for ``times`` requests (None: until cleared)."""
        if times is not None and times < 1:
            raise FaultError("times must be at least 1, or None for until cleared")
        with self._lock:
            self._armed.append(_Armed(fault, key, times))

    def clear(self) -> None:
        """Disarm everything."""
        with self._lock:
            self._armed.clear()

    def take(self, *, key: str | None, method: str, path: str, kinds: frozenset[str]) -> Fault | None:
        """Use up the first armed fault of one of ``kinds`` that targets this request, if any."""
        with self._lock:
            for index, armed in enumerate(self._armed):
                if armed.fault.kind not in kinds:
                    continue
                if armed.key is not None and armed.key != key:
                    continue
                if not armed.fault.matches(method, path):
                    continue
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        del self._armed[index]
                return armed.fault
        return None

    def snapshot(self) -> list[dict[str, Any]]:
        """The armed faults as JSON (keys are shown only as whether one is set)."""
        with self._lock:
            return [
                {"fault": a.fault.to_json(), "per_key": a.key is not None, "remaining": a.remaining}
                for a in self._armed
            ]
