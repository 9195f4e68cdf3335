"""Where outputs land and how they come back: files never overwritten, small previews, checked images."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp_types import METHOD_NOT_FOUND, ErrorData, ImageContent, ListRootsResult, Root
from PIL import Image
from pydantic import FileUrl

from pixapi_mcp.config import Settings
from pixapi_mcp.server import build_server
from tests.server_harness import harness, structured, text_of
from tests.test_media import IMAGE_FORMAT_CASES
from tests.tools import NoWait

pytestmark = pytest.mark.anyio


async def test_results_carry_small_previews_not_blobs(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool(
            "generate_image", {"prompt": "big poster", "size": "2048x2048", "response_format": "b64_json"}
        )
        data = structured(result)
        previews = [b for b in result.content if isinstance(b, ImageContent)]
        assert len(previews) == 1
        raw = base64.b64decode(previews[0].data)
        assert len(raw) < 200_000
        with Image.open(io.BytesIO(raw)) as img:
            assert max(img.size) <= 256
        # b64_json answers become files; the base64 never reaches the model.
        assert Path(data["data"][0]["path"]).stat().st_size > 10_000
        assert "b64_json" not in str(data) and len(str(result.content[0])) < 4000


async def test_files_never_overwrite(make_settings: Callable[..., Settings]) -> None:
    async with harness(make_settings) as h, h.client() as client:
        paths = set()
        for _ in range(3):
            out = structured(await client.call_tool("generate_image", {"prompt": "same prompt", "n": 2}))
            paths.update(item["path"] for item in out["data"])
        assert len(paths) == 6 and all(Path(p).is_file() for p in paths)


async def test_workspace_root_and_output_dir(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    workspace = tmp_path / "project"
    workspace.mkdir()
    async with harness(make_settings) as h, h.client("legacy", roots=[workspace.as_uri()]) as client:
        out = structured(await client.call_tool("generate_image", {"prompt": "hero"}))
        assert Path(out["data"][0]["path"]).parent == workspace / "pixapi-output"
        out = structured(
            await client.call_tool("generate_image", {"prompt": "hero", "output_dir": "public/img"})
        )
        assert Path(out["data"][0]["path"]).parent == workspace / "public" / "img"
        bad = await client.call_tool("generate_image", {"prompt": "x", "output_dir": "/etc"})
        assert bad.is_error and "outside the allowed folders" in text_of(bad)
        bad = await client.call_tool("generate_image", {"prompt": "x", "output_dir": "../../escape"})
        assert bad.is_error
    assert not (tmp_path / "escape").exists()


@pytest.mark.parametrize("shape", ["url", "b64_json"])
async def test_an_unreadable_image_output_is_not_reported_as_saved(
    make_settings: Callable[..., Settings], shape: str
) -> None:
    garbage = b"\x89PNG\r\n\x1a\n garbage"

    def api(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/v1/images/generations":
            item = (
                {"url": "https://cdn.test/out.png"}
                if shape == "url"
                else {"b64_json": base64.b64encode(garbage).decode()}
            )
            return httpx2.Response(200, json={"created": 1, "data": [item]})
        return httpx2.Response(200, content=garbage, headers={"content-type": "image/png"})

    settings = make_settings({"PIXAPI_KEY": "sk-x"})
    async with (
        httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http,
        Client(build_server(settings, http, timer=NoWait())) as client,
    ):
        out = structured(await client.call_tool("generate_image", {"prompt": "p", "sync": True}))
    item = out["data"][0]
    assert item["path"] is None and "not a readable image" in item["download_error"]
    # A sync call has no task id: the next step must not send the model to get_task.
    assert "download_error" in out["next_step"] and out["next_call"] is None
    assert list((settings.default_output_dir).glob("*")) == []


@pytest.mark.parametrize(("pil_format", "suffix", "media_type"), IMAGE_FORMAT_CASES)
async def test_b64_outputs_are_saved_in_their_own_format(
    make_settings: Callable[..., Settings], pil_format: str, suffix: str, media_type: str
) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, format=pil_format)
    encoded = base64.b64encode(buf.getvalue()).decode()

    def api(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"created": 1, "data": [{"b64_json": encoded}]})

    settings = make_settings({"PIXAPI_KEY": "sk-x"})
    async with (
        httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http,
        Client(build_server(settings, http, timer=NoWait())) as client,
    ):
        out = structured(
            await client.call_tool(
                "generate_image", {"prompt": "p", "sync": True, "response_format": "b64_json"}
            )
        )
    item = out["data"][0]
    assert item["path"].endswith(suffix) and item["media_type"] == media_type
    assert (item["width"], item["height"]) == (40, 30)
    with Image.open(item["path"]) as img:
        assert img.format == pil_format


# -- roots: every wait bounded, every failure falls back ------------------------------------------

ROOTS_BOUND = {"PIXAPI_ROOTS_TIMEOUT_S": "0.2"}


def _png_data_uri() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


class RootsClient:
    """A client's roots/list callback that never answers, fails, or answers with ``folder``."""

    def __init__(self, behaviour: str, folder: Path | None = None) -> None:
        self.behaviour = behaviour
        self.folder = folder
        self.asked = 0
        self.entered = anyio.Event()

    async def __call__(self, context: Any) -> ListRootsResult | ErrorData:
        self.asked += 1
        self.entered.set()
        if self.behaviour == "never":
            await anyio.Event().wait()  # chuk-mcp: the answer never comes
        if self.behaviour == "raise":
            raise RuntimeError("this client cannot list roots")
        if self.behaviour == "error":
            return ErrorData(code=METHOD_NOT_FOUND, message="Method not found")
        assert self.folder is not None
        return ListRootsResult(roots=[Root(uri=FileUrl(self.folder.as_uri()))])


