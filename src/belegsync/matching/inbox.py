"""Reads for the matching work queue, the CLI and the JSON API: links with both sides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

from belegsync.domain.links import status_label
from belegsync.domain.matching import ALLOCATING_STATUSES, LinkStatus, lines_reach
from belegsync.domain.matching_reasons import describe_all
from belegsync.matching.external import ExternalNeeded, external_draft, signed_amount
from belegsync.matching.links import safe_suggestions
from belegsync.matching.params import WIDER_DAYS, MatchParams
from belegsync.matching.payer_names import same_payer
from belegsync.store.access import Page, TenantContext
from belegsync.store.matching_queries import (
    SEARCH_DAYS,
    LinkRow,
    PaymentRow,
    QueueFilters,
    QueueTab,
    awaiting_count,
    cash_payments,
    external_payments,
    link_rows,
    open_payment,
    open_suggestions,
    queue_counts,
    queue_page,
    replaced_external_links,
    returns_named,
    returns_to_check,
    search_transactions,
)
from belegsync.store.models import (
    BankAccount,
    BankTransaction,
    ExpectedPayment,
    PaymentLink,
    Voucher,
)
from belegsync.store.uow import UnitOfWork

__all__ = [
    "LinkView",
    "ManualSearch",
    "MatchingOverview",
    "QueueView",
    "manual_search",
    "matching_overview",
    "matching_queue",
    "reason_texts",
]

_EXTERNAL_TEXTS = (
    "Externe Transaktion, von Hand angelegt",
    "External transaction, created by hand",
)


def reason_texts(reasons: list[str]) -> list[tuple[str, str]]:
    """(German, English) sentences for a link's stored reason codes."""
    if reasons == ["external"]:
        return [_EXTERNAL_TEXTS]
    return describe_all(reasons)


@dataclass(frozen=True, slots=True)
class LinkView:
    link: PaymentLink
    payment: ExpectedPayment
    voucher: Voucher
    transaction: BankTransaction
    account: BankAccount
    # a confirmed link whose line a return undid: that return (a person decides)
    returned_by: BankTransaction | None = None

    @classmethod
    def of(cls, row: LinkRow, returns: Mapping[str, BankTransaction] | None = None) -> LinkView:
        returned = (returns or {}).get(row.link.returned_by_txn_id or "")
        return cls(row.link, row.payment, row.voucher, row.transaction, row.account, returned)

    @property
    def return_to_check(self) -> bool:
        """The money came back and the person has not checked it yet."""
        return self.returned_by is not None and self.link.return_checked_at is None

    @property
    def expected_cents(self) -> int:
        """The expected payment, signed as the bank shows it (negative: money out)."""
        return signed_amount(self.voucher.voucher_type, self.payment.amount_cents)

    @property
    def texts(self) -> list[tuple[str, str]]:
        return reason_texts(list(self.link.reasons))

    def as_json(self) -> dict[str, Any]:
        link, txn, voucher = self.link, self.transaction, self.voucher
        return {
            "id": link.id,
            "status": str(link.status),
            "status_label": status_label(link.status)[0],
            "status_reason": link.status_reason,
            "score": link.score,
            "reasons": list(link.reasons),
            "reason_texts": [{"de": de, "en": en} for de, en in self.texts],
            "allocated_cents": link.allocated_cents,
            "difference_cents": link.difference_cents,
            "difference_reason": link.difference_reason,
            "actor": link.actor,
            "engine_version": link.engine_version,
            "batch_id": link.batch_id,
            "payment": {
                "id": self.payment.id,
                "amount_cents": self.payment.amount_cents,
                "signed_amount_cents": self.expected_cents,
                "item_type": self.payment.item_type,
            },
            "voucher": {
                "id": voucher.id,
                "lexware_id": voucher.lexware_id,
                "voucher_number": voucher.voucher_number,
                "voucher_type": voucher.voucher_type,
                "contact_name": voucher.contact_name,
            },
            "transaction": {
                "id": txn.id,
                "booking_date": txn.booking_date.isoformat(),
                "amount_cents": txn.amount_cents,
                "counterparty_name": txn.counterparty_name,
                "remittance": txn.remittance,
                "source": txn.source,
                "account": self.account.name,
            },
            "returned_by": None
            if self.returned_by is None
            else {
                "id": self.returned_by.id,
                "booking_date": self.returned_by.booking_date.isoformat(),
                "amount_cents": self.returned_by.amount_cents,
                "remittance": self.returned_by.remittance,
                "checked_at": link.return_checked_at.isoformat()
                if link.return_checked_at
                else None,
            },
        }


