"""Reads of bank transactions for the CLI, the web app and the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from belegsync.domain.money import Money
from belegsync.store.access import Page
from belegsync.store.banking_repository import TransactionQuery, TransactionRow
from belegsync.store.models import BankAccount, BankTransaction
from belegsync.store.uow import UnitOfWork

_SETTLED = ("auto_confirmed", "confirmed")


@dataclass(frozen=True, slots=True)
class TransactionView:
    transaction: BankTransaction
    account: BankAccount
    # Filled once links between vouchers and transactions exist (matching).
    linked_vouchers: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        t = self.transaction
        return {
            "id": t.id,
            "account": {
                "iban": self.account.iban,
                "name": self.account.name,
                "connected": self.account.connected,
            },
            "booking_date": t.booking_date.isoformat(),
            "value_date": t.value_date.isoformat() if t.value_date else None,
            "amount": Money(t.amount_cents, t.currency).to_decimal_string(),
            "currency": t.currency,
            "counterparty": {
                "name": t.counterparty_name,
                "iban": t.counterparty_iban,
                "bic": t.counterparty_bic,
            },
            "remittance": t.remittance,
            "remittance_lines": list(t.remittance_lines),
            "end_to_end_id": t.end_to_end_id,
            "mandate_reference": t.mandate_reference,
            "creditor_id": t.creditor_id,
            "bank_reference": t.bank_reference,
            "batch_reference": t.batch_reference,
            "status": t.status,
            "original_amount": Money(
                t.original_amount_cents, t.original_currency
            ).to_decimal_string()
            if t.original_amount_cents is not None and t.original_currency
            else None,
            "original_currency": t.original_currency,
            "is_reversal": t.is_reversal,
            "purpose_code": t.purpose_code,
            "booking_text": t.booking_text,
            "source": t.source,
            "linked_vouchers": list(self.linked_vouchers),
        }


async def list_transactions(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    account_iban: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
) -> list[TransactionView]:
    """The tenant's bank transactions, newest booking date first (only its own)."""
    account_id: str | None = None
    if account_iban is not None:
        account = await uow.banking.account_by_iban(tenant_id, account_iban)
        if account is None:
            return []
        account_id = account.id
    rows = await uow.banking.transactions(
        tenant_id, account_id=account_id, date_from=date_from, date_to=date_to, limit=limit
    )
    linked = await uow.matching.linked_vouchers(tenant_id, [txn.id for txn, _ in rows], _SETTLED)
    return [TransactionView(txn, account, tuple(linked.get(txn.id, ()))) for txn, account in rows]


TransactionPage = Page[tuple[TransactionRow, tuple[str, ...]]]


async def transaction_page(
    uow: UnitOfWork, tenant_id: str, query: TransactionQuery
) -> TransactionPage:
    """One page of the Umsätze list with each transaction's linked voucher numbers."""
    rows, total = await uow.banking.transaction_page(tenant_id, query)
    last = max(1, -(-total // query.per_page))
    if query.page > last:  # a page beyond the end (an old link): show the last one
        query = replace(query, page=last)
        rows, total = await uow.banking.transaction_page(tenant_id, query)
    linked = await uow.matching.linked_vouchers(tenant_id, [r.id for r in rows], _SETTLED)
    return Page([(r, tuple(linked.get(r.id, ()))) for r in rows], total, query.page, query.per_page)


async def transaction_batches(
    uow: UnitOfWork, tenant_id: str, query: TransactionQuery, *, batch: int = 1000
) -> AsyncIterator[list[tuple[TransactionRow, tuple[str, ...]]]]:
    """Every line of the Umsätze list's selection with its linked voucher numbers,
    ``batch`` lines at a time, in one pass (the CSV export)."""
    async for rows in uow.banking.transaction_batches(tenant_id, query, batch=batch):
        linked = await uow.matching.linked_vouchers(tenant_id, [r.id for r in rows], _SETTLED)
        yield [(r, tuple(linked.get(r.id, ()))) for r in rows]
