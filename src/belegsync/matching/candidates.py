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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Protocol

import numpy as np
import numpy.typing as npt
from stdnum import iso11649

from belegsync.domain.matching import AmountKind, ExpectedPayment
from belegsync.domain.matching_score import expected_amounts
from belegsync.domain.matching_text import (
    compact_identifier,
    normalise_name,
    normalise_text,
    voucher_reference_tokens,
    voucher_short_number,
)
from belegsync.domain.vouchers import Direction
from belegsync.matching.columns import BoolArray, IntArray, TxnColumns
from belegsync.matching.params import MatchParams
from belegsync.matching.textscan import TextBlob, digit_value

__all__ = [
    "AMOUNT_KINDS",
    "PaymentState",
    "StateColumns",
    "TxnIndex",
    "build_payment_states",
    "candidate_pairs",
]

_AMOUNT_SHIFT = 40


@dataclass(slots=True)
class PaymentState:
    """What the engine precomputes for one expected payment."""

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
    strong_tokens: frozenset[str]
    short_number: str | None
    customer_number: str | None
    name: str
    settled: bool = False
    payer_names: frozenset[str] = frozenset()  # learned from confirmed links
    past: tuple[tuple[int, int], ...] = ()  # (day, cents) of the contact's linked payments


def _partition(tenant_currency: int, direction: Direction) -> int:
    return tenant_currency * 2 + (1 if direction is Direction.DEBIT else 0)


