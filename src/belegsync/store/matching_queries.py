"""Read model of the matching work queue ("Abgleich"), paged in the database.

Tabs: open suggestions (for payments nothing settles yet), payments that need an
external transaction, automatic links, confirmed links and rejected suggestions.
Every query is scoped by the caller's :class:`~belegsync.store.access.TenantContext`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal, NamedTuple, TypeAlias, get_args

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select

from belegsync.domain.matching import ALLOCATING_STATUSES, LinkStatus
from belegsync.store.access import MAX_PER_PAGE, Page, TenantContext, access_tenant
from belegsync.store.models import (
    BankAccount,
    BankTransaction,
    ExpectedPayment,
    PaymentLink,
    Voucher,
)
from belegsync.store.uow import UnitOfWork

__all__ = [
    "QUEUE_TABS",
    "LinkRow",
    "PaymentRow",
    "QueueFilters",
    "QueueTab",
    "SuggestionRow",
    "awaiting_count",
    "cash_payments",
    "external_payments",
    "link_rows",
    "open_payment",
    "open_suggestions",
    "queue_counts",
    "queue_page",
    "replaced_external_links",
    "returns_named",
    "returns_to_check",
    "search_transactions",
]

QueueTab = Literal["suggestions", "external", "auto", "confirmed", "rejected"]
QUEUE_TABS: Final[tuple[QueueTab, ...]] = get_args(QueueTab)
_TAB_STATUS: Final[dict[QueueTab, LinkStatus]] = {
    "suggestions": LinkStatus.SUGGESTED,
    "auto": LinkStatus.AUTO_CONFIRMED,
    "confirmed": LinkStatus.CONFIRMED,
    "rejected": LinkStatus.REJECTED,
}
_SETTLING: Final[list[str]] = [s.value for s in ALLOCATING_STATUSES]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
# Transactions found around a day: the window a person searches in by default.
SEARCH_DAYS: Final[int] = 10


class LinkRow(NamedTuple):
    link: PaymentLink
    payment: ExpectedPayment
    voucher: Voucher
    transaction: BankTransaction
    account: BankAccount


class PaymentRow(NamedTuple):
    payment: ExpectedPayment
    voucher: Voucher


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """Search fields of the queue; all optional, combined with AND."""

    number: str = ""
    contact: str = ""
    amount_cents: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return any((self.number, self.contact, self.text, self.date_from, self.date_to)) or (
            self.amount_cents is not None
        )


def _like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _settled() -> ColumnElement[bool]:
    """An allocating link of the payment (correlated to ``ExpectedPayment``)."""
    other = PaymentLink.__table__.alias("settling")
    return (
        exists()
        .where(other.c.expected_payment_id == ExpectedPayment.id, other.c.status.in_(_SETTLING))
        .correlate(ExpectedPayment)
    )


def _payment_conditions(filters: QueueFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if filters.number:
        out.append(Voucher.voucher_number.ilike(_like(filters.number), escape="\\"))
    if filters.contact:
        out.append(Voucher.contact_name.ilike(_like(filters.contact), escape="\\"))
    day = func.coalesce(ExpectedPayment.paid_date, Voucher.voucher_date)
    if filters.date_from is not None:
        out.append(day >= filters.date_from)
    if filters.date_to is not None:
        out.append(day <= filters.date_to)
    return out


def _text_condition(text: str, *, with_transaction: bool) -> ColumnElement[bool]:
    pattern = _like(text)
    columns: list[Any] = [Voucher.voucher_number, Voucher.contact_name]
    if with_transaction:
        columns += [BankTransaction.remittance, BankTransaction.counterparty_name]
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def _link_query(ctx: TenantContext, statuses: Sequence[str]) -> AnySelect:
    query: AnySelect = (
        select(PaymentLink, ExpectedPayment, Voucher, BankTransaction, BankAccount)
        .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
        .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
        .join(BankTransaction, BankTransaction.id == PaymentLink.bank_transaction_id)
        .join(BankAccount, BankAccount.id == BankTransaction.account_id)
        .where(
            PaymentLink.tenant_id == ctx.tenant_id,
            Voucher.tenant_id == ctx.tenant_id,
            PaymentLink.status.in_(list(statuses)),
        )
    )
    return query


def _filtered_links(
    ctx: TenantContext, statuses: Sequence[LinkStatus], filters: QueueFilters
) -> AnySelect:
    """Links of active payments with these statuses; a suggestion only while nothing
    settles its payment."""
    query = _link_query(ctx, [s.value for s in statuses]).where(
        ExpectedPayment.active.is_(True),
        or_(PaymentLink.status != LinkStatus.SUGGESTED.value, ~_settled()),
        *_payment_conditions(filters),
    )
    if filters.amount_cents is not None:
        cents = abs(filters.amount_cents)
        query = query.where(
            or_(
                ExpectedPayment.amount_cents == cents,
                BankTransaction.amount_cents.in_([cents, -cents]),
            )
        )
    if filters.text:
        query = query.where(_text_condition(filters.text, with_transaction=True))
    return query


def _return_to_check() -> ColumnElement[bool]:
    """A confirmed link whose collection came back, not yet checked by a person."""
    return and_(
        PaymentLink.returned_by_txn_id.is_not(None), PaymentLink.return_checked_at.is_(None)
    )


async def returns_to_check(uow: UnitOfWork, ctx: TenantContext) -> int:
    """Confirmed links (of active payments, as the tab lists them) whose collection
    came back that a person has yet to check. The links alone, by the tenant's status
    index: on every start page, it must cost nothing where there are none."""
    query = (
        select(func.count())
        .select_from(PaymentLink)
        .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
        .where(
            PaymentLink.tenant_id == ctx.tenant_id,
            PaymentLink.status == LinkStatus.CONFIRMED.value,
            _return_to_check(),
            ExpectedPayment.active.is_(True),
        )
    )
    return int(await uow.session.scalar(query) or 0)


def _tab_link_query(ctx: TenantContext, tab: QueueTab, filters: QueueFilters) -> AnySelect:
    return _filtered_links(ctx, [_TAB_STATUS[tab]], filters)


def _payments_query(ctx: TenantContext, kind: str) -> AnySelect:
    """The tenant's active expected payments of ``kind`` with their vouchers."""
    query: AnySelect = (
        select(ExpectedPayment, Voucher)
        .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
        .where(
            ExpectedPayment.tenant_id == ctx.tenant_id,
            Voucher.tenant_id == ctx.tenant_id,
            ExpectedPayment.active.is_(True),
            ExpectedPayment.kind == kind,
        )
    )
    return query


