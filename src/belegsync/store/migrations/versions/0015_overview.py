"""Indexes for the overviews' counts: a tenant's vouchers, their active payments, the
links per payment and the external transactions, each read from an index alone.

Revision ID: 0015_overview
Revises: 0013_one_head
Create Date: 2026-12-02 04:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_overview"
down_revision: str | None = "0013_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    (
        "ix_vouchers_tenant_id_id",
        "vouchers",
        ["tenant_id", "id", "voucher_date", "review_reason"],
    ),
    (
        "ix_expected_payments_voucher_id_active",
        "expected_payments",
        ["voucher_id", "active", "tenant_id", "kind", "unmatched_reason", "id"],
    ),
    (
        "ix_links_tenant_id_expected_payment_id",
        "links",
        ["tenant_id", "expected_payment_id", "status", "bank_transaction_id"],
    ),
    (
        "ix_bank_transactions_tenant_id_source",
        "bank_transactions",
        ["tenant_id", "source", "id"],
    ),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
