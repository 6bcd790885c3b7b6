"""Typed models of Lexware responses: profile, voucher list, payments, subscriptions.

Models are lenient on purpose: unknown fields are kept (``extra="allow"``), enum-like
fields are plain ``str`` (Lexware adds values without notice; the ``*Values`` classes name
the known ones), amounts are ``Decimal``, absent and ``null`` mean the same. Each
top-level model (a :class:`LexwareDocument`: a response, a list entry) keeps the JSON it
was built from in ``raw`` for the audit trail; nested parts (a payment item, an address)
do not, which spares a Python call per nested object when parsing.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)
from pydantic.alias_generators import to_camel

from belegsync.lexware.datetimes import LexwareDateTime


class LexwareModel(BaseModel):
    """Base of all response models: camelCase aliases, extra fields kept."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=False,
    )

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Validate parsed JSON (from ``json.loads(..., parse_float=Decimal)``)."""
        return cls.model_validate(data)

    @property
    def raw(self) -> dict[str, Any]:
        """The JSON object exactly as received (Decimals for numbers); empty for a
        nested part that is not a :class:`LexwareDocument`."""
        return self._raw


class LexwareDocument(LexwareModel):
    """A response or list entry: keeps the JSON object it was validated from."""

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        model = handler(data)
        if isinstance(data, dict):
            model._raw = data
        return model


class VoucherTypeValues(StrEnum):
    """Known ``voucherType`` values; others may appear and are kept as strings."""

    SALESINVOICE = "salesinvoice"
    SALESCREDITNOTE = "salescreditnote"
    PURCHASEINVOICE = "purchaseinvoice"
    PURCHASECREDITNOTE = "purchasecreditnote"
    INVOICE = "invoice"
    CREDITNOTE = "creditnote"
    DOWNPAYMENTINVOICE = "downpaymentinvoice"
    ORDERCONFIRMATION = "orderconfirmation"
    QUOTATION = "quotation"
    DELIVERYNOTE = "deliverynote"


class VoucherStatusValues(StrEnum):
    """Known ``voucherStatus`` values."""

    DRAFT = "draft"
    OPEN = "open"
    OVERDUE = "overdue"
    PAID = "paid"
    PAIDOFF = "paidoff"
    VOIDED = "voided"
    TRANSFERRED = "transferred"
    SEPADEBIT = "sepadebit"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNCHECKED = "unchecked"


class PaymentItemTypeValues(StrEnum):
    """Known ``paymentItemType`` values."""

    PART_PAYMENT_FINANCIAL_TRANSACTION = "partPaymentFinancialTransaction"
    PART_PAYMENT_CREDIT_NOTE = "partPaymentCreditNote"
    PART_PAYMENT_CASH_BOX = "partPaymentCashBox"
    MANUAL_PAYMENT = "manualPayment"
    CASH_DISCOUNT = "cashDiscount"
    DUNNING_COSTS = "dunningCosts"
    CURRENCY_CONVERSION = "currencyConversion"
    IRRECOVERABLE_RECEIVABLE = "irrecoverableReceivable"


class ProfileCreated(LexwareModel):
    user_id: str | None = None
    user_name: str | None = None
    user_email: str | None = None
    date: LexwareDateTime | None = None


class Profile(LexwareDocument):
    """``GET /v1/profile``."""

    organization_id: str
    company_name: str | None = None
    created: ProfileCreated | None = None
    connection_id: str | None = None
    tax_type: str | None = None
    distance_sales_principle: str | None = None
    business_features: list[str] = Field(default_factory=list)
    small_business: bool | None = None


class VoucherListItem(LexwareDocument):
    """One ``content[]`` entry of ``GET /v1/voucherlist``."""

    id: str
    voucher_type: str
    voucher_status: str
    voucher_number: str | None = None
    voucher_date: LexwareDateTime | None = None
    created_date: LexwareDateTime | None = None
    updated_date: LexwareDateTime | None = None
    due_date: LexwareDateTime | None = None
    contact_id: str | None = None
    contact_name: str | None = None
    total_amount: Decimal | None = None
    open_amount: Decimal | None = None
    currency: str | None = None
    archived: bool | None = None


class SortOrder(LexwareModel):
    property: str | None = None
    direction: str | None = None


ItemT = TypeVar("ItemT", bound=LexwareModel)


class Page(LexwareDocument, Generic[ItemT]):
    """A page envelope; key order differs between endpoints, so parse by key."""

    content: list[ItemT] = Field(default_factory=list)
    first: bool | None = None
    last: bool | None = None
    total_pages: int | None = None
    total_elements: int | None = None
    number_of_elements: int | None = None
    size: int | None = None
    number: int | None = None
    sort: list[SortOrder] | None = None


class ContactRole(LexwareModel):
    number: int | None = None


class ContactRoles(LexwareModel):
    """A role present (even empty, ``{}``) means the contact has it."""

    customer: ContactRole | None = None
    vendor: ContactRole | None = None


class ContactCompany(LexwareModel):
    name: str | None = None


class ContactPerson(LexwareModel):
    salutation: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class Contact(LexwareDocument):
    """One contact of ``GET /v1/contacts`` (a company or a person)."""

    id: str
    version: int | None = None
    roles: ContactRoles = Field(default_factory=ContactRoles)
    company: ContactCompany | None = None
    person: ContactPerson | None = None
    archived: bool | None = None

    @property
    def customer_number(self) -> int | None:
        return None if self.roles.customer is None else self.roles.customer.number

    @property
    def vendor_number(self) -> int | None:
        return None if self.roles.vendor is None else self.roles.vendor.number

    @property
    def name(self) -> str | None:
        """The company's name, or the person's first and last name."""
        if self.company is not None and self.company.name:
            return self.company.name
        if self.person is not None:
            return " ".join(p for p in (self.person.first_name, self.person.last_name) if p) or None
        return None


class PaymentItem(LexwareModel):
    payment_item_type: str
    posting_date: LexwareDateTime | None = None
    amount: Decimal
    currency: str | None = None


class Payments(LexwareDocument):
    """``GET /v1/payments/{voucherId}``; ``paid_date`` only for paid/paidoff."""

    open_amount: Decimal | None = None
    currency: str | None = None
    payment_status: str | None = None
    voucher_type: str | None = None
    voucher_status: str | None = None
    paid_date: LexwareDateTime | None = None
    payment_items: list[PaymentItem] = Field(default_factory=list)


class ActionResult(LexwareDocument):
    """Answer of POST/PUT: ``{id, resourceUri, createdDate, updatedDate, version}``."""

    id: str
    resource_uri: str | None = None
    created_date: LexwareDateTime | None = None
    updated_date: LexwareDateTime | None = None
    version: int | None = None


class EventSubscription(LexwareDocument):
    """``GET /v1/event-subscriptions/{id}``."""

    subscription_id: str
    organization_id: str | None = None
    created_date: LexwareDateTime | None = None
    event_type: str
    callback_url: str


class EventSubscriptionList(LexwareDocument):
    """``GET /v1/event-subscriptions``: ``content`` only, no paging fields."""

    content: list[EventSubscription] = Field(default_factory=list)


class WebhookEvent(LexwareDocument):
    """The four-field payload Lexware posts to a subscription's callback URL."""

    organization_id: str
    event_type: str
    resource_id: str
    event_date: LexwareDateTime | None = None