async def _every_tool(client: Client) -> list[Path]:
    """generate_image, edit_image, create_video and get_task once each; the saved files."""
    saved: list[Path] = []
    out = structured(await client.call_tool("generate_image", {"prompt": "fox"}))
    saved += [Path(item["path"]) for item in out["data"]]
    out = structured(await client.call_tool("edit_image", {"prompt": "fox", "image": _png_data_uri()}))
    saved += [Path(item["path"]) for item in out["data"]]
    video = structured(await client.call_tool("create_video", {"prompt": "fox runs", "wait_s": 0}))
    out = structured(await client.call_tool("get_task", {"task_id": video["id"], "wait_s": 600}))
    assert out["status"] == "completed", out
    saved += [Path(item["path"]) for item in out["result"]["data"]]
    return saved


@pytest.mark.parametrize("behaviour", ["never", "raise", "error"])
async def test_a_legacy_client_that_never_answers_or_fails_roots_gets_the_fallback_folder(
    make_settings: Callable[..., Settings], behaviour: str
) -> None:
    roots = RootsClient(behaviour)
    async with harness(make_settings, env=ROOTS_BOUND) as h:
        server = build_server(h.settings, h.http, timer=h.timer)
        # The roots bound is real time (the client answers in real time); 30 s only guards the
        # test against the old behaviour, a wait without end.
        with anyio.fail_after(30):
            async with Client(server, mode="legacy", list_roots_callback=roots) as client:
                saved = await _every_tool(client)
    assert len(saved) == 3 and all(p.parent == h.settings.default_output_dir for p in saved)
    assert all(p.is_file() for p in saved)
    # Asked once for the connection: later calls do not wait on a client that did not answer.
    assert roots.asked == 1
    assert [r.path for r in h.posts()] == [
        "/v1/async/images/generations",
        "/v1/async/images/edits",
        "/v1/async/videos/generations",
    ]


async def test_concurrent_first_calls_share_one_roots_question(
    make_settings: Callable[..., Settings],
) -> None:
    roots = RootsClient("never")
    async with harness(make_settings, env=ROOTS_BOUND) as h:
        server = build_server(h.settings, h.http, timer=h.timer)
        results: list[dict[str, Any]] = []

        async def one() -> None:
            results.append(structured(await client.call_tool("generate_image", {"prompt": "fox"})))

        with anyio.fail_after(30):
            async with (
                Client(server, mode="legacy", list_roots_callback=roots) as client,
                anyio.create_task_group() as tg,
            ):
                for _ in range(5):
                    tg.start_soon(one)
    assert len(results) == 5 and roots.asked == 1
    assert all(Path(r["data"][0]["path"]).parent == h.settings.default_output_dir for r in results)


