"""Expected payments, links and the IBAN → contact memory. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from belegsync.store.errors import NotFound
from belegsync.store.models import (
    BankAccount,
    BankTransaction,
    ExpectedPayment,
    IbanContactMemory,
    PaymentLink,
    Voucher,
)

__all__ = ["MatchingRepository"]

_CHUNK = 500


class MatchingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def vouchers_with_items(self, tenant_id: str) -> list[Voucher]:
        query = (
            select(Voucher)
            .where(Voucher.tenant_id == tenant_id)
            .options(selectinload(Voucher.payment_items))
            .order_by(Voucher.voucher_date, Voucher.lexware_id)
        )
        return list(await self._session.scalars(query))

    async def payments(
        self, tenant_id: str, *, active_only: bool = True
    ) -> list[tuple[ExpectedPayment, Voucher]]:
        """The tenant's expected payments with their vouchers, oldest voucher first."""
        query = (
            select(ExpectedPayment, Voucher)
            .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
            .where(ExpectedPayment.tenant_id == tenant_id, Voucher.tenant_id == tenant_id)
            .order_by(Voucher.voucher_date, Voucher.lexware_id, ExpectedPayment.position)
        )
        if active_only:
            query = query.where(ExpectedPayment.active.is_(True))
        result = await self._session.execute(query)
        return [(row[0], row[1]) for row in result]

    async def payment(self, tenant_id: str, payment_id: str) -> tuple[ExpectedPayment, Voucher]:
        """One payment of the tenant; ``NotFound`` if missing or another tenant's."""
        query = (
            select(ExpectedPayment, Voucher)
            .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
            .where(ExpectedPayment.tenant_id == tenant_id, ExpectedPayment.id == payment_id)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            raise NotFound("payment")
        return row[0], row[1]

    async def payments_of_voucher(self, voucher_id: str) -> list[ExpectedPayment]:
        query = select(ExpectedPayment).where(ExpectedPayment.voucher_id == voucher_id)
        return list(await self._session.scalars(query))

    def add(self, row: ExpectedPayment | PaymentLink | IbanContactMemory) -> None:
        self._session.add(row)

    async def flush(self) -> None:
        await self._session.flush()

    async def links(
        self, tenant_id: str, *, statuses: Iterable[str] | None = None
    ) -> list[PaymentLink]:
        query = select(PaymentLink).where(PaymentLink.tenant_id == tenant_id)
        if statuses is not None:
            query = query.where(PaymentLink.status.in_(list(statuses)))
        return list(await self._session.scalars(query.order_by(PaymentLink.created_at)))

    async def link(self, tenant_id: str, link_id: str) -> PaymentLink | None:
        return await self._session.scalar(
            select(PaymentLink).where(PaymentLink.tenant_id == tenant_id, PaymentLink.id == link_id)
        )

    async def links_of_payment(self, payment_id: str) -> list[PaymentLink]:
        query = select(PaymentLink).where(PaymentLink.expected_payment_id == payment_id)
        return list(await self._session.scalars(query.order_by(PaymentLink.created_at)))

    async def transaction(
        self, tenant_id: str, txn_id: str
    ) -> tuple[BankTransaction, BankAccount] | None:
        query = (
            select(BankTransaction, BankAccount)
            .join(BankAccount, BankAccount.id == BankTransaction.account_id)
            .where(BankTransaction.tenant_id == tenant_id, BankTransaction.id == txn_id)
        )
        row = (await self._session.execute(query)).first()
        return None if row is None else (row[0], row[1])

    async def transactions(self, tenant_id: str) -> list[BankTransaction]:
        query = select(BankTransaction).where(BankTransaction.tenant_id == tenant_id)
        return list(await self._session.scalars(query))

    async def memory(self, tenant_id: str) -> list[IbanContactMemory]:
        query = select(IbanContactMemory).where(IbanContactMemory.tenant_id == tenant_id)
        return list(await self._session.scalars(query))

    async def memory_row(
        self, tenant_id: str, iban: str, contact_id: str, *, now: datetime
    ) -> IbanContactMemory:
        """The evidence row for (iban, contact); created with zero counts if missing."""
        row = await self._session.scalar(
            select(IbanContactMemory).where(
                IbanContactMemory.tenant_id == tenant_id,
                IbanContactMemory.iban == iban,
                IbanContactMemory.contact_id == contact_id,
            )
        )
        if row is None:
            row = IbanContactMemory(
                tenant_id=tenant_id,
                iban=iban,
                contact_id=contact_id,
                confirmations=0,
                rejections=0,
                updated_at=now,
            )
            self._session.add(row)
            await self._session.flush()
        return row

    async def linked_vouchers(
        self, tenant_id: str, txn_ids: Sequence[str], statuses: Iterable[str]
    ) -> dict[str, list[str]]:
        """Transaction id → voucher numbers (or Lexware ids) linked with these statuses."""
        wanted = list(dict.fromkeys(txn_ids))
        found: dict[str, list[str]] = {}
        for start in range(0, len(wanted), _CHUNK):
            query = (
                select(PaymentLink.bank_transaction_id, Voucher.voucher_number, Voucher.lexware_id)
                .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
                .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
                .where(
                    PaymentLink.tenant_id == tenant_id,
                    PaymentLink.status.in_(list(statuses)),
                    PaymentLink.bank_transaction_id.in_(wanted[start : start + _CHUNK]),
                )
                .order_by(Voucher.voucher_number)
            )
            for txn_id, number, lexware_id in await self._session.execute(query):
                found.setdefault(txn_id, []).append(number or lexware_id)
        return found
