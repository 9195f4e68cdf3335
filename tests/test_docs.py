"""The docs bundle through the MCP surface: resources, templates, completions, search_docs,
check_code and the prompts, in both protocol eras; the bundle's own integrity; ``docs sync``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client import Client
from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference, TextContent, TextResourceContents

from pixapi_mcp import contract, docs
from pixapi_mcp.config import Settings
from pixapi_mcp.docs import DocsBundle, register_docs

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent
LLMS = ROOT / "llms"
MODES = ["auto", "legacy"]


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def server(settings: Settings) -> MCPServer[Any]:
    mcp: MCPServer[Any] = MCPServer("test")
    register_docs(mcp, settings)
    return mcp


@pytest.fixture(scope="module")
def bundle() -> DocsBundle:
    return DocsBundle()


def text_of(result: Any) -> str:
    content = result.contents[0]
    assert isinstance(content, TextResourceContents)
    return content.text


def tool_text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


# -- resources ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_every_listed_resource_and_template_is_readable(
    server: MCPServer[Any], bundle: DocsBundle, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        listed = (await client.list_resources()).resources
        uris = {str(r.uri) for r in listed}
        expected = {"pixapi://docs/llms.txt", "pixapi://docs/llms-full.txt"}
        expected |= {f"pixapi://docs/{page}" for page in bundle.page_names()}
        expected |= {f"pixapi://models/{m.id}" for m in contract.CATALOG}
        assert uris == expected
        for resource in listed:
            assert resource.description and resource.title
            assert resource.mime_type == "text/markdown"
            assert text_of(await client.read_resource(str(resource.uri))).strip()
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert templates == {
            "pixapi://docs/{page}",
            "pixapi://docs/{page}#{anchor}",
            "pixapi://models/{model_id}",
        }
        # Through the templates themselves (the static resources do not match these spellings).
        for page in bundle.page_names():
            assert text_of(await client.read_resource(f"pixapi://docs/{page}.md")) == bundle.pages[page]
            assert text_of(await client.read_resource(f"pixapi://docs/{page.upper()}")) == bundle.pages[page]
        index = text_of(await client.read_resource("pixapi://docs/llms.txt"))
        assert index == (LLMS / "llms.txt").read_text(encoding="utf-8")


async def test_every_section_uri_is_readable(server: MCPServer[Any], bundle: DocsBundle) -> None:
    async with Client(server) as client:
        for section in bundle.sections:
            text = text_of(await client.read_resource(section.uri))
            assert section.text in text
            assert f"pixapi://docs/{section.page}" in text


@pytest.mark.parametrize("mode", MODES)
async def test_models_by_id_and_alias(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        for info in contract.CATALOG:
            for name in (info.id, *info.aliases, info.id.upper()):
                text = text_of(await client.read_resource(f"pixapi://models/{name}"))
                assert f"# {info.name}" in text
                block = re.search(r"```json\n(.*?)```", text, re.S)
                assert block is not None
                entry = json.loads(block.group(1))
                assert entry["id"] == info.id and entry["aliases"] == list(info.aliases)
                assert entry["credits_from"] == info.credits_from
                if name in info.aliases:
                    assert f"`{name}` is an alias of `{info.id}`" in text


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_page_section_and_model_are_not_found_errors(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        with pytest.raises(MCPError) as page:
            await client.read_resource("pixapi://docs/quickstart")
        assert "Unknown docs page 'quickstart'" in str(page.value)
        assert "async-tasks" in str(page.value) and "recipe-python" in str(page.value)
        with pytest.raises(MCPError) as section:
            await client.read_resource("pixapi://docs/errors#nope")
        assert "status-codes" in str(section.value)
        with pytest.raises(MCPError) as model:
            await client.read_resource("pixapi://models/nano-banan")
        assert "Did you mean nano-banana" in str(model.value)
        assert "gemini-3-pro-image-preview" in str(model.value)


@pytest.mark.parametrize("mode", MODES)
async def test_completions(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        pages = await client.complete(
            ResourceTemplateReference(uri="pixapi://docs/{page}"), {"name": "page", "value": "recipe-"}
        )
        assert sorted(pages.completion.values) == sorted(
            ["recipe-curl", "recipe-python", "recipe-node", "recipe-go", "recipe-java", "recipe-php"]
        )
        models = await client.complete(
            ResourceTemplateReference(uri="pixapi://models/{model_id}"), {"name": "model_id", "value": "NANO"}
        )
        assert models.completion.values == ["nano-banana", "nano-banana-2", "nano-banana-pro"]
        everything = await client.complete(
            ResourceTemplateReference(uri="pixapi://models/{model_id}"), {"name": "model_id", "value": ""}
        )
        assert everything.completion.total == len(contract.CATALOG) + len(contract.ALIASES)
        anchors = await client.complete(
            ResourceTemplateReference(uri="pixapi://docs/{page}#{anchor}"),
            {"name": "anchor", "value": "retr"},
            context_arguments={"page": "errors"},
        )
        assert anchors.completion.values == ["retrying-safely"]
        languages = await client.complete(
            PromptReference(name="integrate_pixapi"), {"name": "language", "value": "p"}
        )
        assert languages.completion.values == ["python", "php"]
        video = await client.complete(PromptReference(name="image_to_video"), {"name": "model", "value": ""})
        assert video.completion.values == ["veo", "wan"]


# -- search_docs -------------------------------------------------------------------------------

# (question, pages accepted as the first hit, a phrase the first hit must contain)
SEARCHES: list[tuple[str, set[str], str]] = [
    ("how do I turn an image into a video", {"image-to-video"}, "input_image"),
    ("what field sets video length", {"image-to-video", "api-reference"}, "duration"),
    ("why do I get 402", {"errors"}, "402"),
    ("how do I poll a task", {"async-tasks"}, "GET"),
    ("upload a file for editing", {"image-editing"}, "multipart"),
    ("price of nano banana pro", {"model-gemini-3-pro-image-preview"}, "8 credits"),
    ("how to authenticate", {"authentication"}, "Bearer"),
    ("get the video url when done", {"image-to-video", "async-tasks"}, "result.data[0].url"),
    ("rate limited 429 what to do", {"errors"}, "429"),
    ("which models can make video", {"model-catalog"}, "veo"),
    ("return base64 instead of url", {"api-reference"}, "b64_json"),
    ("node example", {"recipe-node"}, "Node.js"),
    ("python example with httpx", {"recipe-python"}, "httpx"),
    ("curl script for image to video", {"recipe-curl"}, "curl"),
    ("go program", {"recipe-go"}, "Go"),
    ("java code", {"recipe-java"}, "Java"),
    ("what is nano-banana", {"model-gemini-2.5-flash-image"}, "nano-banana"),
    ("task status values", {"async-tasks", "api-reference"}, "completed"),
    ("request timed out, should I retry the POST", {"errors"}, "re-POST"),
    ("multiple reference images", {"image-editing"}, "image"),
    ("how much does veo cost", {"model-veo"}, "pricing"),
    ("keep api key out of the browser", {"authentication"}, "NEXT_PUBLIC"),
    ("image_url or input_image", {"image-to-video", "mistakes"}, "input_image"),
    ("async=true", {"async-tasks", "mistakes"}, "async"),
]


@pytest.mark.parametrize(("question", "pages", "phrase"), SEARCHES, ids=[q for q, _, _ in SEARCHES])
def test_search_ranks_the_right_page_first(
    bundle: DocsBundle, question: str, pages: set[str], phrase: str
) -> None:
    hits = bundle.search(question)
    assert hits, question
    assert hits[0].page in pages, [(h.page, h.heading, h.score) for h in hits]
    assert phrase.lower() in hits[0].text.lower()
    assert sum(len(h.text) for h in hits) <= 6000
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("max_chars", [500, 900, 2500, 6000, 50_000])
def test_search_respects_max_chars(bundle: DocsBundle, max_chars: int) -> None:
    for question, _, _ in SEARCHES:
        hits = bundle.search(question, max_chars=max_chars)
        assert hits
        assert sum(len(h.text) for h in hits) <= max_chars
        assert all(not h.truncated for h in hits[:-1])
    long = bundle.search("status codes 402 429", max_chars=500)
    assert long[0].uri == "pixapi://docs/errors#status-codes"
    assert long[0].truncated and len(long[0].text) == 500
    assert long[0].text.endswith("read pixapi://docs/errors#status-codes]")


def test_search_hits_point_at_readable_sections(bundle: DocsBundle) -> None:
    for hit in bundle.search("how do I poll a task", limit=10, max_chars=50_000):
        page, anchor = hit.uri.removeprefix("pixapi://docs/").split("#")
        section = bundle.section(page, anchor)
        assert section is not None and section.heading == hit.heading and section.text == hit.text
    assert bundle.search("zzzz qqqq") == []


@pytest.mark.parametrize("mode", MODES)
async def test_search_docs_tool(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        result = await client.call_tool("search_docs", {"query": "how do I poll a task", "max_chars": 1200})
        assert not result.is_error
        data = result.structured_content
        assert data is not None
        assert data["hits"][0]["page"] == "async-tasks"
        assert data["hits"][0]["uri"].startswith("pixapi://docs/async-tasks#")
        assert set(data["hits"][0]) >= {"page", "heading", "uri", "score", "text"}
        assert sum(len(h["text"]) for h in data["hits"]) <= 1200
        assert "check_code" in data["hint"] and data["hits"][0]["uri"] in data["hint"]
        # Arguments that arrive as strings still work.
        coerced = await client.call_tool("search_docs", {"query": "402", "max_chars": "800"})
        assert not coerced.is_error
        for bad in (
            {"query": "   "},
            {"query": ""},
            {"query": "poll", "max_chars": 100},
            {"query": "x" * 2001},
        ):
            failed = await client.call_tool("search_docs", bad)
            assert failed.is_error, bad
        empty = await client.call_tool("search_docs", {"query": "zzzz qqqq"})
        assert not empty.is_error and empty.structured_content is not None
        assert empty.structured_content["hits"] == [] and "llms.txt" in empty.structured_content["hint"]


@pytest.mark.parametrize("mode", MODES)
async def test_check_code_tool(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        body = '// POST /v1/videos/generations\n{"model": "nano-banana", "prompt": "x", "seconds": 8}'
        result = await client.call_tool("check_code", {"code": body})
        assert not result.is_error
        data = result.structured_content
        assert data is not None and data["language"] == "json" and data["ok"] is False
        rules = {f["rule_id"] for f in data["findings"]}
        assert rules == {"video-async-only", "image-model-on-video-endpoint", "duration-field"}
        for finding in data["findings"]:
            assert finding["docs_uri"].startswith("pixapi://docs/")
            assert finding["line"] >= 1 and finding["fix"] and finding["message"]
        assert "3 findings" in data["summary"]
        recipe = (LLMS / "pages" / "recipe-python.md").read_text(encoding="utf-8")
        program = recipe.split("```python\n", 1)[1].split("```", 1)[0]
        clean = await client.call_tool("check_code", {"code": program, "language": "python"})
        assert clean.structured_content is not None and clean.structured_content["ok"] is True
        for bad in (
            {"code": "x", "language": "cobol"},
            {"code": '{"model": ', "language": "json"},
            {"code": " \n"},
        ):
            failed = await client.call_tool("check_code", bad)
            assert failed.is_error, bad
            assert tool_text(failed)


@pytest.mark.parametrize("mode", MODES)
async def test_tools_are_described_read_only_and_flat(server: MCPServer[Any], mode: str) -> None:
    async with Client(server, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"search_docs", "check_code"}
        for tool in tools.values():
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is True
            assert tool.annotations.destructive_hint is False
            assert tool.annotations.idempotent_hint is True
            assert tool.annotations.open_world_hint is False
            assert tool.description and "Free" in tool.description and "Next" in tool.description
            assert tool.input_schema.get("type") == "object"
            assert not {"anyOf", "oneOf", "allOf"} & set(tool.input_schema)
            assert tool.output_schema is not None
        query = tools["search_docs"].input_schema["properties"]["query"]
        assert (query["minLength"], query["maxLength"]) == (1, 2000)
        budget = tools["search_docs"].input_schema["properties"]["max_chars"]
        assert (budget["minimum"], budget["maximum"], budget["default"]) == (500, 50_000, 6000)
        assert tools["check_code"].input_schema["required"] == ["code"]
        assert tools["check_code"].input_schema["properties"]["code"]["maxLength"] == 200_000


# -- prompts -----------------------------------------------------------------------------------


def prompt_text(result: Any) -> str:
    assert len(result.messages) == 1
    content = result.messages[0].content
    assert isinstance(content, TextContent)
    return content.text


@pytest.mark.parametrize("mode", MODES)
async def test_prompts_render_the_right_recipe(server: MCPServer[Any], bundle: DocsBundle, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(prompts) == {"integrate_pixapi", "image_to_video"}
        assert {a.name: a.required for a in prompts["integrate_pixapi"].arguments or []} == {
            "language": True,
            "task": True,
        }
        assert {a.name: a.required for a in prompts["image_to_video"].arguments or []} == {
            "prompt": False,
            "model": False,
        }
        for language, page in [
            ("python", "recipe-python"),
            ("TypeScript", "recipe-node"),
            ("golang", "recipe-go"),
            ("java", "recipe-java"),
            ("php", "recipe-php"),
            ("bash", "recipe-curl"),
        ]:
            text = prompt_text(
                await client.get_prompt(
                    "integrate_pixapi", {"language": language, "task": "animate a product shot"}
                )
            )
            assert bundle.pages[page] in text
            assert "animate a product shot" in text
            for rule in contract.RULES:
                assert rule.summary in text
            assert "/v1/async/videos/generations" in text and "result.data[0].url" in text
            assert "check_code" in text
        ruby = prompt_text(await client.get_prompt("integrate_pixapi", {"language": "ruby", "task": "x"}))
        assert bundle.pages["recipe-curl"] in ruby and "no 'ruby' recipe" in ruby

        plan = prompt_text(await client.get_prompt("image_to_video", {"prompt": "a red kite over dunes"}))
        for step in (
            "generate_image",
            "create_video",
            "input_image",
            "get_task",
            "result.data[0].url",
            "veo",
        ):
            assert step in plan
        assert "a red kite over dunes" in plan
        wan = prompt_text(await client.get_prompt("image_to_video", {"model": "wan"}))
        assert 'model="wan"' in wan
        with pytest.raises(MCPError, match="image model"):
            await client.get_prompt("image_to_video", {"model": "nano-banana"})


# -- the bundle itself -------------------------------------------------------------------------


def test_generated_files_match_the_generator() -> None:
    generated = docs.generate_bundle(LLMS)
    assert {"llms.txt", "llms-full.txt", "pages/mistakes.md", "pages/model-catalog.md"} <= set(generated)
    for rel, text in generated.items():
        committed = (LLMS / rel).read_text(encoding="utf-8")
        assert committed == text, f"llms/{rel} is stale: run `python -m pixapi_mcp.docs`"


def test_llms_full_holds_every_page(bundle: DocsBundle) -> None:
    full = (LLMS / "llms-full.txt").read_text(encoding="utf-8")
    assert full == docs.render_full(bundle.pages)
    for page, text in bundle.pages.items():
        assert f"<!-- pixapi://docs/{page} -->" in full
        assert text.strip() in full


def test_every_page_has_title_source_and_summary(bundle: DocsBundle) -> None:
    index = (LLMS / "llms.txt").read_text(encoding="utf-8")
    expected = {*docs.page_order()}
    assert set(bundle.page_names()) == expected, "a page is missing, or a new page is not in page_order()"
    for page, text in bundle.pages.items():
        lines = text.splitlines()
        assert lines[0].startswith("# "), page
        sources = docs.page_sources(text)
        assert sources and all(u.startswith("https://pixapi.ai/") for u in sources), page
        assert lines[2].startswith("Source:"), page
        assert docs.page_summary(text), page
        assert f"](pixapi://docs/{page}): {docs.page_summary(text)}" in index


def test_internal_links_resolve(bundle: DocsBundle) -> None:
    for page, text in bundle.pages.items():
        for target in re.findall(r"pixapi://docs/([\w.-]+)", text):
            assert target in ("llms.txt", "llms-full.txt") or target in bundle.pages, (page, target)


def test_model_pages_follow_the_catalog(bundle: DocsBundle) -> None:
    for info in contract.CATALOG:
        page = bundle.model_page(info.id)
        assert page is not None
        for alias in info.aliases:
            assert bundle.model_page(alias) == page
            assert f"`{alias}`" in page
        if info.credits_from is None:
            assert "pricing" in page.lower() and "not given" in page
        else:
            assert f"from {info.credits_from:g} credit" in page
        for endpoint in info.endpoints:
            assert endpoint.value in page
    assert bundle.model_page("dall-e-3") is None


def test_mistakes_page_lists_every_rule(bundle: DocsBundle) -> None:
    assert "mistakes" in bundle.pages
    for rule in contract.RULES:
        section = bundle.section("mistakes", rule.id)
        assert section is not None, rule.id
        assert rule.message in section.text and rule.summary in section.text


def test_sections_split_outside_code_fences() -> None:
    text = "# T\n\nSource: https://pixapi.ai/\n\n## A b\n\n```bash\n# not a heading\n```\n\n## A b\n\nx\n"
    sections = docs.split_sections("p", text)
    assert [(s.anchor, s.heading) for s in sections] == [("t", "T"), ("a-b", "A b"), ("a-b-1", "A b")]
    assert "# not a heading" in sections[1].text


def test_bundle_from_another_root(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "llms.txt").write_text("# index\n", encoding="utf-8")
    (tmp_path / "pages" / "errors.md").write_text(
        "# Errors\n\nSource: https://pixapi.ai/\n\n> s\n\n## Retry\n\nBack off on 429.\n", encoding="utf-8"
    )
    small = DocsBundle(tmp_path)
    assert small.page_names() == ["errors"]
    assert small.search("429")[0].uri == "pixapi://docs/errors#retry"
    assert docs.bundle_root().joinpath("pages").is_dir()


# -- docs sync ---------------------------------------------------------------------------------

LIVE_INDEX = "# Pixapi\n\n> live index\n"
LIVE_FULL = "# Pixapi: Visual AI API Platform\n\nlive full reference\n"


class FakeSite:
    """pixapi.ai for `docs sync`: 200 with validators first, then 304 for matching conditionals."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.bodies = {"/llms.txt": LIVE_INDEX, "/llms-full.txt": LIVE_FULL}
        self.failure: str | None = None

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.failure == "offline":
            raise httpx2.ConnectError("no route to host", request=request)
        if self.failure == "html":
            return httpx2.Response(
                200, headers={"content-type": "text/html"}, text="<!doctype html><p>Login</p>"
            )
        if self.failure == "http-500" and request.url.path == "/llms-full.txt":
            return httpx2.Response(500, text="oops")
        body = self.bodies[request.url.path]
        etag = f'"{len(body)}"'
        if request.headers.get("if-none-match") == etag:
            return httpx2.Response(304, headers={"etag": etag})
        return httpx2.Response(
            200,
            headers={
                "etag": etag,
                "last-modified": "Sat, 21 Nov 2026 10:00:00 GMT",
                "content-type": "text/plain",
            },
            text=body,
        )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.exists() else {}


