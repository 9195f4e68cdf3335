"""What a result carries for a host that renders the app.

The same structured content and the same short text as for every host (the model reads them;
some app hosts give the model only the text), minus the preview images: the app shows the media
itself, so the base64 previews would only fill the model's context. What only the app needs goes
in the result's ``_meta`` under ``APP_META`` (hosts hand ``_meta`` to the app, not to the model):

- ``readOnly``: the server has no paid tools, so the app shows no paid actions;
- ``mediaDomains``: the origins the app loads media from directly (its CSP's resourceDomains);
- ``prompt``: the prompt of the work (results carry the model, not the prompt);
- ``outputs``: per output (in the order of ``data[]`` / ``result.data[]``), its kind and the
  ``pixapi://outputs/`` URIs of its preview and of the full image or playable video;
- ``actions``: the paid actions on offer (``actions.Action``: the call and its estimate);
- for ``list_tasks``, ``rows``: the same ``outputs`` and ``actions`` per ledger row id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread
from mcp_types import CallToolResult, ImageContent, TextContent

from pixapi_mcp.app import actions, outputs
from pixapi_mcp.auth import current_caller
from pixapi_mcp.ledger import LedgerRow
from pixapi_mcp.tools.results import MediaResult, TasksResult
from pixapi_mcp.tools.state import AppState, visible_owner

APP_META = "ai.pixapi/app"
# Where Pixapi serves outputs: its one documented output host (shared/seeds/api-reference.txt,
# "Successful image responses": "url": "https://cdn.pixapi.ai/generated/image.png"). The app loads
# media from these origins directly; anything else (the sandbox's URLs, other hosts, expired URLs,
# local files) reaches it through the bounded pixapi://outputs/ resources instead.
MEDIA_DOMAINS = ("https://cdn.pixapi.ai",)
_LEDGER_ID = re.compile(r"\bledger_id: (\d{1,18})\b")


async def for_app(
    state: AppState, tool: str, arguments: Mapping[str, Any], result: CallToolResult
) -> CallToolResult:
    """``result`` as a host with the app gets it."""
    facts: dict[str, Any] = {"readOnly": state.settings.read_only, "mediaDomains": list(MEDIA_DOMAINS)}
    structured: dict[str, Any] = result.structured_content or {}
    if result.is_error:
        row = await _failed_row(state, tool, arguments, result)
        if row is not None:
            raw = arguments if row.tool == tool else None
            failed = actions.for_work(state, row, status="failed", image_urls=[], raw=raw)
            facts.update(prompt=row.prompt, actions=_dump(failed))
    elif tool == "list_tasks":
        owner = visible_owner(current_caller())
        rows: dict[str, Any] = {}
        for task in TasksResult.model_validate(structured).tasks:
            row = await state.ledger.get(task.ledger_id, owner)
            if row is not None:
                rows[str(row.id)] = await _row_facts(state, row)
        facts["rows"] = rows
    else:
        facts.update(await _result_facts(state, tool, arguments, MediaResult.model_validate(structured)))
    content = [block for block in result.content if not isinstance(block, ImageContent)]
    return result.model_copy(update={"content": content, "meta": {**(result.meta or {}), APP_META: facts}})


async def _failed_row(
    state: AppState, tool: str, arguments: Mapping[str, Any], result: CallToolResult
) -> LedgerRow | None:
    """The ledger row of work that failed, named by the error's ``ledger_id`` fact (the form of
    every error of this server, ``tools.errors.tool_error``) or, for get_task, by its task id."""
    text = "\n".join(block.text for block in result.content if isinstance(block, TextContent))
    found = _LEDGER_ID.search(text)
    owner = visible_owner(current_caller())
    row = await state.ledger.get(int(found[1]), owner) if found else None
    task_id = arguments.get("task_id")
    if row is None and tool == "get_task" and isinstance(task_id, str):
        row = await state.ledger.find_task(task_id, owner)
    return row if row is not None and row.status == "failed" else None


async def _result_facts(
    state: AppState, tool: str, arguments: Mapping[str, Any], media: MediaResult
) -> dict[str, Any]:
    owner = visible_owner(current_caller())
    row = await state.ledger.get(media.ledger_id, owner) if media.ledger_id is not None else None
    items = media.data or (media.result.data if media.result else [])
    described = await _describe(row, [item.path for item in items])
    image_urls = [
        item.url for item, entry in zip(items, described, strict=True) if item.url and _is_image(entry)
    ]
    raw = arguments if row is not None and row.tool == tool else None
    prompt = row.prompt if row is not None else arguments.get("prompt")
    offered = actions.for_work(state, row, status=media.status, image_urls=image_urls, raw=raw)
    return {
        "prompt": prompt if isinstance(prompt, str) else None,
        "outputs": described,
        "actions": _dump(offered),
    }


async def _row_facts(state: AppState, row: LedgerRow) -> dict[str, Any]:
    described = await _describe(row, list(row.paths))
    urls = row.output_urls if len(row.output_urls) == len(row.paths) else []
    image_urls = [url for url, entry in zip(urls, described, strict=False) if _is_image(entry)]
    offered = actions.for_work(state, row, status=row.status, image_urls=image_urls)
    return {"outputs": described, "actions": _dump(offered)}


def _is_image(entry: Mapping[str, Any] | None) -> bool:
    return entry is not None and entry.get("kind") == "image"


async def _describe(row: LedgerRow | None, paths: Sequence[str | None]) -> list[dict[str, Any] | None]:
    """Per output path, what the app needs to show it (None: not saved, or not this row's)."""
    if row is None:
        return [None for _ in paths]
    return await anyio.to_thread.run_sync(_describe_sync, row, list(paths))


def _describe_sync(row: LedgerRow, paths: list[str | None]) -> list[dict[str, Any] | None]:
    described: list[dict[str, Any] | None] = []
    for path in paths:
        if path is None or path not in row.paths:
            described.append(None)
            continue
        try:
            described.append(outputs.describe(row.id, row.paths.index(path), Path(path)))
        except OSError:  # deleted since it was saved: the app shows the URL or the path instead
            described.append(None)
    return described


def _dump(items: Sequence[actions.Action]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]
