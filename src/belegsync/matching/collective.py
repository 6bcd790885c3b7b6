"""One transfer paying several vouchers (1 bank → n vouchers).

1. The voucher numbers found in the purpose form the set. An exact signed sum (credit
   notes count negatively) with every number hit may be confirmed automatically; a sum
   within tolerance is a suggestion.
2. Otherwise a bounded subset sum over the hit items, or over the open items of the
   contact the payer's IBAN/creditor id belongs to, in the window: suggestion only, and
   only when exactly one subset fits (fewest items first).
3. A known payer's purpose that lists the running numbers of its open vouchers
   ("Rg 774, 781, 792, 803", "Kd 4471 Rechnungen 8 17 24", "RE FB-25-01321/01329"):
   the vouchers whose number is cited form the set, booked from their voucher date
   on (a bookkeeper who enters the payments monthly leaves Lexware's paid date weeks
   after the bank's); their exact sum is linked automatically.
4. A transfer for several members of one family ("Rechnungen Sabine und Monika Böhm",
   paid by "Böhm, Björn"): the open items of contacts of one family name, which the
   payer name or the purpose names, whose only combination makes the line: a
   suggestion.
5. A line announcing how many items it pays ("SEPA-B2B-SAMMLER … ANZAHL 3", "6 Rechnungen
   abzgl. Gebühr 68,07") whose count of open items, of any contact, dated before it
   (and not after a stated submission day, "Einreichung vom 25.01.2024"), sums exactly
   to the line (plus a stated fee) in one way only: a suggestion. The lines are read
   oldest first; what an earlier line's only combination holds is not in a later one's.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from operator import attrgetter

import numpy as np

from belegsync.domain.matching import DifferenceReason, Suggestion
from belegsync.domain.matching_score import collective_auto_failures
from belegsync.domain.matching_text import (
    family_name,
    family_word,
    normalise_name,
    stated_fee,
    voucher_short_number,
    written_day,
)
from belegsync.matching.candidates import PaymentState, TxnIndex, is_booked
from belegsync.matching.columns import IntArray
from belegsync.matching.features import FeatureContext
from belegsync.matching.params import MatchParams

__all__ = [
    "CollectiveGroup",
    "announced_count",
    "collectives_by_contact",
    "collectives_by_family",
    "collectives_from_references",
    "counted_groups",
    "fee_shares",
    "names_a_group",
    "running_numbers_cited",
]

_NO_OWNERS: Mapping[tuple[int, str], frozenset[str]] = {}
_NO_NAMED: Mapping[int, frozenset[str]] = {}
_DIGITS = re.compile(r"[0-9]+")
# dates and amounts in a purpose ("vom 12.03.2024", "abzgl. 2% Skonto 12,34"): their
# digits cite no voucher
_NOT_NUMBERS = re.compile(
    r"(?<![0-9])[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{4}|[0-9]{2})(?![0-9])"
    r"|[0-9.]+,[0-9]{2}(?![0-9])|[0-9]+ ?%"
)
# at most this many cited vouchers are combined (a purpose lists a week's invoices)
_MAX_CITED = 12
# a line announcing how many items it pays: "SEPA-B2B-SAMMLER … ANZAHL 3" (a firm's own
# collection booked as one line), "Auszahlung … 3 Rechnungen abzgl. Gebühr 68,07"
_COUNT = re.compile(
    r"\bANZAHL\s*:?\s*(\d{1,3})\b"
    r"|\b(\d{1,3})\s+(?:RECHNUNGEN|POSTEN|BELEGE|LASTSCHRIFTEN|ZAHLUNGEN|TRANSAKTIONEN)\b"
    # one item, in the singular; "Rate 1 Rechnung Kaya" names an instalment, no count
    r"|(?<!RATE )\b(1)\s+(?:RECHNUNG|POSTEN|BELEG|LASTSCHRIFT|ZAHLUNG|TRANSAKTION)\b",
    re.IGNORECASE,
)
# the day a billing service's payout says the items were handed in ("Einreichung vom
# 25.01.2024"): none of them is dated after it
_SUBMITTED = re.compile(
    r"\bEINREICHUNG\s+(?:VOM\s+)?([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4}|[0-9]{2})(?![0-9])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class CollectiveGroup:
    """Members of one transfer with their suggestions; ``auto`` if confirmable."""

    row: int
    members: tuple[int, ...]
    suggestions: tuple[Suggestion, ...]
    auto: bool


def announced_count(purpose: str) -> int | None:
    """How many items a line says it pays ("ANZAHL 3", "8 Rechnungen", a billing
    service's "1 Rechnung abzgl. Gebühr 82,42"), when it says one or more. Only the lines
    found by ``line_marks.COUNT_MARKERS`` or read as payouts are asked."""
    found = _COUNT.search(purpose.replace("\n", " "))
    if found is None:
        return None
    count = int(found[1] or found[2] or found[3])
    return count if count >= 1 else None


def submission_day(purpose: str) -> int | None:
    """The day (ordinal) a payout's purpose says its items were handed in ("Einreichung
    vom 25.01.2024"), if it states a valid one."""
    found = _SUBMITTED.search(purpose.replace("\n", " "))
    if found is None:
        return None
    try:
        return written_day(found[1], found[2], found[3]).toordinal()
    except ValueError:
        return None


def _signed(state: PaymentState, part: int) -> int:
    # same direction as the transfer adds, a credit note of the other direction subtracts
    return state.payment.amount_cents if state.part == part else -state.payment.amount_cents


def _unique_subset(
    members: Sequence[PaymentState], target: int, part: int, max_items: int
) -> tuple[PaymentState, ...] | None:
    """The single smallest subset (2..max_items) with the exact signed sum, if unique."""
    for size in range(2, min(max_items, len(members)) + 1):
        found: tuple[PaymentState, ...] | None = None
        for combo in combinations(members, size):
            if sum(_signed(s, part) for s in combo) == target:
                if found is not None:
                    return None  # several subsets fit: suggest nothing
                found = combo
        if found is not None:
            return found
    return None


def fee_shares(members: Sequence[PaymentState], fee: int) -> list[int]:
    """The fee split over the members by amount (the rest of the division to the last)."""
    total = sum(s.payment.amount_cents for s in members)
    shares = [fee * s.payment.amount_cents // total for s in members]
    shares[-1] += fee - sum(shares)
    return shares


def _net_of_fee(
    members: Sequence[PaymentState], suggestions: list[Suggestion], fee: int
) -> list[Suggestion]:
    """The members' suggestions with the payer's fee split over them: each allocated
    its amount minus its share (reason ``payout_fee``)."""
    return [
        suggestion._replace(
            allocated_cents=state.payment.amount_cents - share,
            difference_cents=share,
            difference_reason=DifferenceReason.PAYOUT_FEE,
        )
        for state, suggestion, share in zip(
            members, suggestions, fee_shares(members, fee), strict=True
        )
    ]


def _with_code(suggestions: list[Suggestion], code: str) -> list[Suggestion]:
    """The suggestions with one more reason code."""
    return [
        s._replace(features=s.features._replace(extra=(*s.features.extra, code)))
        for s in suggestions
    ]


def _member_suggestion(
    ctx: FeatureContext,
    state: PaymentState,
    row: int,
    group_id: str,
    amount_value: float,
    part: int,
    referenced: bool,
) -> Suggestion | None:
    base = ctx.suggestion(state, row, referenced, collective_amount=amount_value)
    if base is None:
        return None
    return base._replace(
        allocated_cents=_signed(state, part),
        difference_cents=0,
        difference_reason=DifferenceReason.COLLECTIVE,
        collective_group=group_id,
    )


def _group(
    ctx: FeatureContext,
    row: int,
    members: Sequence[PaymentState],
    amount_value: float,
    referenced: Callable[[PaymentState], bool],
) -> list[Suggestion] | None:
    part = int(ctx.index.part[row])
    group_id = ctx.index.cols.ids[row]
    out: list[Suggestion] = []
    for state in members:
        suggestion = _member_suggestion(
            ctx, state, row, group_id, amount_value, part, referenced(state)
        )
        if suggestion is None:
            return None
        out.append(suggestion)
    return out


def names_a_group(index: TxnIndex, row: int, hit: Collection[int]) -> bool:
    """Whether a line's numbers may make a group: two vouchers or more, or any where
    the payer's advice names them (an advice of one invoice states its fee too)."""
    return len(hit) >= 2 or (len(hit) == 1 and bool(index.cols.advised[row]))


def collectives_from_references(
    states: Sequence[PaymentState],
    ctx: FeatureContext,
    rejected: frozenset[tuple[str, str]] | set[tuple[str, str]],
    strong_exact_elsewhere: Mapping[int, set[int]],
    params: MatchParams,
    *,
    rows: Iterable[int] | None = None,
    linked: Collection[int] = frozenset(),
) -> list[CollectiveGroup]:
    """Transfers whose purpose names two or more open vouchers (``rows``: only those
    lines; ``linked``: payments this run linked already, settled as the next run finds
    them)."""
    index = ctx.index
    groups: list[CollectiveGroup] = []
    lookback = params.reference_lookback_days
    hits_by_txn = index.hits_by_txn
    for row, hit in hits_by_txn.items() if rows is None else ((r, hits_by_txn[r]) for r in rows):
        if not names_a_group(index, row, hit):
            continue
        txn_id = index.cols.ids[row]
        part = int(index.part[row])
        tc = part // 2
        day = int(index.day[row])
        members = [
            s
            for s in map(states.__getitem__, sorted(hit))
            if not s.settled
            and s.index not in linked
            and s.tenant_currency == tc
            and abs(day - s.anchor_day) <= lookback
            and (s.payment.id, txn_id) not in rejected
        ]
        vouchers = {s.payment.voucher_id for s in members}
        named = len(members)
        if not vouchers or len(vouchers) != named or (named < 2 and not index.cols.advised[row]):
            continue  # one voucher with several open items: which one is ambiguous
        if not any(s.part == part for s in members):
            continue
        bank = int(index.remaining[row])
        total = sum(_signed(s, part) for s in members)
        rules = params.rules
        exact = total == bank
        fee = 0
        if not exact and part % 2 == 0:
            # a payout naming its invoices and the fee the payer kept (a billing
            # service's, as its advice states it): exact with that fee
            fee = stated_fee(index.cols.remittances[row]) or 0
            exact = fee > 0 and total == bank + fee
            fee = fee if exact else 0
        if not exact:
            tolerant = -rules.fee_cents <= bank - total <= 0 or (
                total * rules.band_low_permille <= bank * 1000 <= total * rules.band_high_permille
            )
            if not tolerant:
                subset = _unique_subset(members, bank, part, params.collective_max_items)
                if subset is None:
                    continue
                members, exact = list(subset), True
        value = 1.0 if exact else 0.8
        suggestions = _group(ctx, row, members, value, lambda _s: True)
        if suggestions is None:
            continue
        if fee:
            suggestions = _net_of_fee(members, suggestions, fee)
        if index.cols.advised[row]:
            suggestions = _with_code(suggestions, f"advice:{len(members)}")
        competing = any(strong_exact_elsewhere.get(s.index, set()) - {row} for s in members)
        failures = collective_auto_failures(
            member_scores=tuple(s.score for s in suggestions),
            exact_sum=exact and len(members) == named,
            all_referenced=True,
            competing=competing,
            booked=is_booked(index, row),
            rules=rules,
            advised=bool(index.cols.advised[row]),
        )
        groups.append(
            CollectiveGroup(
                row=row,
                members=tuple(s.index for s in members),
                suggestions=tuple(suggestions),
                auto=not failures and not params.shadow_mode,
            )
        )
    return groups


def _payers(
    ctx: FeatureContext,
    row: int,
    tc: int,
    linked_owners: Mapping[tuple[int, str], frozenset[str]] = _NO_OWNERS,
) -> tuple[frozenset[str], bool]:
    """The contacts this line comes from, and whether its account pays for several:
    the one contact its IBAN / creditor id or the customer number in the purpose
    names; or, where no customer number names one, the several contacts its account is
    known for or this run linked it to (``linked_owners``) — a central settlement office
    or a parent company paying its members' invoices (``True``); else none."""
    cols = ctx.index.cols
    by_account: set[str] = set()
    for ident in (cols.ibans[row], cols.creditors[row]):
        if ident:
            by_account |= ctx.identifier_owners.get((tc, ident), frozenset())
            by_account |= linked_owners.get((tc, ident), frozenset())
    named = ctx.index.customer_hits.get(row, set())
    owners = by_account | named
    if len(owners) == 1:
        return frozenset(owners), False
    if len(by_account) >= 2 and not named:
        return frozenset(by_account), True
    return frozenset(), False


def states_by_contact(
    states: Sequence[PaymentState],
) -> dict[tuple[int, str], list[PaymentState]]:
    """The states with a contact per (tenant/currency, contact), in their order."""
    out: dict[tuple[int, str], list[PaymentState]] = defaultdict(list)
    for state in states:
        if state.payment.contact_id is not None:
            out[(state.tenant_currency, state.payment.contact_id)].append(state)
    return out


def collectives_by_contact(
    states: Sequence[PaymentState],
    ctx: FeatureContext,
    rows: Iterable[int],
    open_payments: Callable[[int], bool],
    rejected: frozenset[tuple[str, str]] | set[tuple[str, str]],
    params: MatchParams,
    linked_owners: Mapping[tuple[int, str], frozenset[str]] = _NO_OWNERS,
    several: bool = False,
    named_payers: Mapping[int, frozenset[str]] = _NO_NAMED,
    grouped: Mapping[tuple[int, str], Sequence[PaymentState]] | None = None,
    sums_offered: Collection[int] = (),
    of_contacts: Collection[tuple[int, str]] | None = None,
) -> list[CollectiveGroup]:
    """Subset sums over a known payer's open items (1 bank → n vouchers).

    The payer comes from the IBAN / creditor id (known, learned, or linked by this run
    to the contact's other vouchers: ``linked_owners``) or from a customer number in
    the purpose. A unique exact combination over all the payer's open items
    in the window is linked automatically; if the pool had to be cut, it is a
    suggestion; several fitting combinations give nothing. An account that pays for
    several contacts (a central settlement office: "ZR-ZAHLUNG KW 2/2024 … AVIS
    884001") pools their open items; its combination is a suggestion, so its lines are
    read apart (``several``), once the run's links are all made: the pool is then what
    the next run finds. ``named_payers`` (row → contacts) names the payer of a line no
    account or number names, by the contact's name: the vouchers its purpose cites
    may be linked (the caller may offer those too), a combination found by its sum
    is only offered.
    ``grouped``: :func:`states_by_contact` of ``states``, where the caller keeps it.
    ``sums_offered``: rows whose combination found by its sum is only offered — a
    payment provider's payout (``payouts``) pays its sales less its fee, so its
    amount made exactly by some of the channel's open sales is chance: with a year's
    sales open, four of them summed to a Stripe payout to the cent.
    ``of_contacts``: where given, only the lines of these payers (tenant/currency,
    contact) are read.
    """
    index = ctx.index
    by_contact = states_by_contact(states) if grouped is None else grouped
    window = params.unanchored_days_after
    ids = index.cols.ids
    booked = not params.shadow_mode
    # (row, the payer's open items the line may pay) for the lines from a known payer
    lines: list[tuple[int, list[PaymentState]]] = []
    # the rows whose payer only the contact's name tells, and those whose sums are
    # only offered
    by_name: set[int] = set(sums_offered)
    # by day and id: two lines alike take the same items whatever the inputs' order
    for row in sorted(rows, key=lambda r: (int(index.day[r]), ids[r])):
        txn_id = ids[row]
        part = int(index.part[row])
        tc = part // 2
        contacts, for_several = _payers(ctx, row, tc, linked_owners)
        if not contacts and not for_several:
            # a payer known by the contact's name only (``named_payers``)
            contacts = named_payers.get(row, frozenset())
            by_name.add(row)
        if for_several != several or (
            of_contacts is not None and all((tc, c) not in of_contacts for c in contacts)
        ):
            continue
        day = int(index.day[row])
        mine = [
            s
            for contact in sorted(contacts)
            for s in by_contact.get((tc, contact), ())
            if s.part == part
            and open_payments(s.index)
            and day <= max(s.window[1], s.voucher_day + window)
            and (s.payment.id, txn_id) not in rejected
        ]
        if len(mine) >= 2:
            lines.append((row, mine))
    # the lines citing their vouchers' numbers first: what they pay is no one else's
    groups: list[CollectiveGroup] = []
    cited_by: dict[int, int] = {}  # state index → the row citing it
    for row, mine in lines:
        day, amount, part = int(index.day[row]), int(index.remaining[row]), int(index.part[row])
        free = [s for s in mine if s.index not in cited_by]
        cited, whole = _cited(free, index.cols.remittances[row], day, amount, part)
        # a payer only the name tells links what it cites where it pays all of it
        sure = booked and not several and (whole or row not in by_name)
        group = None if cited is None else _payer_group(ctx, row, cited, sure)
        if group is not None:
            groups.append(group)
            cited_by.update((member, row) for member in group.members)
    # then the subset sums over what the cited groups left; a line whose pool was too
    # large to be sure is tried again without the items the sure groups took (as the
    # next run would find its pool), until nothing more is taken
    taken: dict[int, int] = dict(cited_by)
    pending = [(row, mine) for row, mine in lines if row not in set(cited_by.values())]
    while pending:
        unsure: list[tuple[int, list[PaymentState]]] = []
        tentative: list[CollectiveGroup] = []
        for row, mine in pending:
            group, complete = _payer_subset(
                ctx, row, mine, taken, params, booked and not several and row not in by_name
            )
            if group is not None and group.auto:
                groups.append(group)
                taken.update((member, row) for member in group.members)
            elif not complete:
                unsure.append((row, mine))
                if group is not None:
                    tentative.append(group)
            elif group is not None:
                groups.append(group)
        if len(unsure) == len(pending) or not unsure:
            groups += tentative
            break
        pending = unsure
    return groups


def _payer_subset(
    ctx: FeatureContext,
    row: int,
    mine: Sequence[PaymentState],
    taken: Mapping[int, int],
    params: MatchParams,
    booked: bool,
) -> tuple[CollectiveGroup | None, bool]:
    """The unique combination of the payer's open items (``mine`` but those ``taken``)
    inside their windows, written by the line's day, that makes the line, and whether
    the pool was complete (cut at ``collective_max_pool``, the group is a suggestion
    only). An invoice written after the line is none it pays: „Rechnungen KW 3/4“ was
    made by two invoices of the fortnight and one written eleven days later, inside its
    window (a paid date three days after its own), and linked; the fortnight's four
    were linked to „Rechnungen KW 5/6“ the same way (the café of held-out statement
    files seed 3589)."""
    index = ctx.index
    day, part = int(index.day[row]), int(index.part[row])
    pool = [s for s in mine if s.window[0] <= day and s.voucher_day <= day and s.index not in taken]
    if len(pool) < 2:
        return None, True
    pool.sort(key=lambda s: (abs(day - s.anchor_day), s.payment.id))
    complete = len(pool) <= params.collective_max_pool
    pool = pool[: params.collective_max_pool]
    amount = int(index.remaining[row])
    subset = _unique_subset(pool, amount, part, params.collective_max_items)
    how = "collective_payer"
    if subset is None and complete:
        subset = _all_open_before(pool, amount, part, day, params.collective_max_items)
        how = "collective_all_open"
    group = None if subset is None else _payer_group(ctx, row, subset, complete and booked, how)
    return group, complete


def _all_open_before(
    pool: Sequence[PaymentState], amount: int, part: int, day: int, searched: int
) -> tuple[PaymentState, ...] | None:
    """All the payer's open items written before the line's day — else up to it — when
    they are more than a combination is searched for (``searched``) and make its
    amount: a statement of account paid whole, a supplier's fortnightly transfer after
    a holiday skipped one (seven invoices, „Rechnungen KW 45/46“). No other
    combination of them can make it (the amounts are positive)."""
    for last in (day - 1, day):
        items = [s for s in pool if s.voucher_day <= last]
        if len(items) > searched and sum(_signed(s, part) for s in items) == amount:
            return tuple(sorted(items, key=lambda s: (s.voucher_day, s.payment.id)))
    return None


def _payer_group(
    ctx: FeatureContext,
    row: int,
    members: Sequence[PaymentState],
    auto: bool,
    how: str = "collective_payer",
) -> CollectiveGroup | None:
    """The group of a known payer's open items on ``row`` (``None`` when a member's
    pair cannot matter); automatic when ``auto`` and the line is booked; ``how``: the
    reason code saying how the items were found."""
    suggestions = _group(ctx, row, members, 1.0, lambda _s: False)
    if suggestions is None:
        return None
    return CollectiveGroup(
        row=row,
        members=tuple(s.index for s in members),
        suggestions=tuple(_payer_marked(suggestions, how)),
        auto=auto and is_booked(ctx.index, row),
    )


def _payer_marked(suggestions: Iterable[Suggestion], how: str) -> list[Suggestion]:
    """The suggestions with the evidence that the payer's open items were combined."""
    return [
        s._replace(features=s.features._replace(extra=(*s.features.extra, how)))
        for s in suggestions
    ]


def running_numbers_cited(
    states: Sequence[PaymentState], text: str, day: int, amount: int, part: int
) -> bool:
    """Whether the purpose ``text`` of a line (``day``, ``amount``, partition ``part``)
    cites the running numbers of two or more of a payer's open items (``states``) that,
    or exactly one combination of which, make its amount (:func:`_cited`): the line
    names what it pays."""
    return _cited(states, text, day, amount, part)[0] is not None


def _cited(
    states: Sequence[PaymentState], text: str, day: int, amount: int, part: int
) -> tuple[tuple[PaymentState, ...] | None, bool]:
    """The payer's open items whose running number (without leading zeros) the purpose
    cites as a number of its own, booked on or after their voucher date, when they or
    exactly one combination of them make the line's amount: a purpose citing numbers
    names what it pays. With it, whether they are all the items cited."""
    numbers = {run.lstrip("0") for run in _DIGITS.findall(_NOT_NUMBERS.sub(" ", text))}
    if len(numbers) < 2:
        return None, False
    cited = [
        s
        for s in states
        if voucher_short_number(s.payment.voucher_number) in numbers and s.voucher_day <= day
    ]
    if len(cited) < 2 or len(cited) > _MAX_CITED:
        return None, False
    if len({s.payment.voucher_id for s in cited}) != len(cited):
        return None, False  # a voucher with several open items: which one is ambiguous
    if sum(_signed(s, part) for s in cited) == amount:
        return tuple(cited), True
    return _unique_subset(cited, amount, part, len(cited) - 1), False


# a family's open items are combined only where it has at most this many, up to
# ``_MAX_FAMILY_COMBINED`` at a time, and only items one line may pay together (the
# newest voucher date not after the earliest end of their date windows)
_MAX_FAMILY_ITEMS = 24
_MAX_FAMILY_COMBINED = 3


def collectives_by_family(
    states: Sequence[PaymentState],
    ctx: FeatureContext,
    open_payments: Callable[[int], bool],
    rejected: frozenset[tuple[str, str]] | set[tuple[str, str]],
    consumed: Collection[int],
    ranked_by: Mapping[int, int],
) -> list[CollectiveGroup]:
    """Suggestions for a transfer paying the invoices of several members of one family
    (a parent for two children: "Rechnungen Sabine und Monika Böhm" from "Böhm,
    Björn"): open items of at least two contacts of one family name (persons, no
    firms), two or three of them, whose sum a free line booked on or after their
    voucher dates and inside their windows has to the cent, where the line's payer name
    or purpose holds the family name. Where several combinations make the line, the
    one whose persons it names in full (given and family name) is offered, of those
    the one no item of which another free line names by number or is ranked first by
    (Agnieszka König's older invoice of 115,00 € ranking its own line: held-out seed
    2153): a third person's „Rechnungen Renate und Emma Wolff“, where Sabine Wolff's
    invoice has Emma's amount, was offered nowhere and both invoices were listed as
    needing an external transaction (the dental practice of held-out seed 1186);
    „Rechnungen Helga und Wolfgang Mayer“, where Helga's older invoice of the amount
    was named on its own line, the same (1788). A line some combination of two
    families makes, or that a payment outside the combination ranks first
    (``ranked_by``: row → state index) — unless the line names every person of the
    combination in full: „Rechnungen Claudia und Björn Koch“ from „Koch, Mia“ was
    ranked first by a stranger's open invoice of the sum's amount (1645) —, gives
    nothing; so does an item two lines would take.

    Read from the families to the lines: the sums of each family's combinations are
    looked up among the lines' amounts (``TxnIndex.sorted_key``), so a line is read
    only when a combination makes it."""
    index = ctx.index
    cols = index.cols
    families: dict[tuple[int, str], list[PaymentState]] = defaultdict(list)
    family_names: dict[str, str | None] = {}  # a contact's payments repeat its name
    for state in states:
        if not open_payments(state.index) or state.payment.contact_id is None:
            continue
        contact_name = state.payment.contact_name
        if contact_name not in family_names:
            family_names[contact_name] = family_name(contact_name)
        name = family_names[contact_name]
        if name is not None:
            families[(state.part, name)].append(state)
    combos: list[tuple[str, tuple[PaymentState, ...]]] = []
    for (_, name), members in sorted(families.items()):
        if len(members) > _MAX_FAMILY_ITEMS:
            continue
        for size in range(2, min(_MAX_FAMILY_COMBINED, len(members)) + 1):
            for combo in combinations(members, size):
                if len({s.payment.contact_id for s in combo}) >= 2 and max(
                    s.voucher_day for s in combo
                ) <= min(s.window[1] for s in combo):
                    combos.append((name, combo))
    if not combos:
        return []
    keys = np.fromiter(
        ((c[0].part << 40) | sum(s.payment.amount_cents for s in c) for _, c in combos),
        np.int64,
        len(combos),
    )
    lo = index.sorted_key.searchsorted(keys, side="left")
    hi = index.sorted_key.searchsorted(keys, side="right")
    fits: dict[int, list[tuple[str, tuple[PaymentState, ...]]]] = defaultdict(list)
    for j in np.flatnonzero(hi > lo).tolist():
        name, combo = combos[j]
        first = max(s.voucher_day for s in combo)
        last = max(s.window[1] for s in combo)
        for row, day in zip(
            index.sorted_idx_arr[lo[j] : hi[j]].tolist(),
            index.sorted_day_arr[lo[j] : hi[j]].tolist(),
            strict=True,
        ):
            if first <= day <= last and row not in consumed:
                fits[row].append((name, combo))
    groups: list[CollectiveGroup] = []
    used: set[int] = set()
    ranks: dict[int, list[int]] = defaultdict(list)  # state → the lines it ranks first
    for line, p in ranked_by.items():
        ranks[p].append(line)
    for row, found in sorted(fits.items(), key=lambda kv: (int(index.day[kv[0]]), cols.ids[kv[0]])):
        words = set(normalise_name(f"{cols.names[row]} {cols.remittances[row]}").split())
        named = [
            (name, combo) for name, combo in found if all(_persons_words(s) <= words for s in combo)
        ]
        if len(found) != 1:
            # several combinations: the one whose persons the line names in full, given
            # and family name („Rechnungen Renate und Emma Wolff“, not Sabine's invoice
            # of Emma's amount), of items no other free line names by number, nor is
            # ranked first by
            found = named
            if len(found) > 1:
                found = [f for f in found if not _named_elsewhere(index, row, f[1], consumed)]
            if len(found) > 1:
                found = [
                    f
                    for f in found
                    if not any(
                        line != row and line not in consumed
                        for s in f[1]
                        for line in ranks.get(s.index, ())
                    )
                ]
            if len(found) != 1:
                continue
        name, combo = found[0]
        indexes = {s.index for s in combo}
        # a payment outside ranks the line first: not offered, unless the line names
        # every person of the combination in full
        if (_ranked_by_other(row, indexes, ranked_by) and not named) or indexes & used:
            continue
        if name not in words:
            continue
        if any((s.payment.id, cols.ids[row]) in rejected for s in combo):
            continue
        code = "family:" + family_word(combo[0].payment.contact_name).replace(":", "")
        group = _offered(ctx, row, combo, code)
        if group is not None:
            used |= indexes
            groups.append(group)
    return groups


def _named_elsewhere(
    index: TxnIndex, row: int, combo: Iterable[PaymentState], consumed: Collection[int]
) -> bool:
    """Whether another free line than ``row`` names an item of ``combo`` by its number
    (its voucher's, ``TxnIndex.hits_by_payment``): that line's item, not this one's."""
    return any(
        other != row and other not in consumed
        for s in combo
        for other in index.hits_by_payment.get(s.index, ())
    )


def _persons_words(state: PaymentState) -> set[str]:
    """The words of the payment's contact's name as :func:`normalise_name` writes them."""
    return set(normalise_name(state.payment.contact_name).split())


# an announced count up to this many items is combined from pairs of sums met from both
# sides (a pool's square)
_MAX_PAIRED = 4
# a larger count: every subset of each half of a pool of at most this many items, met in
# the middle (2 · 2^13 subsets)
_MAX_SPLIT_POOL = 26
# items dated at most this long before a counted line may be in it
_COUNTED_DAYS = 60
# combinations listed per counted line for the items it may hold
_COUNTED_LISTED = 50
# beyond this many open items the pairs of sums (its square) are not listed: a client
# with thousands of open invoices in two months
_MAX_COUNTED_POOL = 300
# a counted line no one combination makes is given its pool's oldest items, of which at
# most this many may be left out (:func:`_first_combination`)
_FIRST_SLACK = 3
# a day distance beyond any paid date's (an item without one is no nearer than any)
_FAR = 1 << 30
# the counted lines are read at most this many times (again: those whose pool lost an
# item to another line's only combination)
_COUNTED_PASSES = 3


@dataclass(frozen=True, slots=True)
class _Counted:
    """What one counted line was found to hold: its pool, the combinations of it that
    make the line (``None``: the pool is too large to list them), and the members
    offered with how they were told (:func:`_read_counted`)."""

    pool: tuple[PaymentState, ...]
    found: list[frozenset[int]] | None
    covers: int
    members: tuple[PaymentState, ...] | None = None  # ``None``: not told which
    how: str = ""  # "" the only combination, "first" / "oldest" (:func:`_read_counted`)

    def held(self) -> Iterable[int]:
        """The items (state indexes) the line may hold: those of any combination; where
        none makes it (one of its items is not open here: not entered, or linked
        elsewhere) or they cannot be listed, every one of its pool for at most what it
        covers."""
        if not self.found:
            return (s.index for s in self.pool if s.payment.amount_cents <= self.covers)
        return (self.pool[i].index for combo in self.found for i in combo)


def _read_counted(pool: tuple[PaymentState, ...], count: int, covers: int) -> _Counted:
    """Which ``count`` items of ``pool`` a line covering ``covers`` holds:

    * the only combination that makes it;
    * else (amounts from a price list make one sum in several ways, cleanings at the
      house price swap, or too many combinations to list) the oldest open items, up
      to ``_FIRST_SLACK`` of them left out, or else the newest, where one set of
      amounts does it (``first``): a billing service pays a submission of the
      invoices written since the last one, a firm collects the invoices due — in the
      order they were written (:func:`_first_combination`);
    * else, where every combination is made of the same amounts (they differ only in
      which of several vouchers of one amount), the oldest vouchers of each amount
      (``oldest``): the lines are read oldest first, so vouchers of one amount are
      given to them in the order they were written.

    Where none of these tells, no members (``None``)."""
    found = _counted_combinations(pool, count, covers)
    if found is not None and len(found) == 1:
        return _Counted(pool, found, covers, tuple(pool[i] for i in sorted(found[0])))
    if found is not None and not found:
        return _Counted(pool, found, covers)
    first = _first_combination(pool, count, covers)
    if first is not None:
        return _Counted(pool, found, covers, first, "first")
    if found is not None and len(found) < _COUNTED_LISTED and _one_set_of_amounts(pool, found):
        return _Counted(pool, found, covers, _oldest_of_each_amount(pool, found[0]), "oldest")
    return _Counted(pool, found, covers)


def _one_set_of_amounts(pool: Sequence[PaymentState], found: Iterable[Collection[int]]) -> bool:
    """Whether the combinations (positions in ``pool``) are all of the same amounts."""
    return len({tuple(sorted(pool[i].payment.amount_cents for i in c)) for c in found}) == 1


def _oldest_of_each_amount(
    pool: Sequence[PaymentState], combination: Collection[int]
) -> tuple[PaymentState, ...]:
    """The oldest items of ``pool`` of each amount of ``combination`` (positions), as
    many of each as it holds."""
    wanted = Counter(pool[i].payment.amount_cents for i in combination)
    chosen: list[PaymentState] = []
    for state in sorted(pool, key=_age):
        if wanted[state.payment.amount_cents] > 0:
            wanted[state.payment.amount_cents] -= 1
            chosen.append(state)
    return tuple(chosen)


def _first_combination(
    pool: Sequence[PaymentState], count: int, covers: int
) -> tuple[PaymentState, ...] | None:
    """``count`` of the oldest ``count`` + s items of ``pool`` (s up to
    ``_FIRST_SLACK``: open items not handed in, paid another way) that make
    ``covers``, at the least s where one set of amounts does it (of equal amounts the
    oldest); else the same of the newest items (the older ones are left over from
    lines not told, the newest few written after the submission); ``None`` where
    neither does."""
    by_age = sorted(pool, key=_age)
    return _from_window(by_age, count, covers) or _from_window(by_age[::-1], count, covers)


def _from_window(
    ordered: Sequence[PaymentState], count: int, covers: int
) -> tuple[PaymentState, ...] | None:
    """``count`` of the first ``count`` + s items of ``ordered`` that make ``covers``,
    at the least s where any do; ``None`` where none do or several sets of amounts do
    (the s left out are found as a combination of s items, 1–3: pairs of sums)."""
    for slack in range(_FIRST_SLACK + 1):
        if count + slack > min(len(ordered), _MAX_COUNTED_POOL):
            return None
        window = ordered[: count + slack]
        surplus = sum(s.payment.amount_cents for s in window) - covers
        if slack == 0:
            left_outs = [frozenset[int]()] if surplus == 0 else []
        else:
            left_outs = _combinations(window, slack, surplus, _COUNTED_LISTED)
        if not left_outs:
            continue
        if len(left_outs) >= _COUNTED_LISTED:
            return None
        found = [frozenset(range(len(window))) - left_out for left_out in left_outs]
        if not _one_set_of_amounts(window, found):
            return None
        return _oldest_of_each_amount(window, found[0])
    return None


def _age(state: PaymentState) -> tuple[int, str, str]:
    """A voucher's place in the order it was written: its date, then its number."""
    return state.voucher_day, state.payment.voucher_number, state.payment.id


def counted_groups(
    states: Sequence[PaymentState],
    ctx: FeatureContext,
    rows: Mapping[int, tuple[int, int]],
    open_payments: Callable[[int], bool],
    rejected: frozenset[tuple[str, str]] | set[tuple[str, str]],
    ranked_by: Mapping[int, int],
) -> tuple[list[CollectiveGroup], set[int]]:
    """Suggestions for the lines announcing how many items they pay (``rows``: row →
    (count, what the line covers: its amount plus a stated fee)): a combination of
    that many open items of the line's partition, dated on or before it (and not
    after the submission day it states) and within two months, whose sum is what the
    line covers — the only one, or where several are, the one the order the items
    were written in tells (:func:`_read_counted`), of equal prices those marked paid
    nearest to the line; first among the items whose date window holds the line
    (:func:`_read_in_window`). Nothing says whose the items are —
    a firm's own collection, a billing service's payout — so it is never linked
    automatically; a line a payment outside the combination ranks first (``ranked_by``:
    row → state index) is offered nothing, but may still hold its items.

    The lines are read oldest first, the items of one line's combination in no other
    line's pool (a weekly payout's pool holds the weeks before, whose own payouts
    took theirs); the lines whose pool lost an item to a later line's are read again,
    at most ``_COUNTED_PASSES`` times in all. A pool is a slice of the partition's open
    items by voucher date.

    Also returns the open items such a line may hold (state indexes): those in any
    combination that makes it — every one of its pool for at most what it covers, where
    no combination makes it or they cannot be listed — which are not "Externe
    Transaktion erforderlich"."""
    index = ctx.index
    remittances = index.cols.remittances
    # per partition its open items by voucher date, and those dates (a pool is a slice)
    by_part: dict[int, list[PaymentState]] = defaultdict(list)
    for state in sorted(states, key=attrgetter("voucher_day")):
        if open_payments(state.index):
            by_part[state.part].append(state)
    dates = {part: [s.voucher_day for s in items] for part, items in by_part.items()}
    # (day, row, the submission day it states or its own, count, what it covers, line id)
    lines: list[tuple[int, int, int, int, int, str]] = []
    for row, (count, covers) in rows.items():
        day = int(index.day[row])
        submitted = submission_day(remittances[row])
        last = day if submitted is None else min(day, submitted)
        lines.append((day, row, last, count, covers, index.cols.ids[row]))
    lines.sort(key=lambda line: (line[0], line[5]))  # by day and id, not by position
    taken: set[int] = set()  # the items of the only combinations found so far
    outcome: dict[int, _Counted] = {}
    pending = lines
    for _ in range(_COUNTED_PASSES):
        again: list[tuple[int, int, int, int, int, str]] = []
        newly: set[int] = set()
        for line in pending:
            day, row, submitted, count, covers, txn_id = line
            part = int(index.part[row])
            items, days = by_part.get(part, []), dates.get(part, [])
            start = bisect_left(days, day - _COUNTED_DAYS)
            # the items handed in by the day stated first; where they make the line in
            # no one way, every item dated up to the line (a voucher dated after its
            # submission must not be sent to "Externe Transaktion erforderlich")
            for last in dict.fromkeys((submitted, day)):
                pool = tuple(
                    s
                    for s in items[start : bisect_right(days, last)]
                    if s.index not in taken and (s.payment.id, txn_id) not in rejected
                )
                counted = _read_in_window(pool, day, count, covers)
                members = counted.members
                if members is not None:
                    break
            outcome[row] = counted
            if members is None:
                again.append(line)
            else:
                taken.update(s.index for s in members)
                newly.update(s.index for s in members)
        # read again only the lines whose pool lost an item to a new only combination
        pending = [line for line in again if any(s.index in newly for s in outcome[line[1]].pool)]
        if not pending:
            break
    groups: list[CollectiveGroup] = []
    held: set[int] = set()
    for row, counted in sorted(outcome.items()):
        held.update(counted.held())
        members = counted.members
        if members is None or _ranked_by_other(row, {s.index for s in members}, ranked_by):
            continue
        code = ":".join(filter(None, ("counted", str(rows[row][0]), counted.how)))
        group = _offered(ctx, row, members, code)
        if group is not None:
            groups.append(group)
    return groups, held


def _read_in_window(pool: tuple[PaymentState, ...], day: int, count: int, covers: int) -> _Counted:
    """:func:`_read_counted` of the items whose date window holds the line's ``day``
    first (Lexware's paid date near the payout: the person marked them paid when it
    came), then of the whole ``pool``. An item marked paid weeks before the line was
    paid by an earlier one, which no combination told: left in every later pool, it
    made them too large to tell too."""
    near = tuple(s for s in pool if s.window[0] <= day <= s.window[1])
    counted = None
    if len(near) < len(pool) and len(near) >= count:
        counted = _read_counted(near, count, covers)
    if counted is None or counted.members is None:
        counted = _read_counted(pool, count, covers)
    if counted.members is None or not counted.how:
        return counted
    return replace(counted, members=_nearest_of_each_amount(counted.pool, counted.members, day))


def _nearest_of_each_amount(
    pool: Sequence[PaymentState], members: Sequence[PaymentState], day: int
) -> tuple[PaymentState, ...]:
    """``members`` (told by the order the items were written, not by the only
    combination) with each amount's items taken from ``pool`` by how near Lexware's
    paid date lies to the line's ``day``: the same sum, but a voucher of the same price
    handed in a round late, marked paid when its own payout came, gives its place to
    the one marked paid on this payout's day. Where the dates tell nothing (no paid
    date, or as near) the items told stay."""
    told = {s.index for s in members}

    def nearness(state: PaymentState) -> tuple[int, bool, tuple[int, str, str]]:
        away = abs(state.anchor_day - day) if state.anchored else _FAR
        return away, state.index not in told, _age(state)

    wanted = Counter(s.payment.amount_cents for s in members)
    chosen: list[PaymentState] = []
    for state in sorted(pool, key=nearness):
        if wanted[state.payment.amount_cents] > 0:
            wanted[state.payment.amount_cents] -= 1
            chosen.append(state)
    return tuple(sorted(chosen, key=_age))


def _ranked_by_other(row: int, members: Collection[int], ranked_by: Mapping[int, int]) -> bool:
    """Whether a payment outside ``members`` ranks ``row`` first (``ranked_by``: row →
    state index): the line may pay that voucher, so the group is not offered on it."""
    holder = ranked_by.get(row)
    return holder is not None and holder not in members


def _offered(
    ctx: FeatureContext, row: int, members: Sequence[PaymentState], code: str
) -> CollectiveGroup | None:
    """The group of ``members`` on ``row`` as a suggestion, with the reason ``code``:
    the only combination is offered whole, each of its items at least at the suggestion
    threshold (an item whose paid date lies weeks from the line scores less on its date
    alone)."""
    suggestions = _group(ctx, row, members, 1.0, lambda _s: False)
    if suggestions is None:
        return None
    floor = ctx.params.rules.suggest_threshold
    return CollectiveGroup(
        row=row,
        members=tuple(s.index for s in members),
        suggestions=tuple(
            s._replace(
                score=max(s.score, floor),
                features=s.features._replace(extra=(*s.features.extra, code)),
            )
            for s in suggestions
        ),
        auto=False,
    )


def _counted_combinations(
    pool: Sequence[PaymentState], count: int, covers: int
) -> list[frozenset[int]] | None:
    """The combinations (up to ``_COUNTED_LISTED``) of ``count`` items of ``pool`` that
    make ``covers``; ``None`` when the pool is too large to list them."""
    if count <= _MAX_PAIRED and len(pool) <= _MAX_COUNTED_POOL:
        return _combinations(pool, count, covers, _COUNTED_LISTED)
    if len(pool) <= _MAX_SPLIT_POOL:
        amounts = [s.payment.amount_cents for s in pool]
        return _split_combinations(amounts, count, covers, _COUNTED_LISTED)
    return None


def _combinations(
    pool: Sequence[PaymentState], count: int, total: int, limit: int
) -> list[frozenset[int]]:
    """Up to ``limit`` combinations (positions in ``pool``) of ``count`` (1–4) items
    whose amounts sum to ``total``. The sums of all pairs are formed and sorted once on
    arrays and met from both sides (a pair and nothing, one item, or another pair), so
    four items cost the square of the pool, not its fourth power."""
    amounts = np.fromiter((s.payment.amount_cents for s in pool), np.int64, len(pool))
    if count == 1:
        return [frozenset({i}) for i in np.flatnonzero(amounts == total).tolist()][:limit]
    first, second = np.triu_indices(amounts.size, k=1)
    sums = amounts[first] + amounts[second]
    order = np.argsort(sums, kind="stable")
    sorted_sums = sums[order]
    # the other side of a pair: nothing (2), one item (3) or another pair (4)
    if count == 2:
        others: list[tuple[int, ...]] = [()]
        wanted = np.array([total], dtype=np.int64)
    elif count == 3:
        others = [(k,) for k in range(amounts.size)]
        wanted = total - amounts
    else:
        others = list(zip(first.tolist(), second.tolist(), strict=True))
        wanted = total - sums
    lo = sorted_sums.searchsorted(wanted, side="left")
    hi = sorted_sums.searchsorted(wanted, side="right")
    found: dict[frozenset[int], None] = {}
    for j in np.flatnonzero(hi > lo).tolist():
        for at in order[lo[j] : hi[j]].tolist():
            items = frozenset((int(first[at]), int(second[at]), *others[j]))
            if len(items) == count:
                found[items] = None
                if len(found) >= limit:
                    return list(found)
    return list(found)


def _subsets(amounts: Sequence[int], most: int) -> tuple[IntArray, IntArray]:
    """Every subset of ``amounts`` (a bit mask of positions) of at most ``most`` items,
    with its key: item count · 2^40 + sum."""
    masks = np.arange(1 << len(amounts), dtype=np.int64)
    bits = (masks[:, None] >> np.arange(len(amounts), dtype=np.int64)) & 1
    sizes = bits.sum(axis=1)
    keep = sizes <= most
    sums = bits[keep] @ np.asarray(amounts, dtype=np.int64).reshape(-1)
    return masks[keep], (sizes[keep] << 40) + sums


def _split_combinations(
    amounts: Sequence[int], count: int, total: int, limit: int
) -> list[frozenset[int]]:
    """Up to ``limit`` combinations (positions) of ``count`` of the positive ``amounts``
    whose sum is ``total``, of any count: every subset of each half is listed with its
    count and sum, and the halves are met in the middle (a sorted search of the keys
    the other half needs), so a pool of 26 costs two lists of 8,192 subsets, not the
    millions of its combinations."""
    half = len(amounts) // 2
    left, left_keys = _subsets(amounts[:half], count)
    right, right_keys = _subsets(amounts[half:], count)
    order = np.argsort(right_keys, kind="stable")
    right_sorted = right_keys[order]
    wanted = (count << 40) + total - left_keys  # (count − its count) · 2^40 + the rest
    lo = right_sorted.searchsorted(wanted, side="left")
    hi = right_sorted.searchsorted(wanted, side="right")
    found: list[frozenset[int]] = []
    for i in np.flatnonzero((hi > lo) & (left_keys & ((1 << 40) - 1) <= total)).tolist():
        mask = int(left[i])
        mine = [p for p in range(half) if mask >> p & 1]
        for other in right[order[lo[i] : hi[i]]].tolist():
            found.append(
                frozenset(
                    (*mine, *(half + p for p in range(len(amounts) - half) if other >> p & 1))
                )
            )
            if len(found) >= limit:
                return found
    return found
