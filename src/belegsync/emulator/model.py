"""The emulated Lexware world's records: organisations, keys, contacts, vouchers, files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

BOOKKEEPING_TYPES = frozenset(
    {"salesinvoice", "salescreditnote", "purchaseinvoice", "purchasecreditnote"}
)
SALES_TYPES = frozenset({"invoice", "creditnote", "downpaymentinvoice"})
SYNCED_TYPES = BOOKKEEPING_TYPES | SALES_TYPES
# Listable in the real voucherlist although the emulator holds none of them.
LISTABLE_TYPES = SYNCED_TYPES | {"orderconfirmation", "quotation", "deliverynote"}
CREDIT_NOTE_TYPES = frozenset({"salescreditnote", "purchasecreditnote", "creditnote"})
REVENUE_TYPES = frozenset(
    {"salesinvoice", "salescreditnote", "invoice", "creditnote", "downpaymentinvoice"}
)

STATUSES = frozenset(
    {
        "draft",
        "open",
        "overdue",
        "paid",
        "paidoff",
        "voided",
        "transferred",
        "sepadebit",
        "accepted",
        "rejected",
        "unchecked",
    }
)
PAYMENT_ITEM_TYPES = frozenset(
    {
        "partPaymentFinancialTransaction",
        "partPaymentCreditNote",
        "partPaymentCashBox",
        "manualPayment",
        "cashDiscount",
        "dunningCosts",
        "currencyConversion",
        "irrecoverableReceivable",
    }
)
PERMISSIONS = frozenset(
    {
        "profile",
        "voucherlist",
        "vouchers",
        "invoices",
        "credit-notes",
        "down-payment-invoices",
        "payments",
        "files",
        "event-subscriptions",
    }
)
FILE_KINDS = frozenset({"pdf", "png", "jpg", "xml"})
CONTACT_ROLES = ("customer", "vendor")
# Lexware numbers customers from 10000 and vendors from 70000, per organisation
FIRST_CONTACT_NUMBER = {"customer": 10000, "vendor": 70000}
ZERO = Decimal("0.00")


def detail_resource(voucher_type: str) -> str:
    """The /v1 collection that serves a voucher type's details."""
    if voucher_type in BOOKKEEPING_TYPES:
        return "vouchers"
    return {"invoice": "invoices", "creditnote": "credit-notes"}.get(
        voucher_type, "down-payment-invoices"
    )


def paid_status(voucher_type: str) -> str:
    return "paidoff" if voucher_type in CREDIT_NOTE_TYPES else "paid"


@dataclass
class Organization:
    id: str
    name: str
    xl: bool = True
    tax_type: str = "net"
    small_business: bool = False
    e_invoice_enabled: bool = True
    owner_name: str = "Frau Erika Musterfrau"
    owner_email: str = "erika.musterfrau@example.de"
    owner_id: str = ""
    created: datetime | None = None


@dataclass
class ApiKey:
    key: str
    organization_id: str
    expires_at: datetime
    permissions: frozenset[str]
    connection_id: str
    created: datetime
    label: str = ""
    revoked: bool = False


@dataclass
class Contact:
    id: str
    organization_id: str
    name: str
    street: str
    zip: str
    city: str
    country_code: str = "DE"
    # Lexware numbers each role on its own (see World.add_contact); None = no such role
    customer_number: int | None = None
    vendor_number: int | None = None
    archived: bool = False
    version: int = 1
    email: str | None = None  # business address (``emailAddresses.business``)

    def role_number(self, role: str) -> int | None:
        """The customer or vendor number; None when the contact lacks that role."""
        return self.customer_number if role == "customer" else self.vendor_number

    def set_role_number(self, role: str, number: int | None) -> None:
        if role == "customer":
            self.customer_number = number
        else:
            self.vendor_number = number


@dataclass
class VoucherItem:
    amount: Decimal  # gross amount of this tax-rate group
    tax_amount: Decimal
    tax_rate: Decimal
    category_id: str
    name: str = "Leistung"


@dataclass
class PaymentItem:
    item_type: str
    posting_date: datetime
    amount: Decimal


@dataclass
class Voucher:
    id: str
    organization_id: str
    voucher_type: str
    status: str  # stored status; "overdue" is derived, never stored
    number: str
    voucher_date: date
    due_date: date | None
    created: datetime
    updated: datetime
    contact_id: str | None  # None = collective contact (Sammelkunde/Sammellieferant)
    contact_name: str
    total_gross: Decimal
    total_tax: Decimal
    items: list[VoucherItem]
    tax_type: str = "gross"
    version: int = 1
    payment_items: list[PaymentItem] = field(default_factory=list)
    paid_date: datetime | None = None
    file_ids: list[str] = field(default_factory=list)
    archived: bool = False
    remark: str | None = None
    shipping_date: date | None = None
    # sales vouchers only: NONE, EN16931 (ZUGFeRD) or XRechnung
    document_profile: str = "NONE"
    document_file_id: str | None = None
    related_voucher_ids: list[str] = field(default_factory=list)
    # GET /v1/payments answers this status instead of the payments (no payment information)
    payments_error: int | None = None

    @property
    def is_bookkeeping(self) -> bool:
        return self.voucher_type in BOOKKEEPING_TYPES

    @property
    def paid_amount(self) -> Decimal:
        return sum((p.amount for p in self.payment_items), ZERO)

    def open_amount(self) -> Decimal | None:
        if self.status in ("draft", "unchecked"):
            return None
        if self.status in ("paid", "paidoff", "voided"):
            return ZERO
        return max(self.total_gross - self.paid_amount, ZERO)

    def effective_status(self, today: date) -> str:
        if (
            self.status in ("open", "sepadebit")
            and self.due_date is not None
            and self.due_date < today
        ):
            return "overdue"
        return self.status


@dataclass
class StoredFile:
    id: str
    organization_id: str
    voucher_id: str
    kind: str  # original representation: pdf, png, jpg, xml
    sales_document: bool = False
    zugferd: bool = False
    page_seed: int = 0
    data: bytes | None = None  # uploaded bytes; generated ones are rendered lazily
    checksum: str | None = None


@dataclass
class Subscription:
    id: str
    organization_id: str
    api_key: str
    event_type: str
    callback_url: str
    created: datetime
