"""The connection page's read model, the success banner and the tax advisor access."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from belegsync.domain.clock import Clock
from belegsync.domain.connection import ConnectionState, Explanation
from belegsync.domain.errors import InvalidInput
from belegsync.domain.schedule import daily_slot, next_due
from belegsync.store.access import TenantContext, access_connection, access_tenant
from belegsync.store.enums import ACTIVE_SYNC_RUN_STATUSES, TaxAdvisorAccess
from belegsync.store.models import SyncRun, Voucher, VoucherFile
from belegsync.store.uow import UnitOfWork
from belegsync.sync.connection_rows import apply_domain, to_domain
from belegsync.sync.status import ConnectionStatus, connection_status
from belegsync.web.deps import WebConfig


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
    run = await uow.session.scalar(
        select(SyncRun)
        .where(SyncRun.tenant_id == tenant_id, SyncRun.status.in_(ACTIVE_SYNC_RUN_STATUSES))
        .order_by(SyncRun.queued_at.desc())
        .limit(1)
    )
    if run is None:
        return None
    return Progress(run.id, run.status, run.done, run.total)


async def sync_progress(
    *, uow_factory: Callable[[], UnitOfWork], ctx: TenantContext
) -> Progress | None:
    """The queued or running run of the tenant with done/total, if any."""
    async with uow_factory() as uow:
        await access_tenant(uow.session, ctx)
        return await running_progress(uow, ctx.tenant_id)


async def connection_page(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    config: WebConfig,
    ctx: TenantContext,
    acknowledge_banner: bool,
) -> ConnectionPage:
    """Everything the Buchhaltungsverbindungen page shows. When ``acknowledge_banner`` (the
    client is looking), the one-time success banner is shown now and then never again."""
    now = clock.now()
    async with uow_factory() as uow:
        await access_tenant(uow.session, ctx)
        row = await access_connection(uow.session, ctx)
        banner = row.success_banner_pending and row.state == ConnectionState.ACTIVE.value
        if banner and acknowledge_banner:
            apply_domain(row, to_domain(row).acknowledge_success_banner(), now=now)
            await uow.commit()
        flagged = await uow.session.scalar(
            select(func.count())
            .select_from(Voucher)
            .where(Voucher.tenant_id == ctx.tenant_id, Voucher.review_reason.is_not(None))
        )
        files = await uow.session.scalar(
            select(func.count())
            .select_from(VoucherFile)
            .join(Voucher, Voucher.id == VoucherFile.voucher_id)
            .where(Voucher.tenant_id == ctx.tenant_id)
        )
        progress = await running_progress(uow, ctx.tenant_id)
        connection_id, access = row.id, row.tax_advisor_access
        explanation = to_domain(row).explanation
    status = await connection_status(uow_factory=uow_factory, clock=clock, tenant_id=ctx.tenant_id)
    next_sync = None
    if status.state is ConnectionState.ACTIVE:
        slot = daily_slot(connection_id, config.sync_time, max(1, config.sync_spread_minutes))
        last_started = status.runs[0].queued_at if status.runs else None
        next_sync = next_due(now, last_started, slot)
    return ConnectionPage(
        status=status,
        connection_id=connection_id,
        show_success_banner=banner,
        tax_advisor_access=access,
        next_sync_at=next_sync,
        flagged_count=int(flagged or 0),
        file_count=int(files or 0),
        progress=progress,
        explanation=explanation,
    )


_ALLOWED: dict[TaxAdvisorAccess, tuple[TaxAdvisorAccess, ...]] = {
    "invitation_sent": ("not_set_up",),
    "confirmed": ("not_set_up", "invitation_sent"),
    "not_set_up": ("invitation_sent", "confirmed"),
}


async def _set_tax_advisor_access(
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    ctx: TenantContext,
    target: TaxAdvisorAccess,
) -> None:
    now = clock.now()
    async with uow_factory() as uow:
        row = await access_connection(uow.session, ctx)
        if row.tax_advisor_access == target:
            return
        if row.tax_advisor_access not in _ALLOWED[target]:
            raise InvalidInput(
                "Dieser Schritt passt nicht zum aktuellen Stand des Steuerberater-Zugangs.",
                code="tax_advisor_access_transition",
                message_en="This step does not fit the current tax advisor access state.",
            )
        row.tax_advisor_access = target
        row.updated_at = now
        await uow.audit.add(
            tenant_id=ctx.tenant_id,
            actor=ctx.actor,
            action=f"tax_advisor_access_{target}",
            subject_type="connection",
            subject_id=row.id,
            now=now,
        )
        await uow.commit()


async def mark_tax_advisor_invitation_sent(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, ctx: TenantContext
) -> None:
    """The client invited the firm in Lexware Office (Einladung versendet)."""
    await _set_tax_advisor_access(uow_factory, clock, ctx, "invitation_sent")


async def confirm_tax_advisor_access(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, ctx: TenantContext
) -> None:
    """Staff accepted the invitation in Lexware Office (bestätigt)."""
    if not ctx.is_staff:
        raise InvalidInput(
            "Nur die Kanzlei kann den Zugang bestätigen.",
            code="staff_only",
            message_en="Only the firm can confirm the access.",
        )
    await _set_tax_advisor_access(uow_factory, clock, ctx, "confirmed")


async def reset_tax_advisor_access(
    *, uow_factory: Callable[[], UnitOfWork], clock: Clock, ctx: TenantContext
) -> None:
    """Staff: the access was removed in Lexware (back to nicht eingerichtet)."""
    await _set_tax_advisor_access(uow_factory, clock, ctx, "not_set_up")
