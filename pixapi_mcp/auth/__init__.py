"""Identity over HTTP: who is calling.

- ``caller``: the ``Caller`` of the current request and ``current_caller()``, the one function tool
  code asks (stdio and unauthenticated loopback HTTP: the single local caller). Light: no SDK, no
  HTTP stack, so tools may import it.
- ``tokens``: named tokens (a file of name -> SHA-256 hash, re-read when it changes) and the single
  shared ``PIXAPI_MCP_TOKEN``; ``pixapi-mcp token create|revoke|list``.
- ``jwks``: the issuer's signing keys, discovered, fetched (bounded) and cached, refetched once
  for an unknown key id (rate-limited).
- ``oauth``: OAuth 2.1 resource server: JWT access tokens verified locally with PyJWT (issuer,
  audience = this server, expiry, scopes, an explicit list of algorithms).
- ``http``: the ASGI front: protected-resource metadata (RFC 9728), the ``WWW-Authenticate``
  challenge, per-caller rate limits, and ``protect(app, settings)``, which picks the mode.

Only ``http_server`` (and the CLI's ``token`` command) load more than ``caller``.
"""

from pixapi_mcp.auth.caller import LOCAL_CALLER, Caller, current_caller

__all__ = ["LOCAL_CALLER", "Caller", "current_caller"]
