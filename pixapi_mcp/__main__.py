"""``python -m pixapi_mcp`` is the same as the ``pixapi-mcp`` command."""

from pixapi_mcp.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
