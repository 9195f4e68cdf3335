"""pixapi-mcp: a Model Context Protocol server for the Pixapi image and video API.

Importing the package does no work: settings are read in ``cli.main()`` and the server is built by
``pixapi_mcp.server.build_server``.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
