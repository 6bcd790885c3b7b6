"""Incremental runs: new, changed, files added or removed, closed years, vouchers that
left the paid state or vanished."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID
from belegsync.sync.engine import RunOutcome
from belegsync.tenants.clients import set_tax_year_closed
from support.sync_harness import Harness


async def _synced(harness: Harness, years: list[int] | None = None) -> None:
    await harness.add_tenant(open_tax_years=years or [2025, 2026])
    await harness.connect()
    first = await harness.sync()
    assert first.status == "succeeded"
    assert first.counts.new > 10


def _a_paid_bookkeeping_voucher(harness: Harness, *, year: int | None = None) -> str:
    candidates = sorted(
        v.id
        for v in harness.app.world.vouchers(MAIN_ORG_ID)
        if v.status == "paid"
        and v.voucher_type == "purchaseinvoice"
        and v.voucher_date >= date(2025, 1, 1)
        and (year is None or v.voucher_date.year == year)
        and len(v.file_ids) == 1
    )
    assert candidates
    return candidates[0]


async def _versions(harness: Harness, lexware_id: str) -> list[dict[str, object]]:
    async with harness.uow_factory() as uow:
        voucher = await uow.vouchers.by_lexware_id(harness.tenant_id, lexware_id)
        assert voucher is not None
        return [
            {"reason": v.reason, "raw": v.raw_json, "status": v.voucher_status}
            for v in await uow.vouchers.versions(voucher.id)
        ]


async def _next_day_run(harness: Harness, *, full: bool = False) -> RunOutcome:
    harness.clock.advance(days=1)
    await harness.reset_counters()
    return await harness.sync(full=full)


async def test_a_voucher_paid_after_the_first_sync_comes_with_the_next_run(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    created = await harness.add_voucher(
        type="purchaseinvoice", status="open", voucherDate="2026-06-01", totalGrossAmount="238.00"
    )
    await harness.connect()
    await harness.sync()
    assert created["id"] not in await harness.vouchers()
    harness.clock.advance(hours=3)
    await harness.emulator("POST", f"/vouchers/{created['id']}/pay", {})

    outcome = await _next_day_run(harness)

    assert outcome.status == "succeeded"
    assert outcome.counts.new == 1
    assert outcome.counts.changed == outcome.counts.flagged == 0
    row = (await harness.vouchers())[created["id"]]
    assert row["total_gross"] == "238.00"
    assert row["paid_date"] == "2026-06-15"
    assert [i["amount"] for i in row["payment_items"]] == ["238.00"]
    assert len(row["files"]) == 1
    calls = {k: v for k, v in (await harness.counters())["byResource"].items() if v}
    # Two list pages: what changed since the last run, and the paid vouchers of the
    # window (the ids deletions are reconciled against).
    assert calls == {"voucherlist": 2, "vouchers": 1, "payments": 1, "files": 1}
    assert outcome.counts.api_calls == 5


async def test_a_changed_amount_is_synced_and_the_old_version_kept(harness: Harness) -> None:
    await _synced(harness)
    victim = _a_paid_bookkeeping_voucher(harness)
    old = (await harness.vouchers())[victim]["total_gross"]
    harness.clock.advance(hours=2)
    await harness.emulator("PATCH", f"/vouchers/{victim}", {"totalGrossAmount": "4321.09"})

    outcome = await _next_day_run(harness)

    assert outcome.counts.changed == 1
    assert outcome.counts.new == outcome.counts.flagged == 0
    row = (await harness.vouchers())[victim]
    assert row["total_gross"] == "4321.09"
    assert row["review"] is None
    versions = await _versions(harness, victim)
    assert [v["reason"] for v in versions] == ["created", "changed"]
    old_raw, new_raw = versions[0]["raw"], versions[1]["raw"]
    assert isinstance(old_raw, dict) and isinstance(new_raw, dict)
    assert Decimal(str(old_raw["totalGrossAmount"])) == Decimal(old)
    assert Decimal(str(new_raw["totalGrossAmount"])) == Decimal("4321.09")


async def test_an_added_file_is_downloaded(harness: Harness) -> None:
    await _synced(harness)
    victim = _a_paid_bookkeeping_voucher(harness)
    before = (await harness.vouchers())[victim]["files"]
    harness.clock.advance(hours=2)
    added = await harness.emulator("POST", f"/vouchers/{victim}/files", {"kind": "png"})

    outcome = await _next_day_run(harness)

    assert outcome.status == "succeeded"
    files = (await harness.vouchers())[victim]["files"]
    assert {f["lexware_file_id"] for f in files} == {
        *(f["lexware_file_id"] for f in before),
        added["id"],
    }
    new_file = next(f for f in files if f["lexware_file_id"] == added["id"])
    assert new_file["media_type"] == "image/png"
    assert (await harness.files.read(new_file["sha256"])).startswith(b"\x89PNG")
    # Only the new file is downloaded; the one already stored is not fetched again.
    assert (await harness.counters())["byResource"]["files"] == 1


async def test_a_removed_file_loses_its_row(harness: Harness) -> None:
    await _synced(harness)
    victim = _a_paid_bookkeeping_voucher(harness)
    harness.clock.advance(hours=2)
    added = await harness.emulator("POST", f"/vouchers/{victim}/files", {"kind": "jpg"})
    await _next_day_run(harness)
    assert len((await harness.vouchers())[victim]["files"]) == 2
    harness.clock.advance(hours=2)
    await harness.emulator("DELETE", f"/files/{added['id']}")

    outcome = await _next_day_run(harness)

    assert outcome.status == "succeeded"
    files = (await harness.vouchers())[victim]["files"]
    assert [f["lexware_file_id"] for f in files] == harness.app.world.voucher(victim).file_ids
    assert added["id"] not in {f["lexware_file_id"] for f in files}


async def test_a_change_after_the_year_was_closed_is_flagged_and_the_old_version_kept(
    harness: Harness,
) -> None:
    await _synced(harness)
    victim = _a_paid_bookkeeping_voucher(harness, year=2025)
    old_amount = (await harness.vouchers())[victim]["total_gross"]
    await set_tax_year_closed(
        uow_factory=harness.uow_factory,
        clock=harness.clock,
        tenant_id=harness.tenant_id,
        year=2025,
        closed=True,
    )
    harness.clock.advance(hours=2)
    await harness.emulator("PATCH", f"/vouchers/{victim}", {"totalGrossAmount": "99.99"})

    outcome = await _next_day_run(harness)

    assert outcome.counts.flagged == 1
    row = (await harness.vouchers())[victim]
    assert row["review"]["reason"] == "changed_after_close"
    versions = await _versions(harness, victim)
    assert len(versions) == 2
    old_raw = versions[0]["raw"]
    assert isinstance(old_raw, dict)
    assert Decimal(str(old_raw["totalGrossAmount"])) == Decimal(old_amount)


async def test_a_reopened_voucher_is_flagged_no_longer_paid(harness: Harness) -> None:
    await _synced(harness)
    victim = _a_paid_bookkeeping_voucher(harness)
    before = (await harness.vouchers())[victim]
    harness.clock.advance(hours=2)
    await harness.emulator("POST", f"/vouchers/{victim}/reopen")

    outcome = await _next_day_run(harness)

    assert outcome.counts.flagged == 1
    row = (await harness.vouchers())[victim]
    assert row["review"]["reason"] == "no_longer_paid"
    assert row["status"] == "open"
    assert row["files"] == before["files"]
    assert row["payment_items"] == before["payment_items"]


async def test_a_voucher_gone_from_lexware_is_flagged_deleted_after_a_confirming_404(
    harness: Harness,
) -> None:
    await _synced(harness)
    victim = _a_paid_bookkeeping_voucher(harness)
    before = await harness.vouchers()
    del harness.app.world.data[MAIN_ORG_ID].vouchers[victim]

    outcome = await _next_day_run(harness, full=True)

    assert outcome.status == "succeeded"
    assert outcome.counts.flagged == 1
    after = await harness.vouchers()
    assert set(after) == set(before)
    assert after[victim]["review"]["reason"] == "deleted"
    assert after[victim]["files"] == before[victim]["files"]
    counters = await harness.counters()
    assert counters["byResource"]["vouchers"] == 1
    assert counters["byStatus"]["404"] == 1


async def test_an_empty_listing_flags_and_deletes_nothing(harness: Harness) -> None:
    import httpx

    await _synced(harness)
    before = await harness.snapshot()

    async def empty_listing(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/v1/voucherlist":
            return httpx.Response(
                200,
                json={
                    "content": [],
                    "first": True,
                    "last": True,
                    "totalPages": 0,
                    "totalElements": 0,
                    "numberOfElements": 0,
                    "size": 250,
                    "number": 0,
                },
            )
        return None

    harness.transport.hook = empty_listing
    outcome = await _next_day_run(harness, full=True)

    assert outcome.counts.flagged == 0
    assert await harness.snapshot() == before


async def test_an_auth_failure_flags_and_deletes_nothing(harness: Harness) -> None:
    await _synced(harness)
    before = await harness.snapshot()
    await harness.emulator("POST", f"/keys/{MAIN_KEY}/revoke")

    outcome = await _next_day_run(harness, full=True)

    assert outcome.status == "failed"
    assert outcome.counts.flagged == 0
    assert await harness.snapshot() == before
    row = await harness.connection_row()
    assert (row.state, row.failure_reason) == ("failed", "invalid_key")
