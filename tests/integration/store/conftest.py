"""Store fixtures, parametrised over SQLite (a file per test) and PostgreSQL.

PostgreSQL tests create their own uniquely named databases on 127.0.0.1:5432 (user
postgres, trust auth) and drop them at the end of the session. Without a reachable
server (or without psycopg) they are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.models import Base
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import sqlite_url

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


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(sqlite_url(path))
    return path


def _truncate_all(url: str) -> None:
    import psycopg

    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the parametrised backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        path = tmp_path / "belegsync.sqlite3"
        shutil.copyfile(template, path)
        return sqlite_url(path)
    url: str = request.getfixturevalue("migrated_pg_url")
    _truncate_all(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no tables) of the parametrised backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "empty.sqlite3")
    make: Callable[[], str] = request.getfixturevalue("make_pg_database")
    return make()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def uow_factory(session_factory: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(session_factory)
