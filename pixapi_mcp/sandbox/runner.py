"""Serving the sandbox over real HTTP: in a background thread for tests, or in the foreground for
``pixapi-mcp sandbox``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from pixapi_mcp.listen import bind_listening_socket, is_loopback
from pixapi_mcp.sandbox.app import create_app
from pixapi_mcp.sandbox.injection import DroppedConnection
from pixapi_mcp.sandbox.state import SandboxConfig, SandboxState

logger = logging.getLogger("pixapi_mcp.sandbox")

STARTUP_TIMEOUT_S = 10.0
SHUTDOWN_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox served over HTTP: ``base_url`` (no trailing slash), its ``state`` and ``app``."""

    base_url: str
    state: SandboxState
    app: Starlette


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _quiet_dropped_connections(record: logging.LogRecord) -> bool:
    """Keep uvicorn from logging a traceback for every connection the drop_connection fault cuts:
    that is the fault working, not a bug."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, BaseExceptionGroup):
        error = next(iter(error.exceptions), None)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType, reportUnknownVariableType]
    if isinstance(error, DroppedConnection):
        logger.info("sandbox dropped a connection on purpose (drop_connection fault)")
        return False
    return True


def _server(app: Starlette, *, access_log: bool) -> uvicorn.Server:
    # A function filter is deduplicated by identity, so adding it on every start is harmless.
    logging.getLogger("uvicorn.error").addFilter(_quiet_dropped_connections)
    # log_config=None: uvicorn keeps its hands off the process's logging set-up (stderr, via the
    # CLI), and its access log never goes to stdout.
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=access_log,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    return uvicorn.Server(config)


@contextmanager
def running_sandbox(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Generator[RunningSandbox]:
    """Serve a sandbox with uvicorn in a background thread for the duration of the ``with`` block.

    Port 0 (the default) picks a free port. Waits up to 10 s for start-up (else raises
    ``TimeoutError``) and up to a few seconds for shutdown on exit.
    """
    app = create_app(config)
    sock = bind_listening_socket(host, port)
    bound_port = int(sock.getsockname()[1])
    server = _server(app, access_log=False)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="pixapi-sandbox", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the sandbox server stopped during start-up (see the log)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sandbox did not start within {STARTUP_TIMEOUT_S:g} s")
            time.sleep(0.01)
        yield RunningSandbox(base_url=_url(host, bound_port), state=app.state.sandbox, app=app)
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT_S)
        if thread.is_alive():
            server.force_exit = True
            thread.join(SHUTDOWN_TIMEOUT_S)
        sock.close()


def run_sandbox(
    host: str,
    port: int,
    keys: list[str],
    credits: float,
    *,
    image_task_seconds: float | None = None,
    video_task_seconds: float | None = None,
) -> int:
    """Serve the sandbox in the foreground until Ctrl-C (``pixapi-mcp sandbox``); the exit code.

    Task durations left None keep ``SandboxConfig``'s defaults."""
    config = SandboxConfig(keys=dict.fromkeys(keys, float(credits))).with_task_seconds(
        image_task_seconds, video_task_seconds
    )
    app = create_app(config)
    if not is_loopback(host):
        logger.warning(
            "Listening on %s: the sandbox is reachable from other machines and its keys are not secrets.",
            host,
        )
    try:
        sock = bind_listening_socket(host, port)
    except OSError as exc:
        logger.error("Cannot listen on %s: %s", _url(host, port), exc)
        return 1
    url = _url(host, int(sock.getsockname()[1]))
    logger.info("Pixapi sandbox API at %s (Ctrl-C to stop)", url)
    logger.info("API keys: %s, each with %g credits", ", ".join(keys), credits)
    logger.info("Try: curl %s/v1/models -H 'Authorization: Bearer %s'", url, keys[0])
    server = _server(app, access_log=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it already handled gracefully; the shutdown is done.
        pass
    finally:
        sock.close()
    logger.info("Pixapi sandbox stopped")
    return 0
