"""Lexware contacts' numbers: the customer number a customer's transfer may cite.

Matching reads a sales voucher's customer number with its contact ("Sammelzahlung Kd
10051"); the sync reads the numbers from ``GET /v1/contacts`` for the contacts its
vouchers name. Nothing existing changes: the table fills with the next sync.

Revision ID: 0023_lexware_contacts
Revises: 0022_payment_advices
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_lexware_contacts"
down_revision: str | None = "0022_payment_advices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lexware_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("lexware_id", sa.String(length=64), nullable=False),
        sa.Column("customer_number", sa.BigInteger(), nullable=True),
        sa.Column("vendor_number", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_lexware_contacts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexware_contacts")),
        sa.UniqueConstraint(
            "tenant_id", "lexware_id", name=op.f("uq_lexware_contacts_tenant_id_lexware_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("lexware_contacts")
