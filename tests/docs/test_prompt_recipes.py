"""integrate_pixapi picks the bundled code for the task (generate, edit, image-to-video, polling) in
the asked language, through the MCP client's get_prompt in both protocol eras; where the bundle
has none in that language the prompt says so and embeds the nearest."""

from __future__ import annotations

import re
from typing import Any

import pytest
from mcp.client import Client
from mcp.server import MCPServer
from mcp_types import TextContent

from pixapi_mcp.docs import DocsBundle
from pixapi_mcp.docs.recipes import task_of
from tests.docs import MODES

pytestmark = pytest.mark.anyio


def _block(bundle: DocsBundle, page: str, anchor: str, fence: str) -> str:
    section = bundle.section(page, anchor)
    assert section is not None
    match = re.search(rf"^```{fence}\n.*?^```$", section.text, re.M | re.S)
    assert match is not None
    return match.group(0)


async def _prompt(client: Client, language: str, task: str) -> str:
    result = await client.get_prompt("integrate_pixapi", {"language": language, "task": task})
    content = result.messages[0].content
    assert isinstance(content, TextContent)
    assert task in content.text
    return content.text


@pytest.mark.parametrize("mode", MODES)
async def test_each_task_gets_its_own_code_in_the_language(
    server: MCPServer[Any], bundle: DocsBundle, mode: str
) -> None:
    python_edit = _block(bundle, "image-editing", "upload-files-as-multipart", "python")
    node_edit = _block(bundle, "image-editing", "upload-files-as-multipart", "js")
    curl_edit = _block(bundle, "image-editing", "upload-files-as-multipart", "bash")
    curl_generate = _block(bundle, "api-reference", "image-generations", "bash")
    python_poll = _block(bundle, "async-tasks", "recommended-polling-loop", "python")
    async with Client(server, mode=mode) as client:
        # Exact matches: no "there is no" note, and no other language's or task's code.
        text = await _prompt(client, "python", "edit a product photo onto a studio background")
        assert python_edit in text and node_edit not in text and curl_edit not in text
        assert "There is no" not in text and bundle.pages["recipe-python"] not in text
        assert "pixapi://docs/image-editing#upload-files-as-multipart" in text

        text = await _prompt(client, "TypeScript", "upload a reference image and edit it")
        assert node_edit in text and python_edit not in text and "There is no" not in text

        text = await _prompt(client, "curl", "generate a hero image")
        assert curl_generate in text and "There is no" not in text
        assert bundle.pages["recipe-curl"] not in text  # not the image-to-video program

        text = await _prompt(client, "python", "poll an async task until it finishes")
        assert python_poll in text and "There is no" not in text

        for language, page in [("php", "recipe-php"), ("golang", "recipe-go"), ("java", "recipe-java")]:
            text = await _prompt(client, language, "generate a hero image and animate it into a video")
            assert bundle.pages[page] in text and "There is no" not in text


@pytest.mark.parametrize("mode", MODES)
async def test_no_recipe_in_the_language_says_so_and_gives_the_nearest(
    server: MCPServer[Any], bundle: DocsBundle, mode: str
) -> None:
    curl_edit = _block(bundle, "image-editing", "upload-files-as-multipart", "bash")
    python_edit = _block(bundle, "image-editing", "upload-files-as-multipart", "python")
    async with Client(server, mode=mode) as client:
        # An edit in Go: the bundle has curl, Python and Node edits; the curl exchange is the nearest.
        text = await _prompt(client, "go", "edit an uploaded photo")
        assert "There is no image edit (multipart upload) recipe in Go" in text
        assert curl_edit in text and python_edit not in text
        assert bundle.pages["recipe-go"] not in text

        # Polling in Java: the Java program polls in its own step; it is the nearest.
        text = await _prompt(client, "java", "poll a task by id until it is completed")
        assert "There is no task polling recipe in Java" in text and "polls GET /v1/tasks/{id}" in text
        assert bundle.pages["recipe-java"] in text

        # Generating in Node: the Node program's first step generates the image.
        text = await _prompt(client, "node", "generate a thumbnail")
        assert "There is no image generation recipe in Node.js" in text
        assert bundle.pages["recipe-node"] in text

        # A language with no recipe at all: curl, for each task.
        text = await _prompt(client, "ruby", "edit a photo")
        assert "There is no 'ruby' recipe" in text and curl_edit in text
        text = await _prompt(client, "ruby", "animate a product shot")
        assert "There is no 'ruby' recipe" in text and bundle.pages["recipe-curl"] in text


@pytest.mark.parametrize(
    ("description", "task"),
    [
        ("generate a hero image and animate it", "image-to-video"),
        ("turn the product photo into an 8 second clip with veo", "image-to-video"),
        ("edit a product photo", "edit"),
        ("combine two reference images", "edit"),
        ("check the status of a task until it is done", "polling"),
        ("make a blog header image", "generate"),
        ("x", "generate"),
        ("把产品图编辑成白底", "edit"),
        ("图生视频", "image-to-video"),
        ("轮询异步任务", "polling"),
        ("Video aus einem Bild erzeugen", "image-to-video"),
        ("modificare un'immagine", "edit"),
    ],
)
def test_the_task_is_read_from_its_words(description: str, task: str) -> None:
    assert task_of(description) == task


async def test_chinese_task_picks_the_edit_code(server: MCPServer[Any], bundle: DocsBundle) -> None:
    async with Client(server) as client:
        text = await _prompt(client, "python", "把产品图编辑成白底")
        assert _block(bundle, "image-editing", "upload-files-as-multipart", "python") in text
