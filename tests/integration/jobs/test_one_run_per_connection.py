"""At most one sync per connection runs at a time, enforced by the database."""

from __future__ import annotations

import asyncio

import httpx

from belegsync.domain.connection import FailureReason
from belegsync.emulator import MAIN_ORG_ID
from belegsync.jobs.embedded import EmbeddedSyncQueue, claim_run
from belegsync.store.event_repository import EventFields
from belegsync.sync.connection_rows import apply_domain, to_domain
from support.sync_harness import Harness


async def test_of_two_concurrent_claims_exactly_one_wins(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    connection_id = await harness.connection_id()

    results = await asyncio.gather(
        *(
            claim_run(harness.uow_factory, harness.clock, connection_id, trigger=trigger)
            for trigger in ("cli", "schedule", "connect", "manual")
        )
    )

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    async with harness.uow_factory() as uow:
        active = await uow.sync_runs.active_run(connection_id)
        assert active is not None and active.id == winners[0]
        assert len(await uow.sync_runs.latest(connection_id)) == 1


async def test_enqueue_refuses_a_second_run_while_the_first_is_queued_or_running(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    connection_id = await harness.connection_id()
    queue = EmbeddedSyncQueue(harness.deps, workers=2)
    running = asyncio.Event()
    release = asyncio.Event()

    async def hold_the_first_request(request: httpx.Request) -> httpx.Response | None:
        running.set()
        await release.wait()
        return None

    harness.transport.hook = hold_the_first_request

    first = await queue.enqueue(connection_id, trigger="manual")
    assert first is not None
    assert await queue.enqueue(connection_id, trigger="manual") is None  # queued
    queue.start()
    try:
        await running.wait()
        assert await queue.enqueue(connection_id, trigger="schedule") is None  # running
        harness.transport.hook = None
        release.set()
        await queue.join()
    finally:
        await queue.stop()

    async with harness.uow_factory() as uow:
        runs = await uow.sync_runs.latest(connection_id)
    assert [(r.id, r.status) for r in runs] == [(first, "succeeded")]
    second = await queue.enqueue(connection_id, trigger="manual")
    assert second is not None and second != first


async def _wait_for_an_event(harness: Harness, connection_id: str, number: int) -> None:
    async with harness.uow_factory() as uow:
        stored = await uow.events.record(
            EventFields(
                digest=f"digest-{number}",
                organization_id=MAIN_ORG_ID,
                event_type="payment.changed",
                resource_id=f"voucher-{number}",
                event_date=harness.clock.now(),
            ),
            connection_id=connection_id,
            status="pending",
            now=harness.clock.now(),
        )
        assert stored is not None
        await uow.commit()


async def test_a_run_for_webhook_events_is_claimed_only_while_an_event_waits(
    harness: Harness,
) -> None:
    """A run's follow-up looked for waiting events, then claimed; another worker's run
    could take them in between, and the claimed run found nothing to do (status.changed
    and payment.changed of one payment made three runs, the last empty). The claim looks
    for them itself."""
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    connection_id = await harness.connection_id()
    assert (
        await claim_run(harness.uow_factory, harness.clock, connection_id, trigger="webhook")
        is None
    )

    await _wait_for_an_event(harness, connection_id, 1)
    queue = EmbeddedSyncQueue(harness.deps, workers=1)
    queue.start()
    try:
        # the event's run takes it; a follow-up that saw it waiting before claims now
        first = await queue.enqueue(connection_id, trigger="webhook")
        assert first is not None
        await queue.join()
        late = await claim_run(harness.uow_factory, harness.clock, connection_id, trigger="webhook")
        assert late is None
        async with harness.uow_factory() as uow:
            assert await uow.sync_runs.active_run(connection_id) is None
            runs = await uow.sync_runs.latest(connection_id)
        assert [(r.id, r.trigger) for r in runs if r.trigger == "webhook"] == [(first, "webhook")]
        # a new event: its run is claimed; other triggers never ask for events
        await _wait_for_an_event(harness, connection_id, 2)
        assert await queue.enqueue(connection_id, trigger="webhook") is not None
        await queue.join()
        assert await queue.enqueue(connection_id, trigger="manual") is not None
        await queue.join()
    finally:
        await queue.stop()


async def test_no_run_is_claimed_for_the_events_of_a_failed_connection(harness: Harness) -> None:
    """The scheduler reads which connections are active, then which have events waiting;
    a run that failed the connection (a refused key) and gave its event back in between
    had a run claimed that could only fail again (a third webhook run after a revoked
    key, seen under load). The claim reads the connection's state itself: the events wait
    for a new key."""
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect()
    connection_id = await harness.connection_id()
    await _wait_for_an_event(harness, connection_id, 1)
    async with harness.uow_factory() as uow:
        row = await uow.connections.get(connection_id)
        assert row is not None
        apply_domain(row, to_domain(row).fail(FailureReason.INVALID_KEY), now=harness.clock.now())
        await uow.commit()
    late = await claim_run(harness.uow_factory, harness.clock, connection_id, trigger="webhook")
    assert late is None
    async with harness.uow_factory() as uow:
        assert await uow.sync_runs.active_run(connection_id) is None
        assert await uow.events.has_pending(connection_id)
