"""A data set played through the real store as its client lives it, week by week.

The quality figures of ``bench/matching.py`` call the engine once with every payment
and every line. A client's account lives otherwise: the sync brings a voucher once
Lexware says it is paid, the statements arrive week by week, and every run reads only
what is still open (``run_matching``: open payments, lines with money left, the links
and what confirmed links taught). Whatever the one-shot figures miss of that — a run
that forgets what the run before paired, a suggestion gone the next morning — shows
here, measured against the same truth (``metrics.evaluate_outcome``).

Where the data set holds its statement files (``statement_files``: CAMT.053, MT940,
Sparkasse CSV), each file is uploaded through the product's import once its last day
has passed, instead of its lines being pushed.

The history months of the scenario set (``ScenarioSet.history_links``) are what the
client confirmed before: their vouchers and lines are written first and the person
links each true pair (``link_manually``, which teaches the account as a confirmation
does); those payments are not scored. Then each week: the vouchers paid in it (a
voucher without a paid date on its voucher date), its lines pushed (the data set's
line id kept as the bank's reference), the payment advices whose lines have all
arrived uploaded, and ``run_matching`` as after a sync. Nobody confirms anything after
the history — the figures are what the engine does alone —, unless ``review``: then a
person confirms the right suggestions after each run, as a client working through the
„Vorschläge“ tab does; or ``thorough``: the person also rejects the wrong suggestions
of a payment offered no right one and links by hand what still lies open two weeks
after its line arrived (``Work`` counts it, and the rejected pairs offered again).
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any, Protocol

from schwifty import IBAN
from sqlalchemy import select

from belegsync.banking.advice_import import import_advices
from belegsync.banking.detect import parse_statement_file
from belegsync.banking.hashing import import_hashes
from belegsync.banking.imports import import_statement, push_transactions
from belegsync.domain.errors import DomainError
from belegsync.domain.matching import BankTxn, ExistingLink, ExpectedPayment
from belegsync.domain.money import Money
from belegsync.matching.links import (
    confirm_links,
    link_manually,
    reject_link,
    safe_suggestions,
)
from belegsync.matching.service import run_matching
from belegsync.store.access import TenantContext
from belegsync.store.contact_numbers import ContactNumbers
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.matching_queries import open_suggestions
from belegsync.store.models import BankAccount, BankTransaction
from belegsync.store.repositories import NewVoucher, PaymentItemData, VoucherData
from belegsync.store.uow import UnitOfWorkFactory
from matching_data.metrics import DataSet, Metrics, Outcome, evaluate_outcome

__all__ = ["ReplaySet", "Replayed", "Work", "replay"]

_ACTOR = "replay"
_SKONTO = "cashDiscount"
_SETTLED_OTHERWISE = "partPaymentCreditNote"
# a thorough person links by hand what still lies open this long after its line arrived
_BY_HAND_AFTER = timedelta(days=14)


class ReplaySet(DataSet, Protocol):
    """What a replay reads of a data set besides the truth: the client's lines and
    payments (one business), its history and its advice files."""

    @property
    def history_links(self) -> Sequence[ExistingLink]: ...
    @property
    def advice_files(self) -> Mapping[str, bytes]: ...
    @property
    def advice_lines(self) -> Mapping[str, tuple[str, ...]]: ...


@dataclass(frozen=True, slots=True)
class Work:
    """What a person reviewing did: suggestions confirmed and rejected, payments linked
    by hand (each one click or search); and the suggestions of pairs rejected before
    that a later run offered again (never, if a rejection holds)."""

    confirmed: int = 0
    rejected: int = 0
    by_hand: int = 0
    offered_again: int = 0

    def __add__(self, other: Work) -> Work:
        return Work(
            self.confirmed + other.confirmed,
            self.rejected + other.rejected,
            self.by_hand + other.by_hand,
            self.offered_again + other.offered_again,
        )


@dataclass(frozen=True, slots=True)
class Replayed:
    """The figures of a replay, what the store showed at its end, its runs and their
    seconds (wall)."""

    metrics: Metrics
    outcome: Outcome
    runs: int
    run_seconds: float
    history_links: int
    work: Work = Work()
    # the payments listed as needing an external transaction after a run while a line
    # paying them was still to come (a statement not yet uploaded, a push not yet
    # made): per run, summed (target 0: the client is told to create what exists)
    listed_early: int = 0
    # the pairs (payment, line) „Alle sicheren Vorschläge bestätigen“ would have
    # confirmed after some run, and those of them whose line did not pay the payment
    # (target 0: one click makes a wrong link)
    safe_offered: int = 0
    safe_wrong: int = 0


class _Clock:
    def __init__(self) -> None:
        self.at = datetime(2000, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def _evening(day: date) -> datetime:
    return datetime.combine(day, day_time(18), tzinfo=UTC)


def _appears(payments: Sequence[ExpectedPayment]) -> date:
    """The day the sync brings the voucher: when Lexware says it is paid (the last of
    its items), its voucher date where none is said."""
    paid = [p.paid_date for p in payments if p.paid_date is not None]
    return max([payments[0].voucher_date, *paid])


def _voucher(voucher_id: str, payments: Sequence[ExpectedPayment]) -> NewVoucher:
    """The voucher whose expected payments the store derives as ``payments`` (one bank
    item each, in order; the Skonto and what was settled otherwise as items of their
    own; without items, the gross alone)."""
    first = payments[0]
    items = (
        [
            PaymentItemData(
                payment_item_type="partPaymentFinancialTransaction",
                posting_date=p.paid_date,
                amount_cents=p.amount_cents,
                currency=p.currency,
            )
            for p in payments
        ]
        if first.has_items
        else []
    )
    for kind, cents in (
        (_SKONTO, first.skonto_cents),
        (_SETTLED_OTHERWISE, first.settled_otherwise_cents),
    ):
        if cents and items:
            items.append(
                PaymentItemData(
                    payment_item_type=kind,
                    posting_date=first.paid_date,
                    amount_cents=cents,
                    currency=first.currency,
                )
            )
    appears = _appears(payments)
    paid = max((p.paid_date for p in payments if p.paid_date is not None), default=None)
    data = VoucherData(
        lexware_id=voucher_id,
        voucher_type=first.voucher_type,
        voucher_status="paid",
        voucher_number=first.voucher_number or None,
        voucher_date=first.voucher_date,
        due_date=None,
        contact_name=first.contact_name or None,
        contact_id=first.contact_id,
        total_gross_cents=first.gross_cents,
        total_tax_cents=0,
        open_amount_cents=0,
        currency=first.currency,
        paid_date=paid,
        lexware_updated_at=_evening(appears),
        lexware_version=1,
        raw_json={"id": voucher_id},
        raw_list_json={"id": voucher_id},
        raw_payments_json={"paymentItems": []},
    )
    return NewVoucher(data=data, payment_items=items, files=[])


def _number(customer_number: str | None) -> int | None:
    """The contact's customer number as Lexware holds it (an integer), if any."""
    return int(customer_number) if customer_number and customer_number.isdigit() else None


