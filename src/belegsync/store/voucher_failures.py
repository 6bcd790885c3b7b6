"""Vouchers whose fetch keeps failing with a client error: counted, then parked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.models import VoucherSyncFailure


@dataclass(frozen=True, kw_only=True, slots=True)
class FailurePolicy:
    """When a failing voucher is parked and how long it then waits between attempts."""

    park_after_attempts: int
    retry_after: timedelta
    retry_max: timedelta

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """``None`` while the voucher is retried by every run; then a growing pause."""
        beyond = attempts - self.park_after_attempts
        if beyond < 0:
            return None
        factor: int = 1 << min(beyond, 16)
        return now + min(self.retry_after * factor, self.retry_max)


@dataclass(frozen=True, kw_only=True, slots=True)
class FailureNote:
    lexware_id: str
    voucher_type: str
    list_json: dict[str, Any]
    code: str
    message: str
    status: int | None


def note_attempt(
    row: VoucherSyncFailure, note: FailureNote, *, policy: FailurePolicy, now: datetime
) -> None:
    """One more failed attempt on ``row``; parked once it failed often enough."""
    row.voucher_type = note.voucher_type
    row.list_json = note.list_json
    row.code = note.code
    row.message = note.message
    row.status = note.status
    row.attempts = (row.attempts or 0) + 1
    row.last_failed_at = now
    row.next_attempt_at = policy.next_attempt(row.attempts, now)
    if row.next_attempt_at is not None and row.parked_at is None:
        row.parked_at = now


class VoucherFailureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_tenant(self, tenant_id: str) -> dict[str, VoucherSyncFailure]:
        query = select(VoucherSyncFailure).where(VoucherSyncFailure.tenant_id == tenant_id)
        return {row.lexware_id: row for row in await self._session.scalars(query)}

    async def parked(self, tenant_id: str) -> list[VoucherSyncFailure]:
        """The tenant's parked vouchers, oldest first (for the staff view)."""
        query = (
            select(VoucherSyncFailure)
            .where(
                VoucherSyncFailure.tenant_id == tenant_id,
                VoucherSyncFailure.parked_at.is_not(None),
            )
            .order_by(VoucherSyncFailure.first_failed_at, VoucherSyncFailure.lexware_id)
        )
        return list(await self._session.scalars(query))

    async def record(
        self, tenant_id: str, note: FailureNote, *, policy: FailurePolicy, now: datetime
    ) -> VoucherSyncFailure:
        """Count one more failed attempt; park the voucher once it failed often enough."""
        row = await self._session.scalar(
            select(VoucherSyncFailure).where(
                VoucherSyncFailure.tenant_id == tenant_id,
                VoucherSyncFailure.lexware_id == note.lexware_id,
            )
        )
        if row is None:
            row = VoucherSyncFailure(
                tenant_id=tenant_id, lexware_id=note.lexware_id, attempts=0, first_failed_at=now
            )
            self._session.add(row)
        note_attempt(row, note, policy=policy, now=now)
        await self._session.flush()
        return row

    async def clear(self, tenant_id: str, lexware_ids: Iterable[str]) -> None:
        """Forget the failures of vouchers that synced."""
        ids = list(lexware_ids)
        if not ids:
            return
        await self._session.execute(
            delete(VoucherSyncFailure).where(
                VoucherSyncFailure.tenant_id == tenant_id,
                VoucherSyncFailure.lexware_id.in_(ids),
            )
        )
