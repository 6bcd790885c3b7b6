"""The matching after a sync (the production hook, ``matching_after_sync``) rebuilds the
expected payments of the vouchers that run wrote, and only those; what a failed or
never-run matching left behind is rebuilt by the next matching of any kind."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from belegsync.emulator import MAIN_ORG_ID
from belegsync.jobs.embedded import claim_run
from belegsync.matching.service import matching_after_sync, run_matching
from belegsync.sync.engine import RunOutcome, execute_run
from belegsync.sync.events_receiver import receive_event
from support.matching_helpers import PaymentState, payment_state
from support.sync_harness import Harness, paid_purchase_invoice

State = PaymentState


async def _state(harness: Harness) -> State:
    return await payment_state(harness.uow_factory, harness.tenant_id)


def _without(state: State, lexware_id: str) -> State:
    return {k: v for k, v in state.items() if k != lexware_id}


async def _synced_and_matched(harness: Harness) -> State:
    harness.deps = replace(
        harness.deps, after_sync=matching_after_sync(harness.uow_factory, harness.clock)
    )
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    assert (await harness.sync()).counts.new > 10
    state = await _state(harness)
    assert not any(stale for stale, _ in state.values())
    assert sum(1 for _, rows in state.values() if rows) > 10
    return state


async def _next_day_run(harness: Harness, *, full: bool = False) -> RunOutcome:
    harness.clock.advance(days=1)
    return await harness.sync(full=full)


async def _change_amount(harness: Harness, victim: str) -> None:
    """The amount corrected in Lexware and the payment booked again in full."""
    harness.clock.advance(hours=2)
    await harness.emulator("PATCH", f"/vouchers/{victim}", {"totalGrossAmount": "4321.09"})
    await harness.emulator("POST", f"/vouchers/{victim}/reopen")
    await harness.emulator("POST", f"/vouchers/{victim}/pay", {})


async def _matched_then_changed(harness: Harness) -> tuple[State, str]:
    """Synced and matched; then one voucher's amount changes in Lexware."""
    before = await _synced_and_matched(harness)
    victim = paid_purchase_invoice(harness)
    await _change_amount(harness, victim)
    return before, victim


async def _next_matching(harness: Harness, *, full: bool = False) -> None:
    """A matching an hour later: the one after an import (or, ``full``, the manual run)."""
    harness.clock.advance(hours=1)
    await run_matching(harness.uow_factory, harness.clock, harness.tenant_id, vouchers_changed=full)


async def test_a_changed_amount_updates_that_voucher_s_payment_and_no_other(
    harness: Harness,
) -> None:
    before, victim = await _matched_then_changed(harness)

    outcome = await _next_day_run(harness)

    assert outcome.counts.changed == 1
    after = await _state(harness)
    stale, [(_, cents, active, stamp)] = after[victim]
    assert (stale, cents, active, stamp) == (False, 432109, True, harness.clock.now())
    assert _without(after, victim) == _without(before, victim)
    # What is stored is what a full rebuild gives: it finds nothing to change.
    await _next_matching(harness, full=True)
    assert await _state(harness) == after


async def test_a_failed_matching_after_the_sync_is_repaired_by_the_next_matching(
    harness: Harness,
) -> None:
    before, victim = await _matched_then_changed(harness)

    async def broken(tenant_id: str) -> None:
        raise RuntimeError("matching broke")

    harness.deps = replace(harness.deps, after_sync=broken)
    assert (await _next_day_run(harness)).counts.changed == 1

    left = await _state(harness)
    assert left[victim] == (True, before[victim][1])
    assert _without(left, victim) == _without(before, victim)

    # The next matching of any kind (here the one after a statement import).
    await _next_matching(harness)
    after = await _state(harness)
    assert after[victim] == (False, [(0, 432109, True, harness.clock.now())])
    assert _without(after, victim) == _without(before, victim)


async def test_a_sync_killed_before_its_matching_leaves_the_written_vouchers_marked(
    harness: Harness,
) -> None:
    before, victim = await _matched_then_changed(harness)
    # No hook: the process died after the sync's last commit, before matching.
    harness.deps = replace(harness.deps, after_sync=None)
    assert (await _next_day_run(harness)).counts.changed == 1
    assert {k for k, (stale, _) in (await _state(harness)).items() if stale} == {victim}

    harness.deps = replace(
        harness.deps, after_sync=matching_after_sync(harness.uow_factory, harness.clock)
    )
    await harness.add_paid_voucher(harness.clock.now().date())
    assert (await _next_day_run(harness)).counts.new == 1

    after = await _state(harness)
    assert not any(stale for stale, _ in after.values())
    assert after[victim][1] == [(0, 432109, True, harness.clock.now())]
    assert len(after) == len(before) + 1


async def test_a_voucher_flagged_deleted_is_marked_and_rebuilt_alone(harness: Harness) -> None:
    before = await _synced_and_matched(harness)
    victim = paid_purchase_invoice(harness)
    del harness.app.world.data[MAIN_ORG_ID].vouchers[victim]
    harness.deps = replace(harness.deps, after_sync=None)

    outcome = await _next_day_run(harness, full=True)

    assert outcome.counts.flagged == 1
    marked = await _state(harness)
    # Only the flagged voucher; the full run's unchanged vouchers are not marked.
    assert {k for k, (stale, _) in marked.items() if stale} == {victim}
    await _next_matching(harness)
    after = await _state(harness)
    assert not any(stale for stale, _ in after.values())
    assert after == {k: (False, rows) for k, (_, rows) in before.items()}


class _RunNow:
    """The sync queue of a webhook: claims the run; the test executes it."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.runs: list[str] = []

    async def enqueue(self, connection_id: str, *, trigger: Any, full: bool = False) -> str | None:
        run_id = await claim_run(
            self.harness.uow_factory, self.harness.clock, connection_id, trigger=trigger
        )
        if run_id is not None:
            self.runs.append(run_id)
        return run_id


async def test_a_webhook_run_rebuilds_only_the_voucher_its_event_names(harness: Harness) -> None:
    before, victim = await _matched_then_changed(harness)
    queue = _RunNow(harness)

    received = await receive_event(
        uow_factory=harness.uow_factory,
        queue=queue,
        clock=harness.clock,
        organization_id=MAIN_ORG_ID,
        event_type="voucher.changed",
        resource_id=victim,
        event_date=harness.clock.now(),
    )
    assert received.queued
    [run_id] = queue.runs
    outcome = await execute_run(harness.deps, run_id)

    assert (outcome.status, outcome.counts.changed) == ("succeeded", 1)
    after = await _state(harness)
    assert after[victim] == (False, [(0, 432109, True, harness.clock.now())])
    assert _without(after, victim) == _without(before, victim)
