"""Where things are: Pixapi's documented endpoints and the docs pages every fact comes from.

Video has no synchronous endpoint (``Endpoint`` has deliberately no member for it), so code built on
the enum cannot address ``/v1/videos/generations``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

DOCS_ROOT = "https://pixapi.ai/docs"
# The documented base URL (api-reference.txt: "Base URL https://api.pixapi.ai").
API_HOST = "api.pixapi.ai"
API_BASE_URL = f"https://{API_HOST}"
API_REFERENCE_URL = f"{DOCS_ROOT}/api-reference/"
ASYNC_TASKS_URL = f"{DOCS_ROOT}/guides/async-tasks/"
AUTH_URL = f"{DOCS_ROOT}/authentication/"
ERRORS_URL = f"{DOCS_ROOT}/errors/"
MODEL_CATALOG_URL = f"{DOCS_ROOT}/model-catalog/"
LLMS_FULL_URL = "https://pixapi.ai/llms-full.txt"

# The key the built-in sandbox accepts by default. The sandbox and the server in sandbox mode both
# import it from here, the one leaf they share, so the two sides can never disagree.
SANDBOX_KEY = "sk-sandbox"


class Endpoint(StrEnum):
    """Every documented path. Video has no synchronous endpoint: there is deliberately no
    ``/v1/videos/generations`` member, so code built on this enum cannot address it."""

    IMAGE_GENERATIONS = "/v1/images/generations"
    IMAGE_EDITS = "/v1/images/edits"
    ASYNC_IMAGE_GENERATIONS = "/v1/async/images/generations"
    ASYNC_IMAGE_EDITS = "/v1/async/images/edits"
    ASYNC_VIDEO_GENERATIONS = "/v1/async/videos/generations"
    TASKS = "/v1/tasks"  # GET /v1/tasks/{id}
    MODELS = "/v1/models"

    @property
    def is_async(self) -> bool:
        return self.value.startswith("/v1/async/")

    @property
    def is_edit(self) -> bool:
        return self in (Endpoint.IMAGE_EDITS, Endpoint.ASYNC_IMAGE_EDITS)

    @property
    def media(self) -> Literal["image", "video"] | None:
        if self is Endpoint.ASYNC_VIDEO_GENERATIONS:
            return "video"
        if self in (Endpoint.TASKS, Endpoint.MODELS):
            return None
        return "image"


SUBMIT_ENDPOINTS = frozenset(e for e in Endpoint if e.media is not None)
FORBIDDEN_VIDEO_PATH = "/v1/videos/generations"


def task_path(task_id: str) -> str:
    return f"{Endpoint.TASKS.value}/{task_id}"
