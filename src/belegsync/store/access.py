"""Tenant-scoped reads. Every read of tenant data on behalf of a user goes through here.

Each helper filters on ``ctx.tenant_id`` inside the SQL query and raises one
:class:`NotFound` both for rows that do not exist and for rows of another tenant,
so a caller cannot probe other tenants' ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Generic, Literal, TypeVar, cast, get_args

from sqlalchemy import ColumnElement, Select, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from belegsync.store.enums import SyncRunStatus
from belegsync.store.errors import NotFound
from belegsync.store.models import (
    Connection,
    ExpectedPayment,
    PaymentLink,
    SyncRun,
    Tenant,
    Voucher,
    VoucherFile,
)

T = TypeVar("T")

MAX_PER_PAGE = 200

# A voucher's match state ("Abgleich"), from its active expected payments and their links:
# matched   every bank payment has a confirmed or automatic link
# suggested a bank payment without such a link has an open suggestion
# external  a bank payment without link or suggestion found no candidate at all
# open      a bank payment without link or suggestion (below the threshold, or not run)
# awaiting  every bank payment still open awaits the client's next lines (its date
#           window reaches past them: ``UnmatchedReason.AWAITING_LINES``), nothing to do
# cash      no bank payment, only cash payments
# A voucher without expected payments (matching has not run, nothing to pay) has none.
MatchState = Literal["matched", "suggested", "external", "open", "awaiting", "cash"]
MATCH_STATES: Final[tuple[str, ...]] = get_args(MatchState)
# Link statuses that settle a payment (mirrors ``belegsync.matching.service.ALLOCATING``).
_SETTLING: Final[tuple[str, ...]] = ("auto_confirmed", "confirmed")


@dataclass(frozen=True, slots=True)
class TenantContext:
    """Who is asking, and for which tenant.

    Client users get a context for their own tenant. Staff may look at any tenant, but
    only through :meth:`for_tenant`, so their reads use the same helpers and filters.
    """

    tenant_id: str
    actor: str
    is_staff: bool = False

    def for_tenant(self, tenant_id: str) -> TenantContext:
        """A staff context switched to ``tenant_id``; clients get ``NotFound``."""
        if not self.is_staff and tenant_id != self.tenant_id:
            raise NotFound("tenant")
        return TenantContext(tenant_id=tenant_id, actor=self.actor, is_staff=self.is_staff)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def _one(session: AsyncSession, query: Select[T], what: str) -> T:
    """The row the tenant-scoped ``query`` finds; :class:`NotFound` for ``what`` otherwise."""
    row = await session.scalar(query)
    if row is None:
        raise NotFound(what)
    return row


async def access_tenant(session: AsyncSession, ctx: TenantContext) -> Tenant:
    return await _one(session, select(Tenant).where(Tenant.id == ctx.tenant_id), "tenant")


async def access_connection(session: AsyncSession, ctx: TenantContext) -> Connection:
    """The tenant's Lexware connection."""
    query = select(Connection).where(Connection.tenant_id == ctx.tenant_id)
    return await _one(session, query, "connection")


async def access_voucher(
    session: AsyncSession, ctx: TenantContext, voucher_id: str, *, with_details: bool = False
) -> Voucher:
    """One voucher of the tenant; ``with_details`` also loads payment items and files."""
    query = select(Voucher).where(Voucher.id == voucher_id, Voucher.tenant_id == ctx.tenant_id)
    if with_details:
        query = query.options(selectinload(Voucher.payment_items), selectinload(Voucher.files))
    return await _one(session, query, "voucher")


async def access_voucher_file(
    session: AsyncSession, ctx: TenantContext, file_id: str
) -> VoucherFile:
    """A voucher file, scoped through its voucher's tenant."""
    query = (
        select(VoucherFile)
        .join(Voucher, VoucherFile.voucher_id == Voucher.id)
        .where(VoucherFile.id == file_id, Voucher.tenant_id == ctx.tenant_id)
    )
    return await _one(session, query, "voucher file")


async def access_sync_run(
    session: AsyncSession, ctx: TenantContext, run_id: str, *, with_errors: bool = False
) -> SyncRun:
    query = select(SyncRun).where(SyncRun.id == run_id, SyncRun.tenant_id == ctx.tenant_id)
    if with_errors:
        query = query.options(selectinload(SyncRun.errors))
    return await _one(session, query, "sync run")


