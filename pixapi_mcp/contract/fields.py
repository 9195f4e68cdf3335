"""Field types of the documented request fields: each constraint is a type, written once.

The request models, the tools' argument types and the rule table all use these, so a size pattern
or a count bound cannot drift between them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints

ResponseFormat = Literal["url", "b64_json"]
Quality = Literal["low", "medium", "high", "auto"]
TaskStatus = Literal["submitted", "processing", "completed", "failed"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "failed"})

IMAGE_SIZE_PATTERN = r"^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4})$"
VIDEO_SIZE_PATTERN = r"^(auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4}|[1-9][0-9]?:[1-9][0-9]?)$"
ImageSize = Annotated[str, StringConstraints(pattern=IMAGE_SIZE_PATTERN)]
VideoSize = Annotated[str, StringConstraints(pattern=VIDEO_SIZE_PATTERN)]
Prompt = Annotated[str, StringConstraints(min_length=1, max_length=32_000)]
ModelId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:/-]+$")]
# The API does not document an upper bound for n; 10 matches OpenAI-compatible image APIs and
# keeps one call from spending a surprising number of credits.
MAX_N = 10
ImageCount = Annotated[int, Field(ge=1, le=MAX_N)]
Duration = Annotated[float, Field(gt=0, le=60)]
TaskId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]

# Model controls travel beside the documented fields (for example a provider-specific knob); the
# rule table still polices them, so a forbidden field cannot be smuggled in this way.
Controls = dict[str, JsonValue]
