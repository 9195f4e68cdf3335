"""The cold-start floor: a bare ``MCPServer`` with one tool, served over stdio.

Launched exactly like the real server (``python -m bench.bare_server`` vs ``python -m pixapi_mcp
serve --sandbox``, same interpreter, same environment), so the difference between the two is what
pixapi-mcp itself adds at start-up.
"""

from mcp.server import MCPServer

server = MCPServer("bare")


@server.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


if __name__ == "__main__":
    server.run()