@dataclass(frozen=True, slots=True)
class MatchingOverview:
    suggestions: list[LinkView] = field(default_factory=list)
    auto_links: list[LinkView] = field(default_factory=list)
    confirmed: list[LinkView] = field(default_factory=list)
    replaced: list[LinkView] = field(default_factory=list)
    external_needed: list[ExternalNeeded] = field(default_factory=list)
    cash: list[PaymentRow] = field(default_factory=list)


def _needed(row: PaymentRow) -> ExternalNeeded:
    return ExternalNeeded(row.payment, row.voucher, external_draft(row.payment, row.voucher))


async def matching_overview(uow: UnitOfWork, tenant_id: str) -> MatchingOverview:
    """Everything at once, unpaged (CLI and JSON API): open suggestions (for payments
    not yet linked), links, replaced external transactions, payments that need an
    external transaction, and payments made in cash."""
    ctx = TenantContext(tenant_id=tenant_id, actor="matching")
    rows = await link_rows(uow, ctx, [s.value for s in ALLOCATING_STATUSES])
    returns = await returns_named(uow, ctx, [row.link for row in rows])
    allocating = [LinkView.of(row, returns) for row in rows]
    settled = {view.payment.id for view in allocating}
    suggestions = [
        LinkView.of(row)
        for row in await link_rows(uow, ctx, [LinkStatus.SUGGESTED.value])
        if row.payment.id not in settled and row.payment.active
    ]
    return MatchingOverview(
        suggestions=suggestions,
        auto_links=[v for v in allocating if v.link.status == LinkStatus.AUTO_CONFIRMED],
        confirmed=[v for v in allocating if v.link.status == LinkStatus.CONFIRMED],
        replaced=[LinkView.of(row) for row in await replaced_external_links(uow, ctx)],
        external_needed=[_needed(row) for row in await external_payments(uow, ctx)],
        cash=await cash_payments(uow, ctx),
    )


@dataclass(frozen=True, slots=True)
class AwaitingLines:
    """The payments awaiting the client's next lines (none listed as needing an external
    transaction yet), and the last day the lines reach (None: no lines yet)."""

    count: int
    reach: date | None


@dataclass(frozen=True, slots=True)
class QueueView:
    """One tab of the work queue: counts of every tab, one page of rows."""

    tab: QueueTab
    counts: dict[QueueTab, int]
    links: Page[LinkView] | None
    external: Page[ExternalNeeded] | None
    safe_suggestions: int
    cash: list[tuple[ExpectedPayment, Voucher, int]]
    replaced: list[LinkView]
    # confirmed links whose collection came back, not yet checked (every tab says so)
    returns_to_check: int = 0
    # on the external tab: the payments that may still find their line
    awaiting: AwaitingLines | None = None

    @property
    def total(self) -> int:
        page = self.links or self.external
        return page.total if page is not None else 0


async def matching_queue(
    uow: UnitOfWork,
    ctx: TenantContext,
    tab: QueueTab,
    filters: QueueFilters,
    *,
    page: int = 1,
    per_page: int = 50,
) -> QueueView:
    """The work queue's tab ``tab`` (paged in the database) and the counts of all tabs."""
    counts = await queue_counts(uow, ctx, filters)
    rows = await queue_page(uow, ctx, tab, filters, page=page, per_page=per_page)
    links = external = None
    if tab == "external":
        external = Page(
            [_needed(r) for r in rows.items if isinstance(r, PaymentRow)],
            rows.total,
            rows.page,
            rows.per_page,
        )
    else:
        shown = [r for r in rows.items if isinstance(r, LinkRow)]
        returns = await returns_named(uow, ctx, [r.link for r in shown])
        links = Page(
            [LinkView.of(r, returns) for r in shown],
            rows.total,
            rows.page,
            rows.per_page,
        )
    safe = len(safe_suggestions(await open_suggestions(uow, ctx))) if tab == "suggestions" else 0
    cash = [
        (p, v, signed_amount(v.voucher_type, p.amount_cents))
        for p, v in (await cash_payments(uow, ctx) if tab == "external" else [])
    ]
    replaced = (
        [LinkView.of(row) for row in await replaced_external_links(uow, ctx)]
        if tab == "auto"
        else []
    )
    to_check = await returns_to_check(uow, ctx)
    awaiting = None
    if tab == "external":
        reach = lines_reach((await uow.matching.account_lines(ctx.tenant_id)).values())
        awaiting = AwaitingLines(await awaiting_count(uow, ctx), reach)
    return QueueView(tab, counts, links, external, safe, cash, replaced, to_check, awaiting)