@pytest.mark.filterwarnings("ignore:The roots capability is deprecated")
async def test_answered_roots_are_kept_until_the_client_says_they_changed(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    roots = RootsClient("answer", first)
    async with harness(make_settings, env=ROOTS_BOUND) as h:
        server = build_server(h.settings, h.http, timer=h.timer)
        async with Client(server, mode="legacy", list_roots_callback=roots) as client:
            a = structured(await client.call_tool("generate_image", {"prompt": "fox"}))
            b = structured(await client.call_tool("generate_image", {"prompt": "fox"}))
            assert roots.asked == 1
            roots.folder = second
            await client.send_roots_list_changed()
            c = structured(await client.call_tool("generate_image", {"prompt": "fox"}))
            assert roots.asked == 2
    assert Path(a["data"][0]["path"]).parent == first / "pixapi-output"
    assert Path(b["data"][0]["path"]).parent == first / "pixapi-output"
    assert Path(c["data"][0]["path"]).parent == second / "pixapi-output"


async def test_modern_clients_answer_roots_inside_the_call(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    workspace = tmp_path / "project"
    workspace.mkdir()
    roots = RootsClient("answer", workspace)
    async with harness(make_settings, env=ROOTS_BOUND) as h:
        server = build_server(h.settings, h.http, timer=h.timer)
        async with Client(server, list_roots_callback=roots) as client:
            out = structured(await client.call_tool("generate_image", {"prompt": "fox"}))
    assert Path(out["data"][0]["path"]).parent == workspace / "pixapi-output"


async def test_a_modern_client_that_never_answers_roots_holds_nothing_on_the_server(
    make_settings: Callable[..., Settings],
) -> None:
    """On 2026-07-28 the roots question is the tool call's answer (input required): the server has
    already returned when the client's callback runs, so a callback that never returns hangs only
    that client, and nothing was sent to the API."""
    roots = RootsClient("never")
    async with harness(make_settings, env=ROOTS_BOUND) as h:
        server = build_server(h.settings, h.http, timer=h.timer)
        async with Client(server, list_roots_callback=roots) as client, anyio.create_task_group() as tg:
            tg.start_soon(client.call_tool, "generate_image", {"prompt": "fox"})
            with anyio.fail_after(10):
                await roots.entered.wait()
            tg.cancel_scope.cancel()
        assert h.posts() == []


# -- a broken server setting is the user's to fix, not the model's -------------------------------


@pytest.mark.parametrize("output_dir", [None, "public/img"])
async def test_an_unusable_output_dir_setting_is_a_configuration_error(
    make_settings: Callable[..., Settings], tmp_path: Path, output_dir: str | None
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    args: dict[str, Any] = {"prompt": "fox", **({"output_dir": output_dir} if output_dir else {})}
    async with harness(make_settings, env={"PIXAPI_OUTPUT_DIR": str(blocked / "out")}) as h:
        async with h.client("legacy") as client:
            result = await client.call_tool("generate_image", args)
        text = text_of(result)
        assert result.is_error
        assert "category: configuration" in text and "retryable: no" in text
        assert "PIXAPI_OUTPUT_DIR" in text and "tell the user" in text
        assert h.posts() == []  # refused before anything was paid for
        # The host's workspace still works: the setting is only the fallback.
        workspace = tmp_path / "project"
        workspace.mkdir()
        async with h.client("legacy", roots=[workspace.as_uri()]) as client:
            out = structured(await client.call_tool("generate_image", args))
        assert Path(out["data"][0]["path"]).is_relative_to(workspace)


async def test_without_output_dir_setting_the_default_folder_is_named(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "outputs").write_text("a file where the default folder goes")
    async with harness(make_settings, env={"PIXAPI_OUTPUT_DIR": ""}) as h, h.client() as client:
        assert h.settings.output_dir is None
        result = await client.call_tool("generate_image", {"prompt": "fox"})
    text = text_of(result)
    assert result.is_error and "category: configuration" in text
    assert "PIXAPI_DATA_DIR" in text and "set PIXAPI_OUTPUT_DIR" in text


async def test_a_bad_output_dir_argument_stays_the_models_error(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way")
    async with harness(make_settings) as h, h.client() as client:
        result = await client.call_tool("generate_image", {"prompt": "fox", "output_dir": str(blocked)})
    text = text_of(result)
    assert result.is_error and "category: invalid_request" in text and "output_dir" in text
    assert "PIXAPI_OUTPUT_DIR" not in text
