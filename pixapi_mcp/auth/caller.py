"""The caller of the current request, for tool code: ``current_caller()``.

The HTTP front (``pixapi_mcp.auth.http``) sets it for each request once the credential is
verified; the SDK carries context variables from the HTTP request into the tool call (it copies the
context with each message), so a tool sees the caller whose request it serves. With no front (stdio,
or HTTP on loopback without any token) the caller is ``LOCAL_CALLER``: one user, as before.

A ``Caller`` holds no credential: the token a caller presented stays in the front, and nothing
here can pass it on (the Pixapi key is the server's own).
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: a stable ``id`` (what rows, tasks and budgets are keyed by), a display
    ``name``, the OAuth ``scopes`` the credential carries, whether it may see everyone's work
    (``admin``), and its ``team`` (for team budgets), if any.

    Ids are namespaced by how the caller proved who it is, so no two modes can collide:
    ``local``, ``shared`` (PIXAPI_MCP_TOKEN), ``token:NAME`` (named tokens), ``oauth:SUB``."""

    id: str
    name: str
    scopes: frozenset[str] = frozenset()
    admin: bool = False
    team: str | None = None


# stdio is one person's server; so is the shared token (everyone holding it is one caller that has
# always seen all the work), hence admin: both keep seeing what they saw before identities existed.
LOCAL_CALLER = Caller(id="local", name="local", admin=True)

_current: ContextVar[Caller | None] = ContextVar("pixapi_mcp_caller", default=None)


def current_caller() -> Caller:
    """The caller of the request being served; ``LOCAL_CALLER`` outside an authenticated HTTP request."""
    return _current.get() or LOCAL_CALLER


@contextmanager
def acting_as(caller: Caller) -> Generator[None]:
    """Make ``caller`` the current caller inside the block (the HTTP front, and tests)."""
    token = _current.set(caller)
    try:
        yield
    finally:
        _current.reset(token)
