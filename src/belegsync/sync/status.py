"""Read models for the CLI and the web: a connection's status and the synced vouchers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from belegsync.domain.clock import Clock
from belegsync.domain.connection import ConnectionState
from belegsync.domain.dates import berlin_date
from belegsync.domain.money import Money
from belegsync.domain.vouchers import ReviewReason
from belegsync.store.models import VoucherSyncFailure
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.sync.connection_rows import to_domain


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: str
    trigger: str
    status: str
    queued_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    api_calls: int
    done: int
    total: int | None
    error_code: str | None
    error_message: str | None


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    tenant_id: str
    tenant_name: str
    state: ConnectionState
    label_de: str
    reason: str | None
    message_de: str | None
    advice_de: str | None
    company_name: str | None
    organization_id: str | None
    key_last4: str | None
    key_expires_on: date | None
    expiry_warning: str | None
    last_success_at: datetime | None
    runs: list[RunSummary]
    voucher_count: int
    # Vouchers that keep failing and wait for their own retry (for the staff view).
    parked: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "tenant": self.tenant_name,
            "state": self.state.value,
            "label": self.label_de,
            "reason": self.reason,
            "message": self.message_de,
            "advice": self.advice_de,
            "company_name": self.company_name,
            "organization_id": self.organization_id,
            "key_last4": self.key_last4,
            "key_expires_on": _iso(self.key_expires_on),
            "expiry_warning": self.expiry_warning,
            "last_success_at": _iso(self.last_success_at),
            "vouchers": self.voucher_count,
            "parked": self.parked,
            "runs": [
                {
                    "id": r.id,
                    "trigger": r.trigger,
                    "status": r.status,
                    "queued_at": _iso(r.queued_at),
                    "finished_at": _iso(r.finished_at),
                    "counts": r.counts,
                    "api_calls": r.api_calls,
                    "done": r.done,
                    "total": r.total,
                    "error_code": r.error_code,
                    "error_message": r.error_message,
                }
                for r in self.runs
            ],
        }


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def parked_entry(row: VoucherSyncFailure) -> dict[str, object]:
    """A parked voucher as the run report, the CLI and the staff view show it."""
    return {
        "voucher": row.lexware_id,
        "voucher_type": row.voucher_type,
        "voucher_number": row.list_json.get("voucherNumber"),
        "code": row.code,
        "status": row.status,
        "message": row.message,
        "attempts": row.attempts,
        "parked_at": _iso(row.parked_at),
        "next_attempt_at": _iso(row.next_attempt_at),
    }


async def connection_status(
    *, uow_factory: UnitOfWorkFactory, clock: Clock, tenant_id: str, runs: int = 5
) -> ConnectionStatus:
    today = berlin_date(clock.now())
    async with uow_factory.read_only() as uow:  # a page's read: no write lock
        tenant = await uow.tenants.get_by_id_or_name(tenant_id)
        row = await uow.connections.for_tenant(tenant.id)
        latest = [] if row is None else await uow.sync_runs.latest(row.id, limit=runs)
        count = await uow.vouchers.count(tenant.id)
        parked = await uow.voucher_failures.parked(tenant.id)
    if row is None:  # a client without its connection row yet: created once
        async with uow_factory() as uow:
            row = await uow.connections.get_or_create(tenant.id, now=clock.now())
            await uow.commit()
    connection = to_domain(row)
    explanation = connection.explanation
    return ConnectionStatus(
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        state=connection.state,
        label_de=connection.state.label_de,
        reason=connection.failure_reason.value if connection.failure_reason else None,
        message_de=explanation.message_de if explanation else None,
        advice_de=explanation.advice_de if explanation else None,
        company_name=connection.company_name,
        organization_id=connection.organization_id,
        key_last4=connection.key_last4,
        key_expires_on=connection.key_expires_on,
        expiry_warning=connection.expiry_warning(today),
        last_success_at=row.last_success_at,
        voucher_count=count,
        parked=[parked_entry(p) for p in parked],
        runs=[
            RunSummary(
                id=r.id,
                trigger=r.trigger,
                status=r.status,
                queued_at=r.queued_at,
                finished_at=r.finished_at,
                counts={
                    "new": r.new_count,
                    "changed": r.changed_count,
                    "unchanged": r.unchanged_count,
                    "flagged": r.flagged_count,
                    "failed": r.failed_count,
                },
                api_calls=r.api_calls,
                done=r.done,
                total=r.total,
                error_code=r.error_code,
                error_message=r.error_message,
            )
            for r in latest
        ],
    )


def _money(cents: int | None, currency: str) -> str | None:
    return None if cents is None else Money(cents, currency).to_decimal_string()


async def voucher_rows(*, uow_factory: UnitOfWorkFactory, tenant_id: str) -> list[dict[str, Any]]:
    """Every synced voucher of the tenant as plain JSON (amounts as decimal strings)."""
    async with uow_factory.read_only() as uow:  # no write lock
        tenant = await uow.tenants.get_by_id_or_name(tenant_id)
        vouchers = await uow.vouchers.all_with_details(tenant.id)
    out = []
    for v, items, files in vouchers:
        review = ReviewReason(v.review_reason) if v.review_reason else None
        out.append(
            {
                "id": v.lexware_id,
                "type": v.voucher_type,
                "status": v.voucher_status,
                "number": v.voucher_number,
                "voucher_date": _iso(v.voucher_date),
                "due_date": _iso(v.due_date),
                "paid_date": _iso(v.paid_date),
                "contact": v.contact_name,
                "total_gross": _money(v.total_gross_cents, v.currency),
                "total_tax": _money(v.total_tax_cents, v.currency),
                "open_amount": _money(v.open_amount_cents, v.currency),
                "currency": v.currency,
                "payment_items": [
                    {
                        "type": i.payment_item_type,
                        "posting_date": _iso(i.posting_date),
                        "amount": _money(i.amount_cents, i.currency),
                    }
                    for i in items
                ],
                "files": [
                    {
                        "lexware_file_id": f.lexware_file_id,
                        "filename": f.filename,
                        "media_type": f.media_type,
                        "size": f.size_bytes,
                        "sha256": f.sha256,
                    }
                    for f in files
                ],
                "review": None
                if review is None
                else {"reason": review.value, "explanation": review.explanation_de},
            }
        )
    return out
