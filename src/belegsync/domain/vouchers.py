"""Voucher facts the sync relies on: synced types, paid states, direction, review."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from belegsync.domain.errors import InvalidInput


class VoucherType(StrEnum):
    """The Lexware voucher types belegsync syncs."""

    PURCHASE_INVOICE = "purchaseinvoice"
    PURCHASE_CREDIT_NOTE = "purchasecreditnote"
    SALES_INVOICE = "salesinvoice"
    SALES_CREDIT_NOTE = "salescreditnote"
    INVOICE = "invoice"
    CREDIT_NOTE = "creditnote"
    DOWN_PAYMENT_INVOICE = "downpaymentinvoice"


SYNCED_VOUCHER_TYPES: frozenset[str] = frozenset(VoucherType)

# "paid": fully paid; "paidoff": a credit note paid in full. "transferred" and
# "sepadebit" are on their way but not paid yet.
PAID_STATUSES: frozenset[str] = frozenset({"paid", "paidoff"})


class Direction(StrEnum):
    """Money out of the client's account (debit) or into it (credit)."""

    DEBIT = "debit"
    CREDIT = "credit"


_DIRECTIONS: dict[VoucherType, Direction] = {
    VoucherType.PURCHASE_INVOICE: Direction.DEBIT,
    VoucherType.PURCHASE_CREDIT_NOTE: Direction.CREDIT,
    VoucherType.SALES_INVOICE: Direction.CREDIT,
    VoucherType.SALES_CREDIT_NOTE: Direction.DEBIT,
    VoucherType.INVOICE: Direction.CREDIT,
    VoucherType.DOWN_PAYMENT_INVOICE: Direction.CREDIT,
    VoucherType.CREDIT_NOTE: Direction.DEBIT,
}


# The types whose counterparty is a customer of the client. A customer's transfer may
# cite the customer number Lexware printed on the invoice; a vendor number is the
# client's own bookkeeping and appears on no bank line.
CUSTOMER_TYPES: frozenset[str] = frozenset(
    {
        VoucherType.SALES_INVOICE,
        VoucherType.SALES_CREDIT_NOTE,
        VoucherType.INVOICE,
        VoucherType.CREDIT_NOTE,
        VoucherType.DOWN_PAYMENT_INVOICE,
    }
)


# Credit notes: what the client owes a customer, or a supplier the client. Often not
# paid at all but offset in a payment of an invoice („… abzgl. Gutschrift …“).
CREDIT_NOTE_TYPES: frozenset[str] = frozenset(
    {
        VoucherType.PURCHASE_CREDIT_NOTE,
        VoucherType.SALES_CREDIT_NOTE,
        VoucherType.CREDIT_NOTE,
    }
)


def account_cents(voucher_type: str, cents: int) -> int:
    """A voucher amount as the bank account sees it: negative for money out (purchase
    invoices, sales credit notes), positive for money in, the sign of the bank
    transaction that pays it. Every page, form, export and command shows voucher
    amounts this way, whatever sign Lexware stored."""
    return -abs(cents) if direction(voucher_type) is Direction.DEBIT else abs(cents)


def is_synced_type(voucher_type: str) -> bool:
    """Whether vouchers of this type are synced at all."""
    return voucher_type in SYNCED_VOUCHER_TYPES


def is_paid(status: str) -> bool:
    """Whether a Lexware voucherStatus means the voucher is paid."""
    return status in PAID_STATUSES


def direction(voucher_type: str) -> Direction:
    """Whether paying this voucher moves money out (debit) or in (credit)."""
    try:
        return _DIRECTIONS[VoucherType(voucher_type)]
    except ValueError:
        raise InvalidInput(
            f"Unbekannter Belegtyp „{voucher_type}“.",
            code="unknown_voucher_type",
            message_en=f"Unknown voucher type '{voucher_type}'.",
        ) from None


class ReviewReason(StrEnum):
    """Why a synced voucher is flagged for review instead of being dropped or overwritten."""

    NO_LONGER_PAID = "no_longer_paid"
    DELETED = "deleted"
    CHANGED_AFTER_CLOSE = "changed_after_close"

    @property
    def explanation_de(self) -> str:
        """German explanation for clients and staff."""
        return _REVIEW_TEXTS[self][0]

    @property
    def explanation_en(self) -> str:
        """English explanation."""
        return _REVIEW_TEXTS[self][1]


_REVIEW_TEXTS: dict[ReviewReason, tuple[str, str]] = {
    ReviewReason.NO_LONGER_PAID: (
        "Der Beleg ist in Lexware Office nicht mehr bezahlt (storniert oder wieder "
        "geöffnet). Bitte prüfen Sie die Zuordnung.",
        "The voucher is no longer paid in Lexware Office (voided or reopened). Please "
        "check its assignment.",
    ),
    ReviewReason.DELETED: (
        "Der Beleg ist in Lexware Office nicht mehr vorhanden. Die synchronisierte Fassung "
        "bleibt erhalten; bitte prüfen Sie, ob er gelöscht werden sollte.",
        "The voucher no longer exists in Lexware Office. The synced copy is kept; please "
        "check whether it was meant to be deleted.",
    ),
    ReviewReason.CHANGED_AFTER_CLOSE: (
        "Der Beleg wurde geändert, nachdem sein Steuerjahr abgeschlossen wurde. Bitte "
        "prüfen Sie die Änderung mit Ihrer Steuerberatung.",
        "The voucher changed after its tax year was closed. Please review the change with "
        "your tax advisor.",
    ),
}


def review_needed(
    previous_status: str | None,
    new_status: str | None,
    voucher_date: date,
    closed_years: Iterable[int],
    changed: bool,
) -> ReviewReason | None:
    """Whether a voucher must be flagged for review after a sync, and why.

    ``previous_status`` is the status last synced (``None``: never synced);
    ``new_status`` is what Lexware reports now (``None``: the voucher is gone —
    the caller must only say so after a confirmed 404, never after an empty page or
    an auth failure). ``changed`` means the content differs from the synced copy.
    Vouchers seen for the first time are never flagged, not even in closed years:
    a first sync of a tenant must not flag its whole history.
    """
    if previous_status is None:
        return None
    if new_status is None:
        return ReviewReason.DELETED
    if is_paid(previous_status) and not is_paid(new_status):
        return ReviewReason.NO_LONGER_PAID
    if changed and voucher_date.year in frozenset(closed_years):
        return ReviewReason.CHANGED_AFTER_CLOSE
    return None
