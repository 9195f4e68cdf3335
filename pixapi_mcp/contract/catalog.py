"""The model catalog: what the captured docs say about each model (ids, aliases, endpoints,
documented prices), name families for models the catalog does not list yet, and the credit
estimate of a request body built from them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pixapi_mcp.contract.endpoints import (
    API_REFERENCE_URL,
    DOCS_ROOT,
    LLMS_FULL_URL,
    MODEL_CATALOG_URL,
    Endpoint,
)

Category = Literal["image", "video"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the docs say about one model. ``credits_from`` is the documented starting price per
    output (None where the captured pages state none); live prices on pixapi.ai/pricing win.
    ``price_exact``: the docs state one price per output, not a "from" price. ``priced_by``: the
    request fields the docs tie to the output tier, so a "from" price is only a floor for them."""

    id: str
    name: str
    category: Category
    provider: str
    summary: str
    capabilities: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    aliases: tuple[str, ...] = ()
    credits_from: float | None = None
    price_exact: bool = False
    priced_by: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    size_notes: str = ""
    docs_url: str = ""
    source: str = ""

    @property
    def unit(self) -> str:
        return self.category


_IMAGE_ENDPOINTS = (
    Endpoint.IMAGE_GENERATIONS,
    Endpoint.ASYNC_IMAGE_GENERATIONS,
    Endpoint.IMAGE_EDITS,
    Endpoint.ASYNC_IMAGE_EDITS,
)
_IMAGE_CAPS = ("text-to-image", "image-to-image")
_VIDEO_CAPS = ("text-to-video", "image-to-video")
_DOCUMENTED_IMAGE_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
_DOCUMENTED_VIDEO_SIZES = ("1280x720", "720x1280", "16:9")

CATALOG: tuple[ModelInfo, ...] = (
    ModelInfo(
        id="gemini-2.5-flash-image",
        name="Gemini 2.5 Flash Image (Nano Banana)",
        category="image",
        provider="Google",
        summary="Fast Gemini image generation and editing for low-latency product workflows.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        aliases=("nano-banana",),
        credits_from=2.0,
        # model-gemini-2.5-flash-image.txt: "costs 2 credits per image" (one rule, no tiers).
        price_exact=True,
        sizes=_DOCUMENTED_IMAGE_SIZES,
        docs_url=f"{DOCS_ROOT}/models/gemini-2.5-flash-image/",
        source="https://pixapi.ai/model/gemini-2.5-flash-image",
    ),
    ModelInfo(
        id="gemini-3.1-flash-image-preview",
        name="Gemini 3.1 Flash Image Preview (Nano Banana 2)",
        category="image",
        provider="Google",
        summary="Balanced Gemini image generation and editing with size-controlled 512, standard, 2K and "
        "4K outputs.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        aliases=("nano-banana-2",),
        credits_from=4.0,
        priced_by=("size",),  # home-page.txt: "size-controlled 512, standard, 2K, and 4K outputs"
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Output tier (512, standard, 2K, 4K) is controlled by size.",
        docs_url=f"{DOCS_ROOT}/models/gemini-3.1-flash-image-preview/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="gemini-3-pro-image-preview",
        name="Gemini 3 Pro Image Preview (Nano Banana Pro)",
        category="image",
        provider="Google",
        summary="Premium Gemini image generation and editing for high-quality product visuals.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        aliases=("nano-banana-pro",),
        credits_from=8.0,
        priced_by=("size",),  # home-page.txt: "standard, 2K, and 4K outputs controlled by size"
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Standard, 2K and 4K outputs are controlled by size.",
        docs_url=f"{DOCS_ROOT}/models/gemini-3-pro-image-preview/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="gpt-image-1.5",
        name="GPT Image 1.5",
        category="image",
        provider="OpenAI",
        summary="Image generation and editing with strong prompt adherence, text rendering and commercial "
        "composition.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        credits_from=1.0,
        priced_by=("quality", "size"),
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Price depends on quality tier and size.",
        docs_url=f"{DOCS_ROOT}/models/gpt-image-1.5/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="gpt-image-2",
        name="GPT Image 2",
        category="image",
        provider="OpenAI",
        summary="OpenAI image generation and editing with quality tiers, custom sizes and strong prompt "
        "adherence.",
        capabilities=_IMAGE_CAPS,
        endpoints=_IMAGE_ENDPOINTS,
        credits_from=1.0,
        priced_by=("quality", "size"),  # home-page.txt: "quality tiers, custom sizes", "from 1 Credit"
        sizes=_DOCUMENTED_IMAGE_SIZES,
        size_notes="Accepts custom WIDTHxHEIGHT sizes; price depends on quality tier and size.",
        docs_url=f"{DOCS_ROOT}/models/gpt-image-2/",
        source="https://pixapi.ai/",
    ),
    ModelInfo(
        id="veo",
        name="Veo",
        category="video",
        provider="Google",
        summary="Video generation task model: text-to-video and image-to-video through the async video "
        "endpoint.",
        capabilities=_VIDEO_CAPS,
        endpoints=(Endpoint.ASYNC_VIDEO_GENERATIONS,),
        sizes=_DOCUMENTED_VIDEO_SIZES,
        size_notes="Credits per video are not in the captured docs: check pixapi.ai/pricing.",
        docs_url=f"{DOCS_ROOT}/models/veo/",
        source=LLMS_FULL_URL,
    ),
    ModelInfo(
        id="wan",
        name="Wan",
        category="video",
        provider="",  # not stated in the captured docs
        summary="Video generation model for text-to-video and image-to-video through the async video "
        "endpoint.",
        capabilities=_VIDEO_CAPS,
        endpoints=(Endpoint.ASYNC_VIDEO_GENERATIONS,),
        sizes=_DOCUMENTED_VIDEO_SIZES,
        size_notes="Credits per video are not in the captured docs: check pixapi.ai/pricing.",
        docs_url=MODEL_CATALOG_URL,
        source=API_REFERENCE_URL,
    ),
)

