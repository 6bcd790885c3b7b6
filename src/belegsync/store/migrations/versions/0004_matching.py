"""Matching: expected payments, links, IBAN → contact memory.

Revision ID: 0004_matching
Revises: 0003_banking
Create Date: 2026-11-24 07:18:24.277297
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_matching"
down_revision: str | None = "0003_banking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "iban_contact_memory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("iban", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_iban_contact_memory_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iban_contact_memory")),
        sa.UniqueConstraint(
            "tenant_id",
            "iban",
            "contact_id",
            name=op.f("uq_iban_contact_memory_tenant_id_iban_contact_id"),
        ),
    )
    op.create_table(
        "expected_payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("voucher_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=64), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "bank",
                "cash",
                name="expected_payment_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("skonto_cents", sa.BigInteger(), nullable=False),
        sa.Column("settled_otherwise_cents", sa.BigInteger(), nullable=False),
        sa.Column("has_items", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("unmatched_reason", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_expected_payments_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["vouchers.id"], name=op.f("fk_expected_payments_voucher_id_vouchers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expected_payments")),
        sa.UniqueConstraint(
            "voucher_id", "position", name=op.f("uq_expected_payments_voucher_id_position")
        ),
    )
    with op.batch_alter_table("expected_payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_expected_payments_tenant_id_active", ["tenant_id", "active"], unique=False
        )

    op.create_table(
        "links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("expected_payment_id", sa.String(length=36), nullable=False),
        sa.Column("bank_transaction_id", sa.String(length=36), nullable=False),
        sa.Column("allocated_cents", sa.BigInteger(), nullable=False),
        sa.Column("difference_cents", sa.BigInteger(), nullable=False),
        sa.Column("difference_reason", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "suggested",
                "auto_confirmed",
                "confirmed",
                "rejected",
                "undone",
                name="link_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("features", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("engine_version", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_transaction_id"],
            ["bank_transactions.id"],
            name=op.f("fk_links_bank_transaction_id_bank_transactions"),
        ),
        sa.ForeignKeyConstraint(
            ["expected_payment_id"],
            ["expected_payments.id"],
            name=op.f("fk_links_expected_payment_id_expected_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_links_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_links_bank_transaction_id", ["bank_transaction_id"], unique=False)
        batch_op.create_index("ix_links_expected_payment_id", ["expected_payment_id"], unique=False)
        batch_op.create_index("ix_links_tenant_id_status", ["tenant_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index("ix_links_tenant_id_status")
        batch_op.drop_index("ix_links_expected_payment_id")
        batch_op.drop_index("ix_links_bank_transaction_id")

    op.drop_table("links")
    with op.batch_alter_table("expected_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_expected_payments_tenant_id_active")

    op.drop_table("expected_payments")
    op.drop_table("iban_contact_memory")
