"""``triage``: which stdio lines the SDK can read, and the JSON-RPC answer for every other one
(the subprocess test in test_stdio.py drives the same cases over a real pipe)."""

from __future__ import annotations

import json

import pytest

from pixapi_mcp.stdio import INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, triage

VALID = [
    {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}},
    {"jsonrpc": "2.0", "id": "a-string-id", "method": "ping"},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "x", "arguments": {"q": "é ☃ 𝄞"}}},
    {"jsonrpc": "2.0", "id": 4, "result": {}},  # the client answering a server request
    {"jsonrpc": "2.0", "id": 5, "error": {"code": -1, "message": "no"}},
]


@pytest.mark.parametrize("message", VALID)
def test_what_the_sdk_reads_passes_unchanged(message: dict[str, object]) -> None:
    assert triage(json.dumps(message, ensure_ascii=False) + "\n") is None


REFUSED = [
    ("not json", PARSE_ERROR, None, True),
    ('{"jsonrpc": "2.0", "id": 1, "method": "ping"', PARSE_ERROR, None, True),
    ("[" * 100_000, PARSE_ERROR, None, True),  # nesting too deep for the parser
    ('[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]', INVALID_REQUEST, None, True),
    ('"just a string"', INVALID_REQUEST, None, True),
    ('{"jsonrpc": "1.0", "id": 2, "method": "ping"}', INVALID_REQUEST, 2, True),
    ('{"id": 2, "method": "ping"}', INVALID_REQUEST, 2, True),
    ('{"jsonrpc": "2.0", "id": null, "method": "ping"}', INVALID_REQUEST, None, True),
    ('{"jsonrpc": "2.0", "id": 1.5, "method": "ping"}', INVALID_REQUEST, None, True),
    ('{"jsonrpc": "2.0", "id": false, "method": "ping"}', INVALID_REQUEST, None, True),
    ('{"jsonrpc": "2.0", "id": "\\udc00", "method": "ping"}', INVALID_REQUEST, None, True),
    ('{"jsonrpc": "2.0", "id": 3}', INVALID_REQUEST, 3, True),
    ('{"jsonrpc": "2.0", "method": 7}', INVALID_REQUEST, None, True),
    ('{"jsonrpc": "2.0", "id": 4, "method": "ping", "params": 1}', INVALID_REQUEST, 4, True),
    ('{"jsonrpc": "2.0", "id": 5, "method": "tools/list", "params": []}', INVALID_PARAMS, 5, True),
    (
        '{"jsonrpc": "2.0", "id": "s", "method": "tools/call", "params": {"a": "\\ud800"}}',
        INVALID_PARAMS,
        "s",
        True,
    ),
    ('{"jsonrpc": "2.0", "id": 6, "method": "\\ud800"}', INVALID_REQUEST, 6, True),
    # Notifications and client responses are never answered, however broken.
    ('{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": [1]}', INVALID_PARAMS, None, False),
    (
        '{"jsonrpc": "2.0", "method": "notifications/x", "params": {"a": "\\ud800"}}',
        INVALID_PARAMS,
        None,
        False,
    ),
    ('{"jsonrpc": "1.0", "id": 7, "result": {}}', INVALID_REQUEST, 7, False),
    ('{"jsonrpc": "2.0", "result": {}}', INVALID_REQUEST, None, False),
    ('{"jsonrpc": "2.0", "id": 8, "error": "not an object"}', INVALID_REQUEST, 8, False),
]


@pytest.mark.parametrize(("line", "code", "request_id", "answered"), REFUSED)
def test_every_other_line_gets_its_json_rpc_error(
    line: str, code: int, request_id: str | int | None, answered: bool
) -> None:
    refusal = triage(line)
    assert refusal is not None
    assert (refusal.code, refusal.id, refusal.answer) == (code, request_id, answered)
    error = json.loads(refusal.to_message().model_dump_json(by_alias=True, exclude_unset=True))
    assert error == {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": refusal.message}}
