"""Payment advices: the invoices behind one bank line.

A billing service's payout, a central settlement office's transfer or the client's own
collection batch pays many invoices in one line and names none; the payer's advice
(CSV) or the client's pain.008/pain.001 file lists them. Each advice is kept with the
line it describes (``bank_transaction_id``), or waits without one until a statement
brings that line. Nothing existing changes.

Revision ID: 0022_payment_advices
Revises: 0021_link_return_checked
Create Date: 2026-12-04 14:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_payment_advices"
down_revision: str | None = "0021_link_return_checked"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_advices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("bank_transaction_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("advice_date", sa.Date(), nullable=True),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_payment_advices_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["bank_transaction_id"],
            ["bank_transactions.id"],
            name=op.f("fk_payment_advices_bank_transaction_id_bank_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_advices")),
        sa.UniqueConstraint(
            "bank_transaction_id", name=op.f("uq_payment_advices_bank_transaction_id")
        ),
        sa.UniqueConstraint(
            "tenant_id", "fingerprint", name=op.f("uq_payment_advices_tenant_id_fingerprint")
        ),
    )
    op.create_index(
        "ix_payment_advices_tenant_id_bank_transaction_id",
        "payment_advices",
        ["tenant_id", "bank_transaction_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_payment_advices_tenant_id_bank_transaction_id", table_name="payment_advices")
    op.drop_table("payment_advices")
