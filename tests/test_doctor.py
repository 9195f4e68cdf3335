"""``pixapi-mcp doctor``: a failed check shows its cause and the variable to change, placeholder and
unexpanded keys are flagged and never sent, misspelt variables are named, and no fix points to
``--help`` (which lists no variables)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import httpx2
import pytest

from pixapi_mcp.cli import main
from pixapi_mcp.config import Settings
from pixapi_mcp.doctor import _api_checks  # pyright: ignore[reportPrivateUsage]
from pixapi_mcp.ledger.postgres import SCHEMA_VERSION, PostgresLedger
from tests.client.recording import BASE, MODELS, ok
from tests.pg_server import PostgresCluster

PLACEHOLDERS = [
    "<your-pixapi-key>",
    "sk-...",
    "your_key_here",
    "YOUR_PIXAPI_KEY",
    "${PIXAPI_KEY}",
    "$PIXAPI_KEY",
    "${env:PIXAPI_KEY}",
    "${input:pixapi-key}",
    "%PIXAPI_KEY%",
]


def _doctor(tmp_path: Path, **env: str) -> tuple[int, str]:
    lines: list[str] = []
    base = {
        "HOME": str(tmp_path),
        "PIXAPI_DATA_DIR": str(tmp_path / "data"),
        "PIXAPI_OUTPUT_DIR": str(tmp_path / "out"),
    }
    base.update(env)
    code = main(["doctor"], {k: v for k, v in base.items() if v}, out=lines.append)
    text = "\n".join(lines)
    assert "--help" not in text  # --help lists no variables; fixes name them instead
    return code, text


class Recorder:
    def __init__(self, answer: Callable[[httpx2.Request], httpx2.Response]) -> None:
        self.answer = answer
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.answer(request)


@pytest.mark.parametrize("value", PLACEHOLDERS)
@pytest.mark.anyio
async def test_a_placeholder_key_is_flagged_and_never_sent(
    make_settings: Callable[..., Settings], value: str
) -> None:
    settings = make_settings({"PIXAPI_KEY": value}, base_url=BASE)
    api = Recorder(lambda _: ok(MODELS))
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http:
        checks = await _api_checks(settings, http)
    key = next(c for c in checks if c.name == "PIXAPI_KEY")
    assert key.level == "fail" and "not a key" in key.detail and "PIXAPI_KEY" in key.fix
    assert all(value not in r.headers.get("authorization", "") for r in api.requests)
    assert [r.headers["authorization"] for r in api.requests] == ["Bearer sk-doctor-no-key"]


def test_doctor_exits_1_on_an_unexpanded_key(tmp_path: Path) -> None:
    code, text = _doctor(tmp_path, PIXAPI_KEY="${PIXAPI_KEY}", PIXAPI_BASE_URL="http://127.0.0.1:9")
    assert code == 1
    assert "[FAIL] PIXAPI_KEY: PIXAPI_KEY is the text '${PIXAPI_KEY}'" in text and "did not expand" in text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("answer", "cause", "fix"),
    [
        (lambda r: httpx2.Response(404, text="<html>Not Found</html>"), "HTTP 404", "PIXAPI_BASE_URL"),
        (lambda r: httpx2.Response(200, text="<html>a web page</html>"), "bad_response", "PIXAPI_BASE_URL"),
    ],
)
async def test_a_failed_probe_shows_its_cause(
    make_settings: Callable[..., Settings],
    answer: Callable[[httpx2.Request], httpx2.Response],
    cause: str,
    fix: str,
) -> None:
    settings = make_settings({"PIXAPI_KEY": "sk-live-1"}, base_url=BASE)
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(Recorder(answer))) as http:
        checks = await _api_checks(settings, http)
    reach = next(c for c in checks if c.name == "reachability")
    assert reach.level == "fail" and cause in reach.detail and fix in reach.fix


def test_an_unreachable_api_shows_the_connection_error(tmp_path: Path) -> None:
    code, text = _doctor(tmp_path, PIXAPI_BASE_URL="http://127.0.0.1:9")  # discard port: refused
    line = next(line for line in text.splitlines() if line.startswith("[FAIL] reachability"))
    assert code == 1 and "Could not connect" in line and "127.0.0.1:9" in line
    assert "PIXAPI_BASE_URL" in text


@pytest.mark.parametrize("configured", [True, False])
def test_an_unwritable_output_folder_names_the_variable(tmp_path: Path, configured: bool) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    if configured:
        env = {"PIXAPI_OUTPUT_DIR": str(blocked / "out")}
    else:
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "outputs").write_text("a file where the default folder goes")
        env = {"PIXAPI_OUTPUT_DIR": ""}
    code, text = _doctor(tmp_path, PIXAPI_BASE_URL="http://127.0.0.1:9", **env)
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("[FAIL] output folder"))
    assert code == 1
    assert ("from PIXAPI_OUTPUT_DIR" if configured else "from PIXAPI_DATA_DIR") in lines[index]
    assert "Set PIXAPI_OUTPUT_DIR" in lines[index + 1] and "Configuration" in lines[index + 1]


def test_a_misspelt_variable_is_named_with_the_right_one(tmp_path: Path) -> None:
    _, text = _doctor(
        tmp_path, PIXAPI_API_KEY="sk-x", PIXAPI_OUTPUT_DIRS="/tmp", PIXAPI_BASE_URL="http://127.0.0.1:9"
    )
    assert "[warn] PIXAPI_API_KEY: is not a pixapi-mcp setting" in text and "did you mean PIXAPI_KEY?" in text
    assert "did you mean PIXAPI_OUTPUT_DIR?" in text
    # Known variables are not flagged.
    assert "[warn] PIXAPI_BASE_URL" not in text and "[warn] PIXAPI_DATA_DIR" not in text


def test_doctor_reports_the_identity_mode_and_the_ledger_backend_without_secrets(tmp_path: Path) -> None:
    """Before sharing a server an operator sees who it lets in and which ledger it keeps; the
    database password and the shared token are never printed."""
    _, text = _doctor(tmp_path, PIXAPI_MCP_TOKEN="shared-secret-xyz")
    assert "HTTP identity: the shared PIXAPI_MCP_TOKEN" in text and "shared-secret-xyz" not in text
    assert f"ledger: SQLite at {tmp_path / 'data' / 'ledger.sqlite3'}" in text

    assert (
        main(
            ["token", "create", "ada"],
            environ={"HOME": str(tmp_path), "PIXAPI_DATA_DIR": str(tmp_path / "data")},
            out=lambda _: None,
        )
        == 0
    )
    _, text = _doctor(
        tmp_path,
        PIXAPI_MCP_RATE_PER_MINUTE="30",
        PIXAPI_LEDGER_URL="postgresql://pix:db-password-42@127.0.0.1:1/pixapi",
    )
    assert "HTTP identity: named tokens: 1 in" in text
    assert "rate limit: 30 requests a minute per caller, counted by each process" in text
    assert "[FAIL] ledger: PostgreSQL at postgresql://pix:***@127.0.0.1:1/pixapi" in text
    assert "cannot be reached" in text and "db-password-42" not in text

    (tmp_path / "data" / "tokens.json").write_text("{damaged")
    code, text = _doctor(tmp_path)
    assert code == 1 and "[FAIL] HTTP identity: named tokens, but cannot read" in text

    _, text = _doctor(
        tmp_path,
        PIXAPI_MCP_ISSUER="https://id.example",
        PIXAPI_MCP_PUBLIC_URL="https://mcp.example/mcp",
        PIXAPI_MCP_SCOPES="pixapi:use",
    )
    assert "HTTP identity: OAuth 2.1: tokens of https://id.example for https://mcp.example/mcp" in text
    assert "scopes: pixapi:use" in text


def test_doctor_reaches_the_postgresql_ledger_and_reads_its_schema_changing_nothing(
    tmp_path: Path, postgres: PostgresCluster, pg_url: str
) -> None:
    dbname = pg_url.rsplit("/", 1)[1]
    code, text = _doctor(tmp_path, PIXAPI_LEDGER_URL=pg_url)
    assert "ledger: PostgreSQL at postgresql://pixapi_test:***@127.0.0.1:" in text
    assert "reachable, empty: the first server start creates its tables" in text
    assert postgres.password not in text
    assert postgres.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", dbname) == "0"

    async def start_once() -> None:  # what a server's start does: create and migrate
        store = PostgresLedger(pg_url)
        assert await store.start() is None
        await store.aclose()

    anyio.run(start_once)
    _, text = _doctor(tmp_path, PIXAPI_LEDGER_URL=pg_url)
    assert f"reachable, schema version {SCHEMA_VERSION}" in text

    code, text = _doctor(tmp_path, PIXAPI_LEDGER_URL=pg_url.replace(postgres.password, "not-it"))
    assert code == 1 and "[FAIL] ledger:" in text and "password authentication failed" in text
    assert "not-it" not in text and postgres.password not in text
