"""Fleet fixtures: one real PostgreSQL server for the whole run, and a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.fleet.pg_server import PostgresServer


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer().init()
    server.start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def fleet_dsn(pg_server: PostgresServer) -> str:
    """A new, empty database on the server (not yet initialised with `aisle fleet init`)."""
    if not pg_server.running():
        pg_server.start()  # a test that stopped the server and failed before restarting it
    return pg_server.create_database("t_" + uuid.uuid4().hex[:12])
