"""The per-request CPU floor over streamable HTTP: a bare ``MCPServer`` whose tools return saved results.

``python -m bench.bare_http RESULTS.json`` serves one tool per entry of the file (``{name: a
tools/call result as JSON}``), each answering with that result as it was saved: the same content
and structured content, so the same bytes on the wire, with no arguments to check, no output
schema to validate it against and no work to do. It binds 127.0.0.1 on a free port, prints its
MCP URL on stdout, and stops when its stdin closes. ``bench.http_cpu`` compares pixapi-mcp with it.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import uvicorn
from mcp.server import MCPServer
from mcp_types import CallToolResult

from pixapi_mcp.listen import bind_listening_socket


def build(results: dict[str, Any]) -> MCPServer:
    server = MCPServer("bare-http")
    for name, saved in results.items():
        answer = CallToolResult.model_validate(saved)

        # Async, so the SDK runs it on the loop (a sync tool would take a worker-thread hop).
        async def call(answer: CallToolResult = answer) -> CallToolResult:
            return answer

        server.add_tool(call, name=name, description=f"Answers the saved {name} result.")
    return server


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    sock = bind_listening_socket("127.0.0.1", 0)
    port = int(sock.getsockname()[1])
    app = build(results).streamable_http_app(host="127.0.0.1")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    # Stop when the parent closes stdin (it never leaves a stray server behind).
    threading.Thread(
        target=lambda: (sys.stdin.read(), setattr(server, "should_exit", True)), daemon=True
    ).start()
    sys.stdout.write(f"http://127.0.0.1:{port}/mcp\n")
    sys.stdout.flush()
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
