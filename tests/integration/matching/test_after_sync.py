"""Matching runs at the end of a successful sync that wrote vouchers (``after_sync``)."""

from __future__ import annotations

from dataclasses import replace

from belegsync.matching.external import external_needed
from belegsync.matching.service import MatchCounts, run_matching
from support.sync_harness import Harness, harness, migrated_template

__all__ = ["harness", "migrated_template"]


async def test_sync_runs_matching_and_a_failing_hook_does_not_fail_the_sync(
    harness: Harness,
) -> None:
    ran: list[MatchCounts] = []

    async def after_sync(tenant_id: str) -> None:
        ran.append(await run_matching(harness.uow_factory, harness.clock, tenant_id))

    harness.deps = replace(harness.deps, after_sync=after_sync)
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    [counts] = ran
    assert counts.payments > 0
    # No bank transactions yet: every bank payment awaits the first statement or push;
    # none is sent to "Externe Transaktion erforderlich" (it was, every one of them)
    async with harness.uow_factory() as uow:
        needed = await external_needed(uow, harness.tenant_id)
        payments = await uow.matching.payments(harness.tenant_id)
    reasons = {p.unmatched_reason for p, _ in payments if p.kind == "bank"}
    assert needed == [] and counts.no_candidate == 0
    assert counts.unmatched > 0 and reasons == {"awaiting_lines"}

    async def broken(tenant_id: str) -> None:
        raise RuntimeError("matching broke")

    harness.deps = replace(harness.deps, after_sync=broken)
    harness.clock.advance(days=1)
    await harness.add_paid_voucher(harness.clock.now().date())
    outcome = await harness.sync()
    assert (outcome.status, outcome.counts.new) == ("succeeded", 1)


async def test_a_sync_that_wrote_nothing_skips_matching(harness: Harness) -> None:
    ran: list[str] = []

    async def after_sync(tenant_id: str) -> None:
        ran.append(tenant_id)

    harness.deps = replace(harness.deps, after_sync=after_sync)
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    assert (await harness.sync()).counts.new > 0
    harness.clock.advance(days=1)

    unchanged = await harness.sync()

    assert (unchanged.status, unchanged.counts.new, unchanged.counts.changed) == (
        "succeeded",
        0,
        0,
    )
    # Same vouchers, same statements: the same result. Only the first run matched.
    assert ran == [harness.tenant_id]
    harness.clock.advance(days=1)
    await harness.add_paid_voucher(harness.clock.now().date())
    assert (await harness.sync()).counts.new == 1
    assert ran == [harness.tenant_id] * 2
