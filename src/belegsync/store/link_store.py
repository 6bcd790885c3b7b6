"""Rows the link use cases (confirm, reject, undo, bulk, external) read and write.

Nothing here commits; the use case does, once, after writing its audit rows.
"""

from __future__ import annotations

from sqlalchemy import select

from belegsync.store.models import BankTransaction, PaymentLink
from belegsync.store.uow import UnitOfWork

__all__ = ["add_transaction", "links_of_batch"]


async def links_of_batch(uow: UnitOfWork, tenant_id: str, batch_id: str) -> list[PaymentLink]:
    query = select(PaymentLink).where(
        PaymentLink.tenant_id == tenant_id, PaymentLink.batch_id == batch_id
    )
    return list(await uow.session.scalars(query.order_by(PaymentLink.id)))


async def add_transaction(uow: UnitOfWork, txn: BankTransaction) -> None:
    """Store a transaction created by a person (an external transaction)."""
    uow.session.add(txn)
    await uow.session.flush()
