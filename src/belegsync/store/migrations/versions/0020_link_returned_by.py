"""A confirmed link whose line a return undid names that return.

The matching retires automatic links whose collection came back („zurückgebucht
(Rücklastschrift)“); a link a person confirmed is kept, and now names the return
(``returned_by_txn_id``) so the person is shown that the money came back and decides.
Existing links name none: the next matching run finds the returns among the open lines.

Revision ID: 0020_link_returned_by
Revises: 0019_provider_accounts_forgotten
Create Date: 2026-12-04 05:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_link_returned_by"
down_revision: str | None = "0019_provider_accounts_forgotten"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("returned_by_txn_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_column("returned_by_txn_id")
