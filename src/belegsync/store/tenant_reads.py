"""Read models for pages and the API: a tenant's connection, runs, vouchers and counts.

Reads on behalf of a user take a :class:`TenantContext` and go through the helpers of
:mod:`belegsync.store.access`, so another tenant's ids answer ``NotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    SupportRequest,
    SyncRun,
    Tenant,
    Voucher,
    VoucherFile,
)


@dataclass(frozen=True, slots=True)
class TenantCounts:
    """Per tenant: vouchers, flagged vouchers, open support requests, the last run's status."""

    vouchers: dict[str, int]
    flagged: dict[str, int]
    open_support_requests: dict[str, int]
    last_run_status: dict[str, str]


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

    async def all_tenants(self) -> list[Tenant]:
        return list(await self._session.scalars(select(Tenant)))

    async def all_connections(self) -> dict[str, Connection]:
        return {c.tenant_id: c for c in await self._session.scalars(select(Connection))}

    async def tenant_counts(self) -> TenantCounts:
        """The staff overview's figures for every tenant in four grouped queries."""
        latest_at = (
            select(SyncRun.tenant_id, func.max(SyncRun.queued_at).label("at"))
            .group_by(SyncRun.tenant_id)
            .subquery()
        )
        last_status = select(SyncRun.tenant_id, SyncRun.status).join(
            latest_at,
            (SyncRun.tenant_id == latest_at.c.tenant_id) & (SyncRun.queued_at == latest_at.c.at),
        )
        return TenantCounts(
            vouchers=await self._pairs(
                select(Voucher.tenant_id, func.count()).group_by(Voucher.tenant_id)
            ),
            flagged=await self._pairs(
                select(Voucher.tenant_id, func.count())
                .where(Voucher.review_reason.is_not(None))
                .group_by(Voucher.tenant_id)
            ),
            open_support_requests=await self._pairs(
                select(SupportRequest.tenant_id, func.count())
                .where(SupportRequest.resolved_at.is_(None))
                .group_by(SupportRequest.tenant_id)
            ),
            last_run_status=await self._pairs(last_status),
        )

    async def _pairs(self, query: Any) -> dict[str, Any]:
        return {key: value for key, value in (await self._session.execute(query)).all()}
