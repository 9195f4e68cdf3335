"""The models the sandbox serves: the catalog's models that have a price here, listed at
``GET /v1/models`` and checked on every submission (a 400 naming the ones to use instead)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from pixapi_mcp.contract import CATALOG, Category, ModelInfo, lookup_model
from pixapi_mcp.sandbox.errors import error
from pixapi_mcp.sandbox.state import SandboxConfig


def available(config: SandboxConfig, info: ModelInfo) -> bool:
    """Whether the sandbox can price (and so serve) ``info``."""
    if info.category == "video":
        return info.id in config.video_credits
    return info.credits_from is not None


def list_models(config: SandboxConfig) -> JSONResponse:
    """``GET /v1/models`` in the documented shape."""
    data = [
        {
            "id": info.id,
            "object": "model",
            "category": info.category,
            "capabilities": list(info.capabilities),
        }
        for info in CATALOG
        if available(config, info)
    ]
    return JSONResponse({"object": "list", "data": data})


def served_model(config: SandboxConfig, name: str, media: Category | None) -> ModelInfo | None:
    """The model ``name`` (an id or alias) when the sandbox serves it for ``media``."""
    info = lookup_model(name)
    if info is None or not available(config, info) or info.category != media:
        return None
    return info


def unknown_model(config: SandboxConfig, request: Request, name: str, media: Category | None) -> JSONResponse:
    served = ", ".join(f"`{m.id}`" for m in CATALOG if available(config, m) and m.category == media)
    return error(
        request,
        400,
        f"Model `{name}` is not served by the sandbox; use one of {served} (see GET /v1/models).",
        param="model",
        rule="unknown-model",
    )
