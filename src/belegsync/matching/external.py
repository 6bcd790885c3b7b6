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
from belegsync.domain.vouchers import Direction, direction
from belegsync.matching.service import ALLOCATING
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
]

# The pseudo-account's "IBAN" is no IBAN on purpose: it can never collide with one.
EXTERNAL_ACCOUNT_IBAN = "EXTERN"
EXTERNAL_ACCOUNT_NAME = "Externes Konto"
WHY_EXTERNAL = (
    "Kein verbundenes Bankkonto enthält eine passende Transaktion; die Zahlung lief "
    "vermutlich über ein Konto, das belegsync nicht kennt."
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


def external_draft(payment: ExpectedPayment, voucher: Voucher) -> ExternalDraft:
    sign = -1 if direction(voucher.voucher_type) is Direction.DEBIT else 1
    return ExternalDraft(
        payment_id=payment.id,
        booking_date=payment.paid_date or voucher.paid_date or voucher.voucher_date,
        amount_cents=sign * payment.amount_cents,
        counterparty=voucher.contact_name or "",
        remittance=voucher.voucher_number or "",
    )


async def external_needed(uow: UnitOfWork, tenant_id: str) -> list[ExternalNeeded]:
    """Bank payments the last run found no candidate for, and nothing links yet."""
    linked = {
        link.expected_payment_id
        for link in await uow.matching.links(tenant_id, statuses=ALLOCATING)
    }
    return [
        ExternalNeeded(payment, voucher, external_draft(payment, voucher))
        for payment, voucher in await uow.matching.payments(tenant_id)
        if payment.kind == "bank"
        and payment.unmatched_reason == "no_candidate"
        and payment.id not in linked
    ]


async def _external_account(uow: UnitOfWork, tenant_id: str, clock: Clock) -> BankAccount:
    return await uow.banking.get_or_create_account(
        tenant_id, EXTERNAL_ACCOUNT_IBAN, now=clock.now(), name=EXTERNAL_ACCOUNT_NAME
    )


def _check(draft: ExternalDraft, payment: ExpectedPayment, voucher: Voucher) -> None:
    expected_sign = -1 if direction(voucher.voucher_type) is Direction.DEBIT else 1
    if draft.amount_cents == 0 or (draft.amount_cents > 0) != (expected_sign > 0):
        raise InvalidInput(
            "Der Betrag muss zur Richtung des Belegs passen und darf nicht 0 sein.",
            code="external_amount_invalid",
            message_en="The amount must match the voucher's direction and must not be 0.",
        )


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
        payment, voucher = await uow.matching.payment(tenant_id, payment_id)
        for link in await uow.matching.links_of_payment(payment.id):
            if link.status in ALLOCATING:
                raise InvalidInput(
                    "Diese Zahlung ist bereits einer Transaktion zugeordnet.",
                    code="payment_already_linked",
                    message_en="This payment is already linked to a transaction.",
                )
        draft = draft or external_draft(payment, voucher)
        _check(draft, payment, voucher)
        account = await _external_account(uow, tenant_id, clock)
        txn_id = new_id()
        txn = BankTransaction(
            id=txn_id, tenant_id=tenant_id, account_id=account.id, source="external",
            booking_date=draft.booking_date, value_date=draft.booking_date,
            amount_cents=draft.amount_cents, currency=payment.currency,
            counterparty_name=draft.counterparty[:255] or None, remittance=draft.remittance,
            remittance_lines=[draft.remittance] if draft.remittance else [],
            status="booked", is_reversal=False, booking_text=draft.account_label[:255],
            import_hash=hashlib.sha256(f"external:{txn_id}".encode()).hexdigest(),
            created_at=now,
        )  # fmt: skip
        uow.session.add(txn)
        await uow.session.flush()
        link = PaymentLink(
            tenant_id=tenant_id, expected_payment_id=payment.id, bank_transaction_id=txn_id,
            allocated_cents=min(abs(draft.amount_cents), payment.amount_cents),
            difference_cents=abs(draft.amount_cents) - payment.amount_cents,
            status="confirmed", reasons=["external"], actor=actor, created_at=now,
            updated_at=now,
        )  # fmt: skip
        uow.matching.add(link)
        await uow.matching.flush()
        await uow.audit.add(
            tenant_id=tenant_id, actor=actor, action="external_transaction_created",
            subject_type="bank_transaction", subject_id=txn_id, now=now,
            detail={"payment_id": payment.id, "link_id": link.id,
                    "amount_cents": draft.amount_cents, "account_label": draft.account_label},
        )  # fmt: skip
        await uow.commit()
    return link
