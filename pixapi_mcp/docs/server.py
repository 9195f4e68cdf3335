"""The docs on an MCP server: the ``pixapi://docs/...`` and ``pixapi://models/...`` resources and
templates, their completions, the ``search_docs`` tool and the ``integrate_pixapi`` and
``image_to_video`` prompts.

The only module of the docs package that imports the MCP SDK: ``docs sync``, ``doctor`` and the
bundle generator use the others without paying for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
    ToolAnnotations,
)
from pydantic import BaseModel, Field

from pixapi_mcp import codecheck, contract
from pixapi_mcp.codecheck.tool import READ_ONLY_LOCAL
from pixapi_mcp.config import Settings
from pixapi_mcp.docs.bundle import DOCS_SCHEME, DocsBundle
from pixapi_mcp.docs.coverage import where_to_look
from pixapi_mcp.docs.hits import COVERED_THRESHOLD, INLINE_QUERY_CHARS, SearchHit, covered
from pixapi_mcp.docs.pages import credits_phrase
from pixapi_mcp.docs.recipes import LANGUAGE_NAMES, TASK_NAMES, choose, task_of
from pixapi_mcp.docs.sync import cached_doc, docs_cache_dir
from pixapi_mcp.tool_result import add_tool, call_result, short_text

if TYPE_CHECKING:
    from pixapi_mcp.docs.search import SearchIndex

MODELS_SCHEME = "pixapi://models/"
PAGE_TEMPLATE = "pixapi://docs/{page}"
SECTION_TEMPLATE = "pixapi://docs/{page}#{anchor}"
MODEL_TEMPLATE = "pixapi://models/{model_id}"
MARKDOWN = "text/markdown"


class SearchDocsResult(BaseModel):
    query: str
    covered: bool = Field(
        description="True when the best hit's confidence reaches the threshold: the bundled docs most likely "
        "answer the question. False: they most likely do not; next_step says where to look instead."
    )
    confidence: float = Field(
        description="The best hit's confidence (0..1; 0 when nothing matched), as in hits[0].confidence."
    )
    hits: list[SearchHit]
    summary: str = Field(default="", description="What was found, in one line.")
    next_step: str = Field(
        description="What to read or call next, or where to look when the docs do not cover it."
    )

    def text(self) -> str:
        """The short text beside the structured result: the best hit's opening lines (for hosts
        that show the model only text), then every hit's heading and URI."""
        details: list[str] = []
        if self.hits:
            opening = " ".join(self.hits[0].text.split())
            details.append(opening if len(opening) <= 240 else opening[:239].rstrip() + "…")
        details += [f"- {hit.heading}: {hit.uri}" for hit in self.hits]
        return short_text(self.summary, details, self.next_step)


SEARCH_DESCRIPTION = f"""Search Pixapi's API docs (bundled, offline) and get the best-matching sections, ranked.

Covers endpoints and fields, auth, async tasks and polling, image-to-video, image edits, errors and
retries, every model (ids, aliases, credit prices) and complete code recipes (curl, Python, Node,
Go, Java, PHP). Questions may be in English, Chinese, German or Italian (the docs are English).
Use it before writing or fixing Pixapi code, or when unsure of a field, endpoint, model id, status
or price. Free and local: no API call, no credits. Each hit has page, heading, uri, text and a
confidence: the estimated probability (0..1) that the section answers the question. covered is
false when even the best hit is below {COVERED_THRESHOLD}: the bundled docs most likely do not answer it
(for example a credit balance, cancelling a task, how long output URLs last, seeds, an SLA), the
hits are only the nearest sections, and next_step names where to look instead; do not guess an
endpoint or field from them. The total text stays within max_chars. Next: read a hit's uri, or
the whole page pixapi://docs/<page>, for more; after writing code, run check_code on it."""

_NOT_COVERED_HITS = 2  # hits shown when the docs do not cover the question: the nearest, not answers


def _not_found(what: str, name: str, valid: Iterable[str]) -> Exception:
    return ResourceNotFoundError(f"Unknown {what} {name!r}. Valid: {', '.join(valid)}.")


