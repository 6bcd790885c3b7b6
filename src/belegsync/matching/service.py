"""Run the engine over a tenant's stored data and store its result.

What a person does with links (confirm, reject, undo, link by hand) lives in
:mod:`belegsync.matching.links`. Links are never deleted; only their status changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Literal

import numpy as np
import numpy.ma  # np.unique imports it on first use: 30 ms in the first run
import structlog

from belegsync.domain import matching as domain
from belegsync.domain.clock import Clock
from belegsync.domain.links import ENGINE_ACTOR, LinkAction, may_auto_link_again
from belegsync.domain.matching import (
    ExistingLink,
    LinkStatus,
    Suggestion,
    UnmatchedReason,
    lines_reach,
)
from belegsync.matching.candidates import (
    RETURN_CHARGES,
    RETURN_DAYS,
    HeldItem,
    returned_items,
    returns_of,
)
from belegsync.matching.columns import TxnColumns
from belegsync.matching.engine import MatchResult, match
from belegsync.matching.expected import (
    rebuild_expected_payments,
    rebuild_stale_expected_payments,
    to_payment_value,
)
from belegsync.matching.history import LinkHistory
from belegsync.matching.link_rows import (
    REPLACED_REASON,
    RETURNED_REASON,
    STALE_REASON,
    audit_link,
    move,
    retire_external,
)
from belegsync.matching.memory import IbanContactMemory, MemoryRow
from belegsync.matching.params import ENGINE_VERSION, MatchParams
from belegsync.store.errors import skipped_when_busy
from belegsync.store.matching_repository import SettledRange
from belegsync.store.models import ExpectedPayment, PaymentLink, Voucher, new_id
from belegsync.store.repositories import AuditRow
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "ALLOCATING",
    "MATCHING_ACTOR",
    "REPLACED_REASON",
    "MatchCounts",
    "matching_after_change",
    "matching_after_sync",
    "run_matching",
]

log = structlog.get_logger(__name__)

MATCHING_ACTOR = ENGINE_ACTOR
ALLOCATING: tuple[str, ...] = ("auto_confirmed", "confirmed")
# Replacing an external transaction needs an exact amount within this many days.
_REPLACE_MAX_DAYS = 10
# What confirmed links teach about a contact reaches back this far (yearly payments).
_HISTORY = timedelta(days=400)
# A run whose links changed while it computed (a person acted) reads and computes again
# without the lock this often, then holding it.
_TRIES_WITHOUT_LOCK = 2


@dataclass(frozen=True, slots=True)
class MatchCounts:
    payments: int
    auto_links: int
    suggestions: int
    unmatched: int
    no_candidate: int
    replaced_external: int
    returned: int = 0  # automatic links retired because a return undid their line
    # confirmed links whose line a return undid, newly shown to a person to decide
    returns_to_check: int = 0
    # payments without a line whose date windows the lines do not reach yet
    awaiting_lines: int = 0


def _features_json(suggestion: Suggestion) -> dict[str, Any]:
    f = suggestion.features
    return {
        "amount": f.amount,
        "reference": f.reference,
        "counterparty": f.counterparty,
        "date": f.date,
        "penalty": f.penalty,
        "amount_kind": f.amount_kind.value,
        "amount_delta_cents": f.amount_delta_cents,
        "days_delta": f.days_delta,
        "reference_hit": f.reference_hit,
        "counterparty_evidence": f.counterparty_evidence,
        "identifying": f.identifying,
        "collective_group": suggestion.collective_group,
    }


def _link_values(suggestion: Suggestion, status: str, now: datetime) -> dict[str, Any]:
    """The columns a run writes for a pair: its evidence and status."""
    return {
        "allocated_cents": suggestion.allocated_cents,
        "difference_cents": suggestion.difference_cents,
        "difference_reason": (
            suggestion.difference_reason.value if suggestion.difference_reason else None
        ),
        "status": LinkStatus(status),
        "score": round(suggestion.score, 4),
        "features": _features_json(suggestion),
        "reasons": list(suggestion.reasons),
        "engine_version": ENGINE_VERSION,
        "updated_at": now,
    }


class _Loaded:
    """Everything one run reads, split the way the engine and the writer need it."""

    def __init__(
        self,
        payments: list[tuple[ExpectedPayment, Voucher]],
        external_txns: set[str],
        links: list[PaymentLink],
    ) -> None:
        self.payments = {p.id: (p, v) for p, v in payments if p.kind == "bank"}
        self.external_txns = external_txns
        self.links = links
        self.external_links: dict[str, PaymentLink] = {}
        self.open_suggestions: dict[tuple[str, str], PaymentLink] = {}
        for link in links:
            if link.status in ALLOCATING and link.bank_transaction_id in self.external_txns:
                self.external_links[link.expected_payment_id] = link
            elif link.status == "suggested":
                self.open_suggestions[(link.expected_payment_id, link.bank_transaction_id)] = link

    async def attach(self, uow: UnitOfWork, tenant_id: str) -> None:
        """The links the writer changes (the open suggestions, the external links)
        read again in ``uow``: the run computed outside the transaction that read
        them."""
        wanted = [*self.open_suggestions.values(), *self.external_links.values()]
        found = {
            link.id: link
            for link in await uow.matching.links_by_id(tenant_id, [k.id for k in wanted])
        }
        self.open_suggestions = {key: found[link.id] for key, link in self.open_suggestions.items()}
        self.external_links = {
            payment: found[link.id] for payment, link in self.external_links.items()
        }

    def engine_links(self) -> list[ExistingLink]:
        return _engine_links(self.links, self.external_txns)

    def rejected_pairs(self) -> frozenset[tuple[str, str]]:
        # Rejected pairs are never offered again.
        return frozenset(
            (k.expected_payment_id, k.bank_transaction_id)
            for k in self.links
            if k.status == LinkStatus.REJECTED
        )

    def suggest_only_pairs(self) -> frozenset[tuple[str, str]]:
        # A pair a person undid may come back, but never as an automatic link.
        return frozenset(
            (k.expected_payment_id, k.bank_transaction_id)
            for k in self.links
            if not may_auto_link_again(k.status, k.actor)
        )


def _engine_links(links: Sequence[PaymentLink], external_txns: set[str]) -> list[ExistingLink]:
    """The allocating links as the engine reads them. Links to external transactions
    do not settle the payment for the engine: a real transaction arriving later must
    still be found (and then replaces it)."""
    return [
        ExistingLink(
            k.expected_payment_id,
            k.bank_transaction_id,
            k.allocated_cents,
            LinkStatus(k.status),
        )
        for k in links
        if k.status in ALLOCATING and k.bank_transaction_id not in external_txns
    ]


def _memory(rows: list[Any]) -> IbanContactMemory:
    return IbanContactMemory(
        MemoryRow(r.tenant_id, r.iban, r.contact_id, r.confirmations, r.rejections) for r in rows
    )


def _replaces_external(suggestion: Suggestion) -> bool:
    f = suggestion.features
    return f.amount_kind.is_exact and f.identifying and abs(f.days_delta) <= _REPLACE_MAX_DAYS


async def run_matching(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: str,
    *,
    params: MatchParams | None = None,
    vouchers_changed: bool = True,
) -> MatchCounts:
    """Match what is still open and store the result.

    Only still-open payments (not settled by a link to a real transaction) and
    transactions with money left to allocate are read, the transactions as columns;
    what confirmed links taught about the open payments' contacts comes along as a
    small history. First the expected payments are brought in line with the synced
    vouchers: ``vouchers_changed=True`` (the manual run) rebuilds those of every
    voucher; ``vouchers_changed=False`` (after a sync, a statement import, a push or a
    link action) only those of the vouchers a sync marked ``payments_stale`` (what it
    wrote, kept across a killed or failed run until a matching rebuilt them).

    Automatic links are stored as ``auto_confirmed``; the open suggestions are replaced
    by the new ones (confirmed, rejected and undone links are never touched). A real
    transaction found for a payment linked to an external transaction replaces it. An
    automatic link whose line a return undid (a collection the customer's bank returned
    after the run linked it) is retired first, a confirmed one names the return
    (:func:`_returned_links`).

    The run reads and computes holding no lock (a read-only unit of work, then the
    engine in a thread) and writes in a transaction that holds the tenant's links lock
    (``MatchingRepository.lock_links``), only where the links version is still the one
    it read: else (someone wrote the tenant's links meanwhile) it tries once more, then
    reads and computes holding the lock (at once where links on returned lines are to
    be taken apart).
    """
    now = clock.now()
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)  # NotFound for an unknown tenant
        if vouchers_changed:
            await rebuild_expected_payments(uow, tenant_id, now=now)
        else:
            await rebuild_stale_expected_payments(uow, tenant_id, now=now)
        await uow.commit()
    for _ in range(_TRIES_WITHOUT_LOCK):
        counts = await _without_lock(uow_factory, tenant_id, now, params)
        if counts != "changed":
            break
    if not isinstance(counts, MatchCounts):
        # read and computed again holding the lock, so nothing is lost: the links kept
        # changing (a person acting on them while the runs computed, other runs), or
        # links on returned lines are to be taken apart first
        async with uow_factory() as uow:
            await uow.matching.lock_links(tenant_id)
            inputs = await _inputs(uow, tenant_id, now, params)
            assert inputs is not None  # a writing unit of work takes returns apart
            counts = await _stored(uow, tenant_id, inputs, await _computed(inputs, params), now)
            await uow.commit()
    log.info(
        "matching_finished",
        tenant_id=tenant_id,
        auto_links=counts.auto_links,
        suggestions=counts.suggestions,
        unmatched=counts.unmatched,
        awaiting_lines=counts.awaiting_lines,
        replaced_external=counts.replaced_external,
        returned=counts.returned,
        returns_to_check=counts.returns_to_check,
    )
    return counts


async def _without_lock(
    uow_factory: UnitOfWorkFactory, tenant_id: str, now: datetime, params: MatchParams | None
) -> MatchCounts | Literal["changed", "returned"]:
    """One try of a run that reads and computes holding no lock (a person's link
    action, a sync, an import of any client go on meanwhile; the engine off the event
    loop: the process answers) and writes where the links are as it read them: the
    counts; else "changed" (someone wrote the links meanwhile) or "returned" (links on
    returned lines are to be taken apart, which needs the lock)."""
    async with uow_factory.read_only() as uow:
        version = await uow.matching.links_version(tenant_id)
        inputs = await _inputs(uow, tenant_id, now, params)
    if inputs is None:
        return "returned"
    result = await _computed(inputs, params)
    async with uow_factory() as uow:
        if await uow.matching.lock_links(tenant_id) != version + 1:
            log.info("matching_inputs_changed", tenant_id=tenant_id)
            return "changed"
        counts = await _stored(uow, tenant_id, inputs, result, now)
        await uow.commit()
    return counts


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What a run read: the engine's inputs and what the writer needs of the rows."""

    loaded: _Loaded
    # the open payments, then the settled ones read for the returns
    # (``_returned_item_payments``), whose links come apart from the others'
    expected: list[domain.ExpectedPayment]
    settled_links: list[ExistingLink]
    cols: TxnColumns
    history: LinkHistory
    memory: IbanContactMemory
    returned: int
    returns_to_check: int
    # the last day the tenant's lines reach (``lines_reach``; None: no lines yet)
    lines_until: dict[str, date | None]


async def _inputs(
    uow: UnitOfWork, tenant_id: str, now: datetime, params: MatchParams | None
) -> _Inputs | None:
    """Everything the engine reads. In a writing ``uow`` (which holds the tenant's
    links lock) the links on lines a return undid are taken apart first; a read-only
    one finding such links answers None (the run reads again holding the lock)."""
    columns = await uow.matching.transaction_columns(tenant_id)
    cols = TxnColumns.from_store(tenant_id, columns)
    unpaired = returns_of(cols).unpaired
    returned = to_check = 0
    found = await _returned_links(uow, tenant_id, columns, cols, unpaired)
    if found and uow.read_only:
        return None
    if found:
        returned, to_check = await _take_apart(uow, tenant_id, found, now)
        if returned:  # their lines and payments are open again (keys: ``_stored``)
            columns = await uow.matching.transaction_columns(tenant_id)
            cols = TxnColumns.from_store(tenant_id, columns)
            unpaired = returns_of(cols).unpaired
    payments = await uow.matching.open_payments(tenant_id)
    links = await uow.matching.links_touching(tenant_id, [p.id for p, _ in payments], columns["id"])
    external = await uow.matching.external_transaction_ids(tenant_id)
    loaded = _Loaded(payments, external, links)
    settled, settled_links = await _returned_item_payments(
        uow, tenant_id, cols, unpaired, params or MatchParams(), loaded
    )
    contacts = sorted({v.contact_id for _, v in payments if v.contact_id})
    since = min((v.voucher_date for _, v in payments), default=None)
    history = LinkHistory.from_rows(
        tenant_id,
        await uow.matching.payer_history(
            tenant_id,
            contacts,
            {p.amount_cents for p, _ in payments},
            since=since - _HISTORY if since else None,
        ),
        {v.contact_id: v.contact_name or "" for _, v in payments if v.contact_id},
    )
    numbers = await uow.contacts.customer_numbers(tenant_id)
    expected = [
        to_payment_value(p, v, numbers.get(v.contact_id or ""))
        for p, v in [*loaded.payments.values(), *settled]
    ]
    memory = _memory(await uow.matching.memory(tenant_id))
    until = {tenant_id: lines_reach((await uow.matching.account_lines(tenant_id)).values())}
    return _Inputs(
        loaded, expected, settled_links, cols, history, memory, returned, to_check, until
    )


async def _returned_item_payments(
    uow: UnitOfWork,
    tenant_id: str,
    cols: TxnColumns,
    unpaired: Sequence[int],
    params: MatchParams,
    loaded: _Loaded,
) -> tuple[list[tuple[ExpectedPayment, Voucher]], list[ExistingLink]]:
    """The settled payments a return undoing none of the open lines (``unpaired``) may
    have undone as an item of a line announcing its count („ANZAHL 58“, no advice),
    with the links that settle them that ``loaded`` does not hold yet (each as the
    engine reads it).

    The first run that read the batch, its return and the collection made again paired
    the return with that member's item, and linked the collection made again to the
    member's payment, which is settled now. The runs after read only open payments: the
    return paired with nothing, the batch's open items fell short of its amount, and
    the suggestions for the others vanished the next morning. So the payments whose
    item the return may be (its amount or up to ``RETURN_CHARGES`` less; a date window
    that may hold a line booked up to ``RETURN_DAYS`` before it) are read too, settled
    by their links: the engine pairs them as the first run did, and offers nothing for
    them."""
    if not unpaired:
        return [], []
    (late, after), (before, unanchored_after) = params.reach(True), params.reach(False)
    ranges = []
    for r in unpaired:
        day, whole = date.fromordinal(int(cols.day[r])), abs(int(cols.amount[r]))
        earliest = day - timedelta(days=RETURN_DAYS)
        ranges.append(
            SettledRange(
                cols.currencies[r],
                max(whole - RETURN_CHARGES, 1),
                whole,
                earliest - timedelta(days=after),
                day + timedelta(days=late),
                earliest - timedelta(days=unanchored_after),
                day + timedelta(days=before),
            )
        )
    settled = await uow.matching.settled_payments_in(tenant_id, ranges)
    if not settled:
        return [], []
    known = {link.id for link in loaded.links}
    links = [
        link
        for link in await uow.matching.links_touching(tenant_id, [p.id for p, _ in settled], [])
        if link.id not in known
    ]
    return settled, _engine_links(links, loaded.external_txns)


async def _computed(inputs: _Inputs, params: MatchParams | None) -> MatchResult:
    """The engine's result, computed in a thread."""
    return await asyncio.to_thread(
        partial(
            match,
            inputs.expected,
            inputs.cols,
            rejected=inputs.loaded.rejected_pairs(),
            existing_links=[*inputs.loaded.engine_links(), *inputs.settled_links],
            memory=inputs.memory,
            params=params,
            history=inputs.history,
            lines_until=inputs.lines_until,
        )
    )


async def _stored(
    uow: UnitOfWork, tenant_id: str, inputs: _Inputs, result: MatchResult, now: datetime
) -> MatchCounts:
    """Write the run's result (``uow`` holds the tenant's links lock, and the links are
    as ``inputs`` read them)."""
    await _store_keys(uow, tenant_id, inputs.cols)
    loaded = inputs.loaded
    await loaded.attach(uow, tenant_id)
    writer = _Writer(uow, tenant_id, loaded, now)
    suggest_only = loaded.suggest_only_pairs()
    # a pair a person took apart comes back as a suggestion, never linked again
    demoted = 0
    for decision in result.auto_links:
        pair = (decision.suggestion.payment_id, decision.suggestion.txn_id)
        status = "suggested" if pair in suggest_only else "auto_confirmed"
        demoted += status == "suggested"
        await writer.link(decision.suggestion, status)
    suggested = demoted
    for payment_id, suggestions in result.suggestions_by_payment.items():
        if payment_id in loaded.external_links:
            if suggestions and _replaces_external(suggestions[0]):
                await writer.link(suggestions[0], "auto_confirmed")
            continue
        for suggestion in suggestions:
            await writer.link(suggestion, "suggested")
            suggested += 1
    await writer.write()
    await writer.retire_stale()
    reasons = {u.payment_id: u.reason.value for u in result.unmatched}
    await uow.matching.set_unmatched_reasons(
        tenant_id,
        {
            payment.id: reasons.get(payment.id)
            for payment, _ in loaded.payments.values()
            if payment.unmatched_reason != reasons.get(payment.id)
        },
    )
    return MatchCounts(
        payments=len(loaded.payments),
        auto_links=len(result.auto_links) - demoted,
        suggestions=suggested,
        unmatched=len(result.unmatched),
        no_candidate=sum(r == UnmatchedReason.NO_CANDIDATE.value for r in reasons.values()),
        replaced_external=writer.replaced,
        returned=inputs.returned,
        returns_to_check=inputs.returns_to_check,
        awaiting_lines=sum(r == UnmatchedReason.AWAITING_LINES.value for r in reasons.values()),
    )


async def _returned_links(
    uow: UnitOfWork,
    tenant_id: str,
    columns: dict[str, list[Any]],
    cols: TxnColumns,
    unpaired: Sequence[int],
) -> list[tuple[PaymentLink, str]]:
    """The links on lines a return among the open ``columns`` (``cols``: as the engine
    reads them; ``unpaired``: its returns undoing none of them, ``returns_of``) undid,
    each with the return's id, which a run takes apart
    (:func:`_take_apart`): the automatic ones, and the confirmed ones not naming that
    return yet.

    Runs happen as statements arrive: the collection was linked to its voucher days
    before the customer's bank returned it, and that line is used up, so the run does
    not read it. For the returns that undo none of the open lines, the lines they may
    undo (used up, booked up to ``RETURN_DAYS`` before) are read and paired with them
    as the engine pairs them (``returns_of``); a return left unpaired may undo one item
    of a line paying several (a SEPA batch: ``returned_items``, by the item's amount
    and the payer).
    """
    days = sorted({int(cols.day[r]) for r in unpaired})
    if not days:
        return []
    spans: list[tuple[int, int]] = []  # the days they may undo, merged
    for day in days:
        if spans and day - RETURN_DAYS <= spans[-1][1]:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((max(1, day - RETURN_DAYS), day))  # ordinal 1: 1 January of year 1
    used = await uow.matching.used_up_columns(
        tenant_id, [(date.fromordinal(a), date.fromordinal(b)) for a, b in spans]
    )
    opened = len(columns["id"])  # rows below: the open lines, from there: the used-up
    both = (
        TxnColumns.from_store(tenant_id, {k: columns[k] + used[k] for k in columns})
        if used["id"]
        else cols
    )
    paired = returns_of(both)
    undone = {both.ids[row]: both.ids[r] for row, r in paired.returned_by.items() if row >= opened}
    links = [
        (link, undone[link.bank_transaction_id])
        for link in await uow.matching.links_touching(tenant_id, [], sorted(undone))
    ]
    # the items links hold on the used-up lines, and on the open lines of those days
    # (a batch some of whose items are linked: a return may undo a linked one)
    in_spans = np.zeros(opened, dtype=np.bool_)
    for first, last in spans:
        in_spans |= (cols.day >= first) & (cols.day <= last)
    rows = [*np.flatnonzero(in_spans).tolist(), *range(opened, len(both))]
    links += await _returned_items(
        uow, tenant_id, both, rows, [r for r in paired.unpaired if r < opened]
    )
    return [
        (link, return_id)
        for link, return_id in links
        if link.status == LinkStatus.AUTO_CONFIRMED
        or (link.status == LinkStatus.CONFIRMED and link.returned_by_txn_id != return_id)
    ]


async def _take_apart(
    uow: UnitOfWork, tenant_id: str, found: list[tuple[PaymentLink, str]], now: datetime
) -> tuple[int, int]:
    """Retire the automatic links of :func:`_returned_links` (audit ``link_returned``),
    which opens the line (the item's part) and the payment again: the engine then
    pairs the return with what it undid and finds the collection made again. A link a
    person confirmed is kept — the engine never changes a person's decision — and
    names the return (``returned_by_txn_id``, audit ``link_return_shown``): the person
    is shown that the money came back and decides (undoes the link, or keeps it:
    ``links.keep_after_return``). Returns how many links were retired and how many
    confirmed ones newly name a return."""
    retired = shown = 0
    for link, return_id in found:
        if link.status == LinkStatus.AUTO_CONFIRMED:
            move(link, LinkAction.RETIRE, actor=MATCHING_ACTOR, now=now, reason=RETURNED_REASON)
            await audit_link(uow, tenant_id, MATCHING_ACTOR, "link_returned", link, now)
            retired += 1
        else:
            link.returned_by_txn_id = return_id
            link.return_checked_at = None  # a return a person checked was another
            await audit_link(
                uow,
                tenant_id,
                MATCHING_ACTOR,
                "link_return_shown",
                link,
                now,
                returned_by=return_id,
            )
            shown += 1
    await uow.matching.flush()
    return retired, shown


async def _store_keys(uow: UnitOfWork, tenant_id: str, cols: TxnColumns) -> None:
    """Keep what the read worked out of lines' texts (``line_keys``: the lines read for
    the first time, or under an older derivation), so the next run reads integers."""
    rows, values = cols.keys.storable()
    if rows:
        await uow.matching.store_line_keys(
            tenant_id, list(zip(map(cols.ids.__getitem__, rows), values, strict=True))
        )
        log.info("line_keys_stored", tenant_id=tenant_id, lines=len(rows))


async def _returned_items(
    uow: UnitOfWork, tenant_id: str, cols: TxnColumns, rows: list[int], returns: list[int]
) -> list[tuple[PaymentLink, str]]:
    """(link, return id) of the items of lines paying several that ``returns`` undid
    (``returned_items``): the allocating links on the lines of ``cols`` at ``rows``
    that hold less than their line, each with its contact's name and the accounts the
    contact is known to pay from."""
    if not returns or not rows:
        return []
    row_of = {txn_id: row for row, txn_id in enumerate(cols.ids)}
    held = [
        (link, contact_id, name, number)
        for link, contact_id, name, number in await uow.matching.allocations_on(
            tenant_id, [cols.ids[row] for row in rows]
        )
        if link.allocated_cents < abs(int(cols.amount[row_of[link.bank_transaction_id]]))
    ]
    if not held:
        return []
    accounts: dict[str, set[str]] = {}
    for memory in await uow.matching.memory(tenant_id):
        if memory.confirmations > memory.rejections:
            accounts.setdefault(memory.contact_id, set()).add(memory.iban)
    items = [
        HeldItem(
            row_of[link.bank_transaction_id],
            link.allocated_cents,
            name,
            frozenset(accounts.get(contact_id or "", ())),
            number,
        )
        for link, contact_id, name, number in held
    ]
    found = returned_items(cols, returns, items)
    return [(held[k][0], cols.ids[r]) for r, k in sorted(found.items())]


def matching_after_sync(
    uow_factory: UnitOfWorkFactory, clock: Clock
) -> Callable[[str], Awaitable[MatchCounts | None]]:
    """The hook a sync calls when it wrote vouchers (``SyncDeps.after_sync``).

    Only the expected payments of the vouchers the sync wrote (marked stale in the
    transactions that wrote them) are rebuilt; a webhook run's few vouchers likewise.
    If this fails, finds the database busy (:func:`matching_after_change`) or the
    process dies first, they stay marked for the next matching.
    """

    async def after_sync(tenant_id: str) -> MatchCounts | None:
        return await matching_after_change(uow_factory, clock, tenant_id)

    return after_sync


async def matching_after_change(
    uow_factory: UnitOfWorkFactory, clock: Clock, tenant_id: str
) -> MatchCounts | None:
    """The run after a committed change (new statement lines from an upload, a push or
    an advice; links undone, an advice removed); None where the database was busy with
    another process's write (the busy timeout passed, or PostgreSQL refused a lock):
    the change stands and says so, instead of answering "busy" for what it stored.
    Nothing of the run is kept then, and the next run (the morning's, the next
    import's, „Abgleich jetzt ausführen“) catches up, as every run reads all open
    payments and lines."""
    with skipped_when_busy("matching_deferred", tenant_id=tenant_id):
        return await run_matching(uow_factory, clock, tenant_id, vouchers_changed=False)
    return None


class _Writer:
    """Writes the run's links; the audit rows of automatic links are kept and written
    together (:meth:`write_audit`), in the order the links were made."""

    def __init__(self, uow: UnitOfWork, tenant_id: str, loaded: _Loaded, now: datetime) -> None:
        self.uow, self.tenant_id, self.loaded, self.now = uow, tenant_id, loaded, now
        self.kept: set[tuple[str, str]] = set()
        self.replaced = 0
        self._audit: list[AuditRow] = []
        self._new: list[dict[str, Any]] = []

    async def link(self, suggestion: Suggestion, status: str) -> None:
        """Store the pair with ``status``: an open suggestion of it is updated, else a
        new row is kept for :meth:`write` (no object: a run writes hundreds)."""
        key = (suggestion.payment_id, suggestion.txn_id)
        values = _link_values(suggestion, status, self.now)
        link = self.loaded.open_suggestions.get(key)
        if link is None:
            link_id = new_id()
            self._new.append(
                {
                    "id": link_id,
                    "tenant_id": self.tenant_id,
                    "expected_payment_id": key[0],
                    "bank_transaction_id": key[1],
                    "actor": MATCHING_ACTOR,
                    "created_at": self.now,
                    **values,
                }
            )
        else:
            link_id = link.id
            for name, value in values.items():
                setattr(link, name, value)
        self.kept.add(key)
        if status == "suggested":
            return
        detail = {
            "payment_id": key[0],
            "transaction_id": key[1],
            "status": status,
            "reasons": values["reasons"],
        }
        self._audit.append(
            AuditRow(
                self.tenant_id,
                MATCHING_ACTOR,
                "link_auto_confirmed",
                "link",
                link_id,
                detail,
                self.now,
            )
        )
        external = self.loaded.external_links.pop(suggestion.payment_id, None)
        if external is not None:
            await self.write()  # the replacement's row comes after its link's
            await retire_external(self.uow, self.tenant_id, external, link_id, key[1], self.now)
            self.replaced += 1

    async def write(self) -> None:
        """The new links in one statement (the match state kept with them), then the
        audit rows, in the order the links were made."""
        await self.uow.matching.insert_links(self._new)
        self._new = []
        await self.uow.audit.add_all(self._audit)
        self._audit = []

    async def retire_stale(self) -> None:
        for key, link in self.loaded.open_suggestions.items():
            if key not in self.kept and link.status == "suggested":
                move(
                    link, LinkAction.RETIRE, actor=MATCHING_ACTOR, now=self.now, reason=STALE_REASON
                )
