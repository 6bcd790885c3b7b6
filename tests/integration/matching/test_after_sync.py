"""Matching runs at the end of a successful sync (the ``after_sync`` hook)."""

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
    # No bank transactions yet: every bank payment needs an external transaction.
    async with harness.uow_factory() as uow:
        needed = await external_needed(uow, harness.tenant_id)
    assert len(needed) == counts.no_candidate > 0

    async def broken(tenant_id: str) -> None:
        raise RuntimeError("matching broke")

    harness.deps = replace(harness.deps, after_sync=broken)
    harness.clock.advance(days=1)
    assert (await harness.sync()).status == "succeeded"
