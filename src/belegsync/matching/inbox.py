"""Reads for the matching inbox, the CLI and the JSON API: links with both sides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select

from belegsync.matching.external import ExternalNeeded, external_needed
from belegsync.store.models import (
    BankAccount,
    BankTransaction,
    ExpectedPayment,
    PaymentLink,
    Voucher,
)
from belegsync.store.uow import UnitOfWork

__all__ = ["LinkView", "MatchingOverview", "matching_overview", "search_transactions"]


@dataclass(frozen=True, slots=True)
class LinkView:
    link: PaymentLink
    payment: ExpectedPayment
    voucher: Voucher
    transaction: BankTransaction
    account: BankAccount

    def as_json(self) -> dict[str, Any]:
        link, txn, voucher = self.link, self.transaction, self.voucher
        return {
            "id": link.id,
            "status": link.status,
            "status_reason": link.status_reason,
            "score": link.score,
            "reasons": list(link.reasons),
            "allocated_cents": link.allocated_cents,
            "difference_cents": link.difference_cents,
            "difference_reason": link.difference_reason,
            "actor": link.actor,
            "engine_version": link.engine_version,
            "payment": {
                "id": self.payment.id,
                "amount_cents": self.payment.amount_cents,
                "item_type": self.payment.item_type,
            },
            "voucher": {
                "id": voucher.id,
                "lexware_id": voucher.lexware_id,
                "voucher_number": voucher.voucher_number,
                "voucher_type": voucher.voucher_type,
                "contact_name": voucher.contact_name,
            },
            "transaction": {
                "id": txn.id,
                "booking_date": txn.booking_date.isoformat(),
                "amount_cents": txn.amount_cents,
                "counterparty_name": txn.counterparty_name,
                "remittance": txn.remittance,
                "source": txn.source,
                "account": self.account.name,
            },
        }


@dataclass(frozen=True, slots=True)
class MatchingOverview:
    suggestions: list[LinkView] = field(default_factory=list)
    auto_links: list[LinkView] = field(default_factory=list)
    confirmed: list[LinkView] = field(default_factory=list)
    replaced: list[LinkView] = field(default_factory=list)
    external_needed: list[ExternalNeeded] = field(default_factory=list)
    cash: list[tuple[ExpectedPayment, Voucher]] = field(default_factory=list)
    open_payments: list[tuple[ExpectedPayment, Voucher]] = field(default_factory=list)


async def _link_views(uow: UnitOfWork, tenant_id: str, statuses: tuple[str, ...]) -> list[LinkView]:
    query = (
        select(PaymentLink, ExpectedPayment, Voucher, BankTransaction, BankAccount)
        .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
        .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
        .join(BankTransaction, BankTransaction.id == PaymentLink.bank_transaction_id)
        .join(BankAccount, BankAccount.id == BankTransaction.account_id)
        .where(PaymentLink.tenant_id == tenant_id, PaymentLink.status.in_(statuses))
        .order_by(Voucher.voucher_date, Voucher.lexware_id, PaymentLink.score.desc())
    )
    return [LinkView(*row) for row in await uow.session.execute(query)]


async def matching_overview(uow: UnitOfWork, tenant_id: str) -> MatchingOverview:
    """What the inbox shows: open suggestions (for payments not yet linked), links,
    replaced external transactions, payments that need an external transaction."""
    allocating = await _link_views(uow, tenant_id, ("auto_confirmed", "confirmed"))
    settled = {view.payment.id for view in allocating}
    suggestions = [
        view
        for view in await _link_views(uow, tenant_id, ("suggested",))
        if view.payment.id not in settled
    ]
    replaced = [
        view
        for view in await _link_views(uow, tenant_id, ("undone",))
        if view.transaction.source == "external"
    ]
    payments = await uow.matching.payments(tenant_id)
    suggested = {view.payment.id for view in suggestions}
    return MatchingOverview(
        suggestions=suggestions,
        auto_links=[v for v in allocating if v.link.status == "auto_confirmed"],
        confirmed=[v for v in allocating if v.link.status == "confirmed"],
        replaced=replaced,
        external_needed=await external_needed(uow, tenant_id),
        cash=[(p, v) for p, v in payments if p.kind == "cash"],
        open_payments=[
            (p, v)
            for p, v in payments
            if p.kind == "bank" and p.id not in settled and p.id not in suggested
        ],
    )


async def search_transactions(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    amount_cents: int | None = None,
    text: str | None = None,
    day: date | None = None,
    limit: int = 50,
) -> list[tuple[BankTransaction, BankAccount]]:
    """The tenant's transactions by absolute amount, text (name or purpose) and date (±10 d)."""
    query = (
        select(BankTransaction, BankAccount)
        .join(BankAccount, BankAccount.id == BankTransaction.account_id)
        .where(BankTransaction.tenant_id == tenant_id, BankTransaction.source != "external")
    )
    if amount_cents is not None:
        query = query.where(BankTransaction.amount_cents.in_([amount_cents, -amount_cents]))
    if text:
        pattern = f"%{text.strip()}%"
        query = query.where(
            or_(
                BankTransaction.remittance.ilike(pattern),
                BankTransaction.counterparty_name.ilike(pattern),
            )
        )
    if day is not None:
        query = query.where(
            BankTransaction.booking_date >= day - timedelta(days=10),
            BankTransaction.booking_date <= day + timedelta(days=10),
        )
    query = query.order_by(BankTransaction.booking_date.desc()).limit(limit)
    return [(row[0], row[1]) for row in await uow.session.execute(query)]
