"""What the web app keeps: users, their sessions, login attempts, support requests, the
mail outbox, API tokens and the notices already sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from belegsync.store.models.base import Base, new_id
from belegsync.store.types import UTCDateTime, json_document, string_enum

UserRole = Literal["client", "staff"]
Locale = Literal["de", "en"]
OutboxStatus = Literal["pending", "sent", "failed"]
USER_ROLES: tuple[str, ...] = get_args(UserRole)
LOCALES: tuple[str, ...] = get_args(Locale)
OUTBOX_STATUSES: tuple[str, ...] = get_args(OutboxStatus)

# BIGINT on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # A client user belongs to exactly one tenant; staff see all tenants.
        CheckConstraint(
            "(role = 'client' AND tenant_id IS NOT NULL) OR (role = 'staff' AND tenant_id IS NULL)",
            name="tenant_matches_role",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Stored lower-cased; the login form lower-cases too.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(string_enum("user_role", USER_ROLES))
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    locale: Mapped[Locale] = mapped_column(string_enum("user_locale", LOCALES, length=2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A disabled login cannot sign in, and its sessions end.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, role={self.role!r}, tenant_id={self.tenant_id!r})"


class LoginAttempt(Base):
    """One login try; failures in the last minutes decide the throttle."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created_at", "email", "created_at"),
        Index("ix_login_attempts_ip_created_at", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupportRequest(Base):
    __tablename__ = "support_requests"
    __table_args__ = (
        Index("ix_support_requests_tenant_id_created_at", "tenant_id", "created_at"),
        # The staff list shows every client's requests by date.
        Index("ix_support_requests_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    contact_email: Mapped[str] = mapped_column(String(320))
    message: Mapped[str] = mapped_column(Text)
    # State, reason, last run, versions: never the key.
    diagnosis: Mapped[dict[str, Any]] = mapped_column(json_document())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """An e-mail: sent through SMTP when configured, otherwise waiting here for staff."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_created_at", "status", "created_at"),
        Index("ix_outbox_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(string_enum("outbox_status", OUTBOX_STATUSES))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A tenant's JSON API token; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so staff can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeSent(Base):
    """A notice to a client (key expiry, failed connection) that must go out only once."""

    __tablename__ = "notices_sent"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "reference"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A browser session kept on the server; the cookie holds only its random id.

    The row's id is the sha256 of that id, so a copy of the table opens no session.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Idle expiry: moved forward on every request.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
