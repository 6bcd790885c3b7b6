"""Bank accounts, their transactions and the statement files they were imported from."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final, Literal, get_args

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from belegsync.store.models.base import Base, new_id
from belegsync.store.types import Cents, UTCDateTime, json_document, string_enum

TransactionSource = Literal["connection", "file", "external"]
TransactionStatus = Literal["booked", "pending"]
TRANSACTION_SOURCES: Final[tuple[str, ...]] = get_args(TransactionSource)
TRANSACTION_STATUSES: Final[tuple[str, ...]] = get_args(TransactionStatus)


class BankAccount(Base):
    """An account of a tenant. ``connected``: the firm's bank connection feeds it;
    accounts first seen in an uploaded statement are not connected."""

    __tablename__ = "bank_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "iban"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    # Compact (no spaces). Validated with schwifty; an identifier that fails validation
    # (checksum, legacy Kontonummer) is kept as written and ``identifier_valid`` is false.
    iban: Mapped[str] = mapped_column(String(34))
    identifier_valid: Mapped[bool] = mapped_column(default=True, server_default=true())
    name: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    bic: Mapped[str | None] = mapped_column(String(11))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    connected: Mapped[bool] = mapped_column(default=False)
    # The CSV column mapping the user chose for this account's exports (JSON form).
    csv_mapping: Mapped[dict[str, Any] | None] = mapped_column(json_document(nullable=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatementImport(Base):
    """One uploaded statement file (kept as metadata; the transactions point here)."""

    __tablename__ = "statement_imports"
    __table_args__ = (
        Index("ix_statement_imports_tenant_id_created_at", "tenant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(64))
    added_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BankTransaction(Base):
    __tablename__ = "bank_transactions"
    __table_args__ = (
        # Idempotent imports: the same booking (same stable fields and twin index) is
        # stored once per account, whichever file or push brought it.
        UniqueConstraint("account_id", "import_hash"),
        Index("ix_bank_transactions_tenant_id_booking_date", "tenant_id", "booking_date"),
        Index("ix_bank_transactions_account_id_amount_cents", "account_id", "amount_cents"),
        # The overviews find a tenant's few external transactions without reading the rest.
        Index("ix_bank_transactions_tenant_id_source", "tenant_id", "source", "id"),
        # A matching run reads only the lines with money left (``used_up`` false).
        Index("ix_bank_transactions_tenant_id_used_up", "tenant_id", "used_up", "booking_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    statement_import_id: Mapped[str | None] = mapped_column(ForeignKey("statement_imports.id"))
    source: Mapped[TransactionSource] = mapped_column(
        string_enum("bank_transaction_source", TRANSACTION_SOURCES)
    )
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Cents)
    currency: Mapped[str] = mapped_column(String(3))
    counterparty_name: Mapped[str | None] = mapped_column(String(255))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    counterparty_bic: Mapped[str | None] = mapped_column(String(11))
    # Verwendungszweck, lines joined; the lines as delivered are kept alongside.
    remittance: Mapped[str] = mapped_column(Text, default="")
    remittance_lines: Mapped[list[str]] = mapped_column(json_document())
    end_to_end_id: Mapped[str | None] = mapped_column(String(140))
    mandate_reference: Mapped[str | None] = mapped_column(String(140))
    creditor_id: Mapped[str | None] = mapped_column(String(64))
    bank_reference: Mapped[str | None] = mapped_column(String(140))
    batch_reference: Mapped[str | None] = mapped_column(String(140))
    status: Mapped[TransactionStatus] = mapped_column(
        string_enum("bank_transaction_status", TRANSACTION_STATUSES), default="booked"
    )
    original_amount_cents: Mapped[int | None] = mapped_column(Cents)
    original_currency: Mapped[str | None] = mapped_column(String(3))
    is_reversal: Mapped[bool] = mapped_column(default=False)
    # Kept with the links (``store.matching_state``): confirmed and automatic links
    # allocate the whole amount.
    used_up: Mapped[bool] = mapped_column(default=False, server_default=false())
    purpose_code: Mapped[str | None] = mapped_column(String(16))
    booking_text: Mapped[str | None] = mapped_column(String(255))
    import_hash: Mapped[str] = mapped_column(String(64))
    # Identifiers kept as written although they failed validation, e.g.
    # ["counterparty_iban_invalid"]; NULL when everything validated.
    identifier_issues: Mapped[list[str] | None] = mapped_column(json_document(nullable=True))
    # What matching reads of the texts (``matching.line_keys``: keys of the payer name
    # and accounts, the purpose's markers and numbers, with the derivation's version),
    # worked out by the first run that reads the line: the next runs read this instead
    # of a million texts. NULL: not keyed yet.
    line_keys: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BankStatement(Base):
    """One statement (CAMT ``Stmt``, MT940 ``:20:`` block, one CSV export) of an account:
    the period it covers and its balances, for the accounts page (coverage, gaps)."""

    __tablename__ = "bank_statements"
    __table_args__ = (Index("ix_bank_statements_account_id_period_to", "account_id", "period_to"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    account_id: Mapped[str] = mapped_column(ForeignKey("bank_accounts.id"))
    statement_import_id: Mapped[str | None] = mapped_column(ForeignKey("statement_imports.id"))
    format: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(140))
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    opening_balance_cents: Mapped[int | None] = mapped_column(Cents)
    closing_balance_cents: Mapped[int | None] = mapped_column(Cents)
    transaction_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BankUploadDraft(Base):
    """An uploaded file waiting for the user's choices (account, format, CSV columns)."""

    __tablename__ = "bank_upload_drafts"
    __table_args__ = (
        Index("ix_bank_upload_drafts_tenant_id_created_at", "tenant_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentAdvice(Base):
    """The invoices behind one bank line, from a payout or settlement advice or the
    client's own collection file (``domain.advice``). Waits with no line
    (``bank_transaction_id`` NULL) until a statement brings the line it describes;
    matching reads its items with the line's purpose."""

    __tablename__ = "payment_advices"
    __table_args__ = (
        # a line has one breakdown; the same advice uploaded twice is stored once
        UniqueConstraint("bank_transaction_id"),
        UniqueConstraint("tenant_id", "fingerprint"),
        Index(
            "ix_payment_advices_tenant_id_bank_transaction_id", "tenant_id", "bank_transaction_id"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    bank_transaction_id: Mapped[str | None] = mapped_column(ForeignKey("bank_transactions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(140), default="")
    advice_date: Mapped[date | None] = mapped_column(Date)
    credit: Mapped[bool] = mapped_column(default=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    paid_cents: Mapped[int] = mapped_column(Cents)
    # [{"reference", "amount_cents", "paid_cents", "name", "end_to_end_id"}, …]
    items: Mapped[list[dict[str, Any]]] = mapped_column(json_document())
    # sha256 of the advice's content: the same advice uploaded again is no new one
    fingerprint: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
