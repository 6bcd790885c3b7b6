"""The numbers Lexware gave the contacts of a tenant's vouchers (``LexwareContact``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.models import LexwareContact, Voucher

__all__ = ["ContactNumbers", "ContactRepository"]


@dataclass(frozen=True, slots=True)
class ContactNumbers:
    """One contact as Lexware lists it: its id, numbers (None: no such role) and name."""

    lexware_id: str
    customer_number: int | None
    vendor_number: int | None
    name: str | None = None


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def unknown(self, tenant_id: str) -> list[str]:
        """The contacts the tenant's vouchers name that no row holds yet, sorted."""
        known = select(LexwareContact.lexware_id).where(LexwareContact.tenant_id == tenant_id)
        query = (
            select(Voucher.contact_id)
            .where(
                Voucher.tenant_id == tenant_id,
                Voucher.contact_id.is_not(None),
                Voucher.contact_id.not_in(known),
            )
            .distinct()
        )
        return sorted(c for c in await self._session.scalars(query) if c)

    async def store(
        self,
        tenant_id: str,
        listed: Iterable[ContactNumbers],
        *,
        unlisted: Iterable[str] = (),
        now: datetime,
    ) -> int:
        """Keep the numbers of the ``listed`` contacts (a changed number replaces the
        stored one) and a row without numbers for each ``unlisted`` one (named by a
        voucher, gone from Lexware): neither is asked for again. Returns the rows
        written."""
        rows = {
            row.lexware_id: row
            for row in await self._session.scalars(
                select(LexwareContact).where(LexwareContact.tenant_id == tenant_id)
            )
        }
        written = 0
        entries = [*listed, *(ContactNumbers(c, None, None) for c in unlisted)]
        for entry in entries:
            row = rows.get(entry.lexware_id)
            if row is None:
                row = rows[entry.lexware_id] = LexwareContact(
                    tenant_id=tenant_id, lexware_id=entry.lexware_id
                )
                self._session.add(row)
            elif (row.customer_number, row.vendor_number, row.name) == (
                entry.customer_number,
                entry.vendor_number,
                entry.name,
            ):
                continue
            row.customer_number = entry.customer_number
            row.vendor_number = entry.vendor_number
            row.name = entry.name
            row.synced_at = now
            written += 1
        await self._session.flush()
        return written

    async def customer_numbers(self, tenant_id: str) -> dict[str, int]:
        """Per contact (Lexware id) its customer number, for those that have one."""
        query = select(LexwareContact.lexware_id, LexwareContact.customer_number).where(
            LexwareContact.tenant_id == tenant_id, LexwareContact.customer_number.is_not(None)
        )
        rows = await self._session.execute(query)
        return {contact: int(number) for contact, number in rows if number is not None}
