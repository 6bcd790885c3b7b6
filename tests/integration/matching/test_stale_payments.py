"""Expected payments rebuilt only for vouchers marked ``payments_stale`` (what a sync
wrote), on SQLite and PostgreSQL. Checked by the stored rows, not by counting calls."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from belegsync.matching.expected import rebuild_stale_expected_payments
from belegsync.matching.service import run_matching
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import NOW, add_voucher, payment_state
from support.store_helpers import add_tenant, voucher_data

LATER = NOW + timedelta(hours=3)


_state = payment_state


async def _change_amount(
    uow_factory: UnitOfWorkFactory, tenant_id: str, lexware_id: str, cents: int
) -> None:
    """What the sync writes for a voucher whose amount changed in Lexware."""
    euros = f"{cents // 100}.{cents % 100:02d}"
    async with uow_factory() as uow:
        data = voucher_data(
            lexware_id,
            total_gross_cents=cents,
            raw_json={"id": lexware_id, "voucherStatus": "paid", "totalGrossAmount": euros},
        )
        result = await uow.vouchers.upsert(tenant_id, data, now=LATER)
        assert result.outcome == "changed"
        await uow.commit()


async def _match_later(uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str) -> None:
    """The matching after the sync's write (or after an import): stale vouchers only."""
    clock.set(LATER)
    await run_matching(uow_factory, clock, tenant_id, vouchers_changed=False)


async def _three_matched(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, *, changed: tuple[str, int] | None = None
) -> str:
    """Three vouchers with their payments built; then, if given, one's amount changes."""
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    for lexware_id in ("v-a", "v-b", "v-c"):
        await add_voucher(uow_factory, tenant_id, lexware_id)
    # New vouchers are stale: the first matching of any kind builds their payments.
    assert {s for s, _ in (await _state(uow_factory, tenant_id)).values()} == {True}
    await run_matching(uow_factory, clock, tenant_id, vouchers_changed=False)
    if changed is not None:
        await _change_amount(uow_factory, tenant_id, *changed)
    return tenant_id


async def test_only_the_changed_voucher_is_rebuilt(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _three_matched(uow_factory, clock)
    before = await _state(uow_factory, tenant_id)
    assert before == {
        lexware_id: (False, [(0, 11900, True, NOW)]) for lexware_id in ("v-a", "v-b", "v-c")
    }

    await _change_amount(uow_factory, tenant_id, "v-b", 23800)
    assert (await _state(uow_factory, tenant_id))["v-b"][0] is True
    await _match_later(uow_factory, clock, tenant_id)

    after = await _state(uow_factory, tenant_id)
    assert after["v-b"] == (False, [(0, 23800, True, LATER)])
    # The others' rows were not written (their stamps are the first run's).
    assert {k: v for k, v in after.items() if k != "v-b"} == {
        k: v for k, v in before.items() if k != "v-b"
    }


async def test_a_failed_matching_leaves_the_voucher_stale_for_the_next_one(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _three_matched(uow_factory, clock, changed=("v-a", 5000))
    # A matching that rebuilt and then failed: its transaction is rolled back.
    async with uow_factory() as uow:
        assert await rebuild_stale_expected_payments(uow, tenant_id, now=LATER) == 1
    assert (await _state(uow_factory, tenant_id))["v-a"] == (True, [(0, 11900, True, NOW)])

    await _match_later(uow_factory, clock, tenant_id)

    assert (await _state(uow_factory, tenant_id))["v-a"] == (False, [(0, 5000, True, LATER)])


async def test_a_write_between_reading_and_clearing_keeps_the_voucher_stale(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _three_matched(uow_factory, clock, changed=("v-c", 7000))
    async with uow_factory() as uow:
        [(read, _)] = await uow.matching.payment_sources(tenant_id, stale_only=True)
        token = read.payments_stale
        assert token is not None
    # The sync writes the voucher again (here: flags it) before the rebuild commits.
    async with uow_factory() as uow:
        voucher = await uow.vouchers.by_lexware_id(tenant_id, "v-c")
        assert voucher is not None
        await uow.vouchers.flag_for_review(voucher, reason="deleted", detail=None, now=LATER)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.matching.clear_stale({read.id: token})
        await uow.commit()

    assert (await _state(uow_factory, tenant_id))["v-c"][0] is True
    # The same clear with the current token marks it rebuilt.
    async with uow_factory() as uow:
        [(current, _)] = await uow.matching.payment_sources(tenant_id, stale_only=True)
        assert current.payments_stale not in (None, token)
        await uow.matching.clear_stale({current.id: current.payments_stale or ""})
        await uow.commit()
    assert (await _state(uow_factory, tenant_id))["v-c"][0] is False


async def test_the_full_rebuild_finds_nothing_the_stale_one_left_to_change(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _three_matched(uow_factory, clock, changed=("v-a", 5000))
    await _match_later(uow_factory, clock, tenant_id)
    incremental = await _state(uow_factory, tenant_id)

    clock.set(LATER + timedelta(hours=1))
    await run_matching(uow_factory, clock, tenant_id)

    # Nothing left for the full rebuild to change: no row got the later stamp.
    assert await _state(uow_factory, tenant_id) == incremental


async def test_on_postgresql_a_voucher_the_sync_is_writing_is_skipped_not_waited_for(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no row locks to skip")
    tenant_id = await _three_matched(uow_factory, clock, changed=("v-a", 5000))
    await _change_amount(uow_factory, tenant_id, "v-b", 6000)
    async with uow_factory() as matching:
        read = {
            v.id: v.payments_stale or ""
            for v, _ in await matching.matching.payment_sources(tenant_id, stale_only=True)
        }
        assert len(read) == 2
        # A sync writes v-a and has not committed yet: it holds the row.
        async with uow_factory() as sync:
            voucher = await sync.vouchers.by_lexware_id(tenant_id, "v-a")
            assert voucher is not None
            await sync.vouchers.flag_for_review(voucher, reason="deleted", detail=None, now=LATER)
            # Waiting for the sync's row would hang here (the sync waits for this test).
            await asyncio.wait_for(matching.matching.clear_stale(read), timeout=30)
            await matching.commit()
            await sync.commit()

    state = await _state(uow_factory, tenant_id)
    assert (state["v-a"][0], state["v-b"][0], state["v-c"][0]) == (True, False, False)
