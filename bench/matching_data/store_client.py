"""A client in a real SQLite store for the incremental matching timing.

``vouchers`` paid purchase invoices, all but ``new`` of them already linked
(confirmed) to their bank line. The timings are the real ``run_matching`` over the
store, back to back in one run, each after ``new`` bank lines of its own round arrive
by push:

1. after an import or push (no voucher changed);
2. after a sync that wrote the ``new`` vouchers these lines pay and changed
   ``changed`` linked ones, through the sync's repository path (which marks them
   ``payments_stale``): only those get their expected payments rebuilt;
3. the manual run after the same kind of sync: every voucher's expected payments
   rebuilt (what a sync cost before the stale marker).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from belegsync.domain.clock import Clock
from belegsync.matching.columns import line_keys_of
from belegsync.matching.expected import rebuild_expected_payments
from belegsync.matching.links import confirm_link, undo_link
from belegsync.matching.service import run_matching
from belegsync.store.db import checkpoint_wal, create_engine, create_session_factory
from belegsync.store.migrate import upgrade
from belegsync.store.models import PaymentLink
from belegsync.store.repositories import NewVoucher, VoucherData
from belegsync.store.uow import UnitOfWorkFactory
from support.databases import PG_ADMIN_DSN, pg_url
from support.volume import push_in_chunks

__all__ = ["migrated_database", "postgres_database", "time_incremental", "time_volume"]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_START = date(2024, 1, 1)


class _Clock:
    def now(self) -> datetime:
        return NOW


def _voucher(k: int) -> VoucherData:
    day = _START + timedelta(days=k * 700 // 20_000)
    cents = 1_000 + (k * 7_919) % 400_000
    number = f"RE-{day.year}-{k:05d}"
    return VoucherData(
        lexware_id=f"lx-{k:06d}",
        voucher_type="purchaseinvoice",
        voucher_status="paid",
        voucher_number=number,
        voucher_date=day,
        due_date=None,
        contact_name=f"Lieferant {k % 300}",
        contact_id=f"c-{k % 300}",
        total_gross_cents=cents,
        total_tax_cents=cents * 19 // 119,
        open_amount_cents=0,
        currency="EUR",
        paid_date=day + timedelta(days=3),
        lexware_updated_at=NOW,
        lexware_version=1,
        raw_json={"id": f"lx-{k:06d}"},
        raw_list_json={"id": f"lx-{k:06d}"},
        raw_payments_json={"paymentItems": []},
    )


def _line(data: VoucherData, k: int) -> dict[str, Any]:
    assert data.paid_date is not None
    return {
        "booking_date": (data.paid_date - timedelta(days=k % 3)).isoformat(),
        "amount": f"-{data.total_gross_cents // 100}.{data.total_gross_cents % 100:02d}",
        "counterparty_name": str(data.contact_name).upper(),
        "remittance": f"Rechnung {data.voucher_number}",
        "end_to_end_id": f"E2E-{k:06d}",
    }


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A new migrated PostgreSQL database for the block (its URL), dropped afterwards;
    None where no PostgreSQL answers (the server the tests use: ``PG_ADMIN_DSN``)."""
    try:
        admin = psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        yield None
        return
    name = f"belegsync_bench_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = pg_url(name)
            upgrade(url)
            yield url
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def migrated_database(directory: Path) -> str:
    """A fresh SQLite database at the newest schema; returns its URL."""
    url = f"sqlite+aiosqlite:///{directory / 'bench.sqlite3'}"
    upgrade(url)
    return url


async def _insert(uow_factory: UnitOfWorkFactory, tenant_id: str, datas: list[VoucherData]) -> None:
    """New vouchers as the sync's batch writer inserts them."""
    async with uow_factory() as uow:
        for start in range(0, len(datas), 1000):
            batch = [
                NewVoucher(data=d, payment_items=[], files=[]) for d in datas[start : start + 1000]
            ]
            await uow.vouchers.insert_new(tenant_id, batch, now=NOW)
        await uow.commit()


async def _sync_writes(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
    new: list[VoucherData],
    changed: list[VoucherData],
    round_: int,
) -> None:
    """What a sync writes: new vouchers, and changed ones (a remark: same payments)."""
    await _insert(uow_factory, tenant_id, new)
    async with uow_factory() as uow:
        for data in changed:
            raw = {**data.raw_json, "remark": f"geändert {round_}"}
            result = await uow.vouchers.upsert(
                tenant_id, dataclasses.replace(data, raw_json=raw), now=NOW
            )
            assert result.outcome == "changed"
        await uow.commit()


