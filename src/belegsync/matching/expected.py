"""Expected payments from synced vouchers, and conversions for the engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Protocol

from belegsync.domain.matching import BankTxn, TxnStatus
from belegsync.domain.matching import ExpectedPayment as PaymentValue
from belegsync.domain.vouchers import CUSTOMER_TYPES
from belegsync.store.matching_repository import ItemSource, StoredPayment, VoucherSource
from belegsync.store.models import BankTransaction, ExpectedPayment, Voucher
from belegsync.store.models.matching import PaymentKind
from belegsync.store.uow import UnitOfWork

__all__ = [
    "BANK_ITEM_TYPES",
    "CASH_ITEM_TYPE",
    "DerivedPayment",
    "derive_payments",
    "rebuild_expected_payments",
    "rebuild_stale_expected_payments",
    "to_bank_txn",
    "to_payment_value",
]

# Items that move money through a bank account: these are matched.
BANK_ITEM_TYPES: frozenset[str] = frozenset({"partPaymentFinancialTransaction", "manualPayment"})
CASH_ITEM_TYPE = "partPaymentCashBox"
# Items that move no money but explain why the bank amount differs from the gross.
_SETTLED_OTHERWISE_TYPES: frozenset[str] = frozenset(
    {"partPaymentCreditNote", "irrecoverableReceivable", "currencyConversion"}
)
_SKONTO_TYPE = "cashDiscount"


@dataclass(frozen=True, slots=True)
class DerivedPayment:
    position: int
    item_type: str | None
    kind: PaymentKind
    amount_cents: int
    currency: str
    paid_date: date | None
    skonto_cents: int
    settled_otherwise_cents: int
    has_items: bool


class VoucherAmounts(Protocol):
    """What :func:`derive_payments` reads of a voucher (a stored voucher or its row)."""

    @property
    def total_gross_cents(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def paid_date(self) -> date | None: ...


class ItemAmounts(Protocol):
    """What :func:`derive_payments` reads of a payment item."""

    @property
    def position(self) -> int: ...
    @property
    def payment_item_type(self) -> str: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def posting_date(self) -> date | None: ...


def derive_payments(voucher: VoucherAmounts, items: Sequence[ItemAmounts]) -> list[DerivedPayment]:
    """One row per bank or cash item; without items, one row with the gross."""
    if not items:
        if voucher.total_gross_cents <= 0:
            return []
        return [
            DerivedPayment(
                0,
                None,
                "bank",
                voucher.total_gross_cents,
                voucher.currency,
                voucher.paid_date,
                0,
                0,
                False,
            )
        ]
    skonto = sum(i.amount_cents for i in items if i.payment_item_type == _SKONTO_TYPE)
    otherwise = sum(
        i.amount_cents for i in items if i.payment_item_type in _SETTLED_OTHERWISE_TYPES
    )
    rows: list[DerivedPayment] = []
    for item in items:
        if item.amount_cents <= 0:
            continue
        kind: PaymentKind
        if item.payment_item_type in BANK_ITEM_TYPES:
            kind = "bank"
        elif item.payment_item_type == CASH_ITEM_TYPE:
            kind = "cash"
        else:
            continue
        rows.append(
            DerivedPayment(
                item.position,
                item.payment_item_type,
                kind,
                item.amount_cents,
                item.currency,
                item.posting_date or voucher.paid_date,
                skonto,
                otherwise,
                True,
            )
        )
    return rows


async def rebuild_expected_payments(uow: UnitOfWork, tenant_id: str, *, now: datetime) -> int:
    """Bring all the tenant's expected payments in line with its synced vouchers.

    Rows are keyed by (voucher, item position) and updated in place; rows whose item
    disappeared become inactive (links may point at them). Clears the vouchers'
    ``payments_stale`` marker. Returns the active count. Does not commit.
    """
    sources = await uow.matching.payment_sources(tenant_id, stale_only=False)
    stored = await uow.matching.stored_payments(tenant_id)
    return await _rebuild(uow, tenant_id, sources, stored, now)


async def rebuild_stale_expected_payments(uow: UnitOfWork, tenant_id: str, *, now: datetime) -> int:
    """Rebuild the expected payments of the vouchers marked ``payments_stale`` only.

    The sync marks every voucher it writes (new, changed, status changed, flagged) in
    the same transaction, so a sync killed before its matching, or a matching that
    failed, leaves them marked for the next run of any kind. Returns how many vouchers
    were rebuilt. Does not commit.
    """
    sources = await uow.matching.payment_sources(tenant_id, stale_only=True)
    if not sources:
        return 0
    stored = await uow.matching.stored_payments(tenant_id, [v.id for v, _ in sources])
    await _rebuild(uow, tenant_id, sources, stored, now)
    return len(sources)


async def _rebuild(
    uow: UnitOfWork,
    tenant_id: str,
    sources: list[tuple[VoucherSource, list[ItemSource]]],
    stored: list[StoredPayment],
    now: datetime,
) -> int:
    """Rebuild the expected payments of the vouchers in ``sources`` (``stored``: all
    their rows), on plain rows: only new, changed and retired rows are written, each
    kind in one statement."""
    existing = {(p.voucher_id, p.position): p for p in stored}
    seen: set[tuple[str, int]] = set()
    tokens: dict[str, str] = {}
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for voucher, items in sources:
        if voucher.payments_stale is not None:
            tokens[voucher.id] = voucher.payments_stale
        for derived in derive_payments(voucher, items):
            key = (voucher.id, derived.position)
            seen.add(key)
            values = _values(derived)
            row = existing.get(key)
            if row is None:
                new.append(
                    {
                        "voucher_id": voucher.id,
                        "position": derived.position,
                        "created_at": now,
                        "updated_at": now,
                        **values,
                    }
                )
            elif any(getattr(row, k) != v for k, v in values.items()):
                changed.append({"id": row.id, "updated_at": now, **values})
    retired = [row.id for key, row in existing.items() if key not in seen and row.active]
    await uow.matching.write_payments(tenant_id, new, changed, retired, now=now)
    await uow.matching.clear_stale(tokens)
    return len(seen)


# the stored columns a derived payment sets (its position is part of the row's key)
_DERIVED_COLUMNS = tuple(f.name for f in fields(DerivedPayment) if f.name != "position")


def _values(derived: DerivedPayment) -> dict[str, Any]:
    """The stored columns of a derived payment (an active row)."""
    return {**{name: getattr(derived, name) for name in _DERIVED_COLUMNS}, "active": True}


def to_payment_value(
    row: ExpectedPayment, voucher: Voucher, customer_number: int | None = None
) -> PaymentValue:
    """The engine's value object for a stored expected payment; ``customer_number`` is
    the voucher's contact's (``store.contact_numbers``), read for a customer's voucher
    only."""
    return PaymentValue(
        id=row.id,
        voucher_id=voucher.id,
        tenant_id=row.tenant_id,
        voucher_type=voucher.voucher_type,
        voucher_number=voucher.voucher_number or "",
        voucher_date=voucher.voucher_date,
        amount_cents=row.amount_cents,
        gross_cents=max(voucher.total_gross_cents, row.amount_cents),
        paid_date=row.paid_date,
        contact_id=voucher.contact_id,
        contact_name=voucher.contact_name or "",
        skonto_cents=row.skonto_cents,
        settled_otherwise_cents=row.settled_otherwise_cents,
        has_items=row.has_items,
        item_type=row.item_type,
        currency=row.currency,
        position=row.position,
        customer_number=(
            str(customer_number)
            if customer_number is not None and voucher.voucher_type in CUSTOMER_TYPES
            else None
        ),
    )


def to_bank_txn(row: BankTransaction) -> BankTxn:
    """The engine's value object for a stored bank transaction."""
    return BankTxn(
        id=row.id,
        tenant_id=row.tenant_id,
        account_id=row.account_id,
        booking_date=row.booking_date,
        amount_cents=row.amount_cents,
        value_date=row.value_date,
        currency=row.currency,
        counterparty_name=row.counterparty_name or "",
        counterparty_iban=row.counterparty_iban or "",
        # The engine reads a reference cut across statement lines only where the lines
        # are joined with newlines; the stored one-line text has them joined by spaces.
        remittance="\n".join(row.remittance_lines) if row.remittance_lines else row.remittance,
        end_to_end_id=row.end_to_end_id or "",
        mandate_ref=row.mandate_reference or "",
        creditor_id=row.creditor_id or "",
        status=TxnStatus(row.status),
        is_reversal=row.is_reversal,
        source=row.source,
        original_amount_cents=row.original_amount_cents,
        original_currency=row.original_currency,
    )