# the lines the widened search shows at most (as many as a search shows), nearest first
_WIDENED_SHOWN = 50


@dataclass(frozen=True, slots=True)
class ManualSearch:
    """A payment and the transactions a person may link it to."""

    payment: ExpectedPayment
    voucher: Voucher
    expected_cents: int
    amount_cents: int | None
    text: str
    date_from: date | None
    date_to: date | None
    found: list[tuple[BankTransaction, BankAccount]]
    defaults_used: bool
    # the defaults found nothing: the lines of the amount farther away and the payer's
    # lines for less were searched instead (:func:`_farther_and_from_the_payer`)
    widened: bool = False
    # how far from the paid date the defaults and the widened search look
    search_days: ClassVar[int] = SEARCH_DAYS
    wider_days: ClassVar[int] = WIDER_DAYS


async def manual_search(
    uow: UnitOfWork,
    ctx: TenantContext,
    payment_id: str,
    *,
    amount_cents: int | None = None,
    text: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> ManualSearch:
    """Transactions for linking a payment by hand. Without any search field the
    payment's own amount and the days around its paid date are searched; where that
    finds nothing, the lines a matching run reads as possibly the payment's
    (:func:`_farther_and_from_the_payer`)."""
    payment, voucher = await open_payment(uow, ctx, payment_id)
    expected = signed_amount(voucher.voucher_type, payment.amount_cents)
    defaults = amount_cents is None and not text.strip() and date_from is None and not date_to
    day = payment.paid_date or voucher.paid_date or voucher.voucher_date
    if defaults:
        amount_cents = expected
        date_from, date_to = day - timedelta(days=SEARCH_DAYS), day + timedelta(days=SEARCH_DAYS)
    found = await search_transactions(
        uow, ctx, amount_cents=amount_cents, text=text, date_from=date_from, date_to=date_to
    )
    widened = defaults and not found
    if widened:
        found = await _farther_and_from_the_payer(uow, ctx, expected, voucher.contact_name, day)
    return ManualSearch(
        payment,
        voucher,
        expected,
        amount_cents,
        text,
        date_from,
        date_to,
        found,
        defaults,
        widened,
    )


async def _farther_and_from_the_payer(
    uow: UnitOfWork, ctx: TenantContext, expected: int, contact: str | None, day: date
) -> list[tuple[BankTransaction, BankAccount]]:
    """What keeps a payment from „Externe Transaktion erforderlich“ without a sure
    match („Kein sicherer Treffer“, the external check of a matching run): a line of
    its exact amount up to ``WIDER_DAYS`` from its paid date, and a line for less (a fee
    kept back, a short or part payment) or up to the fee above, in the direction of
    ``expected`` (signed as the statement), inside its date window, whose payer is the
    contact by name (as the external check judges it); lines other links used up are
    left out. Nearest the paid date first, then nearest the amount; the first
    ``_WIDENED_SHOWN``."""
    params = MatchParams()
    wider = timedelta(days=WIDER_DAYS)
    lines = await search_transactions(
        uow, ctx, amount_cents=expected, date_from=day - wider, date_to=day + wider
    )
    if contact:
        before, after = params.reach(anchored=True)
        near = await search_transactions(
            uow,
            ctx,
            date_from=day - timedelta(days=before),
            date_to=day + timedelta(days=after),
            limit=None,  # all of them: the payer's may be anywhere in the window
        )
        most = abs(expected) + params.rules.fee_cents
        cutoff = params.rules.name_strong
        lines += [
            (t, a)
            for t, a in near
            if t.amount_cents * expected > 0
            and abs(t.amount_cents) <= most
            and t.counterparty_name
            and same_payer(contact, t.counterparty_name, cutoff)
        ]
    # as the external check, only lines with money left (another voucher's payment is not
    # this one's)
    allocated: dict[str, int] = {}
    for link, *_ in await uow.matching.allocations_on(ctx.tenant_id, [t.id for t, _ in lines]):
        txn_id = link.bank_transaction_id
        allocated[txn_id] = allocated.get(txn_id, 0) + link.allocated_cents
    found = {t.id: (t, a) for t, a in lines if allocated.get(t.id, 0) < abs(t.amount_cents)}
    return sorted(
        found.values(),
        key=lambda ta: (
            abs((ta[0].booking_date - day).days),
            abs(abs(ta[0].amount_cents) - abs(expected)),
            ta[0].id,
        ),
    )[:_WIDENED_SHOWN]
