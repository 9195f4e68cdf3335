"""The test PostgreSQL server itself: it starts on loopback, as a non-root user, with a password."""

from __future__ import annotations

import socket

from tests.pg_server import PostgresCluster


def test_cluster_serves_fresh_databases_on_loopback_only(postgres: PostgresCluster, pg_url: str) -> None:
    dbname = pg_url.rsplit("/", 1)[1]
    assert postgres.psql("SELECT current_database()", dbname) == dbname
    assert postgres.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", dbname) == "0"
    assert postgres.psql("SHOW listen_addresses") == "127.0.0.1"
    # A server process never runs as root.
    assert postgres.psql("SELECT current_setting('data_directory') IS NOT NULL") == "t"
    assert postgres.user != "root"
    # A wrong password is refused: the URL's secret is what lets a client in.
    wrong = PostgresCluster(postgres.bindir, postgres.root, postgres.port, postgres.user, "not-the-password")
    try:
        wrong.psql("SELECT 1")
    except RuntimeError as exc:
        assert "password authentication failed" in str(exc)
    else:
        raise AssertionError("a wrong password was accepted")
    with socket.create_connection(("127.0.0.1", postgres.port), timeout=5):
        pass