def _pushed(txn: BankTxn) -> dict[str, Any]:
    """The line as a bank connection pushes it, the data set's id as its reference."""
    out: dict[str, Any] = {
        "booking_date": txn.booking_date.isoformat(),
        "value_date": (txn.value_date or txn.booking_date).isoformat(),
        "amount": Money(txn.amount_cents).to_decimal_string(),
        "currency": txn.currency,
        "remittance_lines": txn.remittance.split("\n") if txn.remittance else [],
        "bank_reference": txn.id,
        "is_reversal": txn.is_reversal,
        "status": str(txn.status),
    }
    for key, value in (
        ("counterparty_name", txn.counterparty_name),
        ("counterparty_iban", txn.counterparty_iban),
        ("end_to_end_id", txn.end_to_end_id),
        ("mandate_reference", txn.mandate_ref),
        ("creditor_id", txn.creditor_id),
    ):
        if value:
            out[key] = value
    if txn.original_amount_cents is not None:
        out["original_amount"] = Money(txn.original_amount_cents).to_decimal_string()
        out["original_currency"] = txn.original_currency
    return out


def _statement_files(
    files: Mapping[str, bytes], txns: Sequence[BankTxn]
) -> dict[str, tuple[bytes, dict[tuple[str, str], str], date]]:
    """Per statement file its bytes, its lines by (account, import hash) → the data
    set's id, and its last day: the files parsed in the data set's order, each line
    numbered as the generator numbered it (``statement_files._import``: a duplicate by
    import hash dropped)."""
    out: dict[str, tuple[bytes, dict[tuple[str, str], str], date]] = {}
    seen: set[tuple[str, str]] = set()
    ordered = iter(txns)
    for name, data in files.items():
        mine: dict[tuple[str, str], str] = {}
        last = date.min
        for statement in parse_statement_file(data, name):
            for txn, digest in zip(
                statement.transactions, import_hashes(statement.transactions), strict=True
            ):
                key = (statement.account_iban or "", digest)
                last = max(last, txn.booking_date)
                if key in seen:
                    continue
                seen.add(key)
                line = next(ordered)
                if (line.amount_cents, line.booking_date) != (txn.amount_cents, txn.booking_date):
                    raise AssertionError(f"{name}: {line.id} is not the file's next line")
                mine[key] = line.id
        out[name] = (data, mine, last)
    return out


