"""Synced vouchers, their received versions, payment items and files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belegsync.store.enums import REVIEW_REASONS, ReviewReason
from belegsync.store.models.base import Base, new_id
from belegsync.store.types import Cents, UTCDateTime, json_document, string_enum


class Voucher(Base):
    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "lexware_id"),
        Index("ix_vouchers_tenant_id_voucher_date", "tenant_id", "voucher_date"),
        Index("ix_vouchers_tenant_id_review_reason", "tenant_id", "review_reason"),
        # matching reads what confirmed links taught about the open vouchers' contacts
        Index("ix_vouchers_tenant_id_contact_id", "tenant_id", "contact_id"),
        # The Belege list sorts by these too.
        Index("ix_vouchers_tenant_id_paid_date", "tenant_id", "paid_date"),
        Index("ix_vouchers_tenant_id_voucher_number", "tenant_id", "voucher_number"),
        # The overviews' counts read a tenant's vouchers from this index alone (the rows
        # carry the raw JSON and are slow to read in bulk).
        Index("ix_vouchers_tenant_id_id", "tenant_id", "id", "voucher_date", "review_reason"),
        # matching finds the vouchers whose expected payments must be rebuilt
        Index("ix_vouchers_tenant_id_payments_stale", "tenant_id", "payments_stale"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    lexware_id: Mapped[str] = mapped_column(String(64))
    voucher_type: Mapped[str] = mapped_column(String(32))
    voucher_status: Mapped[str] = mapped_column(String(32))
    voucher_number: Mapped[str | None] = mapped_column(String(255))
    voucher_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_id: Mapped[str | None] = mapped_column(String(64))
    total_gross_cents: Mapped[int] = mapped_column(Cents)
    total_tax_cents: Mapped[int | None] = mapped_column(Cents)
    open_amount_cents: Mapped[int | None] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # The Europe/Berlin calendar day of the payment, never a UTC date.
    paid_date: Mapped[date | None] = mapped_column(Date)
    lexware_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lexware_version: Mapped[int | None] = mapped_column(Integer)
    raw_json: Mapped[dict[str, Any]] = mapped_column(json_document())
    raw_list_json: Mapped[dict[str, Any] | None] = mapped_column(json_document(nullable=True))
    raw_payments_json: Mapped[dict[str, Any] | None] = mapped_column(json_document(nullable=True))
    review_reason: Mapped[ReviewReason | None] = mapped_column(
        string_enum("review_reason", REVIEW_REASONS)
    )
    review_detail: Mapped[str | None] = mapped_column(Text)
    review_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_synced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_synced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # sha256 over the canonical raw detail and payments JSON: equal hash = unchanged.
    content_hash: Mapped[str] = mapped_column(String(64))
    # Not NULL: the expected payments (``expected_payments``) must be rebuilt from this
    # row. Every write that can change them (new voucher, changed content, list status
    # change, review flag) sets a fresh token in its own transaction; the rebuild clears
    # it only if the token is still the one it read (a write in between keeps it stale).
    payments_stale: Mapped[str | None] = mapped_column(String(36), default=new_id)

    versions: Mapped[list[VoucherVersion]] = relationship(
        back_populates="voucher",
        lazy="raise",
        order_by="VoucherVersion.id",
        passive_deletes=True,
    )
    payment_items: Mapped[list[PaymentItem]] = relationship(
        back_populates="voucher",
        lazy="raise",
        order_by="PaymentItem.position",
        passive_deletes=True,
    )
    files: Mapped[list[VoucherFile]] = relationship(
        back_populates="voucher",
        lazy="raise",
        order_by="VoucherFile.lexware_file_id",
        passive_deletes=True,
    )


class VoucherVersion(Base):
    """A snapshot of a voucher as received; rows are only ever added, never changed."""

    __tablename__ = "voucher_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voucher_id: Mapped[str] = mapped_column(
        ForeignKey("vouchers.id", ondelete="CASCADE"), index=True
    )
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lexware_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lexware_version: Mapped[int | None] = mapped_column(Integer)
    voucher_status: Mapped[str] = mapped_column(String(32))
    raw_json: Mapped[dict[str, Any]] = mapped_column(json_document())
    raw_payments_json: Mapped[dict[str, Any] | None] = mapped_column(json_document(nullable=True))
    content_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)

    voucher: Mapped[Voucher] = relationship(back_populates="versions", lazy="raise")


class PaymentItem(Base):
    __tablename__ = "payment_items"
    __table_args__ = (UniqueConstraint("voucher_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    payment_item_type: Mapped[str] = mapped_column(String(64))
    posting_date: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")

    voucher: Mapped[Voucher] = relationship(back_populates="payment_items", lazy="raise")


class VoucherFile(Base):
    """A file of a voucher; the bytes live in the content-addressed file store under sha256."""

    __tablename__ = "voucher_files"
    __table_args__ = (UniqueConstraint("voucher_id", "lexware_file_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id", ondelete="CASCADE"))
    # The Lexware file id, or for rendered sales vouchers e.g. "<voucher id>:pdf".
    lexware_file_id: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(127))
    filename: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    voucher: Mapped[Voucher] = relationship(back_populates="files", lazy="raise")


class LexwareContact(Base):
    """The numbers Lexware gave a contact of the client's vouchers: a customer's
    transfer may cite the customer number printed on its invoices ("Kd 10051"). Read
    from ``GET /v1/contacts`` when a synced voucher names a contact not known here; a
    contact Lexware did not list (deleted since) is kept without numbers, so it is not
    asked for again."""

    __tablename__ = "lexware_contacts"
    __table_args__ = (UniqueConstraint("tenant_id", "lexware_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    lexware_id: Mapped[str] = mapped_column(String(64))
    customer_number: Mapped[int | None] = mapped_column(BigInteger)
    vendor_number: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(255))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime)
