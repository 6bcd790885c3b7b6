"""Banking integration tests run on SQLite and on PostgreSQL (see support.databases); the bank
pages use the web stack."""

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
from support.sync_harness import migrated_template
from support.web_stack import (
    pg_databases,
    pg_web_template,
    sqlite_web_template,
    stack,
    web_template,
)

__all__ = [
    "migrated_template",
    "pg_databases",
    "pg_web_template",
    "sqlite_web_template",
    "stack",
    "web_template",
]
