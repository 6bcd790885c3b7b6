"""Lexware answers → the rows the store keeps (amounts in cents, dates as Berlin dates)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from belegsync.domain.dates import berlin_date
from belegsync.domain.money import round_to_cents
from belegsync.lexware import (
    BookkeepingVoucher,
    Payments,
    SalesVoucher,
    VoucherListItem,
)
from belegsync.store.repositories import PaymentItemData, VoucherData


class MalformedVoucher(ValueError):
    """Lexware sent a voucher we cannot store; it fails alone, not the run."""

    code = "voucher_malformed"


def _cents(value: Decimal | None, field: str) -> int:
    if value is None:
        raise MalformedVoucher(f"{field} fehlt")
    if not value.is_finite():
        raise MalformedVoucher(f"{field} ist keine Zahl")
    return round_to_cents(value)


def _optional_cents(value: Decimal | None) -> int | None:
    return None if value is None or not value.is_finite() else round_to_cents(value)


def _day(value: datetime | None) -> date | None:
    return None if value is None else berlin_date(value)


def _totals(detail: BookkeepingVoucher | SalesVoucher) -> tuple[Decimal | None, Decimal | None]:
    if isinstance(detail, BookkeepingVoucher):
        return detail.total_gross_amount, detail.total_tax_amount
    if detail.total_price is None:
        return None, None
    return detail.total_price.total_gross_amount, detail.total_price.total_tax_amount


def _contact(
    item: VoucherListItem, detail: BookkeepingVoucher | SalesVoucher
) -> tuple[str | None, str | None]:
    if isinstance(detail, SalesVoucher) and detail.address is not None:
        return (
            detail.address.name or item.contact_name,
            detail.address.contact_id or item.contact_id,
        )
    if isinstance(detail, BookkeepingVoucher):
        return detail.contact_name or item.contact_name, detail.contact_id or item.contact_id
    return item.contact_name, item.contact_id


def voucher_data(
    item: VoucherListItem,
    detail: BookkeepingVoucher | SalesVoucher,
    payments: Payments | None,
) -> VoucherData:
    """Combine the list entry, the detail and the payments of one voucher."""
    if detail.id != item.id:
        raise MalformedVoucher(f"Detail gehört zu {detail.id}, nicht zu {item.id}")
    voucher_date = _day(detail.voucher_date) or _day(item.voucher_date)
    if voucher_date is None:
        raise MalformedVoucher("voucherDate fehlt")
    updated = detail.updated_date or item.updated_date
    if updated is None:
        raise MalformedVoucher("updatedDate fehlt")
    gross, tax = _totals(detail)
    contact_name, contact_id = _contact(item, detail)
    return VoucherData(
        lexware_id=item.id,
        voucher_type=item.voucher_type,
        voucher_status=(payments.voucher_status if payments else None) or item.voucher_status,
        voucher_number=detail.voucher_number or item.voucher_number,
        voucher_date=voucher_date,
        due_date=_day(detail.due_date) or _day(item.due_date),
        contact_name=contact_name,
        contact_id=contact_id,
        total_gross_cents=_cents(gross if gross is not None else item.total_amount, "Bruttobetrag"),
        total_tax_cents=_optional_cents(tax),
        open_amount_cents=_optional_cents(
            payments.open_amount if payments is not None else item.open_amount
        ),
        currency=item.currency or "EUR",
        paid_date=_day(payments.paid_date) if payments is not None else None,
        lexware_updated_at=updated,
        lexware_version=detail.version,
        raw_json=detail.raw,
        raw_list_json=item.raw,
        raw_payments_json=payments.raw if payments is not None else None,
    )


def payment_items(payments: Payments) -> list[PaymentItemData]:
    """The payment items in Lexware's order (amounts always positive, as Lexware sends them)."""
    return [
        PaymentItemData(
            payment_item_type=entry.payment_item_type,
            posting_date=_day(entry.posting_date),
            amount_cents=_cents(entry.amount, "Zahlungsbetrag"),
            currency=entry.currency or payments.currency or "EUR",
        )
        for entry in payments.payment_items
    ]