class DocsService:
    """What ``register_docs`` wires: the bundle (read on first use) and the cache location."""

    def __init__(self, settings: Settings, bundle: DocsBundle | None = None) -> None:
        self.settings = settings
        self._bundle = bundle

    @cached_property
    def bundle(self) -> DocsBundle:
        return self._bundle or DocsBundle()

    @cached_property
    def index(self) -> SearchIndex:
        # Imported here: the ranking code and lexicon's term tables load on the first search, not
        # with the server.
        from pixapi_mcp.docs.search import SearchIndex

        return SearchIndex(self.bundle)

    def llms_file(self, name: Literal["llms.txt", "llms-full.txt"]) -> str:
        """The synced copy from pixapi.ai when fresh (see ``docs sync``), else the bundled file."""
        cached = cached_doc(docs_cache_dir(self.settings), name)
        return cached if cached is not None else self.bundle.bundled_file(name)

    def read_page(self, page: str) -> str:
        name = self.bundle.resolve_page(page)
        if name is None:
            raise _not_found("docs page", page, self.bundle.page_names())
        return self.bundle.pages[name]

    def read_section(self, page: str, anchor: str) -> str:
        name = self.bundle.resolve_page(page)
        if name is None:
            raise _not_found("docs page", page, self.bundle.page_names())
        section = self.bundle.section(name, anchor)
        if section is None:
            raise _not_found(f"section of {name}", anchor, self.bundle.anchors(name))
        return f"<!-- {section.uri} (whole page: {DOCS_SCHEME}{name}) -->\n\n{section.text}\n"

    def read_model(self, model_id: str) -> str:
        info = contract.lookup_model(model_id)
        page = self.bundle.model_page(model_id) if info else None
        if info is None or page is None:
            hints = contract.suggest_models(model_id)
            valid = contract.MODEL_NAMES
            error = _not_found("model", model_id, valid)
            if hints:
                error.args = (f"{error.args[0]} Did you mean {', '.join(hints)}?",)
            raise error
        entry = {
            "id": info.id,
            "name": info.name,
            "category": info.category,
            "provider": info.provider,
            "aliases": list(info.aliases),
            "capabilities": list(info.capabilities),
            "endpoints": [e.value for e in info.endpoints],
            "credits_from": info.credits_from,
            "unit": info.unit,
            "sizes": list(info.sizes),
            "size_notes": info.size_notes,
            "docs_url": info.docs_url,
        }
        requested = (
            "" if model_id.strip().lower() == info.id else f"`{model_id}` is an alias of `{info.id}`.\n\n"
        )
        return f"{requested}{page}\n## Catalog entry\n\n```json\n{json.dumps(entry, indent=2)}\n```\n"

    def search(self, query: str, max_chars: int) -> SearchDocsResult:
        if not query.strip():
            raise ToolError("query is empty: ask in words, e.g. 'how do I poll a video task'.")
        hits = self.index.search(query, max_chars=max_chars)
        is_covered = covered(hits)
        confidence = hits[0].confidence if hits else 0.0
        if is_covered:
            summary = (
                f"{len(hits)} docs section{'' if len(hits) == 1 else 's'} match (confidence {confidence:.2f}); "
                f"best: {hits[0].heading} ({hits[0].uri})."
            )
            hint = (
                f"Read {hits[0].uri} (or the whole page {DOCS_SCHEME}{hits[0].page}) for more. "
                "Before shipping Pixapi code, run check_code on it."
            )
        else:
            summary = "The bundled docs most likely do not cover this" + (
                f" (best confidence {confidence:.2f}): the hits are guesses." if hits else "."
            )
            hits = hits[:_NOT_COVERED_HITS]
            from pixapi_mcp.docs.lexicon import has_han  # loaded with the index by now

            hint = where_to_look(self.index.gaps(query), chinese=has_han(query)) + (
                f" If the question can be put in other words (an endpoint, a field, a model id), search again; "
                f"{DOCS_SCHEME}llms.txt lists the pages."
            )
        return SearchDocsResult(
            query=query, covered=is_covered, confidence=confidence, hits=hits, summary=summary, next_step=hint
        )

    def integrate_prompt(self, language: str, task: str) -> str:
        try:
            lang = codecheck.normalize_language(language)
        except ValueError:
            lang = None
        recipe_lang = lang if lang in LANGUAGE_NAMES else None
        recipe = choose(self.bundle, task_of(task), recipe_lang, language)
        shown = LANGUAGE_NAMES.get(recipe_lang or "", language.strip() or "the project's language")
        rules = "\n".join(f"- {rule.summary} Fix: {rule.message}" for rule in contract.RULES)
        models = "\n".join(
            f"- `{m.id}`"
            + (f" (alias {', '.join(f'`{a}`' for a in m.aliases)})" if m.aliases else "")
            + f": {m.category}; {credits_phrase(m)}"
            for m in contract.CATALOG
        )
        note = f"{recipe.note}\n\n" if recipe.note else ""
        return f"""Write production-ready Pixapi integration code in {shown}, based only on Pixapi's documented API.

Task: {task.strip()}

Endpoint facts (base URL https://api.pixapi.ai; every request sends `Authorization: Bearer <key>` with the key read from the PIXAPI_KEY environment variable, on the server only):
- `POST /v1/images/generations` (JSON: model, prompt, n, size, quality, response_format) -> the image URL is `data[0].url` (`data[0].b64_json` with response_format b64_json).
- `POST /v1/images/edits` (multipart/form-data: model, prompt, one `image` file part per input) -> `data[0].url`.
- `POST /v1/async/images/generations`, `POST /v1/async/images/edits`: same fields, answer a task `{{"id", "status": "submitted", "progress", "created_at", "model"}}`.
- `POST /v1/async/videos/generations` (JSON: model `veo` or `wan`, prompt, duration in seconds, size such as 1280x720 or 16:9, input_image = an image URL) -> a task. Video is async-only.
- `GET /v1/tasks/{{id}}` -> status `submitted`, `processing`, `completed` or `failed`, progress 0-100; when completed the media URL is `result.data[0].url`. Poll with backoff and a deadline; never re-POST a paid request after a timeout.
- Errors are `{{"error": {{"code", "message", "type"}}}}`; 429 and 5xx on GETs are retryable.

Models:
{models}

Contract rules (pixapi-mcp's check_code enforces each):
{rules}

{note}Reference implementation for {TASK_NAMES[recipe.task]} ({recipe.source}); adapt it to the task and the project's conventions:

{recipe.code}
When the code is written, call the check_code tool with it (language "{recipe_lang or "auto"}") and fix every finding. For any other detail call search_docs or read pixapi://docs/llms.txt."""

    def image_to_video_prompt(self, prompt: str, model: str) -> str:
        category = contract.model_category(model)
        default_image = contract.lookup_model(contract.DEFAULT_IMAGE_MODEL)
        image_cost = (
            f"{contract.DEFAULT_IMAGE_MODEL} is {credits_phrase(default_image)}"
            if default_image
            else "see list_models"
        )
        if category == "image":
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"`{model}` is an image model; image_to_video needs a video model such as veo or wan.",
            )
        return f"""Turn an idea into a short video with Pixapi, using this server's tools: first an image, then animate it.

Idea: {prompt.strip()}
Video model: {model}

1. Call generate_image with an image prompt for the idea (model "nano-banana" unless the user chose another image model). Its result has data[0].url (the hosted image) and data[0].path (the saved file). If it comes back unfinished with a task id, call get_task with that task_id until status is completed, then use result.data[0].url.
2. Call create_video with model="{model}", a prompt describing the motion and camera, input_image=<the data[0].url from step 1> and duration=8 (seconds). input_image must be that http(s) URL, not the local path or base64. Video is async-only; there is no other video endpoint.
3. create_video usually returns a task id with status submitted or processing. Call get_task with task_id=<id> (and a wait_s) until status is completed or failed. Waiting is free and never resubmits; do not call create_video again for the same video, that would pay twice.
4. When completed, give the user result.data[0].url and the saved file path. If failed, report the error and ask before trying again (a new video costs credits again).

Costs: {image_cost}; video prices are on https://pixapi.ai/pricing. Rules the server enforces: `{model}` goes only to the video endpoint; the length field is duration (not seconds); the image field is input_image (not image_url). Details: pixapi://docs/image-to-video."""

    async def complete(
        self,
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        """Completions for the docs templates and prompts (prefix match, case-insensitive)."""
        values: list[str] = []
        if isinstance(ref, ResourceTemplateReference):
            if ref.uri in (PAGE_TEMPLATE, SECTION_TEMPLATE) and argument.name == "page":
                values = self.bundle.page_names()
            elif ref.uri == SECTION_TEMPLATE and argument.name == "anchor":
                page = (context.arguments or {}).get("page", "") if context else ""
                name = self.bundle.resolve_page(page) if page else None
                values = self.bundle.anchors(name) if name else []
            elif ref.uri == MODEL_TEMPLATE and argument.name == "model_id":
                values = list(contract.MODEL_NAMES)
        elif ref.name == "integrate_pixapi" and argument.name == "language":
            values = list(LANGUAGE_NAMES)
        elif ref.name == "image_to_video" and argument.name == "model":
            values = [m.id for m in contract.CATALOG if m.category == "video"]
        else:
            return None
        prefix = argument.value.strip().lower()
        matches = [v for v in values if v.lower().startswith(prefix)]
        return Completion(values=matches[:100], total=len(matches), has_more=len(matches) > 100)


def register_docs(server: MCPServer[Any], settings: Settings) -> None:
    """Register the docs resources, templates, completions, the search_docs tool, and the
    integrate_pixapi and image_to_video prompts on ``server``.

    This registers the server's completion handler (MCP servers have one); the docs templates and
    prompts are the only ones with completable arguments. ``DocsService.complete`` can be chained
    from another handler if more are added."""
    service = DocsService(settings)
    bundle = service.bundle

    def static(uri: str, name: str, title: str, description: str, read: Callable[[], str]) -> None:
        # Built directly rather than with FunctionResource.from_function, which wraps ``read`` in
        # pydantic's validate_call (a validator built per resource at start-up, run on every read)
        # to check the arguments of a function that takes none.
        server.add_resource(
            FunctionResource(
                uri=uri, name=name, title=title, description=description, mime_type=MARKDOWN, fn=read
            )
        )

    static(
        f"{DOCS_SCHEME}llms.txt",
        "llms.txt",
        "Pixapi docs index",
        "Index of the Pixapi docs: one line per page with its pixapi://docs/<page> URI and summary.",
        lambda: service.llms_file("llms.txt"),
    )
    static(
        f"{DOCS_SCHEME}llms-full.txt",
        "llms-full.txt",
        "Pixapi docs, all pages",
        "The whole Pixapi reference in one file (large: prefer search_docs or single pages).",
        lambda: service.llms_file("llms-full.txt"),
    )
    for page in bundle.page_names():
        static(
            f"{DOCS_SCHEME}{page}",
            page,
            bundle.title(page),
            bundle.summary(page),
            lambda page=page: bundle.pages[page],
        )
    for info in contract.CATALOG:
        static(
            f"{MODELS_SCHEME}{info.id}",
            f"model {info.id}",
            info.name,
            f"{info.category} model{' (alias ' + ', '.join(info.aliases) + ')' if info.aliases else ''}: "
            f"{info.summary}",
            lambda model=info.id: service.read_model(model),
        )

    @server.resource(
        PAGE_TEMPLATE,
        name="docs page",
        title="Pixapi docs page",
        description="A page of the Pixapi docs by name, e.g. pixapi://docs/async-tasks (see pixapi://docs/llms.txt).",
        mime_type=MARKDOWN,
    )
    def docs_page(page: str) -> str:  # pyright: ignore[reportUnusedFunction]
        return service.read_page(page)

    @server.resource(
        SECTION_TEMPLATE,
        name="docs section",
        title="Pixapi docs section",
        description="One section of a docs page, as returned in search_docs hits (pixapi://docs/<page>#<anchor>).",
        mime_type=MARKDOWN,
    )
    def docs_section(page: str, anchor: str) -> str:  # pyright: ignore[reportUnusedFunction]
        return service.read_section(page, anchor)

    @server.resource(
        MODEL_TEMPLATE,
        name="model",
        title="Pixapi model",
        description="A Pixapi model by id or alias (e.g. nano-banana-pro): facts, price, endpoints and the "
        "catalog entry as JSON.",
        mime_type=MARKDOWN,
    )
    def model_resource(model_id: str) -> str:  # pyright: ignore[reportUnusedFunction]
        return service.read_model(model_id)

    server.completion()(service.complete)

    async def search_docs(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=2000,
                description="The question in words, e.g. 'how do I poll a video task' or 'price of nano banana pro'.",
            ),
        ],
        max_chars: Annotated[
            int, Field(ge=500, le=50_000, description="Upper bound on the total text of all hits.")
        ] = 6000,
    ) -> Annotated[CallToolResult, SearchDocsResult]:
        if len(query) <= INLINE_QUERY_CHARS:
            found = service.search(query, max_chars)  # a question: cheaper than a thread hop
        else:  # up to the 2,000-character limit: milliseconds of CPU, so never on the event loop
            found = await anyio.to_thread.run_sync(service.search, query, max_chars)
        return call_result(found, found.text())

    add_tool(
        server,
        search_docs,
        title="Search Pixapi docs",
        description=SEARCH_DESCRIPTION,
        annotations=ToolAnnotations(title="Search Pixapi docs", **READ_ONLY_LOCAL),
    )

    @server.prompt(
        name="integrate_pixapi",
        title="Integrate Pixapi",
        description="Grounded instructions for writing Pixapi integration code: endpoint facts, the contract "
        "rules and the bundled code for the task (image generation, edit, image-to-video or polling, read from "
        "the task's words) in the language, or the nearest with a note when there is none.",
    )
    def integrate_pixapi(  # pyright: ignore[reportUnusedFunction]
        language: Annotated[
            str,
            Field(description="curl, python, node, go, java or php (others get the curl exchange to port)."),
        ],
        task: Annotated[
            str,
            Field(
                description="What the code should do, e.g. 'generate a hero image and animate it', 'edit a product "
                "photo', 'poll an async task'; its words pick the recipe."
            ),
        ],
    ) -> str:
        return service.integrate_prompt(language, task)

    @server.prompt(
        name="image_to_video",
        title="Image to video",
        description="Step-by-step plan for this server's tools: generate_image -> create_video(input_image=...) "
        "-> get_task until completed.",
    )
    def image_to_video(  # pyright: ignore[reportUnusedFunction]
        prompt: Annotated[str, Field(description="What the video should show.")] = (
            "A cinematic product photo of a ceramic coffee cup on a wooden table, steam rising"
        ),
        model: Annotated[str, Field(description="Video model: veo or wan.")] = contract.DEFAULT_VIDEO_MODEL,
    ) -> str:
        return service.image_to_video_prompt(prompt, model)
