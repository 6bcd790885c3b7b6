"""The accounting connection of a tenant to Lexware Office (one per tenant)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from belegsync.store.enums import (
    CONNECTION_STATES,
    FAILURE_REASONS,
    TAX_ADVISOR_ACCESS_STATES,
    ConnectionState,
    FailureReason,
    TaxAdvisorAccess,
)
from belegsync.store.models.base import Base, new_id
from belegsync.store.types import UTCDateTime, string_enum

DEFAULT_LEXWARE_BASE_URL = "https://api.lexware.io"


class Connection(Base):
    __tablename__ = "connections"
    __table_args__ = (
        # A reason only makes sense while the connection is failed.
        CheckConstraint(
            "failure_reason IS NULL OR state = 'failed'", name="failure_reason_only_when_failed"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), unique=True)
    state: Mapped[ConnectionState] = mapped_column(
        string_enum("connection_state", CONNECTION_STATES), default="none"
    )
    failure_reason: Mapped[FailureReason | None] = mapped_column(
        string_enum("failure_reason", FAILURE_REASONS)
    )
    failure_detail: Mapped[str | None] = mapped_column(Text)
    # Fernet token; the plaintext key never reaches this layer.
    encrypted_api_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_last4: Mapped[str | None] = mapped_column(String(4))
    key_expires_on: Mapped[date | None] = mapped_column(Date)
    base_url: Mapped[str] = mapped_column(String(500), default=DEFAULT_LEXWARE_BASE_URL)
    organization_id: Mapped[str | None] = mapped_column(String(64))
    company_name: Mapped[str | None] = mapped_column(String(255))
    lexware_connection_id: Mapped[str | None] = mapped_column(String(64))
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Highest voucher updatedDate seen by the last successful run (for incremental runs).
    last_sync_watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    success_banner_pending: Mapped[bool] = mapped_column(default=False)
    tax_advisor_access: Mapped[TaxAdvisorAccess] = mapped_column(
        string_enum("tax_advisor_access", TAX_ADVISOR_ACCESS_STATES), default="not_set_up"
    )
    expiry_warned_30: Mapped[bool] = mapped_column(default=False)
    expiry_warned_7: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        # Deliberately leaves out the encrypted key.
        return f"Connection(id={self.id!r}, tenant_id={self.tenant_id!r}, state={self.state!r})"
