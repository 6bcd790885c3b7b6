"""Candidate search: indexes built once over the transactions, channels per payment.

Partitions are (tenant, currency, direction); a payment only meets transactions of its
own partition, so a wrong sign is excluded by construction. Channels (docs/matching.md):

* **exact**: a hash/sort index on (partition, amount) with dates sorted inside, probed
  with ``searchsorted`` for every expected amount (item, Skonto variants);
* **reference**: one pass over all remittances, reading digit runs with and without
  spaces, looked up in a dictionary of the vouchers' reference tokens (an inverted index
  joined from the small side); no amount filter, so part and collective payments surface;
* **tolerance**: an amount-sorted slice [expected × 0.965 − fee, expected + fee] inside
  the date window, kept only where the counterparty is known or a reference hits
  (checked while scoring);
* **counterparty**: transactions from the contact's known or learned IBAN/creditor id.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations, count, repeat
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from stdnum import iso11649

from belegsync.domain.matching import AmountKind, ExpectedPayment
from belegsync.domain.matching_score import expected_amounts
from belegsync.domain.matching_text import (
    compact_identifier,
    extract_sepa_fields,
    normalise_name,
    normalise_text,
    stated_return_charges,
    text_reference_tokens,
    voucher_reference_tokens,
)
from belegsync.domain.vouchers import Direction
from belegsync.matching.columns import BoolArray, IntArray, TxnColumns
from belegsync.matching.line_keys import NO_KEY, marker_mask, text_keys
from belegsync.matching.line_marks import PROVIDER_MARKERS, RETURN_MARKERS
from belegsync.matching.params import MatchParams
from belegsync.matching.textscan import digit_value

__all__ = [
    "AMOUNT_KINDS",
    "AMOUNT_SHIFT",
    "RETURN_CHARGES",
    "RETURN_DAYS",
    "BatchPayments",
    "HeldItem",
    "PaymentState",
    "ReferenceHits",
    "ReferenceKeys",
    "Returns",
    "StateColumns",
    "TxnIndex",
    "build_payment_states",
    "candidate_pairs",
    "distinct",
    "find_sorted",
    "instructed_rows",
    "is_member",
    "later_from_account",
    "marked",
    "reference_tokens",
    "return_payer",
    "returned_items",
    "returns_of",
    "tenant_currencies",
    "unique_first",
    "unique_inverse",
]

# ``TxnIndex``'s order by partition and amount: partition << 40 | cents
AMOUNT_SHIFT = 40
# ``TxnIndex``'s order by partition and day: partition << 32 | day (an ordinal)
_DAY_SHIFT = 32
# positions read at once by ``TxnIndex.rows_in_windows``
_POSITIONS_AT_ONCE = 1 << 16
# slices holding more positions than this many per line are read by their windows
# (``TxnIndex._rows_by_day``)
_WIDE_SLICES = 16


@dataclass(slots=True)
class PaymentState:
    """What the engine precomputes for one expected payment.

    Only what every payment needs; what a few pairs need (reference tokens, the short
    number, the contact's name normalised) is read from ``payment`` where it is asked
    for (:class:`~belegsync.matching.features.FeatureContext`, once per payment or name).
    """

    index: int
    payment: ExpectedPayment
    tenant_currency: int
    part: int
    amounts: tuple[tuple[int, AmountKind], ...]
    anchor_day: int
    voucher_day: int
    anchored: bool
    window: tuple[int, int]
    identifiers: frozenset[str]
    settled: bool = False
    payer_names: frozenset[str] = frozenset()  # learned from confirmed links
    past: tuple[tuple[int, int], ...] = ()  # (day, cents) of the contact's linked payments


def reference_tokens(payment: ExpectedPayment) -> frozenset[str]:
    """The tokens a purpose may name the payment by: its voucher number's and those of
    its references (a mistyped creditor reference would only produce noise)."""
    tokens = set(voucher_reference_tokens(payment.voucher_number))
    for reference in payment.references:
        compact = compact_identifier(reference)
        if compact.startswith("RF") and not iso11649.is_valid(compact):
            continue
        tokens |= voucher_reference_tokens(compact)
    return frozenset(tokens)


def build_payment_states(
    expected: Sequence[ExpectedPayment],
    tenant_currency_ids: Mapping[tuple[str, str], int],
    learned: Mapping[tuple[str, str], set[str]],
    params: MatchParams,
    known: Sequence[tuple[tuple[tuple[int, AmountKind], ...], frozenset[str]]] | None,
    windows: tuple[IntArray, IntArray],
) -> list[PaymentState]:
    """Precompute partition, amounts, days, window and identifiers per payment.

    ``known`` gives per payment its expected amounts and identifiers when the caller
    has computed them already, ``windows`` the first and last days of the date windows
    (both from the fast path's arrays; ``MatchParams.windows``). The direction is read
    once per voucher type.
    """
    if known is None:
        known = [_amounts_and_identifiers(p, learned, params) for p in expected]
    debit: dict[str, int] = {}
    states: list[PaymentState] = []
    append = states.append
    for index, (payment, (amounts, identifiers), window) in enumerate(
        zip(
            expected,
            known,
            zip(windows[0].tolist(), windows[1].tolist(), strict=True),
            strict=True,
        )
    ):
        tc = tenant_currency_ids[(payment.tenant_id, payment.currency)]
        kind = payment.voucher_type
        bit = debit.get(kind)
        if bit is None:
            bit = debit[kind] = int(payment.direction is Direction.DEBIT)
        paid = payment.paid_date
        voucher_day = payment.voucher_date.toordinal()
        anchored = paid is not None
        anchor = voucher_day if paid is None else paid.toordinal()
        append(
            PaymentState(
                index,
                payment,
                tc,
                tc * 2 + bit,
                amounts,
                anchor,
                voucher_day,
                anchored,
                window,
                identifiers,
            )
        )
    return states


def _amounts_and_identifiers(
    payment: ExpectedPayment, learned: Mapping[tuple[str, str], set[str]], params: MatchParams
) -> tuple[tuple[tuple[int, AmountKind], ...], frozenset[str]]:
    """The expected amounts and the known and learned identifiers of a payment."""
    found = {compact_identifier(i) for i in payment.known_identifiers}
    if payment.contact_id is not None:
        found |= learned.get((payment.tenant_id, payment.contact_id), set())
    return expected_amounts(payment, params.rules), frozenset(found)


class ReferenceKeys(NamedTuple):
    """The digit keys of the payments' reference numbers: per payment its voucher
    number's (``first``, -1: none), and all of them, ascending, for the payments that
    have more (their references)."""

    first: IntArray
    more: Mapping[int, tuple[int, ...]]

    def flat(self) -> tuple[IntArray, IntArray]:
        """(payment, key) of every key, payment by payment, each payment's ascending."""
        counts = (self.first >= 0).astype(np.int64)
        for g, keys in self.more.items():
            counts[g] = len(keys)
        payments = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
        values = np.empty(payments.size, dtype=np.int64)
        starts = np.cumsum(counts) - counts
        single = np.flatnonzero(counts == 1)
        values[starts[single]] = self.first[single]
        for g, keys in self.more.items():
            values[starts[g] : starts[g] + len(keys)] = keys
        return payments, values


def _laid_end_to_end(
    lo: IntArray, sizes: IntArray
) -> Iterator[tuple[int, int, IntArray, IntArray, Callable[[IntArray], IntArray]]]:
    """The positions of the slices [lo, lo + sizes) laid end to end, about
    ``_POSITIONS_AT_ONCE`` at a time: per chunk its first and end slice (a, b), the
    slices' sizes, the positions, and what turns places in the chunk into slices."""
    ends = np.cumsum(sizes)
    a = 0
    while a < sizes.size:
        done = int(ends[a - 1]) if a else 0
        b = max(a + 1, int(ends.searchsorted(done + _POSITIONS_AT_ONCE, side="right")))
        counts = sizes[a:b]
        pos = np.arange(int(ends[b - 1]) - done) + np.repeat(
            lo[a:b] - ends[a:b] + counts + done, counts
        )
        yield a, b, counts, pos, partial(_slice_of, ends[a:b] - done, a)
        a = b


def _slice_of(chunk_ends: IntArray, first: int, places: IntArray) -> IntArray:
    """The slice of each place in a chunk (``_laid_end_to_end``)."""
    return np.searchsorted(chunk_ends, places, side="right") + first


@dataclass(slots=True)
class TxnIndex:
    """Arrays and indexes over all transactions, built once per run."""

    cols: TxnColumns
    part: IntArray
    remaining: IntArray
    day: IntArray
    eligible: npt.NDArray[np.bool_]
    sorted_key: IntArray = field(init=False)
    sorted_day_arr: IntArray = field(init=False)
    sorted_idx_arr: IntArray = field(init=False)
    by_identifier: dict[tuple[int, str], tuple[list[int], list[int]]] = field(default_factory=dict)
    hits_by_payment: dict[int, set[int]] = field(default_factory=dict)
    hits_by_txn: dict[int, set[int]] = field(default_factory=dict)
    customer_hits: dict[int, set[str]] = field(default_factory=dict)  # row → contact ids
    returned: frozenset[int] = frozenset()  # reversals and the movements they undo
    undone: tuple[int, ...] = ()  # the movements alone
    # of those, the lines paying several items some of which came back → per item (the
    # return's row, the item's cents): the item's amount and the return's payer stand
    # for them
    returned_items: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    # a movement made again after a reversal undid it (a direct debit collected again)
    # → the undone one's row; ``recollections``: those rows
    recollected_from: dict[int, int] = field(default_factory=dict)
    recollections: frozenset[int] = frozenset()
    # what the returns undo, as the build paired them (``pair_batch_returns`` pairs more)
    returns: Returns | None = None
    # the payments whose item of a batch line came back → that line's row
    # (``pair_batch_returns``)
    returned_payments: dict[int, int] = field(default_factory=dict)
    # a line collecting again an item of a batch line that came back, whose payment the
    # return was paired with (``pair_batch_returns``) → that payment: it pays no other
    recollected_payments: dict[int, int] = field(default_factory=dict)
    # rows whose purpose names one of the build's ``markers`` (payment providers)
    marked_purposes: frozenset[int] = frozenset()
    # eligible rows whose IBAN or creditor id a payment wants or a contact owns (by
    # hash: where two accounts share one, a few more; readers compare the accounts)
    identified: BoolArray | None = None
    # the keys of every row's IBAN and creditor id (``KeyColumns``: 0 where none)
    account_hashes: tuple[IntArray, IntArray] | None = None
    # identifier → its key (``text_key``), of those marked and asked about
    _account_keys: dict[str, int] = field(default_factory=dict)
    # the keys (partition, day) of the sorted order's positions in order, and those
    # positions: built where ``rows_in_windows`` reads wide slices
    _by_day: tuple[IntArray, IntArray] | None = None
    # whether a line has an instructed amount (``has_instructed``), once asked
    _has_instructed: bool | None = None

    def __post_init__(self) -> None:
        packed = _packed_order(self.part, self.remaining, self.day, self.eligible)
        if packed is not None:
            self.sorted_key, self.sorted_idx_arr, self.sorted_day_arr = packed
            return
        idx = np.flatnonzero(self.eligible)
        part, remaining = self.part[idx], self.remaining[idx]
        key = (part << AMOUNT_SHIFT) | remaining
        # sorted as by ``key``, written with fewer bits
        dense = part * (int(remaining.max(initial=0)) + 1) + remaining
        order = _order_by_key_and_day(dense, self.day[idx])
        self.sorted_key = key[order]
        self.sorted_idx_arr = idx[order]
        self.sorted_day_arr = self.day[self.sorted_idx_arr]

    def instructed(self, row: int) -> int:
        """The amount the payer of an untouched ``row`` instructed where the banks kept
        charges from it (``TxnColumns.instructed``), else 0: a line partly allocated
        holds less than its payer sent for one voucher."""
        value = int(self.cols.instructed[row])
        return value if value and self.remaining[row] == abs(self.cols.amount[row]) else 0

    def instructed_of(self, rows: IntArray) -> IntArray | None:
        """:meth:`instructed` of each of ``rows``; None where no line has one (most
        statements)."""
        if not self.has_instructed:
            return None
        values = self.cols.instructed[rows]
        return np.where(self.remaining[rows] == np.abs(self.cols.amount[rows]), values, 0)

    @property
    def has_instructed(self) -> bool:
        if self._has_instructed is None:
            self._has_instructed = bool(self.cols.instructed.any())
        return self._has_instructed

    @classmethod
    def build(
        cls,
        cols: TxnColumns,
        tenant_currency_ids: Mapping[tuple[str, str], int],
        allocated: Mapping[str, int],
        wanted_identifiers: Mapping[str, set[int]],
        markers: Sequence[bytes] = (),
        owned_identifiers: Collection[str] = (),
    ) -> TxnIndex:
        """Arrays of partition, remaining amount and day; ineligible rows are masked.

        Ineligible: reversals and the debits they return, tenants/currencies without
        payments, fully allocated. ``wanted_identifiers`` maps identifier → tenant-
        currency ids that know it. ``markers`` are the payment providers' (their rows:
        ``marked_purposes``, by the lines' stored bits, ``line_keys``).
        ``owned_identifiers`` (the contacts' accounts) are marked in ``identified`` with
        the wanted ones.
        """
        n = len(cols)
        amount = cols.amount
        tc = _tenant_currency_codes(cols, tenant_currency_ids)
        remaining = np.abs(amount)
        if allocated:
            for i, txn_id in enumerate(cols.ids):
                used = allocated.get(txn_id)
                if used:
                    remaining[i] -= used
        part = tc * 2 + (amount < 0)
        eligible = (tc >= 0) & (remaining > 0) & (remaining < (1 << AMOUNT_SHIFT)) & (amount != 0)
        returns = _returned_lines(cols, tc, remaining)
        for row in returns.out:
            eligible[row] = False
        index = cls(
            cols=cols,
            part=part.reshape(n),
            remaining=remaining.reshape(n),
            day=cols.day,
            eligible=eligible,
        )
        index._set_returns(returns)
        index.marked_purposes = frozenset(index.purposes_mentioning(markers, eligible_only=False))
        index._index_identifiers(wanted_identifiers, owned_identifiers)
        return index

    def _set_returns(self, returns: Returns) -> None:
        self.returns = returns
        self.returned = frozenset(returns.out)
        self.undone = tuple(returns.undone)
        self.returned_items = returns.items
        self.recollected_from = _recollections(self.cols, returns, self.eligible, self.part)
        self.recollections = frozenset(self.recollected_from)

    def pair_batch_returns(
        self,
        found: ReferenceHits,
        payments: BatchPayments,
        pays_from: Callable[[int, int, int], int],
        counted: Collection[int] = (),
        holds: Callable[[int, int], bool] = lambda _g, _row: False,
    ) -> ReferenceHits:
        """Pair each return that undid no line with one item of a line paying several:
        the client's own SEPA batch, members' collections of which came back and were
        collected again, all read in one run (a year's statements imported at once),
        or after the batch's other items were linked. ``found``: the reference hits
        (row → payments, global positions); ``payments``: per payment its item, its
        partition, its date window and whether it is open; ``pays_from(g, r, row)``:
        how surely return ``r`` undid payment ``g``'s item of line ``row``
        (``return_payer``; 0: not); ``counted``: the lines announcing how many items
        they pay („ANZAHL 58“); ``holds(g, row)``: whether a link allocates payment
        ``g`` to line ``row``.

        A return whose end-to-end id an advice's item states undid that item: the
        item's line holds it no more, whether or not its payment is read in this run.
        Else the item is one the line names, open — the line names two open items of
        its partition or more, or its advice names them —, or, on a line announcing its
        count (no advice names its items), one of the line's partition whose date
        window holds the line and that no link holds on it (one linked to its
        collection made again by the run before is still the line's where the run reads
        it); of the return's amount or up to ``RETURN_CHARGES`` less (the banks'
        charges in it), of the return's payer, on an opposite line up to
        ``RETURN_DAYS`` before whose rest holds it — the payer surest, then the least
        charges, then the nearest; where two items rank alike, none (a person looks).

        The line then pays what its rest holds besides: a named item is no longer
        among its hits, each return and its item stand for the line's undone movement
        as for a batch whose item's link was taken apart (``_batch_items``: the
        collection made again pays the item, ``recollected_from``), the item's payment
        is kept (``returned_payments``: no counted line holds it); a line left with
        nothing pays nothing. Returns the hits without the paired items' on their lines
        and without the returns'."""
        returns = self.returns
        if returns is None or not returns.unpaired:
            return found
        cols = self.cols
        line_tc = self.part // 2
        unpaired = [r for r in returns.unpaired if line_tc[r] >= 0]
        if not unpaired:
            return found
        named = _named_items(self, found, payments)
        counted_rows = sorted(
            (row for row in counted if self.eligible[row]),
            key=lambda row: (int(self.day[row]), row),
        )
        by_amount = np.argsort((payments.parts << AMOUNT_SHIFT) | payments.items, kind="stable")
        amount_keys = ((payments.parts << AMOUNT_SHIFT) | payments.items)[by_amount]
        rest: dict[int, int] = {}  # what each line paired with a return still holds
        taken: set[int] = set()  # the payments paired
        paired: dict[int, list[tuple[int, int]]] = defaultdict(list)  # row → (return, cents)
        undid: dict[int, int] = {}  # return → the one payment whose item it undid
        dropped: list[tuple[int, int]] = []  # (row, payment) hits that no longer pay
        # the advices' items by their end-to-end ids: (row, cents)
        stated = {
            e2e: (row, cents)
            for row, items in cols.advice_items.items()
            if self.eligible[row]
            for e2e, _, cents in items
        }
        for r in unpaired:
            whole = abs(int(cols.amount[r]))
            known = stated.get(cols.end_to_end_ids[r]) if cols.end_to_end_ids[r] else None
            if known is not None:
                # the item itself, whether or not its payment is read in this run (one
                # settled is not): the line holds it no more
                row, cents = known
                if (
                    _undoes_item(cols, row, r, cents) is not None
                    and rest.get(row, int(self.remaining[row])) >= cents
                ):
                    rest[row] = rest.get(row, int(self.remaining[row])) - cents
                    paired[row].append((r, cents))
                    sure = [
                        g for g in set(found.get(row, ())) - taken if pays_from(g, r, row) == _SURE
                    ]
                    for g in sure:
                        taken.add(g)
                        dropped.append((row, g))
                        self.returned_payments[g] = row
                    if len(sure) == 1:
                        undid[r] = sure[0]
                continue
            key = int(line_tc[r] * _KEY_SHIFT + whole)
            items = list(named.between(key - RETURN_CHARGES, key))
            day = int(self.day[r])
            for row in counted_rows:
                if not 0 <= day - int(self.day[row]) <= RETURN_DAYS or line_tc[row] != line_tc[r]:
                    continue
                part = int(self.part[row]) << AMOUNT_SHIFT
                lo = int(amount_keys.searchsorted(part | max(whole - RETURN_CHARGES, 1)))
                hi = int(amount_keys.searchsorted(part | whole, side="right"))
                items += [
                    (row, g)
                    for g in by_amount[lo:hi].tolist()
                    if payments.lo[g] <= self.day[row] <= payments.hi[g] and not holds(g, row)
                ]
            ranked: list[tuple[int, int, int, str, int, int]] = []
            for row, g in dict.fromkeys(items):  # a counted line may name its items too
                item = int(payments.items[g])
                if g in taken or rest.get(row, int(self.remaining[row])) < item:
                    continue
                undoes = _undoes_item(cols, row, r, item)
                surely = 0 if undoes is None else pays_from(g, r, row)
                if undoes is not None and surely:
                    ranked.append((-surely, *undoes, cols.ids[row], row, g))
            ranked.sort()
            if not ranked or (len(ranked) > 1 and ranked[0][:3] == ranked[1][:3]):
                continue
            *_, row, g = ranked[0]
            taken.add(g)
            rest[row] = rest.get(row, int(self.remaining[row])) - int(payments.items[g])
            paired[row].append((r, int(payments.items[g])))
            dropped.append((row, g))
            self.returned_payments[g] = row
            undid[r] = g
        if not paired:
            return found
        returned = {r for each in paired.values() for r, _ in each}
        for row, left in rest.items():
            self.remaining[row] = left
            if left == 0:
                self.eligible[row] = False  # its items came back: it pays nothing
        self.eligible[sorted(returned)] = False
        self.__post_init__()  # the sorted order holds the lines' rests
        self._by_day = None
        self._set_returns(
            Returns(
                sorted({*returns.out, *returned, *(row for row, n in rest.items() if n == 0)}),
                sorted({*returns.undone, *paired}),
                [r for r in returns.unpaired if r not in returned],
                {**returns.items, **{row: tuple(each) for row, each in paired.items()}},
                {**returns.returned_by, **{row: each[0][0] for row, each in paired.items()}},
            )
        )
        self.recollected_payments = _recollected_payments(
            cols, self.recollected_from, paired, undid
        )
        if not found:
            return found
        size = max(int(found.payments.max(initial=0)), max(taken, default=0)) + 1
        gone = np.asarray([row * size + g for row, g in dropped], dtype=np.int64)
        kept = ~is_member(found.rows * size + found.payments, gone) & self.eligible[found.rows]
        return ReferenceHits(found.rows[kept], found.payments[kept])

    def rows_in_windows(
        self,
        lo: IntArray,
        hi: IntArray,
        windows: tuple[IntArray, IntArray],
        taken: BoolArray,
    ) -> tuple[IntArray, IntArray]:
        """(slice, row) of the rows of the slices [lo, hi) of the sorted order (by
        partition and amount, ``sorted_key``) booked inside their slice's window
        (``windows``: first and last days), not ``taken``; by slice, then in the sorted
        order.

        The slices' positions are read on arrays, about 65,000 at a time. Where the
        slices are wide (all the lines for less than an invoice: on a busy account,
        hundreds of millions of positions for a few thousand invoices) their windows
        are read instead, in an order by partition and day (:meth:`_rows_by_day`),
        when that reads fewer positions.
        """
        first, last = windows
        hi = np.where(last >= first, hi, lo)  # a window ending before it begins
        positions = int((hi - lo).sum())
        if positions > _WIDE_SLICES * self.sorted_key.size:
            found = self._rows_by_day(lo, hi, windows, taken, positions)
            if found is not None:
                return found
        return self._rows_by_amount(lo, hi, windows, taken)

    def _rows_by_amount(
        self,
        lo: IntArray,
        hi: IntArray,
        windows: tuple[IntArray, IntArray],
        taken: BoolArray,
    ) -> tuple[IntArray, IntArray]:
        """:meth:`rows_in_windows` read slice by slice: a day is inside when its
        distance from the first day, unsigned, is at most the window's length (days as
        32-bit integers: half the bytes to read)."""
        first, last = windows
        days = self.sorted_day_arr.astype(np.int32)
        first32 = first.astype(np.int32)
        span = (last - first).astype(np.uint32)
        owners: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        rows: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        for a, b, counts, pos, slice_of in _laid_end_to_end(lo, np.maximum(hi - lo, 0)):
            distance = (days[pos] - np.repeat(first32[a:b], counts)).view(np.uint32)
            inside = np.flatnonzero(distance <= np.repeat(span[a:b], counts))
            found = self.sorted_idx_arr[pos[inside]]
            free = ~taken[found]
            owners.append(slice_of(inside[free]))
            rows.append(found[free])
        return np.concatenate(owners), np.concatenate(rows)

    def _rows_by_day(
        self,
        lo: IntArray,
        hi: IntArray,
        windows: tuple[IntArray, IntArray],
        taken: BoolArray,
        positions: int,
    ) -> tuple[IntArray, IntArray] | None:
        """:meth:`rows_in_windows` read from the slices' windows: per slice, the
        positions of its partition booked inside its window (an order by partition and
        day, built once), kept where they lie in the slice; the same pairs in the same
        order. None where the windows hold at least the slices' ``positions``."""
        if self._by_day is None:
            day_key = ((self.sorted_key >> AMOUNT_SHIFT) << _DAY_SHIFT) | self.sorted_day_arr
            order = np.argsort(day_key, kind="stable")
            self._by_day = (day_key[order], order)
        day_key, order = self._by_day
        wide = hi > lo
        if not day_key.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        part = np.where(
            wide, self.sorted_key[np.minimum(lo, self.sorted_key.size - 1)] >> AMOUNT_SHIFT, 0
        )
        first, last = windows
        day_lo = day_key.searchsorted((part << _DAY_SHIFT) | first, side="left")
        day_hi = day_key.searchsorted((part << _DAY_SHIFT) | last, side="right")
        sizes = np.where(wide, np.maximum(day_hi - day_lo, 0), 0)
        if int(sizes.sum()) >= positions:
            return None
        owners: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        places: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        for a, b, counts, pos, slice_of in _laid_end_to_end(day_lo, sizes):
            place = order[pos]  # the position in the sorted order
            inside = np.flatnonzero(
                (place >= np.repeat(lo[a:b], counts)) & (place < np.repeat(hi[a:b], counts))
            )
            place = place[inside]
            free = ~taken[self.sorted_idx_arr[place]]
            owners.append(slice_of(inside[free]))
            places.append(place[free])
        # by slice, then place: one sort of both as one key (the slices come in order
        # already, their places by day: a lexsort took 0.37 s for 2.7 million pairs)
        size = self.sorted_key.size
        key = np.sort(np.concatenate(owners) * size + np.concatenate(places))
        return key // size, self.sorted_idx_arr[key % size]

    def purposes_mentioning(
        self, markers: Sequence[bytes], taken: Collection[int] = (), *, eligible_only: bool = True
    ) -> set[int]:
        """Rows of either direction, but the ``taken`` ones, whose purpose mentions one
        of ``markers`` (``line_marks``; by the lines' stored bits); eligible ones only
        unless asked otherwise."""
        wanted = (self.cols.keys.purpose_marks & marker_mask(markers)) != 0
        if eligible_only:
            wanted &= self.eligible
        return set(np.flatnonzero(wanted).tolist()) - set(taken)

    def mentions(self, markers: Sequence[bytes], rows: IntArray) -> BoolArray:
        """Per row of ``rows`` (either direction), whether its purpose mentions one of
        ``markers`` (by the lines' stored bits)."""
        found: BoolArray = (self.cols.keys.purpose_marks[rows] & marker_mask(markers)) != 0
        return found

    def provider_rows(self, markers: Sequence[bytes], taken: Collection[int] = ()) -> set[int]:
        """Eligible credit rows (payouts are credits), but the ``taken`` ones, whose
        payer name or purpose mentions one of ``markers`` (by the lines' stored bits)."""
        wanted = self.eligible & self._mentioning(markers)
        if taken:
            wanted[np.fromiter(taken, np.int64, len(taken))] = False
        return set(np.flatnonzero(wanted).tolist())

    def paid_out(self, rows: IntArray) -> BoolArray:
        """Per row of ``rows``, whether it is a payment provider's payout: a credit whose
        payer name or purpose names a provider (``PROVIDER_MARKERS``, by the stored
        bits). A provider keeps its fee from what it pays out: a payout for one sale's
        exact amount is another day's sales less the fee, by chance."""
        return self._mentioning(PROVIDER_MARKERS, rows)

    def lists_what_it_pays(self, rows: IntArray) -> BoolArray:
        """Per row of ``rows``, whether the line says itself which vouchers it pays, so
        that a payment's exact amount on it proves nothing unless the line names that
        payment: a payment provider's payout (:meth:`paid_out`), or a line whose payer's
        advice lists its invoices (``TxnColumns.advised``: a billing service's payout
        paying six patients' invoices, one of them not synced yet, was linked for its
        last 355,00 € to another patient's invoice of the same list price)."""
        return self.paid_out(rows) | self.cols.advised[rows]

    def _mentioning(self, markers: Sequence[bytes], rows: IntArray | None = None) -> BoolArray:
        """Per credit row (of ``rows``, else of all), whether its payer name or purpose
        mentions one of ``markers`` (by the lines' stored bits)."""
        keys, mask = self.cols.keys, marker_mask(markers)
        at = slice(None) if rows is None else rows
        marks = keys.name_marks[at] | keys.purpose_marks[at]
        found: BoolArray = ((marks & mask) != 0) & (self.part[at] % 2 == 0)
        return found

    def _index_identifiers(
        self, wanted: Mapping[str, set[int]], owned: Collection[str] = ()
    ) -> None:
        self.identified = np.zeros(len(self.cols), dtype=np.bool_)
        self.account_hashes = (self.cols.keys.iban, self.cols.keys.creditor)
        self._mark_identifiers(wanted, owned)

    def learn_identifiers(
        self, wanted: Mapping[str, set[int]], owned: Collection[str] = ()
    ) -> None:
        """Index accounts learned during the run (identifier → tenant-currency ids that
        now know it; ``owned``: now a contact's) as the build indexes those wanted and
        owned from the start: their rows are ``identified``, the wanted ones' listed by
        (partition, identifier)."""
        if self.account_hashes is None:
            self._index_identifiers(wanted, owned)
        else:
            self._mark_identifiers(wanted, owned)

    def _mark_identifiers(
        self, wanted: Mapping[str, set[int]], owned: Collection[str] = ()
    ) -> None:
        """Mark the rows of the ``wanted`` and ``owned`` accounts in ``identified`` and
        list each wanted one's rows per partition of a tenant-currency that wants it
        (``by_identifier``; a (partition, account) holds the same rows whoever wants it)."""
        if not wanted and not owned:
            return
        assert self.identified is not None and self.account_hashes is not None
        n = len(self.cols)
        columns = (self.cols.ibans, self.cols.creditors)
        lookup = wanted.keys() | set(owned) if owned else wanted.keys()
        lookup_hashes = self.account_keys(list(lookup))
        codes: dict[str, int] = {}  # identifier → a number of its own
        fresh = count()
        found: list[IntArray] = []
        numbers: list[IntArray] = []
        for values, hashes in zip(columns, self.account_hashes, strict=True):
            hit = is_member(hashes, lookup_hashes) & self.eligible
            self.identified |= hit
            at = np.flatnonzero(hit)
            named = map(values.__getitem__, at.tolist())
            found.append(at)
            numbers.append(np.fromiter(map(codes.setdefault, named, fresh), np.int64, at.size))
        row, code = np.concatenate(found), np.concatenate(numbers)
        if row.size == 0:
            return
        # kept where a payment of the row's tenant-currency wants the identifier
        width = int(self.part[row].max()) // 2 + 1
        pairs = [c * width + tc for i, c in codes.items() for tc in wanted.get(i, ()) if tc < width]
        keep, _ = find_sorted(
            code * width + self.part[row] // 2, distinct(np.array(pairs, np.int64))
        )
        row, code = row[keep], code[keep]
        if row.size == 0:
            return
        part, day = self.part[row], self.day[row]
        # groups by (partition, identifier), days then rows ascending inside
        order = _order_by_key_and_day(code * 2 * width + part, (day - day.min()) * n + row)
        row, code, part, day = row[order], code[order], part[order], day[order]
        new_row = np.ones(row.size, dtype=np.bool_)  # a row under its IBAN and creditor id
        new_row[1:] = (row[1:] != row[:-1]) | (code[1:] != code[:-1]) | (part[1:] != part[:-1])
        row, code, part, day = row[new_row], code[new_row], part[new_row], day[new_row]
        first = np.flatnonzero(np.diff(code, prepend=-1) | np.diff(part, prepend=-1)).tolist()
        idents = {c: i for i, c in codes.items()}
        days, listed = day.tolist(), row.tolist()
        for a, b, p, c in zip(
            first, [*first[1:], row.size], part[first].tolist(), code[first].tolist(), strict=True
        ):
            self.by_identifier[(p, idents[c])] = (days[a:b], listed[a:b])

    def account_keys(self, identifiers: list[str]) -> IntArray:
        """:func:`text_keys` of accounts, each distinct one hashed once per run (a
        contact's account is known to each of its payments)."""
        keys = self._account_keys
        fresh = list(set(identifiers).difference(keys))
        keys.update(zip(fresh, text_keys(fresh).tolist(), strict=True))
        return np.fromiter(map(keys.__getitem__, identifiers), np.int64, len(identifiers))

    def scan_references(
        self,
        keys: ReferenceKeys,
        tenant_currency: Sequence[int],
        references: Mapping[str, list[int]],
        customers: Mapping[tuple[int, str], str],
    ) -> ReferenceHits:
        """Transactions whose remittance holds a payment's reference number.

        ``keys`` are the payments' digit keys, ``references`` end-to-end ids →
        payments, ``customers`` (tenant-currency, customer number) → contact. Returns
        row → payments; customer number hits are kept in ``customer_hits``.
        """
        payments, values = keys.flat()
        wanted = (values, np.asarray(tenant_currency, dtype=np.int64)[payments])
        by_customer: dict[tuple[int, int], str] = {}
        for (tc, number), contact in customers.items():
            value = digit_value(number)
            if value is not None:
                by_customer[(value, tc)] = contact  # of equal numbers the last counts
        rows, pays = self._scan_texts(wanted, payments, by_customer)
        if references:
            ids = self.cols.end_to_end_ids
            known = np.fromiter(map(references.__contains__, ids), np.bool_, len(ids))
            if "" in references:
                known &= np.fromiter(map(bool, ids), np.bool_, len(ids))
            # a payment's end-to-end id counts on the lines of its own partition
            # only: another client's bank may have written the same id
            line_tc = self.part // 2
            more = [
                (i, g)
                for i in np.flatnonzero(known & self.eligible).tolist()
                for g in references[ids[i]]
                if tenant_currency[g] == line_tc[i]
            ]
            rows = np.concatenate((rows, np.fromiter((i for i, _ in more), np.int64, len(more))))
            pays = np.concatenate((pays, np.fromiter((g for _, g in more), np.int64, len(more))))
        size = max(keys.first.size, 1)
        pairs = distinct(rows * size + pays)
        return ReferenceHits(pairs // size, pairs % size)

    def keep_hits(
        self, found: ReferenceHits, local: Mapping[int, int], skip_rows: Collection[int]
    ) -> None:
        """Reference hits of the payments this run scores (``local``: global → local)."""
        size = max(int(found.payments.max(initial=-1)), max(local, default=-1)) + 1
        local_of = np.full(size, -1, dtype=np.int64)
        local_of[np.fromiter(local, np.int64, len(local))] = np.fromiter(
            local.values(), np.int64, len(local)
        )
        mine = local_of[found.payments]
        keep = mine >= 0
        if skip_rows:
            keep &= ~marked(skip_rows, len(self.cols))[found.rows]
        rows, mine = found.rows[keep], mine[keep]
        self.hits_by_txn = _sets_by_key(rows, mine.tolist())
        order = np.argsort(mine)
        self.hits_by_payment = _sets_by_key(mine[order], rows[order].tolist())

    def _scan_texts(
        self,
        wanted: tuple[IntArray, IntArray],
        payments: IntArray,
        customers: Mapping[tuple[int, int], str],
    ) -> tuple[IntArray, IntArray]:
        """(row, payment) of every reference number hit in the remittances, pairs
        repeated where a text repeats a number; customer number hits go to
        ``customer_hits``.

        ``wanted`` are the payments' (value, tenant-currency) keys, ``customers``
        (value, tenant-currency) → contact. A hit's value and tenant-currency are looked
        up as one code: the value's rank among the wanted values (18 digits leave no
        room for more in 63 bits) times the number of tenant-currencies, plus its own.
        """
        none = np.zeros(0, dtype=np.int64)
        numbers = (
            np.fromiter((v for v, _ in customers), np.int64, len(customers)),
            np.fromiter((tc for _, tc in customers), np.int64, len(customers)),
        )
        # sorted (``unique`` sorts when asked for the inverse; alone it hashes)
        keys, key_rank = np.unique(np.concatenate((wanted[0], numbers[0])), return_inverse=True)
        if keys.size == 0:
            return none, none
        at, values = self.cols.keys.number_rows, self.cols.keys.numbers
        known, rank = find_sorted(values, keys)
        rows = at[known]
        hit = self.eligible[rows]
        rows, rank = rows[hit], rank[hit]
        tcs = self.part[rows] // 2
        width = max(int(tc.max(initial=0)) for tc in (tcs, wanted[1], numbers[1])) + 1
        hit_code = rank * width + tcs
        code = key_rank[: payments.size] * width + wanted[1]
        order = np.argsort(code)
        first, counts = _runs_of(code[order], hit_code)
        # each hit's run of the sorted table, the runs joined into one index array
        each = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts - first, counts)
        found = np.repeat(rows, counts), payments[order[each]]
        if customers:
            code = key_rank[payments.size :] * width + numbers[1]
            order = np.argsort(code)
            first, counts = _runs_of(code[order], hit_code)
            named = np.flatnonzero(counts)  # one contact per code
            contacts = list(customers.values())
            self.customer_hits = _sets_by_key(
                rows[named], [contacts[i] for i in order[first[named]].tolist()]
            )
        return found


def _runs_of(codes: IntArray, wanted: IntArray) -> tuple[IntArray, IntArray]:
    """For each wanted code, the run of the sorted ``codes`` equal to it: (first
    position, length; 0 where there is none), by one binary search among the distinct
    codes."""
    if codes.size == 0:
        none = np.zeros(wanted.size, dtype=np.int64)
        return none, none
    starts = np.flatnonzero(np.diff(codes, prepend=codes[0] - 1))
    ends = np.append(starts[1:], codes.size)
    pos = np.minimum(np.searchsorted(codes[starts], wanted), starts.size - 1)
    found = codes[starts[pos]] == wanted
    return starts[pos], np.where(found, ends[pos] - starts[pos], 0)


class BatchPayments(NamedTuple):
    """Per payment (global position) what pairing a return with a batch's item reads
    (``TxnIndex.pair_batch_returns``)."""

    items: IntArray  # the item's cents
    parts: IntArray  # the partition
    lo: IntArray  # the date window
    hi: IntArray
    open: BoolArray  # still to be paid


class _NamedItems(NamedTuple):
    """The (row, payment) pairs of lines naming several open items, by (tenant and
    currency, item's cents) as one key (``_named_items``)."""

    keys: IntArray
    rows: IntArray
    payments: IntArray

    def between(self, low: int, high: int) -> Iterator[tuple[int, int]]:
        lo, hi = int(self.keys.searchsorted(low)), int(self.keys.searchsorted(high, "right"))
        return zip(self.rows[lo:hi].tolist(), self.payments[lo:hi].tolist(), strict=True)


def _named_items(index: TxnIndex, found: ReferenceHits, payments: BatchPayments) -> _NamedItems:
    """The items lines name that a return may have undone: open items of the line's
    partition on a line naming two of them or more (or whose advice names them) that
    pays more than the item."""
    cols = index.cols
    rows, pays = found.rows, found.payments
    mine = payments.open[pays] & (payments.parts[pays] == index.part[rows])
    named = np.bincount(rows[mine], minlength=len(cols))
    cents = payments.items[pays]
    keep = (
        mine
        & ((named[rows] >= 2) | cols.advised[rows])
        & index.eligible[rows]
        & (np.abs(cols.amount[rows]) > cents)
        & (index.part[rows] >= 0)
    )
    rows, pays = rows[keep], pays[keep]
    keys = (index.part[rows] // 2) * _KEY_SHIFT + cents[keep]
    order = np.argsort(keys, kind="stable")
    return _NamedItems(keys[order], rows[order], pays[order])


class ReferenceHits(dict[int, set[int]]):
    """Row → payments whose reference number its remittance holds; the same as arrays
    of the distinct (row, payment) pairs sorted by row (``rows``, ``payments``) for
    readers that join them with numpy."""

    __slots__ = ("payments", "rows")

    def __init__(self, rows: IntArray, payments: IntArray) -> None:
        super().__init__(_sets_by_key(rows, payments.tolist()))
        self.rows, self.payments = rows, payments

    def add(self, pairs: Collection[tuple[int, int]], size: int) -> None:
        """Take in a few more (row, payment) pairs (payments below ``size``), each put
        in its place: the whole is not built again."""
        codes = self.rows * size + self.payments
        new = np.unique(np.fromiter((row * size + g for row, g in pairs), np.int64, len(pairs)))
        if codes.size:
            at = np.searchsorted(codes, new)
            new = new[(at == codes.size) | (codes[np.minimum(at, codes.size - 1)] != new)]
        codes = np.insert(codes, np.searchsorted(codes, new), new)
        self.rows, self.payments = codes // size, codes % size
        for row, g in zip((new // size).tolist(), (new % size).tolist(), strict=True):
            self.setdefault(row, set()).add(g)


_T = TypeVar("_T")


def _sets_by_key(keys: IntArray, values: list[_T]) -> dict[int, set[_T]]:
    """Key → its values, for keys and values side by side (one Python loop: a set per
    key costs what it costs; slicing runs of equal keys measured slower)."""
    out: dict[int, set[_T]] = {}
    for key, value in zip(keys.tolist(), values, strict=True):
        each = out.get(key)
        if each is None:
            out[key] = {value}
        else:
            each.add(value)
    return out


def _packed_order(
    part: IntArray, remaining: IntArray, day: IntArray, eligible: BoolArray
) -> tuple[IntArray, IntArray, IntArray] | None:
    """The index's (key, row, day) of the eligible rows sorted by partition, remaining
    amount, day and row, from one sort of the values themselves: the four packed into
    the bits of one integer, read back by shifts and masks (no gather of a million
    values in sorted order, no temporary per step). None where they do not fit in 62
    bits; ineligible rows get the largest integer and are cut off after the sort."""
    n = part.size
    if not eligible.any():
        return None
    first = int(day.min(where=eligible, initial=int(day.max())))
    r_bits = int(remaining.max(where=eligible, initial=0)).bit_length()
    d_bits = (int(day.max(where=eligible, initial=first)) - first).bit_length()
    n_bits = max(n - 1, 1).bit_length()
    p_bits = int(part.max(where=eligible, initial=0)).bit_length()
    if p_bits + r_bits + d_bits + n_bits > 62:
        return None
    packed = part << r_bits
    packed |= remaining
    packed <<= d_bits
    packed += day
    packed -= first
    packed <<= n_bits
    packed |= np.arange(n)
    packed[~eligible] = np.iinfo(np.int64).max
    packed.sort()
    packed = packed[: np.count_nonzero(eligible)]
    rows = packed & ((1 << n_bits) - 1)
    packed >>= n_bits
    days = packed & ((1 << d_bits) - 1)
    days += first
    packed >>= d_bits
    key = packed >> r_bits
    key <<= AMOUNT_SHIFT
    packed &= (1 << r_bits) - 1
    key |= packed
    return key, rows, days


def _order_by_key_and_day(key: IntArray, day: IntArray) -> IntArray:
    """``np.lexsort((day, key))``: one stable sort of a combined key when it fits in
    63 bits (a single sort of 64-bit integers is about three times faster), or, when the
    row number fits in too, a sort of the values themselves (about four times faster
    again)."""
    n = key.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first, span = int(day.min()), int(day.max()) - int(day.min())
    if int(key.min()) >= 0 and (int(key.max()) + 1) * (span + 1) < 1 << 63:
        combined = key * (span + 1)
        combined += day
        combined -= first
        bits = max(n - 1, 1).bit_length()  # row numbers in the low bits, masked off after
        if (int(combined.max()) + 1) << bits <= 1 << 63:
            combined <<= bits
            combined |= np.arange(n)
            combined.sort()
            combined &= (1 << bits) - 1
            return combined
        return np.argsort(combined, kind="stable")
    return np.lexsort((day, key))


def tenant_currencies(
    tenants: list[str], currencies: list[str]
) -> tuple[dict[tuple[str, str], int], IntArray]:
    """The (tenant, currency) pairs numbered in sorted order, and each row's number.

    Each row's key is looked up once, and only its tenant where all rows share one
    currency (no pair built per row): a row's first lookup numbers it by its position,
    the distinct first positions are then ranked by their sorted keys."""
    n = len(tenants)
    if n == 0:
        return {}, np.zeros(0, dtype=np.int64)
    currency = currencies[0]
    one_currency = currencies.count(currency) == n
    keys: list[Any] = tenants if one_currency else list(zip(tenants, currencies, strict=True))
    first_at: dict[Any, int] = {}
    first = np.fromiter(map(first_at.setdefault, keys, count()), np.int64, n)
    ordered = sorted(first_at.items())
    rank = np.zeros(n, dtype=np.int64)
    rank[[at for _, at in ordered]] = np.arange(len(ordered))
    pairs = [(key, currency) for key, _ in ordered] if one_currency else [k for k, _ in ordered]
    return {pair: i for i, pair in enumerate(pairs)}, rank[first]


def _tenant_currency_codes(
    cols: TxnColumns, tenant_currency_ids: Mapping[tuple[str, str], int]
) -> IntArray:
    """Tenant-currency id per row, -1 where that tenant has no payments in that
    currency: a dictionary lookup per row in C (``map`` with a default), or none at all
    where the column holds one tenant and one currency (counted by a comparison per
    row, mostly of identity; the last row tells cheaply when it does not)."""
    n = len(cols)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    currency, tenant = cols.currencies[0], cols.tenants[0]
    if cols.currencies[-1] == currency and cols.currencies.count(currency) == n:
        if cols.tenants[-1] == tenant and cols.tenants.count(tenant) == n:
            return np.full(n, tenant_currency_ids.get((tenant, currency), -1), dtype=np.int64)
        of_tenant = {t: i for (t, c), i in tenant_currency_ids.items() if c == currency}
        return np.fromiter(map(of_tenant.get, cols.tenants, repeat(-1)), np.int64, n)
    pairs = zip(cols.tenants, cols.currencies, strict=True)
    return np.fromiter(map(tenant_currency_ids.get, pairs, repeat(-1)), np.int64, n)


_RETURN_RE = re.compile(
    r"(?<!NACH )(?<!NACH DER )\b(RUECKLASTSCHRIFT|RUCKLASTSCHRIFT|RETOURE|STORNO|RUECKBUCHUNG)"
)
RETURN_DAYS = 30
# the banks' charges a return may carry in its amount (the debtor's bank's and the
# creditor's: a few euros each)
RETURN_CHARGES = 2000
# how surely a return undid a voucher's item (``return_payer``): the advice's item of
# its end-to-end id names it
_SURE = 4
# returns that make a batch line's rest together: at most this many, of this many
# nearest after it (``_returns_making``)
_BATCH_RETURNS = 4
_BATCH_POOL = 12
# (partition or tenant-currency) and a signed amount as one key
_KEY_SHIFT = np.int64(1) << np.int64(42)


def marked(positions: Collection[int], n: int) -> BoolArray:
    """``n`` flags, set at ``positions``."""
    return _flags(np.fromiter(positions, np.int64, len(positions)), n)


def _span(values: IntArray) -> tuple[int, int] | None:
    """The lowest of the integer ``values`` and the width of their range, where that
    range is narrow enough to be read by flags (:func:`unique_inverse`): up to 32
    slots per value (and 65,536 for few values), at most 8 million; else None."""
    if values.size == 0 or values.dtype.kind not in "iu":
        return None
    low, high = int(values.min()), int(values.max())
    span = high - low + 1
    if span > min(32 * values.size + (1 << 16), 1 << 23):
        return None
    return low, span


def _flags(at: IntArray, span: int) -> BoolArray:
    """``span`` flags, set at the offsets ``at``."""
    present = np.zeros(span, dtype=np.bool_)
    present[at] = True
    return present


def _values_of(present: BoolArray, low: int, dtype: np.dtype[Any]) -> IntArray:
    """The values whose flags are set (offsets from ``low``), ascending, in ``dtype``."""
    return (np.flatnonzero(present) + low).astype(dtype, copy=False)


def unique_inverse(values: IntArray) -> tuple[IntArray, IntArray]:
    """``np.unique(values, return_inverse=True)`` (the same arrays): where the integers
    lie in a narrow range (payments', lines' and states' positions, day counts, small
    codes), by a flag per value of the range and a running count, without a sort
    (about 20 times faster for 300,000 values); else by ``np.unique``."""
    spanned = _span(values)
    if spanned is None:
        found, inverse = np.unique(values, return_inverse=True)
        return found, inverse.reshape(-1)
    low, span = spanned
    at = values - low
    present = _flags(at, span)
    rank = np.cumsum(present, dtype=np.int64)
    rank -= 1
    return _values_of(present, low, values.dtype), rank[at]


def unique_first(values: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """``np.unique(values, return_index=True, return_inverse=True)`` (the same arrays:
    the first position of each distinct value), as :func:`unique_inverse`."""
    spanned = _span(values)
    if spanned is None:
        found, first, inverse = np.unique(values, return_index=True, return_inverse=True)
        return found, first, inverse.reshape(-1)
    low, span = spanned
    found, inverse = unique_inverse(values)
    earliest = np.full(span, values.size, dtype=np.int64)
    np.minimum.at(earliest, values - low, np.arange(values.size, dtype=np.int64))
    return found, earliest[found - low], inverse


def distinct(values: IntArray) -> IntArray:
    """``np.unique(values)``: by flags where the integers lie in a narrow range
    (:func:`unique_inverse`), else by a sort (numpy's ``unique`` of integers goes
    through a hash table, about 30 times slower than a sort for 100,000 values)."""
    spanned = _span(values)
    if spanned is not None:
        low, span = spanned
        return _values_of(_flags(values - low, span), low, values.dtype)
    out = np.sort(values)
    if out.size < 2:
        return out
    keep = np.empty(out.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


# ``find_sorted``'s table of positions: no key has these low bits, several keys have them
_NO_KEY, _KEYS_SHARE = -1, -2
# from this many values on, ``find_sorted`` fills a table of positions (below, writing
# its 256 KB costs more than the binary searches it saves: one client's run makes
# thousands of calls with a few hundred values)
_POSITIONS_FROM = 1 << 14


def find_sorted(
    values: IntArray, keys: IntArray, *, positions_from: int = _POSITIONS_FROM
) -> tuple[IntArray, IntArray]:
    """Where ``values`` hold one of the sorted distinct ``keys``: (positions in
    ``values``, positions in ``keys``). For many values and fewer keys, a table indexed
    by the low bits (about eight times as many entries as there are keys, at least
    2**16) leaves few values to compare:

    * from ``positions_from`` values on, it holds the position of the one key with
      those bits, and a value is compared with that key; only values whose bits several
      keys share are searched for (a binary search for every value that passed a table
      of flags took twice as long at a million values);
    * below, it flags the keys' bits, and the values that pass are searched for."""
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = (1 << max(16, keys.size.bit_length() + 3)) - 1
    if values.size < positions_from:
        flags = np.zeros(low + 1, dtype=np.bool_)
        flags[keys & low] = True
        maybe = np.flatnonzero(flags[values & low])
        pos = keys.searchsorted(values[maybe])
        pos[pos == keys.size] = 0
    else:
        slot = keys & low
        table = np.full(low + 1, _NO_KEY, dtype=np.int32)
        table[slot] = np.arange(keys.size, dtype=np.int32)
        ordered = np.sort(slot)
        table[ordered[1:][ordered[1:] == ordered[:-1]]] = _KEYS_SHARE
        at = table[values & low]
        maybe = np.flatnonzero(at != _NO_KEY)
        pos = at[maybe].astype(np.int64)
        shared = np.flatnonzero(pos == _KEYS_SHARE)
        if shared.size:
            found = keys.searchsorted(values[maybe[shared]])
            found[found == keys.size] = 0
            pos[shared] = found
    hit = keys[pos] == values[maybe]
    return maybe[hit], pos[hit]


def is_member(values: IntArray, wanted: IntArray) -> BoolArray:
    """``np.isin(values, wanted)`` for few wanted values among many (``isin`` sorts
    both sides together)."""
    found = np.zeros(values.shape, dtype=np.bool_)
    found[find_sorted(values, distinct(wanted))[0]] = True
    return found


class Returns(NamedTuple):
    """What the returns among a store's lines undo (``_returned_lines``)."""

    out: list[int]  # rows that pay nothing: the returns and what they undo
    undone: list[int]  # the undone movements alone
    unpaired: list[int]  # returns that undo none of the lines
    # a line paying several items (a SEPA batch) some of which came back: its row →
    # per returned item (the return's row, the item's cents)
    items: dict[int, tuple[tuple[int, int], ...]]
    # each undone movement → the return that undid it
    returned_by: Mapping[int, int] = {}


def _returned_lines(cols: TxnColumns, tc: IntArray, remaining: IntArray | None = None) -> Returns:
    """Rows that do not pay anything: reversals, and the movements they undo; the
    undone movements alone; and the returns left unpaired.

    A line is a reversal when the importer flagged it (camt ``RvslInd``/``RtrInf``), or
    when its text says so ("Rücklastschrift", "Retoure", "Storno" — but not "… nach
    Rücklastschrift") *and* an opposite movement of the same amount from the same
    counterparty precedes it within 30 days — or one for up to 20 € less from the same
    account or name: a return booked with the banks' charges in its amount (camt's
    entry amount, the original one in ``InstdAmt``). A line whose end-to-end id is
    another than the return's is not what it undid (``_other_end_to_end``). The undone
    movement is excluded too; a later re-collection or transfer pays
    (``_recollections``).

    With ``remaining`` (the amounts the links leave open), a return pairs as well with
    an earlier opposite line that links hold in part and whose rest is the return's
    amount (less charges): one item of a SEPA batch came back and its link was taken
    apart (``_batch_items``).
    """
    flagged = set(np.flatnonzero(cols.reversal).tolist())
    candidates = _return_rows(cols)
    if not candidates:
        return Returns([], [], [], {})
    amount = cols.amount
    keys = tc * _KEY_SHIFT + amount
    wanted = np.array([tc[r] * _KEY_SHIFT - amount[r] for r in candidates], dtype=np.int64)
    by_key: dict[int, list[int]] = defaultdict(list)
    for row in np.flatnonzero(is_member(keys, wanted) & (tc >= 0)).tolist():
        by_key[int(keys[row])].append(row)
    out: set[int] = set()
    returned_by: dict[int, int] = {}
    unpaired: list[int] = []
    for r in candidates:
        original = _undone_row(cols, r, by_key.get(int(tc[r] * _KEY_SHIFT - amount[r]), []), out)
        if original is not None:
            out.update((original, r))
            returned_by[original] = r
            continue
        unpaired.append(r)
        if r in flagged:
            out.add(r)
    charged = _with_charges(cols, tc, keys, unpaired, out)
    for r, original in charged.items():
        out.update((original, r))
        returned_by[original] = r
    unpaired = [r for r in unpaired if r not in charged]
    items = {} if remaining is None else _batch_items(cols, tc, remaining, unpaired, out)
    for batch, each in items.items():
        for r, _ in each:
            out.update((batch, r))
            returned_by[batch] = r
    paired = {r for each in items.values() for r, _ in each}
    return Returns(
        sorted(out),
        sorted(returned_by),
        [r for r in unpaired if r not in paired],
        items,
        returned_by,
    )


def _batch_items(
    cols: TxnColumns, tc: IntArray, remaining: IntArray, returns: Sequence[int], taken: set[int]
) -> dict[int, tuple[tuple[int, int], ...]]:
    """Batch line → per returned item (return, cents) for returns of items of a line
    that paid several: an opposite line of the client up to 30 days before, which links
    hold in part and whose rest is the return's amount, or up to ``RETURN_CHARGES``
    less (the banks' charges in the return's amount) — the least charges, then the
    nearest. Where no single return makes the rest of a line naming no payer (the
    client's own batch), two to ``_BATCH_RETURNS`` of the returns left make it together
    (each with its charges; the fewest returns, then the least charges; two
    combinations alike: none). The batch line names no payer (it is the client's own
    collection), so none is compared. Such a rest arises when
    the returned items' links were taken apart (retired after the return, or undone by
    a person), or never made (each member's collection made again was linked instead):
    it pays nothing and must not be linked again."""
    partly = np.flatnonzero(
        (tc >= 0) & (remaining > 0) & (remaining < np.abs(cols.amount))
    ).tolist()
    out: dict[int, tuple[tuple[int, int], ...]] = {}
    for r in returns:
        if tc[r] < 0:
            continue
        best: tuple[int, int, str, int] | None = None
        for row in partly:
            undoes = _undoes_item(cols, row, r, int(remaining[row]))
            if undoes is None or row in taken or row in out or tc[row] != tc[r]:
                continue
            rank = (*undoes, cols.ids[row], row)
            if best is None or rank < best:
                best = rank
        if best is not None:
            out[best[3]] = ((r, int(remaining[best[3]])),)
    used = {r for each in out.values() for r, _ in each}
    for row in partly:
        if row in out or row in taken or cols.ibans[row] or cols.names[row]:
            continue  # a line naming its payer is no client's own batch
        found = _returns_making(
            cols,
            row,
            int(remaining[row]),
            [r for r in returns if r not in used and tc[r] == tc[row]],
        )
        if found:
            out[row] = found
            used.update(r for r, _ in found)
    return out


def _returns_making(
    cols: TxnColumns, row: int, rest: int, returns: Sequence[int]
) -> tuple[tuple[int, int], ...]:
    """The only fewest returns (two to ``_BATCH_RETURNS``, of the ``_BATCH_POOL``
    nearest after the line) that make the line's ``rest`` together, each for its item
    or up to ``RETURN_CHARGES`` more; per return (row, its amount), else ()."""
    pool = sorted(
        (
            (gap, r)
            for r in returns
            for gap in (int(cols.day[r]) - int(cols.day[row]),)
            if 0 <= gap <= RETURN_DAYS
            and (cols.amount[r] > 0) != (cols.amount[row] > 0)
            and abs(int(cols.amount[r])) <= rest + RETURN_CHARGES
        ),
    )[:_BATCH_POOL]
    for k in range(2, min(_BATCH_RETURNS, len(pool)) + 1):
        fits = sorted(
            (charges, tuple(r for _, r in combo))
            for combo in combinations(pool, k)
            for charges in (sum(abs(int(cols.amount[r])) for _, r in combo) - rest,)
            if 0 <= charges <= RETURN_CHARGES * k
        )
        if fits:
            if len(fits) > 1 and fits[0][0] == fits[1][0]:
                return ()  # two combinations alike: a person looks
            return _items_returned(cols, fits[0][1], rest)
    return ()


def _items_returned(
    cols: TxnColumns, returns: Sequence[int], rest: int
) -> tuple[tuple[int, int], ...]:
    """Per return making a batch line's ``rest`` together, (row, the item it undid):
    its amount less the banks' charges its purpose states (``stated_return_charges``);
    where one return states none, less what the rest leaves for it; where several
    state none and the rest leaves nothing, those carry none (their banks booked the
    charges on lines of their own). Where that does not add up, each return's whole
    amount (a collection made again of the item's amount is then not read as one:
    offered nowhere, a person links it).

    Before, several returns stating none took the whole amounts of all, the charges a
    return stated too: a mother's transfer of her daughter's fee after its return
    („… ENTGELT 3,00 EUR“, 62,00 € for a fee of 59,00 €; two other returns of the batch
    stated none) was read as no collection made again, and offered nowhere (the dance
    school's reviewed replay, seed 5: linked by hand)."""
    amounts = [abs(int(cols.amount[r])) for r in returns]
    charges: list[int | None] = [stated_return_charges(cols.remittances[r]) for r in returns]
    left = sum(amounts) - rest - sum(c for c in charges if c is not None)
    unstated = [i for i, c in enumerate(charges) if c is None]
    if len(unstated) == 1 and 0 <= left <= RETURN_CHARGES:
        charges[unstated[0]] = left
    elif left:  # what they state does not add up, or several state none and carry some
        return tuple(zip(returns, amounts, strict=True))
    return tuple(
        (r, cents - (charge or 0))
        for r, cents, charge in zip(returns, amounts, charges, strict=True)
    )


def _undoes_item(cols: TxnColumns, row: int, r: int, cents: int) -> tuple[int, int] | None:
    """(charges, days) where return ``r`` may undo an item of ``cents`` of the line at
    ``row``: an opposite movement up to ``RETURN_DAYS`` before, the return for the item
    or up to ``RETURN_CHARGES`` more."""
    charges, gap = abs(int(cols.amount[r])) - cents, int(cols.day[r]) - int(cols.day[row])
    if (cols.amount[row] > 0) == (cols.amount[r] > 0) or not 0 <= charges <= RETURN_CHARGES:
        return None
    return (charges, gap) if 0 <= gap <= RETURN_DAYS else None


class HeldItem(NamedTuple):
    """An allocating link on a line paying several items, as a return is paired with
    it (``returned_items``)."""

    row: int  # the line's row
    cents: int  # what the link holds
    payer: str  # the name of the voucher's contact
    accounts: frozenset[str]  # the accounts the contact is known to pay from
    number: str = ""  # the voucher's number


def returned_items(
    cols: TxnColumns, returns: Sequence[int], held: Sequence[HeldItem]
) -> dict[int, int]:
    """Return row → position in ``held``: the item of a line paying several (a SEPA
    batch, the client's own collection: it names no payer) that the return undid — an
    item of its amount (or up to ``RETURN_CHARGES`` less) on an opposite line up to 30
    days before, of the return's payer (``return_payer``: its account is the
    contact's, its purpose names the voucher, or the names hold the same words). The
    payer surest, then the least charges, then the nearest line; where two payers'
    items rank alike, none (a person looks)."""
    _, tc = tenant_currencies(cols.tenants, cols.currencies)
    later = later_from_account(cols, returns)
    out: dict[int, int] = {}
    for r in returns:
        best: list[tuple[int, int, int, int]] = []
        for k, item in enumerate(held):
            undoes = _undoes_item(cols, item.row, r, item.cents)
            if (
                undoes is None
                or tc[item.row] != tc[r]
                or abs(int(cols.amount[item.row])) <= item.cents
                or k in out.values()
            ):
                continue
            again = [text for cents, text in later.get(r, ()) if cents == item.cents]
            surely = return_payer(cols, r, item.row, item.accounts, item.payer, item.number, again)
            if surely:
                best.append((-surely, *undoes, k))
        best.sort()
        if best and (len(best) == 1 or best[0][:3] < best[1][:3]):
            out[r] = best[0][3]
    return out


def return_payer(
    cols: TxnColumns,
    r: int,
    row: int,
    accounts: Collection[str],
    payer: str,
    number: str,
    again: Iterable[str] = (),
) -> int:
    """How surely return ``r`` undid the collection for the voucher ``number`` of a
    contact on the line at ``row``: 4 the line's advice names the voucher on the item
    of the return's end-to-end id (a SEPA return keeps the original's: the item itself;
    0 where that item names another voucher); 3 its purpose names the voucher (a
    return carries the collection's purpose where the bank passes it on), or the
    purpose of a line collecting it again does (``again``: those of the lines of the
    item's amount from the return's account after it, :func:`later_from_account`); 2
    its account is one of the contact's ``accounts``; 1 the names hold the same words
    ("SCHULZE, BERND" for Bernd Schulze, the contact's name ``payer``: two members may
    share a name); 0 nothing tells it.

    A voucher named outranks the account: a parent's account pays the parent's own
    fee and the child's, and the return of the child's fee names neither — the
    collection made again names the child's invoice („Mitglied 1016 TS-25-0537
    WIEDERVORLAGE“). Before, the parent's own item was taken as returned: the batch
    was read without it, and the collection made again was linked to the parent's
    invoice."""
    e2e = cols.end_to_end_ids[r]
    if e2e:
        for item_e2e, reference, _ in cols.advice_items.get(row, ()):
            if item_e2e == e2e:
                named = voucher_reference_tokens(number) & text_reference_tokens(reference)
                return 4 if number and named else 0
    if number:
        tokens = voucher_reference_tokens(number)
        if any(tokens & text_reference_tokens(text) for text in (cols.remittances[r], *again)):
            return 3
    if cols.ibans[r] and cols.ibans[r] in accounts:
        return 2
    words = set(normalise_name(cols.names[r]).split())
    return 1 if words and words == set(normalise_name(payer).split()) else 0


def later_from_account(
    cols: TxnColumns, returns: Collection[int]
) -> dict[int, list[tuple[int, str]]]:
    """Per return of ``returns`` with an account, (cents, purpose) of the lines from
    that account of the other direction booked up to ``RETURN_DAYS`` after it: the
    collection made again, or the payer's transfer of what came back, which may name
    the voucher the return does not (``return_payer``)."""
    wanted = [r for r in returns if cols.keys.iban[r] != NO_KEY]
    if not wanted:
        return {}
    keys = cols.keys.iban
    rows = np.flatnonzero(is_member(keys, np.unique(keys[wanted])))
    by_key: dict[int, list[int]] = defaultdict(list)
    for row in rows.tolist():
        by_key[int(keys[row])].append(row)
    out: dict[int, list[tuple[int, str]]] = {}
    for r in wanted:
        day, sign = int(cols.day[r]), cols.amount[r] < 0
        out[r] = [
            (abs(int(cols.amount[row])), cols.remittances[row])
            for row in by_key[int(keys[r])]
            if 0 < int(cols.day[row]) - day <= RETURN_DAYS
            and (cols.amount[row] > 0) == sign
            and cols.ibans[row] == cols.ibans[r]
        ]
    return out


def _return_rows(cols: TxnColumns) -> list[int]:
    """The rows flagged or worded as returns, by day and id (each still to be paired
    with what it undoes, ``_returned_lines``)."""
    flagged = set(np.flatnonzero(cols.reversal).tolist())
    mentioning = (cols.keys.purpose_marks & marker_mask(RETURN_MARKERS)) != 0
    worded = {
        row
        for row in np.flatnonzero(mentioning).tolist()
        if _RETURN_RE.search(normalise_text(cols.remittances[row]).replace("\n", " "))
    }
    return sorted(flagged | worded, key=lambda r: (int(cols.day[r]), cols.ids[r]))


def returns_of(cols: TxnColumns) -> Returns:
    """What the returns among one store's columns undo (each tenant and currency apart,
    ``_returned_lines``): the movements the store must no longer hold as paying
    anything, and the returns undoing none of them — where a store looks for the lines
    they may undo (``RETURN_DAYS`` before), those it does not hand over (linked)."""
    _, tc = tenant_currencies(cols.tenants, cols.currencies)
    return _returned_lines(cols, tc)


def _with_charges(
    cols: TxnColumns, tc: IntArray, keys: IntArray, returns: Sequence[int], taken: set[int]
) -> dict[int, int]:
    """Return → the movement it undoes, for returns booked with the banks' charges in
    their amount: an opposite movement of the same client for 1 cent to
    ``RETURN_CHARGES`` less, from the same account (else the same name) within 30 days
    before — the least charges, then the nearest; of the return's end-to-end id where
    the return states one. The rows in any return's range are
    found in one pass (the ranges merged) and sorted by key; each return reads those of
    its own range."""
    returns = [r for r in returns if tc[r] >= 0 and (cols.ibans[r] or cols.names[r])]
    if not returns:
        return {}
    # the range of the original's (partition, signed amount) key: the return's negated,
    # less the charges on its side
    ranges = {
        r: (k - RETURN_CHARGES, k - 1) if cols.amount[r] < 0 else (k + 1, k + RETURN_CHARGES)
        for r in returns
        for k in (int(tc[r] * _KEY_SHIFT - cols.amount[r]),)
    }
    merged: list[list[int]] = []
    for start, end in sorted(ranges.values()):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    starts = np.array([m[0] for m in merged], dtype=np.int64)
    ends = np.array([m[1] for m in merged], dtype=np.int64)
    at = np.searchsorted(starts, keys, side="right") - 1
    pool = np.flatnonzero((at >= 0) & (keys <= ends[np.maximum(at, 0)]) & (tc >= 0))
    pool = pool[np.argsort(keys[pool], kind="stable")]
    pool_keys = keys[pool]
    pool_days, pool_credit = cols.day[pool], cols.amount[pool] > 0
    out: dict[int, int] = {}
    used = set(taken)
    for r in returns:
        start, end = ranges[r]
        day_r = int(cols.day[r])
        best: tuple[int, int, str, int] | None = None
        lo, hi = pool_keys.searchsorted(start), pool_keys.searchsorted(end, side="right")
        # the opposite movements of its range within the days before it, on arrays (a
        # client with many returns of similar amounts has many lines in each range)
        gap_of = day_r - pool_days[lo:hi]
        near = (
            (gap_of >= 0) & (gap_of <= RETURN_DAYS) & (pool_credit[lo:hi] != (cols.amount[r] > 0))
        )
        for row, gap in zip(pool[lo:hi][near].tolist(), gap_of[near].tolist(), strict=True):
            # a return stating its original's end-to-end id undoes a line of that id only:
            # with charges in its amount, the same payer's other payment a few euros
            # apart is near at hand (a customer paying many invoices)
            if (
                row in used
                or not _same_counterparty(cols, row, r)
                or _other_end_to_end(cols, row, r)
            ):
                continue
            rank = (abs(int(cols.amount[r])) - abs(int(cols.amount[row])), gap, cols.ids[row], row)
            if best is None or rank < best:
                best = rank
        if best is not None:
            out[r] = best[3]
            used.add(best[3])
    return out


def _recollections(
    cols: TxnColumns, returns: Returns, eligible: npt.NDArray[np.bool_], part: IntArray
) -> dict[int, int]:
    """Eligible lines of the same signed amount, partition (tenant and currency) and
    counterparty within 30 days after a movement a reversal undid (``undone``): the
    first of them after each undone movement (rows nearer to a later undone one count
    for that one) → that movement. A supplier's debit collected again after it came
    back, a customer's direct debit collected again two weeks after the customer's bank
    returned it, a transfer made again after it was booked back. Another client's debit
    to the same insurer is not collected again because this client's came back.

    (amount, day) and then (amount, counterparty, day) as one key, the amount by its
    rank and the counterparty, with its partition, by its number among the undone
    ones': a row is one when the nearest undone key below its own lies at most 30 days
    before it. The counterparties are read only for the rows the first key leaves. For a
    batch line some items of which came back (``Returns.items``), each item's amount and
    its return's payer stand for the line's own: one entry each.
    """
    if not returns.undone:
        return {}
    payees: dict[tuple[int, str], int] = {}
    ibans, creditors = cols.ibans, cols.creditors

    def undone_entries(row: int) -> Iterator[tuple[int, int, int, int]]:
        sign = 1 if cols.amount[row] > 0 else -1
        for cents, payer in [(sign * cents, r) for r, cents in returns.items.get(row, ())] or [
            (int(cols.amount[row]), row)
        ]:
            key = (int(part[row]), ibans[payer] or creditors[payer])
            yield cents, payees.setdefault(key, len(payees)), int(cols.day[row]), row

    amount, payee, day, origin = np.array(
        [entry for row in returns.undone for entry in undone_entries(row)], dtype=np.int64
    ).T
    amounts = distinct(amount)
    rows, rank = find_sorted(cols.amount, amounts)
    first, last = int(day.min()), int(day.max()) + RETURN_DAYS
    days = cols.day[rows]
    keep = eligible[rows] & (days > first) & (days <= last)
    width = last - first + 1
    undone_rank = np.searchsorted(amounts, amount)
    rows, rank, days = rows[keep], rank[keep], days[keep] - first
    keep = _latest_before(np.sort(undone_rank * width + day - first), rank * width + days) >= 0
    rows, rank, days = rows[keep], rank[keep], days[keep]
    payer = np.fromiter(
        map(
            payees.get,
            [
                (p, ibans[r] or creditors[r])
                for r, p in zip(rows.tolist(), part[rows].tolist(), strict=True)
            ],
            repeat(-1),
        ),
        np.int64,
        rows.size,
    )
    before = (undone_rank * len(payees) + payee) * width + day - first
    order = np.argsort(before, kind="stable")
    latest = _latest_before(before[order], (rank * len(payees) + payer) * width + days)
    found = np.flatnonzero((latest >= 0) & (payer >= 0))
    # the first line after each undone one makes it again (a month's next collection
    # of the same amount after a transfer is no second re-collection) — the first
    # repeating the undone line's purpose where one does: a collection made again
    # carries the first one's purpose, and the customer's transfer for another invoice
    # of the same amount two days before it makes nothing again
    found = found[np.lexsort((rows[found], days[found]))]
    firsts: dict[int, int] = {}  # per undone entry, the first line making it again
    repeating: dict[int, int] = {}  # and the first repeating its purpose
    texts = cols.remittances
    for row, entry in zip(rows[found].tolist(), order[latest[found]].tolist(), strict=True):
        firsts.setdefault(entry, row)
        if entry not in repeating and _same_purpose(texts[row], texts[int(origin[entry])]):
            repeating[entry] = row
    firsts.update(repeating)
    return {row: int(origin[entry]) for entry, row in firsts.items()}


def _recollected_payments(
    cols: TxnColumns,
    recollected_from: Mapping[int, int],
    paired: Mapping[int, Sequence[tuple[int, int]]],
    undid: Mapping[int, int],
) -> dict[int, int]:
    """The lines collecting again an item of a batch line that came back, whose return
    was paired with one payment (``undid``: return → payment), → that payment: the line
    of the item's amount from the return's payer (account or creditor id) after the
    batch line (``recollected_from``; ``paired``: batch line → (return, cents)). Where
    two such items fit one line, none. A parent's transfer „Beitrag November Marie“
    after the child's collection came back pays the child's membership fee, not the
    parent's own of the same amount (held-out scenario seed 3896, the dance school)."""
    accounts = cols.ibans, cols.creditors

    def payer(row: int) -> str:
        return accounts[0][row] or accounts[1][row]

    out: dict[int, int] = {}
    for row, origin in recollected_from.items():
        cents, own = abs(int(cols.amount[row])), payer(row)
        found = {
            undid[r]
            for r, item in paired.get(origin, ())
            if r in undid and item == cents and own and payer(r) == own
        }
        if len(found) == 1:
            out[row] = found.pop()
    return out


def _same_purpose(text: str, undone: str) -> bool:
    """Whether a line's purpose repeats the undone line's (spelling aside; an empty
    purpose repeats nothing)."""
    spelled = normalise_text(text)
    return bool(spelled) and spelled == normalise_text(undone)


def _latest_before(before: IntArray, keys: IntArray) -> IntArray:
    """Per key, the position of the latest of the sorted ``before`` strictly below it
    where that lies at most 30 below it, else -1."""
    last = np.searchsorted(before, keys) - 1
    near = (last >= 0) & (keys - before[np.maximum(last, 0)] <= RETURN_DAYS)
    return np.where(near, last, -1)


def _same_counterparty(cols: TxnColumns, row: int, r: int) -> bool:
    """The same account, else the same name (normalised), on both lines."""
    return bool(
        (cols.ibans[row] and cols.ibans[row] == cols.ibans[r])
        or (cols.names[row] and normalise_text(cols.names[row]) == normalise_text(cols.names[r]))
    )


def _other_end_to_end(cols: TxnColumns, row: int, r: int) -> bool:
    """Whether return ``r`` names another movement than ``row`` by its end-to-end id: a
    SEPA return carries the original's id (pacs.004), a collection made again has a
    new one — the member's next month's collection is not what this return undid —,
    and a transfer the payer made stating none is not either (as for a return with
    charges, ``_with_charges``): a father's transfer of his son's fee after a return
    in September, „Tanzschule Beitrag“, was read as what October's returned collection
    undid, and October's item stayed linked to the batch (the dance school's replay,
    seed 42: an automatic link of money that came back). Where the column holds none,
    the id is read from the purpose's ``EREF+`` (``_end_to_end_of``)."""
    mine = _end_to_end_of(cols, r)
    return bool(mine) and mine != _end_to_end_of(cols, row)


def _end_to_end_of(cols: TxnColumns, row: int) -> str:
    """The row's end-to-end id (``normalise_text``): the column's, else the ``EREF+`` field of a
    purpose written with the SEPA keywords as the bank sent it (a line pushed with its
    raw purpose: „EREF+504094891674 MREF+MD5500101 … SVWZ+RG R-2025-53244“); none for
    ``NOTPROVIDED``. Two direct debits of one creditor, mandate and amount on one day
    told apart only by it: the return of one undid the other, whose invoice was offered
    the returned line (the joinery's Würth debits, held-out seed 1452)."""
    found = normalise_text(cols.end_to_end_ids[row])
    if not found:
        text = cols.remittances[row]
        if "EREF+" not in text.upper():
            return ""
        # the field runs to the next keyword: the id is its first word
        found = extract_sepa_fields(text).fields.get("EREF", "").split(" ")[0]
    return "" if found == "NOTPROVIDED" else found


def _undone_row(cols: TxnColumns, r: int, pool: list[int], taken: set[int]) -> int | None:
    day_r = int(cols.day[r])
    best: tuple[int, int] | None = None
    for row in pool:
        if row == r or row in taken or _other_end_to_end(cols, row, r):
            continue
        gap = day_r - int(cols.day[row])
        if not 0 <= gap <= RETURN_DAYS:
            continue
        if not _same_counterparty(cols, row, r) and (cols.ibans[r] or cols.names[r]):
            continue
        if best is None or (gap, cols.ids[row]) < (best[0], cols.ids[best[1]]):
            best = (gap, row)
    return None if best is None else best[1]


AMOUNT_KINDS = tuple(AmountKind)
_KIND_CODE = {kind: code for code, kind in enumerate(AMOUNT_KINDS)}


@dataclass(frozen=True, slots=True)
class StateColumns:
    """The numbers of the payment states as arrays (position = state index), for the
    paths that handle all pairs at once."""

    open: BoolArray
    part: IntArray
    anchor: IntArray
    first: IntArray  # date window
    last: IntArray
    voucher_day: IntArray
    anchored: BoolArray
    amounts: IntArray  # (state, k): the expected amounts in order, -1 after the last
    kinds: IntArray  # (state, k): their kinds as positions in ``AMOUNT_KINDS``

    @classmethod
    def of(
        cls,
        states: Sequence[PaymentState],
        payments: PaymentColumns | None = None,
        at: IntArray | None = None,
    ) -> StateColumns:
        """Columns of ``states`` (``states[i].index == i``). ``payments`` has them per
        payment already (the fast path's arrays), ``at`` the payment of each state."""
        n = len(states)

        def column(name: str) -> IntArray:
            return np.fromiter(map(attrgetter(name), states), np.int64, n)

        listed = list(map(attrgetter("amounts"), states))
        counts = np.fromiter(map(len, listed), np.int64, n)
        amounts = np.full((n, int(counts.max(initial=1))), -1, dtype=np.int64)
        kinds = np.zeros(amounts.shape, dtype=np.int64)
        firsts = list(map(itemgetter(0), listed))
        amounts[:, 0] = np.fromiter(map(itemgetter(0), firsts), np.int64, n)
        kinds[:, 0] = np.fromiter(
            map(_KIND_CODE.__getitem__, map(itemgetter(1), firsts)), np.int64, n
        )
        for i in np.flatnonzero(counts > 1).tolist():  # Skonto variants
            for k, (cents, kind) in enumerate(listed[i][1:], 1):
                amounts[i, k] = cents
                kinds[i, k] = _KIND_CODE[kind]
        if payments is not None and at is not None:
            return cls(
                open=column("settled") == 0,
                part=payments.part[at],
                anchor=payments.anchor[at],
                first=payments.lo[at],
                last=payments.hi[at],
                voucher_day=payments.voucher_day[at],
                anchored=payments.anchored[at],
                amounts=amounts,
                kinds=kinds,
            )
        windows = list(map(attrgetter("window"), states))
        return cls(
            open=column("settled") == 0,
            part=column("part"),
            anchor=column("anchor_day"),
            first=np.fromiter(map(itemgetter(0), windows), np.int64, n),
            last=np.fromiter(map(itemgetter(1), windows), np.int64, n),
            voucher_day=column("voucher_day"),
            anchored=column("anchored") == 1,
            amounts=amounts,
            kinds=kinds,
        )


class PaymentColumns(Protocol):
    """Per payment: partition, anchor day, date window, voucher day, anchored."""

    part: IntArray
    anchor: IntArray
    lo: IntArray
    hi: IntArray
    voucher_day: IntArray
    anchored: BoolArray


def candidate_pairs(
    states: Sequence[PaymentState], columns: StateColumns, index: TxnIndex, params: MatchParams
) -> tuple[IntArray, IntArray, BoolArray]:
    """(state index, row, reference hit) of every candidate pair of the open states,
    ordered by state and row, each pair once (a reference hit wins).

    All states at once, on arrays: reference hits of the state's partition within the
    lookback; rows of an exact amount inside the date window; the tolerance band only
    for a state that found neither (fees, rounding), at most
    ``max_tolerance_candidates`` of them, nearest amount first; rows from the state's
    known accounts inside the window; a line collecting again what came back, of the
    exact amount, where the window holds the returned one (``_recollection_pairs``); a
    line inside the window whose payer instructed the exact amount, the banks' charges
    kept from it (``_instructed_pairs``).
    """
    n = len(index.cols)
    empty = np.zeros(0, dtype=np.int64)
    if not columns.open.any() or n == 0:
        return empty, empty, np.zeros(0, dtype=np.bool_)
    hit_owner, hit_rows = _hit_pairs(columns, index, params)
    amount_owner, which = np.nonzero((columns.amounts >= 0) & columns.open[:, None])
    amount_keys = (columns.part[amount_owner] << AMOUNT_SHIFT) | columns.amounts[
        amount_owner, which
    ]
    sorted_key = index.sorted_key
    exact_owner, exact_rows = _slice_pairs(
        index,
        columns,
        amount_owner,
        sorted_key.searchsorted(amount_keys, side="left"),
        sorted_key.searchsorted(amount_keys, side="right"),
    )
    alone = columns.open.copy()
    alone[hit_owner] = False
    alone[exact_owner] = False
    band_owner, band_rows = _band_pairs(np.flatnonzero(alone), columns, index, params)
    ident_owner, ident_rows = _identifier_pairs(states, index)
    again_owner, again_rows = _recollection_pairs(index, columns, amount_owner, amount_keys)
    ordered_owner, ordered_rows = _instructed_pairs(index, columns, amount_owner, amount_keys)
    codes = np.concatenate(
        (
            hit_owner * n + hit_rows,
            exact_owner * n + exact_rows,
            band_owner * n + band_rows,
            ident_owner * n + ident_rows,
            again_owner * n + again_rows,
            ordered_owner * n + ordered_rows,
        )
    )
    codes.sort()
    unique = codes[np.concatenate((codes[:1] >= 0, codes[1:] != codes[:-1]))]
    strong = is_member(unique, hit_owner * n + hit_rows)
    return unique // n, unique % n, strong


def _hit_pairs(
    columns: StateColumns, index: TxnIndex, params: MatchParams
) -> tuple[IntArray, IntArray]:
    """Reference hits of the open state's partition within the lookback (a reference
    is worth looking back further than the date window)."""
    owner: list[int] = []
    rows: list[int] = []
    hits = index.hits_by_payment
    asked = np.flatnonzero(columns.open)
    # a few open states (a second round) read their own hits only
    listed = (
        hits.items()
        if asked.size * 4 > len(hits)
        else [(p, hits[p]) for p in asked.tolist() if p in hits]
    )
    for p, found in listed:
        owner.extend(repeat(p, len(found)))
        rows.extend(found)
    owner_arr = np.asarray(owner, dtype=np.int64)
    rows_arr = np.asarray(rows, dtype=np.int64)
    keep = (
        columns.open[owner_arr]
        & (index.part[rows_arr] == columns.part[owner_arr])
        & (
            np.abs(index.day[rows_arr] - columns.anchor[owner_arr])
            <= params.reference_lookback_days
        )
    )
    return owner_arr[keep], rows_arr[keep]


def _slice_pairs(
    index: TxnIndex, columns: StateColumns, owner: IntArray, lo: IntArray, hi: IntArray
) -> tuple[IntArray, IntArray]:
    """(owner, row) of the rows in the amount-sorted slices [lo, hi) booked inside the
    owner's date window."""
    counts = hi - lo
    total = int(counts.sum())
    if total <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    which = np.repeat(np.arange(counts.size), counts)
    pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + lo[which]
    days = index.sorted_day_arr[pos]
    pay = owner[which]
    inside = (days >= columns.first[pay]) & (days <= columns.last[pay])
    return pay[inside], index.sorted_idx_arr[pos[inside]]


def _recollection_pairs(
    index: TxnIndex, columns: StateColumns, owner: IntArray, keys: IntArray
) -> tuple[IntArray, IntArray]:
    """(owner, row) of the lines collecting again what came back
    (``TxnIndex.recollected_from``) of an owner's exact amount (``keys``: (partition,
    amount) per owner entry) where the owner's date window holds the returned line:
    Lexware's paid date is the first collection's, the second comes two weeks later,
    after the window."""
    again = index.recollected_from
    if not again:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = np.fromiter(again, np.int64, len(again))
    first_day = index.day[np.fromiter(again.values(), np.int64, len(again))]
    free = index.eligible[rows]
    rows = rows[free]
    wanted = (index.part[rows] << AMOUNT_SHIFT) | index.remaining[rows]
    windows = (columns.first[owner], columns.last[owner])
    return _rows_of_keys(owner, keys, windows, rows, wanted, first_day[free])


def _instructed_pairs(
    index: TxnIndex, columns: StateColumns, owner: IntArray, keys: IntArray
) -> tuple[IntArray, IntArray]:
    """(owner, row) of the lines inside the owner's date window whose payer instructed
    an owner's exact amount (``keys``: (partition, amount) per owner entry) and whose
    banks kept their charges from it: a foreign transfer for less than the band
    reaches (:func:`instructed_rows`)."""
    if not index.has_instructed:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return instructed_rows(index, owner, keys, (columns.first[owner], columns.last[owner]))


def instructed_rows(
    index: TxnIndex,
    owner: IntArray,
    keys: IntArray,
    windows: tuple[IntArray, IntArray],
    taken: BoolArray | None = None,
) -> tuple[IntArray, IntArray]:
    """(owner, row) of the eligible lines (not ``taken``) whose payer instructed the
    amount of an owner's (partition, amount) key (``keys``, one per owner entry) where
    the banks kept their charges from it (``TxnIndex.instructed``), booked inside that
    entry's window (``windows``: first and last days per entry)."""
    if not index.has_instructed or not owner.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    free = index.eligible & (index.cols.instructed > 0)
    if taken is not None:
        free &= ~taken
    rows = np.flatnonzero(free)
    amounts = index.instructed_of(rows)
    assert amounts is not None  # a line has one
    keyed = (amounts > 0) & (amounts < (1 << AMOUNT_SHIFT))  # as ``eligible`` amounts
    rows, amounts = rows[keyed], amounts[keyed]
    wanted = (index.part[rows] << AMOUNT_SHIFT) | amounts
    return _rows_of_keys(owner, keys, windows, rows, wanted, index.day[rows])


def _rows_of_keys(
    owner: IntArray,
    keys: IntArray,
    windows: tuple[IntArray, IntArray],
    rows: IntArray,
    wanted: IntArray,
    days: IntArray,
) -> tuple[IntArray, IntArray]:
    """(owner, row) of the few ``rows`` whose (partition, amount) key ``wanted`` is an
    owner entry's (``keys``) and whose ``days`` lie in that entry's window
    (``windows``: first and last days per entry)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    lo = sorted_keys.searchsorted(wanted, side="left")
    counts = sorted_keys.searchsorted(wanted, side="right") - lo
    which = np.repeat(np.arange(rows.size), counts)
    pos = np.arange(which.size) - np.repeat(np.cumsum(counts) - counts, counts) + lo[which]
    entry, day = order[pos], days[which]
    inside = (windows[0][entry] <= day) & (day <= windows[1][entry])
    return owner[entry[inside]], rows[which[inside]]


def _band_pairs(
    owner: IntArray, columns: StateColumns, index: TxnIndex, params: MatchParams
) -> tuple[IntArray, IntArray]:
    """Rows of the tolerance band [item × 0.965 − fee, item + fee] inside the window;
    a state with more keeps the nearest amounts (then the lower transaction id)."""
    if owner.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    fee = params.rules.fee_cents
    item = columns.amounts[owner, 0]
    base = columns.part[owner] << AMOUNT_SHIFT
    low = np.maximum(1, item * params.tolerance_low_permille // 1000 - fee)
    sorted_key = index.sorted_key
    pay, rows = _slice_pairs(
        index,
        columns,
        owner,
        sorted_key.searchsorted(base | low, side="left"),
        sorted_key.searchsorted(base | (item + fee), side="right"),
    )
    cap = params.max_tolerance_candidates
    crowded = np.bincount(pay, minlength=columns.open.size)[pay] > cap
    if not crowded.any():
        return pay, rows
    kept_pay, kept_rows = [pay[~crowded]], [rows[~crowded]]
    ids, remaining = index.cols.ids, index.remaining
    by_owner: dict[int, list[int]] = defaultdict(list)
    for p, row in zip(pay[crowded].tolist(), rows[crowded].tolist(), strict=True):
        by_owner[p].append(row)
    for p, found in by_owner.items():
        target = int(columns.amounts[p, 0])
        found.sort(key=lambda r: (abs(int(remaining[r]) - target), ids[r]))
        kept_pay.append(np.full(cap, p, dtype=np.int64))
        kept_rows.append(np.asarray(found[:cap], dtype=np.int64))
    return np.concatenate(kept_pay), np.concatenate(kept_rows)


def _identifier_pairs(states: Sequence[PaymentState], index: TxnIndex) -> tuple[IntArray, IntArray]:
    """Rows from one of the state's known accounts inside its date window."""
    owner: list[int] = []
    rows: list[int] = []
    by_identifier = index.by_identifier
    for state in states:
        if state.settled:
            continue
        for ident in state.identifiers:
            found = by_identifier.get((state.part, ident))
            if found is None:
                continue
            days, ident_rows = found
            a = bisect_left(days, state.window[0])
            b = bisect_right(days, state.window[1], a)
            owner.extend(repeat(state.index, b - a))
            rows.extend(ident_rows[a:b])
    return np.asarray(owner, dtype=np.int64), np.asarray(rows, dtype=np.int64)


def is_booked(index: TxnIndex, row: int) -> bool:
    """Booked, not pending."""
    return bool(index.cols.booked[row])
