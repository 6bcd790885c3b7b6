"""The tax advisor access (Steuerberater-Zugang): not set up → invitation sent → confirmed."""

from __future__ import annotations

from collections.abc import Callable

from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.store.access import TenantContext
from belegsync.store.enums import TaxAdvisorAccess
from belegsync.store.uow import UnitOfWork

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
        row = await uow.reads.connection(ctx)
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
