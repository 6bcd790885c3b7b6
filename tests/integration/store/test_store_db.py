from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from belegsync.store.db import (
    WAL_AUTOCHECKPOINT_PAGES,
    checkpoint_forever,
    checkpoint_wal,
    create_engine,
    create_session_factory,
    default_database_url,
    normalize_database_url,
)
from belegsync.store.errors import is_busy
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import NOW


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        journal_mode = await connection.scalar(text("PRAGMA journal_mode"))
        foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
        busy_timeout = await connection.scalar(text("PRAGMA busy_timeout"))

    assert (journal_mode, foreign_keys, busy_timeout) == ("wal", 1, 30_000)


async def test_a_commit_leaves_the_wal_checkpoint_to_the_background(tmp_path: Path) -> None:
    # SQLite's default copied the log into the file in the commit of every transaction
    # that wrote 1,000 pages (a matching run of 200 links): ~70 ms of a 0.3 s run
    path = tmp_path / "wal.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            pages = await connection.scalar(text("PRAGMA wal_autocheckpoint"))
            await connection.execute(text("CREATE TABLE filler (data BLOB)"))
            # 1,500 pages of 4 KiB: past SQLite's default, below ours
            await connection.execute(text("INSERT INTO filler VALUES (randomblob(6000000))"))
        assert pages == WAL_AUTOCHECKPOINT_PAGES > 1500
        assert path.stat().st_size < 1_000_000  # still in the log
        busy, frames, copied = await asyncio.to_thread(checkpoint_wal, str(engine.url))
        assert (busy, copied) == (0, frames) and frames > 1000
        assert path.stat().st_size > 6_000_000
        async with engine.connect() as connection:
            size = await connection.scalar(text("SELECT length(data) FROM filler"))
        assert size == 6_000_000
    finally:
        await engine.dispose()


