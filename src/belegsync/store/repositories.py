"""Narrow repositories for what the sync and the service functions write.

Every method works inside the caller's session and transaction; nothing here commits.
Times are passed in (``now=``), never read from a clock. Reads on behalf of a user go
through :mod:`belegsync.store.access` instead, which scopes them to a tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.errors import NotFound
from belegsync.store.models import (
    AuditLogEntry,
    Connection,
    TaxYear,
    Tenant,
    VatReturn,
)
from belegsync.store.sync_runs import SyncRunRepository
from belegsync.store.voucher_repository import (
    FileData,
    NewVoucher,
    PaymentItemData,
    UpsertOutcome,
    VoucherData,
    VoucherRepository,
    VoucherUpsert,
    voucher_content_hash,
)

__all__ = [
    "AuditRepository",
    "AuditRow",
    "ConnectionRepository",
    "FileData",
    "NewVoucher",
    "PaymentItemData",
    "SyncRunRepository",
    "TenantRepository",
    "UpsertOutcome",
    "VoucherData",
    "VoucherRepository",
    "VoucherUpsert",
    "voucher_content_hash",
]


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, name: str, now: datetime, bookkeeping_service: bool = False) -> Tenant:
        tenant = Tenant(name=name, bookkeeping_service=bookkeeping_service, created_at=now)
        self._session.add(tenant)
        await self._session.flush()
        return tenant

    async def get(self, tenant_id: str) -> Tenant | None:
        return await self._session.get(Tenant, tenant_id)

    async def get_by_name(self, name: str) -> Tenant | None:
        return await self._session.scalar(select(Tenant).where(Tenant.name == name))

    async def get_by_id_or_name(self, reference: str) -> Tenant:
        """The tenant whose id, or else whose name, is ``reference`` (CLI ``TENANT``)."""
        tenant = await self.get(reference) or await self.get_by_name(reference)
        if tenant is None:
            raise NotFound("tenant")
        return tenant

    async def list_all(self) -> list[Tenant]:
        return list(await self._session.scalars(select(Tenant).order_by(Tenant.name)))

    async def tax_years(self, tenant_id: str) -> list[TaxYear]:
        query = select(TaxYear).where(TaxYear.tenant_id == tenant_id).order_by(TaxYear.year)
        return list(await self._session.scalars(query))

    async def set_tax_year(
        self, tenant_id: str, year: int, *, closed: bool, now: datetime
    ) -> TaxYear:
        """Record a tax year as open or closed (creating it if needed)."""
        tax_year = await self._session.scalar(
            select(TaxYear).where(TaxYear.tenant_id == tenant_id, TaxYear.year == year)
        )
        if tax_year is None:
            tax_year = TaxYear(tenant_id=tenant_id, year=year, closed=False)
            self._session.add(tax_year)
        if closed and not tax_year.closed:
            tax_year.closed_at = now
        elif not closed:
            tax_year.closed_at = None
        tax_year.closed = closed
        await self._session.flush()
        return tax_year

    async def add_vat_return(
        self,
        tenant_id: str,
        *,
        period: str,
        first_day: date,
        last_day: date,
        submitted_at: datetime,
    ) -> VatReturn:
        vat_return = VatReturn(
            tenant_id=tenant_id,
            period=period,
            first_day=first_day,
            last_day=last_day,
            submitted_at=submitted_at,
        )
        self._session.add(vat_return)
        await self._session.flush()
        return vat_return

    async def vat_returns(self, tenant_id: str) -> list[VatReturn]:
        query = (
            select(VatReturn).where(VatReturn.tenant_id == tenant_id).order_by(VatReturn.last_day)
        )
        return list(await self._session.scalars(query))

    async def latest_vat_return(self, tenant_id: str) -> VatReturn | None:
        """The submitted return whose period ends last (the bookkeeping-service window)."""
        query = (
            select(VatReturn)
            .where(VatReturn.tenant_id == tenant_id)
            .order_by(VatReturn.last_day.desc())
            .limit(1)
        )
        return await self._session.scalar(query)


class ConnectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, connection_id: str) -> Connection | None:
        return await self._session.get(Connection, connection_id)

    async def for_tenant(self, tenant_id: str) -> Connection | None:
        return await self._session.scalar(
            select(Connection).where(Connection.tenant_id == tenant_id)
        )

    async def get_or_create(self, tenant_id: str, *, now: datetime) -> Connection:
        """The tenant's Lexware connection, created in state ``none`` if missing."""
        connection = await self.for_tenant(tenant_id)
        if connection is None:
            connection = Connection(tenant_id=tenant_id, state="none", updated_at=now)
            self._session.add(connection)
            await self._session.flush()
        return connection

    async def in_state(self, *states: str) -> list[Connection]:
        query = select(Connection).where(Connection.state.in_(states)).order_by(Connection.id)
        return list(await self._session.scalars(query))

    async def with_encrypted_keys(self) -> list[Connection]:
        """Connections holding a key (for ``belegsync rotate-keys``)."""
        query = (
            select(Connection)
            .where(Connection.encrypted_api_key.is_not(None))
            .order_by(Connection.id)
        )
        return list(await self._session.scalars(query))


class AuditRow(NamedTuple):
    """One audit row to append with :meth:`AuditRepository.add_all`."""

    tenant_id: str | None
    actor: str
    action: str
    subject_type: str
    subject_id: str | None
    detail: dict[str, Any] | None
    created_at: datetime


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        *,
        tenant_id: str | None,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str | None,
        now: datetime,
        detail: dict[str, Any] | None = None,
    ) -> AuditLogEntry:
        """Append an audit row (written at once: its id is known); never pass secrets
        in ``detail``."""
        entry = AuditLogEntry(
            tenant_id=tenant_id,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            detail=detail,
            created_at=now,
        )
        self._session.add(entry)
        await self._session.flush()
        return entry

    async def add_all(self, rows: Sequence[AuditRow]) -> None:
        """Append many audit rows in one statement, in their order (their ids are not
        read back: a row at a time would cost a round trip each)."""
        if rows:
            await self._session.execute(insert(AuditLogEntry), [r._asdict() for r in rows])
