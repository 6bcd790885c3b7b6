"""Engines and sessions for SQLite (aiosqlite, the embedded default) and PostgreSQL (psycopg)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from belegsync.store import jsoncodec

SQLITE_FILENAME = "belegsync.sqlite3"
DEFAULT_BUSY_TIMEOUT_MS = 30_000
# An execution option of the engine: the connection's transactions only read.
READ_ONLY_OPTION = "belegsync_read_only"
# Pages in SQLite's write-ahead log before a commit copies the log into the database
# file itself (a checkpoint, with a sync of the file). SQLite's default of 1,000 pages is
# what one matching run of 200 links writes (seven indexes on the links): every such
# commit checkpointed, about 70 ms of a 0.3 s run. ``serve`` checkpoints in the
# background (:func:`checkpoint_forever`); this bounds the log of the processes that
# never do (one-shot commands).
WAL_AUTOCHECKPOINT_PAGES = 8192
CHECKPOINT_EVERY_SECONDS = 5.0

log = structlog.get_logger("belegsync.store")

_DRIVER_FOR_BACKEND = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


def default_database_url(data_dir: Path) -> str:
    """The embedded default: an SQLite file ``belegsync.sqlite3`` in the data directory."""
    return f"sqlite+aiosqlite:///{(data_dir / SQLITE_FILENAME).resolve()}"


def normalize_database_url(database_url: str | URL) -> URL:
    """Pick the async driver we ship with (``sqlite:`` → aiosqlite, ``postgresql:`` → psycopg).

    ``postgres://`` (as some hosting platforms print it) is accepted as PostgreSQL.
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    driver = _DRIVER_FOR_BACKEND.get(backend)
    if driver is None:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if url.drivername == backend or url.drivername == "postgres":
        url = url.set(drivername=driver)
    return url


def is_sqlite(database_url: str | URL) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def libpq_url(database_url: str) -> str:
    """``postgresql+psycopg://u@h:5432/db`` → the plain libpq URL (for Procrastinate's
    connector); ``ValueError`` for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {url.get_backend_name()}")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(
    database_url: str | URL,
    *,
    echo: bool = False,
    sqlite_foreign_keys: bool = True,
    sqlite_busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    pool_size: int | None = None,
) -> AsyncEngine:
    """Create the async engine for ``database_url``.

    JSON columns use :mod:`belegsync.store.jsoncodec` on both databases, so decimals
    in raw Lexware documents keep their digits. SQLite connections get real
    transactions (see :func:`_configure_sqlite`). ``sqlite_foreign_keys=False`` is for
    migrations only: SQLite's batch mode recreates tables, which must not cascade.
    """
    url = normalize_database_url(database_url)
    options: dict[str, Any] = {
        "echo": echo,
        "json_serializer": jsoncodec.dumps,
        "json_deserializer": jsoncodec.loads,
    }
    if url.get_backend_name() == "postgresql":
        options["pool_pre_ping"] = True
        # A worker runs many syncs at once, each writing in short transactions: on a busy
        # machine a sync waits for a pooled connection rather than failing after 30 s.
        options.update(pool_timeout=120)
        if pool_size is not None:
            # A hard cap (no overflow): the processes' pools must fit max_connections.
            options.update(pool_size=pool_size, max_overflow=0)
    engine = _create_async_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(
            engine,
            foreign_keys=sqlite_foreign_keys,
            busy_timeout_ms=sqlite_busy_timeout_ms,
            wal=url.database not in (None, "", ":memory:"),
        )
    return engine


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool for transactions that only read: on SQLite they begin
    DEFERRED instead of IMMEDIATE, so they take no write lock."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions keep loaded attributes after commit (``expire_on_commit=False``), so
    objects can be read after their short write transaction without lazy loads."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _configure_sqlite(
    engine: AsyncEngine, *, foreign_keys: bool, busy_timeout_ms: int, wal: bool
) -> None:
    # Python 3.11's sqlite3 (and aiosqlite on top of it) only emits BEGIN before DML,
    # which breaks SAVEPOINT and transactional DDL. We switch its transaction handling
    # off and emit BEGIN ourselves, as the SQLAlchemy SQLite docs describe. IMMEDIATE
    # takes the write lock at the start: a transaction that reads then writes cannot
    # fail halfway with "database is locked"; it waits (busy timeout) up front instead.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL cannot corrupt the database; a power cut may lose
                # the last commits, which the idempotent sync fetches again.
                cursor.execute("PRAGMA synchronous = NORMAL")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers (see :func:`read_only`) begin DEFERRED: in WAL mode they read a
        # snapshot without any lock, so pages never queue behind each other or a sync.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def checkpoint_wal(database_url: str | URL) -> tuple[int, int, int]:
    """Copy SQLite's write-ahead log into the database file now, over a connection of
    its own: ``PRAGMA wal_checkpoint(PASSIVE)`` waits for no lock and leaves the frames
    a reader still needs for a later round. Returns (busy, frames in the log, frames
    copied); (0, 0, 0) for a database without a file or not in WAL mode."""
    path = make_url(database_url).database
    if not path or path == ":memory:" or not Path(path).is_file():
        return (0, 0, 0)
    connection = sqlite3.connect(path, timeout=0)
    try:
        busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        connection.close()
    return (int(busy), max(0, int(frames)), max(0, int(copied)))


async def checkpoint_forever(
    database_url: str | URL,
    *,
    every_seconds: float = CHECKPOINT_EVERY_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Checkpoint the SQLite log in the background (in a thread) every ``every_seconds``,
    so that no request's or run's commit pays for it (``WAL_AUTOCHECKPOINT_PAGES``).
    A failed round is logged; the next one tries again."""
    while True:
        try:
            await asyncio.to_thread(checkpoint_wal, database_url)
        except (sqlite3.Error, OSError) as error:
            log.warning("wal_checkpoint_failed", error=str(error))
        await sleep(every_seconds)
