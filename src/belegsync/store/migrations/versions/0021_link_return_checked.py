"""A person who checked a returned collection may keep the link.

A confirmed link whose line a return undid names that return (``returned_by_txn_id``,
0020) and is shown „Zurückgebucht – bitte prüfen“ until the person decides: undo the
link, or keep it („Zuordnung beibehalten“, e.g. the customer paid the invoice in
cash after the return). Keeping it stamps ``return_checked_at``; the notice then
gives way to a note, and the same return is never shown for checking again.
Existing links have checked nothing.

Revision ID: 0021_link_return_checked
Revises: 0020_link_returned_by
Create Date: 2026-12-04 11:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_link_return_checked"
down_revision: str | None = "0020_link_returned_by"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("return_checked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_column("return_checked_at")
