"""Read model for the firm's staff: one client in detail (the lists live in
``belegsync.store.staff_lists``)."""

from __future__ import annotations

from dataclasses import dataclass

from belegsync.store.access import TenantContext
from belegsync.store.models import SupportRequest, TaxYear, Tenant, VatReturn
from belegsync.store.uow import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ClientDetail:
    tenant: Tenant
    tax_years: list[TaxYear]
    vat_returns: list[VatReturn]
    support_requests: list[SupportRequest]


async def client_detail(*, uow_factory: UnitOfWorkFactory, ctx: TenantContext) -> ClientDetail:
    async with uow_factory.read_only() as uow:
        tenant = await uow.reads.tenant(ctx)
        years = await uow.tenants.tax_years(ctx.tenant_id)
        returns = await uow.tenants.vat_returns(ctx.tenant_id)
        requests = await uow.notify.support_requests(ctx.tenant_id, limit=20)
        return ClientDetail(tenant, years, returns, requests)
