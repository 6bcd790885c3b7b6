"""Expected payments from synced vouchers, and conversions for the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from belegsync.domain.matching import BankTxn, TxnStatus
from belegsync.domain.matching import ExpectedPayment as PaymentValue
from belegsync.store.models import BankTransaction, ExpectedPayment, PaymentItem, Voucher
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


def derive_payments(voucher: Voucher, items: list[PaymentItem]) -> list[DerivedPayment]:
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
    existing = await uow.matching.all_payments(tenant_id)
    vouchers = await uow.matching.vouchers_with_items(tenant_id)
    return await _rebuild(uow, tenant_id, vouchers, existing, now)


async def rebuild_stale_expected_payments(uow: UnitOfWork, tenant_id: str, *, now: datetime) -> int:
    """Rebuild the expected payments of the vouchers marked ``payments_stale`` only.

    The sync marks every voucher it writes (new, changed, status changed, flagged) in
    the same transaction, so a sync killed before its matching, or a matching that
    failed, leaves them marked for the next run of any kind. Returns how many vouchers
    were rebuilt. Does not commit.
    """
    vouchers = await uow.matching.stale_vouchers_with_items(tenant_id)
    if not vouchers:
        return 0
    existing = await uow.matching.payments_of_vouchers(tenant_id, [v.id for v in vouchers])
    await _rebuild(uow, tenant_id, vouchers, existing, now)
    return len(vouchers)


async def _rebuild(
    uow: UnitOfWork,
    tenant_id: str,
    vouchers: list[Voucher],
    payments: list[ExpectedPayment],
    now: datetime,
) -> int:
    """Rebuild the expected payments of ``vouchers`` (``payments``: all their rows)."""
    existing = {(p.voucher_id, p.position): p for p in payments}
    seen: set[tuple[str, int]] = set()
    tokens: dict[str, str] = {}
    for voucher in vouchers:
        if voucher.payments_stale is not None:
            tokens[voucher.id] = voucher.payments_stale
        for derived in derive_payments(voucher, list(voucher.payment_items)):
            key = (voucher.id, derived.position)
            seen.add(key)
            row = existing.get(key)
            if row is None:
                row = ExpectedPayment(
                    tenant_id=tenant_id,
                    voucher_id=voucher.id,
                    position=derived.position,
                    created_at=now,
                )
                uow.matching.add(row)
            _apply(row, derived, now)
    for key, row in existing.items():
        if key not in seen and row.active:
            row.active = False
            row.updated_at = now
    await uow.matching.flush()
    await uow.matching.clear_stale(tokens)
    return len(seen)


def _apply(row: ExpectedPayment, derived: DerivedPayment, now: datetime) -> None:
    values = {
        "item_type": derived.item_type,
        "kind": derived.kind,
        "amount_cents": derived.amount_cents,
        "currency": derived.currency,
        "paid_date": derived.paid_date,
        "skonto_cents": derived.skonto_cents,
        "settled_otherwise_cents": derived.settled_otherwise_cents,
        "has_items": derived.has_items,
        "active": True,
    }
    changed = any(getattr(row, name, None) != value for name, value in values.items())
    if changed or row.updated_at is None:
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now


def to_payment_value(row: ExpectedPayment, voucher: Voucher) -> PaymentValue:
    """The engine's value object for a stored expected payment."""
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
    )