async def time_incremental(
    url: str, vouchers: int, new: int, changed: int = 50
) -> dict[str, float]:
    """Seconds of ``run_matching`` after ``new`` lines arrive: after an import, after a
    sync that changed ``changed`` vouchers, and the manual run's full rebuild (and the
    seconds of the set-up); then the seconds of a person's confirmation, which matches
    again too (an automatic link undone, and its suggestion confirmed)."""
    engine = create_engine(url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    clock: Clock = _Clock()
    started = time.perf_counter()
    try:
        async with uow_factory() as uow:
            tenant = await uow.tenants.add(name="Tischlerei Albrecht", now=NOW)
            tenant_id = tenant.id
            await uow.commit()
        # Two more rounds of ``new`` vouchers arrive with the syncs of rounds 2 and 3.
        datas = [_voucher(k) for k in range(vouchers + 2 * new)]
        await _insert(uow_factory, tenant_id, datas[:vouchers])
        linked = vouchers - new
        await push_in_chunks(
            uow_factory,
            clock,
            tenant_id,
            [_line(d, k) for k, d in enumerate(datas[:linked])],
            actor="bench",
            line_keys=line_keys_of,
        )
        async with uow_factory() as uow:
            await rebuild_expected_payments(uow, tenant_id, now=NOW)
            payments = {v.voucher_number: p for p, v in await uow.matching.payments(tenant_id)}
            columns = await uow.matching.transaction_columns(tenant_id)
            await uow.matching.lock_links(tenant_id)  # as every writer of links
            for txn_id, text, cents in zip(
                columns["id"], columns["remittance"], columns["amount_cents"], strict=True
            ):
                payment = payments[text.removeprefix("Rechnung ")]
                uow.matching.add(
                    PaymentLink(
                        tenant_id=tenant_id,
                        expected_payment_id=payment.id,
                        bank_transaction_id=txn_id,
                        allocated_cents=abs(cents),
                        difference_cents=0,
                        status="confirmed",
                        reasons=["manual"],
                        actor="bench",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
            await uow.commit()
        setup = time.perf_counter() - started
        found: dict[str, float] = {"setup_seconds": setup}
        for round_, label in enumerate(("incremental", "after_sync", "with_rebuild")):
            start = linked + round_ * new
            await push_in_chunks(
                uow_factory,
                clock,
                tenant_id,
                [_line(d, k) for k, d in enumerate(datas) if start <= k < start + new],
                actor="bench",
                line_keys=line_keys_of,  # as the API's push and the upload store them
            )
            if round_:
                await _sync_writes(
                    uow_factory, tenant_id, datas[start : start + new], datas[:changed], round_
                )
            checkpoint_wal(url)  # as ``serve`` does in the background between runs
            started, cpu = time.perf_counter(), time.process_time()
            counts = await run_matching(
                uow_factory, clock, tenant_id, vouchers_changed=label == "with_rebuild"
            )
            found[f"{label}_seconds"] = time.perf_counter() - started
            # process time covers the SQLite thread too
            found[f"{label}_cpu_seconds"] = time.process_time() - cpu
            found[f"{label}_auto_links"] = float(counts.auto_links)
            found[f"{label}_payments"] = float(counts.payments)
        async with uow_factory() as uow:
            last = max(
                (k for k in await uow.matching.links(tenant_id) if k.status == "auto_confirmed"),
                key=lambda k: (k.created_at, k.id),
            )
        await undo_link(uow_factory, clock, tenant_id, last.id, actor="bench")
        async with uow_factory() as uow:
            touching = await uow.matching.links_touching(tenant_id, [last.expected_payment_id], [])
            [offered] = [k for k in touching if k.status == "suggested"]
        started, cpu = time.perf_counter(), time.process_time()
        await confirm_link(uow_factory, clock, tenant_id, offered.id, actor="bench")
        found["confirmation_seconds"] = time.perf_counter() - started
        found["confirmation_cpu_seconds"] = time.process_time() - cpu
    finally:
        await engine.dispose()
    return found


# what a busy account books besides the vouchers' payments: card payments, direct
# debits, other customers' transfers (none of them pays a voucher of the client)
_PAYEES = (
    ("REWE Markt GmbH", ""),
    ("Shell Deutschland Oil GmbH", ""),
    ("Stadtwerke Musterstadt", "DE12500105170648489890"),
    ("Allianz Versicherungs-AG", "DE27100777770209299700"),
    ("Baustoffe Krause KG", "DE44500105175407324931"),
    ("Familie Becker", "DE21301204000000015228"),
    ("Telekom Deutschland GmbH", "DE48701500000000123456"),
)


def _other_line(k: int) -> dict[str, Any]:
    """The ``k``-th line of the account's other bookings, over three years."""
    name, iban = _PAYEES[k % len(_PAYEES)]
    day = _START + timedelta(days=(k * 7_919) % 1_095)
    cents = 100 + (k * 104_729) % 250_000
    purposes = (
        f"{day.isoformat()}T12:{k % 60:02d} Debitk.1 2027-12",
        f"Vertrag {k % 997:06d} Beitrag {day:%m/%Y}",
        f"Rechnung 9{k:07d} Kd {k % 5_000}",
    )
    return {
        "booking_date": day.isoformat(),
        "amount": f"{'-' if k % 4 else ''}{cents // 100}.{cents % 100:02d}",
        "counterparty_name": name,
        **({"counterparty_iban": iban} if iban else {}),
        "remittance": purposes[k % len(purposes)],
        "end_to_end_id": f"V2E-{k:07d}",
    }


class LoopLag:
    """The longest the event loop went without running a task that asks every 10 ms
    (what a page request waits at most while the process is busy)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.01)
            last = now

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class WriterWait:
    """The longest a small write of another client waited during a run: its links
    lock and a commit, ten a second (on SQLite the database
    has one write lock for all clients; on PostgreSQL a run locks only its own
    client's links)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, other_id: str) -> None:
        self.uow_factory = uow_factory
        self.other_id = other_id
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None
        self._started: float | None = None  # the write waiting now

    async def _write(self) -> None:
        while True:
            self._started = started = time.perf_counter()
            async with self.uow_factory() as uow:
                await uow.matching.lock_links(self.other_id)
                await uow.commit()
            self.longest = max(self.longest, time.perf_counter() - started)
            self._started = None
            await asyncio.sleep(0.1)  # a person's pace, not a load of its own

    async def __aenter__(self) -> WriterWait:
        self._task = asyncio.create_task(self._write())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        # a write still waiting as the run ends waited at least this long
        if self._started is not None:
            self.longest = max(self.longest, time.perf_counter() - self._started)
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def time_volume(url: str, vouchers: int, lines: int, new: int) -> dict[str, float]:
    """Seconds of ``run_matching`` for a busy client: ``vouchers`` open vouchers,
    ``lines`` open statement lines that pay none of them, then ``new`` lines more (an
    upload of a large statement; pushed with their keys, as the upload and the API
    store them, right after the first, before a database's own maintenance ran): the
    upload's push, the run after it, and the next run with nothing new (the morning
    run); and the longest the event loop waited during each run (``*_loop_lag``: the
    web app serving pages in the same process); and the longest a small write of
    another client waited during each run (``*_write_wait``: :class:`WriterWait`)."""
    engine = create_engine(url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    clock: Clock = _Clock()
    found: dict[str, float] = {}
    try:
        async with uow_factory() as uow:
            tenant = await uow.tenants.add(name="Tischlerei Albrecht", now=NOW)
            other = await uow.tenants.add(name="Bäckerei Sommer", now=NOW)
            tenant_id, other_id = tenant.id, other.id
            await uow.commit()
        await _insert(uow_factory, tenant_id, [_voucher(k) for k in range(vouchers)])
        for label, first, count in (("before", 0, lines), ("upload", lines, new)):
            started = time.perf_counter()
            await push_in_chunks(
                uow_factory,
                clock,
                tenant_id,
                [_other_line(k) for k in range(first, first + count)],
                actor="bench",
                line_keys=line_keys_of,  # as the API's push and the upload store them
            )
            found[f"{label}_push_seconds"] = time.perf_counter() - started
            checkpoint_wal(url)
            started, cpu = time.perf_counter(), time.process_time()
            async with LoopLag() as lag, WriterWait(uow_factory, other_id) as wait:
                counts = await run_matching(uow_factory, clock, tenant_id, vouchers_changed=False)
            found[f"{label}_seconds"] = time.perf_counter() - started
            found[f"{label}_cpu_seconds"] = time.process_time() - cpu
            found[f"{label}_loop_lag"] = lag.longest
            found[f"{label}_write_wait"] = wait.longest
        checkpoint_wal(url)
        started, cpu = time.perf_counter(), time.process_time()
        async with LoopLag() as lag, WriterWait(uow_factory, other_id) as wait:
            counts = await run_matching(uow_factory, clock, tenant_id, vouchers_changed=False)
        found["again_seconds"] = time.perf_counter() - started
        found["again_cpu_seconds"] = time.process_time() - cpu
        found["again_loop_lag"] = lag.longest
        found["again_write_wait"] = wait.longest
        found["payments"] = float(counts.payments)
        found["suggestions"] = float(counts.suggestions)
    finally:
        await engine.dispose()
    return found
