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

from pydantic import BaseModel, Field

# Which field carries a call's outputs: ``data[]`` (image calls) or ``result.data[]`` (tasks).
ResultShape = Literal["image", "task"]


class SavedOutput(BaseModel):
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


class TaskResultOut(BaseModel):
    """Mirrors the API's task ``result``: read the media at ``result.data[0].url`` (or ``.path``)."""

    type: str | None = None
    data: list[SavedOutput] = Field(default_factory=list[SavedOutput])


class Credits(BaseModel):
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


class NextCall(BaseModel):
    """A tool call to make next, ready to send."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict[str, Any])

    def render(self) -> str:
        """``get_task(task_id='task_1', wait_s=37)``: how the call reads in prose."""
        args = ", ".join(f"{key}={value!r}" for key, value in self.arguments.items())
        return f"{self.tool}({args})"


class MediaResult(BaseModel):
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


class ModelOut(BaseModel):
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


class ModelsResult(BaseModel):
    data: list[ModelOut]
    source: Literal["live+catalog", "catalog"]
    note: str
    summary: str = Field(default="", description="What the list holds, in one line.")
    next_step: str = Field(default="", description="How to use a model from the list.")


class TaskRow(BaseModel):
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


class TasksResult(BaseModel):
    tasks: list[TaskRow]
    unfinished: int = Field(description="How many rows may still produce (or have produced) output.")
    summary: str = Field(default="", description="What the ledger holds, in one line.")
    next_step: str = Field(default="", description="What to do next, in words.")
