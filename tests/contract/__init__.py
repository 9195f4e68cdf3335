"""Tests of pixapi_mcp.contract. The paths and minimal valid bodies below are shared by its modules."""

from typing import Any

GEN = "/v1/images/generations"
ASYNC_GEN = "/v1/async/images/generations"
EDIT = "/v1/images/edits"
ASYNC_EDIT = "/v1/async/images/edits"
VIDEO = "/v1/async/videos/generations"

IMG: dict[str, Any] = {"model": "nano-banana", "prompt": "A ceramic coffee cup"}
VID: dict[str, Any] = {"model": "veo", "prompt": "The cup slowly rotates"}
EDIT_BODY: dict[str, Any] = {
    "model": "gemini-3-pro-image-preview",
    "prompt": "Warm background",
    "image": ["a.png"],
}
