"""Bank accounts, transactions and statement imports. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.models import BankAccount, BankTransaction, StatementImport
from belegsync.store.models.base import new_id

__all__ = ["BankingRepository"]

_HASH_CHUNK = 500


class BankingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def account_by_iban(self, tenant_id: str, iban: str) -> BankAccount | None:
        return await self._session.scalar(
            select(BankAccount).where(BankAccount.tenant_id == tenant_id, BankAccount.iban == iban)
        )

    async def get_or_create_account(
        self,
        tenant_id: str,
        iban: str,
        *,
        now: datetime,
        name: str | None = None,
        bank_name: str | None = None,
        bic: str | None = None,
        currency: str = "EUR",
        connected: bool = False,
    ) -> BankAccount:
        """The tenant's account with ``iban``; created if missing. ``connected=True``
        marks an existing account as fed by the bank connection (never the reverse)."""
        account = await self.account_by_iban(tenant_id, iban)
        if account is None:
            account = BankAccount(
                tenant_id=tenant_id,
                iban=iban,
                name=name or iban,
                bank_name=bank_name,
                bic=bic,
                currency=currency,
                connected=connected,
                created_at=now,
            )
            self._session.add(account)
        else:
            account.connected = account.connected or connected
            account.bank_name = account.bank_name or bank_name
            account.bic = account.bic or bic
        await self._session.flush()
        return account

    async def accounts(self, tenant_id: str) -> list[BankAccount]:
        query = (
            select(BankAccount).where(BankAccount.tenant_id == tenant_id).order_by(BankAccount.iban)
        )
        return list(await self._session.scalars(query))

    async def existing_hashes(self, account_id: str, hashes: Iterable[str]) -> set[str]:
        """Which of ``hashes`` the account already holds."""
        wanted = list(dict.fromkeys(hashes))
        found: set[str] = set()
        for start in range(0, len(wanted), _HASH_CHUNK):
            chunk = wanted[start : start + _HASH_CHUNK]
            query = select(BankTransaction.import_hash).where(
                BankTransaction.account_id == account_id, BankTransaction.import_hash.in_(chunk)
            )
            found.update(await self._session.scalars(query))
        return found

    async def add_import(
        self, *, tenant_id: str, file_name: str, sha256: str, fmt: str, actor: str, now: datetime
    ) -> StatementImport:
        row = StatementImport(
            tenant_id=tenant_id,
            file_name=file_name[:255],
            sha256=sha256,
            format=fmt[:64],
            added_count=0,
            duplicate_count=0,
            actor=actor[:255],
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def insert_transactions(self, rows: Sequence[dict[str, Any]]) -> None:
        """Multi-row insert of new transactions (column name → value dicts)."""
        if not rows:
            return
        await self._session.execute(
            insert(BankTransaction), [{"id": new_id(), **row} for row in rows]
        )

    async def transactions(
        self,
        tenant_id: str,
        *,
        account_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int | None = None,
    ) -> list[tuple[BankTransaction, BankAccount]]:
        """The tenant's transactions with their accounts, newest booking first."""
        query = (
            select(BankTransaction, BankAccount)
            .join(BankAccount, BankAccount.id == BankTransaction.account_id)
            .where(BankTransaction.tenant_id == tenant_id, BankAccount.tenant_id == tenant_id)
        )
        if account_id is not None:
            query = query.where(BankTransaction.account_id == account_id)
        if date_from is not None:
            query = query.where(BankTransaction.booking_date >= date_from)
        if date_to is not None:
            query = query.where(BankTransaction.booking_date <= date_to)
        query = query.order_by(
            BankTransaction.booking_date.desc(), BankAccount.iban, BankTransaction.created_at
        )
        if limit is not None:
            query = query.limit(limit)
        result = await self._session.execute(query)
        return [(row[0], row[1]) for row in result]

    async def imports(self, tenant_id: str) -> list[StatementImport]:
        query = (
            select(StatementImport)
            .where(StatementImport.tenant_id == tenant_id)
            .order_by(StatementImport.created_at.desc())
        )
        return list(await self._session.scalars(query))
