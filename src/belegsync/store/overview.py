"""Counts for the overviews: what a client's vouchers look like per month and per tax
year, by match state, and the vouchers the last sync could not store.

Every voucher falls into one bucket:
auto      every bank payment linked automatically
confirmed every bank payment linked, at least one confirmed by a person
external  linked through an external transaction, or one is needed
open      a suggestion to check, no confident match yet, or awaiting the next lines
cash      paid from the cash box only (nothing to match)
none      no expected payment (matching has not run, or nothing to pay)

The counts read each table once, in one query (a correlated query per voucher took
seconds for 20,000 vouchers; ``bench/overview_latency.py`` measures this one):

1. the tenants' current links (suggested, automatic, confirmed) grouped per payment
   into one code, the strongest link: 3 suggested, 6 automatic, 7 confirmed, 8 through
   an external transaction (streamed from the index on tenant and payment);
2. the vouchers with their active payments and those codes, grouped per voucher into
   the voucher's state code (the most urgent payment: 4 suggestion to check, 3 external
   transaction needed, 2 open, 1 awaiting the next lines, 0 linked; -1 cash only) and
   its link code (2 external, 1 confirmed, 0 automatic);
3. grouped by tenant, month, review reason and the two codes.

The state code follows the rule of the Belege list's match state
(:func:`belegsync.store.access.match_state_expression`): a payment is linked when a
link settles it, whatever else it has; otherwise a suggestion, then "no candidate"
(external), then open, then awaiting the next lines. The tests compare both with a
plain computation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal, get_args

from sqlalchemy import case, extract, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.domain.matching import LinkStatus
from belegsync.store.access import MatchState, TenantContext, access_tenant
from belegsync.store.models import (
    BankTransaction,
    ExpectedPayment,
    PaymentLink,
    SyncRun,
    SyncRunError,
    TaxYear,
    Voucher,
)

Bucket = Literal["auto", "confirmed", "external", "open", "cash", "none"]
BUCKETS: Final[tuple[str, ...]] = get_args(Bucket)

# Link codes per payment (step 1) and state codes per voucher (step 2).
_SUGGESTED, _AUTO, _CONFIRMED, _EXTERNAL_LINK = 3, 6, 7, 8
_STATES: Final[dict[int | None, MatchState | None]] = {
    4: "suggested",
    3: "external",
    2: "open",
    1: "awaiting",
    0: "matched",
    -1: "cash",
    None: None,
}
_MATCHED_BUCKETS: Final[dict[int | None, Bucket]] = {2: "external", 1: "confirmed"}


def _bucket(state: MatchState | None, link_code: int | None) -> Bucket:
    if state == "matched":
        return _MATCHED_BUCKETS.get(link_code, "auto")
    if state in ("suggested", "open", "awaiting"):
        return "open"
    if state == "external" or state == "cash":
        return state
    return "none"


_Row = tuple[str, int, int, Bucket, MatchState | None, str | None, int]


async def _grouped(session: AsyncSession, tenant_ids: Sequence[str]) -> list[_Row]:
    """(tenant, year, month, bucket, state, review reason, vouchers) of the tenants."""
    ids = list(tenant_ids)
    external = select(BankTransaction.id).where(
        BankTransaction.tenant_id.in_(ids), BankTransaction.source == "external"
    )
    via_external = PaymentLink.bank_transaction_id.in_(external)
    links = (
        select(
            PaymentLink.expected_payment_id.label("payment_id"),
            func.max(
                case(
                    (PaymentLink.status == LinkStatus.SUGGESTED.value, _SUGGESTED),
                    (via_external, _EXTERNAL_LINK),
                    (PaymentLink.status == LinkStatus.AUTO_CONFIRMED.value, _AUTO),
                    (PaymentLink.status == LinkStatus.CONFIRMED.value, _CONFIRMED),
                )
            ).label("code"),
        )
        .where(
            PaymentLink.tenant_id.in_(ids),
            PaymentLink.status.in_(
                [
                    s.value
                    for s in (LinkStatus.SUGGESTED, LinkStatus.AUTO_CONFIRMED, LinkStatus.CONFIRMED)
                ]
            ),
        )
        .group_by(PaymentLink.tenant_id, PaymentLink.expected_payment_id)
        .cte("payment_links")
    )
    code = links.c.code
    state_code = case(
        (ExpectedPayment.kind == "cash", -1),
        (
            ExpectedPayment.kind == "bank",
            case(
                (code >= _AUTO, 0),
                (code == _SUGGESTED, 4),
                (ExpectedPayment.unmatched_reason == "no_candidate", 3),
                (ExpectedPayment.unmatched_reason == "awaiting_lines", 1),
                else_=2,
            ),
        ),
        else_=null(),
    )
    link_code = case((code == _CONFIRMED, 1), (code == _EXTERNAL_LINK, 2), else_=0)
    vouchers = (
        select(
            Voucher.tenant_id.label("tenant_id"),
            Voucher.voucher_date.label("day"),
            Voucher.review_reason.label("review"),
            func.max(state_code).label("state"),
            func.max(link_code).label("link"),
        )
        .select_from(Voucher)
        .outerjoin(
            ExpectedPayment,
            (ExpectedPayment.voucher_id == Voucher.id)
            & ExpectedPayment.active.is_(True)
            # Both: SQLite seeks with the equality; PostgreSQL filters the scan by the list.
            & (ExpectedPayment.tenant_id == Voucher.tenant_id)
            & ExpectedPayment.tenant_id.in_(ids),
        )
        .outerjoin(links, links.c.payment_id == ExpectedPayment.id)
        .where(Voucher.tenant_id.in_(ids))
        # In the order of the index on (tenant, id): SQLite groups as it reads.
        .group_by(Voucher.tenant_id, Voucher.id)
        .subquery()
    )
    v = vouchers.c
    columns = (
        v.tenant_id,
        extract("year", v.day).label("year"),
        extract("month", v.day).label("month"),
        v.review,
        v.state,
        v.link,
    )
    query = select(*columns, func.count()).group_by(*columns)
    rows: list[_Row] = []
    for tenant_id, year, month, review, state_code_, link_code_, n in await session.execute(query):
        state = _STATES[None if state_code_ is None else int(state_code_)]
        bucket = _bucket(state, None if link_code_ is None else int(link_code_))
        rows.append((str(tenant_id), int(year), int(month), bucket, state, review, int(n)))
    return rows


@dataclass
class MonthCounts:
    year: int
    month: int
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


@dataclass
class YearCounts:
    """One tenant's vouchers of one tax year (voucher date) by bucket, plus those
    flagged for review and, per state, why they wait."""

    tenant_id: str
    year: int
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    waiting: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)

    @property
    def synced(self) -> int:
        return sum(self.buckets.values())

    @property
    def linked(self) -> int:
        b = self.buckets
        return (
            b["auto"] + b["confirmed"] + b["cash"] + b["external"] - self.waiting.get("external", 0)
        )


def _years(rows: Sequence[_Row]) -> list[YearCounts]:
    found: dict[tuple[str, int], YearCounts] = {}
    for tenant_id, year, _month, bucket, state, review, n in rows:
        counts = found.get((tenant_id, year))
        if counts is None:
            counts = found[(tenant_id, year)] = YearCounts(tenant_id, year)
        counts.buckets[bucket] += n
        if state in ("suggested", "open", "awaiting", "external"):
            counts.waiting[state] = counts.waiting.get(state, 0) + n
        if review is not None:
            counts.flagged[review] = counts.flagged.get(review, 0) + n
    return [found[k] for k in sorted(found)]


def _months(rows: Sequence[_Row], last_month: date, months: int) -> list[MonthCounts]:
    """The ``months`` months up to ``last_month``, oldest first."""
    first = last_month.year * 12 + last_month.month - 1 - (months - 1)
    result = {
        first + i: MonthCounts((first + i) // 12, (first + i) % 12 + 1) for i in range(months)
    }
    for _tenant, year, month, bucket, _state, _review, n in rows:
        if (slot := result.get(year * 12 + month - 1)) is not None:
            slot.buckets[bucket] += n
    return [result[i] for i in sorted(result)]


async def yearly_counts(session: AsyncSession, tenant_ids: Sequence[str]) -> list[YearCounts]:
    """Per tenant and voucher-date year: buckets, waiting states and review flags."""
    return _years(await _grouped(session, tenant_ids)) if tenant_ids else []


@dataclass(frozen=True, slots=True)
class ClientCounts:
    months: list[MonthCounts]
    years: list[YearCounts]


async def client_counts(
    session: AsyncSession, ctx: TenantContext, *, last_month: date, months: int = 12
) -> ClientCounts:
    """One tenant's counts in one query: per voucher-date month the ``months`` months up
    to ``last_month`` (oldest first), and every tax year (as :func:`yearly_counts`)."""
    rows = await _grouped(session, [ctx.tenant_id])
    return ClientCounts(_months(rows, last_month, months), _years(rows))


@dataclass(frozen=True, slots=True)
class FailedVoucher:
    tenant_id: str
    lexware_id: str | None
    code: str
    year: int | None


async def failed_vouchers(session: AsyncSession, tenant_ids: Sequence[str]) -> list[FailedVoucher]:
    """The vouchers the latest finished run of each tenant could not store (retried on
    the next run); ``year`` is known when an earlier version was synced."""
    if not tenant_ids:
        return []
    latest = (
        select(SyncRun.tenant_id, func.max(SyncRun.queued_at).label("at"))
        .where(
            SyncRun.tenant_id.in_(list(tenant_ids)),
            SyncRun.status.in_(("succeeded", "failed", "failed_transient")),
        )
        .group_by(SyncRun.tenant_id)
        .subquery()
    )
    query = (
        select(
            SyncRun.tenant_id,
            SyncRunError.voucher_lexware_id,
            SyncRunError.code,
            Voucher.voucher_date,
        )
        .join(
            latest, (SyncRun.tenant_id == latest.c.tenant_id) & (SyncRun.queued_at == latest.c.at)
        )
        .join(SyncRunError, SyncRunError.run_id == SyncRun.id)
        .outerjoin(
            Voucher,
            (Voucher.tenant_id == SyncRun.tenant_id)
            & (Voucher.lexware_id == SyncRunError.voucher_lexware_id),
        )
    )
    seen: dict[tuple[str, str | None], FailedVoucher] = {}
    for tenant_id, lexware_id, code, day in await session.execute(query):
        seen[(tenant_id, lexware_id)] = FailedVoucher(
            tenant_id, lexware_id, code, day.year if day is not None else None
        )
    return list(seen.values())


async def tax_years(session: AsyncSession, tenant_ids: Sequence[str]) -> dict[str, dict[int, bool]]:
    """Tenant id → {tax year: closed} as staff recorded them."""
    found: dict[str, dict[int, bool]] = defaultdict(dict)
    if tenant_ids:
        query = select(TaxYear.tenant_id, TaxYear.year, TaxYear.closed).where(
            TaxYear.tenant_id.in_(list(tenant_ids))
        )
        for tenant_id, year, closed in await session.execute(query):
            found[tenant_id][int(year)] = bool(closed)
    return dict(found)


class OverviewReads:
    """The overviews' read model, reachable as ``uow.overview``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def client_counts(
        self, ctx: TenantContext, *, last_month: date, months: int = 12
    ) -> ClientCounts:
        """The tenant's months and years; ``NotFound`` for a tenant the context may not see."""
        await access_tenant(self._session, ctx)
        return await client_counts(self._session, ctx, last_month=last_month, months=months)

    async def yearly_counts(self, tenant_ids: Sequence[str]) -> list[YearCounts]:
        return await yearly_counts(self._session, tenant_ids)

    async def failed_vouchers(self, tenant_ids: Sequence[str]) -> list[FailedVoucher]:
        return await failed_vouchers(self._session, tenant_ids)

    async def tax_years(self, tenant_ids: Sequence[str]) -> dict[str, dict[int, bool]]:
        return await tax_years(self._session, tenant_ids)
