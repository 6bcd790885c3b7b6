"""PostgreSQL for the integration tests, next to SQLite.

Tests create their own uniquely named databases on 127.0.0.1:5432 (user postgres, trust
auth; ``BELEGSYNC_TEST_POSTGRES_DSN`` overrides) and drop them at the end of the session.
Without a reachable server (or without psycopg) the PostgreSQL variants are skipped with
the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from belegsync.store.migrate import upgrade
from belegsync.store.models import Base

PG_ADMIN_DSN = os.environ.get(
    "BELEGSYNC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Any]:
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'psycopg[binary]>=3.2,<4'")
    try:
        connection = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: {error}".strip())
    with connection:
        yield connection


@pytest.fixture(scope="session")
def make_pg_database(pg_admin: Any) -> Iterator[Callable[[], str]]:
    """Creates empty databases named belegsync_store_<random>; drops them afterwards."""
    from psycopg import sql

    created: list[str] = []

    def make() -> str:
        name = f"belegsync_store_{uuid.uuid4().hex[:12]}"
        pg_admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{name}"

    yield make
    for name in created:
        pg_admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def migrated_pg_url(make_pg_database: Callable[[], str]) -> str:
    url = make_pg_database()
    upgrade(url)
    return url


def truncate_all(url: str) -> None:
    """Empty every table of the migrated PostgreSQL database at ``url``."""
    import psycopg

    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def clean_pg_url(migrated_pg_url: str) -> str:
    """The session's migrated PostgreSQL database, emptied for this test."""
    truncate_all(migrated_pg_url)
    return migrated_pg_url
