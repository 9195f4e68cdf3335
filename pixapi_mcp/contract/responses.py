"""Response models: tolerant (unknown fields are kept, not rejected), so a new API field never
breaks a call. The field names are the API's own (``data[0].url``, ``result.data[0].url``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from pixapi_mcp.contract.fields import TERMINAL_STATUSES

_TOLERANT = ConfigDict(extra="allow", defer_build=True)


class ImageDatum(BaseModel):
    model_config = _TOLERANT
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None


class ImageResponse(BaseModel):
    """Synchronous image answer: read the image at ``data[0].url`` (or ``data[0].b64_json``)."""

    model_config = _TOLERANT
    created: int | None = None
    data: list[ImageDatum] = Field(default_factory=list[ImageDatum])


class TaskSubmission(BaseModel):
    """What an ``/v1/async/*`` endpoint answers: a task handle to poll at ``GET /v1/tasks/{id}``."""

    model_config = _TOLERANT
    id: str
    status: str = "submitted"
    progress: int = 0
    created_at: int | None = None
    model: str | None = None


class MediaItem(BaseModel):
    model_config = _TOLERANT
    url: str | None = None
    b64_json: str | None = None


class TaskResult(BaseModel):
    model_config = _TOLERANT
    type: str | None = None
    data: list[MediaItem] = Field(default_factory=list[MediaItem])


class Task(BaseModel):
    """``GET /v1/tasks/{id}``: the video (or image) URL is at ``result.data[0].url``."""

    model_config = _TOLERANT
    id: str
    status: str
    progress: int = 0
    model: str | None = None
    credits_cost: float | None = None
    result: TaskResult | None = None
    created: int | None = None
    created_at: int | None = None
    completed: int | None = None
    error: JsonValue = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def output_urls(self) -> list[str]:
        return [item.url for item in (self.result.data if self.result else []) if item.url]


class ModelEntry(BaseModel):
    model_config = _TOLERANT
    id: str
    object: str = "model"
    category: str | None = None
    capabilities: list[str] = Field(default_factory=list[str])


class ModelList(BaseModel):
    model_config = _TOLERANT
    object: str = "list"
    data: list[ModelEntry] = Field(default_factory=list[ModelEntry])


class ErrorDetail(BaseModel):
    model_config = _TOLERANT
    code: int | str | None = None
    message: str = ""
    type: str | None = None
    param: str | None = None


class ErrorBody(BaseModel):
    """OpenAI-style error: ``{"error": {"code": 400, "message": "...", "type": "..."}}``."""

    model_config = _TOLERANT
    error: ErrorDetail
