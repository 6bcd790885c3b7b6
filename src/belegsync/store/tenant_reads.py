"""Read models for pages and the API: a tenant's connection, runs, vouchers and counts.

Reads on behalf of a user take a :class:`TenantContext` and go through the helpers of
:mod:`belegsync.store.access`, so another tenant's ids answer ``NotFound``.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.access import (
    MatchState,
    Page,
    TenantContext,
    access_connection,
    access_sync_run,
    access_tenant,
    access_voucher,
    list_sync_runs,
    list_vouchers,
)
from belegsync.store.enums import ACTIVE_SYNC_RUN_STATUSES
from belegsync.store.models import (
    Connection,
    SyncRun,
    Tenant,
    Voucher,
    VoucherFile,
)


class TenantReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def tenant(self, ctx: TenantContext) -> Tenant:
        return await access_tenant(self._session, ctx)

    async def connection(self, ctx: TenantContext) -> Connection:
        return await access_connection(self._session, ctx)

    async def sync_run(self, ctx: TenantContext, run_id: str) -> SyncRun:
        """One run with its per-voucher errors loaded."""
        return await access_sync_run(self._session, ctx, run_id, with_errors=True)

    async def sync_runs(self, ctx: TenantContext, *, page: int, per_page: int) -> Page[SyncRun]:
        return await list_sync_runs(self._session, ctx, page=page, per_page=per_page)

    async def voucher(self, ctx: TenantContext, voucher_id: str) -> Voucher:
        """One voucher with its payment items and files loaded."""
        return await access_voucher(self._session, ctx, voucher_id, with_details=True)

    async def vouchers(
        self,
        ctx: TenantContext,
        *,
        page: int,
        per_page: int,
        year: int | None = None,
        voucher_type: str | None = None,
        flagged: bool | None = None,
        match_state: MatchState | None = None,
    ) -> Page[Voucher]:
        return await list_vouchers(
            self._session,
            ctx,
            year=year,
            voucher_type=voucher_type,
            flagged=flagged,
            match_state=match_state,
            page=page,
            per_page=per_page,
        )

    async def active_run(self, tenant_id: str) -> SyncRun | None:
        """The tenant's queued or running run, if any."""
        return await self._session.scalar(
            select(SyncRun)
            .where(SyncRun.tenant_id == tenant_id, SyncRun.status.in_(ACTIVE_SYNC_RUN_STATUSES))
            .order_by(SyncRun.queued_at.desc())
            .limit(1)
        )

    async def last_run(self, tenant_id: str) -> SyncRun | None:
        return await self._session.scalar(
            select(SyncRun)
            .where(SyncRun.tenant_id == tenant_id)
            .order_by(SyncRun.queued_at.desc())
            .limit(1)
        )

    async def flagged_count(self, tenant_id: str) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(Voucher)
            .where(Voucher.tenant_id == tenant_id, Voucher.review_reason.is_not(None))
        )
        return int(count or 0)

    async def file_count(self, tenant_id: str) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(VoucherFile)
            .join(Voucher, Voucher.id == VoucherFile.voucher_id)
            .where(Voucher.tenant_id == tenant_id)
        )
        return int(count or 0)
