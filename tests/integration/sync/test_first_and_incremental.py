from __future__ import annotations

from datetime import date

from belegsync.domain.connection import ConnectionState
from support.sync_harness import Harness


async def test_first_sync_stores_every_paid_voucher_of_the_window_with_files(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026], closed_tax_years=[2024])
    result = await harness.connect()
    assert result.state is ConnectionState.ACTIVE

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    stored = await harness.vouchers()
    expected = harness.paid_ids(since=date(2025, 1, 1))
    assert set(stored) == expected
    assert outcome.counts.new == len(expected) > 10
    for row in stored.values():
        assert row["status"] in ("paid", "paidoff")
        assert row["paid_date"] is not None
        assert row["files"], row
        for f in row["files"]:
            data = await harness.files.read(f["sha256"])
            assert len(data) == f["size"]
            if f["media_type"] == "application/pdf":
                assert data.startswith(b"%PDF-")


async def test_unchanged_daily_run_costs_only_voucherlist_pages(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    first = await harness.sync()
    assert first.status == "succeeded"
    harness.clock.advance(days=1)
    await harness.emulator("DELETE", "/counters")

    second = await harness.sync()

    assert second.status == "succeeded"
    assert second.counts.new == second.counts.changed == second.counts.failed == 0
    counters = await harness.emulator("GET", "/counters")
    resources = {k: v for k, v in counters["byResource"].items() if v}
    assert set(resources) == {"voucherlist"}, counters
    # What changed since the last run, and the ids of the paid vouchers in the window.
    assert second.counts.api_calls == resources["voucherlist"] == 2


async def test_voided_voucher_is_flagged_not_dropped(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    await harness.sync()
    victim = sorted(harness.paid_ids(since=date(2025, 1, 1)))[0]
    harness.clock.advance(hours=2)
    await harness.emulator("POST", f"/vouchers/{victim}/void")
    harness.clock.advance(days=1)

    outcome = await harness.sync()

    assert outcome.counts.flagged == 1
    row = (await harness.vouchers())[victim]
    assert row["review"]["reason"] == "no_longer_paid"
    assert row["status"] == "voided"
    assert row["files"], "the synced files stay"


async def test_a_voucher_the_database_refuses_fails_alone_in_a_batch_of_new_ones(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    # PostgreSQL refuses the number (VARCHAR(255)); the batch's multi-row insert fails,
    # is rolled back, and each voucher of the batch is written on its own. SQLite stores it.
    bad = await harness.add_paid_voucher(date(2026, 3, 2), voucherNumber="R" * 300)

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    stored = await harness.vouchers()
    good = harness.paid_ids(since=date(2025, 1, 1)) - {bad}
    assert good <= set(stored)
    assert outcome.counts.new == len(stored) > 10
    assert outcome.counts.failed == (0 if bad in stored else 1)
