"""Links: one meaning of ``difference_cents``; batches of bulk confirmations.

``difference_cents`` is the part of the expected payment a link leaves open
(``expected − allocated``, never negative). The engine always stored it so; links
created by hand or for an external transaction stored ``|bank| − expected`` (the
opposite sign). Those rows are rewritten. ``batch_id`` groups the links confirmed
by one "Alle sicheren Vorschläge bestätigen", so that they can be undone together.

Revision ID: 0008_links
Revises: 0004_matching
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008_links"
down_revision: str | None = "0004_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERSON_REASONS = ("manual", "external")

_links = sa.table(
    "links",
    sa.column("id", sa.String),
    sa.column("expected_payment_id", sa.String),
    sa.column("bank_transaction_id", sa.String),
    sa.column("allocated_cents", sa.BigInteger),
    sa.column("difference_cents", sa.BigInteger),
    sa.column("reasons", sa.JSON),
)
_payments = sa.table("expected_payments", sa.column("id", sa.String), sa.column("amount_cents"))
_txns = sa.table("bank_transactions", sa.column("id", sa.String), sa.column("amount_cents"))


def _person_links() -> list[Any]:
    query = (
        sa.select(
            _links.c.id,
            _links.c.reasons,
            _links.c.allocated_cents,
            _payments.c.amount_cents,
            _txns.c.amount_cents,
        )
        .join(_payments, _payments.c.id == _links.c.expected_payment_id)
        .join(_txns, _txns.c.id == _links.c.bank_transaction_id)
    )
    rows = op.get_bind().execute(query).all()
    return [row for row in rows if set(row[1] or ()) & set(_PERSON_REASONS)]


def _set_difference(link_id: str, cents: int) -> None:
    op.get_bind().execute(
        sa.update(_links).where(_links.c.id == link_id).values(difference_cents=cents)
    )


def upgrade() -> None:
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_links_tenant_id_batch_id", ["tenant_id", "batch_id"])
    for link_id, _, allocated, expected, _bank in _person_links():
        _set_difference(link_id, max(0, int(expected) - abs(int(allocated))))


def downgrade() -> None:
    for link_id, _, _allocated, expected, bank in _person_links():
        _set_difference(link_id, abs(int(bank)) - int(expected))
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index("ix_links_tenant_id_batch_id")
        batch_op.drop_column("batch_id")