def build_payment_states(
    expected: Sequence[ExpectedPayment],
    tenant_currency_ids: Mapping[tuple[str, str], int],
    learned: Mapping[tuple[str, str], set[str]],
    params: MatchParams,
    known: Sequence[tuple[tuple[tuple[int, AmountKind], ...], frozenset[str]]] | None = None,
) -> list[PaymentState]:
    """Precompute amounts, windows, tokens and identifiers per payment.

    ``known`` gives per payment its expected amounts and identifiers when the caller
    has computed them already (the fast path's arrays).
    """
    states: list[PaymentState] = []
    name_cache: dict[str, str] = {}
    for index, payment in enumerate(expected):
        tc = tenant_currency_ids[(payment.tenant_id, payment.currency)]
        anchored = payment.paid_date is not None
        anchor = payment.anchor_date.toordinal()
        if anchored:
            window = (anchor - params.exact_days_before, anchor + params.exact_days_after)
        else:
            window = (
                anchor - params.unanchored_days_before,
                anchor + params.unanchored_days_after,
            )
        if known is None:
            amounts = expected_amounts(payment, params.rules)
            found = {compact_identifier(i) for i in payment.known_identifiers}
            if payment.contact_id is not None:
                found |= learned.get((payment.tenant_id, payment.contact_id), set())
            identifiers = frozenset(found)
        else:
            amounts, identifiers = known[index]
        tokens = set(voucher_reference_tokens(payment.voucher_number))
        for reference in payment.references:
            compact = compact_identifier(reference)
            if compact.startswith("RF") and not iso11649.is_valid(compact):
                continue  # a mistyped creditor reference would only produce noise
            tokens |= voucher_reference_tokens(compact)
        name = name_cache.get(payment.contact_name)
        if name is None:
            name = name_cache[payment.contact_name] = normalise_name(payment.contact_name)
        states.append(
            PaymentState(
                index=index,
                payment=payment,
                tenant_currency=tc,
                part=_partition(tc, payment.direction),
                amounts=amounts,
                anchor_day=anchor,
                voucher_day=payment.voucher_date.toordinal(),
                anchored=anchored,
                window=window,
                identifiers=identifiers,
                strong_tokens=frozenset(tokens),
                short_number=voucher_short_number(payment.voucher_number),
                customer_number=payment.customer_number,
                name=name,
            )
        )
    return states


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
    part_list: list[int] = field(init=False)
    eligible_list: list[bool] = field(init=False)
    by_identifier: dict[tuple[int, str], tuple[list[int], list[int]]] = field(default_factory=dict)
    hits_by_payment: dict[int, set[int]] = field(default_factory=dict)
    hits_by_txn: dict[int, set[int]] = field(default_factory=dict)
    customer_hits: dict[int, set[str]] = field(default_factory=dict)  # row → contact ids
    returned: frozenset[int] = frozenset()  # debits undone by a returned-debit line
    recollections: frozenset[int] = frozenset()  # same debit collected again afterwards
    remittance_blob: TextBlob | None = None  # purposes upper-cased and joined, built once
    # eligible rows whose IBAN or creditor id a payment wants or a contact owns
    identified: BoolArray | None = None

    def __post_init__(self) -> None:
        self.part_list = self.part.tolist()
        self.eligible_list = self.eligible.tolist()
        idx = np.flatnonzero(self.eligible)
        part, remaining = self.part[idx], self.remaining[idx]
        key = (part << _AMOUNT_SHIFT) | remaining
        # sorted as by ``key``, written with fewer bits
        dense = part * (int(remaining.max(initial=0)) + 1) + remaining
        order = _order_by_key_and_day(dense, self.day[idx])
        self.sorted_key = key[order]
        self.sorted_idx_arr = idx[order]
        self.sorted_day_arr = self.day[self.sorted_idx_arr]

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
        currency ids that know it. ``markers`` are those :meth:`provider_rows` will look
        for: they are found in the purposes in the same pass as the returned debits'.
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
        eligible = (tc >= 0) & (remaining > 0) & (remaining < (1 << _AMOUNT_SHIFT)) & (amount != 0)
        blob = TextBlob(cols.remittances)
        blob.search((*_RETURN_MARKERS, *markers))
        returned = _returned_debits(cols, tc, blob)
        for row in returned:
            eligible[row] = False
        index = cls(
            cols=cols,
            part=part.reshape(n),
            remaining=remaining.reshape(n),
            day=cols.day,
            eligible=eligible,
        )
        index.returned = frozenset(returned)
        index.remittance_blob = blob
        index.recollections = frozenset(_recollections(cols, returned, eligible))
        index._index_identifiers(wanted_identifiers, owned_identifiers)
        return index

    def provider_rows(self, markers: Sequence[bytes]) -> set[int]:
        """Eligible credit rows (payouts are credits) whose payer name or purpose
        mentions one of ``markers``."""
        credits = np.flatnonzero(self.eligible & (self.part % 2 == 0))
        if credits.size == 0:
            return set()
        names = self.cols.names
        picked = [names[row] for row in credits.tolist()]
        named = np.fromiter(TextBlob(picked).rows_mentioning(markers), dtype=np.int64)
        found = set(credits[named].tolist())
        blob = self.remittance_blob or TextBlob(self.cols.remittances)
        self.remittance_blob = None  # the last reader: free it
        eligible, parts = self.eligible_list, self.part_list
        found.update(
            row for row in blob.rows_mentioning(markers) if eligible[row] and parts[row] % 2 == 0
        )
        return found

    def _index_identifiers(
        self, wanted: Mapping[str, set[int]], owned: Collection[str] = ()
    ) -> None:
        n = len(self.cols)
        self.identified = np.zeros(n, dtype=np.bool_)
        if not wanted and not owned:
            return
        lookup = wanted.keys() | set(owned) if owned else wanted.keys()
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        parts = self.part_list
        for values in (self.cols.ibans, self.cols.creditors):
            hit = np.fromiter(map(lookup.__contains__, values), np.bool_, n) & self.eligible
            self.identified |= hit
            for i in np.flatnonzero(hit).tolist():
                ident = values[i]
                tcs = wanted.get(ident)
                if tcs is not None and parts[i] // 2 in tcs:
                    groups[(parts[i], ident)].append(i)
        day = self.day
        for key, rows in groups.items():
            ordered = sorted((int(day[r]), r) for r in set(rows))
            self.by_identifier[key] = ([d for d, _ in ordered], [r for _, r in ordered])

    def scan_references(
        self,
        keys: Sequence[Sequence[int]],
        tenant_currency: Sequence[int],
        references: Mapping[str, list[int]],
        customers: Mapping[tuple[int, str], str],
    ) -> dict[int, set[int]]:
        """Transactions whose remittance holds a payment's reference number.

        ``keys[g]`` are the digit keys of payment ``g`` (empty when settled),
        ``references`` end-to-end ids → payments, ``customers`` (tenant-currency,
        customer number) → contact. Returns row → payments; customer number hits are
        kept in ``customer_hits``.
        """
        lookup: dict[int, dict[int, list[int]]] = defaultdict(dict)
        for g, payment_keys in enumerate(keys):
            for key in payment_keys:
                lookup[key].setdefault(tenant_currency[g], []).append(g)
        by_customer: dict[int, dict[int, str]] = defaultdict(dict)
        for (tc, number), contact in customers.items():
            customer_key = digit_value(number)
            if customer_key is not None:
                by_customer[customer_key][tc] = contact
        found: dict[int, set[int]] = defaultdict(set)
        if lookup or by_customer:
            self._scan_texts(lookup, by_customer, found)
        if references:
            ids = self.cols.end_to_end_ids
            known = np.fromiter(map(references.__contains__, ids), np.bool_, len(ids))
            if "" in references:
                known &= np.fromiter(map(bool, ids), np.bool_, len(ids))
            for i in np.flatnonzero(known & self.eligible).tolist():
                found[i].update(references[ids[i]])
        return found

    def keep_hits(
        self, found: Mapping[int, set[int]], local: Mapping[int, int], skip_rows: set[int]
    ) -> None:
        """Reference hits of the payments this run scores (``local``: global → local)."""
        by_payment: dict[int, set[int]] = defaultdict(set)
        for row, payments in found.items():
            if row in skip_rows:
                continue
            mine = {local[g] for g in payments if g in local}
            if not mine:
                continue
            for p in mine:
                by_payment[p].add(row)
            self.hits_by_txn[row] = mine
        self.hits_by_payment = dict(by_payment)

    def _scan_texts(
        self,
        lookup: Mapping[int, dict[int, list[int]]],
        customers: Mapping[int, dict[int, str]],
        found: dict[int, set[int]],
    ) -> None:
        blob = self.remittance_blob or TextBlob(self.cols.remittances)
        at, values = blob.number_tokens()
        keys = np.fromiter(set(lookup) | set(customers), dtype=np.int64)
        keys.sort()
        if keys.size == 0 or values.size == 0:
            return
        pos = np.minimum(np.searchsorted(keys, values), keys.size - 1)
        known = keys[pos] == values
        rows, values = blob.rows_at(at[known]), values[known]
        hit = self.eligible[rows]
        rows, values = rows[hit], values[hit]
        tcs = self.part[rows] // 2
        for row, value, tc in zip(rows.tolist(), values.tolist(), tcs.tolist(), strict=True):
            by_tc = lookup.get(value)
            if by_tc is not None:
                payments = by_tc.get(tc)
                if payments is not None:
                    found[row].update(payments)
            by_number = customers.get(value)
            if by_number is not None:
                contact = by_number.get(tc)
                if contact is not None:
                    self.customer_hits.setdefault(row, set()).add(contact)


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
        combined = key * (span + 1) + (day - first)
        if (int(combined.max()) + 1) * n < 1 << 63:
            return np.asarray(np.sort(combined * n + np.arange(n)) % n)
        return np.argsort(combined, kind="stable")
    return np.lexsort((day, key))