class _Client:
    """One business in the store: what was written of it, and the ids between the data
    set and the store."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: _Clock,
        data: ReplaySet,
        files: Mapping[str, bytes] | None = None,
    ) -> None:
        self.uow_factory, self.clock, self.data = uow_factory, clock, data
        # per statement file its lines (the data set's ids) and last day, in order
        self.files = _statement_files(files or {}, data.txns)
        # (account, import hash) → the data set's line id, for the uploaded lines
        self.hashed: dict[tuple[str, str], str] = {}
        self.tenant_id = ""
        self.account = str(IBAN.generate("DE", bank_code="37040044", account_code="532013000"))
        self.by_voucher: dict[str, list[ExpectedPayment]] = defaultdict(list)
        for p in data.expected:
            self.by_voucher[p.voucher_id].append(p)
        self.written: set[str] = set()  # voucher ids
        self.written_payments: set[str] = set()
        self.arrived: dict[str, datetime] = {}  # line id → when the store had it
        self.rejected: set[tuple[str, str]] = set()  # (payment, line): the data set's ids
        self.pushed: set[str] = set()  # line ids
        self.uploaded: set[str] = set()  # advice file names
        self.runs, self.seconds = 0, 0.0
        self.listed_early = 0
        # (payment, line), the data set's ids: what the bulk confirmation offered
        self.safe: set[tuple[str, str]] = set()

    async def open(self, name: str) -> None:
        async with self.uow_factory() as uow:
            tenant = await uow.tenants.add(name=name, now=self.clock.now())
            self.tenant_id = tenant.id
            contacts = {
                p.contact_id: ContactNumbers(
                    p.contact_id,
                    _number(p.customer_number),
                    None,
                    p.contact_name,
                )
                for p in self.data.expected
                if p.contact_id
            }
            await uow.contacts.store(self.tenant_id, contacts.values(), now=self.clock.now())
            await uow.commit()

    async def until(self, day: date) -> None:
        """Everything the client has by the evening of ``day``: the vouchers paid, the
        lines booked, the advices whose lines all arrived."""
        self.clock.at = _evening(day)
        new = [
            _voucher(v, payments)
            for v, payments in sorted(self.by_voucher.items())
            if v not in self.written and _appears(payments) <= day
        ]
        if new:
            async with self.uow_factory() as uow:
                await uow.vouchers.insert_new(self.tenant_id, new, now=self.clock.now())
                await uow.commit()
            self.written.update(n.data.lexware_id for n in new)
            self.written_payments.update(
                p.id for n in new for p in self.by_voucher[n.data.lexware_id]
            )
        if self.files:
            await self._upload(day)
            lines = []
        else:
            lines = sorted(
                (t for t in self.data.txns if t.id not in self.pushed and t.booking_date <= day),
                key=lambda t: (t.booking_date, t.id),
            )
        for start in range(0, len(lines), 500):
            chunk = lines[start : start + 500]
            await push_transactions(
                uow_factory=self.uow_factory,
                clock=self.clock,
                tenant_id=self.tenant_id,
                account_iban=self.account,
                transactions=[_pushed(t) for t in chunk],
                actor=_ACTOR,
            )
        self.pushed.update(t.id for t in lines)
        self.arrived.update((t.id, self.clock.at) for t in lines)
        for name, body in sorted(self.data.advice_files.items()):
            wanted = self.data.advice_lines.get(name, ())
            if name not in self.uploaded and all(line in self.pushed for line in wanted):
                await import_advices(
                    uow_factory=self.uow_factory,
                    clock=self.clock,
                    tenant_id=self.tenant_id,
                    filename=name,
                    data=body,
                    actor=_ACTOR,
                )
                self.uploaded.add(name)

    async def _upload(self, day: date) -> None:
        """The statement files whose last day has passed, uploaded as a client does."""
        for name, (data, mine, last) in self.files.items():
            if name in self.uploaded or last > day:
                continue
            await import_statement(
                uow_factory=self.uow_factory,
                clock=self.clock,
                tenant_id=self.tenant_id,
                filename=name,
                data=data,
                actor=_ACTOR,
            )
            self.uploaded.add(name)
            self.pushed.update(mine.values())
            self.arrived.update((line, self.clock.at) for line in mine.values())

    async def run(self) -> None:
        started = time.perf_counter()
        await run_matching(self.uow_factory, self.clock, self.tenant_id, vouchers_changed=False)
        self.seconds += time.perf_counter() - started
        self.runs += 1
        payments, lines = await self.store_ids()
        self.listed_early += len(await self.listed_before_their_lines(payments))
        self.safe |= await self.safe_now(payments, lines)

    async def safe_now(
        self, payments: Mapping[str, str], lines: Mapping[str, str]
    ) -> set[tuple[str, str]]:
        """The pairs (the data set's ids: ``payments`` and ``lines`` by the store's,
        ``store_ids``) „Alle sicheren Vorschläge bestätigen“ would confirm now: the
        product's own choice (``links.safe_suggestions``) of the rows the suggestions
        tab holds."""
        async with self.uow_factory() as uow:
            rows = await open_suggestions(uow, TenantContext(self.tenant_id, _ACTOR))
        safe = set(safe_suggestions(rows))
        return {(payments[r.payment_id], lines[r.txn_id]) for r in rows if r.id in safe}

    async def listed_before_their_lines(self, payments: Mapping[str, str]) -> set[str]:
        """The payments (the data set's ids: ``payments`` by the store's) the store lists
        as needing an external transaction although a line paying them has not arrived
        yet."""
        async with self.uow_factory() as uow:
            listed = {
                payments[p.id]
                for p, _ in await uow.matching.payments(self.tenant_id)
                if p.unmatched_reason == "no_candidate"
            }
        truth = self.data.truth
        return {p for p in listed if not truth.get(p, frozenset()) <= self.pushed}

    async def store_ids(self) -> tuple[dict[str, str], dict[str, str]]:
        """Store payment id → data set payment id, store line id → data set line id."""
        async with self.uow_factory() as uow:
            stored = await uow.matching.payments(self.tenant_id, active_only=False)
            # a voucher's payments in the order of its items (``_voucher``)
            by_voucher: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for p, v in stored:
                by_voucher[v.lexware_id].append((p.position, p.id))
            payments = {
                store_id: mine.id
                for voucher, items in by_voucher.items()
                for (_, store_id), mine in zip(
                    sorted(items), self.by_voucher[voucher], strict=False
                )
            }
            rows = await uow.session.execute(
                select(
                    BankTransaction.id,
                    BankTransaction.bank_reference,
                    BankAccount.iban,
                    BankTransaction.import_hash,
                )
                .join(BankAccount, BankAccount.id == BankTransaction.account_id)
                .where(BankTransaction.tenant_id == self.tenant_id)
            )
            by_hash = {
                key: line for _, mine, _ in self.files.values() for key, line in mine.items()
            }
            lines = {
                line_id: by_hash.get((iban, digest), "") if by_hash else reference or ""
                for line_id, reference, iban, digest in rows
            }
        return payments, lines

    async def confirm(self, links: Sequence[ExistingLink]) -> int:
        """The person links each pair of ``links`` a link does not hold yet."""
        payments, lines = await self.store_ids()
        payment_of = {mine: store for store, mine in payments.items()}
        line_of = {mine: store for store, mine in lines.items()}
        async with self.uow_factory() as uow:
            held = {
                (link.expected_payment_id, link.bank_transaction_id)
                for link in await uow.matching.links(self.tenant_id)
                if link.status in ("confirmed", "auto_confirmed")
            }
        made = 0
        for link in links:
            payment, line = payment_of.get(link.payment_id), line_of.get(link.txn_id)
            if payment is None or line is None or (payment, line) in held:
                continue
            await link_manually(
                self.uow_factory, self.clock, self.tenant_id, payment, line, actor=_ACTOR
            )
            made += 1
        return made

    async def review(self, thorough: bool = False) -> Work:
        """The person confirms each suggestion whose line paid its payment (the truth),
        all at once („Auswahl bestätigen“: one run of matching after them), and leaves
        the others: what a client does with the „Vorschläge“ tab. ``thorough``: on the
        page as it is after the confirmations (the run after them may have linked more),
        the person also rejects the suggestions of a payment offered no right one
        („Ablehnen“), and links by hand each payment still open whose lines have all
        been in the store for ``_BY_HAND_AFTER`` (searching „Offene Belege“)."""
        right, wrong, _ = await self._shown()
        again = sum((p, line) in self.rejected for p, pairs in wrong.items() for _, line in pairs)
        work = Work(offered_again=again)
        if right:
            confirmed = await confirm_links(
                self.uow_factory, self.clock, self.tenant_id, right, actor=_ACTOR
            )
            work = replace(work, confirmed=confirmed.confirmed)
        if not thorough:
            return work
        _, wrong, linked = await self._shown()
        rejected = [
            (payment, link_id, line)
            for payment, pairs in wrong.items()
            if not linked[payment]
            for link_id, line in pairs
        ]
        self.rejected.update((payment, line) for payment, _, line in rejected)
        truth = self.data.truth
        by_hand = [
            (payment, line)
            for payment, paid_by in sorted(truth.items())
            if paid_by and payment in self.written_payments and not linked[payment]
            for line in sorted(paid_by)
            if self.arrived.get(line, self.clock.at) <= self.clock.at - _BY_HAND_AFTER
        ]
        return replace(
            work,
            rejected=await self._act(reject_link, [link_id for _, link_id, _ in rejected]),
            by_hand=await self._link(by_hand),
        )

    async def _shown(
        self,
    ) -> tuple[list[str], dict[str, list[tuple[str, str]]], dict[str, set[str]]]:
        """What the person reads off the pages, against the truth: the right
        suggestions (link ids), the wrong ones per payment (link id, line) and the
        lines linked per payment (the data set's ids)."""
        payments, lines = await self.store_ids()
        async with self.uow_factory() as uow:
            links = await uow.matching.links(self.tenant_id)
        truth = self.data.truth
        right: list[str] = []
        wrong: dict[str, list[tuple[str, str]]] = defaultdict(list)
        linked: dict[str, set[str]] = defaultdict(set)
        for link in links:
            payment, line = payments[link.expected_payment_id], lines[link.bank_transaction_id]
            if link.status == "suggested":
                if line in truth.get(payment, ()):
                    right.append(link.id)
                    linked[payment].add(line)
                else:
                    wrong[payment].append((link.id, line))
            elif link.status in ("confirmed", "auto_confirmed"):
                linked[payment].add(line)
        return right, wrong, linked

    async def _act(self, act: Callable[..., Awaitable[Any]], link_ids: Sequence[str]) -> int:
        """``act`` on each link, as the person clicks; a link the click before replaced
        is left (the page shows it no more)."""
        done = 0
        for link_id in link_ids:
            with contextlib.suppress(DomainError):
                await act(self.uow_factory, self.clock, self.tenant_id, link_id, actor=_ACTOR)
                done += 1
        return done

    async def _link(self, pairs: Sequence[tuple[str, str]]) -> int:
        """The person links each (payment, line) of the data set by hand, one after the
        other as the page shows them: a pair the run after the person's last link made
        meanwhile (what that link taught: the payer's account) is left."""
        if not pairs:
            return 0
        payments, lines = await self.store_ids()
        payment_of = {mine: store for store, mine in payments.items()}
        line_of = {mine: store for store, mine in lines.items() if mine}
        made = 0
        for payment, line in pairs:
            if payment in payment_of and line in line_of:
                async with self.uow_factory() as uow:
                    held = {
                        link.bank_transaction_id
                        for link in await uow.matching.links_touching(
                            self.tenant_id, [payment_of[payment]], []
                        )
                        if link.status in ("confirmed", "auto_confirmed")
                    }
                if line_of[line] in held:
                    continue
                await link_manually(
                    self.uow_factory,
                    self.clock,
                    self.tenant_id,
                    payment_of[payment],
                    line_of[line],
                    actor=_ACTOR,
                )
                made += 1
        return made

    async def outcome(self) -> Outcome:
        """What the store shows: the automatic links, each payment's first suggestion
        (the highest score), the payments listed as needing an external transaction."""
        payments, lines = await self.store_ids()
        auto: dict[str, set[str]] = defaultdict(set)
        confirmed: dict[str, set[str]] = defaultdict(set)
        offered: dict[str, tuple[float, str]] = {}
        async with self.uow_factory() as uow:
            links = await uow.matching.links(self.tenant_id)
            # a suggestion shows only while nothing settles its payment (the tabs' query)
            settled = {
                link.expected_payment_id
                for link in links
                if link.status in ("confirmed", "auto_confirmed")
            }
            for link in links:
                payment, line = payments[link.expected_payment_id], lines[link.bank_transaction_id]
                if link.status == "auto_confirmed":
                    auto[payment].add(line)
                elif link.status == "confirmed":
                    confirmed[payment].add(line)
                elif link.status == "suggested" and link.expected_payment_id not in settled:
                    score = link.score or 0.0
                    if payment not in offered or score > offered[payment][0]:
                        offered[payment] = (score, line)
            reasons = {
                payments[p.id]: p.unmatched_reason
                for p, _ in await uow.matching.payments(self.tenant_id)
            }
        return Outcome(
            {p: frozenset(lines_) for p, lines_ in auto.items()},
            {p: line for p, (_, line) in offered.items()},
            frozenset(p for p, reason in reasons.items() if reason == "no_candidate"),
            confirmed={p: frozenset(lines_) for p, lines_ in confirmed.items()},
            awaiting=frozenset(p for p, reason in reasons.items() if reason == "awaiting_lines"),
        )


async def replay(
    url: str,
    data: ReplaySet,
    name: str,
    *,
    days: int = 7,
    statement_files: Mapping[str, bytes] | None = None,
    review: bool = False,
    thorough: bool = False,
) -> Replayed:
    """Play ``data`` (one business) through a new client in the store at ``url``
    (migrated): its history written and linked first, then week by week (``days``);
    its ``statement_files`` uploaded, where given, instead of its lines pushed; with
    ``review`` a person confirms the right suggestions after each run; ``thorough``
    (a review too): the person also rejects the wrong ones and links by hand what lies
    open (``_Client.review``), and the weeks go on until nothing is left to link by hand
    (``_BY_HAND_AFTER`` past the last day)."""
    engine = create_engine(url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    try:
        client = _Client(uow_factory, _Clock(), data, statement_files)
        dates = [t.booking_date for t in data.txns] + [
            _appears(p) for p in client.by_voucher.values()
        ]
        first, last = min(dates), max(dates)
        client.clock.at = _evening(first)
        await client.open(name)
        history = data.history_links
        if history:
            txn_day = {t.id: t.booking_date for t in data.txns}
            ends = max(txn_day[link.txn_id] for link in history)
            await client.until(ends)
            await client.run()
            await client.confirm(history)
            first = ends + timedelta(days=1)
        day = first + timedelta(days=days - 1)
        work = Work()
        end = last + _BY_HAND_AFTER if thorough else last
        while True:
            await client.until(min(day, last))
            client.clock.at = _evening(day)
            await client.run()
            if review or thorough:
                work += await client.review(thorough)
            if day >= end:
                break
            day += timedelta(days=days)
        settled: Collection[str] = {link.payment_id for link in history}
        outcome = await client.outcome()
        metrics = evaluate_outcome(data, outcome, settled)
        return Replayed(
            metrics,
            outcome,
            client.runs,
            client.seconds,
            len(history),
            work,
            client.listed_early,
            len(client.safe),
            sum(line not in data.truth.get(p, ()) for p, line in client.safe),
        )
    finally:
        await engine.dispose()
