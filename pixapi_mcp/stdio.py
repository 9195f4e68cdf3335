"""MCP over stdio, with the JSON-RPC error answers the SDK's stdio layer leaves out.

The SDK's ``mcp.server.stdio.stdio_server`` (mcp 2.3) parses each stdin line with
``jsonrpc_message_adapter.validate_json`` and, when that fails, hands the exception to the server
loop, which logs it and answers nothing: the line is gone, and with it the id. So a line that is
not JSON, ``params`` given as a list, ``"jsonrpc": "1.0"``, an id that is neither a string nor an
integer (parsed as a notification: the id is dropped) or a lone surrogate (``"\\ud800"``, which
its JSON parser refuses) get no answer at all, and a client waiting on that id waits forever. The
SDK has no setting for this, so ``run_stdio`` feeds the SDK's transport through ``triage``:
a line the SDK would read passes unchanged; any other line gets the answer JSON-RPC 2.0 (section
5.1) requires: -32700 with id null for text that is not JSON, -32600 for a message that is no
valid request (with its id when one can be read), -32602 for params MCP cannot take. Valid
notifications and client responses are never answered (JSON-RPC forbids it); broken ones are
logged and dropped. Nothing of the line is echoed back or logged.

Passing our own stdin makes the SDK skip its claim of fd 0 (pointing it at the null device while
serving, so nothing else reads the protocol), so ``_claimed_stdin`` does that; fd 1 is still
claimed by the SDK.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Generator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from io import TextIOWrapper
from typing import IO, Any, cast

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.server import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage

__all__ = ["Refusal", "run_stdio", "triage"]

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
# How long answers to refused lines may still take to go out once the server loop has ended.
_DRAIN_S = 2.0


@dataclass(frozen=True)
class Refusal:
    """Why a line was not passed on: the JSON-RPC ``code`` and ``message``, the request ``id``
    (None: unknown), and whether JSON-RPC wants an answer (never for notifications or responses)."""

    code: int
    message: str
    id: str | int | None = None
    answer: bool = True

    def to_message(self) -> types.JSONRPCError:
        return types.JSONRPCError(
            jsonrpc="2.0", id=self.id, error=types.ErrorData(code=self.code, message=self.message)
        )


def _bad_text(value: object) -> bool:
    """Whether ``value`` holds a string with no UTF-8 form (a lone surrogate such as ``\\ud800``)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(k) or _bad_text(v) for k, v in cast(dict[object, object], value).items())
    if isinstance(value, list):
        return any(_bad_text(v) for v in cast(list[object], value))
    return False


def triage(line: str) -> Refusal | None:
    """None when the SDK can read ``line`` as a JSON-RPC message; else why not, as the error to
    answer with (or, for a notification or a response, to log)."""
    try:
        message: object = json.loads(line)
    except (ValueError, RecursionError):
        return Refusal(PARSE_ERROR, "Parse error: the line is not JSON; send one JSON-RPC message per line.")
    if not isinstance(message, dict):
        # A list is a JSON-RPC batch, which MCP does not use (removed in protocol 2025-06-18).
        return Refusal(
            INVALID_REQUEST, "Invalid Request: send one JSON-RPC message object per line (no batches)."
        )
    fields = cast(dict[str, Any], message)
    raw_id: object = fields.get("id")
    has_id = "id" in fields
    # An id that cannot be written back (a lone surrogate in it) is as unreadable as a missing one.
    id_ok = (isinstance(raw_id, str) and not _bad_text(raw_id)) or (
        isinstance(raw_id, int) and not isinstance(raw_id, bool)
    )
    request_id = cast(str | int, raw_id) if id_ok else None
    method: object = fields.get("method")
    params = cast(object, fields.get("params"))
    is_response = "method" not in fields and ("result" in fields or "error" in fields)
    # What JSON-RPC itself calls an invalid Request object: answered, with id null when no id is
    # readable (JSON-RPC 2.0 section 5.1; its own example answers a request without an id).
    if fields.get("jsonrpc") != "2.0":
        return Refusal(
            INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0".', request_id, not is_response
        )
    if has_id and not id_ok:
        return Refusal(
            INVALID_REQUEST, 'Invalid Request: "id" must be a string or an integer.', None, not is_response
        )
    if is_response:
        if not has_id or _bad_text(fields):
            return Refusal(INVALID_REQUEST, "Invalid response from the client.", request_id, answer=False)
        return _sdk_reads(line, request_id, answer=False)
    if not isinstance(method, str):
        return Refusal(INVALID_REQUEST, 'Invalid Request: "method" must be a string.', request_id)
    if "params" in fields and not isinstance(params, dict | list):
        return Refusal(INVALID_REQUEST, 'Invalid Request: "params" must be an object.', request_id)
    # Valid JSON-RPC, but not what MCP can take: a notification is never answered.
    if "params" in fields and not isinstance(params, dict):
        return Refusal(
            INVALID_PARAMS,
            'Invalid params: "params" must be an object (MCP takes no positional params).',
            request_id,
            has_id,
        )
    if _bad_text(fields.get("params")):
        return Refusal(
            INVALID_PARAMS,
            "Invalid params: text that is not valid Unicode (a lone surrogate such as \\ud800); send UTF-8 text.",
            request_id,
            has_id,
        )
    if _bad_text(fields):
        return Refusal(
            INVALID_REQUEST,
            "Invalid Request: text that is not valid Unicode (a lone surrogate).",
            request_id,
            has_id,
        )
    return _sdk_reads(line, request_id, answer=has_id)


