"""One head again: the lines of work of release 0.2.0 (sync, banking, links and the matching
engine, events, web sessions, web lists) meet here. Nothing changes in the schema.

Revision ID: 0013_one_head
Revises: 0005_sync, 0006_banking_real, 0009_events, 0010_web_sessions, 0011_matching_engine,
    0012_web_ui
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0013_one_head"
down_revision: str | Sequence[str] | None = (
    "0005_sync",
    "0006_banking_real",
    "0009_events",
    "0010_web_sessions",
    "0011_matching_engine",
    "0012_web_ui",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
