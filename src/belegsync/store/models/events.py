"""Lexware events received through webhooks, and the event subscriptions we keep."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from belegsync.store.models.base import Base
from belegsync.store.types import UTCDateTime, string_enum

EVENT_STATES = ("pending", "folded", "done", "ignored")
SUBSCRIPTION_STATES = ("active", "failed")


class LexwareEvent(Base):
    """One signed callback, stored before it is acted on.

    ``digest`` (SHA-256 of the four payload fields) is unique: a replay or a second
    delivery of the same event is recognised and changes nothing.
    """

    __tablename__ = "lexware_events"
    __table_args__ = (Index("ix_lexware_events_connection_id_status", "connection_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(64))
    event_date: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("connections.id"))
    status: Mapped[str] = mapped_column(string_enum("lexware_event_status", EVENT_STATES))
    # The sync run the event was folded into, and what it did with it.
    run_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str | None] = mapped_column(String(64))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventSubscription(Base):
    """One Lexware event subscription of a connection (one row per event type)."""

    __tablename__ = "event_subscriptions"
    __table_args__ = (UniqueConstraint("connection_id", "event_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[str | None] = mapped_column(String(64))
    callback_url: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(
        string_enum("event_subscription_status", SUBSCRIPTION_STATES)
    )
    error: Mapped[str | None] = mapped_column(Text)
    # Which stored key the check was made with (a digest of the encrypted key): a new
    # key is checked again at once.
    key_marker: Mapped[str] = mapped_column(String(32))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
