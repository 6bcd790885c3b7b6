"""Banking: bank accounts, statement imports, bank transactions.

Revision ID: 0003_banking
Revises: 0002_web
Create Date: 2026-11-24 07:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_banking"
down_revision: str | None = "0002_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bank_name", sa.String(length=200), nullable=True),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bank_accounts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_accounts")),
        sa.UniqueConstraint("tenant_id", "iban", name=op.f("uq_bank_accounts_tenant_id_iban")),
    )
    op.create_table(
        "statement_imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("added_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_statement_imports_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_imports")),
    )
    with op.batch_alter_table("statement_imports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statement_imports_tenant_id_created_at", ["tenant_id", "created_at"], unique=False
        )

    op.create_table(
        "bank_transactions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("statement_import_id", sa.String(length=36), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "connection",
                "file",
                "external",
                name="bank_transaction_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("counterparty_name", sa.String(length=255), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=True),
        sa.Column("counterparty_bic", sa.String(length=11), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=False),
        sa.Column("remittance_lines", sa.JSON(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=140), nullable=True),
        sa.Column("mandate_reference", sa.String(length=140), nullable=True),
        sa.Column("creditor_id", sa.String(length=64), nullable=True),
        sa.Column("bank_reference", sa.String(length=140), nullable=True),
        sa.Column("batch_reference", sa.String(length=140), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "pending",
                name="bank_transaction_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("original_amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("original_currency", sa.String(length=3), nullable=True),
        sa.Column("is_reversal", sa.Boolean(), nullable=False),
        sa.Column("purpose_code", sa.String(length=16), nullable=True),
        sa.Column("booking_text", sa.String(length=255), nullable=True),
        sa.Column("import_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_bank_transactions_account_id_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_import_id"],
            ["statement_imports.id"],
            name=op.f("fk_bank_transactions_statement_import_id_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bank_transactions_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_transactions")),
        sa.UniqueConstraint(
            "account_id", "import_hash", name=op.f("uq_bank_transactions_account_id_import_hash")
        ),
    )
    with op.batch_alter_table("bank_transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_transactions_account_id_amount_cents",
            ["account_id", "amount_cents"],
            unique=False,
        )
        batch_op.create_index(
            "ix_bank_transactions_tenant_id_booking_date",
            ["tenant_id", "booking_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("bank_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_transactions_tenant_id_booking_date")
        batch_op.drop_index("ix_bank_transactions_account_id_amount_cents")

    op.drop_table("bank_transactions")
    with op.batch_alter_table("statement_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_statement_imports_tenant_id_created_at")

    op.drop_table("statement_imports")
    op.drop_table("bank_accounts")
