"""Command line: flags and environment become ``Settings``; logging goes to stderr; subcommands
dispatch to their modules, imported lazily so ``pixapi-mcp --help`` stays fast.

In stdio mode stdout carries the MCP protocol and nothing else, so every human-facing line here
is written to stderr, except the output of commands whose whole job is to print (``config``,
``docs``' reports, ``demo``), which write to stdout deliberately through ``_out``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pixapi_mcp import __version__
from pixapi_mcp.config import Settings, SettingsError
from pixapi_mcp.contract import SANDBOX_KEY

# The hosts `config` knows (pixapi_mcp.hosts.HOSTS, repeated so --help loads nothing more).
HOSTS = ("claude-desktop", "claude-code", "cursor", "codex", "vscode")


def _out(text: str) -> None:
    """Write a line to stdout for commands whose product is text (never used while serving stdio)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _note(text: str) -> None:
    """A line for the person at the terminal, on stderr: never part of a redirected snippet."""
    sys.stderr.write(text + "\n")


def _config(args: argparse.Namespace, env: Mapping[str, str], out: Callable[[str], None]) -> int:
    """``config HOST``: the file's content on stdout (redirectable as is), notes on stderr;
    with ``--write``, merged into the host's file instead."""
    from pixapi_mcp.hosts import MergeError, config_snippet, merge_into

    snippet = config_snippet(args.host, sandbox=args.sandbox, absolute=args.absolute, environ=env)
    for line in snippet.notes:
        _note(f"# {line}")
    if args.write is None:
        out(snippet.body)
        return 0
    target = Path(args.write).expanduser() if args.write else snippet.default_path
    try:
        _note(f"# {merge_into(target, snippet)}")
    except (MergeError, OSError) as exc:
        _note(f"pixapi-mcp: not written: {exc}")
        return 1
    return 0


def _token(args: argparse.Namespace, settings: Settings, out: Callable[[str], None]) -> int:
    """``token create|revoke|list``: the named tokens file; a created token goes to stdout once."""
    from pixapi_mcp.auth.tokens import TokenFile, TokenFileError

    tokens = TokenFile(settings.tokens_path)
    try:
        if args.token_command == "create":
            out(tokens.create(args.name, team=args.team, admin=args.admin))
            _note(f"# token for {args.name} created in {tokens.path}: shown once, only its hash is kept")
        elif args.token_command == "revoke":
            if not tokens.revoke(args.name):
                _note(f"pixapi-mcp: no token named {args.name!r} in {tokens.path}")
                return 1
            _note(f"# revoked {args.name}: a running server refuses it from its next request")
        else:
            for entry in tokens.listed():
                extra = "".join(
                    [f" team={entry.team}" if entry.team else "", " admin" if entry.admin else ""]
                )
                out(f"{entry.name}\tcreated {entry.created_at}{extra}")
    except (TokenFileError, OSError) as exc:
        _note(f"pixapi-mcp: {exc}")
        return 1
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixapi-mcp",
        description="MCP server for Pixapi: generate and edit images, create videos, and ground "
        "coding agents in Pixapi's docs. With no command it serves MCP over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"pixapi-mcp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve MCP (stdio by default; what hosts launch)")
    _add_serve_flags(serve)

    sandbox = sub.add_parser("sandbox", help="run the sandbox Pixapi-compatible HTTP API on its own")
    sandbox.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8787, help="port (default 8787)")
    sandbox.add_argument(
        "--key", action="append", help=f"accepted API key (repeatable; default {SANDBOX_KEY})"
    )
    sandbox.add_argument("--credits", type=float, default=1000.0, help="starting credits per key")
    sandbox.add_argument(
        "--image-task-s",
        type=float,
        help="seconds an async image task takes (overrides PIXAPI_SANDBOX_IMAGE_TASK_S; default 3)",
    )
    sandbox.add_argument(
        "--video-task-s",
        type=float,
        help="seconds a video task takes (overrides PIXAPI_SANDBOX_VIDEO_TASK_S; default 8)",
    )

    sub.add_parser("demo", help="offline end-to-end tour against the sandbox (no key, no network)")
    sub.add_parser("doctor", help="check configuration, key, reachability and folders, spending nothing")

    docs = sub.add_parser("docs", help="manage the bundled Pixapi docs")
    docs_sub = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)
    docs_sub.add_parser("sync", help="refresh the docs mirror from pixapi.ai into the local cache")

    token = sub.add_parser("token", help="named tokens for HTTP callers (PIXAPI_MCP_TOKENS_FILE)")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_sub.add_parser("create", help="make a token for NAME and print it once")
    create.add_argument("name")
    create.add_argument("--team", help="the caller's team (for team budgets)")
    create.add_argument("--admin", action="store_true", help="may see every caller's work")
    revoke = token_sub.add_parser("revoke", help="revoke NAME's token (a running server stops accepting it)")
    revoke.add_argument("name")
    token_sub.add_parser("list", help="names, teams and creation dates (never tokens)")

    from pixapi_mcp.spend import add_parsers  # light: no SDK, no database driver

    add_parsers(sub)

    config = sub.add_parser(
        "config",
        help="print the MCP config snippet for a host (stdout: the file's content; notes: stderr)",
    )
    config.add_argument("host", choices=HOSTS)
    config.add_argument("--sandbox", action="store_true", help="configure the sandbox (no key needed)")
    config.add_argument(
        "--absolute",
        action="store_true",
        help="use this machine's path of pixapi-mcp in project files too (for a copy you do not commit)",
    )
    config.add_argument(
        "--write",
        nargs="?",
        const="",
        metavar="FILE",
        help="merge the server into the host's file (default: its usual place), keeping the others",
    )
    return parser


