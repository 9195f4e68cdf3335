"""Settings: one immutable object built from an explicit environment mapping.

``Settings.from_env(os.environ)`` is called once, in ``cli.main()``; tests pass their own mapping,
so nothing here reads the process environment on its own and nothing needs monkeypatching.
The API key is a ``SecretStr``: it never shows in ``repr()``, ``str()``, logs or error text.

Why this module is long: every setting is declared here once, with its variable name, default,
check and the help text the README's configuration table is generated from (some forty settings
across the API, files, money, HTTP identity and replicas); split by topic, the one name map and
the checks that span topics (an issuer needs a public URL) would have to be stitched back.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

DEFAULT_BASE_URL = "https://api.pixapi.ai"
APP_DIR_NAME = "pixapi-mcp"
# Hosts such as Claude Desktop give a tool call about 60 s; stay well inside that.
DEFAULT_TOOL_DEADLINE_S = 45.0
# Answering roots/list is a local lookup for a host; one that has not answered in a few seconds
# never will (some never do), and a tool call must not wait on it.
DEFAULT_ROOTS_TIMEOUT_S = 3.0
# Pixapi's captured docs price no video (shared/seeds give prices per image only; the task
# example's credits_cost 1.5 is a placeholder). Counted per video until the API reports the charge:
# 2.5 times the dearest documented image (8), so a video never passes as cheap, and equal to the
# default confirmation threshold, so a guess does not make every video a two-call affair on hosts
# without a confirmation dialog; a lower threshold or cap catches it. Set it from your pricing page.
DEFAULT_VIDEO_CREDITS_ESTIMATE = 20.0
# A spend confirmation is a person reading one yes/no question. Hosts give a whole tool call about
# 60 s and do not extend it while a dialog is open, so waiting longer than this would only let the
# host give up first; the time spent asking comes out of the tool deadline's waiting budget.
DEFAULT_CONFIRM_TIMEOUT_S = 30.0

# The request-state codec (the SDK's AES-256-GCM, HKDF-derived) wants 32 bytes of secret randomness.
MIN_STATE_KEY_BYTES = 32

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable to fix."""


# -- PIXAPI_KEY values that are no key ---------------------------------------------------------

# What hosts leave in PIXAPI_KEY when a snippet was pasted but not filled in, or when they do not
# expand the variable syntax they were given: `${PIXAPI_KEY}` (Claude Code's .mcp.json syntax, taken
# literally by Claude Desktop), `${env:PIXAPI_KEY}` (Cursor / VS Code), `$PIXAPI_KEY` (a shell
# line pasted as is), `%PIXAPI_KEY%` (Windows cmd).
_UNEXPANDED = re.compile(r"^\$\{[^}]*\}$|^\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$")
# `<your-pixapi-key>`, `sk-...`, `your_key_here`, `YOUR_API_KEY`, `sk-xxxx`, `changeme`.
_PLACEHOLDER = re.compile(
    r"^<.*>$|\.\.\.|\u2026|your[\s_-]*(pixapi[\s_-]*)?(api[\s_-]*)?key|(^|[-_])x{4,}$|^changeme$|^placeholder$",
    re.IGNORECASE,
)
KEY_FIX = (
    "Set PIXAPI_KEY to the key itself (from the Pixapi dashboard) in the host's MCP configuration, "
    "or use a syntax the host expands (Claude Code .mcp.json: ${PIXAPI_KEY}; Cursor: "
    '${env:PIXAPI_KEY}; Codex: env_vars = ["PIXAPI_KEY"]; VS Code: ${input:pixapi-key}) with '
    "PIXAPI_KEY exported where the host starts; then restart the server."
)


def key_problem(value: str) -> str | None:
    """Why ``value`` (a ``PIXAPI_KEY``) cannot be a Pixapi key, in a sentence naming the variable;
    None when it may be one. Placeholders and variable references are quoted (they are no secret);
    a real key with a slip around it (quotes, a ``Bearer`` prefix, spaces) is never shown."""
    text = value.strip()
    if _UNEXPANDED.match(text) or text.startswith(("${", "$env:")):
        return (
            f"PIXAPI_KEY is the text {text[:40]!r}, a variable reference the host did not expand, not a key"
        )
    if _PLACEHOLDER.search(text):
        return f"PIXAPI_KEY is the placeholder {text[:40]!r}, not a key"
    if text[:1] in "\"'" and text[-1:] == text[:1]:
        return "PIXAPI_KEY is wrapped in quotes; set the key without them"
    if re.match(r"bearer\s", text, re.IGNORECASE):
        return "PIXAPI_KEY starts with 'Bearer'; set only the key (the server adds 'Bearer ')"
    if any(ch.isspace() for ch in text):
        return "PIXAPI_KEY contains spaces or line breaks; set the key as one word"
    return header_problem(text)


