"""The connection page's read model and its one-time success banner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol

from belegsync.domain.clock import Clock
from belegsync.domain.connection import ConnectionState, Explanation
from belegsync.domain.schedule import daily_slot, next_due
from belegsync.store.access import TenantContext
from belegsync.store.enums import TaxAdvisorAccess
from belegsync.store.errors import skipped_when_busy
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.status import ConnectionStatus, connection_status


class SyncSchedule(Protocol):
    """When the morning syncs run: a time and a spread in minutes."""

    @property
    def sync_time(self) -> time: ...

    @property
    def sync_spread_minutes(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Progress:
    run_id: str
    status: str
    done: int
    total: int | None

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))


@dataclass(frozen=True, slots=True)
class ConnectionPage:
    status: ConnectionStatus
    connection_id: str
    show_success_banner: bool
    tax_advisor_access: TaxAdvisorAccess
    next_sync_at: datetime | None
    flagged_count: int
    file_count: int
    progress: Progress | None
    explanation: Explanation | None


async def running_progress(uow: UnitOfWork, tenant_id: str) -> Progress | None:
    run = await uow.reads.active_run(tenant_id)
    if run is None:
        return None
    return Progress(run.id, run.status, run.done, run.total)


async def sync_progress(*, uow_factory: UnitOfWorkFactory, ctx: TenantContext) -> Progress | None:
    """The queued or running run of the tenant with done/total, if any."""
    async with uow_factory.read_only() as uow:
        await uow.reads.tenant(ctx)
        return await running_progress(uow, ctx.tenant_id)


async def connection_page(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    schedule: SyncSchedule,
    ctx: TenantContext,
    acknowledge_banner: bool,
) -> ConnectionPage:
    """Everything the Buchhaltungsverbindungen page shows. When ``acknowledge_banner`` (the
    client is looking), the one-time success banner is shown now and then never again."""
    now = clock.now()
    async with uow_factory.read_only() as uow:  # no write lock but for the banner, below
        row = await uow.reads.connection(ctx)
        banner = row.success_banner_pending and row.state == ConnectionState.ACTIVE.value
        flagged = await uow.reads.flagged_count(ctx.tenant_id)
        files = await uow.reads.file_count(ctx.tenant_id)
        progress = await running_progress(uow, ctx.tenant_id)
        connection_id, access = row.id, row.tax_advisor_access
        explanation = to_domain(row).explanation
    if banner and acknowledge_banner:
        # shown once; while another process writes, the page shows all the same and
        # the banner once more next time
        with skipped_when_busy():
            async with uow_factory() as uow:
                row = await uow.reads.connection(ctx)
                if row.success_banner_pending:
                    apply_domain(row, to_domain(row).acknowledge_success_banner(), now=now)
                    await uow.commit()
    status = await connection_status(uow_factory=uow_factory, clock=clock, tenant_id=ctx.tenant_id)
    next_sync = None
    if status.state is ConnectionState.ACTIVE:
        slot = daily_slot(connection_id, schedule.sync_time, max(1, schedule.sync_spread_minutes))
        last_started = status.runs[0].queued_at if status.runs else None
        next_sync = next_due(now, last_started, slot)
    return ConnectionPage(
        status=status,
        connection_id=connection_id,
        show_success_banner=banner,
        tax_advisor_access=access,
        next_sync_at=next_sync,
        flagged_count=flagged,
        file_count=files,
        progress=progress,
        explanation=explanation,
    )
