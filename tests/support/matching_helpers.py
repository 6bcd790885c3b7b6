"""Vouchers with payment items and pushed bank lines, for matching tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from belegsync.banking import ImportResult, import_statement, push_transactions
from belegsync.matching.service import run_matching
from belegsync.store.models import ExpectedPayment, Voucher
from belegsync.store.repositories import NewVoucher, PaymentItemData
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.store_helpers import add_tenant, voucher_data

NOW = datetime(2024, 3, 8, 9, 0, tzinfo=UTC)
# A bank connection's push on 20 March: its lines reach past the date window of a
# payment paid on 5 March (``item``'s day; ten days after it). Pushed at ``NOW``, such a
# payment without a line awaits the next lines instead of needing an external
# transaction.
PUSHED_LATER = datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
BANK_IBAN = "DE89370400440532013000"
SUPPLIER_IBAN = "DE02120300000000202051"


def item(kind: str, cents: int, day: date | None = date(2024, 3, 5)) -> PaymentItemData:
    return PaymentItemData(
        payment_item_type=kind, posting_date=day, amount_cents=cents, currency="EUR"
    )


async def add_voucher(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
    lexware_id: str,
    items: list[PaymentItemData] | None = None,
    **changes: Any,
) -> str:
    """Stores a paid voucher (purchase invoice of 119.00 unless changed); returns its id."""
    async with uow_factory() as uow:
        data = voucher_data(lexware_id, **changes)
        await uow.vouchers.insert_new(
            tenant_id, [NewVoucher(data=data, payment_items=items or [], files=[])], now=NOW
        )
        voucher = await uow.vouchers.by_lexware_id(tenant_id, lexware_id)
        await uow.commit()
    assert voucher is not None
    return voucher.id


async def links_by_voucher_number(
    uow_factory: UnitOfWorkFactory, tenant_id: str
) -> dict[str, tuple[str, int, int]]:
    """Per voucher number: the link's status, allocated and difference cents."""
    async with uow_factory() as uow:
        out = {}
        for link in await uow.matching.links(tenant_id):
            _, voucher = await uow.matching.payment(tenant_id, link.expected_payment_id)
            out[str(voucher.voucher_number)] = (
                str(link.status),
                link.allocated_cents,
                link.difference_cents,
            )
        return out


def line(amount: str, day: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "booking_date": day,
        "amount": amount,
        "counterparty_name": "",  # unknown payer: an exact amount alone stays a suggestion
        "remittance": text,
        **extra,
    }


async def push(
    uow_factory: UnitOfWorkFactory,
    clock: FixedClock,
    tenant_id: str,
    lines: list[dict[str, Any]],
    iban: str = BANK_IBAN,
) -> ImportResult:
    return await push_transactions(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        account_iban=iban,
        transactions=lines,
        actor="test",
    )


async def upload(
    uow_factory: UnitOfWorkFactory,
    clock: FixedClock,
    tenant_id: str,
    filename: str,
    data: bytes,
    **options: Any,
) -> ImportResult:
    """A statement file uploaded by the client (``import_statement``; ``options``:
    its keyword arguments besides, an account's IBAN and name for a CSV file)."""
    return await import_statement(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        filename=filename,
        data=data,
        actor="test",
        **options,
    )


async def tenant_with_links(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> str:
    """A client with three vouchers and three lines of their amount citing them, matched:
    each voucher suggested on each line."""
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    for k in range(3):
        await add_voucher(uow_factory, tenant_id, f"v-{k}", voucher_number=f"RE-2024-{k:04d}")
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line(
                "-119.00",
                "2024-03-06",
                f"Rechnung RE-2024-{k:04d}",
                counterparty_iban=SUPPLIER_IBAN,
            )
            for k in range(3)
        ],
    )
    await run_matching(uow_factory, clock, tenant_id)
    return tenant_id


_SPARKASSE_HEADER = (
    '"Auftragskonto";"Buchungstag";"Valutadatum";"Buchungstext";"Verwendungszweck";'
    '"Glaeubiger ID";"Mandatsreferenz";"Kundenreferenz (End-to-End)";"Sammlerreferenz";'
    '"Lastschrift Ursprungsbetrag";"Auslagenersatz Ruecklastschrift";'
    '"Beguenstigter/Zahlungspflichtiger";"Kontonummer/IBAN";"BIC (SWIFT-Code)";"Betrag";'
    '"Waehrung";"Info"'
)