def header_problem(key: str) -> str | None:
    """Why ``key`` cannot travel in an ``Authorization`` header, naming ``PIXAPI_KEY`` and never
    showing the key; None when it can.

    A header value is visible ASCII (RFC 9110 section 5.5; a Bearer token is narrower still,
    RFC 6750 section 2.1). Anything else fails inside the HTTP library, whose error quotes the
    whole header, the key in it, and reads as a request that may have been sent; or, for non-ASCII
    text, escapes as an encoding error. So such a key is refused before any request is built."""
    if key and all("\x21" <= ch <= "\x7e" for ch in key):
        return None
    if not key:
        return "PIXAPI_KEY is empty"
    return (
        "PIXAPI_KEY contains a character an HTTP header cannot carry (a control character, a line "
        "break or non-ASCII text); copy the key again from the Pixapi dashboard"
    )


def setting_variables() -> frozenset[str]:
    """Every ``PIXAPI_*`` variable a setting reads: each field's description starts with it."""
    names: set[str] = set()
    for info in Settings.model_fields.values():
        head = (info.description or "").split(":", 1)[0]
        if head.startswith("PIXAPI_") and " " not in head:
            names.add(head)
    return frozenset(names)


def _user_dir(environ: Mapping[str, str], kind: Literal["data", "cache"]) -> Path:
    """The per-user folder for this app, following each platform's convention."""
    home = Path(environ.get("HOME") or environ.get("USERPROFILE") or Path.home())
    if sys.platform == "win32":
        base = environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / APP_DIR_NAME / ("Cache" if kind == "cache" else "Data")
    if sys.platform == "darwin":
        sub = "Caches" if kind == "cache" else "Application Support"
        return home / "Library" / sub / APP_DIR_NAME
    xdg = environ.get("XDG_CACHE_HOME" if kind == "cache" else "XDG_DATA_HOME")
    default = home / (".cache" if kind == "cache" else ".local/share")
    return Path(xdg or default) / APP_DIR_NAME


def _budget(whose: str, period: str, variable: str) -> str:
    return (
        f"{variable}: credits each {whose} may spend or hold per {period} (every replica together); "
        "`pixapi-mcp budget set` overrides it for one; unset: no cap."
    )


