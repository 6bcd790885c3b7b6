"""The matching run: pure, in memory, over plain value objects.

The persistence wiring loads open expected payments, transactions, existing links,
rejected pairs and the learned memory, calls :func:`match`, and stores the result.
"""

from __future__ import annotations

import gc
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from belegsync.domain.matching import (
    ALLOCATING_STATUSES,
    BankTxn,
    ExistingLink,
    ExpectedPayment,
    LinkDecision,
    LinkStatus,
    Suggestion,
    Unmatched,
    UnmatchedReason,
)
from belegsync.domain.matching_text import compact_identifier
from belegsync.matching.candidates import (
    PaymentState,
    TxnIndex,
    build_payment_states,
    candidates_for,
    is_member,
    probe_bounds,
)
from belegsync.matching.collective import (
    CollectiveGroup,
    collectives_by_contact,
    collectives_from_references,
)
from belegsync.matching.columns import BoolArray, IntArray, TxnColumns
from belegsync.matching.decide import Edge, EdgeColumns, assign_greedy, auto_decisions
from belegsync.matching.fastpath import ClearLink, PaymentArrays, clear_links
from belegsync.matching.features import FeatureContext
from belegsync.matching.history import LinkHistory
from belegsync.matching.memory import IbanContactMemory
from belegsync.matching.params import MatchParams
from belegsync.matching.payer_names import SamePayer
from belegsync.matching.payouts import PROVIDERS, payout_groups

