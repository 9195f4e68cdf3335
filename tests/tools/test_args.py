"""Argument types: the published tool schemas carry the constraints ``contract`` declares, unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter

from pixapi_mcp import contract
from pixapi_mcp.config import Settings
from tests.server_harness import harness

pytestmark = pytest.mark.anyio

# (tool, argument, the contract type it is built from)
FROM_CONTRACT: list[tuple[str, str, Any]] = [
    ("generate_image", "prompt", contract.Prompt),
    ("generate_image", "n", contract.ImageCount),
    ("generate_image", "size", contract.ImageSize),
    ("generate_image", "quality", contract.Quality),
    ("generate_image", "response_format", contract.ResponseFormat),
    ("edit_image", "prompt", contract.Prompt),
    ("edit_image", "n", contract.ImageCount),
    ("edit_image", "size", contract.ImageSize),
    ("edit_image", "quality", contract.Quality),
    ("edit_image", "response_format", contract.ResponseFormat),
    ("create_video", "prompt", contract.Prompt),
    ("create_video", "duration", contract.Duration),
    ("create_video", "size", contract.VideoSize),
    ("get_task", "task_id", contract.TaskId),
]


def _value_schema(prop: dict[str, Any]) -> dict[str, Any]:
    """The schema of an argument's value: the non-null branch of an optional one."""
    branches = [b for b in prop.get("anyOf", [prop]) if b.get("type") != "null"]
    assert len(branches) == 1, prop
    return branches[0]


async def test_arguments_publish_the_contract_constraints(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
    for tool, name, declared in FROM_CONTRACT:
        prop = schemas[tool]["properties"][name]
        published = _value_schema(prop)
        expected = TypeAdapter(declared).json_schema()
        assert expected.items() <= published.items(), (tool, name, expected, published)
        assert prop.get("description"), (tool, name)
    # Spot checks that the comparison above is not vacuous.
    assert _value_schema(schemas["generate_image"]["properties"]["n"])["maximum"] == contract.MAX_N
    assert (
        _value_schema(schemas["create_video"]["properties"]["size"])["pattern"] == contract.VIDEO_SIZE_PATTERN
    )
