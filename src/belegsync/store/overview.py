"""Counts for the overviews: what a client's vouchers look like per month and per tax
year, by match state, and the vouchers the last sync could not store.

Every voucher falls into one bucket:
auto      every bank payment linked automatically
confirmed every bank payment linked, at least one confirmed by a person
external  linked through an external transaction, or one is needed
open      a suggestion to check, or no confident match yet
cash      paid from the cash box only (nothing to match)
none      no expected payment (matching has not run, or nothing to pay)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal, get_args

from sqlalchemy import ColumnElement, case, exists, extract, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.store.access import TenantContext, match_state_expression
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


def _settled_by(
    voucher_id: ColumnElement[str], *conditions: ColumnElement[bool]
) -> ColumnElement[bool]:
    return exists().where(
        ExpectedPayment.voucher_id == voucher_id,
        ExpectedPayment.active.is_(True),
        PaymentLink.expected_payment_id == ExpectedPayment.id,
        *conditions,
    )


def _classified(where: Sequence[ColumnElement[bool]]):  # type: ignore[no-untyped-def]
    """Vouchers with their match state, as a subquery (id, day, reason, state)."""
    return (
        select(
            Voucher.id.label("id"),
            Voucher.tenant_id.label("tenant_id"),
            Voucher.voucher_date.label("day"),
            Voucher.review_reason.label("review"),
            match_state_expression().label("state"),
        )
        .where(*where)
        .subquery()
    )


def _bucket(inner) -> ColumnElement[str]:  # type: ignore[no-untyped-def]
    external_txn = _settled_by(
        inner.c.id,
        PaymentLink.status.in_(("auto_confirmed", "confirmed")),
        BankTransaction.id == PaymentLink.bank_transaction_id,
        BankTransaction.source == "external",
    )
    confirmed = _settled_by(inner.c.id, PaymentLink.status == "confirmed")
    return case(
        (
            inner.c.state == "matched",
            case(
                (external_txn, literal("external")),
                (confirmed, literal("confirmed")),
                else_=literal("auto"),
            ),
        ),
        (inner.c.state == "external", literal("external")),
        (inner.c.state.in_(("suggested", "open")), literal("open")),
        (inner.c.state == "cash", literal("cash")),
        else_=literal("none"),
    )


@dataclass
class MonthCounts:
    year: int
    month: int
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


async def monthly_counts(
    session: AsyncSession, ctx: TenantContext, *, last_month: date, months: int = 12
) -> list[MonthCounts]:
    """Per voucher-date month, oldest first, the ``months`` months up to ``last_month``."""
    first_index = last_month.year * 12 + last_month.month - 1 - (months - 1)
    first = date(first_index // 12, first_index % 12 + 1, 1)
    inner = _classified([Voucher.tenant_id == ctx.tenant_id, Voucher.voucher_date >= first])
    year, month = extract("year", inner.c.day), extract("month", inner.c.day)
    bucket = _bucket(inner)
    query = select(year, month, bucket, func.count()).group_by(year, month, bucket)
    result = {
        (first_index + i): MonthCounts((first_index + i) // 12, (first_index + i) % 12 + 1)
        for i in range(months)
    }
    for y, m, b, n in await session.execute(query):
        index = int(y) * 12 + int(m) - 1
        if index in result:
            result[index].buckets[str(b)] += int(n)
    return [result[i] for i in sorted(result)]


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


async def yearly_counts(session: AsyncSession, tenant_ids: Sequence[str]) -> list[YearCounts]:
    """Per tenant and voucher-date year: buckets, waiting states and review flags."""
    if not tenant_ids:
        return []
    inner = _classified([Voucher.tenant_id.in_(list(tenant_ids))])
    year = extract("year", inner.c.day)
    bucket = _bucket(inner)
    query = select(
        inner.c.tenant_id, year, bucket, inner.c.state, inner.c.review, func.count()
    ).group_by(inner.c.tenant_id, year, bucket, inner.c.state, inner.c.review)
    found: dict[tuple[str, int], YearCounts] = {}
    for tenant_id, y, b, state, review, n in await session.execute(query):
        key = (str(tenant_id), int(y))
        counts = found.setdefault(key, YearCounts(*key))
        counts.buckets[str(b)] += int(n)
        if state in ("suggested", "open", "external"):
            counts.waiting[str(state)] = counts.waiting.get(str(state), 0) + int(n)
        if review is not None:
            counts.flagged[str(review)] = counts.flagged.get(str(review), 0) + int(n)
    return [found[k] for k in sorted(found)]


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