class _TenantCodes(dict[str, int]):
    """Tenant → tenant-currency id for one currency (-1: no payments), filled as met."""

    def __init__(self, ids: Mapping[tuple[str, str], int], currency: str) -> None:
        super().__init__()
        self._ids, self._currency = ids, currency

    def __missing__(self, tenant: str) -> int:
        code = self[tenant] = self._ids.get((tenant, self._currency), -1)
        return code


def _tenant_currency_codes(
    cols: TxnColumns, tenant_currency_ids: Mapping[tuple[str, str], int]
) -> IntArray:
    n = len(cols)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # one currency, one tenant: counted by a comparison per row (mostly of identity)
    currency = cols.currencies[0]
    if cols.currencies.count(currency) == n:
        tenant = cols.tenants[0]
        if cols.tenants.count(tenant) == n:
            return np.full(n, tenant_currency_ids.get((tenant, currency), -1), dtype=np.int64)
        codes = _TenantCodes(tenant_currency_ids, currency)
        return np.fromiter(map(codes.__getitem__, cols.tenants), dtype=np.int64, count=n)
    tc_of: defaultdict[tuple[str, str], int] = defaultdict(lambda: -1)
    tc_of.update(tenant_currency_ids)
    return np.fromiter(
        map(tc_of.__getitem__, zip(cols.tenants, cols.currencies, strict=True)),
        dtype=np.int64,
        count=n,
    )


_RETURN_MARKERS = (b"LASTSCHRIFT", b"RETOURE", b"STORNO", b"RUECKBUCHUNG", b"RUCKBUCHUNG")
_RETURN_RE = re.compile(
    r"(?<!NACH )(?<!NACH DER )\b(RUECKLASTSCHRIFT|RUCKLASTSCHRIFT|RETOURE|STORNO|RUECKBUCHUNG)"
)
_RETURN_DAYS = 30


def is_member(values: IntArray, wanted: IntArray) -> BoolArray:
    """``np.isin(values, wanted)`` for few wanted values among many: a binary search in
    the sorted wanted values (``isin`` sorts both sides together), for the values
    whose low 16 bits are a wanted value's (a table lookup leaves few to search)."""
    keys = np.unique(wanted)
    if keys.size == 0:
        return np.zeros(values.shape, dtype=np.bool_)
    found = np.zeros(values.shape, dtype=np.bool_)
    table = np.zeros(1 << 16, dtype=np.bool_)
    table[keys & 0xFFFF] = True
    maybe = np.flatnonzero(table[values & 0xFFFF])
    some = values[maybe]
    pos = keys.searchsorted(some)
    pos[pos == keys.size] = 0
    found[maybe] = keys[pos] == some
    return found


