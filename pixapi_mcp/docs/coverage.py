"""What the bundled docs do not cover, and where to look instead.

The bundle is a capture of Pixapi's public docs; people and agents regularly ask about things it
never mentions (a credit balance endpoint, cancelling a task, how long output URLs live, seeds,
an SLA, webhooks, refunds). ``GAPS`` names those topics by search term (stemmed, as ``lexicon``
makes them; the term maps bring the other languages' words to the same terms): a question that
asks about one, answered by a section that never mentions it, is almost surely not answered, and
the search's confidence model weighs that (``search._confidence``). ``where_to_look`` is the
answer to give instead. Every address is one the captured pages give (seeds/llms-full.txt: the
pricing page, the support address, the About page, the live and the Chinese documentation).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

PRICING_URL = (
    "https://pixapi.ai/pricing"  # "Authoritative source for current plan names, prices, included credits"
)
SUPPORT_EMAIL = "support@pixapi.ai"  # "Support: Questions, corrections, and support requests"
ABOUT_URL = "https://pixapi.ai/about"  # "how to contact support"
LIVE_DOCS_URL = "https://pixapi.ai/docs/"  # "API documentation home"
ZH_DOCS_URL = "https://pixapi.ai/zh/docs/"  # "Simplified Chinese documentation entry point"

Where = Literal["pricing", "support"]

# Search term -> who can answer. Billing questions go to the pricing page (it lists plans, credits,
# watermarks and pack eligibility); everything else to support.
GAPS: dict[str, Where] = {
    **dict.fromkeys(
        ("balanc", "refund", "invoic", "subscription", "recharg", "top-up", "watermark", "plan"), "pricing"
    ),
    **dict.fromkeys(
        (
            "cancel",
            "abort",
            "seed",
            "webhook",
            "callback",
            "sla",
            "uptim",
            "availability",
            "guarante",
            "guarant",
            "retention",
            "train",
            "negativ",
            "maximum",
            "max",
            "delet",
            "region",
            "privacy",
            "gdpr",
            "stream",
            "concurrency",
            "concurrent",
            "quota",
        ),
        "support",
    ),
}


def gaps_in(terms: Iterable[str]) -> list[str]:
    """The known-gap terms among ``terms``, in order, once each."""
    return list(dict.fromkeys(t for t in terms if t in GAPS))


def where_to_look(gaps: Iterable[str] = (), *, chinese: bool = False) -> str:
    """The "not covered" answer: the bundled docs do not say, and who does."""
    kinds = {GAPS[g] for g in gaps if g in GAPS}
    places = [f"the live docs ({LIVE_DOCS_URL}" + (f", in Chinese {ZH_DOCS_URL}" if chinese else "") + ")"]
    if "pricing" in kinds or not kinds:
        places.append(f"the pricing page ({PRICING_URL}) for credits, plans and prices")
    places.append(f"Pixapi support ({SUPPORT_EMAIL}; contact details on {ABOUT_URL})")
    return (
        "The bundled Pixapi docs do not cover this: the hits below are the nearest sections, probably not the "
        "answer. Do not guess an endpoint or a field from them; look at " + "; ".join(places) + "."
    )
