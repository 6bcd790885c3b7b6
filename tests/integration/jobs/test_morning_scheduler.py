"""The morning schedule with injected time: whole days in 10-minute ticks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from belegsync.domain.dates import BERLIN, UTC
from belegsync.domain.schedule import slot_instant
from belegsync.emulator import MAIN_ORG_ID
from belegsync.jobs.embedded import EmbeddedSyncQueue, MorningScheduler
from belegsync.store.event_repository import EventFields
from support.sync_harness import Harness, HarnessFactory

TICK = timedelta(minutes=10)
DAY1 = date(2026, 6, 16)  # the harness connects on 15 June


class Day:
    """Two connected tenants, a failed one, a scheduler and a started worker pool."""

    def __init__(self, harness: Harness, queue: EmbeddedSyncQueue) -> None:
        self.harness = harness
        self.queue = queue
        self.scheduler = MorningScheduler(
            uow_factory=harness.uow_factory,
            queue=queue,
            clock=harness.clock,
            base_time=time(6, 0),
            spread_minutes=120,
        )
        self.connections: dict[str, str] = {}

    async def add(self, name: str, key: str, *, known: bool = True, **connect: Any) -> str:
        """A tenant connected with ``key`` to an organisation of its own (one Lexware
        organisation belongs to one client); an unknown key leaves it failed."""
        if known:
            org = MAIN_ORG_ID
            if self.connections:
                org = (await self.harness.emulator("POST", "/organizations", {"name": name}))["id"]
            await self.harness.emulator("POST", "/keys", {"organizationId": org, "key": key})
        await self.harness.add_tenant(name, open_tax_years=[2026])
        await self.harness.connect(key, **connect)
        self.connections[name] = await self.harness.connection_id()
        return self.connections[name]

    async def tick(self, now: datetime) -> list[str]:
        self.harness.clock.set(now)
        enqueued = await self.scheduler.tick(now)
        await self.queue.join()
        return enqueued

    async def ticks(self, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        """Tick from ``start`` until before ``end``; (tick, run id) per enqueued run."""
        out: list[tuple[datetime, str]] = []
        now = start
        while now < end:
            out.extend((now, run_id) for run_id in await self.tick(now))
            now += TICK
        return out

    async def runs(self, name: str) -> list[tuple[datetime, str, str]]:
        async with self.harness.uow_factory() as uow:
            runs = await uow.sync_runs.latest(self.connections[name], limit=50)
        return sorted((r.queued_at, r.status, r.trigger) for r in runs)

    def slot(self, name: str, day: date) -> datetime:
        return slot_instant(day, self.scheduler.slot_for(self.connections[name]))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), BERLIN).astimezone(UTC)


@pytest.fixture
async def day(harness_factory: HarnessFactory) -> AsyncIterator[Day]:
    async with harness_factory(vouchers=12) as harness:
        queue = EmbeddedSyncQueue(harness.deps, workers=2)
        queue.start()
        try:
            yield Day(harness, queue)
        finally:
            await queue.stop()


async def test_each_connection_runs_once_a_day_right_after_its_slot(day: Day) -> None:
    await day.add("Erste GmbH", "lxo-first-tenant-key-00000000000001")
    await day.add("Zweite KG", "lxo-second-tenant-key-0000000000002")
    await day.add("Dritte UG", "lxo-never-created-key-000000000003", known=False)
    await day.harness.emulator("DELETE", "/counters")

    enqueued = await day.ticks(midnight(DAY1), midnight(DAY1 + timedelta(days=1)))

    assert len(enqueued) == 2
    for name in ("Erste GmbH", "Zweite KG"):
        slot = day.slot(name, DAY1)
        assert time(6, 0) <= slot.astimezone(BERLIN).time() < time(8, 0)
        runs = await day.runs(name)
        assert len(runs) == 1, runs
        queued_at, status, trigger = runs[0]
        assert (status, trigger) == ("succeeded", "schedule")
        # The first tick at or after the slot, not one before it.
        assert slot <= queued_at < slot + TICK
    assert await day.runs("Dritte UG") == []
    row = await day.harness.connection_row()
    assert (row.state, row.failure_reason) == ("failed", "invalid_key")


async def test_after_three_days_of_downtime_exactly_one_catch_up_run(day: Day) -> None:
    await day.add("Erste GmbH", "lxo-first-tenant-key-00000000000001")
    await day.add("Zweite KG", "lxo-second-tenant-key-0000000000002")
    await day.ticks(midnight(DAY1), midnight(DAY1 + timedelta(days=1)))
    back = DAY1 + timedelta(days=4)
    restart = midnight(back) + timedelta(hours=13)

    caught_up = await day.ticks(restart, midnight(back + timedelta(days=1)))

    assert len(caught_up) == 2
    assert {at for at, _ in caught_up} == {restart}
    for name in ("Erste GmbH", "Zweite KG"):
        runs = await day.runs(name)
        assert [status for _, status, _ in runs] == ["succeeded", "succeeded"]
        assert runs[1][0] == restart


async def test_downtime_ending_before_the_slot_waits_for_the_slot(day: Day) -> None:
    await day.add("Erste GmbH", "lxo-first-tenant-key-00000000000001")
    await day.ticks(midnight(DAY1), midnight(DAY1 + timedelta(days=1)))
    back = DAY1 + timedelta(days=3)

    caught_up = await day.ticks(midnight(back), midnight(back + timedelta(days=1)))

    assert len(caught_up) == 1
    slot = day.slot("Erste GmbH", back)
    assert slot <= caught_up[0][0] < slot + TICK


async def test_an_expired_key_is_failed_by_the_tick_and_not_enqueued(day: Day) -> None:
    await day.add("Erste GmbH", "lxo-first-tenant-key-00000000000001")
    await day.add("Kurz GmbH", "lxo-short-lived-key-000000000000009", key_expires_on=DAY1)
    await day.ticks(midnight(DAY1), midnight(DAY1 + timedelta(days=1)))
    assert len(await day.runs("Kurz GmbH")) == 1, "valid through its expiry day"
    await day.harness.emulator("DELETE", "/counters")
    day2 = DAY1 + timedelta(days=1)

    assert await day.tick(midnight(day2) + timedelta(minutes=5)) == []

    assert day.harness.tenant_id  # the last tenant added is "Kurz GmbH"
    row = await day.harness.connection_row()
    assert (row.state, row.failure_reason) == ("failed", "expired")
    await day.ticks(midnight(day2), midnight(day2 + timedelta(days=1)))
    assert len(await day.runs("Kurz GmbH")) == 1
    assert len(await day.runs("Erste GmbH")) == 2
    requests_by_key = (await day.harness.counters())["requestsByKey"]
    assert "lxo-short-lived-key-000000000000009" not in requests_by_key


async def test_webhook_events_of_a_failed_connection_wait_for_a_new_key(day: Day) -> None:
    failed = await day.add("Dritte UG", "lxo-never-created-key-000000000003", known=False)
    active = await day.add("Erste GmbH", "lxo-first-tenant-key-00000000000001")
    async with day.harness.uow_factory() as uow:
        for number, connection_id in enumerate((failed, active)):
            fields = EventFields(
                digest=f"digest-{number}",
                organization_id=MAIN_ORG_ID,
                event_type="voucher.changed",
                resource_id=f"voucher-{number}",
                event_date=day.harness.clock.now(),
            )
            stored = await uow.events.record(
                fields, connection_id=connection_id, status="pending", now=day.harness.clock.now()
            )
            assert stored is not None
        await uow.commit()

    # Before the active connection's morning slot: only its event is due.
    await day.tick(midnight(DAY1))

    assert [trigger for _, _, trigger in await day.runs("Erste GmbH")] == ["webhook"]
    assert await day.runs("Dritte UG") == []
    async with day.harness.uow_factory() as uow:
        assert await uow.events.has_pending(failed)
        assert not await uow.events.has_pending(active)
