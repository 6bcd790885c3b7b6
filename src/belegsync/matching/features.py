"""Features of a (payment, transaction) pair; rapidfuzz runs only on the few candidates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, count, repeat
from operator import attrgetter, is_not
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from belegsync.domain.matching import AmountKind, ExpectedPayment, MatchFeatures, Suggestion
from belegsync.domain.matching_score import (
    ScoringRules,
    amount_feature,
    counterparty_feature,
    date_feature,
    difference_reason,
    score,
    weighted_sum,
)
from belegsync.domain.matching_text import (
    compact_identifier,
    legal_forms,
    legal_forms_differ,
    normalise_name,
    normalise_names,
    normalise_text,
    stated_rate,
    text_short_numbers,
    voucher_short_number,
)
from belegsync.matching.candidates import (
    AMOUNT_KINDS,
    PaymentState,
    StateColumns,
    TxnIndex,
    distinct,
    find_sorted,
    is_member,
    reference_tokens,
    unique_inverse,
)
from belegsync.matching.columns import BoolArray, IntArray, TxnColumns
from belegsync.matching.line_keys import marker_mask
from belegsync.matching.line_marks import DEPOSIT_MARKERS, RECOLLECTION_MARKERS
from belegsync.matching.params import MatchParams
from belegsync.matching.periods import (
    MONTH_ALONE,
    MONTH_NAMED,
    PERIOD_HINT,
    QUARTER,
    first_period,
    month_label,
    months_away,
    period_in_text,
    period_tokens,
    quarter_label,
    token_parts,
)

__all__ = [
    "FeatureContext",
    "Scored",
    "TextPeriods",
    "cadence",
    "name_similarity",
    "named_tuples",
    "periods_named",
    "periods_of",
    "states_a_day",
    "weak_value",
]

FloatArray = npt.NDArray[np.float64]
_Row = TypeVar("_Row", bound=tuple[Any, ...])

_PARTIAL_FROM = 6  # shorter names are not read as cut ones
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_PERIODS = 1 << 20  # above every month code (year * 12 + month - 1) of a 4-digit year
# a purpose saying that a returned debit is collected again (read where the line's
# marks hold a word of it, ``RECOLLECTION_MARKERS``)
_RECOLLECTION_RE = re.compile(
    r"NACH (?:DER )?R(?:UE|U)CKLASTSCHRIFT|WIEDERVORLAGE|ERNEUTE[RN]? EINZUG"
)
_RECOLLECTION_MARKS = marker_mask(RECOLLECTION_MARKERS)
# a purpose naming a deposit (read where the line's marks hold a word of it: „Anzahlung“
# is found by the count marker ANZAHL)
DEPOSIT = re.compile(
    r"ANZAHLUNG|VORKASSE|VORAUSKASSE|VORAUSZAHLUNG|ABSCHLAG|PRO[- ]?FORMA", re.IGNORECASE
)
_DEPOSIT_MARKS = marker_mask((b"ANZAHL", *DEPOSIT_MARKERS))
# the counterparty value from which a line may be the payer's (the weak name bar): a
# month it names by its name counts for the voucher only then — „Zahnbehandlung Mai“
# from one patient is no rival of every other patient's invoice of May at the
# practice's price (held-out statement files seed 3350)
PAYER_PLAUSIBLE = 0.4


def names_a_deposit(cols: TxnColumns, rows: IntArray) -> BoolArray:
    """Per row, whether its purpose names a deposit (:data:`DEPOSIT`)."""
    out: BoolArray = (cols.keys.purpose_marks[rows] & _DEPOSIT_MARKS) != 0
    at = np.flatnonzero(out)
    texts = cols.remittances
    out[at] = [DEPOSIT.search(texts[row]) is not None for row in rows[at].tolist()]
    return out


def cadence(gap_days: int) -> str | None:
    """monthly / quarterly / yearly for the distance of two equal payments."""
    if 26 <= gap_days <= 35:
        return "monthly"
    if 84 <= gap_days <= 96:
        return "quarterly"
    if 358 <= gap_days <= 372:
        return "yearly"
    return None


class TextPeriods:
    """The months and quarters a list of texts names, from their period tokens
    (``periods.period_tokens``; as stored with the lines, ``KeyColumns.periods_of``):
    ``text_of`` the position of each token's text, ascending, each text's tokens in
    their order."""

    __slots__ = ("_months", "_named", "_quarters")

    def __init__(self, text_of: IntArray, tokens: IntArray) -> None:
        kind, code = token_parts(tokens)
        by_name = kind == MONTH_NAMED
        month = (kind != QUARTER) & ~by_name
        # (text position, code, named on its own) of each month, in the order named
        self._months = (text_of[month], code[month], kind[month] == MONTH_ALONE)
        self._quarters = (text_of[kind == QUARTER], code[kind == QUARTER])
        # (text position, month 0–11) of each month named by its name, without a year
        self._named = (text_of[by_name], code[by_name])

    @classmethod
    def of_texts(cls, texts: Sequence[str]) -> TextPeriods:
        """The periods the ``texts`` name, read from them."""
        return cls(*period_tokens(list(texts)))

    def own(
        self, text_of: IntArray, voucher_day: IntArray, names: BoolArray | None = None
    ) -> BoolArray:
        """Per pair (the position of its text, its voucher's day): whether
        :func:`period_in_text` finds the voucher's month or quarter in the text; a
        month named by its name counts for the pairs ``names`` holds (None: all)."""
        # months since year 0 of the voucher dates: (year * 12 + month - 1)
        months = (voucher_day - _EPOCH_ORDINAL).astype("datetime64[D]")
        months = months.astype("datetime64[M]").astype(np.int64) + 1970 * 12
        at, codes, _ = self._months
        named = is_member(text_of * _PERIODS + months, at * _PERIODS + codes)
        at, codes = self._quarters
        if at.size:
            named |= is_member(text_of * _PERIODS + months // 3, at * _PERIODS + codes)
        at, codes = self._named
        if at.size:  # the voucher's month by its name, whichever year
            by_name = is_member(text_of * 12 + months % 12, at * 12 + codes)
            named |= by_name if names is None else by_name & names
        return named

    def naming(self) -> IntArray:
        """The positions of the texts naming a month (on its own or in a date) or a
        quarter (a month by its name alone is not read as another period's)."""
        return distinct(np.concatenate((self._months[0], self._quarters[0])))

    def others(self, asked: IntArray) -> dict[int, str]:
        """For the texts ``asked`` about (positions), the period
        :func:`other_period_in_text` names where the voucher's is not among them: the
        first month named on its own, else the first quarter; texts naming none are
        left out."""
        out: dict[int, str] = {}
        at, codes, alone = self._months
        wanted = np.flatnonzero(alone & is_member(at, asked))
        for text, code in zip(at[wanted].tolist(), codes[wanted].tolist(), strict=True):
            if text not in out:
                out[text] = month_label(code)
        at, codes = self._quarters
        wanted = np.flatnonzero(is_member(at, asked))
        for text, code in zip(at[wanted].tolist(), codes[wanted].tolist(), strict=True):
            if text not in out:
                out[text] = quarter_label(code)
        return out


def periods_named(texts: Sequence[str], text_of: IntArray, voucher_day: IntArray) -> BoolArray:
    """Per pair (the position of its text in ``texts``, its voucher's day): whether
    :func:`period_in_text` finds the voucher's month or quarter in the text."""
    return TextPeriods.of_texts(texts).own(text_of, voucher_day)


def recurring(past: Sequence[tuple[int, int]], day: int, bank: int) -> str | None:
    """The reason code of a line (booked on ``day``, ``bank`` cents) whose amount a known
    payer paid before (``past``: (day, cents) of its linked lines) at a monthly,
    quarterly or yearly distance; None otherwise."""
    gaps = [abs(day - d) for d, cents in past if cents == bank and d != day]
    found = cadence(min(gaps)) if gaps else None
    return None if found is None else f"recurring:{found}"


def names_own_period(extra: Sequence[str]) -> bool:
    """Whether extra reason codes say the line names the voucher's month or quarter."""
    return any(code.startswith("period:") for code in extra)


# a month named this far from the day a line was booked is no period the line pays
_PERIOD_REACH_MONTHS = 12


def names_a_far_period(
    extra: Sequence[str], payment: ExpectedPayment, text: str, booking_day: int, months: int
) -> bool:
    """Whether extra reason codes say the line names only another period
    (``period_other``) ``months`` or more from the voucher's month and from the month
    the line was booked in (:func:`months_away`), and its purpose (``text``) does not
    write the voucher number, line breaks and spaces aside: „UMBUCHUNG 02/2024“ booked
    in October pays February's, not October's invoice of its amount (held-out
    synthetic seeds 3310, 3311, 3331); „Rg.Nr. 202⏎4/2030“ is the number 2024/2030
    broken over two lines, read as April 2030 (3305, 3336). Rent invoiced at the end
    of the month before names the next month, a settlement the year's last month two
    months on: near. A month more than ``_PERIOD_REACH_MONTHS`` from the booking is
    digits, not a period anyone pays („KASSENZEICHEN 5.2026.928718.1“ booked in June
    2024, held-out scenario seeds 3319 and 3332)."""
    for code in extra:
        if code.startswith("period_other:"):
            label = code.partition(":")[2]
            voucher_day = payment.voucher_date.toordinal()
            booked_away = months_away(label, booking_day)
            away = min(months_away(label, voucher_day), booked_away)
            if away < months or booked_away > _PERIOD_REACH_MONTHS:
                return False
            return compact_identifier(payment.voucher_number) not in compact_identifier(text)
    return False


def _recurring(extra: Sequence[str]) -> bool:
    """Whether extra reason codes say a recurring payment of a known payer."""
    return any(code.startswith("recurring:") for code in extra)


def periods_of(extras: Iterable[Sequence[str] | None]) -> IntArray:
    """Per pair, from its extra reason codes: the line names the voucher's period
    (1), only another (2), or none (0)."""
    return np.fromiter(
        (
            1
            if names_own_period(codes or ())
            else 2
            if any(code.startswith("period_other:") for code in codes or ())
            else 0
            for codes in extras
        ),
        np.int64,
    )


class _CheapColumns(NamedTuple):
    """The features of the pairs that need neither text nor names, as columns (``bank``:
    the row's remaining amount, ``booking``: its day, ``kind``: positions in
    ``AMOUNT_KINDS``)."""

    bank: IntArray
    amount: FloatArray
    kind: IntArray
    delta: IntArray
    booking: IntArray
    days: IntArray
    date: FloatArray
    penalty: FloatArray

    def take(self, keep: BoolArray) -> _CheapColumns:
        """The pairs where ``keep`` holds."""
        return _CheapColumns._make(column[keep] for column in self)


class _Judged(NamedTuple):
    """The text and name features per pair (``extra``: position → codes, where any;
    tuples, as a suggestion's features hold them). ``hits`` holds the weak reference
    hits; what a hit of the scan (``strong``) found is read only for the suggestions
    built (:meth:`FeatureContext._strong_hit`): it is said, never scored."""

    reference: FloatArray
    hits: list[str | None]
    counterparty: FloatArray
    evidence: list[str]
    name_strong: BoolArray
    extra: dict[int, tuple[str, ...]]
    strong: BoolArray
    period: IntArray  # from the extra codes (``periods_of``), per pair


class Scored:
    """Scored pairs as columns: state indexes, rows, score, allocated amount, whether
    a person would look at the pair twice (``plausible``: the amount fits or a
    reference hits, and nothing says the payer is someone else), whether it has a
    reference hit and an exact amount, and whether an exact amount and a signal
    identifying the payer (both of which the auto policy asks). The suggestion objects
    are built only for the pairs :meth:`suggestions` is asked about: most scored pairs
    are neither linked nor offered."""

    __slots__ = (
        "_cheap",
        "_columns",
        "_difference",
        "_hit",
        "_identifying",
        "_judged",
        "_reason",
        "_states",
        "_txn_ids",
        "allocated",
        "exact_identifying",
        "exact_reference",
        "pay",
        "period",
        "plausible",
        "rows",
        "score",
    )

    def __init__(
        self,
        states: Sequence[PaymentState],
        columns: StateColumns,
        txn_ids: Sequence[str],
        pay: IntArray,
        rows: IntArray,
        cheap: _CheapColumns,
        judged: _Judged,
        rules: ScoringRules,
        hit: Callable[[PaymentState, int], str],
    ) -> None:
        """``hit``: what a hit of the scan found on a pair (state, row)."""
        self._states, self._columns, self._txn_ids = states, columns, txn_ids
        self._hit = hit
        self._cheap, self._judged = cheap, judged
        self.pay, self.rows = pay, rows
        # the score summed on arrays as :func:`score` sums it
        raw = weighted_sum(
            cheap.amount, judged.reference, judged.counterparty, cheap.date, cheap.penalty, rules
        )
        self.score = np.minimum(1.0, np.maximum(0.0, raw))
        self._identifying = (
            (judged.reference >= 1.0) | (judged.counterparty >= 1.0) | judged.name_strong
        )
        self.allocated = np.minimum(cheap.bank, columns.amounts[pay, 0])
        self._difference = columns.amounts[pay, 0] - self.allocated
        # the reason per kind where the allocation falls short, none where it does not
        self._reason = np.where(self._difference == 0, len(AMOUNT_KINDS), cheap.kind)
        referenced = judged.reference >= 0.5
        self.plausible = ((cheap.amount >= 0.8) | referenced) & (
            (judged.counterparty >= 0.4) | referenced
        )
        self.exact_reference = (judged.reference >= 1.0) & _EXACT_CODES[cheap.kind]
        self.exact_identifying = _EXACT_CODES[cheap.kind] & self._identifying
        self.period = judged.period

    def __len__(self) -> int:
        return int(self.pay.size)

    def payment_ids(self, at: Iterable[int]) -> list[str]:
        """The payment ids of the pairs at ``at``."""
        pay = self.pay
        return [self._states[int(pay[i])].payment.id for i in at]

    def txn_ids(self, at: Iterable[int]) -> list[str]:
        """The transaction ids of the pairs at ``at``."""
        return list(map(self._txn_ids.__getitem__, self.rows[np.fromiter(at, np.int64)].tolist()))

    def suggestions(self, at: IntArray) -> list[Suggestion]:
        """The suggestions of the pairs at ``at``, in that order, built column by
        column."""
        cheap, judged = self._cheap, self._judged
        pay = self.pay[at]
        positions = at.tolist()
        owners = list(map(self._states.__getitem__, pay.tolist()))
        hits = list(map(judged.hits.__getitem__, positions))
        for i in np.flatnonzero(judged.strong[at]).tolist():
            hits[i] = self._hit(owners[i], int(self.rows[positions[i]]))
        features = named_tuples(
            MatchFeatures,
            zip(
                cheap.amount[at].tolist(),
                judged.reference[at].tolist(),
                judged.counterparty[at].tolist(),
                cheap.date[at].tolist(),
                cheap.penalty[at].tolist(),
                map(AMOUNT_KINDS.__getitem__, cheap.kind[at].tolist()),
                cheap.delta[at].tolist(),
                cheap.days[at].tolist(),
                hits,
                map(judged.evidence.__getitem__, positions),
                self._identifying[at].tolist(),
                self._columns.anchored[pay].tolist(),
                map(judged.extra.get, positions, repeat(())),
                strict=True,
            ),
        )
        reasons = [difference_reason(kind, 1) for kind in AMOUNT_KINDS] + [None]
        return named_tuples(
            Suggestion,
            zip(
                map(attrgetter("payment.id"), owners),
                map(self._txn_ids.__getitem__, self.rows[at].tolist()),
                self.score[at].tolist(),
                self.allocated[at].tolist(),
                self._difference[at].tolist(),
                map(reasons.__getitem__, self._reason[at].tolist()),
                features,
                repeat(None, len(positions)),  # not of a collective group
                strict=True,
            ),
        )


_IDENTIFIER_KNOWN = (1.0, "identifier_known", True)
# the evidence of a line from an account known or linked for another contact
_OTHER_CONTACTS = "identifier_of_other_contact"
PAYER_KNOWN = (1.0, "payer_known", True)
_EXACT_CODES = np.array([kind.is_exact for kind in AMOUNT_KINDS], dtype=np.bool_)


def pays_the_rest(payment: ExpectedPayment, bank: int) -> bool:
    """Whether a line of ``bank`` cents (not the item's amount exactly) is the rest of
    the payment's voucher: the gross less this item. Such a line pays the voucher's other
    part, never this item: a catering invoice's deposit recorded as paid, the line
    paying the rest weeks later citing the invoice's number was offered for the
    deposit before the deposit's own line (the café, seeds 13, 64 and 777)."""
    return payment.amount_cents < payment.gross_cents and (
        bank == payment.gross_cents - payment.amount_cents
    )


def states_a_later_rate(payment: ExpectedPayment, remittance: str) -> bool:
    """Whether a line's purpose states an instalment beyond the place of the payment,
    a part payment, among its voucher's items („2. Rate ZA-25-0123“ for the rate
    Lexware holds first): it pays a rate the bookkeeper has not entered yet, or one
    entered out of order. The fast path leaves such a pair to full scoring, which
    offers it unless another item of the voucher's amount is open: linked to the first
    rate, the rate's own line (naming no number, on the paid date) would be left, and
    each later rate would take the next one's line (the dental practice of held-out
    seed 17, :func:`decide.rates_in_place`)."""
    return payment.is_part_payment and states_a_rate_beyond_its_place(payment, remittance)


def states_a_rate_beyond_its_place(payment: ExpectedPayment, remittance: str) -> bool:
    """Whether a line's purpose states an instalment beyond the payment's place among
    its voucher's items: for a whole invoice (its first place), a second rate or
    later — „Rate 2 Rechnung Stein“ pays the rate after a first one this invoice has
    not had, the next rate of the patient's invoice before it."""
    rate = stated_rate(remittance)
    return rate is not None and rate - 1 > payment.position


def _longest_first(token: str) -> tuple[int, str]:
    return -len(token), token


def _shortest_first(token: str) -> tuple[int, str]:
    return len(token), token


# what a purpose may name a payment by for a weak reference (:func:`_cited`)
Cited = tuple[str | None, str | None, str | None, str | None]
# what a weak reference counts (:func:`weak_value`): a number, and the day of purchase
_WEAK_NUMBER = 0.5
_WEAK_DAY = 0.75


def weak_value(hit: str | None) -> float:
    """What a weak reference hit (:meth:`FeatureContext.weak_hit`) counts: a customer
    or running number 0.5; the voucher's date as a card payment writes the day of
    purchase 0.75 — from the merchant, for the exact amount, that day is the receipt's
    own (a merchant's receipts of one amount on other days are the other lines); none
    0.0. Neither identifies the payer alone."""
    if hit is None:
        return 0.0
    return _WEAK_DAY if states_a_day(hit) else _WEAK_NUMBER


def states_a_day(hit: str | None) -> bool:
    """Whether a weak reference hit is the voucher's date as the day of purchase."""
    return hit is not None and hit.startswith("date ")


def _cited(payment: ExpectedPayment) -> Cited:
    """What a purpose may name a payment by for a weak reference: the customer number
    (four characters or more), the voucher's running number, and the voucher's date as
    card payments write the day of purchase („KARTENZAHLUNG 2024-10-14“,
    „2024-10-14T09:54 Debitk.7“, „GIROCARD … 14.10.2024 10:55“: a receipt is dated the
    day it was paid)."""
    customer = payment.customer_number
    iso = payment.voucher_date.isoformat()
    return (
        (customer if customer and len(customer) >= 4 else None),
        voucher_short_number(payment.voucher_number),
        iso,
        # the German writing, DD.MM.YYYY, read off the ISO one (``strftime`` is slower)
        f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}",
    )


def _with_extra(extra: Sequence[str], reference: float, name_strong: bool) -> tuple[float, bool]:
    """The reference and the strong-name flag after the extra codes: the voucher's
    month named in the purpose counts as a weak reference, a recurring payment of a
    known payer as a strong name."""
    if reference == 0.0 and names_own_period(extra):
        reference = 0.5
    if _recurring(extra):
        name_strong = True
    return reference, name_strong


def _amounts(
    columns: StateColumns,
    pay: IntArray,
    bank: IntArray,
    rules: ScoringRules,
    instructed: IntArray | None,
) -> tuple[FloatArray, IntArray, IntArray]:
    """:func:`amount_feature` per pair: (value, kind as position in ``AMOUNT_KINDS``,
    delta); the first rule that holds wins, as there. ``instructed``: per pair, the
    amount the payer instructed (``TxnIndex.instructed_of``; None: no line has one)."""
    item = columns.amounts[pay, 0]
    delta = bank - item
    value = np.zeros(pay.size, dtype=np.float64)
    kind = np.full(pay.size, AMOUNT_KINDS.index(AmountKind.OTHER), dtype=np.int64)
    band = (item * rules.band_low_permille <= bank * 1000) & (
        bank * 1000 <= item * rules.band_high_permille
    )
    fee = (-rules.fee_cents <= delta) & (delta < 0)
    rounding = np.abs(delta) <= rules.rounding_cents
    for rule, points, code in (
        (band, 0.3, AmountKind.BAND),
        (fee, 0.8, AmountKind.FEE),
        (rounding, 0.8, AmountKind.ROUNDING),
    ):
        value[rule] = points
        kind[rule] = AMOUNT_KINDS.index(code)
    if instructed is not None:
        kept = instructed - bank
        # ``charges_bound`` per pair
        bound = np.maximum(rules.charges_cents, instructed * rules.charges_permille // 1000)
        charged = (
            (kept > 0) & (kept <= bound) & (columns.amounts[pay] == instructed[:, None]).any(axis=1)
        )
        value[charged] = 1.0
        kind[charged] = AMOUNT_KINDS.index(AmountKind.CHARGES)
    same = columns.amounts[pay] == bank[:, None]
    exact = same.any(axis=1)
    value[exact] = 1.0
    kind[exact] = columns.kinds[pay[exact], same[exact].argmax(axis=1)]
    return value, kind, delta


def named_tuples(cls: type[_Row], rows: Iterable[tuple[Any, ...]]) -> list[_Row]:
    """A named tuple per zipped row of columns (every field given), made by
    ``tuple.__new__`` in C: the generated ``__new__`` and ``_make`` are a Python call
    per object."""
    return list(map(tuple.__new__, repeat(cls), rows))


def name_similarity(a: str, b: str) -> float:
    """0–100 for two normalised names: token sets, then partial matches for cut names
    (:func:`_as_cut`)."""
    best = fuzz.token_set_ratio(a, b)
    if best < 95 and min(len(a), len(b)) >= _PARTIAL_FROM:
        best = max(best, _as_cut(a, b, fuzz.partial_ratio(a, b)))
    return float(best)


def _as_cut(a: str, b: str, partial: float) -> float:
    """``partial`` (the partial ratio of ``a`` and ``b``) where the shorter name is the
    longer one cut short, else 0: it meets the longer one from the start of a word, and
    the words the two hold where they meet begin alike, read from the last („SCHREINEREI
    HOLZMA“ in „SCHREINEREI HOLZMANN“; „M SCHREIBER“ meets „MONIKA SCHREIBER“ at
    „ SCHREIBER“); names of one length are read whole („BERNDB ECK“ typed for „BERND
    BECK“). „JUNG ENGEL“ met „KONTOFUEHRUNG ENTGELT“ inside its words, at 90,
    and a bank's fee line read as a near name of the contact stood beside the
    supplier's transfer naming its invoice (held-out synthetic seed 3103). „WINKLER
    BAU“ met „WINKLER MALERBETRIEB“ at „WINKLER MA“, at 86: another firm's line was the
    rival of the painter's transfer from its account, which the next run linked
    (held-out synthetic seed 3191)."""
    found = fuzz.partial_ratio_alignment(a, b)
    if found is None:  # no alignment: nothing in common
        return 0.0
    longer, start = (b, found.dest_start) if len(a) <= len(b) else (a, found.src_start)
    if not (start == 0 or longer[start - 1] == " " or longer[start] == " "):
        return 0.0
    if len(a) == len(b):  # nothing cut: the partial ratio is the ratio, as typed
        return partial
    mine = a[found.src_start : found.src_end].split()
    theirs = b[found.dest_start : found.dest_end].split()
    # the one with more words meets the other with its last ones
    alike = all(x[0] == y[0] for x, y in zip(reversed(mine), reversed(theirs), strict=False))
    return partial if alike else 0.0


def name_similarities(a: list[str], b: list[str]) -> list[float]:
    """:func:`name_similarity` of ``a[i]`` and ``b[i]`` for every ``i``, in two calls
    into rapidfuzz (the same floats)."""
    if not a:
        return []
    best = process.cpdist(a, b, scorer=fuzz.token_set_ratio, dtype=np.float64, workers=1)
    shortest = np.minimum(
        np.fromiter(map(len, a), np.int64, len(a)), np.fromiter(map(len, b), np.int64, len(b))
    )
    again = np.flatnonzero((best < 95) & (shortest >= _PARTIAL_FROM))
    if again.size:
        partial = process.cpdist(
            [a[i] for i in again.tolist()],
            [b[i] for i in again.tolist()],
            scorer=fuzz.partial_ratio,
            dtype=np.float64,
            workers=1,
        )
        # only where it raises the pair is it asked where the names meet
        raised = np.flatnonzero(partial > best[again])
        partial[raised] = [
            _as_cut(a[i], b[i], value)
            for i, value in zip(again[raised].tolist(), partial[raised].tolist(), strict=True)
        ]
        best[again] = np.maximum(best[again], partial)
    return list(best.tolist())


def another_legal_form(
    similarity: FloatArray,
    contact: tuple[Sequence[str], IntArray],
    payer: tuple[Sequence[str], IntArray],
    bars: tuple[float, float],
) -> None:
    """In place: a pair at the strong bar (``bars``: ``ScoringRules.name_weak`` and
    ``name_strong``) whose names as written write legal forms of no same kind
    (:func:`legal_forms_differ`: „BUSCH VERLAG AG“ for Verlag Busch GbR) is put just
    below it: another firm of the name, alike but no identifying payer; one between
    the bars just below the weak one: another firm of another name („ENERGIE SIMON
    E.K.“ at 87 for Energie Sommer UG (haftungsbeschränkt) stood as the rival of the
    contact's own transfer, which the next run linked: held-out synthetic seed 3358).
    ``contact`` and ``payer``: distinct names and, per pair, the number of its name
    among them; the forms are read only for the names of pairs at the bars."""
    weak, strong = bars
    at = np.flatnonzero(similarity >= weak)
    if not at.size:
        return
    forms: list[IntArray] = []
    for names, of in (contact, payer):
        asked, where = unique_inverse(of[at])
        found = np.fromiter((legal_forms(names[i]) for i in asked.tolist()), np.int64, asked.size)
        forms.append(found[where])
    first, second = forms
    hit = at[(first != 0) & (second != 0) & ((first & second) == 0)]
    similarity[hit] = np.where(similarity[hit] >= strong, strong - 1, weak - 1)


# how a line from another contact's account names a payment's contact, which then
# offers it (``FeatureContext.short_payment``; the codes of ``_Run._named_otherwise``
# and ``_Run._instalments_named``)
_NAMING_THE_CONTACT = ("family_name:", "contact_in_purpose", "instalment:")


@dataclass(slots=True)
class FeatureContext:
    """Caches per run: normalised texts and names of the transactions that were needed."""

    index: TxnIndex
    params: MatchParams
    # (tenant-currency id, identifier) → contacts that own it (Lexware or learned)
    identifier_owners: Mapping[tuple[int, str], frozenset[str]]
    _texts: dict[int, str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    _similar: dict[tuple[str, str], float] = field(default_factory=dict)
    _counterparty_values: dict[tuple[bool, float | None], tuple[float, str, bool]] = field(
        default_factory=dict
    )
    # date feature per (days, anchored); per state index: the payment's reference tokens
    # and them longest first; per payment id, the numbers it may be cited by (read by
    # the fast path's pairs and by the states alike)
    _dates: dict[tuple[int, bool], float] = field(default_factory=dict)
    _tokens: dict[int, tuple[frozenset[str], list[str]]] = field(default_factory=dict)
    _numbers: dict[str, Cited] = field(default_factory=dict)
    _floor: float = field(init=False)
    _hopeless: bool = field(init=False)

    def __post_init__(self) -> None:
        rules = self.params.rules
        self._floor = self.floor
        # a pair without amount and without a voucher number always stays below the
        # floor (a weak reference counts only next to the amount)
        self._hopeless = rules.weight_counterparty + rules.weight_date < self._floor

    def text(self, row: int) -> str:
        """The remittance normalised."""
        found = self._texts.get(row)
        if found is None:
            found = self._texts[row] = normalise_text(self.index.cols.remittances[row])
        return found

    def names_normalised(self, raw: Sequence[str]) -> list[str]:
        """The names normalised (``normalise_name``), each distinct new one once."""
        names = self._names
        fresh = list(set(raw).difference(names))
        names.update(zip(fresh, normalise_names(fresh), strict=True))
        return list(map(names.__getitem__, raw))

    def _name(self, raw: str) -> str:
        found = self._names.get(raw)
        if found is None:
            found = self._names[raw] = normalise_name(raw)
        return found

    def _numbers_of(self, payment: ExpectedPayment) -> Cited:
        """:func:`_cited` of the payment, once per payment and run."""
        found = self._numbers.get(payment.id)
        if found is None:
            found = self._numbers[payment.id] = _cited(payment)
        return found

    def _reference(self, state: PaymentState, row: int, strong: bool) -> tuple[float, str | None]:
        if strong:
            return 1.0, self._strong_hit(state, row)
        return self._weak_reference(state, row)

    def _strong_hit(self, state: PaymentState, row: int) -> str:
        """What a reference hit of the scan found: the end-to-end id, else the longest
        of the payment's tokens in the purpose (of equal lengths the first in string
        order: a set's order changes with each process's string hashes)."""
        e2e = self.index.cols.end_to_end_ids[row]
        if e2e and e2e in state.payment.references:
            return f"E2E {e2e}"
        spaced = self.text(row)
        glued = None  # read without spaces only when needed
        found = self._tokens.get(state.index)
        if found is None:
            tokens = reference_tokens(state.payment)
            found = self._tokens[state.index] = (tokens, sorted(tokens, key=_longest_first))
        tokens, ordered = found
        for token in ordered:
            if token in spaced:
                return token
            if glued is None:
                glued = "".join(spaced.split())
            if token in glued:
                return token
        return min(tokens, key=_shortest_first)

    def _weak_reference(self, state: PaymentState, row: int) -> tuple[float, str | None]:
        """:func:`weak_value` of what the purpose names of the payment."""
        hit = self._weak_hit(state, row)
        return weak_value(hit), hit

    def _weak_hit(self, state: PaymentState, row: int) -> str | None:
        return self.weak_hit(self._numbers_of(state.payment), row)

    def weak_hits(self, payments: Sequence[ExpectedPayment], rows: IntArray) -> list[str | None]:
        """What a weak reference hit per pair of a payment and a row (None: nothing),
        as scoring reads it (the fast path); read only where the purpose holds one of
        the numbers as written. A payment's numbers are read once however many pairs
        it has."""
        cited = list(map(self._numbers_of, payments))
        out: list[str | None] = [None] * rows.size
        listed = rows.tolist()
        for i in np.flatnonzero(self._as_written(cited, rows)).tolist():
            out[i] = self.weak_hit(cited[i], listed[i])
        return out

    def weak_hit(self, cited: Cited, row: int) -> str | None:
        """The customer number, the short number or the voucher's date (``cited``:
        :func:`_cited`) that the row's purpose names, as the reason says it."""
        raw = self.index.cols.remittances[row]
        customer, short, day, german = cited
        if customer and customer in raw and normalise_text(customer) in self.text(row):
            return f"customer {customer}"
        if short and short in raw and short in text_short_numbers(raw):
            return f"number {short}"
        if day and (day in raw or (german is not None and german in raw)):
            return f"date {day}"
        return None

    def _counterparty(self, state: PaymentState, row: int) -> tuple[float, str, bool]:
        """(value, evidence, name at the strong bar) of the row's payer."""
        known, foreign = self._accounts(state, row)
        if known:
            return _IDENTIFIER_KNOWN
        return self._by_name(state, self.index.cols.names[row], foreign)

    def from_payer(self, state: PaymentState, row: int) -> bool:
        """Whether the line comes from the payment's payer: its known account, a payer
        known from confirmed links, or the contact's name (≥ ``name_strong``)."""
        return self._counterparty(state, row)[2]

    def _accounts(self, state: PaymentState, row: int) -> tuple[bool, bool]:
        """Whether the row's IBAN or creditor id is the payment's (known), or else
        another contact's (foreign)."""
        cols = self.index.cols
        foreign = False
        for ident in (cols.ibans[row], cols.creditors[row]):
            if not ident:
                continue
            if ident in state.identifiers:
                return True, False
            owners = self.identifier_owners.get((state.tenant_currency, ident))
            contact = state.payment.contact_id
            if owners and (contact is None or contact not in owners):
                foreign = True
        return False, foreign

    def _by_name(
        self, state: PaymentState, raw_name: str, foreign: bool
    ) -> tuple[float, str, bool]:
        """:meth:`_counterparty` once the accounts said neither known nor (``foreign``)
        another contact's."""
        similarity: float | None = None
        if not foreign and raw_name:
            name = self._name(raw_name)
            contact_name = state.payment.contact_name
            # a taught payer's name, not another firm's of the name (another legal form)
            if (
                state.payer_names
                and name in state.payer_names
                and not legal_forms_differ(contact_name, raw_name)
            ):
                return PAYER_KNOWN
            contact = self._name(state.payment.contact_name)
            if contact:
                # a contact's payments meet the same payers: each pair of names once
                key = (contact, name)
                similarity = self._similar.get(key)
                if similarity is None:
                    similarity = self._similar[key] = name_similarity(*key)
                weak, strong = self.params.rules.name_weak, self.params.rules.name_strong
                if similarity >= weak and legal_forms_differ(contact_name, raw_name):
                    # another firm: ``another_legal_form``
                    similarity = strong - 1 if similarity >= strong else weak - 1
        return self._valued(foreign, similarity)

    def _valued(self, foreign: bool, similarity: float | None) -> tuple[float, str, bool]:
        """(value, evidence, name at the strong bar) of an account that is another
        contact's or not, and the name similarity (None: nothing to compare)."""
        found = self._counterparty_values.get((foreign, similarity))
        if found is None:
            rules = self.params.rules
            value, evidence = counterparty_feature(
                identifier_known=False,
                identifier_foreign=foreign,
                name_similarity=similarity,
                rules=rules,
            )
            strong = similarity is not None and similarity >= rules.name_strong
            found = self._counterparty_values[(foreign, similarity)] = (value, evidence, strong)
        return found

    def _extra(
        self,
        state: PaymentState,
        row: int,
        day: int,
        bank: int,
        known_payer: bool,
        hints: tuple[bool, str | None, bool] | None = None,
        *,
        payer: bool = True,
    ) -> list[str]:
        """Reason codes beyond the features: recurring payment, period (the voucher's,
        or only another), re-collection (``day``: the row's booking day; ``hints``:
        whether the purpose names the voucher's period, the period it names otherwise
        (:meth:`TextPeriods.others`) and whether the row is a re-collection, when the
        caller knows; ``payer``: whether the line may be the payer's, its counterparty
        at the weak bar — a month named by its name counts only then)."""
        out: list[str] = []
        if known_payer and state.past:
            found = recurring(state.past, day, bank)
            if found is not None:
                out.append(found)
        return out + self._text_codes(row, state.voucher_day, hints, payer=payer)

    def _text_codes(
        self,
        row: int,
        voucher_day: int,
        hints: tuple[bool, str | None, bool] | None,
        *,
        payer: bool = True,
    ) -> list[str]:
        """:meth:`_extra`'s codes read in the purpose: the voucher's period or only
        another, a re-collection (``hints`` and ``payer`` as there)."""
        out: list[str] = []
        raw = self.index.cols.remittances[row]
        if hints is None:
            period = other = None
            if PERIOD_HINT.search(raw):
                period = period_in_text(raw, voucher_day, names=payer)
                other = None if period is not None else first_period(raw)
            recollected = self._recollected(row)
        else:
            own, other, recollected = hints
            period = period_in_text(raw, voucher_day, names=payer) if own else None
        if period is not None:
            out.append(f"period:{period}")
        elif other is not None:
            out.append(f"period_other:{other}")
        if recollected:
            out.append("recollection")
        if self._pays_a_rest(row):
            out.append("batch_item_returned")
        return out

    def _pays_a_rest(self, row: int) -> bool:
        """A batch line some items of which came back, which pays the others
        (``TxnIndex.pair_batch_returns``)."""
        return row in self.index.returned_items and bool(self.index.eligible[row])

    def _recollected(self, row: int) -> bool:
        """A debit collected again after a returned one (found, or said in the purpose)."""
        if row in self.index.recollections:
            return True
        marks = int(self.index.cols.keys.purpose_marks[row])
        return bool(marks & _RECOLLECTION_MARKS and _RECOLLECTION_RE.search(self.text(row)))

    def suggestion(
        self,
        state: PaymentState,
        row: int,
        strong_ref: bool,
        *,
        collective_amount: float | None = None,
    ) -> Suggestion | None:
        """Score one pair; ``None`` when it cannot matter (below every threshold) or a
        tolerance-only candidate has no known payer.

        ``collective_amount`` scores a member of a collective transfer: the amount
        feature then says how well the *group* sums up, and nothing is pruned.
        """
        rules = self.params.rules
        index = self.index
        bank = int(index.remaining[row])
        if collective_amount is None:
            amount, kind, delta = amount_feature(bank, state.amounts, rules, index.instructed(row))
            if amount == 0.0 and not strong_ref and self._hopeless:
                return None  # nothing but the payer and the date left: below every threshold
            if not kind.is_exact and pays_the_rest(state.payment, bank):
                return None
        else:
            amount, kind, delta = collective_amount, AmountKind.COLLECTIVE, 0
        reference, hit = self._reference(state, row, strong_ref)
        if reference < 1.0 and amount == 0.0:
            hit, reference = None, 0.0  # weak references count only next to the amount
        when = self._when(state, row)
        if states_a_day(hit):
            when = self._paid_on_the_day_stated(state, when)
        booking, _, date_value, penalty = when
        if collective_amount is None:
            best_case = weighted_sum(amount, reference, 1.0, date_value, penalty, rules)
            if best_case < self._floor:
                return None  # neither a suggestion nor a runner-up that blocks an auto link
        cp_value, cp_evidence, name_strong = self._counterparty(state, row)
        if collective_amount is None and not kind.is_exact and reference < 1.0 and cp_value < 0.4:
            return None  # tolerance channel: payer must be known
        if (
            collective_amount is None
            and state.anchored
            and booking < state.anchor_day - self.params.exact_days_before
            and not (reference >= 1.0 or cp_value >= 1.0 or name_strong)
        ):
            return None  # long before the paid date: only from an identified payer
        extra: Sequence[str] = ()
        if amount >= 0.8:
            extra = self._extra(
                state, row, booking, bank, cp_value >= 1.0, payer=cp_value >= PAYER_PLAUSIBLE
            )
            reference, name_strong = _with_extra(extra, reference, name_strong)
        return self._suggested(
            state,
            row,
            bank,
            (amount, kind, delta),
            (reference, hit),
            (cp_value, cp_evidence, name_strong),
            when,
            tuple(extra),
        )

    def _suggested(
        self,
        state: PaymentState,
        row: int,
        bank: int,
        amount: tuple[float, AmountKind, int],
        reference: tuple[float, str | None],
        counterparty: tuple[float, str, bool],
        when: tuple[int, int, float, float],
        extra: tuple[str, ...],
        *,
        flat: float | None = None,
        said: bool = True,
    ) -> Suggestion:
        """The pair offered: its features of the ``amount`` (value, kind, delta), the
        ``reference`` (value, hit), the ``counterparty`` (value, evidence, name at the
        strong bar), ``when`` (:meth:`_when`) and the ``extra`` codes; scored
        (or at ``flat``); the bank amount up to the payment's allocated, the difference
        and (``said``) its reason."""
        value, kind, delta = amount
        ref, hit = reference
        cp_value, cp_evidence, name_strong = counterparty
        _, days, date_value, penalty = when
        features = MatchFeatures(
            value,
            ref,
            cp_value,
            date_value,
            penalty,
            kind,
            delta,
            days,
            hit,
            cp_evidence,
            ref >= 1.0 or cp_value >= 1.0 or name_strong,
            state.anchored,
            extra,
        )
        item = state.payment.amount_cents
        allocated = min(bank, item)
        difference = item - allocated
        return Suggestion(
            state.payment.id,
            self.index.cols.ids[row],
            score(features, self.params.rules) if flat is None else flat,
            allocated,
            difference,
            difference_reason(features.amount_kind, difference) if said else None,
            features,
        )

    def _when(self, state: PaymentState, row: int) -> tuple[int, int, float, float]:
        """(booking day, days from the anchor — the booking's or the value date's,
        the nearer —, date feature, early-payment penalty) of a pair."""
        index = self.index
        booking = int(index.day[row])
        anchor = state.anchor_day
        days = booking - anchor
        value_days = int(index.cols.value_day[row]) - anchor
        if abs(value_days) < abs(days):
            days = value_days
        first = index.recollected_from.get(row)
        date_value = self._date(
            days if first is None else int(index.day[first]) - anchor, state.anchored
        )
        penalty = (
            self.params.rules.early_payment_penalty
            if booking < self.params.early_before(state.voucher_day, state.anchor_day)
            and not names_a_deposit(index.cols, np.array([row]))[0]
            else 0.0
        )
        return booking, days, date_value, penalty

    def _paid_on_the_day_stated(
        self, state: PaymentState, when: tuple[int, int, float, float]
    ) -> tuple[int, int, float, float]:
        """``when`` (:meth:`_when`) of a line whose purpose states the voucher's date
        as the day of purchase (a weak reference's „date“ hit: „KARTENZAHLUNG
        2024-10-11“): the date feature read off that day where it is the better, as the
        money moved then whenever the bank booked it. Two card lines of one amount at
        one merchant stating the receipt's day are alike, whichever was booked on that
        day (held-out synthetic seed 3140: the line booked on the day was another
        card's, the receipt's own came five days later)."""
        booking, days, date_value, penalty = when
        stated = self._date(state.voucher_day - state.anchor_day, state.anchored)
        return booking, days, max(date_value, stated), penalty

    def short_payment(
        self,
        state: PaymentState,
        row: int,
        *,
        deposit: bool = False,
        named: tuple[str, ...] = (),
    ) -> Suggestion | None:
        """A line for less than the payment (or up to the fee above) from its payer,
        inside its date window, that the external check (``_Run._exist_wider``) found
        where nothing else is offered for the payment: a fee or a deduction kept back,
        a part payment. Offered for a person to judge, with what tells the payer (the
        number in the purpose, the account, the name) and by how much it falls short
        (``short_payment``), at the suggestion threshold, the lowest score a suggestion
        has — its amount earns no points, and the payer and the date alone would often
        leave it below —: never linked automatically nor confirmed in bulk („Alle
        sicheren Vorschläge“ need 0.75), whatever else the pair shows.

        ``None`` where only the name tells the payer and the line pays less than half
        the payment: such a line is more likely another of the payer's transactions
        (their own bank's charges, a tax payment under the same name) than this
        voucher's; the payment stays open for a person to search. ``None`` too for a
        line from an account known for several contacts (a central settlement office,
        a parent company): it tells no one voucher's payer; nor for a line from another
        contact's account that names nothing of the payment (the account tells the payer
        before the name does, as in full scoring) — unless its holder bears the
        contact's family name or its purpose names the contact (``named``:
        ``family_name:``, ``contact_in_purpose``, ``instalment:``): a family's account
        pays its members' invoices, known by the first it paid („Jäger, Marie-Luise“ for
        Anja, then for Lena Jäger: held-out scenario seed 3018); a partner's pays her
        own and his („Rate 1 Rechnung Pfeiffer“ from M. Kaiser, a patient herself: 3112).

        ``deposit``: the line names a deposit („Anzahlung“) and was booked before the
        payment's date window (the invoice written after it): offered as such
        (``deposit``), also for less than half the payment (a deposit often is).
        ``named``: how a line of the payment's amount from another payer names the
        payment (``_Run._named_otherwise``: the contact in the purpose, the contact's
        family name as the account holder's, the voucher number typed wrongly), or a
        line for less states an instalment and names the contact
        (``_Run._instalments_named``), the codes it is offered with; also for less than
        half the payment (a first rate often is)."""
        if self._several_owners(state, row):
            return None
        rules = self.params.rules
        bank = int(self.index.remaining[row])
        item = state.payment.amount_cents
        strong = row in self.index.hits_by_payment.get(state.index, ())
        reference = self._reference(state, row, strong)
        counterparty = self._counterparty(state, row)
        if (
            reference[0] == 0.0
            and counterparty[0] < 1.0
            and 2 * bank < item
            and not deposit
            and not named
        ):
            return None
        if (
            reference[0] == 0.0
            and counterparty[1] == _OTHER_CONTACTS
            and not any(code.startswith(_NAMING_THE_CONTACT) for code in named)
        ):
            return None  # another contact's account, naming this contact nowhere
        # a stated instalment says itself why the line is for less
        short = bank < item and not any(code.startswith("instalment:") for code in named)
        # what the difference is, the person says: no „Teilzahlung“ said for a short one
        return self._suggested(
            state,
            row,
            bank,
            amount_feature(bank, state.amounts, rules, self.index.instructed(row)),
            reference,
            counterparty,
            self._when(state, row),
            ("deposit",) * deposit + named + ("short_payment",) * short,
            flat=rules.suggest_threshold,
            said=not short,
        )

    def _several_owners(self, state: PaymentState, row: int) -> bool:
        """Whether the row's IBAN or creditor id is known for more than one contact."""
        cols = self.index.cols
        return any(
            len(self.identifier_owners.get((state.tenant_currency, ident), ())) > 1
            for ident in (cols.ibans[row], cols.creditors[row])
            if ident
        )

    def suggestions(
        self,
        states: Sequence[PaymentState],
        columns: StateColumns,
        pay: IntArray,
        rows: IntArray,
        strong: BoolArray,
    ) -> Scored:
        """:meth:`suggestion` for many pairs (state index, row, reference hit) at once:
        the pairs that matter, in the given order, with their suggestions.

        The features are columns over the pairs: the amount, date and penalty on
        arrays, then the pairs whose best case (with the best reference each could have)
        stays below the floor are dropped before the texts are read; the text and name
        features run per pair (per row or per pair of names where they repeat) on what
        is left, each step dropping what the scalar path drops there.
        """
        cheap = self._cheap(columns, pay, rows)
        other = np.flatnonzero(~_EXACT_CODES[cheap.kind])
        if other.size:
            payments = map(attrgetter("payment"), map(states.__getitem__, pay[other].tolist()))
            rest = np.fromiter(
                map(pays_the_rest, payments, cheap.bank[other].tolist()), np.bool_, other.size
            )
            if rest.any():
                keep = np.ones(pay.size, dtype=np.bool_)
                keep[other[rest]] = False
                pay, rows, strong, cheap = pay[keep], rows[keep], strong[keep], cheap.take(keep)
        may_cite = self._may_cite(states, pay[~strong & (cheap.amount != 0.0)])
        citing = ~strong & (cheap.amount != 0.0) & may_cite[pay]
        bound = np.where(strong, 1.0, np.where(citing, _WEAK_DAY, 0.0))
        # the best date a weak reference may give (the day it states)
        at_best = cheap.date.copy()
        at_best[citing] = np.maximum(at_best[citing], self._stated_dates(columns, pay[citing]))
        keep = self._best_case(cheap._replace(date=at_best), bound) >= self._floor
        if self._hopeless:
            keep &= (cheap.amount != 0.0) | strong
        pay, rows, strong, cheap = pay[keep], rows[keep], strong[keep], cheap.take(keep)
        weak = np.flatnonzero(~strong & (cheap.amount != 0.0) & may_cite[pay])
        weak = weak[self._cited_as_written(states, pay[weak], rows[weak])]
        reference, hits = self._references(states, pay, rows, strong, weak)
        dated = weak[[states_a_day(hits[i]) for i in weak.tolist()]]
        cheap.date[dated] = np.maximum(cheap.date[dated], self._stated_dates(columns, pay[dated]))
        keep = self._best_case(cheap, reference) >= self._floor
        pay, rows, cheap, reference = pay[keep], rows[keep], cheap.take(keep), reference[keep]
        strong = strong[keep]
        hits = list(compress(hits, keep.tolist()))
        counterparty, evidence, name_strong = self._counterparties(states, pay, rows)
        identified = (reference >= 1.0) | (counterparty >= 1.0) | name_strong
        # tolerance channel: the payer must be known; booked long before the paid date
        # (entered weeks late): identified
        keep = (_EXACT_CODES[cheap.kind] | (reference >= 1.0) | (counterparty >= 0.4)) & (
            identified
            | ~columns.anchored[pay]
            | (cheap.booking >= columns.anchor[pay] - self.params.exact_days_before)
        )
        kept = keep.tolist()
        pay, rows, cheap = pay[keep], rows[keep], cheap.take(keep)
        reference, counterparty, name_strong, strong = (
            reference[keep],
            counterparty[keep],
            name_strong[keep],
            strong[keep],
        )
        hits, evidence = list(compress(hits, kept)), list(compress(evidence, kept))
        extra = self._extras(states, columns, pay, rows, cheap, counterparty)
        period = np.zeros(pay.size, dtype=np.int64)
        if extra:
            # :func:`_with_extra` on arrays: the voucher's month named counts as a weak
            # reference, a recurring payment of a known payer as a strong name
            at = np.fromiter(extra, np.int64, len(extra))
            period[at] = periods_of(extra.values())
            recurring = np.fromiter(map(_recurring, extra.values()), np.bool_, len(extra))
            own = np.flatnonzero(period == 1)
            reference[own[reference[own] == 0.0]] = 0.5
            name_strong[at[recurring]] = True
        return Scored(
            states,
            columns,
            self.index.cols.ids,
            pay,
            rows,
            cheap,
            _Judged(reference, hits, counterparty, evidence, name_strong, extra, strong, period),
            self.params.rules,
            self._strong_hit,
        )

    def _cited_as_written(
        self, states: Sequence[PaymentState], pay: IntArray, rows: IntArray
    ) -> BoolArray:
        """:meth:`_as_written` of the states ``pay`` (their numbers read by
        :meth:`_may_cite`)."""
        numbers_of = self._numbers_of
        return self._as_written([numbers_of(states[p].payment) for p in pay.tolist()], rows)

    def _as_written(self, cited: list[Cited], rows: IntArray) -> BoolArray:
        """Per pair, whether the purpose holds the customer number, the short number or
        the date the payment may be cited by (``cited``: :func:`_cited`) as written: a
        weak reference's first test: one pass over the pairs, each stopping at the
        first found (a third of the time of a pass per number over the pairs still
        open, at full scale)."""
        texts = map(self.index.cols.remittances.__getitem__, rows.tolist())
        return np.fromiter(
            (
                (customer is not None and customer in text)
                or (short is not None and short in text)
                or (iso is not None and iso in text)
                or (german is not None and german in text)
                for (customer, short, iso, german), text in zip(cited, texts, strict=True)
            ),
            np.bool_,
            rows.size,
        )

    def _may_cite(self, states: Sequence[PaymentState], asked: IntArray) -> BoolArray:
        """Per state, whether a purpose may name it by a number for a weak reference;
        read only for the states ``asked`` about (the others: False)."""
        out = np.zeros(len(states), dtype=np.bool_)
        which = distinct(asked)
        numbers_of = self._numbers_of
        out[which] = np.fromiter(
            (any(numbers_of(states[p].payment)) for p in which.tolist()), np.bool_, which.size
        )
        return out

    def early_penalties(
        self, rows: IntArray, voucher_day: IntArray, anchor: IntArray
    ) -> FloatArray:
        """The early-payment penalty per pair (its row, voucher day and anchor): booked
        before :meth:`MatchParams.early_before` — but for a line naming a deposit
        („Anzahlung Feier 19.05.“, „Vorkasse“), which is paid before the invoice is
        written by its nature (the café's deposits of held-out statement files seeds
        3344, 3626 and 3750 ranked below a later line of another amount)."""
        early = self.index.day[rows] < self.params.early_before(voucher_day, anchor)
        at = np.flatnonzero(early)
        if at.size:
            early[at] = ~names_a_deposit(self.index.cols, rows[at])
        return np.where(early, self.params.rules.early_payment_penalty, 0.0)

    def _cheap(self, columns: StateColumns, pay: IntArray, rows: IntArray) -> _CheapColumns:
        """The features that need neither text nor names, per pair."""
        rules = self.params.rules
        index = self.index
        anchor = columns.anchor[pay]
        bank = index.remaining[rows]
        amount, kind, delta = _amounts(columns, pay, bank, rules, index.instructed_of(rows))
        booking = index.day[rows]
        days = booking - anchor
        value_days = index.cols.value_day[rows] - anchor
        days = np.where(np.abs(value_days) < np.abs(days), value_days, days)
        penalty = self.early_penalties(rows, columns.voucher_day[pay], anchor)
        date_value = self.dates_of(_from_first(index, rows, days, anchor), columns.anchored[pay])
        return _CheapColumns(bank, amount, kind, delta, booking, days, date_value, penalty)

    def _stated_dates(self, columns: StateColumns, pay: IntArray) -> FloatArray:
        """Per pair, the date feature of a line paid on its state's voucher date, the
        day a card payment states (:meth:`_paid_on_the_day_stated`)."""
        return self.dates_of(columns.voucher_day[pay] - columns.anchor[pay], columns.anchored[pay])

    def _best_case(self, cheap: _CheapColumns, reference: FloatArray) -> FloatArray:
        """The score with a perfect counterparty, uncapped."""
        return weighted_sum(
            cheap.amount, reference, 1.0, cheap.date, cheap.penalty, self.params.rules
        )

    def _references(
        self,
        states: Sequence[PaymentState],
        pay: IntArray,
        rows: IntArray,
        strong: BoolArray,
        weak: IntArray,
    ) -> tuple[FloatArray, list[str | None]]:
        """(value, what a weak reference hit) per pair: a hit of the scan is 1.0 (what
        it found is read for the suggestions built, ``Scored``); a weak reference counts
        :func:`weak_value` (looked for at the positions ``weak``: only next to an
        amount)."""
        value = np.where(strong, 1.0, 0.0)
        hits: list[str | None] = [None] * pay.size
        found = list(
            map(self._weak_hit, map(states.__getitem__, pay[weak].tolist()), rows[weak].tolist())
        )
        for i, hit in zip(weak.tolist(), found, strict=True):
            hits[i] = hit
        value[weak] = [weak_value(hits[i]) for i in weak.tolist()]
        return value, hits

    def _counterparties(
        self, states: Sequence[PaymentState], pay: IntArray, rows: IntArray
    ) -> tuple[FloatArray, list[str], BoolArray]:
        """(value, evidence, name at the strong bar) per pair, as :meth:`_counterparty`
        gives them: the accounts are read only for the rows whose IBAN or creditor id a
        payment wants or a contact owns; the rest by name (:meth:`_named`). The outcome
        is looked up once per distinct (account, similarity)."""
        if not pay.size:
            return np.zeros(0), [], np.zeros(0, dtype=np.bool_)
        # per pair: the payment's own account (2), another contact's (1), neither (0)
        account = np.zeros(pay.size, dtype=np.int64)
        identified = self.index.identified
        listed, pays = rows.tolist(), pay.tolist()
        at = np.arange(pay.size) if identified is None else np.flatnonzero(identified[rows])
        account[at] = [
            2 if known else int(elsewhere)
            for known, elsewhere in (
                self._accounts(states[pays[i]], listed[i]) for i in at.tolist()
            )
        ]
        similarity, payer_known = self._named(states, pay, rows, np.flatnonzero(account == 0))
        sims, inverse = np.unique(similarity, return_inverse=True)
        # 3: a payer the contact's confirmed links taught
        codes, back = unique_inverse(inverse * 4 + np.where(payer_known, 3, account))
        listed_sims = sims.tolist()
        table = [self._outcome(code % 4, listed_sims[code // 4]) for code in codes.tolist()]
        value, evidence, name_strong = zip(*table, strict=True)
        return (
            np.asarray(value, dtype=np.float64)[back],
            list(map(evidence.__getitem__, back.tolist())),
            np.asarray(name_strong, dtype=np.bool_)[back],
        )

    def _outcome(self, code: int, similarity: float) -> tuple[float, str, bool]:
        """:meth:`_counterparty`'s answer for an account code of :meth:`_counterparties`
        and a name similarity (negative: nothing compared)."""
        if code == 2:
            return _IDENTIFIER_KNOWN
        if code == 3:
            return PAYER_KNOWN
        return self._valued(code == 1, None if similarity < 0 else similarity)

    def _named(
        self, states: Sequence[PaymentState], pay: IntArray, rows: IntArray, judged: IntArray
    ) -> tuple[FloatArray, BoolArray]:
        """Per pair, the similarity of the payer's name to the contact's (-1: not
        compared) and whether a confirmed link of the contact taught the payer's name;
        for the ``judged`` pairs whose line has a payer name. A name is read and
        normalised once per distinct name (by its key) or state, the pairs carry numbers
        of names, and a pair of names is compared once (all new pairs in one call)."""
        similarity = np.full(pay.size, -1.0)
        payer_known = np.zeros(pay.size, dtype=np.bool_)
        # the distinct payer names (by their keys, ``line_keys``), each read once
        judged_rows = rows[judged]
        _, first, row_at = np.unique(
            self.index.cols.keys.name[judged_rows], return_index=True, return_inverse=True
        )
        row_at = row_at.reshape(-1)
        raw = list(map(self.index.cols.names.__getitem__, judged_rows[first].tolist()))
        distinct_pays, pay_at = unique_inverse(pay[judged])
        owners = list(map(states.__getitem__, distinct_pays.tolist()))
        contacts = list(map(attrgetter("payment.contact_name"), owners))
        normal = self.names_normalised([*raw, *contacts])
        numbers: dict[str, int] = {}  # normalised name → a number of its own
        fresh_number = count()
        payers = normal[: len(raw)]
        payer = np.fromiter(map(numbers.setdefault, payers, fresh_number), np.int64, len(raw))
        contact = np.fromiter(
            map(numbers.setdefault, normal[len(raw) :], fresh_number),
            np.int64,
            len(contacts),
        )[pay_at]
        payer = payer[row_at]
        named = np.fromiter(map(bool, raw), np.bool_, len(raw))[row_at]
        taught = np.fromiter(
            map(bool, map(attrgetter("payer_names"), owners)), np.bool_, len(owners)
        )
        asked = np.flatnonzero(named & taught[pay_at])
        known = np.zeros(judged.size, dtype=np.bool_)
        # a taught payer's name, not another firm's of the name (another legal form)
        known[asked] = [
            payers[r] in owners[o].payer_names and not legal_forms_differ(contacts[o], raw[r])
            for o, r in zip(pay_at[asked].tolist(), row_at[asked].tolist(), strict=True)
        ]
        payer_known[judged[known]] = True
        width = len(raw) + len(contacts)
        compared = named & ~known & (contact != numbers.get("", -1))
        keys, inverse = unique_inverse(contact[compared] * width + payer[compared])
        spelled_at = {number: name for name, number in numbers.items()}
        pairs = [(spelled_at[k // width], spelled_at[k % width]) for k in keys.tolist()]
        similar = self._similar
        new = [key for key in pairs if key not in similar]
        similar.update(
            zip(new, name_similarities([a for a, _ in new], [b for _, b in new]), strict=True)
        )
        values = np.fromiter(map(similar.__getitem__, pairs), np.float64, len(pairs))[inverse]
        # the names as written: another firm of the name under another legal form
        another_legal_form(
            values,
            (contacts, pay_at[compared]),
            (raw, row_at[compared]),
            (self.params.rules.name_weak, self.params.rules.name_strong),
        )
        similarity[judged[compared]] = values
        return similarity, payer_known

    def _extras(
        self,
        states: Sequence[PaymentState],
        columns: StateColumns,
        pay: IntArray,
        rows: IntArray,
        cheap: _CheapColumns,
        counterparty: FloatArray,
    ) -> dict[int, tuple[str, ...]]:
        """:meth:`_extra` of the pairs with an amount ≥ 0.8 that have any (position →
        codes; ``counterparty``: the pairs' counterparty values). The periods each line
        names and its marks are read from its keys (the periods then looked up per
        pair); only a purpose marked with a word of a re-collection is read."""
        known_payer = counterparty >= 1.0
        payer = counterparty >= PAYER_PLAUSIBLE
        wanted = np.flatnonzero(cheap.amount >= 0.8)
        inverse, period, other, others, recollected = self._line_hints(
            rows[wanted], columns.voucher_day[pay[wanted]], payer[wanted]
        )
        rest = self._rests(rows[wanted])
        # a known payer's recurring payments: only where the contact has a past
        recurring = known_payer[wanted]
        at = np.flatnonzero(recurring)
        recurring[at] = [bool(states[p].past) for p in pay[wanted[at]].tolist()]
        more = recollected[inverse] | recurring | rest
        out: dict[int, tuple[str, ...]] = {}
        # only another period named: one code, said the same for every pair of the line
        alone = np.flatnonzero(other & ~more)
        for i, j in zip(wanted[alone].tolist(), inverse[alone].tolist(), strict=True):
            out[i] = (f"period_other:{others[j]}",)
        look = np.flatnonzero(period | more)
        picked = wanted[look]
        for i, p, row, day, bank, known, may_pay, hints in zip(
            picked.tolist(),
            pay[picked].tolist(),
            rows[picked].tolist(),
            cheap.booking[picked].tolist(),
            cheap.bank[picked].tolist(),
            known_payer[picked].tolist(),
            payer[picked].tolist(),
            zip(
                period[look].tolist(),
                [
                    others[j] if o else None
                    for j, o in zip(inverse[look].tolist(), other[look].tolist(), strict=True)
                ],
                recollected[inverse[look]].tolist(),
                strict=True,
            ),
            strict=True,
        ):
            codes = self._extra(states[p], row, day, bank, known, hints, payer=may_pay)
            if codes:
                out[i] = tuple(codes)
        return out

    def _rests(self, rows: IntArray) -> BoolArray:
        """Per pair whether its line pays a batch's rest (:meth:`_pays_a_rest`)."""
        returned = self.index.returned_items
        if not returned:
            return np.zeros(rows.size, dtype=np.bool_)
        lines = np.fromiter(returned, np.int64, len(returned))
        return is_member(rows, lines[self.index.eligible[lines]])

    def _line_hints(
        self, rows: IntArray, voucher_day: IntArray, payer: BoolArray
    ) -> tuple[IntArray, BoolArray, BoolArray, dict[int, str], BoolArray]:
        """What :meth:`_extra` reads of the lines of pairs (``rows``, their vouchers'
        days; ``payer``: whether each line may be its payer's) besides the payer: per
        pair the position of its line among the distinct ones and whether the purpose
        names the voucher's month or quarter (``period``; by the month's name only
        where the line may be the payer's) or only another one (``other``: the period
        per line position, ``others``); per line whether it is a re-collection. The
        periods and marks are read from the lines' keys; only a purpose marked with a
        word of a re-collection is read."""
        lines, inverse = unique_inverse(rows)
        inverse = inverse.reshape(-1)
        keys = self.index.cols.keys
        periods = TextPeriods(*keys.periods_of(lines))
        period = periods.own(inverse, voucher_day, payer)
        # a line naming only another period than the voucher's is said so, and is no
        # competitor of a line naming the voucher's own (``auto_decisions``)
        other = ~period & is_member(inverse, periods.naming())
        others = periods.others(distinct(inverse[other]))
        other &= is_member(inverse, np.fromiter(others, np.int64, len(others)))
        recollected = is_member(lines, np.fromiter(self.index.recollections, np.int64))
        hinted = (keys.purpose_marks[lines] & _RECOLLECTION_MARKS) != 0
        for j in np.flatnonzero(hinted & ~recollected).tolist():
            recollected[j] = self._recollected(int(lines[j]))
        return inverse, period, other, others, recollected

    def link_extras(
        self,
        rows: IntArray,
        voucher_day: IntArray,
        recurrences: Sequence[str | None],
        payer: BoolArray,
    ) -> list[tuple[str, ...]]:
        """:meth:`_extra`'s codes of pairs (the fast path's links): a recurring payment
        (``recurrences``: per pair its code, :func:`recurring`, or None), the voucher's
        period or another named, a re-collection (``payer``: per pair whether its
        counterparty is at the weak bar, as :meth:`_extra` reads it)."""
        inverse, period, other, others, recollected = self._line_hints(rows, voucher_day, payer)
        out: list[tuple[str, ...]] = [()] * rows.size
        found = np.fromiter(map(is_not, recurrences, repeat(None)), np.bool_, rows.size)
        found |= self._rests(rows)
        for i in np.flatnonzero(found | period | other | recollected[inverse]).tolist():
            j = int(inverse[i])
            code = recurrences[i]
            hints = (bool(period[i]), others[j] if other[i] else None, bool(recollected[j]))
            texts = self._text_codes(int(rows[i]), int(voucher_day[i]), hints, payer=bool(payer[i]))
            out[i] = tuple(texts if code is None else [code, *texts])
        return out

    def _date(self, days: int, anchored: bool) -> float:
        found = self._dates.get((days, anchored))
        if found is None:
            found = self._dates[(days, anchored)] = date_feature(
                days, anchored=anchored, rules=self.params.rules
            )
        return found

    def dates_of(self, days: IntArray, anchored: BoolArray) -> FloatArray:
        """The date feature per pair, computed once per distinct (days, anchored) by
        the scalar function (the same floats to the last bit)."""
        distinct, inverse = unique_inverse(days * 2 + anchored)
        values = [self._date(key >> 1, bool(key & 1)) for key in distinct.tolist()]
        return np.asarray(values, dtype=np.float64)[inverse]

    @property
    def floor(self) -> float:
        """Pairs whose best case stays below this can be dropped safely."""
        rules = self.params.rules
        return min(rules.suggest_threshold, rules.auto_threshold - rules.margin)


def _from_first(index: TxnIndex, rows: IntArray, days: IntArray, anchor: IntArray) -> IntArray:
    """The days from the anchor the date feature reads per pair: for a line collecting
    again what came back, those of the returned line (the money was first collected
    then, as Lexware's paid date says; the same day distance for the old and the new
    line)."""
    again = index.recollected_from
    if not again:
        return days
    lines = np.fromiter(again, np.int64, len(again))
    order = np.argsort(lines)
    at, which = find_sorted(rows, lines[order])
    if not at.size:
        return days
    firsts = np.fromiter(again.values(), np.int64, len(again))[order]
    out = days.copy()
    out[at] = index.day[firsts[which]] - anchor[at]
    return out
