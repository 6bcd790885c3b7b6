"""The tenant's links version: a matching run computes outside a transaction.

Every transaction that writes a tenant's links takes the tenant's row first and counts
this up (``MatchingRepository.lock_links``). A matching run reads, computes its links
without holding a lock, and writes them only where the version is still the one it
read; else it runs again holding the lock.

Revision ID: 0025_links_version
Revises: 0024_line_keys
Create Date: 2026-12-05 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_links_version"
down_revision: str | None = "0024_line_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(
            sa.Column("links_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("links_version")