def sparkasse_csv(account: str, rows: list[tuple[str, str, str, str]]) -> bytes:
    """A Sparkasse CSV-CAMT V2 export; rows are (TT.MM.JJ, purpose, name, "-119,00")."""
    lines = [_SPARKASSE_HEADER]
    for day, purpose, name, amount in rows:
        lines.append(
            f'"{account}";"{day}";"{day}";"UEBERWEISUNG";"{purpose}";"";"";"";"";"";"";'
            f'"{name}";"";"";"{amount}";"EUR";"Umsatz gebucht"'
        )
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


# Lexware id → (expected payments stale?, [(position, amount, active, updated_at)])
PaymentState = dict[str, tuple[bool, list[tuple[int, int, bool, Any]]]]


async def payment_state(uow_factory: UnitOfWorkFactory, tenant_id: str) -> PaymentState:
    """Every voucher of the tenant with its stale marker and expected payment rows."""
    async with uow_factory() as uow:
        vouchers = {
            v.id: (v.lexware_id, v.payments_stale is not None)
            for v in await uow.session.scalars(
                select(Voucher).where(Voucher.tenant_id == tenant_id)
            )
        }
        payments = list(
            await uow.session.scalars(
                select(ExpectedPayment)
                .where(ExpectedPayment.tenant_id == tenant_id)
                .order_by(ExpectedPayment.position)
            )
        )
    out: PaymentState = {lexware_id: (stale, []) for lexware_id, stale in vouchers.values()}
    for p in payments:
        out[vouchers[p.voucher_id][0]][1].append(
            (p.position, p.amount_cents, p.active, p.updated_at)
        )
    return out


async def voucher_and_suggestion(
    uow_factory: UnitOfWorkFactory,
    clock: FixedClock,
    *more_lines: dict[str, Any],
) -> str:
    """A tenant with one voucher its line names (linked automatically) and one whose line
    does not (a suggestion), and ``more_lines``; returns the tenant id."""
    tenant_id, _ = await add_tenant(uow_factory, "Musterfirma")
    await add_voucher(uow_factory, tenant_id, "v-auto", voucher_number="RE-2024-0042")
    await add_voucher(
        uow_factory,
        tenant_id,
        "v-sugg",
        voucher_number="RE-2024-0077",
        total_gross_cents=25000,
        paid_date=date(2024, 3, 12),
    )
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line("-119.00", "2024-03-06", "Rechnung RE-2024-0042", counterparty_iban=SUPPLIER_IBAN),
            line("-250.00", "2024-03-13", "Bueromaterial Maerz", counterparty_iban=SUPPLIER_IBAN),
            *more_lines,
        ],
    )
    return tenant_id


async def run_killed_in_the_engine(
    uow_factory: UnitOfWorkFactory,
    clock: FixedClock,
    tenant_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A matching run that dies in the engine (after what it read and worked out before
    it, inside its transaction): the run raises, as a killed worker's would end."""

    def dies(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("killed mid-run")

    with monkeypatch.context() as patched:
        patched.setattr("belegsync.matching.service.match", dies)
        with pytest.raises(RuntimeError, match="killed mid-run"):
            await run_matching(uow_factory, clock, tenant_id)


async def chamber_instalments(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str
) -> None:
    """A chamber's fee in two instalments of 465,00 € (two vouchers of contact c-lzk),
    each paid from the chamber's account under an abbreviation („LZK BW“), naming no
    voucher; the second booked eight days before its paid date (for ``tenant_id``).
    Matched once: the first is suggested; the second scores below the threshold (an
    unknown account) and is offered only as the chamber's name abbreviated."""
    for lexware_id, paid in (("v-rate1", date(2024, 2, 16)), ("v-rate2", date(2024, 5, 23))):
        await add_voucher(
            uow_factory,
            tenant_id,
            lexware_id,
            voucher_number="Beitragsbescheid 2024",
            contact_id="c-lzk",
            contact_name="Landeszahnärztekammer Baden-Württemberg",
            total_gross_cents=46500,
            paid_date=paid,
            voucher_date=date(2024, 1, 20),
        )
    lines = [
        line(
            "-465.00",
            day,
            f"Kammerbeitrag 2024 Mitgl.-Nr. 40871 Rate {rate}",
            counterparty_name="LZK BW",
            counterparty_iban=SUPPLIER_IBAN,
        )
        for rate, day in ((1, "2024-02-15"), (2, "2024-05-15"))
    ]
    await push(uow_factory, clock, tenant_id, lines)
    await run_matching(uow_factory, clock, tenant_id)