def _sdk_reads(line: str, request_id: str | int | None, *, answer: bool) -> Refusal | None:
    """None when the SDK's own parser accepts ``line``: whatever it refuses is answered too."""
    try:
        types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except ValueError:  # pydantic's ValidationError is a ValueError
        return Refusal(
            INVALID_REQUEST, "Invalid Request: not a JSON-RPC message MCP can read.", request_id, answer
        )
    return None


async def _guarded_lines(
    lines: AsyncIterator[str], refusals: MemoryObjectSendStream[types.JSONRPCError]
) -> AsyncIterator[str]:
    """The lines the SDK can read; the others' answers go to ``refusals`` (closed at EOF)."""
    async with refusals:
        async for line in lines:
            if not line.strip():
                continue  # a blank line between messages carries nothing to answer
            refusal = triage(line)
            if refusal is None:
                yield line
                continue
            log.warning(
                "refused a stdio message (%s %s): %s",
                refusal.code,
                f"id {refusal.id!r}" if refusal.id is not None else "no id",
                refusal.message if refusal.answer else f"{refusal.message} (not answered)",
            )
            if refusal.answer:
                await refusals.send(refusal.to_message())


class _LineSource:
    """What the SDK's stdin reader needs of its ``stdin``: ``async for line in stdin``."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines


@contextmanager
def _claimed_stdin() -> Generator[IO[bytes]]:
    """The protocol's stdin, read through a private copy of fd 0 while fd 0 itself reads the null
    device (as the SDK does when it opens stdin itself); stdin in place where that cannot be done."""
    if sys.platform == "win32":
        yield sys.stdin.buffer
        return
    import fcntl

    try:
        if sys.stdin.fileno() != 0:
            raise OSError("stdin is not fd 0")
        private = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
    except (OSError, ValueError, AttributeError):
        yield sys.stdin.buffer
        return
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
    finally:
        os.close(null)
    try:
        # closefd=False: a worker thread may still be blocked reading it when serving ends.
        yield os.fdopen(private, "rb", closefd=False)
    finally:
        with suppress(OSError):
            os.dup2(private, 0)


async def run_stdio(server: MCPServer[Any]) -> None:
    """``server.run_stdio_async()``, with every malformed line answered as JSON-RPC requires."""
    refusals_in: MemoryObjectSendStream[types.JSONRPCError]
    refusals_out: MemoryObjectReceiveStream[types.JSONRPCError]
    refusals_in, refusals_out = anyio.create_memory_object_stream[types.JSONRPCError](16)
    with _claimed_stdin() as raw:
        # As the SDK reads stdin: UTF-8, undecodable bytes replaced.
        text = anyio.wrap_file(TextIOWrapper(raw, encoding="utf-8", errors="replace"))
        source = _LineSource(_guarded_lines(aiter(text), refusals_in))
        # stdio_server only iterates its stdin (``async for line in stdin``).
        async with stdio_server(stdin=cast("anyio.AsyncFile[str]", source)) as (read_stream, write_stream):
            drained = anyio.Event()

            async def answer_refusals() -> None:
                try:
                    async with refusals_out:
                        async for error in refusals_out:
                            with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                                await write_stream.send(SessionMessage(error))
                finally:
                    drained.set()

            async with anyio.create_task_group() as tg:
                tg.start_soon(answer_refusals)
                # The SDK's own in-memory client reaches the low-level server the same way; MCPServer
                # has no public method that serves given streams.
                lowlevel = server._lowlevel_server  # pyright: ignore[reportPrivateUsage]
                await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
                # Stdin ended: answers still queued go out, unless the server stopped for another
                # reason while stdin stays open (then nothing more would come).
                with anyio.move_on_after(_DRAIN_S):
                    await drained.wait()
                tg.cancel_scope.cancel()
