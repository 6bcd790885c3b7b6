"""Which endpoint serves which voucher type."""

from __future__ import annotations

from urllib.parse import quote

# voucherlist ``voucherType`` → collection path of the detail endpoint.
DETAIL_PATHS: dict[str, str] = {
    "salesinvoice": "vouchers",
    "salescreditnote": "vouchers",
    "purchaseinvoice": "vouchers",
    "purchasecreditnote": "vouchers",
    "invoice": "invoices",
    "creditnote": "credit-notes",
    "downpaymentinvoice": "down-payment-invoices",
}

BOOKKEEPING_TYPES = frozenset(t for t, path in DETAIL_PATHS.items() if path == "vouchers")
SALES_TYPES = frozenset(DETAIL_PATHS) - BOOKKEEPING_TYPES


def detail_path(voucher_type: str, voucher_id: str) -> str:
    """``/v1/{collection}/{id}`` for a voucherlist ``voucherType``.

    Reading an id through the wrong type's endpoint gives a 404 that looks like an
    unknown id, so an unknown type is refused here instead of guessed.
    """
    collection = DETAIL_PATHS.get(voucher_type)
    if collection is None:
        raise ValueError(f"no detail endpoint known for voucherType {voucher_type!r}")
    return f"/v1/{collection}/{segment(voucher_id)}"


def is_bookkeeping_type(voucher_type: str) -> bool:
    """Bookkeeping vouchers (``/v1/vouchers``) keep their files under ``/v1/files``."""
    return voucher_type in BOOKKEEPING_TYPES


def segment(value: str) -> str:
    """An id as one path segment; an id can never add path segments or a query."""
    return quote(value, safe="")
