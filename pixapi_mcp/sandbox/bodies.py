"""Request bodies: a JSON object, or a multipart form with ``image`` file parts (edits only), read
within size bounds. A body's problem is noted, not raised, so the rule table can still explain the
real mistake first (a JSON body sent to an edit endpoint is the edit rule, not a parse error)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from pixapi_mcp.contract import Endpoint
from pixapi_mcp.sandbox import render

MAX_JSON_BYTES = 32 * render.MIB
MAX_UPLOAD_BYTES = 50 * render.MIB
MAX_IMAGE_PARTS = 16


@dataclass
class Body:
    """A parsed body: its fields, its ``image`` parts (name, bytes), and the first problem found."""

    fields: dict[str, Any] = field(default_factory=dict[str, Any])
    multipart: bool = False
    images: list[tuple[str, bytes]] = field(default_factory=list[tuple[str, bytes]])
    error: str | None = None
    error_param: str | None = None

    def fail(self, message: str, param: str | None = None) -> None:
        """Note a problem with the body; the first one found is the one reported."""
        if self.error is None:
            self.error, self.error_param = message, param


async def read_body(request: Request, endpoint: Endpoint | None) -> Body:
    body = Body()
    length = request.headers.get("content-length", "")
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        body.multipart = True
        if length.isdigit() and int(length) > MAX_UPLOAD_BYTES * MAX_IMAGE_PARTS:
            body.error = "The request body is too large for the sandbox."
            return body
        try:
            async with request.form(max_files=MAX_IMAGE_PARTS * 2, max_fields=200) as form:
                for name, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        await _read_file_part(body, name, value)
                    elif name == "image":
                        body.fail("`image` must be a file part: send it as `-F image=@file.png`.", "image")
                    else:
                        body.fields[name] = value
        except HTTPException as exc:
            body.fail(f"Malformed multipart body: {exc.detail}")
        if endpoint is not None and not endpoint.is_edit and body.error is None:
            body.error = (
                f"`{endpoint.value}` takes a JSON body: send `Content-Type: application/json`; "
                "only image edits are multipart."
            )
        return body
    if length.isdigit() and int(length) > MAX_JSON_BYTES:
        body.error = "The JSON body is larger than the sandbox accepts (32 MB)."
        return body
    raw = await request.body()
    if not raw.strip():
        return body
    try:
        parsed: Any = json.loads(raw)
    except ValueError as exc:
        # On an edit endpoint the rule table explains the real problem (edits are multipart).
        if endpoint is None or not endpoint.is_edit:
            body.error = (
                f"The body is not valid JSON ({exc}); send a JSON object with Content-Type: application/json."
            )
        return body
    if isinstance(parsed, dict):
        body.fields = cast(dict[str, Any], parsed)
    else:
        body.error = 'The JSON body must be an object such as {"model": ..., "prompt": ...}.'
    return body


async def _read_file_part(body: Body, name: str, upload: UploadFile) -> None:
    if name == "image[]":
        body.fail("Name each file part `image` (repeat `image` for several inputs), not `image[]`.", "image")
    elif name != "image":
        body.fail(f"`{name}` must be a text field, not a file.", name)
    else:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            body.fail("Each `image` part may be at most 50 MB in the sandbox.", "image")
        body.images.append((upload.filename or "image", data))
    await upload.close()


def count(value: Any) -> int:
    """``n`` as an int (the rule table already checked it is a whole number from 1)."""
    return 1 if value is None else int(float(value))


def number(value: Any) -> float | None:
    return None if value is None else float(value)
