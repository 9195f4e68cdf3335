"""The ``list_models`` tool: the live model list merged with the bundled catalog (aliases,
capabilities, endpoints, documented prices), or the catalog alone when the API cannot be reached."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from mcp_types import CallToolResult

from pixapi_mcp.client import PixapiError
from pixapi_mcp.contract import CATALOG, ModelEntry
from pixapi_mcp.tool_result import call_result, short_text
from pixapi_mcp.tools.registry import READS_API, ToolDef
from pixapi_mcp.tools.results import ModelOut, ModelsResult
from pixapi_mcp.tools.state import AppContext, app_state

# How long a fetched model list is reused (seconds): the list changes rarely (new models, not new
# ones per minute), and without this every list_models call costs a GET. The note says when the
# list was fetched.
MODELS_MAX_AGE_S = 60.0


async def list_models(ctx: AppContext) -> Annotated[CallToolResult, ModelsResult]:
    state = app_state(ctx)
    live: dict[str, ModelEntry] = {}
    note = "Merged the live GET /v1/models with the bundled catalog."
    source: Literal["live+catalog", "catalog"] = "live+catalog"
    try:
        listing = await state.client.list_models(max_age_s=MODELS_MAX_AGE_S)
        live = {entry.id: entry for entry in listing.data}
        fetched = state.client.models_fetched_at
        if fetched is not None:
            at = time.strftime("%H:%M:%S UTC", time.gmtime(fetched))
            note = (
                f"Merged the live GET /v1/models (fetched at {at}; a list is reused for up to "
                f"{MODELS_MAX_AGE_S:g} s) with the bundled catalog."
            )
    except PixapiError as exc:
        source = "catalog"
        note = f"The live model list could not be fetched ({exc.category}): showing the bundled catalog only."
    out: list[ModelOut] = []
    for info in CATALOG:
        entry = live.get(info.id)
        out.append(
            ModelOut(
                id=info.id,
                category=(entry.category if entry and entry.category else info.category),
                capabilities=(
                    entry.capabilities if entry and entry.capabilities else list(info.capabilities)
                ),
                aliases=list(info.aliases),
                credits_from=info.credits_from,
                endpoints=[e.value for e in info.endpoints],
                sizes=list(info.sizes),
                notes=" ".join(p for p in (info.summary, info.size_notes) if p),
                live=(info.id in live) if source == "live+catalog" else None,
                docs=f"pixapi://models/{info.id}",
            )
        )
    known = {info.id for info in CATALOG}
    for entry in live.values():
        if entry.id not in known:
            out.append(
                ModelOut(
                    id=entry.id,
                    category=entry.category,
                    capabilities=entry.capabilities,
                    live=True,
                    notes="Listed by the API; not in the bundled catalog (no documented price).",
                )
            )
    result = ModelsResult(
        data=out,
        source=source,
        note=note,
        summary=_summary(out, source),
        next_step="Pass an id or alias as model: image models to generate_image or edit_image, video models "
        "to create_video. Prices are credits_from (documented starting price); details at each docs URI.",
    )
    details = [_line(m) for m in out]
    head = result.summary if source == "live+catalog" else f"{result.summary} {note}"
    return call_result(result, short_text(head, details, result.next_step))


def _summary(models: list[ModelOut], source: str) -> str:
    image = sum(1 for m in models if m.category == "image")
    video = sum(1 for m in models if m.category == "video")
    other = len(models) - image - video
    kinds = f"{image} image, {video} video" + (f", {other} other" if other else "")
    return f"{len(models)} Pixapi models ({kinds}), from {source}."


def _line(model: ModelOut) -> str:
    aliases = f" ({', '.join(model.aliases)})" if model.aliases else ""
    price = ""
    if model.credits_from is not None:
        price = f", from {model.credits_from:g} credit{'' if model.credits_from == 1 else 's'}"
    return f"- {model.id}{aliases}: {model.category or 'unknown'}{price}"


LIST_MODELS = ToolDef(
    list_models,
    title="List models",
    description="""List Pixapi models with aliases, capabilities, endpoints and documented credit prices.

Merges the live GET /v1/models (fetched at most once a minute; note says when) with the bundled
catalog; answers from the catalog when the API cannot be reached (source says which). Free. Use
before choosing a model or to fix an unknown model name.""",
    annotations=READS_API,
)
