"""Tests of pixapi_mcp.docs. The bundle's path, both protocol eras and a resource-text helper are
shared by its modules."""

from pathlib import Path
from typing import Any

from mcp_types import TextResourceContents

LLMS = Path(__file__).resolve().parents[2] / "llms"
MODES = ["auto", "legacy"]


def text_of(result: Any) -> str:
    """The text of a ``resources/read`` result's one content."""
    content = result.contents[0]
    assert isinstance(content, TextResourceContents)
    return content.text
