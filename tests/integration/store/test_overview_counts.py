"""The overviews' counts (one grouped query over vouchers, payments and links) agree
with a plain Python computation of every voucher's match state and bucket, on generated
data with the awkward cases: several payments per voucher, a suggestion beside a
settling link, rejected and undone links, external transactions, cash payments with and
without a link, inactive payments, vouchers without payments, payments awaiting the
next lines beside open ones, review flags, several tenants (one not asked for). The
Belege list's match state agrees too."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from belegsync.store.access import TenantContext, match_states
from belegsync.store.models import (
    BankAccount,
    BankTransaction,
    ExpectedPayment,
    PaymentLink,
    Voucher,
)
from belegsync.store.models.base import new_id
from belegsync.store.overview import BUCKETS, client_counts, yearly_counts
from belegsync.store.repositories import NewVoucher
from belegsync.store.uow import UnitOfWorkFactory
from support.store_helpers import add_tenant, voucher_data

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
LAST_MONTH = date(2026, 6, 14)
STATUSES = ("suggested", "auto_confirmed", "confirmed", "rejected", "undone")


@dataclass
class Payment:
    kind: str
    active: bool
    reason: str | None
    links: list[tuple[str, bool]] = field(default_factory=list)  # (status, external)


@dataclass
class Planned:
    day: date
    review: str | None
    payments: list[Payment]

    def state(self) -> str | None:
        active = [p for p in self.payments if p.active]
        bank = [p for p in active if p.kind == "bank"]

        def settled(p: Payment) -> bool:
            return any(s in ("auto_confirmed", "confirmed") for s, _ in p.links)

        unsettled = [p for p in bank if not settled(p)]
        if bank and not unsettled:
            return "matched"
        if any(any(s == "suggested" for s, _ in p.links) for p in unsettled):
            return "suggested"
        if any(p.reason == "no_candidate" for p in unsettled):
            return "external"
        if any(p.reason != "awaiting_lines" for p in unsettled):
            return "open"
        if unsettled:  # every one awaits the next lines
            return "awaiting"
        return "cash" if any(p.kind == "cash" for p in active) else None

    def bucket(self) -> str:
        state = self.state()
        if state == "matched":
            links = [link for p in self.payments if p.active for link in p.links]
            if any(s in ("auto_confirmed", "confirmed") and ext for s, ext in links):
                return "external"
            return "confirmed" if any(s == "confirmed" for s, _ in links) else "auto"
        if state in ("suggested", "open", "awaiting"):
            return "open"
        return state or "none"


def plan(rng: random.Random, count: int) -> list[Planned]:
    vouchers = []
    for _ in range(count):
        payments = []
        for _ in range(rng.choice((0, 1, 1, 1, 1, 2, 3))):
            kind = "cash" if rng.random() < 0.15 else "bank"
            reason = rng.choice(
                (None, None, "no_candidate", "below_threshold", "awaiting_lines", "awaiting_lines")
            )
            payment = Payment(kind, rng.random() > 0.1, reason)
            for _ in range(
                rng.choice((0, 0, 1, 1, 1, 2, 3)) if kind == "bank" else int(rng.random() < 0.2)
            ):
                payment.links.append((rng.choice(STATUSES), rng.random() < 0.15))
            payments.append(payment)
        day = date(2024, 11, 1) + timedelta(days=rng.randrange(600))
        review = rng.choice((None,) * 8 + ("no_longer_paid", "deleted"))
        vouchers.append(Planned(day, review, payments))
    return vouchers


async def store(
    uow_factory: UnitOfWorkFactory, tenant_id: str, planned: list[Planned]
) -> list[str]:
    """The vouchers through the sync's insert, their payments, transactions and links
    as rows; returns the voucher ids in plan order."""
    lexware_ids = [f"{tenant_id[:8]}-{n}" for n in range(len(planned))]
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)  # links are written below
        await uow.vouchers.insert_new(
            tenant_id,
            [
                NewVoucher(
                    data=voucher_data(lexware_id, voucher_date=v.day, paid_date=v.day),
                    payment_items=[],
                    files=[],
                )
                for lexware_id, v in zip(lexware_ids, planned, strict=True)
            ],
            now=NOW,
        )
        query = select(Voucher.lexware_id, Voucher.id).where(Voucher.tenant_id == tenant_id)
        found = {str(lexware_id): str(id_) for lexware_id, id_ in await uow.session.execute(query)}
        ids = [found[i] for i in lexware_ids]
        account = BankAccount(
            id=new_id(),
            tenant_id=tenant_id,
            iban=f"DE{tenant_id[:8]}",
            name="Konto",
            created_at=NOW,
        )
        rows: list[object] = [account]
        for voucher_id, v in zip(ids, planned, strict=True):
            for position, p in enumerate(v.payments):
                payment_id = new_id()
                rows.append(
                    ExpectedPayment(
                        id=payment_id,
                        tenant_id=tenant_id,
                        voucher_id=voucher_id,
                        position=position,
                        item_type=None,
                        kind=p.kind,
                        amount_cents=1000,
                        currency="EUR",
                        paid_date=v.day,
                        active=p.active,
                        unmatched_reason=p.reason,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
                for status, external in p.links:
                    txn_id = new_id()
                    rows.append(
                        BankTransaction(
                            id=txn_id,
                            tenant_id=tenant_id,
                            account_id=account.id,
                            source="external" if external else "file",
                            booking_date=v.day,
                            amount_cents=-1000,
                            currency="EUR",
                            remittance_lines=[],
                            import_hash=txn_id,
                            created_at=NOW,
                        )
                    )
                    rows.append(
                        PaymentLink(
                            tenant_id=tenant_id,
                            expected_payment_id=payment_id,
                            bank_transaction_id=txn_id,
                            allocated_cents=1000,
                            status=status,
                            reasons=[],
                            actor="test",
                            created_at=NOW,
                            updated_at=NOW,
                        )
                    )
        uow.session.add_all(rows)
        await uow.session.flush()
        for voucher_id, v in zip(ids, planned, strict=True):
            if v.review:
                await uow.session.execute(
                    update(Voucher).where(Voucher.id == voucher_id).values(review_reason=v.review)
                )
        await uow.commit()
    return ids


async def test_counts_agree_with_a_plain_computation(uow_factory: UnitOfWorkFactory) -> None:
    rng = random.Random(13)
    tenants: dict[str, list[Planned]] = {}
    voucher_ids: dict[str, list[str]] = {}
    for name, count in (("Alpha", 260), ("Beta", 90), ("Leer", 0), ("Fremd", 40)):
        tenant_id, _ = await add_tenant(uow_factory, name)
        tenants[tenant_id] = plan(rng, count)
        voucher_ids[tenant_id] = await store(uow_factory, tenant_id, tenants[tenant_id])
    asked = list(tenants)[:3]  # "Fremd" is not asked for: its vouchers must not count

    expected: dict[tuple[str, int], dict[str, Counter[str]]] = defaultdict(
        lambda: {"buckets": Counter(), "waiting": Counter(), "flagged": Counter()}
    )
    for tenant_id in asked:
        for v in tenants[tenant_id]:
            found = expected[(tenant_id, v.day.year)]
            found["buckets"][v.bucket()] += 1
            if v.state() in ("suggested", "open", "awaiting", "external"):
                found["waiting"][str(v.state())] += 1
            if v.review:
                found["flagged"][v.review] += 1

    async with uow_factory() as uow:
        years = await yearly_counts(uow.session, asked)
        assert await yearly_counts(uow.session, []) == []
    got = {
        (y.tenant_id, y.year): {
            "buckets": Counter({k: n for k, n in y.buckets.items() if n}),
            "waiting": Counter(y.waiting),
            "flagged": Counter(y.flagged),
        }
        for y in years
    }
    assert got == dict(expected)
    assert all(set(y.buckets) == set(BUCKETS) for y in years)
    # The awkward cases are really there.
    alpha = tenants[asked[0]]
    assert {v.bucket() for v in alpha} == set(BUCKETS)
    assert any(
        any(s == "suggested" for s, _ in p.links) and any(s == "auto_confirmed" for s, _ in p.links)
        for v in alpha
        for p in v.payments
    )

    # One client: its 12 months and its years, from the same query.
    ctx = TenantContext(asked[0], "test")
    async with uow_factory() as uow:
        counts = await client_counts(uow.session, ctx, last_month=LAST_MONTH)
        states = await match_states(uow.session, ctx, voucher_ids[asked[0]])
    months = [(m.year, m.month) for m in counts.months]
    assert (months[0], months[-1], len(months)) == ((2025, 7), (2026, 6), 12)
    for month in counts.months:
        plain = Counter(
            v.bucket() for v in alpha if (v.day.year, v.day.month) == (month.year, month.month)
        )
        assert {k: n for k, n in month.buckets.items() if n} == dict(plain), month
    assert [(y.year, y.buckets) for y in counts.years] == [
        (y.year, y.buckets) for y in years if y.tenant_id == asked[0]
    ]
    # The Belege list's match state (one expression per row) says the same per voucher.
    assert "awaiting" in states.values()
    assert states == {
        voucher_id: v.state() for voucher_id, v in zip(voucher_ids[asked[0]], alpha, strict=True)
    }
