"""Bank statements as real banks write them: identifiers kept as written and marked,
statements with their periods and balances, the CSV mapping per account, upload drafts.

Revision ID: 0006_banking_real
Revises: 0004_matching
Create Date: 2026-12-02 01:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_banking_real"
down_revision: str | None = "0004_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bank_accounts") as batch:
        batch.add_column(
            sa.Column("identifier_valid", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("csv_mapping", sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table("bank_transactions") as batch:
        batch.add_column(sa.Column("identifier_issues", sa.JSON(none_as_null=True), nullable=True))
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("statement_import_id", sa.String(length=36), nullable=True),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("opening_balance_cents", sa.BigInteger(), nullable=True),
        sa.Column("closing_balance_cents", sa.BigInteger(), nullable=True),
        sa.Column("transaction_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_bank_statements_account_id_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_import_id"],
            ["statement_imports.id"],
            name=op.f("fk_bank_statements_statement_import_id_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bank_statements_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
    )
    op.create_index(
        "ix_bank_statements_account_id_period_to",
        "bank_statements",
        ["account_id", "period_to"],
    )
    op.create_table(
        "bank_upload_drafts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bank_upload_drafts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_upload_drafts")),
    )
    op.create_index(
        "ix_bank_upload_drafts_tenant_id_created_at",
        "bank_upload_drafts",
        ["tenant_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_bank_upload_drafts_tenant_id_created_at", table_name="bank_upload_drafts")
    op.drop_table("bank_upload_drafts")
    op.drop_index("ix_bank_statements_account_id_period_to", table_name="bank_statements")
    op.drop_table("bank_statements")
    with op.batch_alter_table("bank_transactions") as batch:
        batch.drop_column("identifier_issues")
    with op.batch_alter_table("bank_accounts") as batch:
        batch.drop_column("csv_mapping")
        batch.drop_column("identifier_valid")
