"""Migrated databases for integration tests, on SQLite and on PostgreSQL.

Tests create their own uniquely named PostgreSQL databases on 127.0.0.1:5432 (user postgres,
trust auth; ``BELEGSYNC_TEST_POSTGRES_DSN`` overrides) and drop them at the end of the
session; without a reachable server (or without psycopg) the PostgreSQL variants are skipped
with the reason (and fail in CI, see tests/conftest.py).

Import the fixtures into an area's conftest.py: ``uow_factory`` (with ``database_url``,
``sqlite_template``, ``migrated_pg_url``, ``make_pg_database``, ``pg_admin``, ``clock``) is
parametrised: each test runs once on a fresh SQLite file copied from one migrated template,
and once on the session's migrated PostgreSQL database, emptied before each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.models import Base
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.store_helpers import sqlite_url

PG_ADMIN_DSN = os.environ.get(
    "BELEGSYNC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_url(name: str) -> str:
    """The SQLAlchemy URL of the database ``name`` on the server of ``PG_ADMIN_DSN``."""
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


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
        return pg_url(name)

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(sqlite_url(path))
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    """The URL of a copy of a migrated SQLite database in ``directory``."""
    path = directory / "belegsync.sqlite3"
    shutil.copyfile(template, path)
    return sqlite_url(path)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the parametrised backend."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    url: str = request.getfixturevalue("migrated_pg_url")
    truncate_all(url)
    return url


@pytest.fixture
async def uow_factory(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(database_url)
    yield UnitOfWorkFactory(create_session_factory(engine))
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 3, 8, 9, 0, tzinfo=UTC))
