"""Lexware as it really behaves: transient 401s, deletions seen by the daily run, vouchers
that keep failing, list dates to the second, XML e-invoices."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from belegsync.emulator import MAIN_ORG_ID
from belegsync.sync.engine import RunOutcome
from support.sync_harness import KEY_RECHECK_DELAYS, Harness, paid_purchase_invoice


async def _synced(harness: Harness) -> RunOutcome:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    first = await harness.sync()
    assert first.status == "succeeded"
    assert first.counts.new > 10
    return first


async def _next_day(harness: Harness, *, full: bool = False) -> RunOutcome:
    harness.clock.advance(days=1)
    await harness.reset_counters()
    return await harness.sync(full=full)


def _calls(counters: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in counters["byResource"].items() if v}


# --- a 401 is not proof of a dead key ----------------------------------------------------


async def test_one_401_while_fetching_ends_the_run_transiently_and_keeps_the_connection(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    await harness.emulator(
        "POST",
        "/faults",
        {"kind": "error", "status": 401, "pathPrefix": "/v1/payments", "count": 1},
    )

    outcome = await harness.sync()

    assert outcome.status == "failed_transient"
    assert outcome.error_code == "lexware_key_refused_transiently"
    row = await harness.connection_row()
    assert (row.state, row.failure_reason) == ("active", None)
    # One re-check with the profile after the first pause answered.
    assert harness.pauses.seconds == [KEY_RECHECK_DELAYS[0]]
    assert "/v1/profile" in harness.transport.paths
    harness.clock.advance(minutes=10)
    again = await harness.sync()
    assert again.status == "succeeded"
    assert set(await harness.vouchers()) == harness.paid_ids(since=date(2025, 1, 1))


async def test_a_401_while_listing_is_rechecked_too(harness: Harness) -> None:
    await _synced(harness)
    await harness.emulator(
        "POST",
        "/faults",
        {"kind": "error", "status": 401, "pathPrefix": "/v1/voucherlist", "count": 1},
    )

    outcome = await _next_day(harness)

    assert outcome.status == "failed_transient"
    assert (await harness.connection_row()).state == "active"


async def test_a_key_refused_at_every_recheck_fails_the_connection(harness: Harness) -> None:
    await _synced(harness)
    # Every request is refused, also the profile checks: the key is really gone.
    await harness.emulator("POST", "/faults", {"kind": "error", "status": 401})

    outcome = await _next_day(harness)

    assert outcome.status == "failed"
    assert outcome.error_code == "lexware_key_rejected"
    assert harness.pauses.seconds == list(KEY_RECHECK_DELAYS)
    assert harness.transport.paths.count("/v1/profile") == len(KEY_RECHECK_DELAYS)
    row = await harness.connection_row()
    assert (row.state, row.failure_reason) == ("failed", "invalid_key")


async def test_a_refused_key_that_recovers_at_the_last_recheck_keeps_the_connection(
    harness: Harness,
) -> None:
    await _synced(harness)
    refusals = len(KEY_RECHECK_DELAYS)  # the failing call and all but the last re-check
    await harness.emulator("POST", "/faults", {"kind": "error", "status": 401, "count": refusals})

    outcome = await _next_day(harness)

    assert outcome.status == "failed_transient"
    assert harness.pauses.seconds == list(KEY_RECHECK_DELAYS)
    assert (await harness.connection_row()).state == "active"


# --- deletions seen by the daily run -------------------------------------------------------


async def test_the_daily_run_flags_a_deleted_paid_voucher_after_a_confirming_404(
    harness: Harness,
) -> None:
    await _synced(harness)
    victim = paid_purchase_invoice(harness)
    before = await harness.vouchers()
    del harness.app.world.data[MAIN_ORG_ID].vouchers[victim]

    outcome = await _next_day(harness)

    assert outcome.status == "succeeded"
    assert outcome.counts.flagged == 1
    after = await harness.vouchers()
    assert set(after) == set(before)
    assert after[victim]["review"]["reason"] == "deleted"
    assert after[victim]["files"] == before[victim]["files"]
    counters = await harness.counters()
    # Two list pages (changes since the last run; the paid vouchers of the window) and
    # the one detail call that confirms the deletion.
    assert _calls(counters) == {"voucherlist": 2, "vouchers": 1}
    assert counters["byStatus"]["404"] == 1
    # Flagged once: the next day costs the list pages only.
    again = await _next_day(harness)
    assert again.counts.flagged == 0
    assert _calls(await harness.counters()) == {"voucherlist": 2}


async def test_a_failed_reconciliation_listing_flags_nothing(harness: Harness) -> None:
    await _synced(harness)
    victim = paid_purchase_invoice(harness)
    del harness.app.world.data[MAIN_ORG_ID].vouchers[victim]
    listings = 0

    async def second_listing_fails(request: httpx.Request) -> httpx.Response | None:
        nonlocal listings
        if request.url.path == "/v1/voucherlist":
            listings += 1
            if listings >= 2:
                return httpx.Response(503, json={"message": "unavailable"})
        return None

    harness.transport.hook = second_listing_fails
    outcome = await _next_day(harness)

    assert outcome.status == "failed_transient"
    assert (await harness.vouchers())[victim]["review"] is None


async def test_an_empty_daily_listing_flags_nothing(harness: Harness) -> None:
    await _synced(harness)
    before = await harness.snapshot()

    async def empty(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/v1/voucherlist":
            return None
        page = {"content": [], "first": True, "last": True, "totalPages": 0}
        page |= {"totalElements": 0, "numberOfElements": 0, "size": 250, "number": 0}
        return httpx.Response(200, json=page)

    harness.transport.hook = empty
    outcome = await _next_day(harness)

    assert (outcome.status, outcome.counts.flagged) == ("succeeded", 0)
    assert await harness.snapshot() == before


# --- one bad voucher never freezes the window ----------------------------------------------


async def test_a_voucher_whose_payments_keep_failing_is_parked_and_retried_later(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    victim = paid_purchase_invoice(harness)
    await harness.emulator(
        "POST", "/faults", {"kind": "error", "status": 406, "pathPrefix": f"/v1/payments/{victim}"}
    )
    attempts = harness.deps.failure_policy.park_after_attempts

    outcomes = [await harness.sync()]
    for _ in range(attempts - 1):
        outcomes.append(await _next_day(harness))

    assert [o.status for o in outcomes] == ["succeeded"] * attempts
    assert [o.counts.failed for o in outcomes] == [1] * attempts
    async with harness.uow_factory() as uow:
        run = await uow.sync_runs.get(outcomes[-1].run_id)
        parked = await uow.voucher_failures.parked(harness.tenant_id)
    assert [(p.lexware_id, p.status, p.attempts) for p in parked] == [(victim, 406, attempts)]
    assert run.report is not None
    assert [(p["voucher"], p["code"], p["attempts"]) for p in run.report["parked"]] == [
        (victim, "lexware_request_invalid", attempts)
    ]
    assert run.report["counts"]["parked"] == 1
    # Parked: the watermark moved on to the run's start.
    row = await harness.connection_row()
    assert row.last_sync_watermark == harness.clock.now()

    # Later that day it waits for its own schedule: nothing but the list is asked.
    harness.clock.advance(hours=12)
    await harness.reset_counters()
    waiting = await harness.sync()
    assert (waiting.counts.failed, _calls(await harness.counters())) == (0, {"voucherlist": 2})
    async with harness.uow_factory() as uow:
        run = await uow.sync_runs.get(waiting.run_id)
    assert run.report is not None
    assert run.report["counts"]["parked_waiting"] == 1
    assert [p["voucher"] for p in run.report["parked"]] == [victim]

    # Its retry is due; Lexware answers now: synced, and no longer parked.
    await harness.emulator("DELETE", "/faults")
    harness.clock.advance(days=2)
    retried = await harness.sync()
    assert (retried.counts.new, retried.counts.failed) == (1, 0)
    assert victim in await harness.vouchers()
    async with harness.uow_factory() as uow:
        assert await uow.voucher_failures.for_tenant(harness.tenant_id) == {}


async def test_a_voucher_whose_detail_answers_404_is_parked_too(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    victim = paid_purchase_invoice(harness)
    await harness.emulator(
        "POST", "/faults", {"kind": "error", "status": 404, "pathPrefix": f"/v1/vouchers/{victim}"}
    )
    for _ in range(harness.deps.failure_policy.park_after_attempts):
        outcome = await harness.sync()
        assert (outcome.status, outcome.counts.failed) == ("succeeded", 1)
        harness.clock.advance(days=1)
    async with harness.uow_factory() as uow:
        parked = await uow.voucher_failures.parked(harness.tenant_id)
    assert [(p.lexware_id, p.status) for p in parked] == [(victim, 404)]


# --- "unchanged" does not depend on timestamp precision ------------------------------------


async def test_a_full_rerun_of_an_unchanged_account_makes_the_list_calls_only(
    harness: Harness,
) -> None:
    first = await _synced(harness)

    outcome = await _next_day(harness, full=True)

    assert outcome.status == "succeeded"
    assert outcome.counts.unchanged == first.counts.new
    assert (outcome.counts.new, outcome.counts.changed) == (0, 0)
    assert _calls(await harness.counters()) == {"voucherlist": 1}


async def test_list_dates_to_the_second_and_details_to_the_millisecond_are_one_version(
    harness: Harness,
) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    victim = await harness.add_paid_voucher(date(2026, 3, 2))
    voucher = harness.app.world.data[MAIN_ORG_ID].vouchers[victim]
    voucher.updated = voucher.updated.replace(microsecond=987_000)
    await harness.connect()
    await harness.sync()
    async with harness.uow_factory() as uow:
        stored = await uow.vouchers.by_lexware_id(harness.tenant_id, victim)
    assert stored is not None
    assert stored.lexware_updated_at.microsecond == 987_000

    outcome = await _next_day(harness, full=True)

    assert (outcome.counts.changed, outcome.counts.new) == (0, 0)
    assert _calls(await harness.counters()) == {"voucherlist": 1}


# --- e-invoices people can read ------------------------------------------------------------


async def test_an_xml_e_invoice_is_stored_with_lexwares_pdf_rendering(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2026])
    victim = await harness.add_paid_voucher(date(2026, 4, 1), files=["xml"])
    await harness.connect()

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    row = (await harness.vouchers())[victim]
    media = sorted(f["media_type"] for f in row["files"])
    assert media == ["application/pdf", "application/xml"]
    by_type = {f["media_type"]: f for f in row["files"]}
    pdf = await harness.files.read(by_type["application/pdf"]["sha256"])
    xml = await harness.files.read(by_type["application/xml"]["sha256"])
    assert pdf.startswith(b"%PDF-")
    assert b"Invoice" in xml
    assert by_type["application/pdf"]["lexware_file_id"].endswith(".pdf")

    # Unchanged the next day: neither file is downloaded again.
    again = await _next_day(harness, full=True)
    assert again.counts.unchanged >= 1
    assert "files" not in _calls(await harness.counters())
