"""Lexware misbehaving: 429, 5xx, timeouts, malformed answers. After the faults stop, the
next run must leave exactly what a clean sync leaves."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from belegsync.emulator import MAIN_ORG_ID
from support.sync_harness import Harness, HarnessFactory, clean_sync


async def _connected(harness: Harness) -> None:
    await harness.add_tenant(open_tax_years=[2025, 2026])
    await harness.connect()
    await harness.reset_counters()


async def _fault(harness: Harness, **rule: Any) -> None:
    await harness.emulator("POST", "/faults", rule)


async def _assert_ends_clean(harness: Harness, factory: HarnessFactory) -> None:
    """Faults off, next run: the stored vouchers and files equal a clean sync's."""
    await harness.emulator("DELETE", "/faults")
    harness.transport.hook = None
    harness.clock.advance(hours=1)
    outcome = await harness.sync()
    assert outcome.status == "succeeded", outcome
    assert outcome.counts.failed == 0
    expected, _ = await clean_sync(factory)
    assert await harness.snapshot() == expected
    row = await harness.connection_row()
    assert row.state == "active"


async def test_throttled_answers_are_retried_within_the_run(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    await _fault(harness, kind="throttle", count=3)

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    counters = await harness.counters()
    assert counters["byStatus"]["429"] == 3
    expected, _ = await clean_sync(harness_factory)
    assert await harness.snapshot() == expected


async def test_the_emulators_own_rate_limit_never_corrupts_the_result(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    await harness.emulator("PUT", "/settings", {"ratePerSecond": 20, "burst": 2})

    outcome = await harness.sync()

    assert (await harness.counters())["throttled"] > 0
    # Retries without waiting cannot outlast the bucket: the run may give up, but
    # only as a transient failure that keeps the connection.
    assert outcome.status in ("succeeded", "failed_transient")
    if outcome.status == "failed_transient":
        assert outcome.error_code == "lexware_rate_limited"
    await harness.emulator("PUT", "/settings", {"ratePerSecond": 10_000, "burst": 10_000})
    await _assert_ends_clean(harness, harness_factory)


async def test_a_burst_of_5xx_is_retried_within_the_run(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    await _fault(harness, kind="error", status=503, count=3, pathPrefix="/v1/payments")
    await _fault(harness, kind="error", status=502, count=2, pathPrefix="/v1/voucherlist")

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    by_status = (await harness.counters())["byStatus"]
    assert (by_status["503"], by_status["502"]) == (3, 2)
    expected, _ = await clean_sync(harness_factory)
    assert await harness.snapshot() == expected


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_5xx_end_clean_after_the_next_run(
    harness: Harness, harness_factory: HarnessFactory, seed: int
) -> None:
    await _connected(harness)
    await _fault(harness, kind="error", status=500, rate=0.45, seed=seed)

    outcome = await harness.sync()

    assert outcome.status in ("succeeded", "failed_transient")
    assert (await harness.counters())["byStatus"].get("500", 0) > 0
    await _assert_ends_clean(harness, harness_factory)


async def test_gateway_timeouts_are_retried(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    await _fault(harness, kind="timeout", timeoutSeconds=0.02, count=3, pathPrefix="/v1/files")

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    assert (await harness.counters())["byStatus"]["504"] == 3
    expected, _ = await clean_sync(harness_factory)
    assert await harness.snapshot() == expected


async def test_client_side_timeouts_are_retried(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    timed_out = 0

    async def every_fifth_times_out(request: httpx.Request) -> httpx.Response | None:
        nonlocal timed_out
        if harness.transport.requests % 5 == 0:
            timed_out += 1
            raise httpx.ReadTimeout("read timed out", request=request)
        return None

    harness.transport.hook = every_fifth_times_out

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    assert timed_out > 5
    expected, _ = await clean_sync(harness_factory)
    assert await harness.snapshot() == expected


async def test_a_malformed_detail_fails_that_voucher_only_and_the_next_run_retries_it(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    expected, _ = await clean_sync(harness_factory)
    victim = next(r["id"] for r in expected if r["type"] == "purchaseinvoice")
    await _fault(harness, kind="malformed", pathPrefix=f"/v1/vouchers/{victim}")

    outcome = await harness.sync()

    assert outcome.status == "succeeded"
    assert outcome.counts.failed == 1
    assert outcome.counts.new == len(expected) - 1
    assert victim not in await harness.vouchers()
    async with harness.uow_factory() as uow:
        errors = await uow.sync_runs.errors(outcome.run_id)
        run = await uow.sync_runs.get(outcome.run_id)
    assert [(e.voucher_lexware_id, e.code) for e in errors] == [
        (victim, "lexware_malformed_response")
    ]
    assert run.report is not None
    assert [e["voucher"] for e in run.report["errors"]] == [victim]

    await harness.emulator("DELETE", "/faults")
    harness.clock.advance(days=1)
    retry = await harness.sync()

    assert retry.status == "succeeded"
    assert (retry.counts.new, retry.counts.failed) == (1, 0)
    assert await harness.snapshot() == expected


async def test_persisting_5xx_fail_the_run_transiently_and_keep_the_connection(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    await _fault(harness, kind="error", status=503)

    outcome = await harness.sync()

    assert outcome.status == "failed_transient"
    assert outcome.error_code == "lexware_unavailable"
    async with harness.uow_factory() as uow:
        run = await uow.sync_runs.get(outcome.run_id)
        assert run.status == "failed_transient"
        assert await uow.sync_runs.active_run(run.connection_id) is None
    row = await harness.connection_row()
    assert (row.state, row.failure_reason) == ("active", None)
    assert await harness.vouchers() == {}
    await _assert_ends_clean(harness, harness_factory)


async def test_persisting_5xx_on_details_after_listing_fail_transiently(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    await _fault(harness, kind="error", status=500, pathPrefix="/v1/payments")

    outcome = await harness.sync()

    assert outcome.status == "failed_transient"
    assert (await harness.connection_row()).state == "active"
    await _assert_ends_clean(harness, harness_factory)


async def test_faults_in_an_incremental_run_end_clean_after_the_next_run(
    harness: Harness, harness_factory: HarnessFactory
) -> None:
    await _connected(harness)
    first = await harness.sync()
    assert first.status == "succeeded"
    world = harness.app.world
    paid = sorted(v.id for v in world.vouchers(MAIN_ORG_ID) if v.status == "paid")
    harness.clock.advance(hours=2)
    await harness.emulator("PATCH", f"/vouchers/{paid[0]}", {"remark": "korrigiert"})
    await harness.emulator("POST", f"/vouchers/{paid[1]}/reopen")
    harness.clock.advance(days=1)
    await _fault(harness, kind="error", status=503, rate=0.5, seed=7)

    faulty = await harness.sync()

    assert faulty.status in ("succeeded", "failed_transient")
    await harness.emulator("DELETE", "/faults")
    harness.clock.advance(hours=1)
    clean = await harness.sync()
    assert clean.status == "succeeded"
    stored = await harness.vouchers()
    if paid[1] in stored:
        assert stored[paid[1]]["review"]["reason"] == "no_longer_paid"
    assert {i for i, r in stored.items() if r["review"] is None} == harness.paid_ids(
        since=date(2025, 1, 1)
    )
