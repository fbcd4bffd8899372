"""Store fixtures: a throwaway PostgreSQL server for the tests that run on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres_server import PgCluster


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    cluster = PgCluster()
    reason = cluster.unavailable_reason()
    if reason:
        pytest.skip(reason)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg: PgCluster) -> str:
    """A new empty database on the test server."""
    return pg.new_database()
