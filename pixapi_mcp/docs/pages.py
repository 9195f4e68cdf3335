"""The generated files of the bundle: one page per catalog model, the mistakes page, the catalog
table in ``model-catalog``, and ``llms.txt`` / ``llms-full.txt``, all computed from ``contract``
and the hand-written pages.

``python -m pixapi_mcp.docs`` rewrites them (``write_bundle``); a test fails when the committed
files drift from what this module renders, so its output must stay byte-for-byte stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from pixapi_mcp import contract
from pixapi_mcp.docs.bundle import (
    DOCS_SCHEME,
    GUIDE_PAGES,
    RECIPE_PAGES,
    REFERENCE_PAGES,
    checkout_bundle,
    model_page_name,
    ordered_pages,
    page_summary,
    page_title,
)

_GENERATED_PAGES_NOTE = (
    "<!-- Generated from the pixapi_mcp.contract package by `python -m pixapi_mcp.docs`; do not edit. -->"
)
_LINKS = {
    contract.API_REFERENCE_URL: "API Reference",
    contract.LLMS_FULL_URL: "llms-full.txt",
    "https://pixapi.ai/": "Pixapi home",
    "https://pixapi.ai/model/gemini-2.5-flash-image": "Gemini 2.5 Flash Image model page",
    "https://pixapi.ai/image-generation-api": "Image Generation API",
}

# Facts from the captured pages that the catalog does not hold, per model.
_MODEL_NOTES: dict[str, tuple[str, ...]] = {
    "gemini-2.5-flash-image": (
        "Pixapi's recommended Nano Banana model id is `nano-banana`, the alias of this model; the canonical "
        "id `gemini-2.5-flash-image` is equivalent and costs the same.",
        "Credits are billed per successful image output.",
        "Use `n` to request several images in one call.",
        "Use `/v1/async/images/generations` or `/v1/async/images/edits` for task-based async processing.",
        "Suggested for fast prompt-to-image output and cost-efficient previews.",
    ),
    "gemini-3.1-flash-image-preview": (
        "Outputs come in 512, standard, 2K and 4K tiers, chosen with `size`.",
    ),
    "gemini-3-pro-image-preview": (
        "Standard, 2K and 4K outputs are chosen with `size`.",
        "Suggested (with `gpt-image-2`) for higher-quality campaign assets and composition control.",
    ),
    "gpt-image-1.5": ("Strong prompt adherence, text rendering and commercial composition.",),
    "gpt-image-2": (
        "Quality tiers (`quality`: `low`, `medium`, `high`, `auto`) and custom `WIDTHxHEIGHT` sizes.",
        "Suggested (with `gemini-3-pro-image-preview`) for higher-quality campaign assets.",
    ),
    "veo": (
        "Video is async-only: submit to `POST /v1/async/videos/generations`, then poll `GET /v1/tasks/{id}`.",
        "For image-to-video, pass an image URL (for example `data[0].url` from a Nano Banana image) as "
        "`input_image`; set the length with `duration` in seconds.",
    ),
    "wan": (
        "Pixapi's docs name `wan` as a video model id beside `veo`; the captured docs have no Wan-specific page, "
        "so sizes and durations are those of the video endpoint in general.",
        "Video is async-only: submit to `POST /v1/async/videos/generations`, then poll `GET /v1/tasks/{id}`.",
    ),
}


def _source_line(urls: Iterable[str]) -> str:
    unique = list(dict.fromkeys(u for u in urls if u))
    return "Source: " + ", ".join(f"[{_LINKS.get(u, u)}]({u})" for u in unique)


def credits_phrase(info: contract.ModelInfo) -> str:
    """The starting price of ``info`` in words, or where to look when the docs give none."""
    if info.credits_from is None:
        return (
            f"not given in the captured Pixapi docs; check the live pricing page (https://pixapi.ai/pricing) "
            f"before estimating {info.category} cost"
        )
    return f"from {_credit_count(info.credits_from)} per {info.unit}"


def _credit_count(credits: float) -> str:
    return f"{credits:g} credit" if credits == 1 else f"{credits:g} credits"


def render_model_page(info: contract.ModelInfo) -> str:
    """The bundle page of one catalog model (``model-<id>``)."""
    kind = "Image" if info.category == "image" else "Video"
    alias_clause = (
        f"; alias {', '.join(f'`{a}`' for a in info.aliases)} (same model, same price)"
        if info.aliases
        else ""
    )
    price = credits_phrase(info)
    endpoints = ", ".join(f"`POST {e.value}`" for e in info.endpoints)
    if info.category == "image":
        returns = "`created`, `data[].url` (or `data[].b64_json`); async endpoints return a task"
    else:
        returns = "a task (`id`, `status`); when `completed`, `GET /v1/tasks/{id}` has `result.data[0].url`"
    sizes = ", ".join(f"`{s}`" for s in info.sizes) or "see the API reference"
    if info.size_notes:
        sizes += f". {info.size_notes}"
    lines = [
        f"# {info.name}: `{info.id}`",
        "",
        _source_line([info.source, contract.API_REFERENCE_URL, contract.LLMS_FULL_URL]),
        "",
        f"> {kind} model `{info.id}`{alias_clause}: {info.summary.rstrip('.')}. Price: {price}.",
        "",
        _GENERATED_PAGES_NOTE,
        "",
        "## Facts",
        "",
        "| Field | Value |",
        "|---|---|",
        f"| Model id | `{info.id}` |",
        f"| Aliases | {', '.join(f'`{a}`' for a in info.aliases) or 'none'} |",
        f"| Category | {info.category} |",
        f"| Provider | {info.provider or 'not stated in the docs'} |",
        f"| Capabilities | {', '.join(info.capabilities)} |",
        f"| Endpoints | {endpoints} |",
        "| Required fields | `model`, `prompt` |",
        f"| Returns | {returns} |",
        f"| Starting price | {price} |",
        f"| Sizes | {sizes} |",
    ]
    if info.docs_url:
        lines.append(f"| Pixapi docs | {info.docs_url} |")
    lines += ["", "## Pricing", ""]
    if info.credits_from is None:
        lines.append(
            f"The captured Pixapi pages give no per-{info.unit} price for `{info.id}`. Check the live pricing page, "
            "https://pixapi.ai/pricing, and the task's `credits_cost` (credits charged after completion)."
        )
    else:
        alias_note = (
            f" The alias {', '.join(f'`{a}`' for a in info.aliases)} costs the same." if info.aliases else ""
        )
        lines.append(
            f"From {_credit_count(info.credits_from)} per {info.unit} (the documented starting price).{alias_note} The "
            "final charge follows the actual output and settings; the live pricing page "
            "(https://pixapi.ai/pricing) wins over this figure."
        )
    lines += ["", "## Request example", ""]
    model = info.aliases[0] if info.aliases else info.id
    if info.category == "image":
        lines += [
            "```bash",
            "curl https://api.pixapi.ai/v1/images/generations \\",
            '  -H "Authorization: Bearer $PIXAPI_KEY" \\',
            '  -H "Content-Type: application/json" \\',
            f'  -d \'{{"model": "{model}", "prompt": "A cinematic product photo of a ceramic coffee cup", '
            '"n": 1, "size": "1024x1024"}\'',
            "```",
            "",
            "The image URL is `data[0].url` of the answer.",
        ]
    else:
        lines += [
            "```bash",
            "curl https://api.pixapi.ai/v1/async/videos/generations \\",
            '  -H "Authorization: Bearer $PIXAPI_KEY" \\',
            '  -H "Content-Type: application/json" \\',
            f'  -d \'{{"model": "{model}", "prompt": "Slow camera push-in, steam rising from the cup", '
            '"input_image": "https://cdn.pixapi.ai/generated/image.png", "duration": 8}\'',
            "```",
            "",
            "The answer is a task: poll `GET /v1/tasks/{id}` until `status` is `completed` or `failed`, then read "
            "`result.data[0].url` ([async-tasks](pixapi://docs/async-tasks), "
            "[image-to-video](pixapi://docs/image-to-video)).",
        ]
    notes = _MODEL_NOTES.get(info.id, ())
    if notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def render_mistakes_page() -> str:
    """The ``mistakes`` page: every contract rule with what is wrong, the fix and an example."""
    lines = [
        "# Common mistakes (contract rules)",
        "",
        _source_line([contract.API_REFERENCE_URL, contract.LLMS_FULL_URL]),
        "",
        "> Every rule of Pixapi's documented contract that pixapi-mcp enforces and check_code looks for: "
        "what is wrong, the fix, and an example.",
        "",
        _GENERATED_PAGES_NOTE,
        "",
        "Request rules are checked on every request pixapi-mcp sends (a request that breaks one never leaves "
        "the machine) and in request bodies given to `check_code`; code rules are found by `check_code` in "
        "integration code.",
    ]
    for rule in contract.RULES:
        where = (
            "every request, and `check_code`"
            if rule.scope == "request"
            else "`check_code`, in integration code"
        )
        lines += [
            "",
            f"## {rule.id}",
            "",
            f"- Rule: {rule.summary}",
            f"- Fix: {rule.message}",
        ]
        lines += [
            f"- Wrong: `{rule.example.wrong}`; right: `{rule.example.right}`",
            f"- Checked by: {where}",
            f"- Read more: [{rule.docs_uri}]({rule.docs_uri}), Pixapi: {rule.docs_url}",
        ]
    return "\n".join(lines) + "\n"


def render_catalog_table() -> str:
    rows = [
        "| Model id | Aliases | Category | Capabilities | Endpoints | Starting credits | Page |",
        "|---|---|---|---|---|---|---|",
    ]
    for info in contract.CATALOG:
        aliases = ", ".join(f"`{a}`" for a in info.aliases) or "-"
        endpoints = (
            "video (async-only)"
            if info.category == "video"
            else "image generations and edits (sync or async)"
        )
        credits = (
            f"from {info.credits_from:g} / {info.unit}" if info.credits_from is not None else "not documented"
        )
        page = model_page_name(info.id)
        rows.append(
            f"| `{info.id}` | {aliases} | {info.category} | {', '.join(info.capabilities)} | {endpoints} | "
            f"{credits} | [{page}](pixapi://docs/{page}) |"
        )
    return "\n".join(rows)


def _fill_region(text: str, name: str, content: str) -> str:
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"generated region {name!r} is missing")
    return text[: start + len(begin)] + "\n" + content + "\n" + text[stop:]


def render_index(pages: Mapping[str, str]) -> str:
    """``llms.txt``: one line per page, with its resource URI and summary."""
    groups = (
        ("Guides", [p for p in GUIDE_PAGES if p in pages]),
        ("Reference", [p for p in REFERENCE_PAGES if p in pages]),
        ("Models", [p for p in pages if p.startswith("model-") and p != "model-catalog"]),
        ("Recipes: complete image-to-video programs", [p for p in RECIPE_PAGES if p in pages]),
    )
    listed = {p for _, names in groups for p in names}
    others = [p for p in pages if p not in listed]
    lines = [
        "# Pixapi (pixapi-mcp docs bundle)",
        "",
        "> Pixapi is a unified, OpenAI-compatible API for image and video generation (Nano Banana and Gemini "
        "image models, GPT Image, Veo, Wan) with one Bearer key and one credit ledger. This bundle is the "
        "pixapi-mcp project's reference, written from Pixapi's public docs (https://pixapi.ai/llms-full.txt, "
        "https://pixapi.ai/docs/api-reference/); read each page as the MCP resource shown.",
        "",
        "Base URL `https://api.pixapi.ai`; every request sends `Authorization: Bearer $PIXAPI_KEY`. Images: "
        "`POST /v1/images/generations` -> `data[0].url`. Video (async-only): `POST /v1/async/videos/generations` "
        "-> poll `GET /v1/tasks/{id}` -> `result.data[0].url`. Everything in one file: "
        "pixapi://docs/llms-full.txt",
    ]
    for heading, names in (*groups, ("More", others)):
        if not names:
            continue
        lines += ["", f"## {heading}", ""]
        lines += [
            f"- [{page_title(pages[p]) or p}]({DOCS_SCHEME}{p}): {page_summary(pages[p])}" for p in names
        ]
    return "\n".join(lines) + "\n"


def render_full(pages: Mapping[str, str]) -> str:
    """``llms-full.txt``: the whole bundle in one file, page by page."""
    parts = [
        "# Pixapi reference (pixapi-mcp docs bundle, all pages)\n\n"
        "> Every page of the pixapi-mcp docs bundle in one file. Each page starts with a comment naming its "
        "resource URI (pixapi://docs/<page>) and a Source line citing the pixapi.ai pages its facts come from.\n"
    ]
    for name, text in pages.items():
        parts.append(f"<!-- {DOCS_SCHEME}{name} -->\n\n{text.strip()}\n")
    return "\n---\n\n".join(parts)


def generate_bundle(root: Path) -> dict[str, str]:
    """Every generated file of the bundle at ``root`` (relative path -> content), computed from the
    hand-written pages there and from ``contract``."""
    pages_dir = root / "pages"
    generated: dict[str, str] = {}
    for info in contract.CATALOG:
        generated[f"pages/{model_page_name(info.id)}.md"] = render_model_page(info)
    generated["pages/mistakes.md"] = render_mistakes_page()
    catalog = (pages_dir / "model-catalog.md").read_text(encoding="utf-8")
    generated["pages/model-catalog.md"] = _fill_region(catalog, "catalog-table", render_catalog_table())
    pages: dict[str, str] = {
        path.stem: path.read_text(encoding="utf-8") for path in pages_dir.glob("*.md") if path.is_file()
    }
    pages.update({Path(rel).stem: text for rel, text in generated.items()})
    ordered = ordered_pages(pages)
    generated["llms.txt"] = render_index(ordered)
    generated["llms-full.txt"] = render_full(ordered)
    return generated


def write_bundle(root: Path | None = None) -> list[str]:
    """Rewrite the generated files of the repository bundle; returns the ones that changed."""
    target = root or checkout_bundle()
    changed: list[str] = []
    for rel, text in generate_bundle(target).items():
        path = target / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    return changed
