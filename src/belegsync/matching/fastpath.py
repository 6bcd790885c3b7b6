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

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import attrgetter, is_not
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process, utils

from belegsync.domain.matching import (
    AmountKind,
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
from belegsync.domain.matching_text import compact_identifier
from belegsync.domain.vouchers import Direction, VoucherType, direction
from belegsync.matching.candidates import TxnIndex
from belegsync.matching.columns import BoolArray, IntArray
from belegsync.matching.features import PERIOD_HINT, period_in_text
from belegsync.matching.params import MatchParams
from belegsync.matching.textscan import digit_value

__all__ = ["ClearLink", "PaymentArrays", "clear_links"]

_SHIFT = 40
_DEBIT_TYPES = frozenset(t.value for t in VoucherType if direction(t.value) is Direction.DEBIT)
# Below this name similarity (rapidfuzz defaults, so a bit lower than the engine's own
# normalised names give) an exact amount from an unknown account is someone else's.
_OTHER_NAME_BELOW = 60.0
_NON_DIGIT = re.compile(r"[^0-9]+")


@dataclass(slots=True)
class PaymentArrays:
    """One entry per expected payment (global position), open ones only are used."""

    open: BoolArray
    tc: IntArray
    part: IntArray
    item: IntArray
    lo: IntArray
    hi: IntArray
    anchor: IntArray
    voucher_day: IntArray
    anchored: BoolArray
    part_payment: BoolArray
    amounts: list[tuple[tuple[int, AmountKind], ...]]
    keys: list[tuple[int, ...]]
    identifiers: list[frozenset[str]]

    @classmethod
    def build(
        cls,
        expected: Sequence[ExpectedPayment],
        tc_ids: Mapping[tuple[str, str], int],
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
        currencies = zip(tenants, column("currency"), strict=True)
        tc = np.fromiter(map(tc_ids.__getitem__, currencies), np.int64, n)
        debit = np.fromiter(map(_DEBIT_TYPES.__contains__, column("voucher_type")), np.int64, n)
        item_list: list[int] = column("amount_cents")
        item = np.asarray(item_list, dtype=np.int64)
        voucher_day = np.fromiter(map(date.toordinal, column("voucher_date")), np.int64, n)
        paid = column("paid_date")
        anchored = np.fromiter(map(is_not, paid, repeat(None)), np.bool_, n)
        anchor = voucher_day.copy()
        anchor[anchored] = [d.toordinal() for d in paid if d is not None]
        skonto = ints("skonto_cents")
        covered = item + skonto + ints("settled_otherwise_cents")
        part_payment = covered < ints("gross_cents")
        is_open = (
            ~np.fromiter(map(settled.__contains__, column("id")), np.bool_, n)
            if settled
            else np.ones(n, dtype=np.bool_)
        )
        exact = AmountKind.EXACT
        amounts: list[tuple[tuple[int, AmountKind], ...]] = [
            ((amount, exact),) for amount in item_list
        ]
        # Skonto is guessed only without items and without a recorded Skonto
        guessed = ~np.fromiter(map(attrgetter("has_items"), expected), np.bool_, n)
        for g in np.flatnonzero(guessed & (skonto == 0)).tolist():
            amounts[g] = expected_amounts(expected[g], params.rules)
        lo = np.where(
            anchored, anchor - params.exact_days_before, anchor - params.unanchored_days_before
        )
        hi = np.where(
            anchored, anchor + params.exact_days_after, anchor + params.unanchored_days_after
        )
        return cls(
            open=is_open,
            tc=tc,
            part=tc * 2 + debit,
            item=item,
            lo=lo,
            hi=hi,
            anchor=anchor,
            voucher_day=voucher_day,
            anchored=anchored,
            part_payment=part_payment,
            amounts=amounts,
            keys=_reference_keys(expected, is_open),
            identifiers=_identifier_sets(expected, tenants, learned),
        )


def _reference_keys(
    expected: Sequence[ExpectedPayment], is_open: BoolArray
) -> list[tuple[int, ...]]:
    """Per open payment the numeric keys of its voucher number and references, () for
    a settled one (each distinct voucher number read once)."""
    numbers = list(map(attrgetter("voucher_number"), expected))
    values: dict[str, tuple[int, ...]] = {}
    for number in set(numbers):
        value = digit_value(number)
        values[number] = () if value is None else (value,)
    keys = list(map(values.__getitem__, numbers))
    for g in np.flatnonzero(~is_open).tolist():
        keys[g] = ()
    open_flags = is_open.tolist()
    for g, references in enumerate(map(attrgetter("references"), expected)):
        if references and open_flags[g]:
            extra = {digit_value(r) for r in references}
            keys[g] = tuple(sorted({*keys[g], *(v for v in extra if v is not None)}))
    return keys


def _identifier_sets(
    expected: Sequence[ExpectedPayment],
    tenants: list[str],
    learned: Mapping[tuple[str, str], set[str]],
) -> list[frozenset[str]]:
    """Per payment its contact's IBANs and creditor ids, compacted, and those learned
    for the contact (each distinct set compacted once: a contact's payments repeat it)."""
    known: list[frozenset[str]] = list(map(attrgetter("known_identifiers"), expected))
    compacted = {
        idents: idents
        if all(i.isalnum() and i.isupper() for i in idents)
        else frozenset(map(compact_identifier, idents))
        for idents in set(known)
    }
    out = list(map(compacted.__getitem__, known))
    if learned:
        contacts = map(attrgetter("contact_id"), expected)
        for g, (tenant, contact) in enumerate(zip(tenants, contacts, strict=True)):
            more = learned.get((tenant, contact)) if contact is not None else None
            if more:
                out[g] = out[g] | more
    return out


class ClearLink(NamedTuple):
    payment: int  # global position
    row: int
    decision: LinkDecision


def _exact_pairs(
    arrays: PaymentArrays, index: TxnIndex
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(payment, row, amount, kind code) of every exact-amount pair in the window."""
    # the first amount of every payment is its item, exact; Skonto variants follow
    open_idx = np.flatnonzero(arrays.open)
    amounts = arrays.amounts
    more = [
        (g, amount, 0 if kind is AmountKind.EXACT else 1)
        for g in open_idx.tolist()
        if len(amounts[g]) > 1
        for amount, kind in amounts[g][1:]
    ]
    g_arr = np.concatenate((open_idx, np.asarray([m[0] for m in more], dtype=np.int64)))
    c_arr = np.concatenate((arrays.item[open_idx], np.asarray([m[1] for m in more], np.int64)))
    k_arr = np.concatenate(
        (np.zeros(open_idx.size, np.int64), np.asarray([m[2] for m in more], np.int64))
    )
    keys = (arrays.part[g_arr] << _SHIFT) | c_arr
    lo = np.searchsorted(index.sorted_key, keys, side="left")
    hi = np.searchsorted(index.sorted_key, keys, side="right")
    counts = hi - lo
    total = int(counts.sum())
    empty = np.zeros(0, dtype=np.int64)
    if total == 0:
        return empty, empty, empty, empty
    which = np.repeat(np.arange(counts.size), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    pos = np.arange(total) - starts + lo[which]
    rows = index.sorted_idx_arr[pos]
    days = index.sorted_day_arr[pos]
    pay = g_arr[which]
    inside = (days >= arrays.lo[pay]) & (days <= arrays.hi[pay])
    return pay[inside], rows[inside], c_arr[which][inside], k_arr[which][inside]


def _fee_competitors(
    arrays: PaymentArrays, index: TxnIndex, rows: IntArray, params: MatchParams
) -> BoolArray:
    """Rows that another open payment could take with a fee or rounding difference."""
    rules = params.rules
    open_idx = np.flatnonzero(arrays.open)
    pkeys = (arrays.part[open_idx] << _SHIFT) | arrays.item[open_idx]
    order = np.argsort(pkeys, kind="stable")
    pkeys, owners = pkeys[order], open_idx[order]
    base = index.part[rows] << _SHIFT
    amount = index.remaining[rows]
    low = base | np.maximum(amount - rules.rounding_cents, 1)
    high = base | (amount + max(rules.fee_cents, rules.rounding_cents))
    a = np.searchsorted(pkeys, low, side="left")
    b = np.searchsorted(pkeys, high, side="right")
    exact_a = np.searchsorted(pkeys, base | amount, side="left")
    exact_b = np.searchsorted(pkeys, base | amount, side="right")
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
    out[which[near & (arrays.lo[g] <= day) & (day <= arrays.hi[g])]] = True
    return out


def _named(
    expected: Sequence[ExpectedPayment], names: list[str], pay: IntArray, rows: IntArray
) -> BoolArray:
    """Whether both sides of each pair have a name."""
    has_name = np.fromiter(
        map(bool, map(attrgetter("contact_name"), expected)), np.bool_, len(expected)
    )
    named = has_name[pay]
    named &= np.fromiter(map(bool, map(names.__getitem__, rows.tolist())), np.bool_, rows.size)
    return named


def _similarities(
    expected: Sequence[ExpectedPayment],
    names: list[str],
    pay: IntArray,
    rows: IntArray,
    among: BoolArray,
    out: npt.NDArray[np.float64],
) -> None:
    """Name similarity (0–100, rapidfuzz in C) of the pairs ``among``, into ``out``."""
    pick = np.flatnonzero(among)
    if pick.size == 0:
        return
    out[pick] = process.cpdist(
        [expected[g].contact_name for g in pay[pick].tolist()],
        [names[r] for r in rows[pick].tolist()],
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        dtype=np.float64,
    )


def _code_counts(codes: IntArray, n_rows: int, n_payments: int) -> tuple[IntArray, IntArray]:
    """Distinct (payment, row) codes per payment and per row."""
    codes = np.unique(codes)
    return (
        np.bincount(codes // n_rows, minlength=n_payments),
        np.bincount(codes % n_rows, minlength=n_rows),
    )


def clear_links(
    expected: Sequence[ExpectedPayment],
    arrays: PaymentArrays,
    index: TxnIndex,
    hits: Mapping[int, set[int]],
    owners: Mapping[tuple[int, str], frozenset[str]],
    rejected: Collection[tuple[str, str]],
    params: MatchParams,
) -> list[ClearLink]:
    """Sole exact pairs with the voucher number in the purpose, a known account or the
    contact's name."""
    cols = index.cols
    pay, rows, cents, kinds = _exact_pairs(arrays, index)
    ref_pay: list[int] = []
    ref_rows: list[int] = []
    for row, payments in hits.items():
        for g in payments:
            ref_pay.append(g)
            ref_rows.append(row)
    n_rows = len(cols)
    ref_code = np.asarray(ref_pay, dtype=np.int64) * n_rows + np.asarray(ref_rows, dtype=np.int64)
    code = pay * n_rows + rows
    referenced = np.isin(code, ref_code)
    known, foreign = _identifiers(expected, arrays, index, owners, pay, rows)
    named = _named(expected, cols.names, pay, rows)
    # names are compared where neither a reference nor a known account decides (and
    # for the links, below); 100 where a name is missing
    similarity = np.full(pay.size, 100.0)
    _similarities(expected, cols.names, pay, rows, named & ~referenced & ~known, similarity)
    # an exact pair is a competitor unless its payer is clearly someone else
    plausible = referenced | known | (~foreign & (similarity >= _OTHER_NAME_BELOW))
    # what else a sole pair needs
    may_link = cols.booked[rows] & index.eligible[rows] & (index.remaining[rows] == cents)
    may_link &= referenced | known | (named & (similarity >= params.rules.name_strong))
    may_link &= ~(arrays.part_payment[pay] & ~referenced)
    # the voucher's month named in the purpose counts as a reference in full scoring; it
    # is read only where it can change which pairs are sole
    plausible |= _period_named(
        arrays,
        cols.remittances,
        pay,
        rows,
        _may_matter(pay, rows, ~plausible, may_link, code[plausible], ref_code, n_rows),
    )
    per_payment, per_row = _code_counts(
        np.concatenate((code[plausible], ref_code)), n_rows, len(expected)
    )
    sole = plausible & may_link & (per_payment[pay] == 1) & (per_row[rows] == 1)
    if not sole.any():
        return []
    keep = np.flatnonzero(sole)
    keep = keep[~_fee_competitors(arrays, index, rows[keep], params)]
    # the links' names where a reference decided (a known account decides the
    # counterparty whatever the names)
    linking = np.zeros(pay.size, dtype=np.bool_)
    linking[keep] = True
    _similarities(
        expected, cols.names, pay, rows, linking & named & referenced & ~known, similarity
    )
    candidates = list(
        zip(
            pay[keep].tolist(),
            rows[keep].tolist(),
            cents[keep].tolist(),
            kinds[keep].tolist(),
            referenced[keep].tolist(),
            known[keep].tolist(),
            # the name counts only where both sides have one
            np.where(named[keep] & ~known[keep], similarity[keep], np.nan).tolist(),
            strict=True,
        )
    )
    if rejected:
        ids = cols.ids
        candidates = [c for c in candidates if (expected[c[0]].id, ids[c[1]]) not in rejected]
    return _decisions(expected, arrays, index, candidates, params)


def _may_matter(
    pay: IntArray,
    rows: IntArray,
    among: BoolArray,
    may_link: BoolArray,
    plausible_codes: IntArray,
    ref_code: IntArray,
    n_rows: int,
) -> BoolArray:
    """Pairs of ``among`` whose plausibility can change which pairs are sole: a pair
    that may link (itself included) shares its payment or its row, and that payment and
    row have at most one plausible pair without it (more stay more)."""
    per_payment, per_row = _code_counts(
        np.concatenate((plausible_codes, ref_code)), n_rows, int(pay.max(initial=-1)) + 1
    )
    may_be_sole = np.flatnonzero(may_link & (per_payment[pay] <= 1) & (per_row[rows] <= 1))
    payments = np.zeros(per_payment.size, dtype=np.bool_)
    payments[pay[may_be_sole]] = True
    lines = np.zeros(n_rows, dtype=np.bool_)
    lines[rows[may_be_sole]] = True
    return among & (payments[pay] | lines[rows])


def _period_named(
    arrays: PaymentArrays,
    remittances: Sequence[str],
    pay: IntArray,
    rows: IntArray,
    among: BoolArray,
) -> BoolArray:
    """Pairs (of ``among``) whose purpose names the voucher's month or quarter
    ("Miete 02/2026"): full scoring reads that as a reference, so such a pair is
    plausible whoever the payer is."""
    out = np.zeros(pay.size, dtype=np.bool_)
    hinted: dict[int, bool] = {}
    voucher_day = arrays.voucher_day
    for i in np.flatnonzero(among).tolist():
        row = int(rows[i])
        hint = hinted.get(row)
        if hint is None:
            hint = hinted[row] = PERIOD_HINT.search(remittances[row]) is not None
        if hint and period_in_text(remittances[row], int(voucher_day[pay[i]])) is not None:
            out[i] = True
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
    known = np.zeros(pay.size, dtype=np.bool_)
    foreign = np.zeros(pay.size, dtype=np.bool_)
    cols = index.cols
    ibans, creditors = cols.ibans, cols.creditors
    tcs = arrays.tc
    if index.identified is None:
        check = np.arange(pay.size)
    else:
        check = np.flatnonzero(index.identified[rows])
    for i, g, row in zip(check.tolist(), pay[check].tolist(), rows[check].tolist(), strict=True):
        idents = arrays.identifiers[g]
        for ident in (ibans[row], creditors[row]):
            if not ident:
                continue
            if ident in idents:
                known[i] = True
                break
            found = owners.get((int(tcs[g]), ident))
            contact = expected[g].contact_id
            if found and (contact is None or contact not in found):
                foreign[i] = True
    return known, foreign & ~known


def _decisions(
    expected: Sequence[ExpectedPayment],
    arrays: PaymentArrays,
    index: TxnIndex,
    candidates: list[tuple[int, int, int, int, bool, bool, float]],
    params: MatchParams,
) -> list[ClearLink]:
    """Features, score and the link for every clear pair (dates and scores vectorised)."""
    if not candidates:
        return []
    rules = params.rules
    cols = index.cols
    g_arr = np.fromiter((c[0] for c in candidates), np.int64, len(candidates))
    r_arr = np.fromiter((c[1] for c in candidates), np.int64, len(candidates))
    anchor = arrays.anchor[g_arr]
    days = index.day[r_arr] - anchor
    value_days = cols.value_day[r_arr] - anchor
    days = np.where(np.abs(value_days) < np.abs(days), value_days, days)
    anchored = arrays.anchored[g_arr]
    scale = np.where(
        ~anchored,
        rules.date_scale_voucher_days,
        np.where(days < 0, rules.date_scale_early_days, rules.date_scale_anchored_days),
    )
    date_value = np.exp(-np.abs(days) / scale)
    early = index.day[r_arr] < arrays.voucher_day[g_arr] - rules.early_payment_days
    penalty = np.where(early, rules.early_payment_penalty, 0.0)
    out: list[ClearLink] = []
    recollections = index.recollections
    ids, e2e_ids = cols.ids, cols.end_to_end_ids
    auto = LinkStatus.AUTO_CONFIRMED
    weight_reference, weight_counterparty = rules.weight_reference, rules.weight_counterparty
    weight_date, sole_threshold = rules.weight_date, rules.sole_threshold
    # (known account, name similarity or None) → (value, evidence)
    counterparty: dict[tuple[bool, float | None], tuple[float, str]] = {}
    for (g, row, amount, kind_code, ref, known, similarity), d, dv, pen, anc in zip(
        candidates,
        days.tolist(),
        date_value.tolist(),
        penalty.tolist(),
        anchored.tolist(),
        strict=True,
    ):
        # NaN: a name is missing on one side, nothing to compare
        key = (known, None if similarity != similarity else similarity)
        found = counterparty.get(key)
        if found is None:
            found = counterparty[key] = counterparty_feature(
                identifier_known=known,
                identifier_foreign=False,
                name_similarity=key[1],
                rules=rules,
            )
        cp_value, evidence = found
        reference = 1.0 if ref else 0.0
        value = (
            rules.weight_amount
            + weight_reference * reference
            + weight_counterparty * cp_value
            + weight_date * dv
            - pen
        )
        value = min(1.0, max(0.0, value))
        if value < sole_threshold:
            continue
        payment = expected[g]
        hit = None
        if ref:
            e2e = e2e_ids[row]
            hit = f"E2E {e2e}" if e2e and e2e in payment.references else payment.voucher_number
        kind = AmountKind.EXACT if kind_code == 0 else AmountKind.SKONTO
        item = payment.amount_cents
        allocated = min(amount, item)
        features = MatchFeatures(
            1.0,
            reference,
            cp_value,
            dv,
            pen,
            kind,
            amount - item,
            d,
            hit,
            evidence,
            True,
            anc,
            ("recollection",) if row in recollections else (),
        )
        suggestion = Suggestion(
            payment.id,
            ids[row],
            value,
            allocated,
            item - allocated,
            difference_reason(kind, item - allocated),
            features,
        )
        out.append(ClearLink(g, row, LinkDecision(suggestion, auto, 0.0, 0.0, True)))
    return out
