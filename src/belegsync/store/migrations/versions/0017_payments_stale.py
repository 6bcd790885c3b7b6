"""Per-voucher marker "expected payments stale": matching after a sync rebuilds the
expected payments of the vouchers the sync wrote, not of every voucher.

Existing vouchers start stale: the first matching after the upgrade rebuilds them all
once (a sync killed before its matching may have left some behind).

Revision ID: 0017_payments_stale
Revises: 0016_match_state
Create Date: 2026-12-02 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_payments_stale"
down_revision: str | None = "0016_match_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Any token works: each later write sets a fresh one.
_MIGRATED = "0017_payments_stale"


def upgrade() -> None:
    with op.batch_alter_table("vouchers") as batch:
        batch.add_column(sa.Column("payments_stale", sa.String(length=36), nullable=True))
        batch.create_index("ix_vouchers_tenant_id_payments_stale", ["tenant_id", "payments_stale"])
    vouchers = sa.table("vouchers", sa.column("payments_stale", sa.String))
    op.execute(vouchers.update().values(payments_stale=_MIGRATED))


def downgrade() -> None:
    with op.batch_alter_table("vouchers") as batch:
        batch.drop_index("ix_vouchers_tenant_id_payments_stale")
        batch.drop_column("payments_stale")
