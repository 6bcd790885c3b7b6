"""Read models for the firm's staff: all clients at a glance, one client in detail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from belegsync.domain.clock import Clock
from belegsync.domain.connection import ConnectionState, ExpiryWarning
from belegsync.domain.dates import berlin_date
from belegsync.store.access import TenantContext
from belegsync.store.models import SupportRequest, TaxYear, Tenant, VatReturn
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
        tenants = await uow.reads.all_tenants()
        connections = await uow.reads.all_connections()
        counts = await uow.reads.tenant_counts()
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
                last_run_status=counts.last_run_status.get(tenant.id),
                vouchers=int(counts.vouchers.get(tenant.id, 0)),
                flagged=int(counts.flagged.get(tenant.id, 0)),
                tax_advisor_access=row.tax_advisor_access if row else "not_set_up",
                open_support_requests=int(counts.open_support_requests.get(tenant.id, 0)),
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
        tenant = await uow.reads.tenant(ctx)
        years = await uow.tenants.tax_years(ctx.tenant_id)
        returns = await uow.tenants.vat_returns(ctx.tenant_id)
        requests = await uow.notify.support_requests(ctx.tenant_id, limit=20)
        return ClientDetail(tenant, years, returns, requests)
