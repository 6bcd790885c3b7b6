"""Expected payments, links between them and bank transactions, and learned IBANs.

Links are never deleted: confirming, rejecting, undoing and replacing only change
their status, so the audit trail stays complete (GoBD).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final, Literal, get_args

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from belegsync.domain.matching import LinkStatus
from belegsync.store.models.base import Base, new_id
from belegsync.store.types import Cents, UTCDateTime, enum_of, json_document, string_enum

# The domain owns the states and their transitions (``belegsync.domain.links``).
LINK_STATUSES: Final[tuple[str, ...]] = tuple(status.value for status in LinkStatus)
PaymentKind = Literal["bank", "cash"]
PAYMENT_KINDS: Final[tuple[str, ...]] = get_args(PaymentKind)


class ExpectedPayment(Base):
    """One expected bank movement of a voucher (a Lexware payment item, or the gross).

    Rows are derived from the synced payment items; a row whose item disappeared is
    set inactive rather than deleted, because links may point at it.
    """

    __tablename__ = "expected_payments"
    __table_args__ = (
        UniqueConstraint("voucher_id", "position"),
        Index("ix_expected_payments_tenant_id_active", "tenant_id", "active"),
        # A matching run reads only the open payments (``settled`` false) from this index.
        Index("ix_expected_payments_tenant_id_settled", "tenant_id", "settled", "active", "kind"),
        # A matching run reads the payments of the vouchers a sync wrote by this index.
        Index("ix_expected_payments_tenant_id_voucher_id", "tenant_id", "voucher_id"),
        # The overviews' counts read a voucher's payments from this index alone.
        Index(
            "ix_expected_payments_voucher_id_active",
            "voucher_id",
            "active",
            "tenant_id",
            "kind",
            "unmatched_reason",
            "id",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"))
    # The payment item's position, or 0 for a voucher without items.
    position: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[PaymentKind] = mapped_column(string_enum("expected_payment_kind", PAYMENT_KINDS))
    amount_cents: Mapped[int] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    paid_date: Mapped[date | None] = mapped_column(Date)
    skonto_cents: Mapped[int] = mapped_column(Cents, default=0)
    settled_otherwise_cents: Mapped[int] = mapped_column(Cents, default=0)
    has_items: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Kept with the links (``store.matching_state``): a confirmed or automatic link to a
    # real (not external) transaction settles the payment.
    settled: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set by the last matching run: "no_candidate", "below_threshold" or
    # "awaiting_lines" (``domain.matching.UnmatchedReason``), else NULL.
    unmatched_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentLink(Base):
    """An expected payment ↔ bank transaction pair with its status and evidence."""

    __tablename__ = "links"
    __table_args__ = (
        Index("ix_links_tenant_id_status", "tenant_id", "status"),
        Index("ix_links_expected_payment_id", "expected_payment_id"),
        Index("ix_links_bank_transaction_id", "bank_transaction_id"),
        Index("ix_links_tenant_id_batch_id", "tenant_id", "batch_id"),
        # A matching run reads the links of the transactions still open by this index.
        Index("ix_links_tenant_id_bank_transaction_id", "tenant_id", "bank_transaction_id"),
        # The overviews' counts group a tenant's links per payment from this index alone.
        Index(
            "ix_links_tenant_id_expected_payment_id",
            "tenant_id",
            "expected_payment_id",
            "status",
            "bank_transaction_id",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    expected_payment_id: Mapped[str] = mapped_column(ForeignKey("expected_payments.id"))
    bank_transaction_id: Mapped[str] = mapped_column(ForeignKey("bank_transactions.id"))
    allocated_cents: Mapped[int] = mapped_column(Cents)
    # The part of the expected payment this link leaves open: expected − allocated, ≥ 0.
    difference_cents: Mapped[int] = mapped_column(Cents, default=0)
    difference_reason: Mapped[str | None] = mapped_column(String(32))
    # The old status is loaded before a change: the stored match state follows it.
    status: Mapped[LinkStatus] = mapped_column(
        enum_of(LinkStatus, "link_status"), active_history=True
    )
    score: Mapped[float | None] = mapped_column(Float)
    features: Mapped[dict[str, Any] | None] = mapped_column(json_document(nullable=True))
    reasons: Mapped[list[str]] = mapped_column(json_document())
    engine_version: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(255))
    # Why the status last changed, e.g. „ersetzt durch echte Transaktion“.
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Links confirmed together ("Alle sicheren Vorschläge bestätigen") share an id.
    batch_id: Mapped[str | None] = mapped_column(String(36))
    # A confirmed link whose line a return undid (the collection came back): that
    # return's transaction id; the person decides (``matching.service``).
    returned_by_txn_id: Mapped[str | None] = mapped_column(String(36))
    # When a person checked that return and kept the link („Zuordnung beibehalten“);
    # a later, other return clears it.
    return_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IbanContactMemory(Base):
    """Learned evidence: this IBAN or creditor id paid for this contact."""

    __tablename__ = "iban_contact_memory"
    __table_args__ = (UniqueConstraint("tenant_id", "iban", "contact_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    iban: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[str] = mapped_column(String(64))
    confirmations: Mapped[int] = mapped_column(Integer, default=0)
    rejections: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactPayer(Base):
    """What confirmed and automatic links to real transactions taught about a contact's
    payers, kept with the links (``store.matching_state``): per account holder (IBAN,
    creditor id, name; "" when the line had none) one row with ``amount_cents`` 0 over
    all amounts, and one row per absolute amount of the lines. ``links`` counts the
    links, ``last_booking_date`` is the latest line's booking date."""

    __tablename__ = "contact_payers"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "amount_cents",
            "contact_id",
            "iban",
            "creditor_id",
            "payer_name",
            name="uq_contact_payers_payer",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    contact_id: Mapped[str] = mapped_column(String(64))
    amount_cents: Mapped[int] = mapped_column(Cents)
    iban: Mapped[str] = mapped_column(String(34))
    creditor_id: Mapped[str] = mapped_column(String(64))
    payer_name: Mapped[str] = mapped_column(String(255))
    links: Mapped[int] = mapped_column(Integer)
    last_booking_date: Mapped[date] = mapped_column(Date)
