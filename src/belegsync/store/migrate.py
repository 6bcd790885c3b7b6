"""Run the Alembic migrations that ship inside the package (``belegsync migrate``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from belegsync.store.db import create_engine, read_only

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_config(database_url: str) -> Config:
    """An Alembic config built in code: there is no ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` (default: the newest).

    Synchronous: it runs its own event loop. From async code call it via
    ``await asyncio.to_thread(upgrade, url)``.
    """
    command.upgrade(make_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Take the schema back to ``revision`` (``"base"`` removes every table)."""
    command.downgrade(make_config(database_url), revision)


def head_revisions() -> frozenset[str]:
    """Every head shipped (one, unless two branches of work meet before being merged)."""
    return frozenset(ScriptDirectory.from_config(make_config("")).get_heads())


async def current_revisions(database_url: str) -> frozenset[str]:
    """The heads the database is at (empty for an empty database). A read: it takes no
    write lock (SQLite), so a command starts while another process writes."""
    engine = create_engine(database_url)
    try:
        async with read_only(engine).connect() as connection:
            return await connection.run_sync(_current_heads)
    finally:
        await engine.dispose()


def _current_heads(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())
