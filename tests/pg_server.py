"""A throwaway PostgreSQL server for the tests: its own cluster in a temporary folder, started
with ``initdb``/``pg_ctl`` from the machine's PostgreSQL binaries, listening on 127.0.0.1 only,
with a random superuser password (so URLs carry a secret the code under test must never print).

PostgreSQL refuses to run as root; when the tests run as root (CI), the cluster runs as the
``postgres`` system user the Debian package creates (or ``nobody``), through ``subprocess``'s
``user=``. A watchdog process stops the cluster if the test process dies without cleaning up, so
no server outlives its run.

Without PostgreSQL binaries the tests that need it skip with the command that installs them; with
``CI=true`` they fail instead (``.ci/run`` installs PostgreSQL itself).

Fixtures (registered in ``tests/conftest.py``): ``postgres`` (session: the running cluster) and
``pg_url`` (a fresh, empty database per test, as a ``postgresql://`` URL).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

INSTALL_HINT = "apt-get install postgresql (or set PIXAPI_TEST_PG_BIN to a folder holding initdb and pg_ctl)"

# Stops the cluster when the process that started it is gone (it checks once a second).
_WATCHDOG = """
import os, subprocess, sys, time
parent, pg_ctl, data, user = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] or None
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    if not os.path.exists(os.path.join(data, "postmaster.pid")):
        sys.exit(0)
    time.sleep(1)
subprocess.run([pg_ctl, "-D", data, "-m", "immediate", "stop"], user=user, capture_output=True)
"""


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``PIXAPI_TEST_PG_BIN``, then ``pg_config
    --bindir``, then Debian's ``/usr/lib/postgresql/<newest>/bin``, then ``PATH``."""
    candidates: list[str] = []
    if env := os.environ.get("PIXAPI_TEST_PG_BIN"):
        candidates.append(env)
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            candidates.append(
                subprocess.run(
                    [pg_config, "--bindir"], capture_output=True, text=True, check=True
                ).stdout.strip()
            )
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
    )
    candidates.extend(reversed(debian))
    if initdb := shutil.which("initdb"):
        candidates.append(str(Path(os.path.realpath(initdb)).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _run_as() -> str | None:
    """The user to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root with no 'postgres' or 'nobody' user to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    """A running throwaway cluster; ``create_database`` gives each test its own database."""

    bindir: Path
    root: Path
    port: int
    user: str | None
    password: str = field(repr=False)
    superuser: str = "pixapi_test"
    max_connections: int = 300
    # fsync and synchronous commit off: fast, but a crash (``halt("immediate")``) loses the last
    # commits; a cluster a test crashes keeps them on.
    fast: bool = True
    _count: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        """The database's URL, the password percent-encoded (it may hold ``@``, ``/``, ``%``…)."""
        return f"postgresql://{self.superuser}:{quote(self.password, safe='')}@127.0.0.1:{self.port}/{dbname}"

    def _client_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password, "PGHOST": "127.0.0.1", "PGPORT": str(self.port)}

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run ``sql`` with psql as the superuser; returns its unaligned output."""
        psql = self.bindir / "psql"
        exe = str(psql) if psql.is_file() else (shutil.which("psql") or "psql")
        done = subprocess.run(
            [
                exe,
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                self.superuser,
                "-d",
                dbname,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            env=self._client_env(),
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        self._count += 1
        name = name or f"t{os.getpid()}_{self._count}_{secrets.token_hex(3)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def halt(self, mode: str = "fast") -> None:
        """Stop the server (``pg_ctl stop -m fast|immediate``) and keep its data: ``resume`` starts
        it again on the same port, as an operator's restart or a crash would."""
        done = subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=90,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {done.stderr.strip()}")

    def resume(self) -> None:
        """Start a server ``halt`` stopped, with its watchdog."""
        _pg_start(self)

    def stop(self) -> None:
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            user=self.user,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(
    bindir: Path, *, max_connections: int = 300, password: str | None = None, fast: bool = True
) -> PostgresCluster:
    """initdb a new cluster in a temporary folder and start it on a free 127.0.0.1 port
    (``password``: the superuser's, else a random one; ``fast``: see ``PostgresCluster.fast``)."""
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="pixapi-pg-"))
    password = password or secrets.token_urlsafe(18)
    (root / "pw").write_text(password + "\n")
    if user is not None:
        entry = pwd.getpwnam(user)
        for path in (root, root / "pw"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    cluster = PostgresCluster(
        bindir, root, _free_port(), user, password, max_connections=max_connections, fast=fast
    )
    run = {"user": user, "capture_output": True, "text": True, "timeout": 120, "cwd": str(root)}
    init = subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(cluster.data),
            "-U",
            cluster.superuser,
            f"--pwfile={root / 'pw'}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        **run,  # type: ignore[arg-type]
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip()[-2000:]}")
    (root / "pw").unlink()
    _pg_start(cluster)
    return cluster


def _pg_start(cluster: PostgresCluster) -> None:
    """``pg_ctl start`` on 127.0.0.1 only, and a watchdog that stops it if this process dies."""
    root, bindir = cluster.root, cluster.bindir
    run = {"user": cluster.user, "capture_output": True, "text": True, "timeout": 120, "cwd": str(root)}
    options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections={cluster.max_connections}"
    if cluster.fast:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    start = subprocess.run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(cluster.data),
            "-l",
            str(root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ],
        **run,  # type: ignore[arg-type]
    )
    if start.returncode != 0:
        log_text = (root / "log").read_text(errors="replace")[-2000:] if (root / "log").exists() else ""
        cluster.stop()
        raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()} {log_text}")
    subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WATCHDOG,
            str(os.getpid()),
            str(bindir / "pg_ctl"),
            str(cluster.data),
            cluster.user or "",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _missing(message: str) -> None:
    """Skip locally, fail in CI: ``.ci/run`` installs PostgreSQL itself."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster for the whole run (started on first use)."""
    bindir = find_bindir()
    if bindir is None:
        _missing(f"PostgreSQL is not installed: {INSTALL_HINT}")
        raise AssertionError  # unreachable: _missing raises
    cluster = start_cluster(bindir)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(postgres: PostgresCluster) -> str:
    """A fresh empty database on the session's cluster, as a ``postgresql://`` URL."""
    return postgres.create_database()
