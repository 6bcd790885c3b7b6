"""Candidate search: indexes built once over the transactions, channels per payment.

Partitions are (tenant, currency, direction); a payment only meets transactions of its
own partition, so a wrong sign is excluded by construction. Channels (design note §3):

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
from stdnum import iso11649

from belegsync.domain.matching import AmountKind, BankTxn, ExpectedPayment, TxnStatus
from belegsync.domain.matching_score import expected_amounts
from belegsync.domain.matching_text import (
    compact_identifier,
    normalise_name,
    voucher_reference_tokens,
    voucher_short_number,
)
from belegsync.domain.vouchers import Direction
from belegsync.matching.params import MatchParams

__all__ = ["PaymentState", "TxnIndex", "build_payment_states", "candidates_for"]

IntArray = npt.NDArray[np.int64]
_AMOUNT_SHIFT = 40
_RECORD = b"|"
# Remittance bytes: digits stay, ``- / .`` vanish (so 2024-0042 reads 20240042),
# everything else becomes a space; 0x1f (the record separator) becomes "|".
_SPACED_TABLE = bytes(
    c if chr(c).isdigit() and c < 128 else (ord("|") if c == 0x1F else ord(" ")) for c in range(256)
)
_SPACED_DELETE = b"-/."
_GLUED_DELETE = b"-/.\n\r"


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


def _partition(tenant_currency: int, direction: Direction) -> int:
    return tenant_currency * 2 + (1 if direction is Direction.DEBIT else 0)


def build_payment_states(
    expected: Sequence[ExpectedPayment],
    tenant_currency_ids: Mapping[tuple[str, str], int],
    learned: Mapping[tuple[str, str], set[str]],
    params: MatchParams,
) -> list[PaymentState]:
    """Precompute amounts, windows, tokens and identifiers per payment."""
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
        identifiers = {compact_identifier(i) for i in payment.known_identifiers}
        if payment.contact_id is not None:
            identifiers |= learned.get((payment.tenant_id, payment.contact_id), set())
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
                amounts=expected_amounts(payment, params.rules),
                anchor_day=anchor,
                voucher_day=payment.voucher_date.toordinal(),
                anchored=anchored,
                window=window,
                identifiers=frozenset(identifiers),
                strong_tokens=frozenset(tokens),
                short_number=voucher_short_number(payment.voucher_number),
                customer_number=payment.customer_number,
                name=name,
            )
        )
    return states


_NON_DIGITS = re.compile(r"[^0-9]+")


def _digit_key(token: str) -> bytes | None:
    digits = _NON_DIGITS.sub("", token).lstrip("0")
    return digits.encode() if len(digits) >= 4 else None


@dataclass(slots=True)
class _Columns:
    """The transaction fields the index needs, read in one pass over the objects
    (each separate pass over a million scattered objects costs about 0.2 s)."""

    amounts: list[int]
    tenants: list[str]
    currencies: list[str]
    dates: list[date]
    reversals: list[bool]
    ibans: list[str]
    creditors: list[str]
    remittances: list[str]
    end_to_end_ids: list[str]

    @classmethod
    def read(cls, txns: Sequence[BankTxn]) -> _Columns:
        out = cls([], [], [], [], [], [], [], [], [])
        amount, tenant, currency = out.amounts.append, out.tenants.append, out.currencies.append
        day, reversal, iban = out.dates.append, out.reversals.append, out.ibans.append
        creditor, text = out.creditors.append, out.remittances.append
        e2e = out.end_to_end_ids.append
        for t in txns:
            amount(t.amount_cents)
            tenant(t.tenant_id)
            currency(t.currency)
            day(t.booking_date)
            reversal(t.is_reversal)
            iban(t.counterparty_iban)
            creditor(t.creditor_id)
            text(t.remittance)
            e2e(t.end_to_end_id)
        return out


@dataclass(slots=True)
class TxnIndex:
    """Arrays and indexes over all transactions, built once per run."""

    txns: Sequence[BankTxn]
    columns: _Columns
    part: IntArray
    remaining: IntArray
    day: IntArray
    eligible: npt.NDArray[np.bool_]
    sorted_key: IntArray = field(init=False)
    sorted_day: list[int] = field(init=False)
    sorted_idx: list[int] = field(init=False)
    sorted_day_arr: IntArray = field(init=False)
    sorted_idx_arr: IntArray = field(init=False)
    part_list: list[int] = field(init=False)
    day_list: list[int] = field(init=False)
    remaining_list: list[int] = field(init=False)
    eligible_list: list[bool] = field(init=False)
    by_identifier: dict[tuple[int, str], tuple[list[int], list[int]]] = field(default_factory=dict)
    hits_by_payment: dict[int, set[int]] = field(default_factory=dict)
    hits_by_txn: dict[int, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.part_list = self.part.tolist()
        self.day_list = self.day.tolist()
        self.remaining_list = self.remaining.tolist()
        self.eligible_list = self.eligible.tolist()
        idx = np.flatnonzero(self.eligible)
        key = (self.part[idx] << _AMOUNT_SHIFT) | self.remaining[idx]
        order = np.lexsort((self.day[idx], key))
        self.sorted_key = key[order]
        self.sorted_idx_arr = idx[order]
        self.sorted_day_arr = self.day[self.sorted_idx_arr]
        self.sorted_day = self.sorted_day_arr.tolist()
        self.sorted_idx = self.sorted_idx_arr.tolist()

    @classmethod
    def build(
        cls,
        txns: Sequence[BankTxn],
        tenant_currency_ids: Mapping[tuple[str, str], int],
        allocated: Mapping[str, int],
        wanted_identifiers: Mapping[str, set[int]],
    ) -> TxnIndex:
        """Arrays of partition, remaining amount and day; ineligible rows are masked.

        Ineligible: reversals, tenants/currencies without payments, fully allocated.
        ``wanted_identifiers`` maps identifier → tenant-currency ids that know it.
        """
        n = len(txns)
        columns = _Columns.read(txns)
        amounts, tenants, currencies = columns.amounts, columns.tenants, columns.currencies
        amount = np.array(amounts, dtype=np.int64).reshape(n)
        currency_set = set(currencies)
        if len(currency_set) == 1:
            only = next(iter(currency_set))
            tenant_ids = {t: i for (t, c), i in tenant_currency_ids.items() if c == only}
            tc = np.fromiter((tenant_ids.get(t, -1) for t in tenants), dtype=np.int64, count=n)
        else:
            tc_of: defaultdict[tuple[str, str], int] = defaultdict(lambda: -1)
            tc_of.update(tenant_currency_ids)
            tc = np.fromiter(
                map(tc_of.__getitem__, zip(tenants, currencies, strict=True)),
                dtype=np.int64,
                count=n,
            )
        day = np.array(list(map(date.toordinal, columns.dates)), dtype=np.int64).reshape(n)
        reversal = np.array([i for i, flag in enumerate(columns.reversals) if flag], dtype=np.int64)
        remaining = np.abs(amount)
        if allocated:
            for i, t in enumerate(txns):
                used = allocated.get(t.id)
                if used:
                    remaining[i] -= used
        part = tc * 2 + (amount < 0)
        eligible = (tc >= 0) & (remaining > 0) & (remaining < (1 << _AMOUNT_SHIFT)) & (amount != 0)
        eligible[reversal] = False
        index = cls(
            txns=txns, part=part, remaining=remaining, day=day, eligible=eligible, columns=columns
        )
        index._index_identifiers(wanted_identifiers)
        return index

    def _index_identifiers(self, wanted: Mapping[str, set[int]]) -> None:
        if not wanted:
            return
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        eligible, parts = self.eligible_list, self.part_list
        for values in (self.columns.ibans, self.columns.creditors):
            for i in [i for i, ident in enumerate(values) if ident in wanted]:
                ident = values[i]
                if eligible[i] and parts[i] // 2 in wanted[ident]:
                    groups[(parts[i], ident)].append(i)
        days = self.day_list
        for key, rows in groups.items():
            rows = sorted(set(rows), key=lambda r: (days[r], r))
            self.by_identifier[key] = ([days[r] for r in rows], rows)

    def scan_references(self, states: Sequence[PaymentState]) -> None:
        """Find every transaction whose remittance contains a payment's reference token."""
        lookup: dict[bytes, dict[int, list[int]]] = defaultdict(dict)
        e2e: dict[str, list[int]] = defaultdict(list)
        for state in states:
            if state.settled:
                continue
            for key in {_digit_key(t) for t in state.strong_tokens}:
                if key is not None:
                    lookup[key].setdefault(state.tenant_currency, []).append(state.index)
            for reference in state.payment.references:
                e2e[reference].append(state.index)
        found: dict[int, set[int]] = defaultdict(set)
        self._scan_texts(lookup, found)
        if e2e:
            for i, ref in enumerate(self.columns.end_to_end_ids):
                if ref and ref in e2e:
                    found[i].update(e2e[ref])
        by_payment: dict[int, set[int]] = defaultdict(set)
        eligible = self.eligible_list
        for txn_index, payments in found.items():
            if not eligible[txn_index]:
                continue
            for p in payments:
                by_payment[p].add(txn_index)
            self.hits_by_txn[txn_index] = payments
        self.hits_by_payment = dict(by_payment)

    def _scan_texts(
        self, lookup: Mapping[bytes, dict[int, list[int]]], found: dict[int, set[int]]
    ) -> None:
        blob = "X\x1fX".join(self.columns.remittances).encode("utf-8", "replace")
        if blob.count(b"\x1f") != len(self.txns) - 1:
            # a remittance holds the record separator itself: clean it, slowly
            texts = (t.remittance.replace("\x1f", " ") for t in self.txns)
            blob = "X\x1fX".join(texts).encode("utf-8", "replace")
        get = lookup.get
        tc = [part // 2 for part in self.part_list]
        row = 0
        for token in blob.translate(_SPACED_TABLE, _SPACED_DELETE).split():
            if token == _RECORD:
                row += 1
                continue
            hit = get(token.lstrip(b"0"))
            if hit is not None:
                payments = hit.get(tc[row])
                if payments is not None:
                    found[row].update(payments)
        # Statement lines are joined with "\n"; banks cut them mid-token, so lines are
        # also read glued together (only rows that have several lines).
        for row, text in enumerate(blob.split(b"\x1f")):
            if b"\n" not in text:
                continue
            for token in text.translate(_SPACED_TABLE, _GLUED_DELETE).split():
                hit = get(token.lstrip(b"0"))
                if hit is not None:
                    payments = hit.get(tc[row])
                    if payments is not None:
                        found[row].update(payments)


def _window_rows(
    index: TxnIndex, lo: int, hi: int, window: tuple[int, int], out: dict[int, bool]
) -> None:
    days = index.sorted_day
    a = bisect_left(days, window[0], lo, hi)
    b = bisect_right(days, window[1], a, hi)
    for row in index.sorted_idx[a:b]:
        out.setdefault(row, False)


def candidates_for(
    state: PaymentState,
    index: TxnIndex,
    exact_bounds: Sequence[tuple[int, int]],
    band_bounds: tuple[int, int],
    params: MatchParams,
) -> dict[int, bool]:
    """Candidate transaction rows for one payment → whether a reference hit them."""
    out: dict[int, bool] = {}
    lookback = params.reference_lookback_days
    parts, days = index.part_list, index.day_list
    anchor = state.anchor_day
    for row in index.hits_by_payment.get(state.index, ()):
        if parts[row] == state.part and abs(days[row] - anchor) <= lookback:
            out[row] = True
    for lo, hi in exact_bounds:
        if hi > lo:
            # amount equal; the rows are sorted by day inside
            _window_rows(index, lo, hi, state.window, out)
    lo, hi = band_bounds
    if hi > lo and not out:
        # tolerance only where nothing fits exactly or by reference (fees, rounding)
        _band_rows(index, lo, hi, state, params, out)
    for ident in state.identifiers:
        found = index.by_identifier.get((state.part, ident))
        if found is None:
            continue
        days, rows = found
        a = bisect_left(days, state.window[0])
        b = bisect_right(days, state.window[1], a)
        for row in rows[a:b]:
            out.setdefault(row, False)
    return out


def _band_rows(
    index: TxnIndex,
    lo: int,
    hi: int,
    state: PaymentState,
    params: MatchParams,
    out: dict[int, bool],
) -> None:
    first, last = state.window
    if hi - lo <= 64:
        days = index.sorted_day[lo:hi]
        rows = [r for r, d in zip(index.sorted_idx[lo:hi], days, strict=True) if first <= d <= last]
    else:
        days_arr = index.sorted_day_arr[lo:hi]
        mask = (days_arr >= first) & (days_arr <= last)
        rows = index.sorted_idx_arr[lo:hi][mask].tolist()
    if len(rows) > params.max_tolerance_candidates:
        target = state.payment.amount_cents
        txns, remaining = index.txns, index.remaining_list
        rows.sort(key=lambda r: (abs(remaining[r] - target), txns[r].id))
        rows = rows[: params.max_tolerance_candidates]
    for row in rows:
        out.setdefault(row, False)


def probe_bounds(
    states: Sequence[PaymentState], index: TxnIndex, params: MatchParams
) -> tuple[list[list[tuple[int, int]]], list[tuple[int, int]]]:
    """Vectorised ``searchsorted`` for every expected amount and tolerance band."""
    exact_keys: list[int] = []
    owners: list[int] = []
    band_lo: list[int] = []
    band_hi: list[int] = []
    fee = params.rules.fee_cents
    for state in states:
        base = state.part << _AMOUNT_SHIFT
        for cents, _ in state.amounts:
            exact_keys.append(base | cents)
            owners.append(state.index)
        item = state.payment.amount_cents
        low = max(1, item * params.tolerance_low_permille // 1000 - fee)
        band_lo.append(base | low)
        band_hi.append(base | (item + fee))
    keys = np.asarray(exact_keys, dtype=np.int64)
    lo = np.searchsorted(index.sorted_key, keys, side="left").tolist()
    hi = np.searchsorted(index.sorted_key, keys, side="right").tolist()
    exact: list[list[tuple[int, int]]] = [[] for _ in states]
    for owner, a, b in zip(owners, lo, hi, strict=True):
        if b > a:
            exact[owner].append((a, b))
    blo = np.searchsorted(index.sorted_key, np.asarray(band_lo, dtype=np.int64), side="left")
    bhi = np.searchsorted(index.sorted_key, np.asarray(band_hi, dtype=np.int64), side="right")
    bands = list(zip(blo.tolist(), bhi.tolist(), strict=True))
    return exact, bands


def is_booked(txn: BankTxn) -> bool:
    """Booked, not pending."""
    return txn.status is TxnStatus.BOOKED
