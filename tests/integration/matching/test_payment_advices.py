"""Payment advices through the real stack: a billing service's payout names none of its
invoices; its advice (CSV) does. Imported before or after the statement, attached to
the one line it describes, it lets matching link every invoice automatically, each net
of its share of the service's fee. Bad files change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from belegsync.banking.advice import AdviceError, parse_advices
from belegsync.banking.advice_import import AdviceImportResult, fingerprint, import_advices
from belegsync.domain.advice import Advice
from belegsync.domain.errors import InvalidInput
from belegsync.domain.matching import LinkStatus
from belegsync.matching.service import run_matching
from belegsync.store.models import PaymentAdvice
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import add_voucher, line, links_by_voucher_number, push
from support.store_helpers import add_tenant

INVOICES = {"ZA-24-0113": 12345, "ZA-24-0114": 20000, "ZA-24-0115": 8790}
FEE = {"ZA-24-0113": 364, "ZA-24-0114": 590, "ZA-24-0115": 259}
PAID = sum(INVOICES.values()) - sum(FEE.values())  # 39,922 cents
SERVICE = {"counterparty_name": "ZAHNAERZTLICHE ABRECHNUNGSGES. MBH"}
PAYOUT = "Auszahlung Abrechnung 2024/0012 Einreichung vom 08.04.2024 3 Rechnungen"


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _advice_csv() -> bytes:
    rows = [
        "Zahnärztliche Abrechnungsgesellschaft mbH",
        "Auszahlungsavis Nr.;2024/0012",
        "Auszahlungsdatum;15.04.2024",
        "",
        "Rechnungsnummer;Patient;Rechnungsbetrag;Gebühr;Auszahlung",
        *(
            f"{number};Patient {k};{_euros(cents)};{_euros(FEE[number])};"
            f"{_euros(cents - FEE[number])}"
            for k, (number, cents) in enumerate(INVOICES.items())
        ),
        f"Summe;;{_euros(sum(INVOICES.values()))};{_euros(sum(FEE.values()))};{_euros(PAID)}",
    ]
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")


async def _practice(uow_factory: UnitOfWorkFactory) -> str:
    tenant_id, _ = await add_tenant(uow_factory, "Zahnarztpraxis Dr. Kern")
    for k, (number, cents) in enumerate(INVOICES.items()):
        await add_voucher(
            uow_factory,
            tenant_id,
            f"za-{k}",
            voucher_type="salesinvoice",
            voucher_number=number,
            contact_name=f"Patient {k}",
            total_gross_cents=cents,
            total_tax_cents=0,
            voucher_date=date(2024, 4, 2),
            paid_date=date(2024, 4, 15),
        )
    return tenant_id


async def _payout(uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str) -> None:
    await push(
        uow_factory, clock, tenant_id, [line(f"{PAID / 100:.2f}", "2024-04-17", PAYOUT, **SERVICE)]
    )


async def _upload(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str, data: bytes
) -> AdviceImportResult:
    return await import_advices(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        filename="avis_2024-0012.csv",
        data=data,
        actor="test",
    )


async def _advices(uow_factory: UnitOfWorkFactory, tenant_id: str) -> int:
    async with uow_factory() as uow:
        count = await uow.session.scalar(
            select(func.count()).where(PaymentAdvice.tenant_id == tenant_id)
        )
        return int(count or 0)


async def test_an_advice_after_the_statement_links_every_invoice_of_the_payout(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _practice(uow_factory)
    await _payout(uow_factory, clock, tenant_id)
    before = await run_matching(uow_factory, clock, tenant_id)
    assert before.auto_links == 0  # the payout names no invoice

    result = await _upload(uow_factory, clock, tenant_id, _advice_csv())
    assert (result.attached, result.waiting) == (1, 0)
    assert result.advices[0].booking_date == date(2024, 4, 17)
    after = await run_matching(uow_factory, clock, tenant_id)
    assert after.auto_links == 3
    links = await links_by_voucher_number(uow_factory, tenant_id)
    assert set(links) == set(INVOICES)
    assert {status for status, _, _ in links.values()} == {LinkStatus.AUTO_CONFIRMED.value}
    assert sum(allocated for _, allocated, _ in links.values()) == PAID
    # the fee is shared by amount, as the advice shares it (to the cent but for the rest
    # of the division)
    for number, (_, allocated, difference) in links.items():
        assert allocated + difference == INVOICES[number]
        assert abs(difference - FEE[number]) <= 1


async def test_an_advice_before_its_statement_waits_and_is_attached_by_the_import(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _practice(uow_factory)
    result = await _upload(uow_factory, clock, tenant_id, _advice_csv())
    assert (result.attached, result.waiting) == (0, 1)
    await _payout(uow_factory, clock, tenant_id)  # the statement arrives
    counts = await run_matching(uow_factory, clock, tenant_id)
    assert counts.auto_links == 3
    # the same advice again: recognised, nothing stored twice
    again = await _upload(uow_factory, clock, tenant_id, _advice_csv())
    assert again.advices[0].known and again.attached == 1
    assert await _advices(uow_factory, tenant_id) == 1


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01garbage\xff",
        "Rechnungsnummer;Betrag\r\nZA-24-0113;zwölf\r\n".encode(),
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><Document/>",
    ],
    ids=["empty", "binary", "amount", "doctype"],
)
async def test_a_bad_advice_is_refused_and_changes_nothing(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, data: bytes
) -> None:
    tenant_id = await _practice(uow_factory)
    with pytest.raises(InvalidInput) as refused:
        await _upload(uow_factory, clock, tenant_id, data)
    assert isinstance(refused.value, AdviceError) or refused.value.code == "advice_empty"
    assert await _advices(uow_factory, tenant_id) == 0


async def test_an_advice_two_lines_fit_waits_for_a_person(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _practice(uow_factory)
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line(f"{PAID / 100:.2f}", "2024-04-16", "Gutschrift", **SERVICE),
            line(f"{PAID / 100:.2f}", "2024-04-18", "Gutschrift", **SERVICE),
        ],
    )
    result = await _upload(uow_factory, clock, tenant_id, _advice_csv())
    assert result.advices[0].ambiguous and result.attached == 0
    assert (await run_matching(uow_factory, clock, tenant_id)).auto_links == 0


async def test_an_advice_stored_meanwhile_or_a_line_taken_meanwhile_is_no_error(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    # two uploads of one advice at once (a double click), or two advices for one line:
    # the one stored later finds the first one's row, or keeps waiting
    tenant_id = await _practice(uow_factory)
    await _payout(uow_factory, clock, tenant_id)
    (advice,) = parse_advices(_advice_csv())
    other = replace(advice, reference="2024/0099")

    async def add(uow: UnitOfWork, which: Advice) -> PaymentAdvice:
        return await uow.advices.add(
            tenant_id=tenant_id,
            advice=which,
            fingerprint=fingerprint(which),
            file_name="avis.csv",
            actor="test",
            now=clock.now(),
        )

    async with uow_factory() as uow:
        first = await add(uow, advice)
        await uow.commit()
    async with uow_factory() as uow:
        [line_id] = [line.id for line in await uow.advices.lines_for(tenant_id, [advice])]
        again = await add(uow, advice)  # as a racing upload would, past ``known``
        assert again.id == first.id
        assert await uow.advices.attach(again, line_id)
        second = await add(uow, other)
        assert second.id != first.id
        assert not await uow.advices.attach(second, line_id)  # the line is taken
        assert second.bank_transaction_id is None
        await uow.commit()
    assert await _advices(uow_factory, tenant_id) == 2
