"""PostgreSQL for tests: databases named belegsync_test_<random> on 127.0.0.1:5432,
created (optionally as a copy of a template database) and dropped by the tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

PG_ADMIN_DSN = os.environ.get(
    "BELEGSYNC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


class PgDatabases:
    """Creates databases through an admin connection and drops them all at the end."""

    def __init__(self, admin: Any) -> None:
        self._admin = admin
        self.created: list[str] = []

    def create(self, *, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); returns its SQLAlchemy URL."""
        from psycopg import sql

        name = f"belegsync_test_{uuid.uuid4().hex[:12]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        self._admin.execute(statement)
        self.created.append(name)
        return url_of(name)

    def drop_all(self) -> None:
        from psycopg import sql

        for name in self.created:
            self._admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def url_of(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def name_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def open_pg_databases() -> Iterator[PgDatabases]:
    """The body of a session fixture: skips (with the reason) when PostgreSQL is down."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed")
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: {error}".strip())
    with admin:
        databases = PgDatabases(admin)
        try:
            yield databases
        finally:
            databases.drop_all()
