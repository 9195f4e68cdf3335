"""The Must-show of issue 15, in real headless Chromium: the MCP App, rendered by a host page the
way web hosts render it, driving the real server (``serve --sandbox --transport http``, bearer
token) through the host.

- a generated image appears in the app's gallery (and is the file the server saved);
- a video task the model started shows rising progress in the app, which follows it by itself
  (get_task through the host), and then plays (the player reports the file's duration and its
  time moves);
- "Animate this image" starts a video task with the image's URL as ``input_image``;
- a paid action over the session cap shows the server's refusal, and nothing is sent.

The host's relay records what really reached the server (``relay.calls``) and the server's output
folder holds what really was made: the tests judge by those, not by what the app says about
itself. Screenshots go to a folder under pytest's tmp dir (printed); with
``PIXAPI_UPDATE_SNAPSHOTS=1`` the "animate" test also refreshes docs/app-screenshot.png (README).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from pixapi_mcp.video_facts import read_facts
from tests.app_browser.conftest import TOKEN, Host, start_host
from tests.app_browser.test_host_harness import app_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]

README_SHOT = Path(__file__).resolve().parents[2] / "docs" / "app-screenshot.png"
WAIT_MS = 20_000

# Where the app shows things (pixapi_mcp/app's markup): one selector per fact the tests read.
CARD = "#result > section.card"
GALLERY_IMAGE = "#result .gallery figure.tile img"
PLAYER = "figure.player video"
PROGRESS = "[role=progressbar]"
REFUSAL = ".notice.refused"


def action(action_id: str) -> str:
    return f"#result button[data-action='{action_id}']"


def files(folder: Path, suffix: str) -> list[Path]:
    return sorted(folder.rglob(f"*{suffix}")) if folder.exists() else []


def run_tool(page: Any, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The model's call, made through the host page (which renders the app for it)."""
    answer = page.evaluate("([n, a]) => pixapiHost.runTool(n, a)", [name, arguments])
    page.wait_for_selector(f"section.card[data-card='{answer['card']}'][data-app-state='result-sent']")
    return answer


def shoot(page: Any, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def record_progress(app: Any) -> None:
    """Keep every progress value the app shows, as it shows it (a MutationObserver in the app's
    frame), so the test sees the sequence rather than one sample."""
    app.evaluate(
        """() => {
        window.__progress = [];
        const note = () => {
          for (const bar of document.querySelectorAll('[role=progressbar]')) {
            const v = Number(bar.getAttribute('aria-valuenow'));
            if (window.__progress.at(-1) !== v) window.__progress.push(v);
          }
        };
        note();
        new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true});
      }"""
    )


def wait_until_playing(app: Any) -> dict[str, Any]:
    """Wait for the player to load its metadata, play it muted, and wait for its clock to move."""
    app.wait_for_function(
        f"() => {{ const v = document.querySelector({json.dumps(PLAYER)});"
        " return v && v.readyState >= 1 && v.duration > 0 && isFinite(v.duration); }",
        timeout=WAIT_MS,
    )
    app.evaluate(
        f"() => {{ const v = document.querySelector({json.dumps(PLAYER)}); v.muted = true; v.play(); }}"
    )
    app.wait_for_function(
        f"() => document.querySelector({json.dumps(PLAYER)}).currentTime > 0.2", timeout=WAIT_MS
    )
    return app.evaluate(
        f"""() => {{ const v = document.querySelector({json.dumps(PLAYER)});
        return {{duration: v.duration, error: v.error && v.error.code, width: v.videoWidth,
                 height: v.videoHeight, src: v.currentSrc.slice(0, 30)}}; }}"""
    )


def test_a_generated_image_appears_in_the_gallery(page: Any, host: Host, screenshots: Path) -> None:
    run_tool(page, "generate_image", {"prompt": "a lighthouse at dusk, watercolour", "size": "512x512"})
    app = app_frame(page, 0)
    app.wait_for_function(
        f"() => {{ const i = document.querySelector({json.dumps(GALLERY_IMAGE)});"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=WAIT_MS,
    )
    shown = app.evaluate(
        f"() => {{ const i = document.querySelector({json.dumps(GALLERY_IMAGE)});"
        " return [i.naturalWidth, i.naturalHeight, i.src.slice(0, 22)]; }"
    )
    # The file the server saved is the one shown: same pixels' size, and the app got it through
    # the host (resources/read), since the sandbox's URL is not reachable from a browser.
    saved = files(host.out, ".png")
    assert len(saved) == 1, saved
    with Image.open(saved[0]) as image:
        assert shown[:2] == [image.width, image.height]
    assert shown[2].startswith("data:image/")
    assert app.locator(action("animate")).is_visible()
    assert "credits" in app.locator(f"{CARD} .cost").first.text_content()

    shoot(page, screenshots, "1-image-in-gallery")


def test_a_video_task_shows_rising_progress_then_plays(page: Any, host: Host, screenshots: Path) -> None:
    answer = run_tool(page, "create_video", {"prompt": "waves rolling onto a beach", "wait_s": 0})
    handle = answer["result"]["structuredContent"]
    assert handle["status"] in ("submitted", "processing"), handle
    app = app_frame(page, answer["card"])
    app.wait_for_selector(PROGRESS, timeout=WAIT_MS)
    record_progress(app)
    shoot(page, screenshots, "2-video-task-following")

    facts = wait_until_playing(app)
    progress: list[float] = app.evaluate("() => window.__progress")
    # Rising: never down, more than one value, and seen between the ends (a live card, not a jump).
    assert progress == sorted(progress) and len(progress) >= 2, progress
    assert any(0 < value < 100 for value in progress), progress
    # The app followed the task itself: its get_task calls went through the host to the server.
    follows = [c for c in host.relay.calls if c["name"] == "get_task"]
    assert follows and all(c["arguments"]["task_id"] == handle["id"] for c in follows)
    # It plays the video the server saved: same length and size as the file on disk.
    saved = files(host.out, ".avi") + files(host.out, ".mp4")
    assert len(saved) == 1, saved
    on_disk = read_facts(saved[0])
    assert facts["error"] is None
    assert facts["duration"] == pytest.approx(on_disk.duration, abs=0.15)
    assert (facts["width"], facts["height"]) == (on_disk.width, on_disk.height)
    shoot(page, screenshots, "3-video-playing")


def test_animate_this_starts_a_video_task_from_the_image(page: Any, host: Host, screenshots: Path) -> None:
    answer = run_tool(page, "generate_image", {"prompt": "a red kite over green hills"})
    image_url = answer["result"]["structuredContent"]["data"][0]["url"]
    app = app_frame(page, answer["card"])
    button = app.locator(action("animate"))
    button.wait_for(timeout=WAIT_MS)
    assert "credits" in button.text_content()  # the estimate is shown before the click
    sent = len(host.relay.calls)
    button.click()
    # The new task appears in the app and is followed like the model's own.
    app.wait_for_selector(f"{CARD} .children section.card", timeout=WAIT_MS)
    calls = host.relay.calls[sent:]
    assert calls[0]["name"] == "create_video", calls
    assert calls[0]["arguments"]["input_image"] == image_url
    started = calls[0]["result"]["structuredContent"]
    # The app sends no wait_s, so a short sandbox task may finish within the call itself.
    assert not calls[0]["result"].get("isError") and started["status"] in (
        "submitted",
        "processing",
        "completed",
    )
    child = app.locator(f"{CARD} .children section.card").first
    assert child.get_attribute("data-status") in ("submitted", "processing", "completed")
    assert started["id"] in child.text_content()
    # Once it completes, the new video loads in a player under the image it animates.
    child_player = f"{CARD} .children {PLAYER}"
    app.wait_for_function(
        f"() => {{ const v = document.querySelector({json.dumps(child_player)});"
        " return v && v.readyState >= 2 && v.duration > 0; }",
        timeout=WAIT_MS,
    )
    shot = shoot(page, screenshots, "4-animate-started")
    # The README's picture: a gallery image, its paid actions with estimates, and the video made
    # from it. Refreshed on purpose only (the project's snapshot switch), so a run leaves git clean.
    if os.environ.get("PIXAPI_UPDATE_SNAPSHOTS") == "1":
        README_SHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, README_SHOT)