__all__ = ["MatchResult", "match"]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Automatic links, ranked suggestions per payment id, and what stayed open."""

    auto_links: tuple[LinkDecision, ...]
    suggestions_by_payment: dict[str, tuple[Suggestion, ...]]
    unmatched: tuple[Unmatched, ...]


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A million transaction objects make every full collection expensive; the run
    # creates no reference cycles, so collecting afterwards is enough.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def match(
    expected: Sequence[ExpectedPayment],
    txns: Sequence[BankTxn] | TxnColumns,
    *,
    rejected: Collection[tuple[str, str]] = frozenset(),
    existing_links: Sequence[ExistingLink] = (),
    memory: IbanContactMemory | None = None,
    params: MatchParams | None = None,
    history: LinkHistory | None = None,
) -> MatchResult:
    """Match expected payments to bank transactions.

    ``rejected`` holds (payment id, transaction id) pairs never to offer again.
    ``existing_links`` with an allocating status settle their payment and use up
    their transaction's amount. ``memory`` adds learned IBAN/creditor id → contact
    evidence. ``history`` adds what confirmed links outside this input taught (payer
    names, accounts, amounts and dates per contact). The result does not depend on the
    order of the inputs.
    """
    params = params or MatchParams()
    memory = memory or IbanContactMemory()
    cols = txns if isinstance(txns, TxnColumns) else TxnColumns.from_txns(txns)
    with _gc_paused():
        return _Run(
            expected, cols, frozenset(rejected), existing_links, memory, params, history
        ).run()


def _without_overlaps(groups: Sequence[CollectiveGroup]) -> list[CollectiveGroup]:
    """Automatic groups whose members no other group claims (else only suggestions)."""
    claims: dict[int, int] = defaultdict(int)
    for group in groups:
        for member in group.members:
            claims[member] += 1
    return [g for g in groups if g.auto and all(claims[m] == 1 for m in g.members)]


PROVIDER_MARKERS = tuple(p.marker.encode() for p in PROVIDERS)
_WIDER_DAYS = 60


class _Run:
    def __init__(
        self,
        expected: Sequence[ExpectedPayment],
        cols: TxnColumns,
        rejected: frozenset[tuple[str, str]],
        existing_links: Sequence[ExistingLink],
        memory: IbanContactMemory,
        params: MatchParams,
        stored_history: LinkHistory | None = None,
    ) -> None:
        self.params = params
        self.rejected = rejected
        keys = sorted({(p.tenant_id, p.currency) for p in expected})
        self.tc_ids = {key: i for i, key in enumerate(keys)}
        allocated: dict[str, int] = defaultdict(int)
        settled: set[str] = set()
        for link in existing_links:
            if link.status in ALLOCATING_STATUSES:
                allocated[link.txn_id] += link.allocated_cents
                settled.add(link.payment_id)
        history = LinkHistory.read(expected, cols, existing_links)
        if stored_history is not None:
            history.merge(stored_history)
        learned = self._learned(expected, memory, history)
        arrays = PaymentArrays.build(expected, self.tc_ids, learned, settled, params)
        owners = self._identifiers(expected, arrays)
        customers: dict[tuple[int, str], str] = {}
        wanted: dict[str, set[int]] = defaultdict(set)
        references: dict[str, list[int]] = defaultdict(list)
        open_flags = arrays.open.tolist()
        tcs = arrays.tc.tolist()
        for g, payment in enumerate(expected):
            if payment.customer_number and payment.contact_id is not None:
                customers[(tcs[g], payment.customer_number)] = payment.contact_id
            if open_flags[g]:
                for ident in arrays.identifiers[g]:
                    wanted[ident].add(tcs[g])
                for reference in payment.references:
                    references[reference].append(g)
        self.index = TxnIndex.build(
            cols, self.tc_ids, allocated, wanted, PROVIDER_MARKERS, {i for _, i in owners}
        )
        found = self.index.scan_references(arrays.keys, tcs, references, customers)
        self.clear: list[ClearLink] = []
        if params.fast_path and not params.shadow_mode:
            self.clear = clear_links(expected, arrays, self.index, found, owners, rejected, params)
        self.clear_rows = {c.row for c in self.clear}
        still_open = arrays.open.copy()
        still_open[[c.payment for c in self.clear]] = False
        rest = np.flatnonzero(still_open).tolist()
        self.states = build_payment_states(
            [expected[g] for g in rest],
            self.tc_ids,
            learned,
            params,
            [(arrays.amounts[g], arrays.identifiers[g]) for g in rest],
        )
        history.annotate(self.states)
        self.index.keep_hits(found, {g: i for i, g in enumerate(rest)}, self.clear_rows)
        self.ctx = FeatureContext(self.index, params, owners)
        self._same_payer = SamePayer(params.rules.name_strong)
        self._by_customer: dict[str, frozenset[int]] | None = None
        # accounts of the lines linked automatically in this run, per contact (lazy)
        self._expected = expected
        self._auto_rows: list[tuple[int, int]] = []
        self._linked_rows: dict[tuple[str, str], list[int]] | None = None
        self._linked_accounts: dict[tuple[str, str], set[str]] = {}
        self._compact: dict[str, str] = {}

    def _learned(
        self, expected: Sequence[ExpectedPayment], memory: IbanContactMemory, history: LinkHistory
    ) -> dict[tuple[str, str], set[str]]:
        """Identifiers learned per (tenant, contact): the memory and confirmed links."""
        learned: dict[tuple[str, str], set[str]] = defaultdict(set)
        tenants = set(map(attrgetter("tenant_id"), expected))
        for tenant in sorted(tenants & memory.tenants()):
            for contact, idents in memory.identifiers_by_contact(tenant).items():
                learned[(tenant, contact)] |= idents
        for key, idents in history.identifiers.items():
            learned[key] |= idents
        return learned

    def _identifiers(
        self, expected: Sequence[ExpectedPayment], arrays: PaymentArrays
    ) -> dict[tuple[int, str], frozenset[str]]:
        """The contacts per (tenant/currency, identifier), known or learned (a contact's
        payments repeat its identifiers: each distinct set is read once)."""
        contacts = map(attrgetter("contact_id"), expected)
        distinct = {
            (tc, contact, idents)
            for tc, contact, idents in zip(
                arrays.tc.tolist(), contacts, arrays.identifiers, strict=True
            )
            if contact is not None and idents
        }
        owners: dict[tuple[int, str], set[str]] = defaultdict(set)
        for tc, contact, idents in distinct:
            for ident in idents:
                owners[(tc, ident)].add(contact)
        return {key: frozenset(value) for key, value in owners.items()}

    def _edges(self) -> tuple[list[Edge], dict[int, set[int]]]:
        exact_bounds, bands = probe_bounds(self.states, self.index, self.params)
        ids = self.index.cols.ids
        booked = self.index.cols.booked
        edges: list[Edge] = []
        strong_exact: dict[int, set[int]] = defaultdict(set)
        rejected = self.rejected
        remaining = self.index.remaining
        suggest = self.ctx.suggestion
        clear_rows = self.clear_rows
        for state in self.states:
            if state.settled:
                continue
            found = candidates_for(
                state, self.index, exact_bounds[state.index], bands[state.index], self.params
            )
            pid = state.payment.id
            part_payment = state.payment.is_part_payment
            for row, strong in found.items():
                if row in clear_rows or (rejected and (pid, ids[row]) in rejected):
                    continue
                suggestion = suggest(state, row, strong)
                if suggestion is None:
                    continue
                features = suggestion.features
                if features.reference >= 1.0 and features.amount_kind.is_exact:
                    strong_exact[state.index].add(row)
                # payment, row, suggestion, booked, part payment, bank amount
                edges.append(
                    Edge(
                        state.index,
                        row,
                        suggestion,
                        bool(booked[row]),
                        part_payment,
                        int(remaining[row]),
                    )
                )
        return edges, strong_exact

    def run(self) -> MatchResult:
        edges, strong_exact = self._edges()
        groups = collectives_from_references(
            self.states, self.ctx, self.rejected, strong_exact, self.params
        )
        group_autos, grouped_payments, consumed = self._apply_auto_groups(
            groups, taken_rows=self.clear_rows
        )
        consumed |= self.clear_rows
        single = [e for e in edges if e.payment not in grouped_payments and e.row not in consumed]
        columns = EdgeColumns.of(single)
        picked = assign_greedy(single, columns)
        assigned = {payment: single[i] for payment, i in picked.items()}
        autos = (
            {} if self.params.shadow_mode else auto_decisions(picked, single, columns, self.params)
        )
        consumed.update(assigned[p].row for p in autos)
        taken_rows = {e.row for e in assigned.values()}
        payer_rows = {row for _, rows in self.index.by_identifier.values() for row in rows}
        payer_rows.update(self.index.customer_hits)
        contact_rows = sorted(payer_rows - taken_rows - consumed)
        linked = set(autos) | grouped_payments

        def is_open(p: int) -> bool:
            return p not in linked

        for finder, rows in (
            (collectives_by_contact, contact_rows),
            (payout_groups, sorted(self.index.provider_rows(PROVIDER_MARKERS) - consumed)),
        ):
            found = finder(
                self.states,
                self.ctx,
                [row for row in rows if row not in consumed],
                is_open,
                self.rejected,
                self.params,
            )
            more, more_payments, more_rows = self._apply_auto_groups(
                _without_overlaps(found), linked, consumed
            )
            group_autos += more
            linked.update(more_payments)
            consumed.update(more_rows)
            groups += found
        return self._result(edges, groups, assigned, autos, group_autos, consumed)

    def _apply_auto_groups(
        self,
        groups: list[CollectiveGroup],
        taken_payments: Collection[int] = frozenset(),
        taken_rows: Collection[int] = frozenset(),
    ) -> tuple[list[LinkDecision], set[int], set[int]]:
        """Link the automatic groups (by transaction id) whose payments and row no
        earlier link or group took; returns the links and what they took."""
        decisions: list[LinkDecision] = []
        ids = self.index.cols.ids
        added_payments: set[int] = set()
        added_rows: set[int] = set()
        auto = LinkStatus.AUTO_CONFIRMED
        for group in sorted(groups, key=lambda g: ids[g.row]):
            if not group.auto or group.row in taken_rows or group.row in added_rows:
                continue
            if any(m in taken_payments or m in added_payments for m in group.members):
                continue
            added_payments.update(group.members)
            added_rows.add(group.row)
            decisions.extend(LinkDecision(s, auto, 0.0, 0.0) for s in group.suggestions)
        return decisions, added_payments, added_rows

    def _result(
        self,
        edges: list[Edge],
        groups: list[CollectiveGroup],
        assigned: dict[int, Edge],
        autos: dict[int, LinkDecision],
        group_autos: list[LinkDecision],
        consumed: set[int],
    ) -> MatchResult:
        threshold = self.params.rules.suggest_threshold
        by_id = {s.payment.id: s.index for s in self.states}
        linked = set(autos) | {by_id[d.suggestion.payment_id] for d in group_autos}
        options: dict[int, list[Suggestion]] = defaultdict(list)
        best: dict[int, float] = defaultdict(float)
        for edge in edges:
            best[edge.payment] = max(best[edge.payment], edge.score)
            if edge.payment in linked or edge.row in consumed:
                continue
            if edge.score >= threshold:
                options[edge.payment].append(edge.suggestion)
        for group in groups:
            if group.auto and group.row in consumed:
                continue
            for member, suggestion in zip(group.members, group.suggestions, strict=True):
                best[member] = max(best[member], suggestion.score)
                if member not in linked and suggestion.score >= threshold:
                    options[member].append(suggestion)
        suggestions: dict[str, tuple[Suggestion, ...]] = {}
        unmatched: list[Unmatched] = []
        consumed_mask = np.zeros(len(self.index.cols), dtype=np.bool_)
        consumed_mask[list(consumed)] = True
        busy_mask = consumed_mask.copy()
        busy_mask[[edge.row for edge in assigned.values()]] = True
        self._auto_rows = [(p, assigned[p].row) for p in autos]
        left: list[PaymentState] = []
        for state in sorted(self.states, key=lambda s: s.payment.id):
            p = state.index
            if state.settled or p in linked:
                continue
            ranked = self._rank(options.get(p, []), assigned.get(p))
            if ranked:
                suggestions[state.payment.id] = ranked
            else:
                left.append(state)
        # all payments without a suggestion are checked together (on arrays)
        unseen = [s for s in left if s.index not in best]
        wider = self._exist_wider(unseen, consumed_mask, busy_mask)
        for state in left:
            p = state.index
            found = p in best or p in wider
            reason = UnmatchedReason.BELOW_THRESHOLD if found else UnmatchedReason.NO_CANDIDATE
            unmatched.append(Unmatched(state.payment.id, reason, best.get(p, 0.0)))
        auto_links = sorted(
            [*autos.values(), *group_autos, *(c.decision for c in self.clear)],
            key=attrgetter("suggestion.payment_id", "suggestion.txn_id"),
        )
        return MatchResult(tuple(auto_links), suggestions, tuple(unmatched))

    def _exist_wider(
        self,
        states: Sequence[PaymentState],
        consumed: npt.NDArray[np.bool_],
        busy: npt.NDArray[np.bool_],
    ) -> set[int]:
        """The payments (state indexes) with a line in the imported statements that may
        be theirs: then the voucher is not sent to "Externe Transaktion erforderlich" (a
        person searches instead).

        * a free line of the exact amount within two months;
        * a line for less or within the fee above (a fee kept back, a short or part
          payment, rounding) inside the date window from this payer — its known
          account, the voucher or customer number in the purpose, or the contact's
          name (≥ 95, as for an identifying payer) — which no other payment took or
          ranks first.

        A near amount from an unknown payer does not count: on a busy account some
        line of a similar amount is booked near almost every paid date.

        ``consumed`` marks the rows linked automatically; ``busy`` those and the rows
        another payment ranks first.
        """
        if not states:
            return set()
        index = self.index
        fee = self.params.rules.fee_cents
        base = np.array([s.part for s in states], dtype=np.int64) << 40
        item = np.array([s.payment.amount_cents for s in states], dtype=np.int64)
        sorted_key = index.sorted_key
        low = sorted_key.searchsorted(base | 1, side="left").tolist()
        exact_lo = sorted_key.searchsorted(base | item, side="left").tolist()
        exact_hi = sorted_key.searchsorted(base | item, side="right").tolist()
        high = sorted_key.searchsorted(base | (item + fee), side="right").tolist()
        found: set[int] = set()
        owners: list[PaymentState] = []
        shorts: list[npt.NDArray[np.int64]] = []
        for j, state in enumerate(states):
            wider = (state.anchor_day - _WIDER_DAYS, state.anchor_day + _WIDER_DAYS)
            if self._free_rows(exact_lo[j], exact_hi[j], wider, consumed).size:
                found.add(state.index)
                continue
            short = self._free_rows(low[j], high[j], state.window, busy)
            if short.size:
                owners.append(state)
                shorts.append(short)
        if owners:
            from_payer = self._from_payers(owners, shorts)
            found.update(s.index for s, yes in zip(owners, from_payer, strict=True) if yes)
        return found

    def _free_rows(
        self, lo: int, hi: int, window: tuple[int, int], taken: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.int64]:
        """Rows of the sorted slice [lo, hi) booked inside ``window``, not ``taken``."""
        index = self.index
        days = index.sorted_day_arr[lo:hi]
        rows = index.sorted_idx_arr[lo:hi][(days >= window[0]) & (days <= window[1])]
        return rows[~taken[rows]]

    def _from_payers(
        self, states: Sequence[PaymentState], shorts: Sequence[npt.NDArray[np.int64]]
    ) -> list[bool]:
        """Per payment, whether one of its rows (``shorts``) comes from its payer: the
        voucher or customer number in the purpose, a known account, or the contact's
        name (≥ 95, sharing a word).

        All (payment, row) pairs at once: the rows' accounts and names are read once
        per distinct row (in row order) and compared as codes; each distinct pair of
        names is judged once.
        """
        rows = np.concatenate(shorts)
        owner = np.repeat(
            np.arange(len(states), dtype=np.int64),
            np.fromiter(map(len, shorts), dtype=np.int64, count=len(shorts)),
        )
        distinct, inverse = np.unique(rows, return_inverse=True)
        listed = distinct.tolist()
        yes = np.zeros(len(states), dtype=np.bool_)
        yes[owner[self._known_rows(states, owner, rows)]] = True
        yes[owner[self._linked_accounts_hit(states, owner, listed, inverse)]] = True
        yes[owner[self._names_hit(states, owner, listed, inverse)]] = True
        return yes.tolist()

    def _known_rows(
        self, states: Sequence[PaymentState], owner: IntArray, rows: IntArray
    ) -> BoolArray:
        """Pairs whose row names the voucher or customer number, or comes from one of
        the payment's known accounts."""
        index = self.index
        n = len(index.cols)
        known: list[int] = []
        for j, state in enumerate(states):
            first = j * n
            hits = index.hits_by_payment.get(state.index)
            if hits:
                known.extend(first + row for row in hits)
            contact = state.payment.contact_id
            if contact is not None:
                known.extend(first + row for row in self._customer_rows(contact))
            for ident in state.identifiers:
                by_day = index.by_identifier.get((state.part, ident))
                if by_day is not None:
                    days, known_rows = by_day
                    a = bisect_left(days, state.window[0])
                    b = bisect_right(days, state.window[1], a)
                    known.extend(first + row for row in known_rows[a:b])
        return is_member(owner * n + rows, np.array(known, dtype=np.int64))

    def _linked_accounts_hit(
        self, states: Sequence[PaymentState], owner: IntArray, listed: list[int], inverse: IntArray
    ) -> BoolArray:
        """Pairs whose row comes from an account this run linked to another payment of
        the contact (``listed``: the distinct rows, ``inverse``: pair → distinct row)."""
        out = np.zeros(owner.size, dtype=np.bool_)
        wanted: list[tuple[int, str]] = []
        for j, state in enumerate(states):
            accounts = self._accounts_linked_now(state.payment.tenant_id, state.payment.contact_id)
            wanted.extend((j, account) for account in accounts)
        if not wanted:
            return out
        codes = {account: code for code, account in enumerate({a for _, a in wanted})}
        width = len(codes)
        keys = np.fromiter((j * width + codes[a] for j, a in wanted), np.int64, len(wanted))
        cols = self.index.cols
        for column in (cols.ibans, cols.creditors):
            code_of_row = np.fromiter(
                map(codes.get, map(column.__getitem__, listed), repeat(-1)), np.int64, len(listed)
            )[inverse]
            mine = np.flatnonzero(code_of_row >= 0)
            out[mine[is_member(owner[mine] * width + code_of_row[mine], keys)]] = True
        return out

    def _names_hit(
        self, states: Sequence[PaymentState], owner: IntArray, listed: list[int], inverse: IntArray
    ) -> BoolArray:
        """Pairs whose payer name is the contact's name (each distinct pair of names
        judged once)."""
        names = list(map(self.index.cols.names.__getitem__, listed))
        payer_code = {name: code for code, name in enumerate(set(names))}
        contact_code: dict[str, int] = {}
        contact_of = np.fromiter(
            (contact_code.setdefault(s.payment.contact_name, len(contact_code)) for s in states),
            np.int64,
            len(states),
        )
        payer_of_row = np.fromiter(map(payer_code.__getitem__, names), np.int64, len(names))
        width = len(payer_code) or 1
        distinct_pairs, pair_of = np.unique(
            contact_of[owner] * width + payer_of_row[inverse], return_inverse=True
        )
        same = self._same_payer.judge(
            list(contact_code), list(payer_code), distinct_pairs // width, distinct_pairs % width
        )
        return same[pair_of]

    def _accounts_linked_now(self, tenant: str, contact: str | None) -> set[str]:
        """IBANs and creditor ids (as written and compacted) of the lines this run linked
        automatically to the payments of ``contact``: an account that pays one voucher
        of a contact is the contact's account for the others too (lines grouped per
        contact once, when first needed; accounts read per contact asked)."""
        if contact is None:
            return set()
        if self._linked_rows is None:
            linked_rows: dict[tuple[str, str], list[int]] = defaultdict(list)
            pairs = [(self._expected[c.payment], c.row) for c in self.clear]
            pairs += [(self.states[p].payment, row) for p, row in self._auto_rows]
            for payment, row in pairs:
                if payment.contact_id is not None:
                    linked_rows[(payment.tenant_id, payment.contact_id)].append(row)
            self._linked_rows = linked_rows
        key = (tenant, contact)
        found = self._linked_accounts.get(key)
        if found is None:
            cols = self.index.cols
            compact = self._compact  # a contact's lines repeat its accounts
            found = self._linked_accounts[key] = set()
            for row in self._linked_rows.get(key, ()):
                for ident in (cols.ibans[row], cols.creditors[row]):
                    if ident:
                        short = compact.get(ident)
                        if short is None:
                            short = compact[ident] = compact_identifier(ident)
                        found.update((ident, short))
        return found

    def _customer_rows(self, contact: str) -> frozenset[int]:
        """Rows whose purpose names the customer number of ``contact``."""
        if self._by_customer is None:
            by_customer: dict[str, set[int]] = defaultdict(set)
            for row, contacts in self.index.customer_hits.items():
                for each in contacts:
                    by_customer[each].add(row)
            self._by_customer = {c: frozenset(rows) for c, rows in by_customer.items()}
        return self._by_customer.get(contact, frozenset())

    def _rank(self, options: list[Suggestion], assigned: Edge | None) -> tuple[Suggestion, ...]:
        best: dict[str, Suggestion] = {}
        for option in options:
            found = best.get(option.txn_id)
            if found is None or (option.score, option.collective_group or "") > (
                found.score,
                found.collective_group or "",
            ):
                best[option.txn_id] = option
        ordered = sorted(best.values(), key=lambda s: (-s.score, s.txn_id))
        if self.params.prefer_assigned and assigned is not None:
            first = best.get(assigned.suggestion.txn_id)
            if first is not None:
                ordered.remove(first)
                ordered.insert(0, first)
        return tuple(ordered[: self.params.max_suggestions])
