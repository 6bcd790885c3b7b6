"""Store fixtures, parametrised over SQLite (a file per test) and PostgreSQL.

PostgreSQL tests create their own uniquely named databases on 127.0.0.1:5432 (user
postgres, trust auth) and drop them at the end of the session. Without a reachable
server (or without psycopg) they are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.uow import UnitOfWorkFactory
from support.databases import (
    BACKENDS,
    make_pg_database,
    migrated_pg_url,
    pg_admin,
    sqlite_copy,
    truncate_all,
)
from support.store_helpers import sqlite_url

__all__ = ["make_pg_database", "migrated_pg_url", "pg_admin"]


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(sqlite_url(path))
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the parametrised backend."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("migrated_sqlite_template"), tmp_path)
    url: str = request.getfixturevalue("migrated_pg_url")
    truncate_all(url)
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