def _payment_exists(kind: str, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """An active payment of ``kind`` of the voucher (correlated to ``Voucher``).

    Scoped through the voucher (the caller filters ``Voucher.tenant_id``); no tenant
    condition here, so that SQLite and PostgreSQL look payments up by voucher id."""
    return (
        exists()
        .where(
            ExpectedPayment.voucher_id == Voucher.id,
            ExpectedPayment.active.is_(True),
            ExpectedPayment.kind == kind,
            *conditions,
        )
        .correlate(Voucher)
    )


def _link_exists(statuses: tuple[str, ...]) -> ColumnElement[bool]:
    """A link of the payment with one of ``statuses`` (correlated to ``ExpectedPayment``,
    looked up by its index on the payment id)."""
    return (
        exists()
        .where(
            PaymentLink.expected_payment_id == ExpectedPayment.id,
            PaymentLink.status.in_(statuses),
        )
        .correlate(ExpectedPayment)
    )


def match_state_expression() -> ColumnElement[str | None]:
    """The voucher's :data:`MatchState` as one SQL expression (NULL: no payments)."""
    settled = _link_exists(_SETTLING)
    suggested = _link_exists(("suggested",))
    unsettled = _payment_exists("bank", ~settled)
    return case(
        (_payment_exists("bank") & ~unsettled, literal("matched")),
        (_payment_exists("bank", ~settled, suggested), literal("suggested")),
        (
            _payment_exists(
                "bank", ~settled, ~suggested, ExpectedPayment.unmatched_reason == "no_candidate"
            ),
            literal("external"),
        ),
        (
            _payment_exists(
                "bank",
                ~settled,
                ~suggested,
                or_(
                    ExpectedPayment.unmatched_reason.is_(None),
                    ExpectedPayment.unmatched_reason != "awaiting_lines",
                ),
            ),
            literal("open"),
        ),
        (unsettled, literal("awaiting")),
        (_payment_exists("cash"), literal("cash")),
        else_=None,
    )


async def match_states(
    session: AsyncSession, ctx: TenantContext, voucher_ids: Sequence[str]
) -> dict[str, MatchState | None]:
    """Voucher id → match state, for the tenant's vouchers among ``voucher_ids``."""
    if not voucher_ids:
        return {}
    query = select(Voucher.id, match_state_expression()).where(
        Voucher.tenant_id == ctx.tenant_id, Voucher.id.in_(list(voucher_ids))
    )
    return {row[0]: cast("MatchState | None", row[1]) for row in await session.execute(query)}


async def list_vouchers(
    session: AsyncSession,
    ctx: TenantContext,
    *,
    year: int | None = None,
    voucher_type: str | None = None,
    flagged: bool | None = None,
    match_state: MatchState | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Voucher]:
    """The tenant's vouchers, newest voucher date first; ``year`` filters the voucher date,
    ``flagged`` those with (or without) a review reason, ``match_state`` by
    :func:`match_state_expression`."""
    query = select(Voucher).where(Voucher.tenant_id == ctx.tenant_id)
    if match_state is not None:
        if match_state not in MATCH_STATES:
            raise ValueError(f"unknown match state {match_state!r}")
        query = query.where(match_state_expression() == match_state)
    if year is not None:
        query = query.where(Voucher.voucher_date.between(date(year, 1, 1), date(year, 12, 31)))
    if voucher_type is not None:
        query = query.where(Voucher.voucher_type == voucher_type)
    if flagged is not None:
        flag = Voucher.review_reason.is_not(None) if flagged else Voucher.review_reason.is_(None)
        query = query.where(flag)
    ordered = query.order_by(Voucher.voucher_date.desc(), Voucher.id)
    return await _paginate(session, ordered, page=page, per_page=per_page)


async def list_sync_runs(
    session: AsyncSession,
    ctx: TenantContext,
    *,
    status: SyncRunStatus | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[SyncRun]:
    """The tenant's sync runs, latest first."""
    query = select(SyncRun).where(SyncRun.tenant_id == ctx.tenant_id)
    if status is not None:
        query = query.where(SyncRun.status == status)
    ordered = query.order_by(SyncRun.queued_at.desc(), SyncRun.id)
    return await _paginate(session, ordered, page=page, per_page=per_page)


async def _paginate(
    session: AsyncSession, query: Select[T], *, page: int, per_page: int
) -> Page[T]:
    if page < 1:
        raise ValueError("page starts at 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = await session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return Page(items=list(items), total=total or 0, page=page, per_page=per_page)
