"""Matching integration tests run on SQLite and on PostgreSQL (see support.databases)."""

from __future__ import annotations

from support.databases import (  # noqa: F401 (fixtures)
    clock,
    database_url,
    make_pg_database,
    migrated_pg_url,
    pg_admin,
    sqlite_template,
    uow_factory,
)
