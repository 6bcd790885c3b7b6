"""At most one sync per connection runs at a time, enforced by the database."""

from __future__ import annotations

import asyncio

import httpx

from belegsync.jobs.embedded import EmbeddedSyncQueue, claim_run
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