DEFAULT_IMAGE_MODEL = "nano-banana"
DEFAULT_VIDEO_MODEL = "veo"

_BY_NAME: dict[str, ModelInfo] = {}
for _info in CATALOG:
    _BY_NAME[_info.id] = _info
    for _alias in _info.aliases:
        _BY_NAME[_alias] = _info
ALIASES: dict[str, str] = {a: m.id for m in CATALOG for a in m.aliases}
# Every id and alias the catalog answers to (what "did you mean" draws from).
MODEL_NAMES: tuple[str, ...] = tuple(_BY_NAME)

# Families by name, so a model the catalog does not know yet (say ``veo-3.1-fast``) is still sent
# to the right endpoint. From the seeds: nano-banana*, gemini-*-image*, gpt-image-* are image
# models; veo and wan (and the sora-2 of the task example) are video models.
_GEMINI_FAMILY = re.compile(r"^(nano-banana(-[a-z0-9.]+)?|gemini-[a-z0-9.-]*image[a-z0-9.-]*)$")
_GPT_IMAGE_FAMILY = re.compile(r"^gpt-image-[a-z0-9.-]+$")
_IMAGE_FAMILIES = {"Gemini image (nano-banana)": _GEMINI_FAMILY, "GPT Image": _GPT_IMAGE_FAMILY}
_VIDEO_FAMILY = re.compile(r"^(veo|wan|sora|kling|seedance|hailuo)([-.][a-z0-9.-]+)?$")


def lookup_model(name: str) -> ModelInfo | None:
    """The catalog entry for a model id or alias (case-insensitive), or None."""
    return _BY_NAME.get(name.strip().lower())


def canonical_model_id(name: str) -> str:
    """Resolve an alias to its canonical id; unknown names come back unchanged."""
    info = lookup_model(name)
    return info.id if info else name


def model_category(name: str) -> Category | None:
    """Image or video for a known model or a known model family; None when it cannot be told."""
    info = lookup_model(name)
    if info:
        return info.category
    lowered = name.strip().lower()
    if any(family.match(lowered) for family in _IMAGE_FAMILIES.values()):
        return "image"
    if _VIDEO_FAMILY.match(lowered):
        return "video"
    return None


def suggest_models(name: str, candidates: Iterable[str] | None = None, limit: int = 3) -> list[str]:
    """Close matches for a misspelled model name, from ``candidates`` (default: the catalog)."""
    pool = list(candidates) if candidates is not None else list(MODEL_NAMES)
    return difflib.get_close_matches(name.strip().lower(), pool, n=limit, cutoff=0.5)


