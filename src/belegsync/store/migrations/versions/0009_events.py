"""Events: Lexware webhook events (deduplicated) and the event subscriptions we keep.

Revision ID: 0009_events
Revises: 0004_matching
Create Date: 2026-12-02 01:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_events"
down_revision: str | None = "0004_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "lexware_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("event_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=True),
        sa.Column(
            "status",
            _enum("lexware_event_status", "pending", "folded", "done", "ignored"),
            nullable=False,
        ),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_lexware_events_connection_id_connections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexware_events")),
        sa.UniqueConstraint("digest", name=op.f("uq_lexware_events_digest")),
    )
    with op.batch_alter_table("lexware_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lexware_events_connection_id_status", ["connection_id", "status"], unique=False
        )
    op.create_table(
        "event_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("subscription_id", sa.String(length=64), nullable=True),
        sa.Column("callback_url", sa.String(length=500), nullable=False),
        sa.Column("status", _enum("event_subscription_status", "active", "failed"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("key_marker", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_event_subscriptions_connection_id_connections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_subscriptions")),
        sa.UniqueConstraint(
            "connection_id",
            "event_type",
            name=op.f("uq_event_subscriptions_connection_id_event_type"),
        ),
    )


def downgrade() -> None:
    op.drop_table("event_subscriptions")
    with op.batch_alter_table("lexware_events", schema=None) as batch_op:
        batch_op.drop_index("ix_lexware_events_connection_id_status")
    op.drop_table("lexware_events")
