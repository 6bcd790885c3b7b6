"""What matching reads of each bank line's texts, kept with the line.

Every matching run hashed the payer names and accounts of all lines and searched all
purposes for markers and numbers; lines never change after import, so the first run
that reads a line works these out (``matching.line_keys``) and stores them in one
column. It starts empty: the next run keys every line once.

Revision ID: 0024_line_keys
Revises: 0023_lexware_contacts
Create Date: 2026-12-04 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_line_keys"
down_revision: str | None = "0023_lexware_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bank_transactions") as batch:
        batch.add_column(sa.Column("line_keys", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bank_transactions") as batch:
        batch.drop_column("line_keys")
