"""Who is calling and what they can pay: the Bearer key (401 without a valid one), the price of a
submission, and the 402 when the key's credits fall short. Only successful outputs are charged:
``SandboxState.try_charge`` runs where the work completes, not here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from pixapi_mcp.contract import ModelInfo
from pixapi_mcp.sandbox.errors import error
from pixapi_mcp.sandbox.state import DEFAULT_KEY, INVALID_KEY, SandboxConfig, SandboxState

# Balances are floats: a price equal to the balance must not be refused for a rounding error.
_EPSILON = 1e-9


def caller(state: SandboxState, request: Request) -> tuple[str | None, str | None]:
    """(valid key or None, label to record): the label never holds an unknown key's text."""
    header = request.headers.get("authorization", "")
    if not header.strip():
        return None, None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token and state.is_key(token):
        return token, token
    return None, INVALID_KEY


def unauthorized(request: Request) -> JSONResponse:
    return error(
        request,
        401,
        "Missing or invalid API key: send `Authorization: Bearer <key>` with a key this sandbox "
        f"was started with (default `{DEFAULT_KEY}`).",
        headers={"WWW-Authenticate": "Bearer"},
    )


def price(config: SandboxConfig, info: ModelInfo, n: int) -> float:
    """Credits for ``n`` outputs: the catalog's starting price for images, the sandbox's own
    ``video_credits`` for a video (the captured docs give no video price)."""
    if info.category == "video":
        return config.video_credits[info.id]
    return float(info.credits_from or 0) * n


def short_of_credits(
    state: SandboxState, request: Request, key: str, info: ModelInfo, n: int, cost: float
) -> JSONResponse | None:
    """The 402 when ``key`` cannot pay ``cost`` now, else None (nothing is charged here)."""
    balance = state.balance(key)
    if balance + _EPSILON >= cost:
        return None
    return error(
        request,
        402,
        f"Insufficient credits: {info.id} x{n} needs {cost:g}, balance {balance:g}. "
        "Add credits (sandbox: POST /_sandbox/balance) or lower `n`.",
    )
