"""Alembic environment for belegsync (async engines via ``run_sync``).

Started by :mod:`belegsync.store.migrate`, which passes the database URL in
``config.attributes["database_url"]`` (or an open sync connection in
``config.attributes["connection"]``).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from belegsync.store.db import create_engine, normalize_database_url
from belegsync.store.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("BELEGSYNC_DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: use belegsync.store.migrate.upgrade(url)")
    return str(url)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types (``UTCDateTime``, ``Cents``) as their plain SQL types, so
    revisions do not import application code that may change later (``sa`` is
    imported by ``script.py.mako``)."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        **options,
    )


def run_migrations_offline() -> None:
    _configure(
        url=normalize_database_url(_database_url()),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    # Our SQLite engine emits BEGIN itself, so DDL is transactional there too: a failing
    # migration leaves the schema as it was.
    _configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    # Foreign keys stay off on SQLite while migrating: batch mode copies and drops
    # tables, which would otherwise cascade or fail.
    engine = create_engine(_database_url(), sqlite_foreign_keys=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
