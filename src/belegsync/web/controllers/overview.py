"""Übersicht: the client's start page (what needs action now, the last 12 months, the
tax years); staff see the same per client on the client's staff page."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import berlin_date
from belegsync.store.access import TenantContext, access_tenant
from belegsync.store.overview import failed_vouchers, monthly_counts, tax_years, yearly_counts
from belegsync.sync.status import ConnectionStatus, connection_status
from belegsync.web.deps import WebDeps
from belegsync.web.overview import (
    ActionCounts,
    Chart,
    YearLight,
    action_counts,
    month_chart,
    year_lights,
)
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest


@dataclass(frozen=True, slots=True)
class ClientOverview:
    status: ConnectionStatus
    actions: ActionCounts
    chart: Chart
    years: list[YearLight]


async def client_overview(request: WebRequest, deps: WebDeps, ctx: TenantContext) -> ClientOverview:
    today = berlin_date(deps.clock.now())
    async with deps.uow_factory() as uow:
        await access_tenant(uow.session, ctx)
        ids = [ctx.tenant_id]
        months = await monthly_counts(uow.session, ctx, last_month=today)
        counts = await yearly_counts(uow.session, ids)
        failed = await failed_vouchers(uow.session, ids)
        years = (await tax_years(uow.session, ids)).get(ctx.tenant_id, {})
    status = await connection_status(
        uow_factory=deps.uow_factory, clock=deps.clock, tenant_id=ctx.tenant_id, runs=1
    )
    return ClientOverview(
        status=status,
        actions=action_counts(counts, failed),
        chart=month_chart(months, formatter(request).gettext),
        years=year_lights(
            counts,
            years,
            failed,
            connection_failed=status.state is ConnectionState.FAILED,
            never_synced=status.last_success_at is None,
        ),
    )


class OverviewController(Controller):
    path = "/clients/{tenant_id:str}/overview"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        request: WebRequest,
        deps: NamedDependency[WebDeps],
        ctx: NamedDependency[TenantContext],
    ) -> Template:
        overview = await client_overview(request, deps, ctx)
        return render(request, "overview.html", ctx=ctx, o=overview, s=overview.status)