def test_a_checkpoint_without_a_database_file_creates_none(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    assert checkpoint_wal(f"sqlite+aiosqlite:///{missing}") == (0, 0, 0)
    assert not missing.exists()
    assert checkpoint_wal("sqlite+aiosqlite:///:memory:") == (0, 0, 0)


async def test_the_background_checkpoint_survives_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"no database here" * 512)
    rounds: list[float] = []

    async def sleep(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await checkpoint_forever(f"sqlite+aiosqlite:///{broken}", every_seconds=0.5, sleep=sleep)
    assert rounds == [0.5, 0.5, 0.5]


async def test_foreign_keys_are_enforced(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.connections.get_or_create("no-such-tenant", now=NOW)


async def test_savepoint_rollback_keeps_the_outer_work(uow_factory: UnitOfWorkFactory) -> None:
    # On SQLite this only holds because our BEGIN listener fixes the driver's transactions.
    async with uow_factory() as uow:
        await uow.tenants.add(name="Außen GmbH", now=NOW)
        savepoint = await uow.session.begin_nested()
        await uow.tenants.add(name="Innen GmbH", now=NOW)
        await savepoint.rollback()
        await uow.commit()

    async with uow_factory() as uow:
        names = [tenant.name for tenant in await uow.tenants.list_all()]
    assert names == ["Außen GmbH"]


def test_database_urls_get_our_async_drivers(tmp_path: Path) -> None:
    assert normalize_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_database_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert normalize_database_url("sqlite+aiosqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert default_database_url(tmp_path) == f"sqlite+aiosqlite:///{tmp_path}/belegsync.sqlite3"
    with pytest.raises(ValueError, match="unsupported database"):
        normalize_database_url("mysql://u@h/db")


async def test_released_savepoint_is_undone_with_its_transaction(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # Python 3.11's sqlite3 runs a SAVEPOINT issued before any DML as its own
    # transaction, so RELEASE would commit it; our BEGIN listener prevents that.
    async with uow_factory() as uow, uow.session.begin_nested():
        await uow.tenants.add(name="Innen GmbH", now=NOW)
        # released savepoint, no commit: the unit of work rolls everything back

    async with uow_factory() as uow:
        assert await uow.tenants.list_all() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_readers_do_not_wait_for_a_writer_and_see_the_last_commit(
    engine: AsyncEngine,
) -> None:
    # A writer holds the write lock (BEGIN IMMEDIATE) and has not committed: a reader
    # (BEGIN DEFERRED) still reads at once, while a second writer would queue.
    quick = create_engine(engine.url, sqlite_busy_timeout_ms=50)
    uow_factory = UnitOfWorkFactory(create_session_factory(quick))
    try:
        async with uow_factory() as writer:
            await writer.tenants.add(name="Vorher GmbH", now=NOW)
            await writer.commit()
            await writer.tenants.add(name="Offen GmbH", now=NOW)
            async with uow_factory.read_only() as reader:
                names = [t.name for t in await reader.tenants.list_all()]
            async with uow_factory() as second_writer:
                with pytest.raises(OperationalError, match="locked"):
                    await second_writer.tenants.add(name="Wartend GmbH", now=NOW)
        assert names == ["Vorher GmbH"]
    finally:
        await quick.dispose()


@pytest.mark.postgres
async def test_a_deadlock_victim_is_busy_on_postgresql(engine: AsyncEngine) -> None:
    """Two transactions that each hold a row the other wants: PostgreSQL rolls one back
    (``deadlock_detected``, 40P01). Like a lock not free in time, that is the database
    refusing for now: a 503 with Retry-After in the web, not a 500."""
    if engine.url.get_backend_name() != "postgresql":
        pytest.skip("SQLite has one writer at a time: no row locks to deadlock on")
    async with engine.begin() as setup:
        await setup.execute(
            text(
                "INSERT INTO tenants (id, name, bookkeeping_service, created_at) VALUES "
                "('t-a', 'A', false, now()), ('t-b', 'B', false, now())"
            )
        )
    rename = "UPDATE tenants SET name = name || '.' WHERE id = :id"
    async with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            await connection.execute(text("SET deadlock_timeout = '100ms'"))
        await first.execute(text(rename), {"id": "t-a"})
        await second.execute(text(rename), {"id": "t-b"})
        outcomes = await asyncio.gather(
            first.execute(text(rename), {"id": "t-b"}),
            second.execute(text(rename), {"id": "t-a"}),
            return_exceptions=True,
        )
        await first.rollback()
        await second.rollback()
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], OperationalError)
    assert getattr(refused[0].orig, "sqlstate", None) == "40P01"
    assert is_busy(refused[0])


async def test_a_lock_not_free_in_time_is_busy_on_either_database(engine: AsyncEngine) -> None:
    """``is_busy`` (a 503 with Retry-After in the web, a warning in the scheduler) on
    what each database raises when another transaction keeps a lock longer than one may
    wait: SQLite's "database is locked" after the busy timeout, PostgreSQL's
    ``lock_not_available`` (55P03) after ``lock_timeout``. Other errors are no such
    thing."""
    quick = create_engine(engine.url, sqlite_busy_timeout_ms=50)
    postgres = engine.url.get_backend_name() == "postgresql"
    try:
        async with quick.connect() as holder, quick.connect() as waiter:
            if postgres:
                await holder.execute(text("LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE"))
                await waiter.execute(text("SET lock_timeout = '50ms'"))
            else:
                await holder.execute(text("DELETE FROM tenants"))  # takes the write lock
            with pytest.raises(OperationalError) as refused:
                await waiter.execute(text("DELETE FROM tenants"))
            await holder.rollback()
        async with quick.connect() as connection:
            with pytest.raises(DBAPIError) as other:  # SQLite: an OperationalError too
                await connection.execute(text("SELECT no_such_column FROM tenants"))
    finally:
        await quick.dispose()
    assert is_busy(refused.value)
    assert not is_busy(other.value)
    assert not is_busy(ValueError("database is locked"))
