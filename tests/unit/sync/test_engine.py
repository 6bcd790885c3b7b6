"""The sync engine on fakes: an in-memory unit of work, Lexware and file store.

What a run decides and writes, without a database or HTTP; the whole stack is tested in
tests/integration/sync.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from belegsync.lexware import LexwareAuthError, LexwareValidationError
from belegsync.store.models import Connection, TaxYear, Tenant
from belegsync.sync.engine import RunOutcome, SyncDeps, execute_run
from fakes.clock import FixedClock
from fakes.file_store import InMemoryFileStore
from fakes.lexware import PDF, FakeLexware, FakeVoucher
from fakes.uow import FakeStore

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
RECHECKS = (30.0, 120.0)


class PlainCipher:
    def encrypt(self, plaintext: str) -> bytes:
        return plaintext.encode()

    def decrypt(self, token: bytes) -> str:
        return token.decode()


@dataclasses.dataclass
class Engine:
    store: FakeStore
    lexware: FakeLexware
    files: InMemoryFileStore
    clock: FixedClock
    deps: SyncDeps
    pauses: list[float]

    async def run(self, *, full: bool = False) -> RunOutcome:
        async with self.store() as uow:
            run = await uow.sync_runs.claim("c1", trigger="cli", full=full, now=self.clock.now())
            assert run is not None
            await uow.commit()
        self.lexware.calls.clear()
        self.lexware.stats.requests_sent = 0
        return await execute_run(self.deps, run.id)

    def voucher(self, lexware_id: str) -> object:
        return self.store.data.vouchers.get(("t1", lexware_id))

    def connection(self) -> Connection:
        return self.store.data.connections["c1"]

    def add(self, voucher_id: str, day: date, **kwargs: object) -> FakeVoucher:
        voucher = FakeVoucher(voucher_id, day, self.clock.now() - timedelta(hours=1), **kwargs)  # type: ignore[arg-type]
        self.lexware.vouchers[voucher_id] = voucher
        return voucher


@pytest.fixture
def engine() -> Engine:
    store = FakeStore()
    data = store.data
    data.tenants["t1"] = Tenant(id="t1", name="Test GmbH", bookkeeping_service=False)
    data.tax_years += [
        TaxYear(tenant_id="t1", year=2025, closed=False),
        TaxYear(tenant_id="t1", year=2026, closed=False),
    ]
    data.connections["c1"] = Connection(
        id="c1",
        tenant_id="t1",
        state="active",
        encrypted_api_key=b"the-key",
        key_last4="-key",
        base_url="http://lexware.fake",
        organization_id="org-1",
        success_banner_pending=False,
    )
    lexware = FakeLexware()
    clock = FixedClock(NOW)
    files = InMemoryFileStore()
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    deps = SyncDeps(
        uow_factory=store,
        files=files,
        lexware=lambda key, url: lexware,
        cipher=PlainCipher(),
        clock=clock,
        concurrency=1,
        monotonic=lambda: 0.0,
        key_recheck_delays=RECHECKS,
        pause=pause,
        owner="test-host:1:1",
    )
    return Engine(store, lexware, files, clock, deps, pauses)


def _seed(engine: Engine, count: int = 3) -> list[str]:
    ids = [f"v{i}" for i in range(count)]
    for i, voucher_id in enumerate(ids):
        engine.add(voucher_id, date(2026, 1, 1 + i))
    return ids


async def test_a_first_run_stores_every_paid_voucher_and_sets_the_watermark(
    engine: Engine,
) -> None:
    ids = _seed(engine)
    engine.add("open", date(2026, 2, 1), status="open")
    engine.add("old", date(2024, 12, 31))

    outcome = await engine.run()

    assert (outcome.status, outcome.counts.new, outcome.counts.failed) == ("succeeded", 3, 0)
    assert {lid for (_, lid) in engine.store.data.vouchers} == set(ids)
    assert engine.connection().last_sync_watermark == NOW
    run = engine.store.data.runs[outcome.run_id]
    assert (run.status, run.lease_owner, run.lease_expires_at) == (
        "succeeded",
        "test-host:1:1",
        None,
    )
    assert len(engine.files.files) == 1, "the same PDF bytes are stored once"


async def test_an_unchanged_rerun_lists_only_although_the_detail_has_milliseconds(
    engine: Engine,
) -> None:
    _seed(engine)
    await engine.run()
    engine.clock.advance(days=1)

    outcome = await engine.run(full=True)

    assert (outcome.counts.unchanged, outcome.counts.new, outcome.counts.changed) == (3, 0, 0)
    assert engine.lexware.kinds() == {"voucherlist": 1}


async def test_a_daily_run_flags_a_deleted_voucher_after_its_404(engine: Engine) -> None:
    _seed(engine)
    await engine.run()
    del engine.lexware.vouchers["v1"]
    engine.clock.advance(days=1)

    outcome = await engine.run()

    assert outcome.counts.flagged == 1
    assert engine.store.data.vouchers[("t1", "v1")].review_reason == "deleted"
    assert engine.lexware.kinds() == {"voucherlist": 2, "vouchers": 1}


async def test_an_empty_listing_flags_nothing(engine: Engine) -> None:
    _seed(engine)
    await engine.run()
    engine.lexware.vouchers.clear()
    engine.clock.advance(days=1)

    outcome = await engine.run()

    assert (outcome.status, outcome.counts.flagged) == ("succeeded", 0)
    assert all(v.review_reason is None for v in engine.store.data.vouchers.values())


async def test_one_401_is_rechecked_and_ends_the_run_transiently(engine: Engine) -> None:
    _seed(engine)
    engine.lexware.fail("/v1/payments/v1", LexwareAuthError("Unauthorized", status=401))

    outcome = await engine.run()

    assert (outcome.status, outcome.error_code) == (
        "failed_transient",
        "lexware_key_refused_transiently",
    )
    assert engine.pauses == [RECHECKS[0]]
    assert engine.connection().state == "active"
    # What was fetched completely before the 401 is kept.
    assert ("t1", "v0") in engine.store.data.vouchers


async def test_a_key_refused_at_every_recheck_fails_the_connection(engine: Engine) -> None:
    _seed(engine)
    refused = LexwareAuthError("Unauthorized", status=401)
    engine.lexware.fail("/v1/payments/v0", refused)
    engine.lexware.fail("/v1/profile", refused, sticky=True)

    outcome = await engine.run()

    assert (outcome.status, outcome.error_code) == ("failed", "lexware_key_rejected")
    assert engine.pauses == list(RECHECKS)
    assert (engine.connection().state, engine.connection().failure_reason) == (
        "failed",
        "invalid_key",
    )


async def test_a_voucher_failing_with_a_client_error_is_parked_and_frees_the_watermark(
    engine: Engine,
) -> None:
    _seed(engine)
    engine.lexware.fail(
        "/v1/payments/v2", LexwareValidationError("no payment information", status=406), sticky=True
    )
    attempts = engine.deps.failure_policy.park_after_attempts
    outcomes = []
    for _ in range(attempts):
        outcomes.append(await engine.run())
        engine.clock.advance(hours=1)

    assert [o.counts.failed for o in outcomes] == [1] * attempts
    failure = engine.store.data.failures[("t1", "v2")]
    assert (failure.attempts, failure.status, failure.parked_at is not None) == (
        attempts,
        406,
        True,
    )
    # Before it was parked the voucher held the watermark back; now it moves on.
    assert engine.connection().last_sync_watermark == NOW + timedelta(hours=attempts - 1)
    report = engine.store.data.runs[outcomes[-1].run_id].report
    assert report is not None and [p["voucher"] for p in report["parked"]] == ["v2"]

    waiting = await engine.run()
    assert (waiting.counts.failed, "/v1/payments/v2" in engine.lexware.calls) == (0, False)


async def test_a_bad_download_fails_its_voucher_only(engine: Engine) -> None:
    _seed(engine)
    engine.add("bad", date(2026, 3, 1), files={"f": b'{"message":"error"}'})

    outcome = await engine.run()

    assert (outcome.status, outcome.counts.new, outcome.counts.failed) == ("succeeded", 3, 1)
    errors = [(e.voucher_lexware_id, e.code) for e in engine.store.data.run_errors]
    assert errors == [("bad", "lexware_file_invalid")]
    assert engine.voucher("bad") is None


async def test_a_full_run_repairs_a_stored_file_that_is_not_a_file(engine: Engine) -> None:
    _seed(engine, 1)
    await engine.run()
    stored = next(iter(engine.store.data.files.values()))["v0-f"]
    broken = await engine.files.put(b'{"message":"Internal error"}')
    stored.sha256 = broken
    engine.clock.advance(days=1)

    outcome = await engine.run(full=True)

    assert outcome.counts.changed + outcome.counts.unchanged == 1
    repaired = next(iter(engine.store.data.files.values()))["v0-f"]
    assert (await engine.files.read(repaired.sha256)) == PDF
    assert engine.lexware.kinds() == {"voucherlist": 1, "vouchers": 1, "payments": 1, "files": 1}


async def test_an_unexpected_error_ends_the_run(engine: Engine) -> None:
    _seed(engine)

    async def broken(voucher_id: str) -> object:
        raise RuntimeError("a bug")

    engine.lexware.payments = broken  # type: ignore[assignment,method-assign]

    outcome = await engine.run()

    assert (outcome.status, outcome.error_code) == ("failed", "sync_internal_error")
    assert engine.store.data.runs[outcome.run_id].status == "failed"
    assert engine.connection().state == "active"


async def test_a_batch_is_written_when_its_oldest_voucher_waited_the_delay(
    engine: Engine,
) -> None:
    _seed(engine, 4)
    ticks = iter([0.0, 0.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0])
    engine.deps = dataclasses.replace(
        engine.deps, batch_size=50, batch_delay_seconds=1.0, monotonic=lambda: next(ticks)
    )
    commits_before = engine.store.commits

    outcome = await engine.run()

    assert outcome.counts.new == 4
    # claim, start, total, finish: 4 commits; the vouchers went in two batches (the
    # second voucher found the first one waiting 5 s), not in one at the end.
    assert engine.store.commits - commits_before == 4 + 2


async def test_after_the_first_batch_the_batches_wait_the_longer_delay(engine: Engine) -> None:
    _seed(engine, 4)
    # run start; 1st voucher (batch opened, checked); 2nd after 2 s; 3rd opens the next
    # batch at 3 s; 4th at 6 s; then the run's end.
    ticks = iter([0.0, 0.0, 0.0, 2.0, 3.0, 3.0, 6.0] + [6.0] * 5)
    engine.deps = dataclasses.replace(
        engine.deps,
        batch_size=50,
        first_batch_delay_seconds=1.0,
        batch_delay_seconds=10.0,
        monotonic=lambda: next(ticks),
    )
    commits_before = engine.store.commits

    outcome = await engine.run()

    assert outcome.counts.new == 4
    # The first batch went in after 1 s (two vouchers); the next one waited for the end
    # of the run instead of being written after 3 s.
    assert engine.store.commits - commits_before == 4 + 2


async def test_without_the_delay_a_batch_waits_until_it_is_full_or_the_run_ends(
    engine: Engine,
) -> None:
    _seed(engine, 4)
    commits_before = engine.store.commits

    await engine.run()

    assert engine.store.commits - commits_before == 4 + 1


async def test_a_voucher_the_store_refuses_fails_alone_when_its_batch_insert_fails(
    engine: Engine,
) -> None:
    ids = _seed(engine, 3)
    # The multi-row insert of the batch fails on this one (its currency does not fit
    # the column); the batch is rolled back and each voucher written on its own.
    engine.add("w-bad", date(2026, 1, 9), currency="EURO")

    outcome = await engine.run()

    assert (outcome.status, outcome.counts.new, outcome.counts.failed) == ("succeeded", 3, 1)
    assert {lid for (_, lid) in engine.store.data.vouchers} == set(ids)
    errors = [e.voucher_lexware_id for e in engine.store.data.run_errors]
    assert errors == ["w-bad"]


async def test_the_files_of_a_batch_are_stored_in_one_hand_off_before_its_rows(
    engine: Engine,
) -> None:
    ids = _seed(engine, 3)
    engine.lexware.vouchers["v1"].files = {"f": PDF, "g": PDF + b"%% second file"}

    outcome = await engine.run()

    assert outcome.counts.new == 3
    assert (engine.files.hand_offs, engine.files.puts) == (1, 4)
    rows = [row for files in engine.store.data.files.values() for row in files.values()]
    assert sorted(row.lexware_file_id for row in rows) == ["v0-f", "v1-f", "v1-g", "v2-f"]
    assert {row.sha256 for row in rows} == set(engine.files.files), "rows point at stored bytes"
    assert len(ids) == 3
