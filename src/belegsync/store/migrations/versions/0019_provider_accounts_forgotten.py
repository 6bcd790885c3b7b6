"""Forget payment providers' accounts learned as contacts' accounts.

Until 2026-12 confirming a link to a payment provider's line (a PayPal, Stripe, SumUp …
payout, or a purchase paid through one) taught the provider's IBAN as the contact's
account (``iban_contact_memory``). That account pays out for every customer who paid
that way: the next payout of the amount of one of the contact's open invoices was linked
automatically, as coming from a "known account". Confirmations no longer teach it; this
revision removes what they taught before: each memory row whose account is on a line of
the same client whose payer name or purpose names a provider — unless the contact's own
name names that provider (Amazon as a supplier: its account is its own).

The providers are those the matching knew at this revision (``matching.payouts``).
Nothing is restored on downgrade: the rows were wrong.

Revision ID: 0019_provider_accounts_forgotten
Revises: 0018_tenant_scoped_lookups
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_provider_accounts_forgotten"
down_revision: str | None = "0018_tenant_scoped_lookups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the providers' markers as the matching knew them at this revision
_MARKERS = ("PAYPAL", "STRIPE", "SUMUP", "ZETTLE", "MOLLIE", "KLARNA", "ADYEN", "AMAZON")
_CHUNK = 500

# The tables as this revision sees them (no application models: they change later).
_memory = sa.table(
    "iban_contact_memory",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.String),
    sa.column("iban", sa.String),
    sa.column("contact_id", sa.String),
)
_txns = sa.table(
    "bank_transactions",
    sa.column("tenant_id", sa.String),
    sa.column("counterparty_name", sa.String),
    sa.column("counterparty_iban", sa.String),
    sa.column("creditor_id", sa.String),
    sa.column("remittance", sa.String),
)
_vouchers = sa.table(
    "vouchers",
    sa.column("tenant_id", sa.String),
    sa.column("contact_id", sa.String),
    sa.column("contact_name", sa.String),
)


def _markers(*texts: str | None) -> frozenset[str]:
    joined = " ".join(t for t in texts if t).upper()
    return frozenset(m for m in _MARKERS if m in joined)


def _compact(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def upgrade() -> None:
    bind = op.get_bind()
    mentions = sa.or_(
        *(
            sa.func.upper(sa.func.coalesce(column, "")).contains(marker, autoescape=True)
            for column in (_txns.c.counterparty_name, _txns.c.remittance)
            for marker in _MARKERS
        )
    )
    # (client, account) → the providers named on its lines
    providers: dict[tuple[str, str], set[str]] = defaultdict(set)
    lines = bind.execute(
        sa.select(
            _txns.c.tenant_id,
            _txns.c.counterparty_name,
            _txns.c.counterparty_iban,
            _txns.c.creditor_id,
            _txns.c.remittance,
        ).where(mentions)
    )
    for tenant_id, name, iban, creditor_id, remittance in lines:
        named = _markers(name, remittance)
        for account in (_compact(iban), _compact(creditor_id)):
            if account and named:
                providers[(tenant_id, account)] |= named
    if not providers:
        return
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for tenant_id, contact_id, contact_name in bind.execute(
        sa.select(_vouchers.c.tenant_id, _vouchers.c.contact_id, _vouchers.c.contact_name)
        .where(_vouchers.c.contact_id.is_not(None))
        .distinct()
    ):
        names[(tenant_id, contact_id)] |= _markers(contact_name)
    wrong = [
        row_id
        for row_id, tenant_id, iban, contact_id in bind.execute(
            sa.select(_memory.c.id, _memory.c.tenant_id, _memory.c.iban, _memory.c.contact_id)
        )
        if providers.get((tenant_id, _compact(iban)), set())
        - names.get((tenant_id, contact_id), set())
    ]
    for start in range(0, len(wrong), _CHUNK):
        bind.execute(_memory.delete().where(_memory.c.id.in_(wrong[start : start + _CHUNK])))


def downgrade() -> None:
    """The forgotten rows were wrong: nothing to restore."""
