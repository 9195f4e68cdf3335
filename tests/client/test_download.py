"""The key-less Downloader: files streamed into place (never overwriting, nothing left behind on
failure), the size cap, redirects with the URL guard at every hop, retries, and no key on any request."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import httpx2
import pytest

from pixapi_mcp.client import Download, Downloader, DownloadError, DownloadInterruptedError
from tests.client.recording import BASE, CDN, PNG, UA, Factory, error
from tests.conftest import CANARY_KEY


def chunked(*chunks: bytes, fail_after: int | None = None) -> Callable[[], AsyncIterator[bytes]]:
    async def gen() -> AsyncIterator[bytes]:
        for i, chunk in enumerate(chunks):
            if fail_after is not None and i == fail_after:
                raise httpx2.ReadError("connection reset mid-body")
            yield chunk

    return gen


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.anyio
async def test_download_streams_to_file_without_the_key(make: Factory, tmp_path: Path) -> None:
    h = make(httpx2.Response(200, content=PNG, headers={"content-type": "image/png; charset=binary"}))
    dest = tmp_path / "out" / "hero.png"
    result = await h.downloader.download(f"{CDN}/generated/image.png?sig=abc", dest, max_bytes=10_000)
    assert result == Download(path=dest, size=len(PNG), content_type="image/png")
    assert dest.read_bytes() == PNG
    assert leftovers(dest.parent) == ["hero.png"]
    (sent,) = h.recorder.requests
    assert sent.method == "GET" and str(sent.url) == f"{CDN}/generated/image.png?sig=abc"
    assert "authorization" not in sent.headers
    assert sent.headers["user-agent"] == UA


@pytest.mark.anyio
async def test_download_from_the_api_host_still_carries_no_key(make: Factory, tmp_path: Path) -> None:
    # Even a client whose defaults include the key (a misconfiguration) does not leak it.
    h = make(httpx2.Response(200, content=b"x"), http_headers={"Authorization": f"Bearer {CANARY_KEY}"})
    await h.downloader.download(f"{BASE}/files/x.png", tmp_path / "x.png", max_bytes=10)
    assert "authorization" not in h.recorder.requests[0].headers


@pytest.mark.parametrize("with_length", [True, False])
@pytest.mark.anyio
async def test_download_cap_is_enforced_and_partial_file_removed(
    make: Factory, tmp_path: Path, with_length: bool
) -> None:
    body = b"a" * 400
    answer = (
        httpx2.Response(200, content=body)
        if with_length
        else httpx2.Response(200, content=chunked(body[:100], body[100:200], body[200:])())
    )
    assert ("content-length" in answer.headers) is with_length
    h = make(answer)
    dest = tmp_path / "big.bin"
    with pytest.raises(DownloadError) as info:
        await h.downloader.download(f"{CDN}/big.bin", dest, max_bytes=150)
    assert not isinstance(info.value, DownloadInterruptedError)
    assert not info.value.retryable and info.value.category == "download"
    assert "150 byte limit" in str(info.value)
    assert leftovers(tmp_path) == []
    assert len(h.recorder.requests) == 1


@pytest.mark.anyio
async def test_download_rejects_early_on_content_length(make: Factory, tmp_path: Path) -> None:
    # The header alone decides: the (short) body is never read into the file.
    body_read: list[bool] = []

    async def body() -> AsyncIterator[bytes]:
        body_read.append(True)
        yield b"ab"

    h = make(httpx2.Response(200, headers={"Content-Length": "5000"}, content=body()))
    with pytest.raises(DownloadError, match="4096 byte limit"):
        await h.downloader.download(f"{CDN}/big.bin", tmp_path / "big.bin", max_bytes=4096)
    assert body_read == []
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_download_never_overwrites_an_existing_file(make: Factory, tmp_path: Path) -> None:
    dest = tmp_path / "keep.png"
    dest.write_bytes(b"precious")
    h = make()
    with pytest.raises(DownloadError) as info:
        await h.downloader.download(f"{CDN}/x.png", dest, max_bytes=100)
    assert isinstance(info.value.__cause__, FileExistsError)
    assert dest.read_bytes() == b"precious"
    assert h.recorder.requests == []


@pytest.mark.anyio
async def test_download_does_not_overwrite_a_file_created_meanwhile(make: Factory, tmp_path: Path) -> None:
    dest = tmp_path / "race.png"

    def answer(request: httpx2.Request) -> httpx2.Response:
        dest.write_bytes(b"someone else's")
        return httpx2.Response(200, content=PNG)

    h = make(answer)
    with pytest.raises(DownloadError) as info:
        await h.downloader.download(f"{CDN}/x.png", dest, max_bytes=10_000)
    assert isinstance(info.value.__cause__, FileExistsError)
    assert dest.read_bytes() == b"someone else's"
    assert leftovers(tmp_path) == ["race.png"]


def redirect(location: str, status: int = 302) -> httpx2.Response:
    return httpx2.Response(status, headers={"Location": location})


class Refused(Exception):
    pass


@pytest.mark.anyio
async def test_redirects_are_followed_with_the_guard_called_per_hop(make: Factory, tmp_path: Path) -> None:
    h = make(
        redirect("https://edge.test/a.png", 301),
        redirect("/b.png?x=1", 307),
        httpx2.Response(200, content=PNG, headers={"content-type": "image/png"}),
    )
    seen: list[str] = []

    async def guard(url: str) -> None:
        seen.append(url)

    result = await h.downloader.download(
        f"{CDN}/start.png", tmp_path / "r.png", max_bytes=10_000, url_guard=guard
    )
    assert seen == [f"{CDN}/start.png", "https://edge.test/a.png", "https://edge.test/b.png?x=1"]
    assert [str(r.url) for r in h.recorder.requests] == seen
    assert result.size == len(PNG)
    assert all("authorization" not in r.headers for r in h.recorder.requests)


@pytest.mark.anyio
async def test_a_refusing_guard_stops_the_redirect_chain(make: Factory, tmp_path: Path) -> None:
    h = make(redirect("http://169.254.169.254/latest/meta-data"))

    async def guard(url: str) -> None:
        if "169.254" in url:
            raise Refused(url)

    with pytest.raises(Refused):
        await h.downloader.download(f"{CDN}/start.png", tmp_path / "r.png", max_bytes=10_000, url_guard=guard)
    assert len(h.recorder.requests) == 1
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_a_refusing_guard_stops_before_the_first_request(make: Factory) -> None:
    h = make()

    async def guard(url: str) -> None:
        raise Refused(url)

    with pytest.raises(Refused):
        await h.downloader.fetch_bytes("https://internal.test/a.png", max_bytes=10, url_guard=guard)
    assert h.recorder.requests == []


@pytest.mark.anyio
async def test_too_many_redirects(make: Factory, tmp_path: Path) -> None:
    h = make(*[redirect(f"{CDN}/loop{i}") for i in range(6)])
    with pytest.raises(DownloadError, match="redirected more than 5 times"):
        await h.downloader.download(f"{CDN}/loop", tmp_path / "l.bin", max_bytes=10)
    assert len(h.recorder.requests) == 6
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://cdn.test/a.png", "data:image/png;base64,AAAA"])
@pytest.mark.anyio
async def test_only_http_urls_are_fetched(make: Factory, tmp_path: Path, url: str) -> None:
    h = make()
    with pytest.raises(DownloadError, match="Only http"):
        await h.downloader.download(url, tmp_path / "x.bin", max_bytes=10)
    with pytest.raises(DownloadError, match="Only http"):
        await h.downloader.fetch_bytes(url, max_bytes=10)
    assert h.recorder.requests == []
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_redirect_to_a_non_http_scheme_is_refused(make: Factory, tmp_path: Path) -> None:
    h = make(redirect("file:///etc/passwd"))
    with pytest.raises(DownloadError, match="Only http"):
        await h.downloader.download(f"{CDN}/a", tmp_path / "x.bin", max_bytes=10)
    assert len(h.recorder.requests) == 1


@pytest.mark.anyio
async def test_download_retries_passing_failures_and_restarts_cleanly(make: Factory, tmp_path: Path) -> None:
    h = make(
        error(503, text="", headers={"Retry-After": "2"}),
        # A longer failed attempt first: its bytes must not survive into the file.
        httpx2.Response(200, content=chunked(b"G" * 3000, b"never", fail_after=1)()),
        httpx2.ConnectError("refused"),
        httpx2.Response(200, content=chunked(PNG[:10], PNG[10:])()),
    )
    result = await h.downloader.download(f"{CDN}/a.png", tmp_path / "a.png", max_bytes=10_000)
    assert (tmp_path / "a.png").read_bytes() == PNG
    assert result.size == len(PNG)
    assert h.sleeps == [2.0, 1.0, 2.0]
    assert leftovers(tmp_path) == ["a.png"]


@pytest.mark.anyio
async def test_download_gives_up_after_retries(make: Factory, tmp_path: Path) -> None:
    h = make(*[error(502, text="")] * 3, max_retries=2)
    with pytest.raises(DownloadInterruptedError) as info:
        await h.downloader.download(f"{CDN}/a.png", tmp_path / "a.png", max_bytes=10_000)
    assert info.value.retryable and info.value.status == 502 and info.value.category == "download"
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_download_client_error_is_not_retried(make: Factory, tmp_path: Path) -> None:
    h = make(error(404, text="gone"))
    with pytest.raises(DownloadError) as info:
        await h.downloader.download(f"{CDN}/a.png?sig=secret", tmp_path / "a.png", max_bytes=10_000)
    assert info.value.status == 404 and not info.value.retryable
    assert "sig=secret" not in str(info.value)  # signed query strings stay out of messages
    assert len(h.recorder.requests) == 1 and h.sleeps == []


@pytest.mark.anyio
async def test_download_is_removed_when_cancelled(make: Factory, tmp_path: Path) -> None:
    scope = anyio.CancelScope()

    async def body() -> AsyncIterator[bytes]:
        yield b"first chunk"
        scope.cancel()  # cancelled mid-download, deterministically
        await anyio.sleep_forever()
        yield b"never"

    h = make(httpx2.Response(200, content=body()))
    with scope:
        await h.downloader.download(f"{CDN}/a.png", tmp_path / "a.png", max_bytes=10_000)
    assert scope.cancelled_caught
    assert leftovers(tmp_path) == []


@pytest.mark.anyio
async def test_fetch_bytes_follows_redirects_caps_and_carries_no_key(make: Factory) -> None:
    h = make(
        redirect(f"{CDN}/real.jpg"),
        httpx2.Response(200, content=b"\xff\xd8data", headers={"content-type": "IMAGE/JPEG"}),
        httpx2.Response(200, content=chunked(b"x" * 8, b"y" * 8)()),
    )
    seen: list[str] = []

    async def guard(url: str) -> None:
        seen.append(url)

    data, content_type = await h.downloader.fetch_bytes(f"{CDN}/in.jpg", max_bytes=100, url_guard=guard)
    assert (data, content_type) == (b"\xff\xd8data", "image/jpeg")
    assert seen == [f"{CDN}/in.jpg", f"{CDN}/real.jpg"]
    with pytest.raises(DownloadError, match="10 byte limit"):
        await h.downloader.fetch_bytes(f"{CDN}/big", max_bytes=10)
    assert all("authorization" not in r.headers for r in h.recorder.requests)


@pytest.mark.anyio
async def test_the_downloader_is_never_given_the_key(make: Factory) -> None:
    """Its constructor takes no key, and the client's own downloader holds a pool, a retry policy,
    a timeout and the address-checked pool for URL inputs: nothing that is or carries the key."""
    assert not {"api_key", "key", "headers", "auth"} & set(inspect.signature(Downloader).parameters)
    h = make()
    state = vars(h.downloader)
    assert set(state) == {"_http", "_retry", "_timeout", "_checked"}
    assert all(CANARY_KEY not in repr(value) for value in state.values())
    assert "authorization" not in state["_http"].headers
