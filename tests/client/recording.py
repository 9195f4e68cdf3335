"""What the client's tests share: a recording ``httpx2.MockTransport`` that answers from a script,
a factory of clients over it (instant, recorded sleeps), canned answers from the seeds, request
builders and wire-format readers. The ``make`` fixture lives in ``conftest.py`` beside this file."""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import httpx2

from pixapi_mcp import __version__
from pixapi_mcp.client import Downloader, PixapiClient, PixapiError
from pixapi_mcp.contract import ImageEditRequest, ImageFile, ImageGenerationRequest, VideoGenerationRequest
from tests.conftest import CANARY_KEY

BASE = "https://api.test"
CDN = "https://cdn.test"
UA = f"pixapi-mcp/{__version__}"

Step = httpx2.Response | Exception | Callable[[httpx2.Request], httpx2.Response]


@dataclass
class Recorder:
    """A MockTransport handler that answers from a script, one step per request, and keeps every
    request it saw. A request beyond the script fails the test."""

    script: list[Step]
    requests: list[httpx2.Request] = field(default_factory=list[httpx2.Request])

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.script:
            raise AssertionError(f"unexpected request: {request.method} {request.url}")
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx2.Response):
            return step
        return step(request)

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.raw_path.decode()}" for r in self.requests]


@dataclass
class Harness:
    recorder: Recorder
    client: PixapiClient
    sleeps: list[float]

    @property
    def downloader(self) -> Downloader:
        """The client's key-less downloader (same pool, same retry policy)."""
        return self.client.downloader


class Factory:
    def __init__(self) -> None:
        self._https: list[httpx2.AsyncClient] = []

    def __call__(
        self,
        *script: Step,
        api_key: str | None = CANARY_KEY,
        http_headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Harness:
        recorder = Recorder(list(script))
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(recorder), headers=http_headers)
        self._https.append(http)
        sleeps: list[float] = []

        async def sleep(delay: float) -> None:
            sleeps.append(delay)

        kwargs.setdefault("jitter", lambda: 1.0)
        client = PixapiClient(http, base_url=BASE, api_key=api_key, sleep=sleep, **kwargs)
        return Harness(recorder, client, sleeps)

    async def aclose(self) -> None:
        for http in self._https:
            await http.aclose()


def ok(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, json=payload, headers=headers)


def error(status: int, payload: Any = None, headers: dict[str, str] | None = None, text: str | None = None):
    if text is not None:
        return httpx2.Response(status, text=text, headers=headers)
    return httpx2.Response(status, json=payload, headers=headers)


IMAGE_OK = {"created": 1766880000, "data": [{"url": "https://cdn.pixapi.ai/generated/image.png"}]}
SUBMITTED = {
    "status": "submitted",
    "id": "task_01KPQ7J7DWB7QZ3WCEK3YVPBRA",
    "progress": 0,
    "created_at": 1703884800,
    "model": "veo",
}
TASK_DONE = {
    "id": "task_1",
    "status": "completed",
    "credits_cost": 1.5,
    "model": "veo",
    "progress": 100,
    "result": {"type": "video", "data": [{"url": "https://cdn.test/v.mp4"}]},
    "created": 1763088289,
    "completed": 1763088308,
}
MODELS = {
    "object": "list",
    "data": [
        {
            "id": "gemini-3-pro-image-preview",
            "object": "model",
            "category": "image",
            "capabilities": ["text-to-image", "image-to-image"],
        },
        {"id": "gemini-9-ultra", "object": "model", "category": "image"},
        {"id": "flux-1-pro", "object": "model", "category": "image"},
    ],
}

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def gen_request(**kw: Any) -> ImageGenerationRequest:
    base: dict[str, Any] = {"model": "nano-banana", "prompt": "A ceramic coffee cup"}
    base.update(kw)
    return ImageGenerationRequest(**base)


def edit_request(**kw: Any) -> ImageEditRequest:
    base: dict[str, Any] = {
        "model": "gemini-3-pro-image-preview",
        "prompt": "Place the product on a warm studio background",
        "images": (
            ImageFile("product.png", PNG, "image/png"),
            ImageFile("ref.jpg", b"\xff\xd8jpeg", "image/jpeg"),
        ),
    }
    base.update(kw)
    return ImageEditRequest(**base)


def video_request(**kw: Any) -> VideoGenerationRequest:
    base: dict[str, Any] = {"model": "veo", "prompt": "The cup slowly rotates"}
    base.update(kw)
    return VideoGenerationRequest(**base)


def parse_multipart(request: httpx2.Request) -> list[EmailMessage]:
    """The parts of a multipart body, parsed by the standard library (not by the code under test)."""
    raw = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + request.content
    message = email.parser.BytesParser(_class=EmailMessage, policy=email.policy.HTTP).parsebytes(raw)
    assert message.is_multipart()
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]


def part_name(part: EmailMessage) -> str | None:
    name = part.get_param("name", header="content-disposition")
    return name if isinstance(name, str) else None


def assert_api_headers(request: httpx2.Request, content_type: str | None) -> None:
    assert request.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert request.headers["user-agent"] == UA
    assert request.headers["accept"] == "application/json"
    if content_type is None:
        assert "content-type" not in request.headers
    else:
        assert request.headers["content-type"].split(";")[0] == content_type


def assert_no_canary(err: BaseException) -> None:
    assert CANARY_KEY not in str(err)
    assert CANARY_KEY not in repr(err)
    assert all(CANARY_KEY not in str(a) for a in err.args)
    if isinstance(err, PixapiError):
        assert CANARY_KEY not in json.dumps(err.to_dict())
