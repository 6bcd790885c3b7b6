"""A sync whose writes find another process holding SQLite's write lock past the busy
timeout (a long statement import and its matching). The run's end was written in the
same lock it failed on, so the error escaped and the run stayed `running` until its
lease ran out, reported as an internal error. Now the run ends once the lock is free,
saying the database was busy; what it wrote stands, the connection stays active, and
the next run takes the rest."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from structlog.testing import capture_logs

from belegsync.domain.connection import ConnectionState
from belegsync.jobs.embedded import claim_run
from belegsync.store.db import create_engine
from belegsync.sync.engine import execute_run
from belegsync.sync.run_state import RunOutcome
from support.store_helpers import LockedAfter, sqlite_url
from support.sync_harness import Harness


async def _run_meeting_the_lock(harness: Harness, after: int) -> tuple[RunOutcome, list[str]]:
    """A run whose ``after``-th write finds the lock, which the other process frees a
    second after it took it (its write ends): counted from the lock, not from the
    run's start, which a loaded machine delays past that second (the run then met no
    lock and succeeded: seen once in CI)."""
    impatient = create_engine(sqlite_url(harness.db_path), sqlite_busy_timeout_ms=200)
    locking = LockedAfter(impatient, harness.db_path)
    deps = replace(harness.deps, uow_factory=locking)
    run_id = await claim_run(
        harness.uow_factory, harness.clock, await harness.connection_id(), trigger="cli"
    )
    assert run_id is not None

    async def import_ends() -> None:
        for _ in range(3000):  # the run takes the lock in its first steps
            if locking.holding:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)
        locking.release()

    try:
        with capture_logs() as logs:
            locking.arm(after=after)
            ending = asyncio.create_task(import_ends())
            outcome = await execute_run(deps, run_id)
            await ending
    finally:
        locking.release()
        await impatient.dispose()
    return outcome, [e["event"] for e in logs if e["log_level"] in ("warning", "error")]


async def test_a_sync_that_finds_the_database_busy_ends_saying_so_and_the_next_finishes(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    outcome, events = await _run_meeting_the_lock(harness, after=1)  # as the run begins
    assert (outcome.status, outcome.error_code) == ("failed", "sync_database_busy")
    assert outcome.error_message is not None and "beschäftigt" in outcome.error_message
    assert "sync_run_busy" in events and "sync_run_crashed" not in events
    async with harness.uow_factory.read_only() as uow:
        run = await uow.sync_runs.get(outcome.run_id)
        row = await uow.connections.for_tenant(harness.tenant_id)
    assert run.status == "failed" and run.error_code == "sync_database_busy"
    assert row is not None and row.state == ConnectionState.ACTIVE.value
    # the next run takes the rest
    again = await harness.sync()
    assert again.status == "succeeded" and again.counts.new == 11, again


async def test_a_sync_whose_end_finds_the_database_busy_ends_once_it_is_free(
    harness: Harness,
) -> None:
    """Every voucher written, then the contacts' numbers and the run's end met the lock:
    the run was ended as failed (an internal error, raised by a read that took the write
    lock). Now the numbers wait for the next run, the run's end waits for the lock, and
    the run succeeded."""
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    outcome, events = await _run_meeting_the_lock(harness, after=3)
    assert outcome.status == "succeeded" and outcome.counts.new == 11, outcome
    # the contacts' numbers wait for the next run; the run's end waited for the lock
    assert "contact_numbers_deferred" in events and "stamina.retry_scheduled" in events
    async with harness.uow_factory.read_only() as uow:
        row = await uow.connections.for_tenant(harness.tenant_id)
    assert row is not None and row.last_success_at is not None
