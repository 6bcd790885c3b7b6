"""Match state kept with the links: settled payments, used-up lines and a per-contact
payer summary, so a matching run after an import or push reads only what is new.

Existing rows are filled from the links (as ``store.matching_state`` computes them).

Revision ID: 0016_match_state
Revises: 0015_overview
Create Date: 2026-12-02 08:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_match_state"
down_revision: str | None = "0015_overview"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ALLOCATING = ("auto_confirmed", "confirmed")

# The tables as this revision sees them (no application models: they change later).
_links = sa.table(
    "links",
    sa.column("expected_payment_id", sa.String),
    sa.column("bank_transaction_id", sa.String),
    sa.column("allocated_cents", sa.BigInteger),
    sa.column("status", sa.String),
)
_payments = sa.table(
    "expected_payments",
    sa.column("id", sa.String),
    sa.column("voucher_id", sa.String),
    sa.column("settled", sa.Boolean),
)
_txns = sa.table(
    "bank_transactions",
    sa.column("id", sa.String),
    sa.column("amount_cents", sa.BigInteger),
    sa.column("source", sa.String),
    sa.column("counterparty_iban", sa.String),
    sa.column("creditor_id", sa.String),
    sa.column("counterparty_name", sa.String),
    sa.column("booking_date", sa.Date),
    sa.column("used_up", sa.Boolean),
)
_vouchers = sa.table(
    "vouchers",
    sa.column("id", sa.String),
    sa.column("tenant_id", sa.String),
    sa.column("contact_id", sa.String),
)
_SUMMARY = (
    "tenant_id",
    "contact_id",
    "amount_cents",
    "iban",
    "creditor_id",
    "payer_name",
    "links",
    "last_booking_date",
)


def _backfill() -> None:
    allocating = _links.c.status.in_(_ALLOCATING)
    real = sa.and_(_txns.c.id == _links.c.bank_transaction_id, _txns.c.source != "external")
    op.execute(
        _payments.update().values(
            settled=sa.exists().where(
                _links.c.expected_payment_id == _payments.c.id, allocating, real
            )
        )
    )
    allocated = (
        sa.select(sa.func.coalesce(sa.func.sum(_links.c.allocated_cents), 0))
        .where(_links.c.bank_transaction_id == _txns.c.id, allocating)
        .scalar_subquery()
    )
    op.execute(_txns.update().values(used_up=allocated >= sa.func.abs(_txns.c.amount_cents)))
    lines = (
        sa.select(
            _vouchers.c.tenant_id,
            _vouchers.c.contact_id,
            sa.func.coalesce(_txns.c.counterparty_iban, "").label("iban"),
            sa.func.coalesce(_txns.c.creditor_id, "").label("creditor_id"),
            sa.func.coalesce(_txns.c.counterparty_name, "").label("payer_name"),
            sa.func.abs(_txns.c.amount_cents).label("amount_cents"),
            _txns.c.booking_date,
        )
        .select_from(_links)
        .join(_payments, _payments.c.id == _links.c.expected_payment_id)
        .join(_vouchers, _vouchers.c.id == _payments.c.voucher_id)
        .join(_txns, _txns.c.id == _links.c.bank_transaction_id)
        .where(allocating, _txns.c.source != "external", _vouchers.c.contact_id.is_not(None))
        .subquery()
    )
    payer = (lines.c.iban, lines.c.creditor_id, lines.c.payer_name)
    per_amount = (
        sa.select(
            lines.c.tenant_id,
            lines.c.contact_id,
            lines.c.amount_cents,
            *payer,
            sa.func.count(),
            sa.func.max(lines.c.booking_date),
        )
        .where(lines.c.amount_cents != 0)
        .group_by(lines.c.tenant_id, lines.c.contact_id, lines.c.amount_cents, *payer)
    )
    per_payer = sa.select(
        lines.c.tenant_id,
        lines.c.contact_id,
        sa.literal(0, sa.BigInteger),
        *payer,
        sa.func.count(),
        sa.func.max(lines.c.booking_date),
    ).group_by(lines.c.tenant_id, lines.c.contact_id, *payer)
    summary = sa.table("contact_payers", *(sa.column(name) for name in _SUMMARY))
    for query in (per_amount, per_payer):
        op.execute(summary.insert().from_select(list(_SUMMARY), query))


def upgrade() -> None:
    with op.batch_alter_table("expected_payments") as batch:
        batch.add_column(
            sa.Column("settled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_index(
            "ix_expected_payments_tenant_id_settled", ["tenant_id", "settled", "active", "kind"]
        )
    with op.batch_alter_table("bank_transactions") as batch:
        batch.add_column(
            sa.Column("used_up", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_index(
            "ix_bank_transactions_tenant_id_used_up", ["tenant_id", "used_up", "booking_date"]
        )
    op.create_table(
        "contact_payers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("creditor_id", sa.String(length=64), nullable=False),
        sa.Column("payer_name", sa.String(length=255), nullable=False),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.Column("last_booking_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_contact_payers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_payers")),
        sa.UniqueConstraint(
            "tenant_id",
            "amount_cents",
            "contact_id",
            "iban",
            "creditor_id",
            "payer_name",
            name=op.f("uq_contact_payers_payer"),
        ),
    )
    _backfill()


def downgrade() -> None:
    op.drop_table("contact_payers")
    with op.batch_alter_table("bank_transactions") as batch:
        batch.drop_index("ix_bank_transactions_tenant_id_used_up")
        batch.drop_column("used_up")
    with op.batch_alter_table("expected_payments") as batch:
        batch.drop_index("ix_expected_payments_tenant_id_settled")
        batch.drop_column("settled")
