"""The structured results of the tools (their output schemas).

They keep the API's own field names (``id``, ``status``, ``progress``, ``created_at``, ``model``,
``data[].url``, ``result.data[].url``) so an agent that reads a result learns the real shape, and
add what the API cannot know: the saved ``path``, credits, a one-line ``summary`` and the next
step, as prose (``next_step``) and as a call ready to send (``next_call``). Some hosts give the
model only this structured content (see ``pixapi_mcp.tool_result``), so nothing the model needs
may live only in the text.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


def _compact_schema(schema: dict[str, Any]) -> None:
    """The output schema as small as the result needs, the shape unchanged: an optional field is
    ``{"type": ["string", "null"]}`` rather than an ``anyOf`` of two schemas, and fields carry no
    generated ``title`` (their name says it). Hosts validate every result against this schema
    (the SDK's client does, with ``jsonschema``), and a nested ``anyOf`` costs about twice as much
    to check as a list of types."""
    properties: dict[str, dict[str, Any]] = schema.get("properties", {})
    for prop in properties.values():
        prop.pop("title", None)
        choices: list[dict[str, Any]] = prop.get("anyOf", [])
        if len(choices) != 2 or {"type": "null"} not in choices:
            continue
        other = next(c for c in choices if c != {"type": "null"})
        if isinstance(other.get("type"), str) and not {"$ref", "anyOf", "oneOf", "allOf"} & other.keys():
            del prop["anyOf"]
            prop.update(other, type=[other["type"], "null"])


class ResultModel(BaseModel):
    """A tool's structured result (or part of one), with a compact output schema: nested results
    are written out in place (no ``$ref`` for a validator to resolve on every result)."""

    model_config = ConfigDict(json_schema_extra=_compact_schema)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        return _inline(schema, handler)


def _inline(node: Any, handler: GetJsonSchemaHandler) -> Any:
    """``node`` with every ``$ref`` replaced by the (already compact) schema it names."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(handler.resolve_ref_schema(node), handler)  # pyright: ignore[reportUnknownArgumentType]
        return {key: _inline(value, handler) for key, value in node.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(node, list):
        return [_inline(item, handler) for item in node]  # pyright: ignore[reportUnknownVariableType]
    return node


# Which field carries a call's outputs: ``data[]`` (image calls) or ``result.data[]`` (tasks).
ResultShape = Literal["image", "task"]


class SavedOutput(ResultModel):
    """One output: the API's ``url`` plus where this server saved it."""

    url: str | None = Field(default=None, description="The output URL returned by Pixapi.")
    path: str | None = Field(default=None, description="Absolute path of the saved file, when saved.")
    media_type: str | None = None
    bytes: int | None = None
    width: int | None = Field(default=None, description="Pixels, read from the saved file.")
    height: int | None = Field(default=None, description="Pixels, read from the saved file.")
    duration: float | None = Field(default=None, description="Seconds, for videos, read from the saved file.")
    download_error: str | None = Field(
        default=None, description="Why the file is not saved yet; call get_task again to retry."
    )
    preview_note: str | None = Field(
        default=None,
        description="Why no preview image accompanies this output (None: one does, or none was due).",
    )


class TaskResultOut(ResultModel):
    """Mirrors the API's task ``result``: read the media at ``result.data[0].url`` (or ``.path``)."""

    type: str | None = None
    data: list[SavedOutput] = Field(default_factory=list[SavedOutput])


class Credits(ResultModel):
    estimate: float | None = Field(
        default=None, description="What this request was expected to cost (None: no price known anywhere)."
    )
    basis: str | None = Field(
        default=None,
        description="Where the estimate comes from: documented, from (a documented starting price: a floor), "
        "family, configured (this server's video estimate, not from Pixapi's docs) or unknown.",
    )
    note: str | None = Field(default=None, description="The estimate's basis in words.")
    charged: float | None = Field(default=None, description="credits_cost reported by Pixapi once completed.")
    held: float | None = Field(
        default=None, description="Credits counted against the session cap until Pixapi reports the charge."
    )
    max_credits: float | None = Field(
        default=None, description="The caller's ceiling for this call, if given."
    )
    warning: str | None = Field(default=None, description="Set when Pixapi charged more than max_credits.")
    session_total: float | None = Field(
        default=None,
        description="Credits this server session has spent or holds for unfinished calls, this call included.",
    )


class NextCall(ResultModel):
    """A tool call to make next, ready to send."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict[str, Any])

    def render(self) -> str:
        """``get_task(task_id='task_1', wait_s=37)``: how the call reads in prose."""
        args = ", ".join(f"{key}={value!r}" for key, value in self.arguments.items())
        return f"{self.tool}({args})"


class MediaResult(ResultModel):
    """A paid call or task: API field names (``id``, ``status``, ``progress``, ``created_at``,
    ``model``, ``data[].url`` for images, ``result.data[].url`` for tasks) plus ``path``, credits
    and the next step."""

    id: str | None = Field(default=None, description="Task id for GET /v1/tasks/{id} (async work).")
    status: str = Field(
        description="submitted, processing, completed or failed; unknown when the answer to a paid request "
        "did not arrive in time (nothing is resent: see next_call)."
    )
    progress: int = Field(default=0, ge=0, le=100)
    model: str | None = None
    created_at: int | None = None
    data: list[SavedOutput] = Field(
        default_factory=list[SavedOutput], description="Image outputs (generate_image, edit_image)."
    )
    result: TaskResultOut | None = Field(default=None, description="Task outputs (create_video, get_task).")
    credits: Credits = Field(default_factory=Credits)
    ledger_id: int | None = Field(default=None, description="Row in the local ledger (list_tasks).")
    summary: str = Field(default="", description="What happened, in one line.")
    next_step: str = Field(default="", description="What to do next, in words.")
    next_call: NextCall | None = Field(
        default=None, description="The call to make next (get_task while unfinished); None when done."
    )
    poll_after_s: float | None = Field(
        default=None, description="When to make next_call, in seconds, if unfinished."
    )


class ModelOut(ResultModel):
    id: str
    category: str | None = None
    capabilities: list[str] = Field(default_factory=list[str])
    aliases: list[str] = Field(default_factory=list[str])
    credits_from: float | None = Field(default=None, description="Documented starting credits per output.")
    endpoints: list[str] = Field(default_factory=list[str])
    sizes: list[str] = Field(default_factory=list[str])
    notes: str = ""
    live: bool | None = Field(
        default=None, description="Listed by the live GET /v1/models (None: not checked)."
    )
    docs: str | None = None


class ModelsResult(ResultModel):
    data: list[ModelOut]
    source: Literal["live+catalog", "catalog"]
    note: str
    summary: str = Field(default="", description="What the list holds, in one line.")
    next_step: str = Field(default="", description="How to use a model from the list.")


class TaskRow(ResultModel):
    ledger_id: int
    tool: str
    status: str
    id: str | None = Field(default=None, description="Task id, when the API gave one.")
    model: str
    prompt: str
    progress: int
    created: str
    credits_estimate: float | None = None
    credits_charged: float | None = None
    paths: list[str] = Field(default_factory=list[str])
    urls: list[str] = Field(default_factory=list[str])
    error: str | None = None
    next_step: str = ""
    next_call: NextCall | None = Field(default=None, description="The call that resumes this row, if any.")


class TasksResult(ResultModel):
    tasks: list[TaskRow]
    unfinished: int = Field(description="How many rows may still produce (or have produced) output.")
    summary: str = Field(default="", description="What the ledger holds, in one line.")
    next_step: str = Field(default="", description="What to do next, in words.")