def _returned_debits(cols: TxnColumns, tc: IntArray, blob: TextBlob) -> list[int]:
    """Rows that do not pay anything: reversals, and the movements they undo.

    A line is a reversal when the importer flagged it (camt ``RvslInd``/``RtrInf``), or
    when its text says so ("Rücklastschrift", "Retoure", "Storno" — but not "… nach
    Rücklastschrift") *and* an opposite movement of the same amount from the same
    counterparty precedes it within 30 days. The undone movement is excluded too; a
    later re-collection or transfer is an ordinary candidate.
    """
    flagged = set(np.flatnonzero(cols.reversal).tolist())
    worded = {
        row
        for row in blob.rows_mentioning(_RETURN_MARKERS)
        if _RETURN_RE.search(normalise_text(cols.remittances[row]).replace("\n", " "))
    }
    candidates = sorted(flagged | worded, key=lambda r: (int(cols.day[r]), cols.ids[r]))
    if not candidates:
        return []
    amount = cols.amount
    shift = np.int64(1) << np.int64(42)
    keys = tc * shift + amount
    wanted = np.array([tc[r] * shift - amount[r] for r in candidates], dtype=np.int64)
    by_key: dict[int, list[int]] = defaultdict(list)
    for row in np.flatnonzero(is_member(keys, wanted) & (tc >= 0)).tolist():
        by_key[int(keys[row])].append(row)
    out: set[int] = set()
    for r in candidates:
        original = _undone_row(cols, r, by_key.get(int(tc[r] * shift - amount[r]), []), out)
        if original is not None:
            out.update((original, r))
        elif r in flagged:
            out.add(r)
    return sorted(out)


def _recollections(
    cols: TxnColumns, returned: Sequence[int], eligible: npt.NDArray[np.bool_]
) -> list[int]:
    """Eligible debits of the same amount and payee within 30 days after a returned one."""
    if not returned:
        return []
    wanted: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in returned:
        if cols.amount[row] < 0:
            wanted[(int(cols.amount[row]), cols.ibans[row] or cols.creditors[row])].append(
                int(cols.day[row])
            )
    out = []
    amounts = list({a for a, _ in wanted})
    rows = np.flatnonzero(is_member(cols.amount, np.array(amounts, dtype=np.int64)) & eligible)
    ibans, creditors = cols.ibans, cols.creditors
    for row, amount, day in zip(
        rows.tolist(), cols.amount[rows].tolist(), cols.day[rows].tolist(), strict=True
    ):
        days = wanted.get((amount, ibans[row] or creditors[row]))
        if days and any(0 < day - d <= _RETURN_DAYS for d in days):
            out.append(row)
    return out


def _undone_row(cols: TxnColumns, r: int, pool: list[int], taken: set[int]) -> int | None:
    day_r = int(cols.day[r])
    best: tuple[int, int] | None = None
    for row in pool:
        if row == r or row in taken:
            continue
        gap = day_r - int(cols.day[row])
        if not 0 <= gap <= _RETURN_DAYS:
            continue
        same = (cols.ibans[row] and cols.ibans[row] == cols.ibans[r]) or (
            cols.names[row] and normalise_text(cols.names[row]) == normalise_text(cols.names[r])
        )
        if not same and (cols.ibans[r] or cols.names[r]):
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
    known accounts inside the window.
    """
    n = len(index.cols)
    empty = np.zeros(0, dtype=np.int64)
    if not columns.open.any() or n == 0:
        return empty, empty, np.zeros(0, dtype=np.bool_)
    hit_owner, hit_rows = _hit_pairs(columns, index, params)
    amount_owner, which = np.nonzero((columns.amounts >= 0) & columns.open[:, None])
    amount_keys = (columns.part[amount_owner] << _AMOUNT_SHIFT) | columns.amounts[
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
    codes = np.concatenate(
        (
            hit_owner * n + hit_rows,
            exact_owner * n + exact_rows,
            band_owner * n + band_rows,
            ident_owner * n + ident_rows,
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
    for p, found in index.hits_by_payment.items():
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


def _band_pairs(
    owner: IntArray, columns: StateColumns, index: TxnIndex, params: MatchParams
) -> tuple[IntArray, IntArray]:
    """Rows of the tolerance band [item × 0.965 − fee, item + fee] inside the window;
    a state with more keeps the nearest amounts (then the lower transaction id)."""
    if owner.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    fee = params.rules.fee_cents
    item = columns.amounts[owner, 0]
    base = columns.part[owner] << _AMOUNT_SHIFT
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