def _external_query(ctx: TenantContext, filters: QueueFilters) -> AnySelect:
    query = _payments_query(ctx, "bank").where(
        ExpectedPayment.unmatched_reason == "no_candidate",
        ~_settled(),
        *_payment_conditions(filters),
    )
    if filters.amount_cents is not None:
        query = query.where(ExpectedPayment.amount_cents == abs(filters.amount_cents))
    if filters.text:
        query = query.where(_text_condition(filters.text, with_transaction=False))
    return query


def _tab_query(ctx: TenantContext, tab: QueueTab, filters: QueueFilters) -> AnySelect:
    if tab == "external":
        return _external_query(ctx, filters)
    return _tab_link_query(ctx, tab, filters)


async def _page_rows(
    uow: UnitOfWork, query: AnySelect, *, page: int, per_page: int
) -> tuple[list[Any], int]:
    """One page of rows (several entities each) and the total."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError("page starts at 1; per_page between 1 and MAX_PER_PAGE")
    total = await uow.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())
    )
    rows = await uow.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    return list(rows), int(total or 0)


async def queue_counts(
    uow: UnitOfWork, ctx: TenantContext, filters: QueueFilters | None = None
) -> dict[QueueTab, int]:
    """Rows per tab (with the same filters as the page); ``NotFound`` for a tenant the
    context may not see."""
    await access_tenant(uow.session, ctx)
    filters = filters or QueueFilters()
    links = _filtered_links(ctx, list(_TAB_STATUS.values()), filters)
    grouped = links.with_only_columns(PaymentLink.status, func.count()).group_by(PaymentLink.status)
    by_status = {LinkStatus(status): int(n) for status, n in await uow.session.execute(grouped)}
    counts: dict[QueueTab, int] = {
        tab: by_status.get(status, 0) for tab, status in _TAB_STATUS.items()
    }
    _, counts["external"] = await _page_rows(uow, _external_query(ctx, filters), page=1, per_page=1)
    return {tab: counts[tab] for tab in QUEUE_TABS}


async def queue_page(
    uow: UnitOfWork,
    ctx: TenantContext,
    tab: QueueTab,
    filters: QueueFilters,
    *,
    page: int = 1,
    per_page: int = 50,
) -> Page[LinkRow] | Page[PaymentRow]:
    """One page of a tab; suggestions best first within a voucher, newest vouchers first
    (confirmed links whose collection came back before all others)."""
    query = _tab_query(ctx, tab, filters)
    day = func.coalesce(ExpectedPayment.paid_date, Voucher.voucher_date)
    if tab == "external":
        ordered = query.order_by(day.desc(), Voucher.id, ExpectedPayment.position)
        rows, total = await _page_rows(uow, ordered, page=page, per_page=per_page)
        return Page([PaymentRow(*r) for r in rows], total, page, per_page)
    # the confirmed links whose money came back first: they wait for the person
    first = [case((_return_to_check(), 0), else_=1)] if tab == "confirmed" else []
    ordered = query.order_by(
        *first,
        day.desc(),
        Voucher.id,
        ExpectedPayment.position,
        PaymentLink.score.desc(),
        PaymentLink.id,
    )
    rows, total = await _page_rows(uow, ordered, page=page, per_page=per_page)
    return Page([LinkRow(*r) for r in rows], total, page, per_page)


class SuggestionRow(NamedTuple):
    """What deciding "safe" needs of a suggestion, read as plain columns."""

    id: str
    payment_id: str
    txn_id: str
    score: float | None
    features: dict[str, Any] | None


async def open_suggestions(uow: UnitOfWork, ctx: TenantContext) -> list[SuggestionRow]:
    """Every row of the suggestions tab, unfiltered and unpaged (for bulk confirmation)."""
    query = _tab_link_query(ctx, "suggestions", QueueFilters()).with_only_columns(
        PaymentLink.id,
        PaymentLink.expected_payment_id,
        PaymentLink.bank_transaction_id,
        PaymentLink.score,
        PaymentLink.features,
    )
    rows = await uow.session.execute(query.order_by(PaymentLink.created_at, PaymentLink.id))
    return [SuggestionRow(*row) for row in rows]


async def link_rows(uow: UnitOfWork, ctx: TenantContext, statuses: Sequence[str]) -> list[LinkRow]:
    """All links of the tenant with these statuses (CLI and JSON API)."""
    query = _link_query(ctx, statuses).order_by(
        Voucher.voucher_date, Voucher.lexware_id, PaymentLink.score.desc()
    )
    return [LinkRow(*row) for row in await uow.session.execute(query)]


async def external_payments(uow: UnitOfWork, ctx: TenantContext) -> list[PaymentRow]:
    """Every payment that needs an external transaction, oldest voucher first."""
    query = _external_query(ctx, QueueFilters()).order_by(
        Voucher.voucher_date, Voucher.lexware_id, ExpectedPayment.position
    )
    return [PaymentRow(*row) for row in await uow.session.execute(query)]


async def awaiting_count(uow: UnitOfWork, ctx: TenantContext) -> int:
    """The payments without a line yet whose date windows the client's lines do not
    reach (``UnmatchedReason.AWAITING_LINES``): listed nowhere until the next lines."""
    query = _payments_query(ctx, "bank").where(
        ExpectedPayment.unmatched_reason == "awaiting_lines", ~_settled()
    )
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(await uow.session.scalar(counted) or 0)


async def cash_payments(uow: UnitOfWork, ctx: TenantContext) -> list[PaymentRow]:
    """Payments made in cash (Lexware's cash box): nothing to match."""
    query = _payments_query(ctx, "cash").order_by(
        Voucher.voucher_date, Voucher.lexware_id, ExpectedPayment.position
    )
    return [PaymentRow(*row) for row in await uow.session.execute(query)]


async def replaced_external_links(uow: UnitOfWork, ctx: TenantContext) -> list[LinkRow]:
    """Links to external transactions that a real transaction replaced later."""
    query = (
        _link_query(ctx, [LinkStatus.UNDONE.value])
        .where(BankTransaction.source == "external")
        .order_by(PaymentLink.updated_at.desc())
    )
    return [LinkRow(*row) for row in await uow.session.execute(query)]


async def returns_named(
    uow: UnitOfWork, ctx: TenantContext, links: Sequence[PaymentLink]
) -> dict[str, BankTransaction]:
    """The returns (Rücklastschriften) these links name (``returned_by_txn_id``), by id."""
    ids = sorted({k.returned_by_txn_id for k in links if k.returned_by_txn_id})
    if not ids:
        return {}
    query = select(BankTransaction).where(
        BankTransaction.tenant_id == ctx.tenant_id, BankTransaction.id.in_(ids)
    )
    return {txn.id: txn for txn in await uow.session.scalars(query)}


async def open_payment(uow: UnitOfWork, ctx: TenantContext, payment_id: str) -> PaymentRow:
    """One payment of the tenant with its voucher; ``NotFound`` otherwise."""
    payment, voucher = await uow.matching.payment(ctx.tenant_id, payment_id)
    return PaymentRow(payment, voucher)


async def search_transactions(
    uow: UnitOfWork,
    ctx: TenantContext,
    *,
    amount_cents: int | None = None,
    text: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = 50,
) -> list[tuple[BankTransaction, BankAccount]]:
    """The tenant's real transactions by absolute amount (or the amount their payer
    instructed where the banks kept charges from it: a foreign transfer,
    ``domain.matching.instructed_cents``), text (name or purpose), dates; newest first,
    at most ``limit`` (None: all)."""
    query = (
        select(BankTransaction, BankAccount)
        .join(BankAccount, BankAccount.id == BankTransaction.account_id)
        .where(BankTransaction.tenant_id == ctx.tenant_id, BankTransaction.source != "external")
    )
    if amount_cents is not None:
        cents = abs(amount_cents)
        query = query.where(
            or_(
                BankTransaction.amount_cents.in_([cents, -cents]),
                and_(
                    BankTransaction.original_amount_cents == cents,
                    BankTransaction.original_currency == BankTransaction.currency,
                    func.abs(BankTransaction.amount_cents) < cents,
                ),
            )
        )
    if text.strip():
        pattern = _like(text)
        query = query.where(
            or_(
                BankTransaction.remittance.ilike(pattern, escape="\\"),
                BankTransaction.counterparty_name.ilike(pattern, escape="\\"),
            )
        )
    if date_from is not None or date_to is not None:
        query = query.where(
            and_(
                BankTransaction.booking_date >= (date_from or date.min),
                BankTransaction.booking_date <= (date_to or date.max),
            )
        )
    query = query.order_by(BankTransaction.booking_date.desc(), BankTransaction.id).limit(limit)
    return [(row[0], row[1]) for row in await uow.session.execute(query)]
