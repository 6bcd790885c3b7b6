"""The clear cases, decided with numpy before any per-pair Python runs.

Most payments have exactly one candidate: one transaction of the exact amount in the
date window (or named by its number), from a known account or with the voucher number
in the purpose, and that transaction has no other candidate. Such a pair is the
*sole* pair of both sides and is linked automatically by the same policy as in
:mod:`belegsync.matching.decide`; finding these pairs needs only array operations.
Everything else (several candidates, no identifying signal, tolerance, collective
transfers, payouts) goes through the full scoring.

Conservative by construction: every exact-amount pair and every reference hit counts
as a competitor (the full path ignores pairs whose payer is known to be someone else),
and a transaction is only clear when no other open payment could take it with a fee
or rounding difference.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import chain, compress, count, repeat
from operator import and_, attrgetter, is_not, truth
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from belegsync.domain.matching import (
    AmountKind,
    DifferenceReason,
    ExpectedPayment,
    LinkDecision,
    LinkStatus,
    MatchFeatures,
    Suggestion,
)
from belegsync.domain.matching_score import (
    counterparty_feature,
    difference_reason,
    expected_amounts,
)
from belegsync.domain.matching_text import (
    compact_identifier,
    legal_forms_differ,
    normalise_names,
)
from belegsync.domain.vouchers import Direction, VoucherType, direction
from belegsync.matching.candidates import (
    AMOUNT_SHIFT,
    ReferenceKeys,
    TxnIndex,
    is_member,
    marked,
    tenant_currencies,
    unique_inverse,
)
from belegsync.matching.columns import BoolArray, IntArray, TxnColumns
from belegsync.matching.features import (
    PAYER_KNOWN,
    PAYER_PLAUSIBLE,
    FeatureContext,
    TextPeriods,
    another_legal_form,
    name_similarities,
    named_tuples,
    names_a_far_period,
    names_own_period,
    recurring,
    states_a_day,
    states_a_later_rate,
    weak_value,
)
from belegsync.matching.history import LinkHistory
from belegsync.matching.line_keys import NO_KEY, KeyColumns, marker_mask
from belegsync.matching.line_marks import PAYOUT_MARKERS
from belegsync.matching.params import MatchParams
from belegsync.matching.payer_names import processed_names
from belegsync.matching.payouts import sold_on_other_days
from belegsync.matching.textscan import FIRST_YEAR, LAST_YEAR, digit_value

__all__ = ["ClearLinks", "PaymentArrays", "clear_links"]

_MAX_DIGITS = 18  # as digit_value reads them: 10**18 fits in 64 bits
_POW10 = 10 ** np.arange(_MAX_DIGITS, dtype=np.int64)
_DEBIT_TYPES = frozenset(t.value for t in VoucherType if direction(t.value) is Direction.DEBIT)
# Below this name similarity an exact amount from an unknown account is someone else's
# (full scoring's line is ``name_weak``, 85: this path keeps more pairs as competitors).
_OTHER_NAME_BELOW = 60.0
_EMPTY_HASH = NO_KEY  # a line without an account
_PAYOUT_MARKS = marker_mask(PAYOUT_MARKERS)  # a payout's purpose (a provider, a kept fee)


@dataclass(slots=True)
class PaymentArrays:
    """One entry per expected payment (global position), open ones only are used."""

    open: BoolArray
    # (tenant id, currency) → its number, in sorted order; ``tc`` per payment
    tc_ids: dict[tuple[str, str], int]
    tc: IntArray
    # per payment its contact id, and a number of its (tenant, contact id), -1 without
    contact_ids: list[str | None]
    contact: IntArray
    part: IntArray
    item: IntArray
    lo: IntArray  # the date window (``MatchParams.windows``)
    hi: IntArray
    anchor: IntArray
    voucher_day: IntArray
    anchored: BoolArray
    part_payment: BoolArray
    # the amounts of the payments whose Skonto is guessed (the others: their item, exact)
    guessed: dict[int, tuple[tuple[int, AmountKind], ...]]
    keys: ReferenceKeys
    identifiers: list[frozenset[str]]

    def amounts(self, g: int) -> tuple[tuple[int, AmountKind], ...]:
        """The amounts payment ``g`` may be paid with, its item (exact) first."""
        return self.guessed.get(g) or ((int(self.item[g]), AmountKind.EXACT),)

    @classmethod
    def build(
        cls,
        expected: Sequence[ExpectedPayment],
        learned: Mapping[tuple[str, str], set[str]],
        settled: Collection[str],
        params: MatchParams,
    ) -> PaymentArrays:
        # one C-level pass per field; Python runs per distinct value or per exception
        n = len(expected)

        def column(name: str) -> list[Any]:
            return list(map(attrgetter(name), expected))

        def ints(name: str) -> IntArray:
            return np.fromiter(map(attrgetter(name), expected), np.int64, n)

        tenants = column("tenant_id")
        tc_ids, tc = tenant_currencies(tenants, column("currency"))
        contact_ids = column("contact_id")
        contact = _contact_numbers(contact_ids, tc_ids, tc)
        debit = np.fromiter(map(_DEBIT_TYPES.__contains__, column("voucher_type")), np.int64, n)
        item_list: list[int] = column("amount_cents")
        item = np.asarray(item_list, dtype=np.int64)
        voucher_day = np.fromiter(map(date.toordinal, column("voucher_date")), np.int64, n)
        paid = column("paid_date")
        anchored = np.fromiter(map(is_not, paid, repeat(None)), np.bool_, n)
        anchor = voucher_day.copy()
        anchor[anchored] = list(map(date.toordinal, filter(partial(is_not, None), paid)))
        skonto = ints("skonto_cents")
        covered = item + skonto + ints("settled_otherwise_cents")
        part_payment = covered < ints("gross_cents")
        is_open = (
            ~np.fromiter(map(settled.__contains__, column("id")), np.bool_, n)
            if settled
            else np.ones(n, dtype=np.bool_)
        )
        # Skonto is guessed only without items and without a recorded Skonto
        guessed = ~np.fromiter(map(attrgetter("has_items"), expected), np.bool_, n)
        amounts = {
            g: expected_amounts(expected[g], params.rules)
            for g in np.flatnonzero(guessed & (skonto == 0)).tolist()
        }
        lo, hi = params.windows(anchor, voucher_day, anchored)
        return cls(
            open=is_open,
            tc_ids=tc_ids,
            tc=tc,
            contact_ids=contact_ids,
            contact=contact,
            part=tc * 2 + debit,
            item=item,
            lo=lo,
            hi=hi,
            anchor=anchor,
            voucher_day=voucher_day,
            anchored=anchored,
            part_payment=part_payment,
            guessed=amounts,
            keys=_reference_keys(expected, is_open),
            identifiers=_identifier_sets(expected, tenants, contact_ids, learned),
        )


def _contact_numbers(
    contact_ids: list[str | None], tc_ids: Mapping[tuple[str, str], int], tc: IntArray
) -> IntArray:
    """Per row a number of its (tenant, contact id), -1 without a contact: each id
    looked up once (numbered by its first row), joined with its tenant's number on
    arrays."""
    n = len(contact_ids)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first_at: dict[str | None, int] = {}
    first = np.fromiter(map(first_at.setdefault, contact_ids, count()), np.int64, n)
    tenant_numbers: dict[str, int] = {}
    tenant_of_tc = np.fromiter(
        (tenant_numbers.setdefault(tenant, len(tenant_numbers)) for tenant, _ in tc_ids),
        np.int64,
        len(tc_ids),
    )
    _, number = unique_inverse(first * len(tenant_numbers) + tenant_of_tc[tc])
    out: IntArray = number.reshape(n).astype(np.int64)
    if None in first_at:
        out[first == first_at[None]] = -1
    return out


def _reference_keys(expected: Sequence[ExpectedPayment], is_open: BoolArray) -> ReferenceKeys:
    """Per open payment the numeric keys of its voucher number and references, none
    for a settled one."""
    values = _digit_values(list(map(attrgetter("voucher_number"), expected)))
    values[~is_open] = -1
    more: dict[int, tuple[int, ...]] = {}
    listed = list(map(attrgetter("references"), expected))
    # the open payments with references (most have none: picked out in C)
    for g in compress(count(), map(and_, map(truth, listed), is_open.tolist())):
        extra = {digit_value(r) for r in listed[g]}
        first = () if values[g] < 0 else (int(values[g]),)
        more[g] = tuple(sorted({*first, *(v for v in extra if v is not None)}))
    return ReferenceKeys(values, more)


def _digit_values(texts: list[str]) -> IntArray:
    """:func:`~belegsync.matching.textscan.digit_value` of every text at once, -1 where
    it is None: the ASCII digits of a text read as one number, if 4–18 significant and
    not a year."""
    n = len(texts)
    joined = "".join(texts)
    if joined.isascii():
        data = joined.encode("ascii")
        lengths = np.fromiter(map(len, texts), np.int64, n)
    else:  # other characters are never digits; their UTF-8 bytes are none either
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
        data = b"".join(encoded)
        lengths = np.fromiter(map(len, encoded), np.int64, n)
    raw = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero((raw >= 0x30) & (raw <= 0x39))
    digits = raw[at].astype(np.int64) - 0x30
    owner = np.repeat(np.arange(n), lengths)[at]
    # per text: its digits are digits[start:end], the significant ones from its first
    # non-zero digit on
    per_text = np.bincount(owner, minlength=n)
    end = np.cumsum(per_text)
    start = end - per_text
    nonzero = np.flatnonzero(digits)
    first = end.copy()
    # the owners of the non-zero digits are sorted: a text's first is where they change
    first_at = np.flatnonzero(np.diff(owner[nonzero], prepend=-1))
    first[owner[nonzero[first_at]]] = nonzero[first_at]
    significant = end - first
    out = np.full(n, -1, dtype=np.int64)
    valid = (significant >= 4) & (significant <= _MAX_DIGITS)
    if not valid.any():
        return out
    # the place value of each significant digit of a valid text (others add nothing)
    place = end[owner] - 1 - np.arange(digits.size)
    counted = valid[owner] & (np.arange(digits.size) >= first[owner])
    contribution = np.where(counted, digits * _POW10[np.where(counted, place, 0)], 0)
    sums = np.add.reduceat(contribution, start[per_text > 0])
    out[per_text > 0] = np.where(valid[per_text > 0], sums, -1)
    out[(out >= FIRST_YEAR) & (out <= LAST_YEAR)] = -1
    return out


def _identifier_sets(
    expected: Sequence[ExpectedPayment],
    tenants: list[str],
    contacts: list[str | None],
    learned: Mapping[tuple[str, str], set[str]],
) -> list[frozenset[str]]:
    """Per payment its contact's IBANs and creditor ids, compacted, and those learned
    for the contact (each distinct identifier looked at once: they are stored compact,
    and a contact's payments repeat them)."""
    known: list[frozenset[str]] = list(map(attrgetter("known_identifiers"), expected))
    loose = {i for i in frozenset().union(*known) if not (i.isalnum() and i.isupper())}
    out = known
    if loose:
        out = [frozenset(map(compact_identifier, s)) if s & loose else s for s in known]
    if learned:
        for g, (tenant, contact) in enumerate(zip(tenants, contacts, strict=True)):
            more = learned.get((tenant, contact)) if contact is not None else None
            if more:
                out[g] = out[g] | more
    return out


@dataclass(frozen=True, slots=True)
class ClearLinks:
    """The fast path's links: per link its payment (global position), its row and its
    decision, side by side."""

    payments: IntArray
    rows: IntArray
    decisions: list[LinkDecision]

    @classmethod
    def none(cls) -> ClearLinks:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, [])

    def __len__(self) -> int:
        return len(self.decisions)


