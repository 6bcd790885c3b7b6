"""The demo's bank data: deterministic, idempotent, and it fills every part of the inbox."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

import pytest
from schwifty import IBAN

from belegsync.banking.advice import parse_advices
from belegsync.banking.advice_import import import_advices
from belegsync.demo.bank import (
    DEMO_ACCOUNT_IBAN,
    BankPayment,
    bank_payments,
    demo_transactions,
    fill_demo_bank_after_first_sync,
    push_demo_bank_data,
)
from belegsync.matching.external import external_needed
from belegsync.matching.service import run_matching
from belegsync.store.enums import SyncRunStatus
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import add_voucher, item
from support.store_helpers import add_tenant, line_key_updates, recorded_statements

CONTACTS = ("Schmidt Metallbau GmbH & Co. KG", "Stadtwerke München GmbH", "Frank Sanitär KG")


async def _tenant_with_vouchers(uow_factory: UnitOfWorkFactory, count: int = 80) -> str:
    tenant_id, _ = await add_tenant(uow_factory, "Musterbau")
    for n in range(count):
        day = date(2024, 1, 2) + timedelta(days=n % 60)
        kind = "partPaymentCashBox" if n % 10 == 9 else "partPaymentFinancialTransaction"
        await add_voucher(
            uow_factory,
            tenant_id,
            f"v-{n:03d}",
            [item(kind, 10000 + 137 * n, day)],
            voucher_number=f"RE24-{n:05d}",
            contact_name=CONTACTS[n % 3],
            voucher_type="salesinvoice" if n % 4 == 0 else "purchaseinvoice",
            total_gross_cents=10000 + 137 * n,
            voucher_date=day - timedelta(days=5),
        )
    return tenant_id


async def test_demo_bank_data_fills_links_suggestions_and_external_needed(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _tenant_with_vouchers(uow_factory)
    async with uow_factory() as uow:
        payments = await bank_payments(uow, tenant_id)
    first, missing = demo_transactions(payments, today=date(2024, 3, 8))
    again, _ = demo_transactions(list(reversed(payments)), today=date(2024, 3, 8))

    with recorded_statements(uow_factory) as statements:
        result = await push_demo_bank_data(uow_factory, clock, tenant_id)
    repeated = await push_demo_bank_data(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        needed = await external_needed(uow, tenant_id)
        payments_ = [p for p, _ in await uow.matching.payments(tenant_id)]

    assert IBAN(DEMO_ACCOUNT_IBAN).country_code == "DE"  # valid check digits, or it raises
    assert first == again  # the same vouchers give the same transactions
    assert len(payments) == 72  # cash payments are not bank payments
    assert 1 <= missing <= 15 and result.left_without_transaction == missing
    assert all(line["booking_date"] <= "2024-03-08" for line in first)
    texts = " ".join(str(line["remittance"]) for line in first)
    assert "Miete Werkstatt" in texts and "Lohn/Gehalt" in texts and "Kartenzahlung" in texts
    assert "abzgl. 2% Skonto" in texts and "RUECKLASTSCHRIFT" in texts
    assert result.added == len(first) and repeated.added == 0
    assert result.matching.auto_links > 20 and result.matching.suggestions > 0
    # a payment without its line needs an external transaction, unless paid so lately
    # that the next push may still bring its line (pushed on 8 March: the lines reach
    # 7 March, a date window ten days past the paid date)
    awaiting = [p for p in payments_ if p.unmatched_reason == "awaiting_lines"]
    assert len(needed) + len(awaiting) >= missing and len(needed) >= missing - 2
    assert all(p.paid_date and p.paid_date > date(2024, 2, 26) for p in awaiting)
    assert line_key_updates(statements) == 0  # the lines were stored with their keys


@pytest.mark.parametrize("ending", ["failed", "failed_transient"])
async def test_the_demo_bank_fill_gives_up_when_the_first_run_did_not_succeed(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, ending: SyncRunStatus
) -> None:
    tenant_id = await _tenant_with_vouchers(uow_factory, count=20)
    async with uow_factory() as uow:
        connection = await uow.connections.get_or_create(tenant_id, now=clock.now())
        run = await uow.sync_runs.claim(
            connection.id,
            trigger="manual",
            full=False,
            now=clock.now(),
            status="running",
        )
        assert run is not None
        await uow.commit()
    waiting = asyncio.create_task(
        fill_demo_bank_after_first_sync(uow_factory, clock, tenant_id, run.id, poll_seconds=0.01)
    )
    await asyncio.sleep(0.05)
    assert not waiting.done()  # still running: the fill waits
    async with uow_factory() as uow:
        await uow.sync_runs.finish(run.id, status=ending, now=clock.now())
        await uow.commit()

    # A generous guard against hanging, not a timing assertion.
    assert await asyncio.wait_for(waiting, timeout=60) is None
    async with uow_factory() as uow:
        assert await uow.banking.accounts(tenant_id) == []  # nothing was pushed


def _money_in(voucher_type: Callable[[int], str], cents: Callable[[int], int]) -> list[BankPayment]:
    """200 payments into the account over two months, of the given voucher types."""
    return [
        BankPayment(
            voucher_key=f"v-{n:03d}:0",
            voucher_number=f"RE24-{n:05d}",
            contact_name=CONTACTS[n % 3],
            amount_cents=cents(n),
            paid_date=date(2024, 1, 2) + timedelta(days=n % 60),
            voucher_type=voucher_type(n),
        )
        for n in range(200)
    ]


def test_some_customer_payments_arrive_as_a_sepa_batch_of_three() -> None:
    # money in from invoices and, every fifth, a supplier's refund: only the firm's
    # invoices are collected
    payments = _money_in(
        lambda n: "purchasecreditnote" if n % 5 == 4 else "invoice", lambda n: 10000 + 137 * n
    )
    lines, _ = demo_transactions(payments, today=date(2024, 3, 8))
    batches = [line for line in lines if "ANZAHL" in str(line["remittance"])]
    assert batches
    for batch in batches:
        # no name, no account: only the count and the sum of payments due the week before
        assert batch["counterparty_name"] == "" and "counterparty_iban" not in batch
        count = int(str(batch["remittance"]).rsplit(" ", 1)[1])
        day = date.fromisoformat(batch["booking_date"])
        cents = int(batch["amount"].replace(".", ""))
        due = [
            p.amount_cents
            for p in payments
            if p.voucher_type == "invoice" and day - timedelta(days=8) <= p.paid_date < day
        ]
        assert 2 <= count <= 3
        assert any(sum(combo) == cents for combo in combinations(due, count))


def test_refunds_are_never_collected_by_direct_debit() -> None:
    refunds = _money_in(lambda _n: "purchasecreditnote", lambda n: 5000 + 91 * n)
    lines, _ = demo_transactions(refunds, today=date(2024, 3, 8))
    assert not [line for line in lines if "ANZAHL" in str(line["remittance"])]


def test_some_single_collections_come_back_and_are_collected_again() -> None:
    payments = _money_in(lambda _n: "invoice", lambda n: 10000 + 137 * n)
    lines, _ = demo_transactions(payments, today=date(2024, 3, 8))
    returns = [
        line
        for line in lines
        if str(line["remittance"]).startswith("RUECKLASTSCHRIFT SEPA-Lastschrift")
    ]
    assert returns
    for back in returns:
        number = str(back["remittance"]).split()[2]
        same = [line for line in lines if str(line["remittance"]) == f"SEPA-Lastschrift {number}"]
        back_day = date.fromisoformat(back["booking_date"])
        # collected three days before, for the amount the return takes back
        assert same[0]["booking_date"] == (back_day - timedelta(days=3)).isoformat()
        assert same[0]["amount"] == back["amount"].removeprefix("-")
        assert same[0]["counterparty_iban"] == back["counterparty_iban"]
        # collected again two weeks later, where that day has come
        again = (back_day + timedelta(days=14)).isoformat()
        assert [line["booking_date"] for line in same[1:]] == (
            [again] if again <= "2024-03-08" else []
        )


def test_one_item_of_some_batches_comes_back_with_its_end_to_end_id() -> None:
    # in every fourth batch from the second the first customer's item comes back four
    # days after the batch line, with the end-to-end id the firm's collection file
    # gives it, and is collected again two weeks after that
    payments = _money_in(lambda _n: "invoice", lambda n: 10000 + 137 * n)
    lines, _ = demo_transactions(payments, today=date(2024, 3, 8))
    returns = [
        line for line in lines if str(line["remittance"]).startswith("RUECKLASTSCHRIFT MD06")
    ]
    assert returns
    batches = {line["booking_date"]: line for line in lines if "ANZAHL" in str(line["remittance"])}
    for back in returns:
        back_day = date.fromisoformat(back["booking_date"])
        assert (back_day - timedelta(days=4)).isoformat() in batches
        e2e = back["end_to_end_id"]
        assert re.fullmatch(r"[A-Za-z0-9]+", e2e)
        again = [line for line in lines if str(line["remittance"]).endswith("WIEDERVORLAGE")]
        assert (
            any(
                line["amount"] == back["amount"].removeprefix("-")
                and line["booking_date"] == (back_day + timedelta(days=14)).isoformat()
                for line in again
            )
            or (back_day + timedelta(days=14)).isoformat() > "2024-03-08"
        )


def _read_all(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.xml"))}


async def test_the_firms_collection_files_break_each_batch_line_down(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path
) -> None:
    # the demo writes the pain.008 file of each batch it books as one line: uploaded,
    # each is attached to its line and every invoice of it is linked automatically —
    # but the item that came back, which its collection made again pays
    tenant_id, _ = await add_tenant(uow_factory, "Musterbau")
    for n in range(90):
        day = date(2024, 1, 2) + timedelta(days=n % 60)
        await add_voucher(
            uow_factory,
            tenant_id,
            f"v-{n:03d}",
            [item("partPaymentFinancialTransaction", 10000 + 137 * n, day)],
            voucher_number=f"RE24-{n:05d}",
            contact_name=CONTACTS[n % 3],
            voucher_type="salesinvoice",
            total_gross_cents=10000 + 137 * n,
            voucher_date=day - timedelta(days=5),
        )
    await push_demo_bank_data(uow_factory, clock, tenant_id, files_dir=tmp_path / "sepa")
    files = _read_all(tmp_path / "sepa")
    assert files, "no batch booked as one line"
    items = 0
    for name, data in files.items():
        (advice,) = parse_advices(data, name)
        items += len(advice.items)
        result = await import_advices(
            uow_factory=uow_factory,
            clock=clock,
            tenant_id=tenant_id,
            filename=name,
            data=data,
            actor="test",
        )
        assert result.attached == 1, name
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        advised = {str(a.bank_transaction_id) for a in await uow.advices.attached(tenant_id)}
        linked = [
            link
            for link in await uow.matching.links(tenant_id, statuses=["auto_confirmed"])
            if link.bank_transaction_id in advised
        ]
    async with uow_factory() as uow:
        returned = [
            t
            for t in await uow.matching.transactions(tenant_id)
            if t.remittance.startswith("RUECKLASTSCHRIFT MD06")
        ]
    assert returned
    assert len(advised) == len(files) and len(linked) == items - len(returned)
