"""Which vouchers a sync covers: open tax years, VAT returns, and staff changing both."""

from __future__ import annotations

from datetime import date

import pytest

from belegsync.tenants.clients import record_vat_return, set_tax_year_closed
from support.sync_harness import Harness


async def _window_start(harness: Harness, run_id: str) -> date | None:
    async with harness.uow_factory() as uow:
        return (await uow.sync_runs.get(run_id)).window_start


async def test_only_open_years_are_synced_and_a_closed_earliest_year_is_left_out(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026], closed_tax_years=[2024])
    await harness.connect()

    outcome = await harness.sync()

    stored = set(await harness.vouchers())
    in_2024 = harness.paid_ids(since=date(2024, 1, 1)) - harness.paid_ids(since=date(2025, 1, 1))
    assert in_2024, "the world must hold paid vouchers of the closed year"
    assert stored == harness.paid_ids(since=date(2025, 1, 1))
    assert not stored & in_2024
    assert await _window_start(harness, outcome.run_id) == date(2025, 1, 1)


async def test_an_open_earliest_year_is_synced_from_its_first_day(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2024, 2025, 2026])
    await harness.connect()

    await harness.sync()

    assert set(await harness.vouchers()) == harness.paid_ids(since=date(2024, 1, 1))


@pytest.mark.parametrize(
    ("last_return", "first_synced_day"),
    [("2025-03", date(2025, 4, 1)), ("2025-Q2", date(2025, 7, 1)), ("2025-12", date(2026, 1, 1))],
)
async def test_bookkeeping_service_starts_the_day_after_the_last_vat_return(
    harness: Harness, last_return: str, first_synced_day: date
) -> None:
    await harness.add_tenant(
        open_tax_years=[2025, 2026], bookkeeping_service=True, last_vat_return=last_return
    )
    # Vouchers on the last day of the period and on the day after it.
    last_day = date.fromordinal(first_synced_day.toordinal() - 1)
    before = await harness.add_paid_voucher(last_day)
    after = await harness.add_paid_voucher(first_synced_day)
    await harness.connect()

    outcome = await harness.sync()

    stored = set(await harness.vouchers())
    assert before not in stored
    assert after in stored
    assert stored == harness.paid_ids(since=first_synced_day)
    assert harness.paid_ids(since=date(2025, 1, 1)) - stored, "vouchers were left out"
    assert await _window_start(harness, outcome.run_id) == first_synced_day


async def test_closing_a_year_stops_new_vouchers_from_it(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    await harness.sync()
    synced_2025 = {
        i for i, row in (await harness.vouchers()).items() if row["voucher_date"] < "2026"
    }
    assert synced_2025
    await set_tax_year_closed(
        uow_factory=harness.uow_factory,
        clock=harness.clock,
        tenant_id=harness.tenant_id,
        year=2025,
        closed=True,
    )
    harness.clock.advance(hours=1)
    late_2025 = await harness.add_paid_voucher(date(2025, 11, 3))
    new_2026 = await harness.add_paid_voucher(date(2026, 2, 3))
    harness.clock.advance(days=1)

    outcome = await harness.sync(full=True)

    assert outcome.status == "succeeded"
    stored = await harness.vouchers()
    assert late_2025 not in stored
    assert new_2026 in stored
    # What was synced while the year was open stays, unflagged.
    assert synced_2025 <= set(stored)
    assert all(stored[i]["review"] is None for i in synced_2025)
    assert outcome.counts.new == 1
    assert outcome.counts.flagged == 0
    assert await _window_start(harness, outcome.run_id) == date(2026, 1, 1)


async def test_reopening_a_year_back_fills_it_on_the_next_incremental_run(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2026], closed_tax_years=[2025])
    await harness.connect()
    await harness.sync()
    assert set(await harness.vouchers()) == harness.paid_ids(since=date(2026, 1, 1))
    await set_tax_year_closed(
        uow_factory=harness.uow_factory,
        clock=harness.clock,
        tenant_id=harness.tenant_id,
        year=2025,
        closed=False,
    )
    harness.clock.advance(days=1)

    outcome = await harness.sync()

    back_filled = harness.paid_ids(since=date(2025, 1, 1)) - harness.paid_ids(
        since=date(2026, 1, 1)
    )
    assert back_filled
    assert set(await harness.vouchers()) == harness.paid_ids(since=date(2025, 1, 1))
    assert outcome.counts.new == len(back_filled)
    async with harness.uow_factory() as uow:
        run = await uow.sync_runs.get(outcome.run_id)
    assert run.report is not None and run.report["mode"] == "incremental"


async def test_a_newer_vat_return_moves_the_start(harness: Harness) -> None:
    await harness.add_tenant(
        open_tax_years=[2025, 2026], bookkeeping_service=True, last_vat_return="2025-Q1"
    )
    await harness.connect()
    first = await harness.sync()
    assert await _window_start(harness, first.run_id) == date(2025, 4, 1)
    await record_vat_return(
        uow_factory=harness.uow_factory,
        clock=harness.clock,
        tenant_id=harness.tenant_id,
        period_text="2025-Q3",
    )
    harness.clock.advance(hours=1)
    inside_old_window = await harness.add_paid_voucher(date(2025, 8, 20))
    after_new_return = await harness.add_paid_voucher(date(2025, 10, 1))
    harness.clock.advance(days=1)

    second = await harness.sync()

    stored = await harness.vouchers()
    assert inside_old_window not in stored
    assert after_new_return in stored
    assert second.counts.new == 1
    assert await _window_start(harness, second.run_id) == date(2025, 10, 1)
