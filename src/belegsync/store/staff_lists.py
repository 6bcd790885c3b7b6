"""The firm's lists across all clients, paged, filtered and sorted in the database:
clients, support requests, the outbox. Staff-only (the web guard checks the role)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.domain.dates import BERLIN
from belegsync.store.access import Page
from belegsync.store.listing import Sorting, contains, page_of
from belegsync.store.models import (
    Connection,
    OutboxMessage,
    SupportRequest,
    SyncRun,
    Tenant,
    Voucher,
)

# The key warning starts this many days before the expiry date (as the domain's 30 days).
EXPIRY_WARNING_DAYS: Final = 30


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN)


# ---------------------------------------------------------------- clients


@dataclass(frozen=True, slots=True)
class ClientListRow:
    tenant_id: str
    name: str
    state: str
    failure_reason: str | None
    key_expires_on: date | None
    last_success_at: datetime | None
    last_run_status: str | None
    vouchers: int
    flagged: int
    tax_advisor_access: str
    open_support_requests: int
    urgency: int


CLIENT_SORTS: Final = ("urgency", "name", "state", "expires", "last_sync", "vouchers", "flagged")


def _urgency(today: date) -> ColumnElement[int]:
    """0: failed, 1: key expiring or expired, 2: everything else."""
    return case(
        (Connection.state == "failed", literal(0)),
        (
            (Connection.state == "active")
            & (Connection.key_expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS)),
            literal(1),
        ),
        else_=literal(2),
    )


# ---------------------------------------------------------------- support requests


@dataclass(frozen=True, slots=True)
class SupportRow:
    id: str
    tenant_id: str
    tenant_name: str
    contact_email: str
    message: str
    diagnosis: dict[str, Any]
    created_at: datetime
    resolved_at: datetime | None


SUPPORT_SORTS: Final = ("created", "client", "email", "resolved")


# ---------------------------------------------------------------- outbox


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: str
    tenant_name: str | None
    kind: str
    recipient: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


OUTBOX_SORTS: Final = ("created", "status", "recipient", "subject")


# ---------------------------------------------------------------- the read model


class StaffLists:
    """The firm's lists, reachable as ``uow.staff_lists``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def clients(
        self,
        *,
        today: date,
        text: str | None = None,
        state: str | None = None,
        sorting: Sorting | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[ClientListRow]:
        vouchers = (
            select(
                Voucher.tenant_id.label("tenant_id"),
                func.count().label("n"),
                func.count(Voucher.review_reason).label("flagged"),
            )
            .group_by(Voucher.tenant_id)
            .subquery()
        )
        support = (
            select(SupportRequest.tenant_id.label("tenant_id"), func.count().label("n"))
            .where(SupportRequest.resolved_at.is_(None))
            .group_by(SupportRequest.tenant_id)
            .subquery()
        )
        latest_run = (
            select(SyncRun.status)
            .where(SyncRun.tenant_id == Tenant.id)
            .order_by(SyncRun.queued_at.desc())
            .limit(1)
            .correlate(Tenant)
            .scalar_subquery()
        )
        urgency = _urgency(today)
        state_col = func.coalesce(Connection.state, "none")
        where: list[ColumnElement[bool]] = []
        if text:
            where.append(or_(contains(Tenant.name, text), contains(Connection.company_name, text)))
        if state == "expiring":
            where.append(urgency == 1)
        elif state:
            where.append(state_col == state)
        columns = {
            "urgency": urgency,
            "name": func.lower(Tenant.name),
            "state": state_col,
            "expires": Connection.key_expires_on,
            "last_sync": Connection.last_success_at,
            "vouchers": func.coalesce(vouchers.c.n, 0),
            "flagged": func.coalesce(vouchers.c.flagged, 0),
        }
        sorting = sorting or Sorting("urgency")
        column = columns.get(sorting.key, urgency)
        order = column.desc() if sorting.descending else column.asc()
        base = (
            select(
                Tenant.id,
                Tenant.name,
                state_col,
                Connection.failure_reason,
                Connection.key_expires_on,
                Connection.last_success_at,
                latest_run,
                func.coalesce(vouchers.c.n, 0),
                func.coalesce(vouchers.c.flagged, 0),
                func.coalesce(Connection.tax_advisor_access, "not_set_up"),
                func.coalesce(support.c.n, 0),
                urgency,
            )
            .outerjoin(Connection, Connection.tenant_id == Tenant.id)
            .outerjoin(vouchers, vouchers.c.tenant_id == Tenant.id)
            .outerjoin(support, support.c.tenant_id == Tenant.id)
            .where(*where)
        )
        count = (
            select(func.count())
            .select_from(Tenant)
            .outerjoin(Connection, Connection.tenant_id == Tenant.id)
            .where(*where)
        )
        query = base.order_by(order.nulls_last(), func.lower(Tenant.name), Tenant.id)
        rows, total = await page_of(self._session, query, count, page=page, per_page=per_page)
        return Page([ClientListRow(*r) for r in rows], total, page, per_page)

    async def support(
        self,
        *,
        text: str | None = None,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        tenant_id: str | None = None,
        sorting: Sorting | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[SupportRow]:
        where: list[ColumnElement[bool]] = []
        if tenant_id is not None:
            where.append(SupportRequest.tenant_id == tenant_id)
        if text:
            where.append(
                or_(
                    contains(SupportRequest.message, text),
                    contains(SupportRequest.contact_email, text),
                    contains(Tenant.name, text),
                )
            )
        if status == "open":
            where.append(SupportRequest.resolved_at.is_(None))
        elif status == "resolved":
            where.append(SupportRequest.resolved_at.is_not(None))
        if date_from is not None:
            where.append(SupportRequest.created_at >= _day_start(date_from))
        if date_to is not None:
            where.append(SupportRequest.created_at < _day_start(date_to + timedelta(days=1)))
        columns = {
            "created": SupportRequest.created_at,
            "client": func.lower(Tenant.name),
            "email": SupportRequest.contact_email,
            "resolved": SupportRequest.resolved_at,
        }
        sorting = sorting or Sorting("created", descending=True)
        column = columns.get(sorting.key, SupportRequest.created_at)
        order = column.desc() if sorting.descending else column.asc()
        joined = (
            select(
                SupportRequest.id,
                SupportRequest.tenant_id,
                Tenant.name,
                SupportRequest.contact_email,
                SupportRequest.message,
                SupportRequest.diagnosis,
                SupportRequest.created_at,
                SupportRequest.resolved_at,
            )
            .join(Tenant, Tenant.id == SupportRequest.tenant_id)
            .where(*where)
        )
        count = (
            select(func.count())
            .select_from(SupportRequest)
            .join(Tenant, Tenant.id == SupportRequest.tenant_id)
            .where(*where)
        )
        query = joined.order_by(
            order.nulls_last(), SupportRequest.created_at.desc(), SupportRequest.id
        )
        rows, total = await page_of(self._session, query, count, page=page, per_page=per_page)
        return Page([SupportRow(*r) for r in rows], total, page, per_page)

    async def outbox(
        self,
        *,
        text: str | None = None,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        sorting: Sorting | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> Page[OutboxRow]:
        where: list[ColumnElement[bool]] = []
        if text:
            where.append(
                or_(
                    contains(OutboxMessage.recipient, text),
                    contains(OutboxMessage.subject, text),
                    contains(OutboxMessage.body, text),
                )
            )
        if status:
            where.append(OutboxMessage.status == status)
        if date_from is not None:
            where.append(OutboxMessage.created_at >= _day_start(date_from))
        if date_to is not None:
            where.append(OutboxMessage.created_at < _day_start(date_to + timedelta(days=1)))
        columns = {
            "created": OutboxMessage.created_at,
            "status": OutboxMessage.status,
            "recipient": func.lower(OutboxMessage.recipient),
            "subject": func.lower(OutboxMessage.subject),
        }
        sorting = sorting or Sorting("created", descending=True)
        column = columns.get(sorting.key, OutboxMessage.created_at)
        order = column.desc() if sorting.descending else column.asc()
        joined = (
            select(
                OutboxMessage.id,
                Tenant.name,
                OutboxMessage.kind,
                OutboxMessage.recipient,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.last_error,
                OutboxMessage.created_at,
                OutboxMessage.sent_at,
            )
            .outerjoin(Tenant, Tenant.id == OutboxMessage.tenant_id)
            .where(*where)
        )
        count = select(func.count()).select_from(OutboxMessage).where(*where)
        query = joined.order_by(order, OutboxMessage.created_at.desc(), OutboxMessage.id)
        rows, total = await page_of(self._session, query, count, page=page, per_page=per_page)
        return Page([OutboxRow(*r) for r in rows], total, page, per_page)
