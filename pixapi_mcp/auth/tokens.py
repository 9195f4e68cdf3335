"""Named tokens: one bearer token per person, for a small team without an identity provider.

The file (``PIXAPI_MCP_TOKENS_FILE``, default ``tokens.json`` in the data folder) maps each name
to the SHA-256 of its token, never the token: a token is 32 random bytes shown once by
``pixapi-mcp token create NAME``. The server re-reads the file whenever it changes (its mtime,
size or inode), so ``token revoke NAME`` takes effect on the next request without a restart.
Writes go to a temporary file renamed over the old one, so a reader never sees half a file, and
each change (read, modify, write) holds an exclusive lock on ``<file>.lock``, so two ``token
create`` run at once (two operators, a script, two replicas' volumes) both land: without it the
second rename would drop the first's entry.

The standard library and pydantic only: the CLI's ``token`` command loads no SDK.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import tempfile
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

# A recognisable prefix lets secret scanners (and people) tell a pixapi-mcp token from other strings.
TOKEN_PREFIX = "pxm_"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_FORMAT_VERSION = 1


class TokenFileError(ValueError):
    """A named-token operation cannot be done (bad name, duplicate, unreadable file); the
    message says what to do."""


@dataclass(frozen=True, slots=True)
class NamedToken:
    """One entry of the tokens file: who, when created, and what the token may do."""

    name: str
    sha256: str
    created_at: str
    team: str | None = None
    admin: bool = False
    scopes: tuple[str, ...] = ()


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token: what the file stores, and what a presented token is compared by.
    A plain hash suffices (no salt, no slow KDF) because the token is 256 random bits, not a password."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def new_token() -> str:
    """A fresh token: the prefix and 32 random bytes, URL-safe base64."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class TokenFile:
    """The tokens file, read again only when it has changed on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signature: tuple[int, int, int] | None = None
        self._entries: tuple[NamedToken, ...] = ()

    def entries(self) -> tuple[NamedToken, ...]:
        """Every token now in the file. A missing file is no token; an unreadable or malformed one
        is no token either (logged): a revocation must never be undone by a bad edit."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._signature, self._entries = None, ()
            return ()
        except OSError as exc:
            log.error("Cannot read the tokens file %s: %s; refusing every named token", self.path, exc)
            self._signature, self._entries = None, ()
            return ()
        signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        if signature != self._signature:
            try:
                self._entries = _parse(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.error("The tokens file %s is unreadable (%s); refusing every named token", self.path, exc)
                self._entries = ()
            self._signature = signature
        return self._entries

    def match(self, token: str) -> NamedToken | None:
        """The entry whose hash is the presented token's. Every entry is compared, in constant time,
        so the answer's timing says nothing about which hash came close."""
        presented = token_hash(token)
        found: NamedToken | None = None
        for entry in self.entries():
            if hmac.compare_digest(presented, entry.sha256):
                found = entry
        return found

    # -- the CLI's side: create, revoke, list --------------------------------------------------

    def create(self, name: str, *, team: str | None = None, admin: bool = False) -> str:
        """Add ``name`` with a fresh token and return the token (shown once; only its hash is kept)."""
        if not NAME_PATTERN.match(name):
            raise TokenFileError(
                f"{name!r} is not a token name: use letters, digits, '.', '_', '@' or '-' (at most 64)"
            )
        with self._locked():
            current = {e.name: e for e in self._read_strict()}
            if name in current:
                raise TokenFileError(f"a token named {name!r} exists; revoke it first to replace it")
            token = new_token()
            created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            current[name] = NamedToken(name, token_hash(token), created, team, admin)
            self._write(list(current.values()))
        return token

    def revoke(self, name: str) -> bool:
        """Remove ``name``; False when there was no such token."""
        with self._locked():
            current = self._read_strict()
            kept = [e for e in current if e.name != name]
            if len(kept) == len(current):
                return False
            self._write(kept)
        return True

    def listed(self) -> tuple[NamedToken, ...]:
        """The entries, for ``token list`` (which shows names and dates, never hashes)."""
        return self._read_strict()

    @contextmanager
    def _locked(self) -> Generator[None]:
        """Hold the exclusive lock on ``<file>.lock`` (blocking until other writers are done)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                if sys.platform == "win32":
                    import msvcrt

                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises OSError
                else:
                    import fcntl

                    fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:
                raise TokenFileError(f"cannot lock {lock}: {exc.strerror or exc}") from None
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _read_strict(self) -> tuple[NamedToken, ...]:
        try:
            return _parse(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ()
        except (OSError, ValueError) as exc:
            raise TokenFileError(f"cannot read {self.path}: {exc}") from None

    def _write(self, entries: list[NamedToken]) -> None:
        body = {
            "version": _FORMAT_VERSION,
            "tokens": {
                e.name: {
                    "sha256": e.sha256,
                    "created_at": e.created_at,
                    "team": e.team,
                    "admin": e.admin,
                    "scopes": list(e.scopes),
                }
                for e in sorted(entries, key=lambda e: e.name)
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            # Hashes are no secret worth stealing, but nobody else needs to read who has a token.
            os.chmod(tmp, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(body, handle, indent=2)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_at: str = ""
    team: str | None = None
    admin: bool = False
    scopes: tuple[str, ...] = ()


class _File(BaseModel):
    version: Literal[1]
    tokens: dict[str, _Entry] = {}


def _parse(text: str) -> tuple[NamedToken, ...]:
    try:
        data = _File.model_validate_json(text)
    except ValidationError as exc:
        raise ValueError(
            f"not a tokens file of version {_FORMAT_VERSION}: {exc.errors()[0]['msg']}"
        ) from None
    return tuple(
        NamedToken(name, e.sha256, e.created_at, e.team, e.admin, e.scopes) for name, e in data.tokens.items()
    )
