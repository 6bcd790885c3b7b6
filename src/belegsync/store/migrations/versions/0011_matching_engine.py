"""Matching engine: index vouchers by contact (the link history of open contacts).

Revision ID: 0011_matching_engine
Revises: 0008_links
Create Date: 2026-12-02 02:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_matching_engine"
down_revision: str | None = "0008_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vouchers_tenant_id_contact_id", ["tenant_id", "contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.drop_index("ix_vouchers_tenant_id_contact_id")
