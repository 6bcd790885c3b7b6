"""Indexes for the web lists: Belege sorted by paid date or number, support requests and
the outbox across all clients by date.

Revision ID: 0012_web_ui
Revises: 0004_matching
Create Date: 2026-12-02 02:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_web_ui"
down_revision: str | None = "0004_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_vouchers_tenant_id_paid_date", "vouchers", ["tenant_id", "paid_date"]),
    ("ix_vouchers_tenant_id_voucher_number", "vouchers", ["tenant_id", "voucher_number"]),
    ("ix_support_requests_created_at", "support_requests", ["created_at"]),
    ("ix_outbox_created_at", "outbox", ["created_at"]),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
