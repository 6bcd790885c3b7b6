"""What the voucher page and the exports read besides the voucher itself: its expected
payments with their links and bank transactions; the exports' vouchers and files per
period (:class:`Exports`, reachable as ``uow.exports``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.access import TenantContext
from belegsync.store.models import (
    BankTransaction,
    ExpectedPayment,
    PaymentLink,
    Voucher,
    VoucherFile,
)
from belegsync.store.voucher_list import VoucherFilter, VoucherRow, VoucherSorting, iter_vouchers


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: str
    item_type: str | None
    kind: str
    amount_cents: int
    currency: str
    paid_date: date | None
    unmatched_reason: str | None


@dataclass(frozen=True, slots=True)
class LinkedTransaction:
    link_id: str
    payment_id: str
    status: str
    allocated_cents: int
    booking_date: date
    amount_cents: int
    currency: str
    counterparty_name: str | None
    remittance: str
    source: str


@dataclass(frozen=True, slots=True)
class VoucherMatching:
    payments: list[PaymentView]
    links: list[LinkedTransaction]


async def voucher_matching(
    session: AsyncSession, ctx: TenantContext, voucher_id: str
) -> VoucherMatching:
    """The voucher's active expected payments and their current links (suggested,
    automatic, confirmed), tenant-scoped."""
    payments = [
        PaymentView(*row)
        for row in await session.execute(
            select(
                ExpectedPayment.id,
                ExpectedPayment.item_type,
                ExpectedPayment.kind,
                ExpectedPayment.amount_cents,
                ExpectedPayment.currency,
                ExpectedPayment.paid_date,
                ExpectedPayment.unmatched_reason,
            )
            .where(
                ExpectedPayment.tenant_id == ctx.tenant_id,
                ExpectedPayment.voucher_id == voucher_id,
                ExpectedPayment.active.is_(True),
            )
            .order_by(ExpectedPayment.position)
        )
    ]
    links = [
        LinkedTransaction(*row)  # type: ignore[call-arg]  # ten typed columns
        for row in await session.execute(
            select(
                PaymentLink.id,
                PaymentLink.expected_payment_id,
                PaymentLink.status,
                PaymentLink.allocated_cents,
                BankTransaction.booking_date,
                BankTransaction.amount_cents,
                BankTransaction.currency,
                BankTransaction.counterparty_name,
                BankTransaction.remittance,
                BankTransaction.source,
            )
            .join(BankTransaction, BankTransaction.id == PaymentLink.bank_transaction_id)
            .where(
                PaymentLink.tenant_id == ctx.tenant_id,
                PaymentLink.expected_payment_id.in_([p.id for p in payments]),
                PaymentLink.status.in_(("suggested", "auto_confirmed", "confirmed")),
            )
            .order_by(PaymentLink.status, BankTransaction.booking_date)
        )
    ]
    return VoucherMatching(payments, links)


@dataclass(frozen=True, slots=True)
class ExportFile:
    voucher_date: date
    voucher_number: str | None
    contact_name: str | None
    voucher_id: str
    sha256: str
    media_type: str
    filename: str | None


async def files_in_period(
    session: AsyncSession, ctx: TenantContext, date_from: date, date_to: date
) -> AsyncIterator[ExportFile]:
    """Every file of the tenant's vouchers dated in the period, by date and number."""
    query = (
        select(
            Voucher.voucher_date,
            Voucher.voucher_number,
            Voucher.contact_name,
            Voucher.id,
            VoucherFile.sha256,
            VoucherFile.media_type,
            VoucherFile.filename,
        )
        .join(VoucherFile, VoucherFile.voucher_id == Voucher.id)
        .where(
            Voucher.tenant_id == ctx.tenant_id,
            Voucher.voucher_date.between(date_from, date_to),
        )
        .order_by(
            Voucher.voucher_date, Voucher.voucher_number, Voucher.id, VoucherFile.lexware_file_id
        )
        .execution_options(yield_per=500)
    )
    result = await session.stream(query)
    async for row in result:
        yield ExportFile(*row)


class Exports:
    """What the exports stream: the Belege list's rows (its filter and order) and a
    period's files. Both are read in batches while the response is written."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def vouchers(
        self, ctx: TenantContext, f: VoucherFilter, sorting: VoucherSorting
    ) -> AsyncIterator[VoucherRow]:
        return iter_vouchers(self._session, ctx, f, sorting)

    def files(
        self, ctx: TenantContext, date_from: date, date_to: date
    ) -> AsyncIterator[ExportFile]:
        return files_in_period(self._session, ctx, date_from, date_to)
