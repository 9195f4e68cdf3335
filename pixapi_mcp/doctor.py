"""``pixapi-mcp doctor``: check the set-up, spending nothing.

Doctor's only API call is ``GET /v1/models``, which is free. The key is reported as set or not,
never printed.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio
import httpx2

from pixapi_mcp import __version__
from pixapi_mcp.client import AuthenticationError, PixapiError, open_client
from pixapi_mcp.config import DEFAULT_BASE_URL, KEY_FIX, Settings, setting_variables
from pixapi_mcp.docs import DocsBundle
from pixapi_mcp.ledger import LedgerError, LedgerStore

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    level: Level
    name: str
    detail: str
    fix: str = ""


def _versions() -> list[Check]:
    checks: list[Check] = []
    py = sys.version_info
    if py < (3, 11):
        checks.append(Check("fail", "python", f"{py.major}.{py.minor}", "Install Python 3.11 or newer."))
    else:
        checks.append(Check("ok", "python", f"{py.major}.{py.minor}.{py.micro}"))
    found: list[str] = [f"pixapi-mcp {__version__}"]
    for dist in ("mcp", "httpx2", "pydantic", "anyio", "pillow"):
        try:
            found.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            checks.append(Check("fail", dist, "not installed", "Reinstall: python -m pip install pixapi-mcp"))
    checks.append(Check("ok", "packages", ", ".join(found)))
    return checks


# Where every variable is listed: a fix names the variable to change and points here.
SETTINGS_DOC = "the README's Configuration section lists every variable"


def _writable(name: str, folder: Path, variable: str, fix: str = "") -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".pixapi-doctor-"):
            pass
    except OSError as exc:
        return Check(
            "fail",
            name,
            f"{folder} is not writable ({exc.strerror or exc}); it comes from {variable}",
            fix or f"Set {variable} to a folder you can write to ({SETTINGS_DOC}).",
        )
    return Check("ok", name, str(folder))


def _key_check(settings: Settings) -> Check:
    if problem := settings.key_problem():
        # Caught here and at start-up alike: such a value is never sent to Pixapi.
        return Check("fail", "PIXAPI_KEY", problem, KEY_FIX)
    if settings.key_value():
        return Check("ok", "PIXAPI_KEY", "set (not shown)")
    return Check(
        "warn",
        "PIXAPI_KEY",
        "not set",
        "Set PIXAPI_KEY to a key from the Pixapi dashboard for live calls "
        "(`pixapi-mcp serve --sandbox` needs none).",
    )


def _unreachable(settings: Settings, exc: PixapiError) -> Check:
    """The failed probe with its cause, and the setting most likely behind it."""
    status = f"HTTP {exc.status}{f' {exc.code}' if exc.code else ''}: " if exc.status else ""
    detail = f"{settings.base_url} ({exc.category}): {status}{exc.message}"
    custom = settings.base_url != DEFAULT_BASE_URL
    base = f"PIXAPI_BASE_URL (now {settings.base_url}; unset it for {DEFAULT_BASE_URL})"
    if exc.category == "connection":
        fix = "Check the network, a proxy (HTTPS_PROXY) or a firewall" + (f"; and {base}." if custom else ".")
    elif exc.category == "timeout":
        fix = (
            "The API did not answer in time: try again, or raise PIXAPI_CONNECT_TIMEOUT_S / "
            f"PIXAPI_REQUEST_TIMEOUT_S (now {settings.connect_timeout_s:g} / {settings.request_timeout_s:g} s)."
        )
    elif exc.category in ("not_found", "bad_response", "invalid_request", "unprocessable"):
        fix = f"{settings.base_url} does not answer like the Pixapi API: check {base}."
    else:
        fix = exc.fix
    return Check("fail", "reachability", detail, fix)


async def _api_checks(settings: Settings, http: httpx2.AsyncClient | None = None) -> list[Check]:
    """Key, reachability and auth, through a client built as the server builds it (``http``: tests)."""
    key = settings.key_value()
    checks = [_key_check(settings)]
    # Without a usable key, a probe key (never the configured value) still shows whether the API
    # answers: 401 means reachable.
    async with open_client(settings, http, api_key=key or "sk-doctor-no-key", max_retries=0) as client:
        try:
            listing = await client.list_models()
        except AuthenticationError as exc:
            reach = Check("ok", "reachability", f"{settings.base_url} answered")
            if key:
                return [
                    *checks,
                    reach,
                    Check(
                        "fail",
                        "auth",
                        f"the key in PIXAPI_KEY was rejected (HTTP {exc.status})",
                        "Create a new key in the Pixapi dashboard and set PIXAPI_KEY to it in the "
                        "host's MCP configuration.",
                    ),
                ]
            return [*checks, reach]
        except PixapiError as exc:
            return [*checks, _unreachable(settings, exc)]
    checks.append(Check("ok", "reachability", f"{settings.base_url} answered"))
    if key:
        checks.append(Check("ok", "auth", f"key accepted; {len(listing.data)} models listed"))
    return checks


def _unknown_variables(environ: Mapping[str, str]) -> list[Check]:
    """``PIXAPI_*`` variables no setting reads: a typo (``PIXAPI_API_KEY``) silently does nothing."""
    known = setting_variables()
    checks: list[Check] = []
    for name in sorted(v for v in environ if v.startswith("PIXAPI_") and v not in known):
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        checks.append(
            Check("warn", name, "is not a pixapi-mcp setting and is ignored", f"{hint}({SETTINGS_DOC}).")
        )
    return checks


def _identity_checks(settings: Settings) -> list[Check]:
    """Who the HTTP server would let in (``auth.http.auth_mode``: the one rule serve uses), and the
    ledger it keeps: an operator checks both before sharing the server. No secret is printed."""
    from pixapi_mcp.auth.http import auth_mode  # loads the SDK: only when doctor runs
    from pixapi_mcp.ledger import ledger_of

    mode = auth_mode(settings)
    checks: list[Check] = []
    if mode == "oauth":
        keys = settings.mcp_jwks_url or "discovered from the issuer's metadata"
        scopes = " ".join(settings.mcp_scopes) or "none required"
        detail = (
            f"OAuth 2.1: tokens of {settings.mcp_issuer} for {settings.mcp_public_url}; keys: {keys}; "
            f"scopes: {scopes}"
        )
        checks.append(Check("ok", "HTTP identity", detail))
    elif mode == "named":
        from pixapi_mcp.auth.tokens import TokenFile, TokenFileError

        try:
            count = len(TokenFile(settings.tokens_path).listed())
            level: Level = "ok" if count else "warn"
            checks.append(
                Check(
                    level,
                    "HTTP identity",
                    f"named tokens: {count} in {settings.tokens_path}",
                    "" if count else "Every request is refused: pixapi-mcp token create NAME.",
                )
            )
        except TokenFileError as exc:
            checks.append(
                Check(
                    "fail",
                    "HTTP identity",
                    f"named tokens, but {exc} (every token is refused)",
                    f"Fix or remove {settings.tokens_path}; pixapi-mcp token create NAME rewrites it.",
                )
            )
    elif mode == "shared":
        checks.append(
            Check("ok", "HTTP identity", "the shared PIXAPI_MCP_TOKEN: everyone holding it is one caller")
        )
    else:
        checks.append(
            Check(
                "ok", "HTTP identity", "none: `serve --transport http` binds loopback only (stdio needs none)"
            )
        )
    if mode != "none" and settings.mcp_rate_per_minute:
        checks.append(
            Check(
                "ok",
                "rate limit",
                f"{settings.mcp_rate_per_minute} requests a minute per caller, counted by each process "
                "(N replicas let a caller make up to N times as many)",
            )
        )
    store = ledger_of(settings)
    if settings.ledger_url:
        checks.append(anyio.run(_postgres_check, store))
    else:
        checks.append(Check("ok", "ledger", f"SQLite at {store.describe()} (one machine's file)"))
    return checks


async def _postgres_check(store: LedgerStore) -> Check:
    """Reach the PostgreSQL ledger and read its schema version, changing nothing."""
    from pixapi_mcp.ledger.postgres import SCHEMA_VERSION, PostgresLedger

    assert isinstance(store, PostgresLedger)
    where = f"PostgreSQL at {store.describe()} (shared by every replica)"
    try:
        found = await store.probe()
    except LedgerError as exc:
        return Check(
            "fail", "ledger", f"{where}: {exc}", "Check PIXAPI_LEDGER_URL and that the database is up."
        )
    if found > SCHEMA_VERSION:
        return Check(
            "fail",
            "ledger",
            f"{where}: schema version {found}, newer than this release's {SCHEMA_VERSION}",
            "Upgrade pixapi-mcp on every replica.",
        )
    state = "empty: the first server start creates its tables" if found == 0 else f"schema version {found}"
    if 0 < found < SCHEMA_VERSION:
        state += f" (the next server start migrates it to {SCHEMA_VERSION})"
    return Check("ok", "ledger", f"{where}: reachable, {state}")


def collect_checks(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, in the order they are printed (``environ``: to find misspelt variables)."""
    checks = _versions()
    checks.extend(_unknown_variables(environ or {}))
    checks.extend(anyio.run(_api_checks, settings))
    variable = settings.output_dir_variable
    checks.append(
        _writable(
            "output folder",
            settings.default_output_dir,
            variable,
            ""
            if variable == "PIXAPI_OUTPUT_DIR"
            else f"Set PIXAPI_OUTPUT_DIR to a folder you can write to ({SETTINGS_DOC}).",
        )
    )
    checks.append(_writable("data folder (ledger)", settings.data_dir, "PIXAPI_DATA_DIR"))
    checks.extend(_identity_checks(settings))
    try:
        pages = len(DocsBundle().pages)
        checks.append(Check("ok", "docs bundle", f"{pages} pages"))
    except Exception as exc:  # a broken install should be reported, not crash the doctor
        checks.append(Check("fail", "docs bundle", f"not readable ({exc})", "Reinstall pixapi-mcp."))
    return checks


def run_doctor(
    settings: Settings, *, out: Callable[[str], None], environ: Mapping[str, str] | None = None
) -> int:
    """Print each check and what to fix; exit 1 when anything failed."""
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    checks = collect_checks(settings, environ)
    for check in checks:
        out(f"[{marks[check.level]}] {check.name}: {check.detail}")
        if check.fix:
            out(f"       fix: {check.fix}")
    failed = sum(c.level == "fail" for c in checks)
    out("All good." if not failed else f"{failed} problem(s) to fix.")
    return 1 if failed else 0
