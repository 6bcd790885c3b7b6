"""Writing links: new rows, status changes through the domain's state machine, audit.

Shared by the engine run (``run_matching``) and the link use cases of a person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from belegsync.domain.links import ENGINE_ACTOR, LinkAction, next_status
from belegsync.domain.matching import LinkStatus
from belegsync.store.models import PaymentLink
from belegsync.store.uow import UnitOfWork

__all__ = [
    "REPLACED_REASON",
    "RETURNED_REASON",
    "STALE_REASON",
    "UNDONE_REASON",
    "audit_link",
    "move",
    "new_link",
    "retire_external",
]

REPLACED_REASON = "ersetzt durch echte Transaktion"
STALE_REASON = "nicht mehr vorgeschlagen"
RETURNED_REASON = "zurückgebucht (Rücklastschrift)"
UNDONE_REASON = "aufgehoben"
ADVICE_REMOVED_REASON = "Zahlungsavis entfernt"


def new_link(
    tenant_id: str,
    payment_id: str,
    txn_id: str,
    actor: str,
    now: datetime,
    status: LinkStatus = LinkStatus.SUGGESTED,
) -> PaymentLink:
    return PaymentLink(
        tenant_id=tenant_id,
        expected_payment_id=payment_id,
        bank_transaction_id=txn_id,
        allocated_cents=0,
        difference_cents=0,
        status=status,
        reasons=[],
        actor=actor,
        created_at=now,
        updated_at=now,
    )


def move(
    link: PaymentLink, action: LinkAction, *, actor: str, now: datetime, reason: str | None = None
) -> None:
    """Apply ``action`` (``LinkStateError`` if the link's status does not allow it)."""
    link.status = next_status(link.status, action)
    link.actor = actor
    link.updated_at = now
    if reason is not None:
        link.status_reason = reason


async def audit_link(
    uow: UnitOfWork,
    tenant_id: str,
    actor: str,
    action: str,
    link: PaymentLink,
    now: datetime,
    **detail: Any,
) -> None:
    await uow.audit.add(
        tenant_id=tenant_id,
        actor=actor,
        action=action,
        subject_type="link",
        subject_id=link.id,
        now=now,
        detail={
            "payment_id": link.expected_payment_id,
            "transaction_id": link.bank_transaction_id,
            "status": str(link.status),
            **detail,
        },
    )


async def retire_external(
    uow: UnitOfWork,
    tenant_id: str,
    external: PaymentLink,
    real_link_id: str,
    real_txn_id: str,
    now: datetime,
) -> None:
    """A real transaction (linked by ``real_link_id``) replaces the external one the
    payment was linked to."""
    move(external, LinkAction.RETIRE, actor=external.actor, now=now, reason=REPLACED_REASON)
    await audit_link(
        uow,
        tenant_id,
        ENGINE_ACTOR,
        "external_transaction_replaced",
        external,
        now,
        replaced_by_link=real_link_id,
        replaced_by_transaction=real_txn_id,
    )
