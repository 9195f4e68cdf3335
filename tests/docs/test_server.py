"""The docs through the MCP surface, in both protocol eras: resources, templates, completions, the
search_docs tool (described like check_code beside it), and the prompts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from mcp.client import Client
from mcp.server import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference, TextContent

from pixapi_mcp import contract
from pixapi_mcp.codecheck.tool import register_check_code
from pixapi_mcp.config import Settings
from pixapi_mcp.docs import DocsBundle
from pixapi_mcp.docs.server import register_docs
from tests.docs import LLMS, MODES, text_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def server_with_check_code(settings: Settings) -> MCPServer[Any]:
    """The docs and check_code, the two free local tools, registered as the real server does."""
    mcp: MCPServer[Any] = MCPServer("test")
    register_docs(mcp, settings)
    register_check_code(mcp)
    return mcp


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
        assert "check_code" in data["next_step"] and data["hits"][0]["uri"] in data["next_step"]
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
        assert empty.structured_content["hits"] == [] and "llms.txt" in empty.structured_content["next_step"]


@pytest.mark.parametrize("mode", MODES)
async def test_tools_are_described_read_only_and_flat(
    server_with_check_code: MCPServer[Any], mode: str
) -> None:
    async with Client(server_with_check_code, mode=mode) as client:
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
        ruby = prompt_text(
            await client.get_prompt(
                "integrate_pixapi", {"language": "ruby", "task": "animate a product shot"}
            )
        )
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