async def test_sync_writes_then_reports_unchanged(tmp_path: Path) -> None:
    site = FakeSite()
    folder = tmp_path / "docs"
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(site)) as client:
        first = await docs.sync_docs(client, folder, now=lambda: 1000.0)
        assert first.ok and first.files == {"llms.txt": "updated", "llms-full.txt": "updated"}
        assert (folder / "llms.txt").read_text(encoding="utf-8") == LIVE_INDEX
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["llms-full.txt"]["etag"] == f'"{len(LIVE_FULL)}"'
        assert meta["llms.txt"]["last_modified"].startswith("Sat, 21 Nov 2026")
        assert meta["llms.txt"]["fetched_at"] == meta["llms.txt"]["checked_at"] == 1000.0
        before = (folder / "llms.txt").stat().st_mtime_ns

        second = await docs.sync_docs(client, folder, now=lambda: 2000.0)
        assert second.ok and second.files == {"llms.txt": "unchanged", "llms-full.txt": "unchanged"}
        conditional = site.requests[-1]
        assert conditional.headers["if-none-match"] == f'"{len(LIVE_FULL)}"'
        assert conditional.headers["if-modified-since"].startswith("Sat, 21 Nov 2026")
        assert (folder / "llms.txt").stat().st_mtime_ns == before
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["llms.txt"]["checked_at"] == 2000.0 and meta["llms.txt"]["fetched_at"] == 1000.0
    lines: list[str] = []
    assert docs.report_sync(second, folder, lines.append) == 0
    assert "llms.txt: unchanged (304 Not Modified)" in lines