class Settings(BaseModel):
    """Everything the server, client and sandbox need to know, resolved once at start-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr | None = Field(default=None, description="PIXAPI_KEY: the Pixapi API key.")
    base_url: str = Field(default=DEFAULT_BASE_URL, description="PIXAPI_BASE_URL: the API root.")
    output_dir: Path | None = Field(
        default=None, description="PIXAPI_OUTPUT_DIR: where files go when the host gives no workspace."
    )
    data_dir: Path = Field(description="PIXAPI_DATA_DIR: the ledger and the default output folder.")
    cache_dir: Path = Field(description="PIXAPI_CACHE_DIR: the docs mirror fetched by `docs sync`.")
    allowed_dirs: tuple[Path, ...] = Field(
        default=(), description="PIXAPI_ALLOWED_DIRS: extra folders tools may read from and write to."
    )
    mcp_token: SecretStr | None = Field(
        default=None, description="PIXAPI_MCP_TOKEN: bearer token MCP clients present over HTTP."
    )
    mcp_state_keys: tuple[SecretStr, ...] = Field(
        default=(),
        description="PIXAPI_MCP_STATE_KEY: the key (at least 32 characters; a comma list to rotate: the first "
        "seals, all open) sealing the state of a confirmation or roots round trip, shared by every "
        "replica so either half may land on any of them (unset: a random key per process).",
    )
    mcp_allowed_hosts: tuple[str, ...] = Field(
        default=(),
        description="PIXAPI_MCP_ALLOWED_HOSTS: comma-separated Host values HTTP clients may use "
        "(e.g. mcp.example.com:8000), besides the bind address.",
    )
    mcp_allowed_origins: tuple[str, ...] = Field(
        default=(),
        description="PIXAPI_MCP_ALLOWED_ORIGINS: comma-separated browser Origins allowed over HTTP.",
    )
    # Identity over HTTP (pixapi_mcp.auth): OAuth when ISSUER and PUBLIC_URL are set, else named
    # tokens when the tokens file exists, else PIXAPI_MCP_TOKEN.
    mcp_issuer: str | None = Field(
        default=None,
        description="PIXAPI_MCP_ISSUER: the OAuth issuer whose access tokens (JWT) the server accepts over HTTP.",
    )
    mcp_public_url: str | None = Field(
        default=None,
        description="PIXAPI_MCP_PUBLIC_URL: this server's own URL (e.g. https://mcp.example.com/mcp): the "
        "OAuth resource, and the audience a token must name.",
    )
    mcp_jwks_url: str | None = Field(
        default=None,
        description="PIXAPI_MCP_JWKS_URL: where the issuer's signing keys are (unset: from the issuer's metadata).",
    )
    mcp_scopes: tuple[str, ...] = Field(
        default=(),
        description="PIXAPI_MCP_SCOPES: scopes every OAuth token must carry (space or comma list).",
    )
    mcp_admin_scope: str = Field(
        default="pixapi:admin",
        description="PIXAPI_MCP_ADMIN_SCOPE: the OAuth scope that makes a caller an admin.",
    )
    mcp_team_claim: str = Field(
        default="team", description="PIXAPI_MCP_TEAM_CLAIM: the token claim naming a caller's team."
    )
    mcp_tokens_file: Path | None = Field(
        default=None,
        description="PIXAPI_MCP_TOKENS_FILE: named tokens (`pixapi-mcp token create NAME`); unset: "
        "tokens.json in PIXAPI_DATA_DIR.",
    )
    mcp_rate_per_minute: int = Field(
        default=0,
        ge=0,
        description="PIXAPI_MCP_RATE_PER_MINUTE: HTTP requests one caller may make per minute, in bursts of "
        "as many (0: no limit).",
    )
    connect_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="PIXAPI_CONNECT_TIMEOUT_S: seconds to wait for a connection to the API.",
    )
    request_timeout_s: float = Field(
        default=120.0, gt=0, description="PIXAPI_REQUEST_TIMEOUT_S: seconds to wait for an API answer."
    )
    tool_deadline_s: float = Field(
        default=DEFAULT_TOOL_DEADLINE_S,
        gt=0,
        le=3600,
        description="PIXAPI_TOOL_DEADLINE_S: longest a tool call runs before handing back a task handle.",
    )
    roots_timeout_s: float = Field(
        default=DEFAULT_ROOTS_TIMEOUT_S,
        gt=0,
        le=60,
        description="PIXAPI_ROOTS_TIMEOUT_S: longest wait for the host's answer to roots/list (its "
        "workspace folders) before falling back to PIXAPI_OUTPUT_DIR.",
    )
    max_download_mb: int = Field(
        default=512, gt=0, description="PIXAPI_MAX_DOWNLOAD_MB: largest output file downloaded."
    )
    max_credits_per_call: float = Field(
        default=100.0,
        ge=0,
        description="PIXAPI_MAX_CREDITS_PER_CALL: a paid call estimated above this is refused.",
    )
    max_credits_per_session: float = Field(
        default=1000.0,
        ge=0,
        description="PIXAPI_MAX_CREDITS_PER_SESSION: credits one server process may spend in all (charged "
        "credits once Pixapi reports them, estimates until then); with replicas, each has its own.",
    )
    max_credits_per_day: float | None = Field(
        default=None,
        ge=0,
        description="PIXAPI_MAX_CREDITS_PER_DAY: credits the whole deployment (every replica and caller) may "
        "spend or hold per UTC day; unset: no daily cap.",
    )
    max_credits_per_caller_day: float | None = Field(
        default=None, ge=0, description=_budget("caller", "UTC day", "PIXAPI_MAX_CREDITS_PER_CALLER_DAY")
    )
    max_credits_per_caller_month: float | None = Field(
        default=None, ge=0, description=_budget("caller", "UTC month", "PIXAPI_MAX_CREDITS_PER_CALLER_MONTH")
    )
    max_credits_per_team_day: float | None = Field(
        default=None, ge=0, description=_budget("team", "UTC day", "PIXAPI_MAX_CREDITS_PER_TEAM_DAY")
    )
    max_credits_per_team_month: float | None = Field(
        default=None, ge=0, description=_budget("team", "UTC month", "PIXAPI_MAX_CREDITS_PER_TEAM_MONTH")
    )
    ledger_url: SecretStr | None = Field(
        default=None,
        description="PIXAPI_LEDGER_URL: postgresql://user:password@host:5432/db puts the ledger in PostgreSQL, "
        "shared by every replica; unset: the SQLite file in PIXAPI_DATA_DIR.",
    )
    confirm_above_credits: float = Field(
        default=20.0,
        ge=0,
        description="PIXAPI_CONFIRM_ABOVE_CREDITS: calls estimated above this (or of unknown price) ask the user "
        "to confirm first.",
    )
    video_credits_estimate: float = Field(
        default=DEFAULT_VIDEO_CREDITS_ESTIMATE,
        gt=0,
        le=1_000_000,
        description="PIXAPI_VIDEO_CREDITS_ESTIMATE: credits counted per video before Pixapi reports the charge "
        "(Pixapi's docs give no video price; set it from your pricing page).",
    )
    confirm_timeout_s: float = Field(
        default=DEFAULT_CONFIRM_TIMEOUT_S,
        gt=0,
        le=3600,
        description="PIXAPI_CONFIRM_TIMEOUT_S: longest a tool call waits for the user to answer a spend "
        "confirmation; then nothing is sent and the call says how to confirm.",
    )
    allow_private_urls: bool = Field(
        default=False,
        description="PIXAPI_ALLOW_PRIVATE_URLS: let URL inputs reach private or loopback addresses (default: refused).",
    )
    sandbox_image_task_s: float | None = Field(
        default=None,
        ge=0,
        description="PIXAPI_SANDBOX_IMAGE_TASK_S: seconds an async image task takes in the sandbox "
        "(unset: the sandbox's own 3 s).",
    )
    sandbox_video_task_s: float | None = Field(
        default=None,
        ge=0,
        description="PIXAPI_SANDBOX_VIDEO_TASK_S: seconds a video task takes in the sandbox "
        "(unset: the sandbox's own 8 s).",
    )
    sandbox: bool = Field(default=False, description="Use the built-in sandbox API (no key, no network).")
    read_only: bool = Field(default=False, description="Register no paid tools.")
    log_level: LogLevel = Field(
        default="INFO", description="PIXAPI_LOG_LEVEL: DEBUG, INFO, WARNING or ERROR (logs go to stderr)."
    )

    @field_validator("mcp_state_keys")
    @classmethod
    def _check_state_keys(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        # The SDK's AES-GCM codec refuses shorter keys; say so here, naming no key.
        for index, key in enumerate(value):
            if len(key.get_secret_value().encode()) < MIN_STATE_KEY_BYTES:
                raise ValueError(
                    f"key {index + 1} is shorter than {MIN_STATE_KEY_BYTES} characters; make one with "
                    'python -c "import secrets; print(secrets.token_hex(32))"'
                )
        if len({k.get_secret_value() for k in value}) != len(value):
            raise ValueError("the same key is listed twice")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local sandbox)")
        # OpenAI SDK habit: a base URL ending in /v1 would make every path /v1/v1/...
        return value.removesuffix("/v1")

    @field_validator("ledger_url")
    @classmethod
    def _check_ledger_url(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the value: it holds a password.
        if value is not None and not value.get_secret_value().strip().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must be a postgresql:// URL (leave it unset for the SQLite ledger)")
        # Found, not imported (config stays a leaf that loads nothing): without the driver the
        # server would otherwise fail with a traceback on its first use of the ledger.
        if value is not None and importlib.util.find_spec("psycopg") is None:
            raise ValueError(
                "names a PostgreSQL ledger, which needs the driver: python -m pip install 'pixapi-mcp[postgres]'"
            )
        return value

    @field_validator("mcp_issuer", "mcp_public_url", "mcp_jwks_url")
    @classmethod
    def _check_auth_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        # An issuer is compared as an exact string (RFC 8414: Auth0's ends in "/"), so only this
        # server's own URL is normalised, to the form without a trailing slash the MCP spec prefers.
        value = value.strip().rstrip("/") if info.field_name == "mcp_public_url" else value.strip()
        if not re.match(
            r"^https://[^/?#\s]+[^?#\s]*$|^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/[^?#\s]*)?$", value
        ):
            raise ValueError("must be an https:// URL without query or fragment (http:// only on loopback)")
        return value

    @model_validator(mode="after")
    def _check_oauth_pair(self) -> Settings:
        # One without the other would serve without identity, or refuse every token: say so at start.
        if (self.mcp_issuer is None) != (self.mcp_public_url is None):
            missing = "PIXAPI_MCP_PUBLIC_URL" if self.mcp_public_url is None else "PIXAPI_MCP_ISSUER"
            raise ValueError(f"OAuth needs both PIXAPI_MCP_ISSUER and PIXAPI_MCP_PUBLIC_URL; set {missing}")
        if self.mcp_issuer is None and (self.mcp_jwks_url or self.mcp_scopes):
            raise ValueError(
                "PIXAPI_MCP_JWKS_URL and PIXAPI_MCP_SCOPES apply to OAuth: set PIXAPI_MCP_ISSUER too"
            )
        return self

    @field_validator("output_dir", "data_dir", "cache_dir", "mcp_tokens_file")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        # Host JSON configs do not expand "~"; do it here so "~/images" means the home folder.
        return value.expanduser() if value is not None else None

    @property
    def ledger_path(self) -> Path:
        """Where the SQLite ledger of paid requests lives."""
        return self.data_dir / "ledger.sqlite3"

    @property
    def tokens_path(self) -> Path:
        """Where the named tokens live (``pixapi-mcp token create``): hashes only, never a token."""
        return self.mcp_tokens_file or self.data_dir / "tokens.json"

    @property
    def default_output_dir(self) -> Path:
        """The last-resort output folder: the configured one, else a per-user folder."""
        return self.output_dir or self.data_dir / "outputs"

    @property
    def max_download_bytes(self) -> int:
        return self.max_download_mb * 1024 * 1024

    @property
    def output_dir_variable(self) -> str:
        """The variable that decides ``default_output_dir``, for messages that ask the user to fix it."""
        return "PIXAPI_OUTPUT_DIR" if self.output_dir is not None else "PIXAPI_DATA_DIR"

    def key_value(self) -> str | None:
        """The raw key, for the Authorization header only; never log or echo the result.

        None when unset, and when ``key_problem()`` finds it is no key at all (a placeholder or an
        unexpanded variable reference): such a value is never sent to Pixapi."""
        if self.api_key is None or self.key_problem():
            return None
        return self.api_key.get_secret_value().strip()

    def key_problem(self) -> str | None:
        """Why ``PIXAPI_KEY`` is set but cannot be a key (see ``key_problem``); None otherwise."""
        return key_problem(self.api_key.get_secret_value()) if self.api_key else None

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced and re-validated (command-line flags override variables)."""
        return Settings.model_validate({**self.model_dump(), **changes})

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Build settings from ``environ`` (usually ``os.environ``); ``overrides`` win over variables.

        Raises ``SettingsError`` naming the variable when a value is malformed.
        """
        raw: dict[str, Any] = {
            "data_dir": environ.get("PIXAPI_DATA_DIR") or _user_dir(environ, "data"),
            "cache_dir": environ.get("PIXAPI_CACHE_DIR") or _user_dir(environ, "cache"),
        }
        simple = {
            "PIXAPI_KEY": "api_key",
            "PIXAPI_BASE_URL": "base_url",
            "PIXAPI_OUTPUT_DIR": "output_dir",
            "PIXAPI_MCP_TOKEN": "mcp_token",
            "PIXAPI_MCP_ISSUER": "mcp_issuer",
            "PIXAPI_MCP_PUBLIC_URL": "mcp_public_url",
            "PIXAPI_MCP_JWKS_URL": "mcp_jwks_url",
            "PIXAPI_MCP_ADMIN_SCOPE": "mcp_admin_scope",
            "PIXAPI_MCP_TEAM_CLAIM": "mcp_team_claim",
            "PIXAPI_MCP_TOKENS_FILE": "mcp_tokens_file",
            "PIXAPI_MCP_RATE_PER_MINUTE": "mcp_rate_per_minute",
            "PIXAPI_CONNECT_TIMEOUT_S": "connect_timeout_s",
            "PIXAPI_REQUEST_TIMEOUT_S": "request_timeout_s",
            "PIXAPI_TOOL_DEADLINE_S": "tool_deadline_s",
            "PIXAPI_ROOTS_TIMEOUT_S": "roots_timeout_s",
            "PIXAPI_MAX_DOWNLOAD_MB": "max_download_mb",
            "PIXAPI_MAX_CREDITS_PER_CALL": "max_credits_per_call",
            "PIXAPI_MAX_CREDITS_PER_SESSION": "max_credits_per_session",
            "PIXAPI_MAX_CREDITS_PER_DAY": "max_credits_per_day",
            "PIXAPI_MAX_CREDITS_PER_CALLER_DAY": "max_credits_per_caller_day",
            "PIXAPI_MAX_CREDITS_PER_CALLER_MONTH": "max_credits_per_caller_month",
            "PIXAPI_MAX_CREDITS_PER_TEAM_DAY": "max_credits_per_team_day",
            "PIXAPI_MAX_CREDITS_PER_TEAM_MONTH": "max_credits_per_team_month",
            "PIXAPI_LEDGER_URL": "ledger_url",
            "PIXAPI_CONFIRM_ABOVE_CREDITS": "confirm_above_credits",
            "PIXAPI_VIDEO_CREDITS_ESTIMATE": "video_credits_estimate",
            "PIXAPI_CONFIRM_TIMEOUT_S": "confirm_timeout_s",
            "PIXAPI_ALLOW_PRIVATE_URLS": "allow_private_urls",
            "PIXAPI_LOG_LEVEL": "log_level",
            "PIXAPI_SANDBOX_IMAGE_TASK_S": "sandbox_image_task_s",
            "PIXAPI_SANDBOX_VIDEO_TASK_S": "sandbox_video_task_s",
        }
        for var, field in simple.items():
            value = environ.get(var, "").strip()
            if value:
                raw[field] = value.upper() if field == "log_level" else value
        if keys := environ.get("PIXAPI_MCP_STATE_KEY", "").strip():
            raw["mcp_state_keys"] = tuple(SecretStr(k.strip()) for k in keys.split(",") if k.strip())
        for var, field in (
            ("PIXAPI_MCP_ALLOWED_HOSTS", "mcp_allowed_hosts"),
            ("PIXAPI_MCP_ALLOWED_ORIGINS", "mcp_allowed_origins"),
        ):
            if listed := environ.get(var, "").strip():
                raw[field] = tuple(item.strip() for item in listed.split(",") if item.strip())
        if scopes := environ.get("PIXAPI_MCP_SCOPES", "").replace(",", " ").split():
            raw["mcp_scopes"] = tuple(scopes)
        if dirs := environ.get("PIXAPI_ALLOWED_DIRS", "").strip():
            raw["allowed_dirs"] = tuple(Path(p).expanduser() for p in dirs.split(os.pathsep) if p)
        raw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            names = {v: k for k, v in simple.items()}
            names.update(data_dir="PIXAPI_DATA_DIR", cache_dir="PIXAPI_CACHE_DIR")
            names["allowed_dirs"] = "PIXAPI_ALLOWED_DIRS"
            names["mcp_allowed_hosts"] = "PIXAPI_MCP_ALLOWED_HOSTS"
            names["mcp_state_keys"] = "PIXAPI_MCP_STATE_KEY"
            names["mcp_allowed_origins"] = "PIXAPI_MCP_ALLOWED_ORIGINS"
            names["mcp_scopes"] = "PIXAPI_MCP_SCOPES"
            problems: list[str] = []
            for err in exc.errors(include_input=False):
                if not err["loc"]:  # a rule across variables names them itself
                    problems.append(err["msg"].removeprefix("Value error, "))
                    continue
                field = str(err["loc"][0])
                problems.append(f"{names.get(field, field)}: {err['msg']}")
            raise SettingsError("Invalid configuration: " + "; ".join(problems)) from None
