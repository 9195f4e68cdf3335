"""Settings: built from an explicit environment mapping, overrides win, malformed values name their
variable, and the key never shows unless explicitly revealed."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from pixapi_mcp.config import DEFAULT_BASE_URL, Settings, SettingsError
from tests.conftest import CANARY_KEY


def test_defaults(tmp_path: Path) -> None:
    s = Settings.from_env({"HOME": str(tmp_path)})
    assert DEFAULT_BASE_URL == "https://api.pixapi.ai"
    assert s.base_url == "https://api.pixapi.ai"
    assert s.api_key is None and s.key_value() is None
    assert s.mcp_token is None
    assert s.output_dir is None
    assert s.allowed_dirs == ()
    assert (s.connect_timeout_s, s.request_timeout_s, s.tool_deadline_s) == (10.0, 120.0, 45.0)
    assert s.tool_deadline_s < 60  # inside the ~60 s hosts give a tool call
    assert s.max_download_mb == 512 and s.max_download_bytes == 512 * 1024 * 1024
    assert (s.allow_private_urls, s.sandbox, s.read_only) == (False, False, False)
    assert s.log_level == "INFO"
    assert s.ledger_path == s.data_dir / "ledger.sqlite3"
    assert s.default_output_dir == s.data_dir / "outputs"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are the Linux convention")
def test_default_folders_follow_xdg(tmp_path: Path) -> None:
    s = Settings.from_env({"HOME": str(tmp_path)})
    assert s.data_dir == tmp_path / ".local/share/pixapi-mcp"
    assert s.cache_dir == tmp_path / ".cache/pixapi-mcp"
    x = Settings.from_env(
        {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CACHE_HOME": str(tmp_path / "c")}
    )
    assert (x.data_dir, x.cache_dir) == (tmp_path / "d/pixapi-mcp", tmp_path / "c/pixapi-mcp")


def test_from_env_reads_every_variable(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    s = Settings.from_env(
        {
            "HOME": str(tmp_path),
            "PIXAPI_KEY": f"  {CANARY_KEY}  ",
            "PIXAPI_BASE_URL": "http://127.0.0.1:8787/",
            "PIXAPI_OUTPUT_DIR": str(tmp_path / "out"),
            "PIXAPI_DATA_DIR": str(tmp_path / "data"),
            "PIXAPI_CACHE_DIR": str(tmp_path / "cache"),
            "PIXAPI_ALLOWED_DIRS": f"{a}{os.pathsep}{b}{os.pathsep}",
            "PIXAPI_MCP_TOKEN": "tok-123",
            "PIXAPI_CONNECT_TIMEOUT_S": "2.5",
            "PIXAPI_REQUEST_TIMEOUT_S": "30",
            "PIXAPI_TOOL_DEADLINE_S": "20",
            "PIXAPI_MAX_DOWNLOAD_MB": "64",
            "PIXAPI_ALLOW_PRIVATE_URLS": "true",
            "PIXAPI_LOG_LEVEL": "debug",
        }
    )
    assert s.key_value() == CANARY_KEY
    assert s.base_url == "http://127.0.0.1:8787"
    assert s.output_dir == tmp_path / "out" and s.default_output_dir == tmp_path / "out"
    assert (s.data_dir, s.cache_dir) == (tmp_path / "data", tmp_path / "cache")
    assert s.allowed_dirs == (a, b)
    assert s.mcp_token is not None and s.mcp_token.get_secret_value() == "tok-123"
    assert (s.connect_timeout_s, s.request_timeout_s, s.tool_deadline_s) == (2.5, 30.0, 20.0)
    assert s.max_download_bytes == 64 * 1024 * 1024
    assert s.allow_private_urls is True
    assert s.log_level == "DEBUG"


def test_blank_values_count_as_unset(tmp_path: Path) -> None:
    s = Settings.from_env(
        {"HOME": str(tmp_path), "PIXAPI_KEY": "   ", "PIXAPI_BASE_URL": "", "PIXAPI_TOOL_DEADLINE_S": " "}
    )
    assert s.api_key is None
    assert s.base_url == DEFAULT_BASE_URL
    assert s.tool_deadline_s == 45.0


def test_overrides_win_over_variables(make_settings: Callable[..., Settings]) -> None:
    s = make_settings(
        {
            "PIXAPI_BASE_URL": "https://proxy.example",
            "PIXAPI_TOOL_DEADLINE_S": "30",
            "PIXAPI_KEY": "from-env",
        },
        base_url="http://127.0.0.1:9000",
        tool_deadline_s=10,
        read_only=True,
        api_key=CANARY_KEY,
        output_dir=None,  # None means "not given": the variable stays
    )
    assert s.base_url == "http://127.0.0.1:9000"
    assert s.tool_deadline_s == 10.0
    assert s.read_only is True
    assert s.key_value() == CANARY_KEY
    assert s.output_dir is not None and s.output_dir.name == "out"


def test_with_overrides_revalidates_and_keeps_the_key(make_settings: Callable[..., Settings]) -> None:
    s = make_settings({"PIXAPI_KEY": CANARY_KEY})
    t = s.with_overrides(sandbox=True, base_url="http://127.0.0.1:8787/")
    assert t.sandbox and t.base_url == "http://127.0.0.1:8787"
    assert t.key_value() == CANARY_KEY
    assert s.sandbox is False  # the original is untouched
    with pytest.raises(ValidationError):
        s.with_overrides(tool_deadline_s=0)
    with pytest.raises(ValidationError):
        s.with_overrides(no_such_setting=1)


def test_settings_are_frozen(make_settings: Callable[..., Settings]) -> None:
    s = make_settings()
    with pytest.raises(ValidationError):
        s.read_only = True  # type: ignore[misc]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PIXAPI_TOOL_DEADLINE_S", "abc"),
        ("PIXAPI_TOOL_DEADLINE_S", "0"),
        ("PIXAPI_TOOL_DEADLINE_S", "99999"),
        ("PIXAPI_CONNECT_TIMEOUT_S", "-1"),
        ("PIXAPI_REQUEST_TIMEOUT_S", "soon"),
        ("PIXAPI_MAX_DOWNLOAD_MB", "lots"),
        ("PIXAPI_MAX_DOWNLOAD_MB", "1.5"),
        ("PIXAPI_MAX_DOWNLOAD_MB", "0"),
        ("PIXAPI_BASE_URL", "ftp://api.pixapi.ai"),
        ("PIXAPI_BASE_URL", "api.pixapi.ai"),
        ("PIXAPI_ALLOW_PRIVATE_URLS", "maybe"),
        ("PIXAPI_LOG_LEVEL", "verbose"),
        ("PIXAPI_SANDBOX_IMAGE_TASK_S", "-1"),
        ("PIXAPI_SANDBOX_VIDEO_TASK_S", "long"),
        ("PIXAPI_ROOTS_TIMEOUT_S", "0"),
        ("PIXAPI_ROOTS_TIMEOUT_S", "soon"),
    ],
)
def test_malformed_values_raise_settings_error_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    env = {"HOME": str(tmp_path), "PIXAPI_KEY": CANARY_KEY, variable: value}
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    message = str(info.value)
    assert variable in message
    assert CANARY_KEY not in message
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no pydantic dump attached


def test_several_problems_are_all_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(
            {"HOME": str(tmp_path), "PIXAPI_TOOL_DEADLINE_S": "abc", "PIXAPI_MAX_DOWNLOAD_MB": "x"}
        )
    assert "PIXAPI_TOOL_DEADLINE_S" in str(info.value) and "PIXAPI_MAX_DOWNLOAD_MB" in str(info.value)


def test_bad_override_is_named_by_its_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PIXAPI_TOOL_DEADLINE_S"):
        Settings.from_env({"HOME": str(tmp_path)}, tool_deadline_s=-5)


def test_canary_key_is_hidden_unless_revealed(make_settings: Callable[..., Settings]) -> None:
    s = make_settings({"PIXAPI_KEY": CANARY_KEY, "PIXAPI_MCP_TOKEN": CANARY_KEY + "-mcp"})
    for text in (
        repr(s),
        str(s),
        s.model_dump_json(),
        json.dumps(s.model_dump(mode="json")),
        f"{s}",
        f"{s!r}",
    ):
        assert CANARY_KEY not in text
    assert isinstance(s.api_key, SecretStr)
    assert CANARY_KEY not in str(s.api_key) and CANARY_KEY not in repr(s.api_key)
    # Only an explicit reveal gives the value.
    assert s.key_value() == CANARY_KEY
    assert s.api_key.get_secret_value() == CANARY_KEY
    assert s.mcp_token is not None and s.mcp_token.get_secret_value() == CANARY_KEY + "-mcp"


def test_http_allow_lists_are_parsed(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        {
            "PIXAPI_MCP_ALLOWED_HOSTS": "mcp.example.com:8000, ,10.0.0.5",
            "PIXAPI_MCP_ALLOWED_ORIGINS": "https://app.example",
        }
    )
    assert settings.mcp_allowed_hosts == ("mcp.example.com:8000", "10.0.0.5")
    assert settings.mcp_allowed_origins == ("https://app.example",)


def test_sandbox_task_durations_come_from_the_environment_or_stay_the_sandbox_defaults(
    tmp_path: Path,
) -> None:
    unset = Settings.from_env({"HOME": str(tmp_path)})
    assert (unset.sandbox_image_task_s, unset.sandbox_video_task_s) == (None, None)
    env = {"HOME": str(tmp_path), "PIXAPI_SANDBOX_IMAGE_TASK_S": "0", "PIXAPI_SANDBOX_VIDEO_TASK_S": "1.5"}
    s = Settings.from_env(env)
    assert (s.sandbox_image_task_s, s.sandbox_video_task_s) == (0.0, 1.5)
    flagged = Settings.from_env(env, sandbox_video_task_s=0.25)  # a flag wins over the variable
    assert (flagged.sandbox_image_task_s, flagged.sandbox_video_task_s) == (0.0, 0.25)


def test_roots_timeout_is_a_few_seconds_unless_set(tmp_path: Path) -> None:
    assert Settings.from_env({"HOME": str(tmp_path)}).roots_timeout_s == 3.0
    assert Settings.from_env({"HOME": str(tmp_path), "PIXAPI_ROOTS_TIMEOUT_S": "0.5"}).roots_timeout_s == 0.5


# -- PIXAPI_KEY values that are no key -----------------------------------------------------------

NOT_KEYS = [
    ("<your-pixapi-key>", "placeholder"),
    ("sk-...", "placeholder"),
    ("sk-\u2026", "placeholder"),
    ("your_key_here", "placeholder"),
    ("YOUR_API_KEY", "placeholder"),
    ("sk-xxxxxxxx", "placeholder"),
    ("${PIXAPI_KEY}", "did not expand"),
    ("$PIXAPI_KEY", "did not expand"),
    ("${env:PIXAPI_KEY}", "did not expand"),
    ("${input:pixapi-key}", "did not expand"),
    ("%PIXAPI_KEY%", "did not expand"),
    (f'"{CANARY_KEY}"', "quotes"),
    (f"Bearer {CANARY_KEY}", "Bearer"),
]


@pytest.mark.parametrize(("value", "why"), NOT_KEYS)
def test_placeholder_and_unexpanded_keys_are_no_key(tmp_path: Path, value: str, why: str) -> None:
    settings = Settings.from_env({"HOME": str(tmp_path), "PIXAPI_KEY": value})
    problem = settings.key_problem()
    assert problem is not None and why in problem and problem.startswith("PIXAPI_KEY ")
    assert CANARY_KEY not in problem  # a real key with a slip around it is never echoed
    assert settings.key_value() is None  # so nothing ever sends it


@pytest.mark.parametrize("value", [CANARY_KEY, "sk-sandbox", "pk_live_9aXbYcZ", "sk-proj-AbCxXxX1"])
def test_real_looking_keys_pass(tmp_path: Path, value: str) -> None:
    settings = Settings.from_env({"HOME": str(tmp_path), "PIXAPI_KEY": value})
    assert settings.key_problem() is None and settings.key_value() == value


@pytest.mark.anyio
async def test_the_server_starts_with_a_placeholder_key_and_refuses_paid_calls_naming_it(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    import httpx2
    from mcp.client import Client

    from pixapi_mcp.server import build_server
    from tests.client.recording import BASE, MODELS, ok

    sent: list[httpx2.Request] = []

    def api(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return ok(MODELS)

    settings = make_settings({"PIXAPI_KEY": "${PIXAPI_KEY}"}, base_url=BASE)
    with caplog.at_level("WARNING"):
        async with (
            httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http,
            Client(build_server(settings, http)) as client,
        ):
            result = await client.call_tool("generate_image", {"prompt": "fox", "sync": True})
            docs = await client.call_tool("search_docs", {"query": "video duration"})
    text = "\n".join(getattr(b, "text", "") for b in result.content)
    assert result.is_error and "PIXAPI_KEY is the text '${PIXAPI_KEY}'" in text and "category: auth" in text
    assert not docs.is_error  # the free tools still work
    assert any("PIXAPI_KEY" in r.getMessage() and "did not expand" in r.getMessage() for r in caplog.records)
    assert all("${PIXAPI_KEY}" not in r.headers.get("authorization", "") for r in sent)
    assert not [r for r in sent if r.method == "POST"]


# A key no HTTP header can carry: controls, DEL, line breaks, non-ASCII text. The HTTP library's own
# refusal ("Illegal header value b'Bearer sk-...'") would quote it whole.
UNSENDABLE_KEYS = [
    f"{CANARY_KEY}\x00",
    f"{CANARY_KEY[:10]}\x1f{CANARY_KEY[10:]}",
    f"{CANARY_KEY}\x7f",
    f"{CANARY_KEY}\u00e9",
    f"{CANARY_KEY[:10]}\r{CANARY_KEY[10:]}",
    f"{CANARY_KEY}\r\nX-Evil:1",
]


@pytest.mark.parametrize("value", UNSENDABLE_KEYS)
def test_a_key_no_header_can_carry_is_refused_naming_the_variable_never_the_key(
    tmp_path: Path, value: str
) -> None:
    for settings in (
        Settings.from_env({"HOME": str(tmp_path), "PIXAPI_KEY": value}),
        Settings(api_key=SecretStr(value), data_dir=tmp_path, cache_dir=tmp_path),
    ):
        problem = settings.key_problem()
        assert problem is not None and problem.startswith("PIXAPI_KEY "), problem
        assert CANARY_KEY[4:12] not in problem
        assert settings.key_value() is None


def test_a_key_with_a_trailing_line_break_is_sent_without_it(tmp_path: Path) -> None:
    """A key pasted from a file keeps its newline; the value sent is the key alone."""
    settings = Settings(api_key=SecretStr(f"{CANARY_KEY}\r\n"), data_dir=tmp_path, cache_dir=tmp_path)
    assert settings.key_problem() is None and settings.key_value() == CANARY_KEY


@pytest.mark.anyio
@pytest.mark.parametrize("value", UNSENDABLE_KEYS[::2])
async def test_the_client_never_sends_a_key_no_header_can_carry(value: str) -> None:
    """Even handed such a key directly, over a real socket, the client sends nothing and says why
    without echoing it, as a refusal that was never sent (no "may have been processed")."""
    import httpx2

    from pixapi_mcp.client import MissingKeyError, PixapiClient
    from pixapi_mcp.contract import ImageGenerationRequest
    from pixapi_mcp.sandbox import SandboxConfig, running_sandbox

    with running_sandbox(SandboxConfig()) as sandbox:
        async with httpx2.AsyncClient() as http:
            client = PixapiClient(http, base_url=sandbox.base_url, api_key=value, max_retries=0)
            with pytest.raises(MissingKeyError) as info:
                await client.create_image(ImageGenerationRequest(model="nano-banana", prompt="p"))
            assert not client.has_key
        assert not sandbox.state.requests
    error = info.value
    assert error.sent is False and "PIXAPI_KEY" in str(error)
    assert CANARY_KEY[4:12] not in f"{error} {error!r} {error.to_dict()}"


@pytest.mark.anyio
async def test_the_server_starts_with_an_unsendable_key_and_refuses_paid_calls_naming_it(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    import httpx2
    from mcp.client import Client

    from pixapi_mcp.server import build_server
    from tests.client.recording import BASE, MODELS, ok

    sent: list[httpx2.Request] = []

    def api(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return ok(MODELS)

    settings = make_settings({"PIXAPI_KEY": f"{CANARY_KEY}\x00"}, base_url=BASE)
    with caplog.at_level("WARNING"):
        async with (
            httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http,
            Client(build_server(settings, http)) as client,
        ):
            result = await client.call_tool("generate_image", {"prompt": "fox", "sync": True})
            tasks = await client.call_tool("list_tasks", {})
            docs = await client.call_tool("search_docs", {"query": "video duration"})
    text = "\n".join(getattr(b, "text", "") for b in result.content)
    assert result.is_error and "PIXAPI_KEY contains a character" in text and "category: auth" in text
    assert not docs.is_error  # the free tools still work
    assert "task_" not in json.dumps(tasks.structured_content)  # nothing was recorded as sent
    assert any("PIXAPI_KEY contains a character" in r.getMessage() for r in caplog.records)
    assert not sent  # no request carried it, not even the model list
    assert CANARY_KEY not in text + caplog.text


def test_money_settings(tmp_path: Path) -> None:
    """The video estimate and the confirmation bound: defaults, variables, and refusals that name
    the variable (a zero estimate would make videos free; a zero bound would never ask)."""
    s = Settings.from_env({"HOME": str(tmp_path)})
    assert (s.video_credits_estimate, s.confirm_timeout_s) == (20.0, 30.0)
    assert s.video_credits_estimate > 8  # above every documented image price (shared/seeds)
    assert s.confirm_timeout_s < s.tool_deadline_s  # a host still hears back within its own limit
    s = Settings.from_env(
        {"HOME": str(tmp_path), "PIXAPI_VIDEO_CREDITS_ESTIMATE": "35.5", "PIXAPI_CONFIRM_TIMEOUT_S": "120"}
    )
    assert (s.video_credits_estimate, s.confirm_timeout_s) == (35.5, 120.0)
    for variable, value in [
        ("PIXAPI_VIDEO_CREDITS_ESTIMATE", "0"),
        ("PIXAPI_VIDEO_CREDITS_ESTIMATE", "cheap"),
        ("PIXAPI_CONFIRM_TIMEOUT_S", "0"),
        ("PIXAPI_CONFIRM_TIMEOUT_S", "99999"),
    ]:
        with pytest.raises(SettingsError, match=variable):
            Settings.from_env({"HOME": str(tmp_path), variable: value})


def test_identity_settings_are_read_and_checked(make_settings: Callable[..., Settings]) -> None:
    s = make_settings(
        {
            "PIXAPI_MCP_ISSUER": "https://tenant.auth.example/",
            "PIXAPI_MCP_PUBLIC_URL": "https://mcp.example.com/mcp/",
            "PIXAPI_MCP_SCOPES": "pixapi:use, pixapi:video  extra",
            "PIXAPI_MCP_RATE_PER_MINUTE": "120",
        }
    )
    # The issuer is compared as an exact string (it keeps its slash); this server's URL is normalised.
    assert (
        s.mcp_issuer == "https://tenant.auth.example/" and s.mcp_public_url == "https://mcp.example.com/mcp"
    )
    assert s.mcp_scopes == ("pixapi:use", "pixapi:video", "extra") and s.mcp_rate_per_minute == 120
    assert s.tokens_path == s.data_dir / "tokens.json"
    local = make_settings(
        {"PIXAPI_MCP_ISSUER": "http://127.0.0.1:9000", "PIXAPI_MCP_PUBLIC_URL": "http://localhost:8000"}
    )
    assert local.mcp_issuer == "http://127.0.0.1:9000"
    for env, named in [
        ({"PIXAPI_MCP_ISSUER": "https://id.example"}, "PIXAPI_MCP_PUBLIC_URL"),
        ({"PIXAPI_MCP_PUBLIC_URL": "https://mcp.example"}, "PIXAPI_MCP_ISSUER"),
        ({"PIXAPI_MCP_SCOPES": "a"}, "PIXAPI_MCP_ISSUER"),
        (
            {"PIXAPI_MCP_ISSUER": "http://id.example", "PIXAPI_MCP_PUBLIC_URL": "https://m.example"},
            "PIXAPI_MCP_ISSUER",
        ),
        (
            {"PIXAPI_MCP_ISSUER": "https://id.example", "PIXAPI_MCP_PUBLIC_URL": "https://m.example#x"},
            "PIXAPI_MCP_PUBLIC_URL",
        ),
        ({"PIXAPI_MCP_RATE_PER_MINUTE": "-1"}, "PIXAPI_MCP_RATE_PER_MINUTE"),
    ]:
        with pytest.raises(SettingsError, match=named):
            make_settings(env)
