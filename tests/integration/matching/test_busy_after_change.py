"""A change followed by a matching run keeps the change when the run finds the database
busy (another process's write holds SQLite's lock past the busy timeout): undoing a
link answered 503 „Gerade beschäftigt“ though the link was undone, and a person sent
the form again. Now the run waits for the next one (``matching_after_change``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from structlog.testing import capture_logs

from belegsync.domain.matching import LinkStatus
from belegsync.matching.links import confirm_link, undo_link
from belegsync.matching.service import run_matching
from belegsync.store.db import create_engine
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.databases import sqlite_copy
from support.matching_helpers import tenant_with_links
from support.store_helpers import LockedAfter, sqlite_url


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite database (this module only: the lock is SQLite's)."""
    return sqlite_copy(sqlite_template, tmp_path)


async def test_an_undone_link_stays_undone_when_the_run_after_it_finds_the_database_busy(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, database_url: str
) -> None:
    tenant_id = await tenant_with_links(uow_factory, clock)
    async with uow_factory.read_only() as uow:
        links = await uow.matching.links(tenant_id)
    offered = next(link for link in links if link.status == LinkStatus.SUGGESTED)
    auto = (await confirm_link(uow_factory, clock, tenant_id, offered.id, actor="tester")).link
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    impatient = create_engine(sqlite_url(path), sqlite_busy_timeout_ms=200)
    locking = LockedAfter(impatient, path)
    try:
        with capture_logs() as logs:
            locking.arm(after=1)  # the undo commits, the run after it meets the lock
            undone = await undo_link(
                uow_factory=locking,
                clock=clock,
                tenant_id=tenant_id,
                link_id=auto.id,
                actor="tester",
            )
            locking.release()
    finally:
        locking.release()
        await impatient.dispose()
    assert [link.status for link in undone.links] == [LinkStatus.UNDONE]
    assert not undone.matched  # the page says the next run matches it
    warned = [e["event"] for e in logs if e["log_level"] == "warning"]
    assert warned == ["matching_deferred"], warned
    async with uow_factory.read_only() as uow:
        stored = {link.id: link.status for link in await uow.matching.links(tenant_id)}
    assert stored[auto.id] == LinkStatus.UNDONE
    # the next run catches up: the payment is offered again, never linked automatically
    counts = await run_matching(uow_factory, clock, tenant_id, vouchers_changed=False)
    assert counts.auto_links == 0 and counts.suggestions >= 1


async def test_a_confirmation_stands_when_the_run_after_it_finds_the_database_busy(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, database_url: str
) -> None:
    """The run after a confirmation meets another process's lock: the confirmation is
    kept, and it says that the run did not happen (``also_linked`` None: the page tells
    the person that more links follow with the next run) instead of „0 more“."""
    tenant_id = await tenant_with_links(uow_factory, clock)
    async with uow_factory.read_only() as uow:
        links = await uow.matching.links(tenant_id)
    offered = next(link for link in links if link.status == LinkStatus.SUGGESTED)
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    impatient = create_engine(sqlite_url(path), sqlite_busy_timeout_ms=200)
    locking = LockedAfter(impatient, path)
    try:
        locking.arm(after=1)  # the confirmation commits, the run after it meets the lock
        confirmed = await confirm_link(locking, clock, tenant_id, offered.id, actor="tester")
    finally:
        locking.release()
        await impatient.dispose()
    assert confirmed.also_linked is None
    async with uow_factory.read_only() as uow:
        stored = {link.id: link.status for link in await uow.matching.links(tenant_id)}
    assert stored[offered.id] == LinkStatus.CONFIRMED
