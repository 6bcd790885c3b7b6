"""Übersicht: the client's start page (what needs action now, the last 12 months, the
tax years); staff see the same per client on the client's staff page."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import berlin_date
from belegsync.store.access import TenantContext
from belegsync.store.matching_queries import returns_to_check
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
    ids = [ctx.tenant_id]
    async with deps.uow_factory.read_only() as uow:
        found = await uow.overview.client_counts(ctx, last_month=today)
        failed = await uow.overview.failed_vouchers(ids)
        years = (await uow.overview.tax_years(ids)).get(ctx.tenant_id, {})
        returns = await returns_to_check(uow, ctx)
    status = await connection_status(
        uow_factory=deps.uow_factory, clock=deps.clock, tenant_id=ctx.tenant_id, runs=1
    )
    return ClientOverview(
        status=status,
        actions=action_counts(found.years, failed, returns),
        chart=month_chart(found.months, formatter(request).gettext),
        years=year_lights(
            found.years,
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