@pytest.mark.parametrize("failure", ["offline", "html", "http-500"])
async def test_sync_failure_changes_nothing(tmp_path: Path, failure: str) -> None:
    site = FakeSite()
    folder = tmp_path / "docs"
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(site)) as client:
        assert (await docs.sync_docs(client, folder)).ok
        before = snapshot(folder)
        # New content, so llms.txt alone would be rewritten if a failure on the second file did not stop it.
        site.bodies = {"/llms.txt": "# changed\n", "/llms-full.txt": "# changed too\n"}
        site.failure = failure
        outcome = await docs.sync_docs(client, folder)
        assert not outcome.ok and outcome.error
        assert snapshot(folder) == before, "a failed sync must not touch the cache"
    lines: list[str] = []
    assert docs.report_sync(outcome, folder, lines.append) == 1
    assert lines[0].startswith("docs sync failed:") and "Nothing was changed" in lines[1]


def test_sync_command_offline_exit_code(settings: Settings) -> None:
    def offline(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("network is unreachable", request=request)

    lines: list[str] = []
    code = docs.sync_docs_command(settings, out=lines.append, transport=httpx2.MockTransport(offline))
    assert code == 1
    assert "could not reach https://pixapi.ai/llms.txt" in lines[0]
    assert not docs.docs_cache_dir(settings).exists()

    ok_lines: list[str] = []
    assert (
        docs.sync_docs_command(settings, out=ok_lines.append, transport=httpx2.MockTransport(FakeSite())) == 0
    )
    assert any(line.startswith("llms-full.txt: updated") for line in ok_lines)


async def test_resources_prefer_a_fresh_cache(settings: Settings, server: MCPServer[Any]) -> None:
    folder = docs.docs_cache_dir(settings)
    bundled = (LLMS / "llms.txt").read_text(encoding="utf-8")
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(FakeSite())) as http:
        await docs.sync_docs(http, folder)
    async with Client(server) as client:
        assert text_of(await client.read_resource("pixapi://docs/llms.txt")) == LIVE_INDEX
        assert text_of(await client.read_resource("pixapi://docs/llms-full.txt")) == LIVE_FULL
        # Pages always come from the bundle.
        assert "## Status codes" in text_of(await client.read_resource("pixapi://docs/errors"))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(FakeSite())) as http:
        await docs.sync_docs(http, folder, now=lambda: 0.0)  # confirmed long ago: stale
    async with Client(server) as client:
        assert text_of(await client.read_resource("pixapi://docs/llms.txt")) == bundled
    assert docs.cached_doc(folder, "llms.txt", now=docs.CACHE_MAX_AGE_S - 1) == LIVE_INDEX