def estimate_credits(model: str, n: int = 1) -> float | None:
    """The documented starting price for ``n`` outputs, or None when the docs give no price."""
    info = lookup_model(model)
    if info is None or info.credits_from is None:
        return None
    return info.credits_from * n


# -- credit estimates ------------------------------------------------------------------------------

EstimateBasis = Literal["documented", "from", "family", "configured", "unknown"]


@dataclass(frozen=True, slots=True)
class CreditEstimate:
    """What a request is expected to cost before Pixapi reports the charge (``credits_cost``).

    ``credits`` is None only when no price exists anywhere (a model only the live list names):
    unknown, never zero. ``basis`` says where the figure comes from: ``documented`` (the docs'
    one price per output), ``from`` (the docs' starting price: a floor), ``family`` (the
    highest documented starting price of the model's name family), ``configured`` (this server's
    video estimate, not from Pixapi's docs) or ``unknown``. ``note`` says the same in words."""

    credits: float | None
    basis: EstimateBasis
    note: str

    @property
    def known(self) -> bool:
        return self.credits is not None


def _family_price(name: str) -> tuple[str, float] | None:
    """The name family of ``name`` and the highest documented starting price among its
    catalogued members (the conservative end of what the docs say the family costs)."""
    for family, pattern in _IMAGE_FAMILIES.items():
        if pattern.match(name):
            prices = [
                m.credits_from
                for m in CATALOG
                if m.credits_from is not None and any(pattern.match(n) for n in (m.id, *m.aliases))
            ]
            return (family, max(prices)) if prices else None
    return None


def request_count(value: object) -> int | None:
    """``n`` as sent (top level or inside controls; a JSON number or a numeric string), or None
    when it cannot be read as a whole count. Absent means one output."""
    if value is None:
        return 1
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and float(value).is_integer() and value >= 1:
        return int(value)
    return None


def estimate_request(body: Mapping[str, Any], *, video_credits: float) -> CreditEstimate:
    """The credits ``body`` (what is sent: documented fields and controls merged) should cost.

    Counts ``n`` wherever it was given. Sizes and qualities the docs tie to a price tier keep the
    documented starting price, labelled as a floor: the captured pages give no tier prices, so a
    multiplier would be invented. Video, which the docs do not price, costs ``video_credits`` per
    video (PIXAPI_VIDEO_CREDITS_ESTIMATE); a model no page prices is unknown."""
    model = str(body.get("model", "")).strip()
    count = request_count(body.get("n"))
    if count is None:
        return CreditEstimate(None, "unknown", f"n={body.get('n')!r} is not a whole count of outputs")
    times = f" x {count}" if count > 1 else ""
    info = lookup_model(model)
    category = model_category(model)
    if category == "video":
        return CreditEstimate(
            video_credits * count,
            "configured",
            f"{video_credits:g} credits per video{times}: this server's estimate "
            "(PIXAPI_VIDEO_CREDITS_ESTIMATE), not from Pixapi's docs, which give no video price",
        )
    if info is not None and info.credits_from is not None:
        if info.price_exact:
            note = f"{info.credits_from:g} credits per image{times}, the documented price"
            return CreditEstimate(info.credits_from * count, "documented", note)
        tiers = [
            f"{field}={body[field]}" for field in info.priced_by if body.get(field) not in (None, "auto")
        ]
        detail = f"; this request sets {', '.join(tiers)}, which selects the price tier" if tiers else ""
        note = (
            f"from {info.credits_from:g} credits per image{times}: the documented starting price, a floor "
            f"(the docs give no tier prices{detail}); the charge Pixapi reports replaces it"
        )
        return CreditEstimate(info.credits_from * count, "from", note)
    family = _family_price(model.lower())
    if family is not None:
        name, price = family
        note = (
            f"{price:g} credits per image{times}: the highest documented starting price of the {name} "
            f"family; {model} itself has no documented price"
        )
        return CreditEstimate(price * count, "family", note)
    return CreditEstimate(
        None, "unknown", f"{model or 'this model'} has no price in Pixapi's docs or this server's catalog"
    )
