"""Sync runs with their live progress, report and per-voucher errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from belegsync.store.enums import (
    SYNC_RUN_STATUSES,
    SYNC_TRIGGERS,
    SyncRunStatus,
    SyncTrigger,
)
from belegsync.store.models.base import Base, new_id
from belegsync.store.types import UTCDateTime, json_document, string_enum

ONE_ACTIVE_RUN_INDEX = "uq_sync_runs_one_active_per_connection"
_ACTIVE = text("status IN ('queued', 'running')")


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        # At most one queued or running run per connection, enforced by the database so
        # that concurrent claims on SQLite and PostgreSQL let exactly one win.
        Index(
            ONE_ACTIVE_RUN_INDEX,
            "connection_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_sync_runs_tenant_id_queued_at", "tenant_id", "queued_at"),
        Index("ix_sync_runs_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    trigger: Mapped[SyncTrigger] = mapped_column(string_enum("sync_trigger", SYNC_TRIGGERS))
    status: Mapped[SyncRunStatus] = mapped_column(string_enum("sync_run_status", SYNC_RUN_STATUSES))
    full: Mapped[bool] = mapped_column(default=False)
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every progress update; a running run that stops bumping it is stale.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    flagged_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Resumable progress, e.g. {"stored": ["<lexware id>", ...]}.
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(json_document(nullable=True))
    report: Mapped[dict[str, Any] | None] = mapped_column(json_document(nullable=True))
    # The process that executes the run ("host:pid:start") and until when its lease holds;
    # the owner renews it while alive, so a dead owner's run is taken over at once.
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    errors: Mapped[list[SyncRunError]] = relationship(
        back_populates="run", lazy="raise", order_by="SyncRunError.id", passive_deletes=True
    )


class SyncRunError(Base):
    __tablename__ = "sync_run_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    voucher_lexware_id: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    run: Mapped[SyncRun] = relationship(back_populates="errors", lazy="raise")


class VoucherSyncFailure(Base):
    """A voucher whose fetch keeps failing with a client error (not auth, not 5xx).

    After a few attempts it is parked: incremental runs stop waiting for it (the
    watermark moves on) and it is retried on its own schedule (``next_attempt_at``).
    The row goes once the voucher is synced.
    """

    __tablename__ = "voucher_sync_failures"
    __table_args__ = (UniqueConstraint("tenant_id", "lexware_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    lexware_id: Mapped[str] = mapped_column(String(64))
    voucher_type: Mapped[str] = mapped_column(String(32))
    # The voucher list entry it was last seen with: what a retry starts from.
    list_json: Mapped[dict[str, Any]] = mapped_column(json_document())
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
