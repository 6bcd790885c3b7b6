"""Keys of each bank line's payer name and accounts, stored with the line.

Matching read every line's payer name, IBAN and creditor id in each run to hash and
deduplicate them; lines never change after import, so their keys
(``domain.line_keys``) are worked out once and stored. Existing lines are keyed here,
in batches; a line the derivation does not cover is keyed when read.

Revision ID: 0024_line_keys
Revises: 0023_lexware_contacts
Create Date: 2026-12-04 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from belegsync.domain.line_keys import KEYS_VERSION, line_keys

revision: str = "0024_line_keys"
down_revision: str | None = "0023_lexware_contacts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = ("name_key", "name_words", "iban_key", "creditor_key")
_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("bank_transactions") as batch:
        for name in _KEYS:
            batch.add_column(sa.Column(name, sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("keys_version", sa.SmallInteger(), nullable=True))
    table = sa.table(
        "bank_transactions",
        sa.column("id", sa.String),
        sa.column("counterparty_name", sa.String),
        sa.column("counterparty_iban", sa.String),
        sa.column("creditor_id", sa.String),
        sa.column("amount_cents", sa.BigInteger),
        *(sa.column(name, sa.BigInteger) for name in _KEYS),
        sa.column("keys_version", sa.SmallInteger),
    )
    connection = op.get_bind()
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(**{name: sa.bindparam(name) for name in (*_KEYS, "keys_version")})
    )
    last = ""
    while True:
        rows = connection.execute(
            sa.select(
                table.c.id,
                table.c.counterparty_name,
                table.c.counterparty_iban,
                table.c.creditor_id,
                table.c.amount_cents,
            )
            .where(table.c.id > last, table.c.keys_version.is_(None))
            .order_by(table.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        values = []
        for row_id, name, iban, creditor, cents in rows:
            keys = line_keys(name, iban, creditor, cents)
            values.append(
                {
                    "row_id": row_id,
                    "name_key": keys.name,
                    "name_words": keys.words,
                    "iban_key": keys.iban,
                    "creditor_key": keys.creditor,
                    "keys_version": KEYS_VERSION,
                }
            )
        connection.execute(update, values)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("bank_transactions") as batch:
        for name in (*_KEYS, "keys_version"):
            batch.drop_column(name)
