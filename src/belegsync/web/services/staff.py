"""Read models for the firm's staff: all clients at a glance, one client in detail, the
outbox and the support requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from belegsync.domain.clock import Clock
from belegsync.domain.connection import ConnectionState, ExpiryWarning
from belegsync.domain.dates import berlin_date
from belegsync.store.access import TenantContext, access_tenant
from belegsync.store.errors import NotFound
from belegsync.store.models import (
    Connection,
    OutboxMessage,
    SupportRequest,
    SyncRun,
    TaxYear,
    Tenant,
    VatReturn,
    Voucher,
)
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import to_domain


@dataclass(frozen=True, slots=True)
class ClientRow:
    tenant_id: str
    name: str
    state: ConnectionState
    reason: str | None
    key_expires_on: date | None
    expiry_warning: ExpiryWarning | None
    last_success_at: datetime | None
    last_run_status: str | None
    vouchers: int
    flagged: int
    tax_advisor_access: str
    open_support_requests: int

    @property
    def urgency(self) -> int:
        """0: failed, 1: key expiring, 2: everything else."""
        if self.state is ConnectionState.FAILED:
            return 0
        return 1 if self.expiry_warning is not None else 2


async def client_overview(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> list[ClientRow]:
    """Every client, failed connections first, then expiring keys, then by name."""
    today = berlin_date(clock.now())
    async with uow_factory() as uow:
        s = uow.session
        tenants = list(await s.scalars(select(Tenant)))
        connections = {c.tenant_id: c for c in await s.scalars(select(Connection))}
        counts = dict(
            (
                await s.execute(select(Voucher.tenant_id, func.count()).group_by(Voucher.tenant_id))
            ).all()
        )
        flagged = dict(
            (
                await s.execute(
                    select(Voucher.tenant_id, func.count())
                    .where(Voucher.review_reason.is_not(None))
                    .group_by(Voucher.tenant_id)
                )
            ).all()
        )
        support = dict(
            (
                await s.execute(
                    select(SupportRequest.tenant_id, func.count())
                    .where(SupportRequest.resolved_at.is_(None))
                    .group_by(SupportRequest.tenant_id)
                )
            ).all()
        )
        latest_at = (
            select(SyncRun.tenant_id, func.max(SyncRun.queued_at).label("at"))
            .group_by(SyncRun.tenant_id)
            .subquery()
        )
        last_status = dict(
            (
                await s.execute(
                    select(SyncRun.tenant_id, SyncRun.status).join(
                        latest_at,
                        (SyncRun.tenant_id == latest_at.c.tenant_id)
                        & (SyncRun.queued_at == latest_at.c.at),
                    )
                )
            ).all()
        )
    rows = []
    for tenant in tenants:
        row = connections.get(tenant.id)
        domain = to_domain(row) if row is not None else None
        rows.append(
            ClientRow(
                tenant_id=tenant.id,
                name=tenant.name,
                state=domain.state if domain else ConnectionState.NONE,
                reason=domain.failure_reason.value if domain and domain.failure_reason else None,
                key_expires_on=domain.key_expires_on if domain else None,
                expiry_warning=domain.expiry_warning(today) if domain else None,
                last_success_at=row.last_success_at if row else None,
                last_run_status=last_status.get(tenant.id),
                vouchers=int(counts.get(tenant.id, 0)),
                flagged=int(flagged.get(tenant.id, 0)),
                tax_advisor_access=row.tax_advisor_access if row else "not_set_up",
                open_support_requests=int(support.get(tenant.id, 0)),
            )
        )
    return sorted(rows, key=lambda r: (r.urgency, r.name.casefold()))


@dataclass(frozen=True, slots=True)
class ClientDetail:
    tenant: Tenant
    tax_years: list[TaxYear]
    vat_returns: list[VatReturn]
    support_requests: list[SupportRequest]


async def client_detail(
    *, uow_factory: Callable[[], UnitOfWork], ctx: TenantContext
) -> ClientDetail:
    async with uow_factory() as uow:
        tenant = await access_tenant(uow.session, ctx)
        years = await uow.tenants.tax_years(ctx.tenant_id)
        returns = await uow.tenants.vat_returns(ctx.tenant_id)
        requests = list(
            await uow.session.scalars(
                select(SupportRequest)
                .where(SupportRequest.tenant_id == ctx.tenant_id)
                .order_by(SupportRequest.created_at.desc())
                .limit(20)
            )
        )
        return ClientDetail(tenant, years, returns, requests)


async def outbox_messages(
    *, uow_factory: Callable[[], UnitOfWork], limit: int = 200
) -> list[OutboxMessage]:
    async with uow_factory() as uow:
        return list(
            await uow.session.scalars(
                select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(limit)
            )
        )


async def recent_support_requests(
    *, uow_factory: Callable[[], UnitOfWork], limit: int = 100
) -> list[tuple[SupportRequest, str]]:
    async with uow_factory() as uow:
        rows = await uow.session.execute(
            select(SupportRequest, Tenant.name)
            .join(Tenant, Tenant.id == SupportRequest.tenant_id)
            .order_by(SupportRequest.created_at.desc())
            .limit(limit)
        )
        return [(r, name) for r, name in rows.all()]


async def resolve_support_request(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, ctx: TenantContext, request_id: str
) -> None:
    async with uow_factory() as uow:
        row = await uow.session.scalar(
            select(SupportRequest).where(
                SupportRequest.id == request_id, SupportRequest.tenant_id == ctx.tenant_id
            )
        )
        if row is None:
            raise NotFound("support request")
        row.resolved_at = row.resolved_at or clock.now()
        await uow.commit()
