"""Every process keeps to its PostgreSQL connection budget (BELEGSYNC_DB_POOL_SIZE), so that
several workers fit under the server's max_connections."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from belegsync.cli.wiring import wired
from belegsync.jobs.procrastinate_queue import build_app
from belegsync.settings import QUEUE_POOL_SIZE, PoolSizes, Settings, worker_pool_total
from belegsync.store.migrate import upgrade

BUSY = 12  # more concurrent users than any pool below allows


@pytest.mark.parametrize(
    ("total", "database", "queue"), [(10, 8, 2), (4, 2, 2), (3, 2, 1), (2, 1, 1)]
)
def test_a_process_splits_its_budget_between_the_pools(
    total: int, database: int, queue: int
) -> None:
    assert PoolSizes.within(total) == PoolSizes(database=database, queue=queue)
    assert database + queue == total


def test_a_worker_takes_no_more_than_its_concurrency_needs() -> None:
    assert worker_pool_total(10, concurrency=100) == 10
    assert worker_pool_total(10, concurrency=2) == 2 + 1 + QUEUE_POOL_SIZE
    assert worker_pool_total(10, concurrency=1) == 4
    assert worker_pool_total(200, concurrency=50) == 53


def test_the_setting_is_read_and_checked() -> None:
    assert Settings.from_env({}).db_pool_size == 10
    assert Settings.from_env({"BELEGSYNC_DB_POOL_SIZE": "3"}).pools == PoolSizes(2, 1)
    with pytest.raises(ValueError, match="BELEGSYNC_DB_POOL_SIZE"):
        Settings.from_env({"BELEGSYNC_DB_POOL_SIZE": "1"})


def connections_to(database_url: str) -> int:
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    name = dsn.rsplit("/", 1)[1]
    admin = dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as db:
        row = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
async def test_sqlalchemy_and_procrastinate_pools_stay_within_the_budget(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "BELEGSYNC_DATABASE_URL": database_url,
        "BELEGSYNC_DATA_DIR": str(tmp_path),
        "BELEGSYNC_DB_POOL_SIZE": "5",
    }
    settings = replace(Settings.from_env(env), log_level="error")
    assert settings.pools == PoolSizes(database=3, queue=2)
    await asyncio.to_thread(upgrade, database_url)
    async with wired(settings) as w:
        queue_app = build_app(database_url, w.deps, pool_size=settings.pools.queue)
        async with queue_app.open_async():
            before = connections_to(database_url)

            async def query() -> None:
                async with w.uow() as uow:
                    await uow.session.execute(text("SELECT pg_sleep(0.05)"))

            async def queue_query() -> None:
                pool = queue_app.connector.pool  # type: ignore[attr-defined]
                async with pool.connection() as connection:
                    await connection.execute("SELECT pg_sleep(0.05)")

            await asyncio.gather(*(query() for _ in range(BUSY)))
            await asyncio.gather(*(queue_query() for _ in range(BUSY)))
            # The pools keep what they opened: without the caps SQLAlchemy alone would
            # hold 5 here (its default pool), Procrastinate's up to 4.
            held = connections_to(database_url)
    assert before <= 1 + settings.pools.queue
    assert 2 <= held <= settings.db_pool_size
