"""Connecting while another process holds SQLite's write lock past the busy timeout
(a long statement import): the connection was saved, then claiming the first sync run
found the database busy and the request answered 503 „Gerade beschäftigt“; the client
entered the key again. Now the connection stands and says the first sync waits."""

from __future__ import annotations

from dataclasses import replace

from structlog.testing import capture_logs

from belegsync.domain.connection import ConnectionState
from belegsync.jobs.embedded import EmbeddedSyncQueue
from belegsync.store.db import create_engine
from support.store_helpers import LockedAfter, sqlite_url
from support.sync_harness import Harness


async def test_a_connection_stands_when_its_first_sync_finds_the_database_busy(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    impatient = create_engine(sqlite_url(harness.db_path), sqlite_busy_timeout_ms=200)
    locking = LockedAfter(impatient, harness.db_path)
    queue = EmbeddedSyncQueue(replace(harness.deps, uow_factory=locking), workers=1)
    try:
        with capture_logs() as logs:
            locking.arm(after=1)  # the connection commits, claiming its first run waits
            result = await harness.connect(uow_factory=locking, queue=queue)
            locking.release()
    finally:
        locking.release()
        await impatient.dispose()
    assert result.state == ConnectionState.ACTIVE and not result.kept
    assert result.sync_deferred and result.run_id is None
    warned = [e["event"] for e in logs if e["log_level"] == "warning"]
    assert warned == ["first_sync_deferred"], warned
    async with harness.uow_factory.read_only() as uow:
        row = await uow.connections.for_tenant(harness.tenant_id)
    assert row is not None and row.state == ConnectionState.ACTIVE.value
    # the sync it waits for runs once the database is free
    outcome = await harness.sync()
    assert outcome.status == "succeeded", outcome
