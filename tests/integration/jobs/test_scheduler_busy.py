"""The scheduler's tick while another process holds SQLite's write lock longer than the
busy timeout (a long statement import): a warning, and the next tick does the work.
Found in the demo: the tick logged "scheduler_tick_failed" with a whole traceback."""

from __future__ import annotations

import asyncio
from datetime import time

import pytest
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from belegsync.jobs.embedded import EmbeddedSyncQueue, MorningScheduler
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.errors import is_busy
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import sqlite_url, write_lock_held
from support.sync_harness import Harness


async def test_a_tick_that_finds_the_database_busy_is_a_warning_and_the_next_one_works(
    harness: Harness,
) -> None:
    impatient = create_engine(sqlite_url(harness.db_path), sqlite_busy_timeout_ms=50)
    scheduler = MorningScheduler(
        uow_factory=UnitOfWorkFactory(create_session_factory(impatient)),
        queue=EmbeddedSyncQueue(harness.deps, workers=1),
        clock=harness.clock,
        base_time=time(6, 0),
        spread_minutes=120,
        tick_seconds=0.01,
    )
    try:
        with capture_logs() as logs:
            with write_lock_held(harness.db_path):
                running = asyncio.create_task(scheduler.run_forever())
                await asyncio.sleep(0.5)
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                with pytest.raises(OperationalError) as refused:  # what the loop caught
                    await scheduler.tick(harness.clock.now())
            after = await scheduler.tick(harness.clock.now())  # the next tick works
    finally:
        await impatient.dispose()
    assert is_busy(refused.value)
    assert isinstance(after, list)
    events = [entry["event"] for entry in logs]
    assert events.count("scheduler_tick_busy") >= 2, events  # every tick under the lock
    assert "scheduler_tick_failed" not in events
    busy = next(entry for entry in logs if entry["event"] == "scheduler_tick_busy")
    assert busy["log_level"] == "warning" and "exc_info" not in busy
