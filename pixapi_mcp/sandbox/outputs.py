"""Output files: their names and URLs, kept in the state's in-memory store, and recognising the
sandbox's own URLs when a request hands one back (image-to-video), without ever fetching a URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.requests import Request

from pixapi_mcp.sandbox.state import SandboxState, new_ulid

CONTENT_TYPES = {"png": "image/png", "avi": "video/x-msvideo"}
# What an output name looks like; /files/{name} serves nothing else.
FILE_NAME = re.compile(r"^[a-z0-9_]+\.(png|avi)$")


def base_url(state: SandboxState, request: Request) -> str:
    """Where output URLs start: the configured public URL, else the URL the request came in on."""
    if state.config.public_url:
        return state.config.public_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def store(state: SandboxState, request: Request, data: bytes, ext: str, base: str | None = None) -> str:
    """Keep ``data`` as a new output file and answer its URL (under ``base`` when given)."""
    prefix = "img" if ext == "png" else "vid"
    name = f"{prefix}_{new_ulid(state.clock.now()).lower()}.{ext}"
    state.outputs.put(name, data, CONTENT_TYPES[ext])
    return f"{base or base_url(state, request)}/files/{name}"


def own_file(state: SandboxState, request: Request, url: str) -> bytes | None:
    """The bytes behind ``url`` when it is one of this sandbox's own output URLs (never fetched)."""
    parts = urlsplit(url)
    hosts = {request.url.netloc}
    if state.config.public_url:
        hosts.add(urlsplit(state.config.public_url).netloc)
    match = re.search(r"/files/([^/]+)$", parts.path)
    if parts.netloc not in hosts or match is None:
        return None
    item = state.outputs.get(match[1])
    if item is None or not item[1].startswith("image/"):
        return None
    return item[0]
