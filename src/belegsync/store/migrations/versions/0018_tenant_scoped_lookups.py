"""Indexes for reading a tenant's rows by id lists: expected payments by voucher, links
by bank transaction.

A matching run after a push or a sync reads the expected payments of the vouchers the
sync wrote and the links of the transactions still open, each scoped to the tenant. With
only (tenant_id, …) indexes to choose from, SQLite walked all of the tenant's rows for
them: a cost that grew with every voucher the client ever had (about 15 ms each at
20,000 vouchers). With the tenant and the id in one index each list is a few lookups.

Revision ID: 0018_tenant_scoped_lookups
Revises: 0017_payments_stale
Create Date: 2026-12-02 17:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018_tenant_scoped_lookups"
down_revision: str | None = "0017_payments_stale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_expected_payments_tenant_id_voucher_id",
        "expected_payments",
        ["tenant_id", "voucher_id"],
    )
    op.create_index(
        "ix_links_tenant_id_bank_transaction_id", "links", ["tenant_id", "bank_transaction_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_links_tenant_id_bank_transaction_id", table_name="links")
    op.drop_index("ix_expected_payments_tenant_id_voucher_id", table_name="expected_payments")
