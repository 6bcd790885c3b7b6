"""Rows the link use cases (confirm, reject, undo, bulk, external) read and write.

Nothing here commits; the use case does, once, after writing its audit rows.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from belegsync.domain.matching import ALLOCATING_STATUSES, LinkStatus
from belegsync.store.models import BankTransaction, ExpectedPayment, PaymentLink
from belegsync.store.uow import UnitOfWork

__all__ = ["add_transaction", "links_of_batch", "open_suggestions"]


async def open_suggestions(uow: UnitOfWork, tenant_id: str) -> list[PaymentLink]:
    """Suggestions of active payments that no link settles yet."""
    settling = PaymentLink.__table__.alias("settling")
    settled = (
        exists()
        .where(
            settling.c.expected_payment_id == PaymentLink.expected_payment_id,
            settling.c.status.in_([s.value for s in ALLOCATING_STATUSES]),
        )
        .correlate(PaymentLink)
    )
    query = (
        select(PaymentLink)
        .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
        .where(
            PaymentLink.tenant_id == tenant_id,
            PaymentLink.status == LinkStatus.SUGGESTED,
            ExpectedPayment.active.is_(True),
            ~settled,
        )
        .order_by(PaymentLink.created_at, PaymentLink.id)
    )
    return list(await uow.session.scalars(query))


async def links_of_batch(uow: UnitOfWork, tenant_id: str, batch_id: str) -> list[PaymentLink]:
    query = select(PaymentLink).where(
        PaymentLink.tenant_id == tenant_id, PaymentLink.batch_id == batch_id
    )
    return list(await uow.session.scalars(query.order_by(PaymentLink.id)))


async def add_transaction(uow: UnitOfWork, txn: BankTransaction) -> None:
    """Store a transaction created by a person (an external transaction)."""
    uow.session.add(txn)
    await uow.session.flush()