@pytest.fixture
def capped(browser: Any, host_bundle: Path, tmp_path: Path) -> Iterator[tuple[Any, Host]]:
    """A second server whose session may spend 3 credits: one 2-credit image, and nothing more."""
    for running in start_host(tmp_path, host_bundle, PIXAPI_MAX_CREDITS_PER_SESSION="3"):
        page = browser.new_page()
        page.goto(running.page_url)
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        try:
            yield page, running
        finally:
            page.close()


def test_a_refused_paid_action_shows_the_refusal(capped: tuple[Any, Host], screenshots: Path) -> None:
    page, host = capped
    answer = run_tool(page, "generate_image", {"prompt": "a paper boat"})
    assert not answer["result"].get("isError"), answer
    app = app_frame(page, answer["card"])
    app.locator(action("animate")).wait_for(timeout=WAIT_MS)
    sent = len(host.relay.calls)
    app.locator(action("animate")).click()
    notice = app.locator(f"{CARD} {REFUSAL}")
    notice.wait_for(timeout=WAIT_MS)
    # The server refused it (the app cannot get around the cap), and the app shows its words.
    calls = host.relay.calls[sent:]
    assert [c["name"] for c in calls] == ["create_video"]
    refusal = calls[0]["result"]
    assert refusal["isError"] is True
    words = refusal["content"][0]["text"]
    assert "PIXAPI_MAX_CREDITS_PER_SESSION" in words and "category: credit_cap" in words, words
    assert notice.text_content().strip() == words.strip()
    assert files(host.out, ".avi") + files(host.out, ".mp4") == []  # nothing was made
    shoot(page, screenshots, "5-refused")


def test_the_app_never_sees_the_token_or_the_key(page: Any, host: Host) -> None:
    run_tool(page, "generate_image", {"prompt": "a green apple"})
    app = app_frame(page, 0)
    app.wait_for_selector(GALLERY_IMAGE, timeout=WAIT_MS)
    proxy = page.locator("iframe.app-frame[data-card='0']").element_handle().content_frame()
    crossed = json.dumps(proxy.evaluate("() => window.__relayed")) + app.content()
    assert TOKEN not in crossed and "sk-sandbox" not in crossed
    csp = proxy.evaluate("() => window.__csp")
    assert "connect-src 'none'" in csp  # the app declares no network of its own
    assert proxy.evaluate("() => window.__sandbox") == "allow-scripts"
