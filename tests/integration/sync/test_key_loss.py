"""The key stops working: revoked in Lexware mid-run, or its own expiry date passed."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID
from belegsync.jobs.embedded import claim_run
from belegsync.sync.engine import execute_run
from support.sync_harness import Harness


def revoke_after(harness: Harness, requests: int) -> None:
    """Revoke the key through the control API once ``requests`` requests went out."""
    harness.transport.requests = 0
    done = False

    async def hook(request: httpx.Request) -> httpx.Response | None:
        nonlocal done
        if not done and harness.transport.requests > requests:
            done = True
            await harness.emulator("POST", f"/keys/{MAIN_KEY}/revoke")
        return None

    harness.transport.hook = hook


async def _with_a_new_version(harness: Harness, lexware_ids: list[str]) -> set[str]:
    """Which of the vouchers got a version after the one they were created with."""
    changed = set()
    async with harness.uow_factory() as uow:
        for lexware_id in lexware_ids:
            voucher = await uow.vouchers.by_lexware_id(harness.tenant_id, lexware_id)
            assert voucher is not None
            if len(await uow.vouchers.versions(voucher.id)) > 1:
                changed.add(lexware_id)
    return changed


@pytest.mark.parametrize("after", [0, 2, 9, 30])
async def test_a_key_revoked_mid_run_fails_the_connection_and_touches_nothing(
    harness: Harness, after: int
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    assert (await harness.sync()).status == "succeeded"
    before = await harness.snapshot()
    # Work for the run: changed vouchers to fetch, vanished ones to confirm with a 404.
    harness.clock.advance(hours=1)
    for row in before[:15]:
        await harness.emulator("PATCH", f"/vouchers/{row['id']}", {"remark": "geändert"})
    for row in before[15:18]:
        del harness.app.world.data[MAIN_ORG_ID].vouchers[row["id"]]
    harness.clock.advance(days=1)
    revoke_after(harness, after)

    outcome = await harness.sync(full=True)

    assert outcome.status == "failed"
    assert outcome.error_code == "lexware_key_rejected"
    assert outcome.counts.flagged == 0
    assert outcome.counts.changed <= 15
    after_run = {r["id"]: r for r in await harness.snapshot()}
    assert set(after_run) == {r["id"] for r in before}
    assert all(r["review"] is None for r in after_run.values())
    # What was fetched completely before the key was refused is kept (the changed
    # vouchers among the first 15); nothing else differs.
    differing = {old["id"] for old in before if after_run[old["id"]] != old}
    changed = await _with_a_new_version(harness, [r["id"] for r in before])
    assert len(changed) == outcome.counts.changed
    assert differing <= changed <= {r["id"] for r in before[:15]}
    row = await harness.connection_row()
    assert (row.state, row.failure_reason) == ("failed", "invalid_key")
    assert row.encrypted_api_key is not None, "the key is only deleted on disconnect"
    async with harness.uow_factory() as uow:
        assert await uow.sync_runs.active_run(row.id) is None


async def test_a_key_revoked_during_the_first_run_keeps_what_was_complete(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    revoke_after(harness, 20)

    outcome = await harness.sync()

    assert outcome.status == "failed"
    assert (await harness.connection_row()).state == "failed"
    kept = await harness.snapshot()
    # The vouchers fetched completely before the key was refused are written, whole.
    assert kept, "what was complete is kept"
    assert len(kept) == outcome.counts.new
    assert {row["id"] for row in kept} <= harness.paid_ids(since=date(2025, 1, 1))
    for row in kept:
        assert row["files"] and row["payment_items"]
        assert row["review"] is None


async def test_the_connections_own_expiry_date_fails_it_without_calling_lexware(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    await harness.connect(key_expires_on=date(2026, 7, 1))
    connection_id = await harness.connection_id()
    await harness.reset_counters()
    # Still valid on the expiry date itself ("gültig bis" includes the day).
    harness.clock.advance(days=16)
    assert (await harness.sync()).status == "succeeded"
    harness.clock.advance(days=1)
    await harness.reset_counters()

    run_id = await claim_run(harness.uow_factory, harness.clock, connection_id, trigger="schedule")
    assert run_id is not None
    outcome = await execute_run(harness.deps, run_id)

    assert outcome.status == "failed"
    assert outcome.error_code == "lexware_key_expired"
    row = await harness.connection_row()
    assert (row.state, row.failure_reason) == ("failed", "expired")
    assert (await harness.counters())["requests"] == 0
    # The next attempt does not even start.
    harness.clock.advance(minutes=5)
    again = await harness.sync()
    assert again.error_code == "connection_not_active"