def _add_serve_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    parser.add_argument("--sandbox", action="store_true", help="use the built-in sandbox API, no key needed")
    parser.add_argument("--read-only", action="store_true", help="register no paid tools")
    parser.add_argument("--output-dir", help="where generated files go (overrides PIXAPI_OUTPUT_DIR)")


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx2 logs full URLs at INFO, including signed query strings of output URLs.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("httpcore2").setLevel(logging.WARNING)


def main(
    argv: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    out: Callable[[str], None] = _out,
) -> int:
    """Entry point for ``pixapi-mcp`` and ``python -m pixapi_mcp``; returns the exit code.

    ``environ`` and ``out`` default to the process environment and stdout; tests pass their own."""
    args = _build_parser().parse_args(argv)
    env = os.environ if environ is None else environ
    command: str = args.command or "serve"
    # None means "flag not given": from_env then keeps the variable (or the default).
    overrides: dict[str, object] = {}
    if command == "serve" and args.command:
        overrides = {
            "sandbox": args.sandbox or None,
            "read_only": args.read_only or None,
            "output_dir": args.output_dir or None,
        }
    if command == "sandbox":
        overrides = {"sandbox_image_task_s": args.image_task_s, "sandbox_video_task_s": args.video_task_s}
    try:
        settings = Settings.from_env(env, **overrides)
    except SettingsError as exc:
        sys.stderr.write(f"pixapi-mcp: {exc}\n")
        return 2
    _configure_logging(settings.log_level)

    # Each command imports only what it runs: `config` and `docs sync` answer without loading the
    # MCP SDK, and a stdio server (what hosts launch) never loads uvicorn.
    if command == "serve":
        if getattr(args, "transport", "stdio") == "http":
            from pixapi_mcp.http_server import serve_http

            return serve_http(settings, host=args.host, port=args.port)
        from pixapi_mcp.server import serve_stdio

        return serve_stdio(settings)
    if command == "sandbox":
        from pixapi_mcp.sandbox import run_sandbox

        return run_sandbox(
            host=args.host,
            port=args.port,
            keys=args.key or [SANDBOX_KEY],
            credits=args.credits,
            image_task_seconds=settings.sandbox_image_task_s,
            video_task_seconds=settings.sandbox_video_task_s,
        )
    if command == "demo":
        from pixapi_mcp.demo import run_demo

        return run_demo(settings)
    if command == "doctor":
        from pixapi_mcp.doctor import run_doctor

        return run_doctor(settings, out=out, environ=env)
    if command == "docs":
        from pixapi_mcp.docs import sync_docs_command

        return sync_docs_command(settings, out=out)
    if command == "config":
        return _config(args, env, out)
    if command == "token":
        return _token(args, settings, out)
    if command in ("usage", "budget"):
        from pixapi_mcp.spend import run

        return run(args, settings, out, _note)
    raise AssertionError(f"unhandled command {command}")  # argparse rejects unknown commands
