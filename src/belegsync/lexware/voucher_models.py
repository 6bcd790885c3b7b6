"""Models of voucher details: bookkeeping vouchers and sales vouchers.

Sales vouchers (invoices, credit notes, down payment invoices) share one model; the
fields only some of them carry (``dueDate``, ``closingInvoiceId``, …) are optional.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator

from belegsync.lexware.datetimes import LexwareDateTime
from belegsync.lexware.models import LexwareDocument, LexwareModel


class BookkeepingVoucherItem(LexwareModel):
    amount: Decimal | None = None
    tax_amount: Decimal | None = None
    tax_rate_percent: Decimal | None = None
    category_id: str | None = None


class BookkeepingVoucher(LexwareDocument):
    """``GET /v1/vouchers/{id}``; ``files`` lists file ids for ``GET /v1/files/{id}``."""

    id: str
    organization_id: str | None = None
    type: str
    voucher_status: str | None = None
    voucher_number: str | None = None
    voucher_date: LexwareDateTime | None = None
    shipping_date: LexwareDateTime | None = None
    due_date: LexwareDateTime | None = None
    total_gross_amount: Decimal | None = None
    total_tax_amount: Decimal | None = None
    tax_type: str | None = None
    use_collective_contact: bool | None = None
    contact_id: str | None = None
    contact_name: str | None = None
    remark: str | None = None
    voucher_items: list[BookkeepingVoucherItem] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    created_date: LexwareDateTime | None = None
    updated_date: LexwareDateTime | None = None
    version: int | None = None

    @field_validator("voucher_items", "files", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        return [] if value is None else value


class Address(LexwareModel):
    contact_id: str | None = None
    name: str | None = None
    supplement: str | None = None
    street: str | None = None
    city: str | None = None
    zip: str | None = None
    country_code: str | None = None
    contact_person: str | None = None


class UnitPrice(LexwareModel):
    currency: str | None = None
    net_amount: Decimal | None = None
    gross_amount: Decimal | None = None
    tax_rate_percentage: Decimal | None = None


class LineItem(LexwareModel):
    id: str | None = None
    type: str | None = None
    name: str | None = None
    description: str | None = None
    quantity: Decimal | None = None
    unit_name: str | None = None
    unit_price: UnitPrice | None = None
    discount_percentage: Decimal | None = None
    line_item_amount: Decimal | None = None


class TotalPrice(LexwareModel):
    currency: str | None = None
    total_net_amount: Decimal | None = None
    total_gross_amount: Decimal | None = None
    total_tax_amount: Decimal | None = None
    total_discount_absolute: Decimal | None = None
    total_discount_percentage: Decimal | None = None


class TaxAmount(LexwareModel):
    tax_rate_percentage: Decimal | None = None
    tax_amount: Decimal | None = None
    net_amount: Decimal | None = None


class TaxConditions(LexwareModel):
    tax_type: str | None = None
    tax_sub_type: str | None = None
    tax_type_note: str | None = None


class RelatedVoucher(LexwareModel):
    id: str
    voucher_number: str | None = None
    voucher_type: str | None = None


class SalesVoucherFiles(LexwareModel):
    """Deprecated by Lexware (13.08.2025) but still sent."""

    document_file_id: str | None = None


class SalesVoucher(LexwareDocument):
    """An invoice, credit note or down payment invoice (``/v1/{type}/{id}``)."""

    id: str
    organization_id: str | None = None
    created_date: LexwareDateTime | None = None
    updated_date: LexwareDateTime | None = None
    version: int | None = None
    language: str | None = None
    archived: bool | None = None
    voucher_status: str | None = None
    voucher_number: str | None = None
    voucher_date: LexwareDateTime | None = None
    due_date: LexwareDateTime | None = None
    address: Address | None = None
    electronic_document_profile: str | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    total_price: TotalPrice | None = None
    tax_amounts: list[TaxAmount] = Field(default_factory=list)
    tax_conditions: TaxConditions | None = None
    related_vouchers: list[RelatedVoucher] = Field(default_factory=list)
    closing_invoice_id: str | None = None
    title: str | None = None
    remark: str | None = None
    files: SalesVoucherFiles | None = None

    @field_validator("line_items", "tax_amounts", "related_vouchers", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def document_file_id(self) -> str | None:
        return self.files.document_file_id if self.files else None
