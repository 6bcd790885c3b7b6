"""External transactions: payments that went through a bank the app does not know.

The client creates a provisional transaction in a per-tenant pseudo-account; the
payment is linked to it (confirmed). A real transaction found later replaces it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.domain.links import allocation, is_allocating, link_difference
from belegsync.domain.matching import LinkStatus
from belegsync.domain.vouchers import account_cents
from belegsync.matching.link_rows import new_link
from belegsync.store.access import TenantContext
from belegsync.store.link_store import add_transaction
from belegsync.store.matching_queries import external_payments
from belegsync.store.models import (
    BankAccount,
    BankTransaction,
    ExpectedPayment,
    PaymentLink,
    Voucher,
)
from belegsync.store.models.base import new_id
from belegsync.store.uow import UnitOfWork

__all__ = [
    "EXTERNAL_ACCOUNT_IBAN",
    "EXTERNAL_ACCOUNT_NAME",
    "ExternalDraft",
    "ExternalNeeded",
    "create_external_transaction",
    "external_draft",
    "external_needed",
    "signed_amount",
]

# The pseudo-account's "IBAN" is no IBAN on purpose: it can never collide with one.
EXTERNAL_ACCOUNT_IBAN = "EXTERN"
EXTERNAL_ACCOUNT_NAME = "Externes Konto"
WHY_EXTERNAL = (
    "Kein verbundenes Bankkonto enthält eine passende Transaktion; die Zahlung lief "
    "vermutlich über ein Konto, dessen Umsätze hier fehlen."
)


@dataclass(frozen=True, slots=True)
class ExternalDraft:
    """The pre-filled form, from the Lexware payment."""

    payment_id: str
    booking_date: date
    amount_cents: int  # signed: negative for money out
    counterparty: str
    remittance: str
    account_label: str = EXTERNAL_ACCOUNT_NAME


@dataclass(frozen=True, slots=True)
class ExternalNeeded:
    payment: ExpectedPayment
    voucher: Voucher
    draft: ExternalDraft
    why: str = WHY_EXTERNAL


# The amount as the bank shows it: one rule for every page (domain.vouchers).
signed_amount = account_cents


def external_draft(payment: ExpectedPayment, voucher: Voucher) -> ExternalDraft:
    return ExternalDraft(
        payment_id=payment.id,
        booking_date=payment.paid_date or voucher.paid_date or voucher.voucher_date,
        amount_cents=signed_amount(voucher.voucher_type, payment.amount_cents),
        counterparty=voucher.contact_name or "",
        remittance=voucher.voucher_number or "",
    )


async def external_needed(uow: UnitOfWork, tenant_id: str) -> list[ExternalNeeded]:
    """Bank payments the last run found no candidate for, and nothing links yet."""
    ctx = TenantContext(tenant_id=tenant_id, actor="matching")
    return [
        ExternalNeeded(payment, voucher, external_draft(payment, voucher))
        for payment, voucher in await external_payments(uow, ctx)
    ]


async def _external_account(uow: UnitOfWork, tenant_id: str, clock: Clock) -> BankAccount:
    return await uow.banking.get_or_create_account(
        tenant_id, EXTERNAL_ACCOUNT_IBAN, now=clock.now(), name=EXTERNAL_ACCOUNT_NAME
    )


def _checked_amount(draft: ExternalDraft, voucher: Voucher) -> int:
    """The signed amount; the sign always follows the voucher, whichever was typed."""
    if draft.amount_cents == 0:
        raise InvalidInput(
            "Der Betrag darf nicht 0 sein.",
            code="external_amount_invalid",
            message_en="The amount must not be 0.",
        )
    return signed_amount(voucher.voucher_type, draft.amount_cents)


async def create_external_transaction(
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    payment_id: str,
    *,
    actor: str,
    draft: ExternalDraft | None = None,
) -> PaymentLink:
    """Create the external transaction (pre-filled unless ``draft`` is given) and link it."""
    now = clock.now()
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        payment, voucher = await uow.matching.payment(tenant_id, payment_id)
        for link in await uow.matching.links_of_payment(payment.id):
            if is_allocating(link.status):
                raise InvalidInput(
                    "Diese Zahlung ist bereits einer Transaktion zugeordnet.",
                    code="payment_already_linked",
                    message_en="This payment is already linked to a transaction.",
                )
        draft = draft or external_draft(payment, voucher)
        amount = _checked_amount(draft, voucher)
        account = await _external_account(uow, tenant_id, clock)
        txn_id = new_id()
        txn = BankTransaction(
            id=txn_id,
            tenant_id=tenant_id,
            account_id=account.id,
            source="external",
            booking_date=draft.booking_date,
            value_date=draft.booking_date,
            amount_cents=amount,
            currency=payment.currency,
            counterparty_name=draft.counterparty[:255] or None,
            remittance=draft.remittance,
            remittance_lines=[draft.remittance] if draft.remittance else [],
            status="booked",
            is_reversal=False,
            booking_text=draft.account_label[:255],
            import_hash=hashlib.sha256(f"external:{txn_id}".encode()).hexdigest(),
            created_at=now,
        )
        await add_transaction(uow, txn)
        link = new_link(tenant_id, payment.id, txn_id, actor, now, LinkStatus.CONFIRMED)
        link.allocated_cents = allocation(payment.amount_cents, amount)
        link.difference_cents = link_difference(payment.amount_cents, link.allocated_cents)
        link.reasons = ["external"]
        uow.matching.add(link)
        await uow.matching.flush()
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="external_transaction_created",
            subject_type="bank_transaction",
            subject_id=txn_id,
            now=now,
            detail={
                "payment_id": payment.id,
                "link_id": link.id,
                "amount_cents": amount,
                "account_label": draft.account_label,
            },
        )
        await uow.commit()
    return link