def _exact_pairs(
    arrays: PaymentArrays, index: TxnIndex
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(payment, row, amount, kind code) of every exact-amount pair in the window."""
    # the first amount of every payment is its item, exact; Skonto variants follow (2 %
    # and 3 % of a tiny gross may round to the same amount: each amount pairs once)
    open_idx = np.flatnonzero(arrays.open)
    open_flags = arrays.open
    more = [
        (g, amount, 0 if kind is AmountKind.EXACT else 1)
        for g, amounts in sorted(arrays.guessed.items())
        if open_flags[g]
        for amount, kind in dict.fromkeys(amounts[1:])
    ]
    g_arr = np.concatenate((open_idx, np.asarray([m[0] for m in more], dtype=np.int64)))
    c_arr = np.concatenate((arrays.item[open_idx], np.asarray([m[1] for m in more], np.int64)))
    k_arr = np.concatenate(
        (np.zeros(open_idx.size, np.int64), np.asarray([m[2] for m in more], np.int64))
    )
    keys = (arrays.part[g_arr] << AMOUNT_SHIFT) | c_arr
    # sorted needles make the binary searches walk forward through the index
    by_key = np.argsort(keys)
    g_arr, c_arr, k_arr, keys = g_arr[by_key], c_arr[by_key], k_arr[by_key], keys[by_key]
    lo = np.searchsorted(index.sorted_key, keys, side="left")
    hi = np.searchsorted(index.sorted_key, keys, side="right")
    counts = hi - lo
    total = int(counts.sum())
    empty = np.zeros(0, dtype=np.int64)
    if total == 0:
        return empty, empty, empty, empty
    # the candidates' days first: most lie outside the window, the rest is read for the
    # pairs inside only
    pos = np.arange(total) + np.repeat(lo - np.cumsum(counts) + counts, counts)
    days = index.sorted_day_arr[pos]
    inside = np.flatnonzero(
        (days >= np.repeat(arrays.lo[g_arr], counts))
        & (days <= np.repeat(arrays.hi[g_arr], counts))
    )
    rows = index.sorted_idx_arr[pos[inside]]
    # in row order: the lines' names and texts are then read in the order they lie in
    # memory (random reads of a million strings miss the caches)
    order = _stable_order(rows, len(index.cols))
    which = np.repeat(np.arange(counts.size), counts)[inside[order]]
    return g_arr[which], rows[order], c_arr[which], k_arr[which]


def _stable_order(keys: IntArray, bound: int) -> IntArray:
    """``np.argsort(keys, kind="stable")`` of keys in [0, bound): one sort of the keys
    with their positions below them (numpy sorts plain integers in SIMD, ten times as
    fast as its stable argsort), where that fits in 64 bits."""
    n = keys.size
    if n == 0 or bound > np.iinfo(np.int64).max // n:
        return np.argsort(keys, kind="stable")
    return np.sort(keys * n + np.arange(n)) % n


def _fee_competitors(
    arrays: PaymentArrays,
    index: TxnIndex,
    rows: IntArray,
    params: MatchParams,
    banded: BoolArray,
    hit_codes: IntArray,
) -> BoolArray:
    """Rows that another open payment could take with a fee or rounding difference, as
    full scoring meets such a pair (``candidate_pairs``): by the tolerance band, only
    for a payment without a line of its exact amount (``banded``: the payments without
    one); else only where the line names the payment (``hit_codes``: (payment, row)
    codes of the reference hits, ``_reference_codes``) or comes from one of its known
    accounts. Most payments near a line's amount have a line of their own: full scoring
    never pairs them with this one."""
    rules = params.rules
    open_idx = np.flatnonzero(arrays.open)
    pkeys = (arrays.part[open_idx] << AMOUNT_SHIFT) | arrays.item[open_idx]
    order = np.argsort(pkeys)  # which payment of an amount comes first does not matter
    pkeys, owners = pkeys[order], open_idx[order]
    # the rows by amount: sorted needles make the binary searches walk forward
    by_amount = np.argsort((index.part[rows] << AMOUNT_SHIFT) | index.remaining[rows])
    rows = rows[by_amount]
    base = index.part[rows] << AMOUNT_SHIFT
    amount = index.remaining[rows]
    # the payments whose tolerance band holds the line (``candidate_pairs``: the line
    # within [item × tolerance_low − fee, item + fee]); the band reaches 3.5 % below a
    # payment's item, so a payment up to that much above the line takes part: a
    # payment without a line of its own amount, the customer number in the purpose,
    # was full scoring's rival of a line this path linked to the contact's other one
    low = base | np.maximum(amount - max(rules.fee_cents, rules.rounding_cents), 1)
    high = base | (
        ((amount + rules.fee_cents) * 1000 + params.tolerance_low_permille - 1)
        // params.tolerance_low_permille
    )
    a = np.searchsorted(pkeys, low, side="left")
    b = np.searchsorted(pkeys, high, side="right")
    exact_a = np.searchsorted(pkeys, base | amount, side="left")
    exact_b = np.searchsorted(pkeys, base | amount, side="right")
    found = np.zeros(rows.size, dtype=np.bool_)
    out = np.zeros(rows.size, dtype=np.bool_)
    maybe = np.flatnonzero((b - a) > (exact_b - exact_a))
    if maybe.size == 0:
        return out
    # every (row, payment with an amount in the band) pair, the exact amount left out
    counts = (b - a)[maybe]
    which = np.repeat(maybe, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    j = np.arange(int(counts.sum())) - first + a[which]
    g = owners[j]
    day = index.day[rows[which]]
    near = (j < exact_a[which]) | (j >= exact_b[which])
    near &= (arrays.lo[g] <= day) & (day <= arrays.hi[g])
    # a payment with a line of its own amount meets this line by its number or account
    # only: the accounts read for the lines of an account someone knows (``identified``)
    asked = np.flatnonzero(near & ~banded[g])
    line = rows[which[asked]]
    named = is_member(g[asked] * len(index.cols) + line, hit_codes)
    near[asked] = named
    identified = index.identified
    if identified is not None:
        asked, line = asked[~named], line[~named]
        asked, line = asked[identified[line]], line[identified[line]]
        near[asked] = [
            _from_known_account(index.cols, row, arrays.identifiers[p])
            for p, row in zip(g[asked].tolist(), line.tolist(), strict=True)
        ]
    found[which[near]] = True
    out[by_amount] = found
    return out


def _from_known_account(cols: TxnColumns, row: int, identifiers: Collection[str]) -> bool:
    """Whether the line's IBAN or creditor id is one of ``identifiers``."""
    return bool(identifiers) and (
        (cols.ibans[row] or None) in identifiers or (cols.creditors[row] or None) in identifiers
    )


def _account_rivals(
    arrays: PaymentArrays, index: TxnIndex, pay: IntArray, rows: IntArray
) -> BoolArray:
    """Per pair, whether full scoring meets another pair of its payment or its line by
    a known account (``candidate_pairs``: the lines of a payment's known accounts inside
    its date window, whatever their amount): the payment's account sent another line in
    its window, or another open payment knows the line's account and its window holds
    the line. Such a pair is plausible there (a known account identifies the payer), so
    this pair is not sole — a short payment from the contact's account, or the next
    invoice of a contact who pays by the same account, is its competitor.

    On arrays: accounts by their hashes (a hash shared by chance only makes a rival
    more), numbered; windows counted by binary searches in tables sorted by (account,
    partition, day): the accounts' lines, and the open payments' window starts and ends.
    """
    out = np.zeros(pay.size, dtype=np.bool_)
    hashes, identified = index.account_hashes, index.identified
    if hashes is None or identified is None or not pay.size:
        return out
    # the open payments' known accounts: (payment, account hash), by payment
    owners = np.flatnonzero(arrays.open)
    known = list(map(arrays.identifiers.__getitem__, owners.tolist()))
    knower = np.repeat(owners, np.fromiter(map(len, known), np.int64, len(known)))
    if not knower.size:
        return out
    known_hash = index.account_keys(list(chain.from_iterable(known)))
    # the lines of known accounts (each under its IBAN and its creditor id)
    lines = np.flatnonzero(identified & index.eligible)
    line_row = np.concatenate((lines, lines))
    line_hash = np.concatenate([column[lines] for column in hashes])
    line_row, line_hash = line_row[line_hash != _EMPTY_HASH], line_hash[line_hash != _EMPTY_HASH]
    accounts, number = np.unique(np.concatenate((known_hash, line_hash)), return_inverse=True)
    known_number, line_number = number[: knower.size], number[knower.size :]
    part, lo, hi, day = arrays.part, arrays.lo, arrays.hi, index.day
    parts = int(max(part.max(initial=0), index.part.max(initial=0))) + 1
    first = int(min(day.min(initial=0), lo.min(initial=0)))
    span = int(max(day.max(initial=0), hi.max(initial=0))) - first + 1

    def at(account: IntArray, partition: IntArray, days: IntArray) -> IntArray:
        return (account * parts + partition) * span + (days - first)

    # the payment's side: the lines of its accounts in its window, its pair's line aside
    begin = knower.searchsorted(pay, "left")
    counts = knower.searchsorted(pay, "right") - begin
    pair = np.repeat(np.arange(pay.size), counts)
    entry = np.arange(pair.size) - np.repeat(np.cumsum(counts) - counts - begin, counts)
    g, account = pay[pair], known_number[entry]
    table = np.sort(at(line_number, index.part[line_row], day[line_row]))
    inside = table.searchsorted(at(account, part[g], hi[g]), "right") - table.searchsorted(
        at(account, part[g], lo[g]), "left"
    )
    own = np.zeros(pair.size, dtype=np.bool_)
    for column in hashes:
        own |= column[rows[pair]] == accounts[account]
    out[pair[inside - own > 0]] = True
    # the line's side: the other open payments knowing its account whose window holds it
    real = lo[knower] <= hi[knower]
    starts = np.sort(at(known_number[real], part[knower[real]], lo[knower[real]]))
    ends = np.sort(at(known_number[real], part[knower[real]], hi[knower[real]]))
    knows = knower * accounts.size + known_number
    for column in hashes:
        asked = np.flatnonzero(~out & identified[rows])
        line_hashes = column[rows[asked]]
        listed = np.minimum(accounts.searchsorted(line_hashes), accounts.size - 1)
        found = (accounts[listed] == line_hashes) & (line_hashes != _EMPTY_HASH)
        asked, listed = asked[found], listed[found]
        g, when = pay[asked], day[rows[asked]]
        place = at(listed, part[g], when)
        holding = starts.searchsorted(place, "right") - ends.searchsorted(place, "left")
        itself = is_member(g * accounts.size + listed, knows) & (lo[g] <= when) & (when <= hi[g])
        out[asked[holding - itself > 0]] = True
    return out


def _named(
    contact_named: BoolArray, name_keys: IntArray, pay: IntArray, rows: IntArray
) -> BoolArray:
    """Whether both sides of each pair have a name (``contact_named``: per payment;
    ``name_keys``: the lines' name keys, 0 where none)."""
    has_name: BoolArray = name_keys[rows] != NO_KEY
    return contact_named[pay] & has_name


def _similarities(
    contact_names: list[str],
    names: list[str],
    name_keys: IntArray,
    pay: IntArray,
    rows: IntArray,
    among: BoolArray,
    out: npt.NDArray[np.float64],
    *,
    as_full_scoring: bool = False,
    normalise: Callable[[Sequence[str]], list[str]] = normalise_names,
    bars: tuple[float, float] | None = None,
) -> None:
    """Name similarity (0–100, rapidfuzz in C) of the pairs ``among``, into ``out``:
    on rapidfuzz's defaults, or ``as_full_scoring`` has it (``FeatureContext``:
    names normalised by ``normalise``, :func:`name_similarities`).
    Each distinct pair of names is compared once, and each distinct name processed
    once: the contact names numbered by a dictionary per distinct payment, the payer
    names by their keys (``name_keys``: the lines' name keys, ``line_keys``). As full
    scoring has it, a pair at the ``bars`` (weak, strong; None: none) whose names write
    legal forms of no same kind is put below them (:func:`another_legal_form`)."""
    pick = np.flatnonzero(among)
    if pick.size == 0:
        return
    payments, payment_at = unique_inverse(pay[pick])
    spelled = list(map(contact_names.__getitem__, payments.tolist()))
    # per distinct payment, the first of them with its contact name; those numbered
    numbers: dict[str, int] = {}
    first_named = np.fromiter(map(numbers.setdefault, spelled, count()), np.int64, len(spelled))
    named, contact = unique_inverse(first_named)
    contacts = list(map(spelled.__getitem__, named.tolist()))
    picked_rows = rows[pick]
    _, first, payer = np.unique(name_keys[picked_rows], return_index=True, return_inverse=True)
    payers = list(map(names.__getitem__, picked_rows[first].tolist()))
    width = len(payers)
    pairs, pair_at = unique_inverse(
        contact.reshape(-1)[payment_at.reshape(-1)] * width + payer.reshape(-1)
    )
    left, right = pairs // width, pairs % width
    lefts, rights = left.tolist(), right.tolist()
    if not as_full_scoring:
        # umlauts spelled out as banks write them („MUELLER“ for „Müller“)
        contacts = processed_names(contacts)
        payers = processed_names(payers)
        scores = process.cpdist(
            list(map(contacts.__getitem__, lefts)),
            list(map(payers.__getitem__, rights)),
            scorer=fuzz.token_set_ratio,
            dtype=np.float64,
        )
    else:
        normal = normalise([*contacts, *payers])
        payers_normal = normal[len(contacts) :]
        scores = np.asarray(
            name_similarities(
                list(map(normal.__getitem__, lefts)), list(map(payers_normal.__getitem__, rights))
            )
        )
        # the names as written: another firm of the name under another legal form
        if bars is not None:
            another_legal_form(scores, (contacts, left), (payers, right), bars)
    out[pick] = scores[pair_at.reshape(-1)]


def _reference_codes(hits: Mapping[int, set[int]], n_rows: int) -> IntArray:
    """(payment, row) codes of the reference hits (row → payments), each pair once."""
    sizes = np.fromiter(map(len, hits.values()), np.int64, len(hits))
    rows = np.repeat(np.fromiter(hits, np.int64, len(hits)), sizes)
    payments = np.fromiter(chain.from_iterable(hits.values()), np.int64, int(sizes.sum()))
    return payments * n_rows + rows


def clear_links(
    expected: Sequence[ExpectedPayment],
    arrays: PaymentArrays,
    index: TxnIndex,
    hits: Mapping[int, set[int]],
    owners: Mapping[tuple[int, str], frozenset[str]],
    rejected: Collection[tuple[str, str]],
    params: MatchParams,
    ctx: FeatureContext,
    history: LinkHistory,
) -> ClearLinks:
    """Sole exact pairs with the voucher number in the purpose, a known account or the
    contact's name. ``ctx``: the run's scoring context, whose cache of normalised names
    the names share, and whose reading of names and weak references the links'
    features take (a link reads as full scoring reads it). ``history``: what confirmed
    links taught (a payer name taught is a known payer, as in full scoring)."""
    normalise = ctx.names_normalised
    cols = index.cols
    n_rows = len(cols)
    pay, rows, cents, kinds = _exact_pairs(arrays, index)
    ref_code = _reference_codes(hits, n_rows)
    code = pay * n_rows + rows
    referenced = is_member(code, ref_code)
    known, foreign = _identifiers(expected, arrays, index, owners, pay, rows)
    # a payer name that confirmed links taught the contact: a known payer, as in full
    # scoring (where no account decides)
    payer_known = _payers_known(expected, pay, rows, ~known & ~foreign, cols, history, normalise)
    certain = referenced | known
    contact_names = list(map(attrgetter("contact_name"), expected))
    contact_named = np.fromiter(map(bool, contact_names), np.bool_, len(contact_names))
    # the names count where neither a reference nor a known account decides (a line's
    # name is read for the links below only where a reference decided)
    named = np.zeros(pay.size, dtype=np.bool_)
    unsure = np.flatnonzero(~certain)
    named[unsure] = _named(contact_named, cols.keys.name, pay[unsure], rows[unsure])
    # what a sole pair needs besides its payer
    may_link = cols.booked[rows] & index.eligible[rows] & (index.remaining[rows] == cents)
    may_link &= ~(arrays.part_payment[pay] & ~referenced)
    # pairs whose purpose says they are another item's: full scoring decides
    for asked, says in (
        (arrays.part_payment[pay], states_a_later_rate),  # a later rate
        ((cols.keys.purpose_marks[rows] & _PAYOUT_MARKS) != 0, sold_on_other_days),
    ):
        at = np.flatnonzero(may_link & asked)
        may_link[at] = ~np.fromiter(
            (
                says(expected[g], cols.remittances[row])
                for g, row in zip(pay[at].tolist(), rows[at].tolist(), strict=True)
            ),
            np.bool_,
            at.size,
        )
    # a payment provider's payout for a sale's exact amount is other sales less the fee
    # the provider kept, by chance; a line whose advice lists its invoices pays those:
    # full scoring offers such a pair (``_Run._decided``)
    may_link &= referenced | ~index.lists_what_it_pays(rows)
    if index.recollections:
        # a line making again what came back competes with the payments whose window
        # held the returned line, which this path does not read (``candidate_pairs``)
        again = np.fromiter(index.recollections, np.int64, len(index.recollections))
        may_link &= ~is_member(rows, again)
    # names are compared where neither a reference nor a known account decides and
    # where they may change which pairs are sole (and for the links, below); 100 where
    # a name is missing
    similarity = np.full(pay.size, 100.0)
    counts = _PairCounts(code, ref_code, referenced, len(expected), n_rows)
    # (pairs asked, into, how): the names of the exact pairs compared
    compare = partial(
        _similarities,
        contact_names,
        cols.names,
        cols.keys.name,
        pay,
        rows,
        bars=(params.rules.name_weak, params.rules.name_strong),
    )
    compare(
        _may_matter(pay, rows, named & ~certain, may_link & (certain | named), certain, counts),
        similarity,
    )
    # an exact pair is a competitor unless its payer is clearly someone else
    plausible = certain | payer_known | (~foreign & (similarity >= _OTHER_NAME_BELOW))
    # a line from another contact's account: full scoring does not compare the names (no
    # identifying signal but a reference)
    may_link &= certain | (named & ~foreign & (similarity >= params.rules.name_strong))
    # a name that links alone must be strong as full scoring compares names
    # (normalised): rapidfuzz's own defaults put some spellings a point higher
    # ("Schäefr Immobilien GmbH" 96 where full scoring has 95, below the line)
    by_name = may_link & ~certain
    compare(by_name, similarity, as_full_scoring=True, normalise=normalise)
    may_link &= certain | (similarity >= params.rules.name_strong)
    # a line booked before the usual window (a paid date entered weeks late) counts only
    # from an identified payer, as in full scoring (``FeatureContext.suggestions``)
    late = arrays.anchored[pay] & (index.day[rows] < arrays.anchor[pay] - params.exact_days_before)
    # its name compared as full scoring compares names: „Schmidt und Soehne“ is
    # „Schmidt & Söhne KG“ there, and the late line a rival (found by the property test)
    compare(
        late & named & ~foreign & ~certain & ~payer_known,
        similarity,
        as_full_scoring=True,
        normalise=normalise,
    )
    counted = ~late | certain | payer_known
    counted |= named & ~foreign & (similarity >= params.rules.name_strong)
    # the voucher's month named in the purpose counts as a reference in full scoring, and
    # so does its customer or running number (a weak reference); they are read only where
    # they can change which pairs are sole — judged on the pairs that count whatever the
    # names say: a late pair from an unknown payer left out, another pair may be sole, and
    # its rivals naming the period or a number must be found
    asked = _may_matter(pay, rows, ~plausible & counted, may_link, plausible & counted, counts)
    plausible |= _period_named(arrays, cols.keys, pay, rows, asked)
    plausible |= _weakly_cited(expected, pay, rows, asked & ~plausible, ctx)
    plausible &= counted
    per_payment, per_row = counts.of(plausible)
    keep = np.flatnonzero(plausible & may_link & (per_payment[pay] == 1) & (per_row[rows] == 1))
    if keep.size == 0:
        return ClearLinks.none()
    banded = np.ones(len(expected), dtype=np.bool_)
    banded[pay] = False  # a payment with an exact pair has no band in full scoring
    keep = keep[~_fee_competitors(arrays, index, rows[keep], params, banded, ref_code)]
    # a pair no reference decides is linked as sole alone: full scoring must find no
    # other pair of its payment or line either. The pairs citing the voucher number are
    # not asked (measured at full scale: asking them too sent 9,500 more pairs to full
    # scoring, about 0.2 s, and changed one link of 94,000)
    unsure = keep[~referenced[keep]]
    rivalled = np.zeros(pay.size, dtype=np.bool_)
    rivalled[unsure[_account_rivals(arrays, index, pay[unsure], rows[unsure])]] = True
    keep = keep[~rivalled[keep]]
    if rejected:
        ids = cols.ids
        pairs = zip(pay[keep].tolist(), rows[keep].tolist(), strict=True)
        keep = keep[[(expected[g].id, ids[row]) not in rejected for g, row in pairs]]
    # the links' names where a reference decided (a known account decides the
    # counterparty whatever the names)
    cited = keep[referenced[keep] & ~known[keep]]
    named[cited] = _named(contact_named, cols.keys.name, pay[cited], rows[cited])
    linking = np.zeros(pay.size, dtype=np.bool_)
    linking[cited] = True
    compare(linking & named, similarity, as_full_scoring=True, normalise=normalise)
    # the links are built in payment order: a link reads more of its payment than of
    # its line (a payment has one link at most)
    keep = keep[np.argsort(pay[keep])]
    return _decisions(
        expected,
        arrays,
        index,
        _Clear(
            pay[keep],
            rows[keep],
            cents[keep],
            kinds[keep],
            referenced[keep],
            known[keep],
            foreign[keep] & ~known[keep],
            payer_known[keep],
            # the name counts only where both sides have one
            np.where(named[keep] & ~known[keep], similarity[keep], np.nan),
        ),
        params,
        ctx,
        history,
    )


def _payers_known(
    expected: Sequence[ExpectedPayment],
    pay: IntArray,
    rows: IntArray,
    asked: BoolArray,
    cols: TxnColumns,
    history: LinkHistory,
    normalise: Callable[[Sequence[str]], list[str]],
) -> BoolArray:
    """Per pair (of ``asked``: no account decides), whether its line's payer name,
    normalised, is one that confirmed links taught the payment's contact
    (``LinkHistory.names``), as full scoring reads it (``FeatureContext._named``). Only
    the pairs of contacts taught a name are read, each distinct payer name once."""
    out = np.zeros(pay.size, dtype=np.bool_)
    if not history.names:
        return out
    none: set[str] = set()
    taught = [
        none if p.contact_id is None else history.names.get((p.tenant_id, p.contact_id), none)
        for p in expected
    ]
    has = np.fromiter(map(truth, taught), np.bool_, len(taught))
    at = np.flatnonzero(asked & has[pay] & (cols.keys.name[rows] != NO_KEY))
    if not at.size:
        return out
    lines, inverse = unique_inverse(rows[at])
    raw = list(map(cols.names.__getitem__, lines.tolist()))
    payers = normalise(raw)
    # not a firm of the name under another legal form (``legal_forms_differ``)
    out[at] = [
        payers[j] in taught[g] and not legal_forms_differ(expected[g].contact_name, raw[j])
        for g, j in zip(pay[at].tolist(), inverse.reshape(-1).tolist(), strict=True)
    ]
    return out


class _PairCounts:
    """(payment, row) pairs per payment and per row among a selection of the exact
    pairs and all reference hits. Each pair is counted once: the exact pairs are
    distinct (each amount of a payment pairs once), and a referenced one is one of the
    hits."""

    def __init__(
        self,
        code: IntArray,
        ref_code: IntArray,
        referenced: BoolArray,
        n_payments: int,
        n_rows: int,
    ) -> None:
        self.code, self.ref_code, self.referenced = code, ref_code, referenced
        self.n_payments, self.n_rows = n_payments, n_rows

    def of(self, selected: BoolArray) -> tuple[IntArray, IntArray]:
        codes = np.concatenate((self.code[selected & ~self.referenced], self.ref_code))
        return (
            np.bincount(codes // self.n_rows, minlength=self.n_payments),
            np.bincount(codes % self.n_rows, minlength=self.n_rows),
        )


def _may_matter(
    pay: IntArray,
    rows: IntArray,
    among: BoolArray,
    may_link: BoolArray,
    surely: BoolArray,
    counts: _PairCounts,
) -> BoolArray:
    """Pairs of ``among`` whose plausibility (or name) can change which pairs are sole:
    they share the payment or the row of a pair that may link and has no other pair
    that is ``surely`` plausible on either side (it alone may end up sole; every other
    pair has a competitor whatever the rest turn out to be)."""
    per_payment, per_row = counts.of(surely)
    own = surely.astype(np.int64)
    alone = np.flatnonzero(may_link & (per_payment[pay] == own) & (per_row[rows] == own))
    payments = np.zeros(per_payment.size, dtype=np.bool_)
    payments[pay[alone]] = True
    lines = np.zeros(per_row.size, dtype=np.bool_)
    lines[rows[alone]] = True
    return among & (payments[pay] | lines[rows])


def _weakly_cited(
    expected: Sequence[ExpectedPayment],
    pay: IntArray,
    rows: IntArray,
    among: BoolArray,
    ctx: FeatureContext,
) -> BoolArray:
    """Pairs (of ``among``) whose purpose names the payment's customer number or its
    voucher's running number, as full scoring reads a weak reference
    (``FeatureContext.weak_hits``)."""
    out = np.zeros(pay.size, dtype=np.bool_)
    at = np.flatnonzero(among)
    if at.size:
        hits = ctx.weak_hits(list(map(expected.__getitem__, pay[at].tolist())), rows[at])
        out[at] = np.fromiter(map(is_not, hits, repeat(None)), np.bool_, at.size)
    return out


def _period_named(
    arrays: PaymentArrays,
    keys: KeyColumns,
    pay: IntArray,
    rows: IntArray,
    among: BoolArray,
) -> BoolArray:
    """Pairs (of ``among``) whose purpose names the voucher's month or quarter
    ("Miete 02/2026"): full scoring reads that as a reference, so such a pair is
    plausible whoever the payer is (the periods each line names, from its keys)."""
    out = np.zeros(pay.size, dtype=np.bool_)
    pick = np.flatnonzero(among)
    if pick.size == 0:
        return out
    lines, line_of = unique_inverse(rows[pick])
    periods = TextPeriods(*keys.periods_of(lines))
    # a month named by its name counts only from the payer (``FeatureContext._extra``)
    out[pick] = periods.own(
        line_of.reshape(-1), arrays.voucher_day[pay[pick]], np.zeros(pick.size, dtype=np.bool_)
    )
    return out


def _identifiers(
    expected: Sequence[ExpectedPayment],
    arrays: PaymentArrays,
    index: TxnIndex,
    owners: Mapping[tuple[int, str], frozenset[str]],
    pay: IntArray,
    rows: IntArray,
) -> tuple[BoolArray, BoolArray]:
    """Per pair: the account is known for the contact / belongs to another contact
    (looked at only where the line's account is one a payment wants or a contact owns)."""
    cols = index.cols
    ibans, creditors = cols.ibans, cols.creditors
    if index.identified is None:
        check = np.arange(pay.size)
    else:
        check = np.flatnonzero(index.identified[rows])
    check = check[np.argsort(pay[check])]  # the payments' sets in order
    identifiers = arrays.identifiers
    lines = rows[check].tolist()
    known_at: list[int] = []
    foreign_at: list[int] = []
    for i, g, tc, iban, creditor in zip(
        check.tolist(),
        pay[check].tolist(),
        arrays.tc[pay[check]].tolist(),
        map(ibans.__getitem__, lines),
        map(creditors.__getitem__, lines),
        strict=True,
    ):
        idents = identifiers[g]
        if iban and iban in idents:  # the common case, decided by the first account
            known_at.append(i)
            continue
        for ident in (iban, creditor):
            if not ident:
                continue
            if ident in idents:
                known_at.append(i)
                break
            found = owners.get((tc, ident))
            if found:
                contact = expected[g].contact_id
                if contact is None or contact not in found:
                    foreign_at.append(i)
    known = np.zeros(pay.size, dtype=np.bool_)
    known[known_at] = True
    foreign = np.zeros(pay.size, dtype=np.bool_)
    foreign[foreign_at] = True
    return known, foreign & ~known


class _Clear(NamedTuple):
    """The clear pairs, one entry each (the name similarity is NaN where a name is
    missing or a known account decides)."""

    pay: IntArray
    rows: IntArray
    cents: IntArray
    kinds: IntArray
    referenced: BoolArray
    known: BoolArray
    foreign: BoolArray  # another contact's account (none of the payment's)
    payer_known: BoolArray  # a payer name confirmed links taught (no account decides)
    similarity: npt.NDArray[np.float64]


_KINDS = (AmountKind.EXACT, AmountKind.SKONTO)


def _decisions(
    expected: Sequence[ExpectedPayment],
    arrays: PaymentArrays,
    index: TxnIndex,
    clear: _Clear,
    params: MatchParams,
    ctx: FeatureContext,
    history: LinkHistory,
) -> ClearLinks:
    """Features, score and the link for every clear pair: the numbers with arrays, the
    objects column by column (a counterparty and a difference judged once per value).
    A pair without a reference hit reads the customer or short number or the voucher's
    date in the purpose as full scoring does (``FeatureContext.weak_hits``,
    ``weak_value``)."""
    rules = params.rules
    cols = index.cols
    pay, rows = clear.pay, clear.rows
    unreferenced = np.flatnonzero(~clear.referenced)
    # per pair, what a weak reference hit (None: nothing, or a reference hit decides)
    weak: list[str | None] = [None] * pay.size
    for i, hit in zip(
        unreferenced.tolist(),
        ctx.weak_hits(
            list(map(expected.__getitem__, pay[unreferenced].tolist())), rows[unreferenced]
        ),
        strict=True,
    ):
        weak[i] = hit
    weakly = np.fromiter(map(is_not, weak, repeat(None)), np.bool_, pay.size)
    cp_value, evidence = _counterparties(clear, params)
    extras = ctx.link_extras(
        rows,
        arrays.voucher_day[pay],
        _recurrences(expected, index, clear, history),
        cp_value >= PAYER_PLAUSIBLE,
    )
    # the voucher's month or quarter named counts as a weak reference (``_with_extra``)
    own_period = np.zeros(len(extras), dtype=np.bool_)
    coded = np.flatnonzero(np.fromiter(map(len, extras), np.int64, len(extras)))
    own_period[coded] = list(map(names_own_period, map(extras.__getitem__, coded.tolist())))
    anchor = arrays.anchor[pay]
    days = index.day[rows] - anchor
    value_days = cols.value_day[rows] - anchor
    days = np.where(np.abs(value_days) < np.abs(days), value_days, days)
    anchored = arrays.anchored[pay]
    date_value = ctx.dates_of(days, anchored)  # full scoring's floats, to the last bit
    # a line stating the voucher's date as the day of purchase was paid on that day
    # (``FeatureContext._paid_on_the_day_stated``)
    dated = np.flatnonzero(list(map(states_a_day, weak)))
    date_value[dated] = np.maximum(
        date_value[dated],
        ctx.dates_of(arrays.voucher_day[pay[dated]] - anchor[dated], anchored[dated]),
    )
    penalty = ctx.early_penalties(rows, arrays.voucher_day[pay], anchor)
    reference = np.where(clear.referenced, 1.0, 0.0)
    reference[weakly] = [weak_value(weak[i]) for i in np.flatnonzero(weakly).tolist()]
    reference[own_period & (reference == 0.0)] = 0.5
    # the order of the terms is the one of full scoring (the same floats)
    value = (
        rules.weight_amount
        + rules.weight_reference * reference
        + rules.weight_counterparty * cp_value
        + rules.weight_date * date_value
        - penalty
    )
    value = np.minimum(1.0, np.maximum(0.0, value))
    # a line naming only a period far from the voucher's month and from its own
    # booking month, citing no voucher number, is offered by full scoring
    sure = value >= rules.sole_threshold
    for i in coded.tolist():
        if reference[i] < 1.0 and names_a_far_period(
            extras[i],
            expected[int(pay[i])],
            cols.remittances[int(rows[i])],
            int(index.day[rows[i]]),
            params.far_period_months,
        ):
            sure[i] = False
    ok = np.flatnonzero(sure)
    if ok.size == 0:
        return ClearLinks.none()
    pay, rows, cents = pay[ok], rows[ok], clear.cents[ok]
    g_list, row_list = pay.tolist(), rows.tolist()
    payments = list(map(expected.__getitem__, g_list))
    item = arrays.item[pay]
    allocated = np.minimum(cents, item)
    kinds = list(map(_KINDS.__getitem__, clear.kinds[ok].tolist()))
    features = named_tuples(
        MatchFeatures,
        zip(
            repeat(1.0),
            reference[ok].tolist(),
            cp_value[ok].tolist(),
            date_value[ok].tolist(),
            penalty[ok].tolist(),
            kinds,
            (cents - item).tolist(),
            days[ok].tolist(),
            _reference_hits(
                payments,
                row_list,
                clear.referenced[ok],
                cols.end_to_end_ids,
                marked(arrays.keys.more, len(expected))[pay],
                list(map(weak.__getitem__, ok.tolist())),
            ),
            list(map(evidence.__getitem__, ok.tolist())),
            repeat(True),
            anchored[ok].tolist(),
            list(map(extras.__getitem__, ok.tolist())),
        ),
    )
    suggestions = named_tuples(
        Suggestion,
        zip(
            map(attrgetter("id"), payments),
            map(cols.ids.__getitem__, row_list),
            value[ok].tolist(),
            allocated.tolist(),
            (item - allocated).tolist(),
            _differences(clear.kinds[ok], item - allocated),
            features,
            repeat(None),
        ),
    )
    auto = LinkStatus.AUTO_CONFIRMED
    decisions = named_tuples(
        LinkDecision, zip(suggestions, repeat(auto), repeat(0.0), repeat(0.0), repeat(True))
    )
    return ClearLinks(pay, rows, decisions)


def _recurrences(
    expected: Sequence[ExpectedPayment], index: TxnIndex, clear: _Clear, history: LinkHistory
) -> list[str | None]:
    """Per clear pair, the recurring payment full scoring says (:func:`recurring`): a
    known payer (account or taught name) whose contact has a past of the amount."""
    out: list[str | None] = [None] * clear.pay.size
    if not history.past:
        return out
    for i in np.flatnonzero(clear.known | clear.payer_known).tolist():
        payment = expected[int(clear.pay[i])]
        if payment.contact_id is None:
            continue
        past = history.past.get((payment.tenant_id, payment.contact_id))
        if past:
            row = int(clear.rows[i])
            out[i] = recurring(past, int(index.day[row]), int(index.remaining[row]))
    return out


def _counterparties(
    clear: _Clear, params: MatchParams
) -> tuple[npt.NDArray[np.float64], list[str]]:
    """(value, evidence) of the counterparty per pair, each distinct case judged once:
    a known account, another contact's, a payer name confirmed links taught, a missing
    name (NaN) or a name similarity."""
    rules = params.rules
    # codes below every similarity (0–100): -4 a payer taught, -3 another contact's
    # account, -2 a known account, -1 a missing name
    case = np.where(np.isnan(clear.similarity), -1.0, clear.similarity)
    case[clear.payer_known] = -4.0
    case[clear.foreign] = -3.0
    case[clear.known] = -2.0
    distinct, inverse = np.unique(case, return_inverse=True)
    judged = [
        PAYER_KNOWN[:2]
        if value == -4.0
        else counterparty_feature(
            identifier_known=value == -2.0,
            identifier_foreign=value == -3.0,
            name_similarity=None if value < 0 else value,
            rules=rules,
        )
        for value in distinct.tolist()
    ]
    values = np.array([v for v, _ in judged], dtype=np.float64)
    evidence = [e for _, e in judged]
    return values[inverse], list(map(evidence.__getitem__, inverse.tolist()))


def _reference_hits(
    payments: list[ExpectedPayment],
    rows: list[int],
    referenced: BoolArray,
    end_to_end_ids: list[str],
    listing: BoolArray,
    weak: list[str | None],
) -> list[str | None]:
    """The token that hit per pair: the end-to-end id where the payment lists it, else
    the voucher number; without a reference hit, the weak one (``weak``, per pair) or
    None. ``listing``: per pair, whether its payment lists references (most do not:
    their lines' end-to-end ids are not read)."""
    out = list(weak)
    hit = np.flatnonzero(referenced).tolist()
    numbers = map(attrgetter("voucher_number"), map(payments.__getitem__, hit))
    for i, number in zip(hit, numbers, strict=True):
        out[i] = number
    for i in np.flatnonzero(referenced & listing).tolist():
        e2e = end_to_end_ids[rows[i]]
        if e2e and e2e in payments[i].references:
            out[i] = f"E2E {e2e}"
    return out


def _differences(kinds: IntArray, difference: IntArray) -> list[DifferenceReason | None]:
    """Why the allocated amount differs from the item, per pair (each distinct kind and
    difference judged once)."""
    distinct, inverse = unique_inverse(difference * len(_KINDS) + kinds)
    reasons = [
        difference_reason(_KINDS[code % len(_KINDS)], code // len(_KINDS))
        for code in distinct.tolist()
    ]
    return list(map(reasons.__getitem__, inverse.tolist()))
