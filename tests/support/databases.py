"""Migrated databases for integration tests, on SQLite and on PostgreSQL.

Import the fixtures into an area's conftest.py (``from support.databases import
clock, uow_factory``, plus the fixtures they use). ``uow_factory`` is parametrised:
each test runs once on a fresh SQLite file (copied from one migrated template) and
once on PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth; one migrated
database per session, emptied before each test). Without a reachable server the
PostgreSQL half is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(sqlite_url(path))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One migrated PostgreSQL database for the session, dropped at its end."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'psycopg[binary]>=3.2,<4'")
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: {error}".strip())
    name = f"belegsync_it_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        url = f"{base}/{name}"
        try:
            upgrade(url)
            yield url
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _empty_postgres(url: str) -> None:
    import psycopg

    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the parametrised backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "belegsync.sqlite3"
        shutil.copyfile(template, path)
        return sqlite_url(path)
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
async def uow_factory(database_url: str) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(database_url)
    yield UnitOfWorkFactory(create_session_factory(engine))
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 3, 8, 9, 0, tzinfo=UTC))


__all__ = [
    "clock",
    "database_url",
    "postgres_url",
    "sqlite_template",
    "uow_factory",
]
