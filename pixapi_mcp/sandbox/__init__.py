"""A Pixapi-compatible sandbox API: the documented endpoints, answered locally with real media.

Bearer keys with per-key credits (402 when short; only successful outputs are charged), the
contract's rule table answering 400, PNG images at the requested size, multipart edits derived
from their inputs, async tasks whose progress follows a clock, a playable MJPEG AVI for video,
and fault injection (latency, error statuses with Retry-After, malformed bodies, dropped
connections, failed or stuck tasks, oversized outputs).

Use it in-process (``create_app`` with ``httpx2.ASGITransport``), over real HTTP in tests
(``running_sandbox``), or standalone (``pixapi-mcp sandbox``, which calls ``run_sandbox``).
Importing this package starts nothing.
"""

from pixapi_mcp.sandbox.app import create_app
from pixapi_mcp.sandbox.clock import ManualClock, SystemClock
from pixapi_mcp.sandbox.faults import FAULT_HEADER, FAULT_KINDS, Fault, FaultError, FaultKind
from pixapi_mcp.sandbox.injection import DroppedConnection
from pixapi_mcp.sandbox.middleware import REQUEST_ID_HEADER
from pixapi_mcp.sandbox.runner import RunningSandbox, run_sandbox, running_sandbox
from pixapi_mcp.sandbox.state import DEFAULT_KEY, RecordedRequest, SandboxConfig, SandboxState, SandboxTask

__all__ = [
    "DEFAULT_KEY",
    "FAULT_HEADER",
    "FAULT_KINDS",
    "REQUEST_ID_HEADER",
    "DroppedConnection",
    "Fault",
    "FaultError",
    "FaultKind",
    "ManualClock",
    "RecordedRequest",
    "RunningSandbox",
    "SandboxConfig",
    "SandboxState",
    "SandboxTask",
    "SystemClock",
    "create_app",
    "run_sandbox",
    "running_sandbox",
]
