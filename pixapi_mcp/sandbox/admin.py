"""The admin endpoints ``/_sandbox/*``, for tests and tools in another process: arm, list and
clear faults, move a manual clock, read the request log, read and set a key's credits. They need
a valid key (faults and balances are per key) and are not themselves recorded."""

from __future__ import annotations

import json
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pixapi_mcp.sandbox.accounts import caller, unauthorized
from pixapi_mcp.sandbox.clock import SystemClock
from pixapi_mcp.sandbox.errors import error
from pixapi_mcp.sandbox.faults import Fault, FaultError
from pixapi_mcp.sandbox.injection import fault_error
from pixapi_mcp.sandbox.state import SandboxState


async def admin(state: SandboxState, request: Request) -> Response:
    key, _ = caller(state, request)
    if key is None:
        return unauthorized(request)
    action = str(request.path_params["action"])
    method = request.method
    try:
        if action == "faults" and method == "POST":
            return await _inject(state, request, key)
        if action == "faults" and method == "DELETE":
            state.clear_faults()
            return JSONResponse({"ok": True, "faults": []})
        if action == "faults" and method == "GET":
            return JSONResponse({"faults": state.faults.snapshot()})
        if action == "advance" and method == "POST":
            return await _advance(state, request)
        if action == "requests" and method == "GET":
            every = request.query_params.get("all", "").lower() in ("1", "true", "yes")
            data = [r.to_json() for r in list(state.requests) if every or r.key == key]
            return JSONResponse({"object": "list", "data": data})
        if action == "balance" and method == "GET":
            return JSONResponse({"balance": state.balance(key)})
        if action == "balance" and method == "POST":
            payload = await _json_object(request)
            credits = payload.get("credits")
            if isinstance(credits, bool) or not isinstance(credits, int | float) or credits < 0:
                return error(request, 400, 'Send {"credits": <non-negative number>}.', param="credits")
            state.set_balance(key, float(credits))
            return JSONResponse({"balance": state.balance(key)})
    except FaultError as exc:
        return fault_error(request, str(exc), param=None)
    return error(
        request,
        404,
        f"No sandbox admin action `{method} /_sandbox/{action}`; use POST/DELETE /_sandbox/faults, "
        "POST /_sandbox/advance, GET /_sandbox/requests, GET or POST /_sandbox/balance.",
    )


async def _inject(state: SandboxState, request: Request, key: str) -> Response:
    payload = await _json_object(request)
    times_raw = payload.pop("times", 1)
    everyone = payload.pop("all", False) is True
    if times_raw is not None and (isinstance(times_raw, bool) or not isinstance(times_raw, int)):
        raise FaultError("`times` must be a whole number from 1, or null for until cleared")
    times: int | None = times_raw
    fault = Fault.from_json(payload)
    state.faults.arm(fault, key=None if everyone else key, times=times)
    return JSONResponse({"ok": True, "fault": fault.to_json(), "times": times, "all": everyone})


async def _advance(state: SandboxState, request: Request) -> Response:
    clock = state.clock
    if isinstance(clock, SystemClock):
        return error(
            request,
            409,
            "This sandbox runs on the wall clock; start it with a ManualClock to advance time.",
        )
    payload = await _json_object(request)
    seconds = payload.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        return error(request, 400, 'Send {"seconds": <non-negative number>}.', param="seconds")
    clock.advance(float(seconds))
    return JSONResponse({"now": clock.now()})


async def _json_object(request: Request) -> dict[str, Any]:
    """The admin body: a JSON object, or {} when empty; anything else is a ``FaultError`` (400)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        raise FaultError("the body must be a JSON object") from None
    if not isinstance(parsed, dict):
        raise FaultError("the body must be a JSON object")
    return cast(dict[str, Any], parsed)
