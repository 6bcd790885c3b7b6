"""Payouts of payment providers: one credit pays several sales minus the provider's fee.

SumUp, PayPal, Stripe, Amazon and the like collect the sales and pay them out in one
transfer, keeping their fee. The sales of a payout are consecutive: the provider pays
what came in since the last payout. So for a payout line the engine looks at the open
sales of the payer's contact (known or learned account, or the provider's name in the
contact) booked in the two weeks before it, sorted by date, and takes the runs from the
oldest open sale on whose sum exceeds the payout by no more than the provider's fee.
Exactly one such run is linked automatically when the payer is known by its account and
every earlier payout of the run was linked; otherwise the shortest fitting run is
suggested; each
sale is allocated its amount minus its share of the fee (reason ``payout_fee``).

Any other payer whose purpose states the fee it kept ("Auszahlung … Umsatz 02.01.2024
abzgl. Entgelte 3,33", "abzgl. Gebühr 82,42": card terminals, billing services) is read
the same way with that fee to the cent: the run must sum to the payout plus the stated
fee, and its sales must be its contact's (by account, or the contact named as the payer).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import NamedTuple

from belegsync.domain.matching import AmountKind, DifferenceReason, ExpectedPayment, Suggestion
from belegsync.domain.matching_text import normalise_name, stated_fee, written_day
from belegsync.matching.candidates import PaymentState, TxnIndex, is_booked
from belegsync.matching.collective import CollectiveGroup, fee_shares
from belegsync.matching.features import FeatureContext
from belegsync.matching.line_marks import PROVIDERS, Provider
from belegsync.matching.params import MatchParams
from belegsync.matching.payer_names import same_payer

__all__ = [
    "payout_groups",
    "provider_of",
    "sales_days",
    "sold_on_other_days",
    "teaches_payer",
]


_LOOKBACK_DAYS = 14
_SAME_NAME = 95.0  # the contact named as the payer, as for an identifying payer name
# the days of the sales a payout pays, as a card terminal's payout states them
_SALES_DAYS = re.compile(
    r"\bUms(?:ä|ae|a)tz(?:e)?\s+(?:vom\s+)?(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?"
    r"(?:\s*(?:-|bis)\s*(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}))?(?!\d)",
    re.IGNORECASE,
)


# a payout pays the sales of at most a month
_MOST_SALES_DAYS = 31


def provider_of(name: str, purpose: str) -> Provider | None:
    """The payment provider a credit comes from, by its payer name or purpose."""
    text = f"{name} {purpose}".upper()
    for provider in PROVIDERS:
        if provider.marker in text:
            return provider
    return None


def is_payout(name: str, purpose: str) -> bool:
    """Whether a credit line is read as a payout: a payment provider's (named as the
    payer or in the purpose), or a payer's stating the fee it kept ("abzgl. Entgelte
    3,33"). A purpose saying "abzgl." without an amount ("Zahlung abzgl. Reklamation")
    states no fee: a customer's deduction, no payout."""
    return provider_of(name, purpose) is not None or bool(name and stated_fee(purpose) is not None)


def sales_days(purpose: str) -> tuple[int, int] | None:
    """The first and last day (ordinals) of the sales a payout's purpose says it pays
    ("Umsatz 02.01.2024", "Umsatz 02.03.-03.03.2024", "Umsätze vom 29.12. bis
    02.01.2025"), if it states them with a year."""
    found = _SALES_DAYS.search(purpose.replace("\n", " "))
    if found is None:
        return None
    day, month, year, last_day, last_month, last_year = found.groups()
    last_year = last_year or year
    if last_year is None:
        return None
    try:
        last = written_day(last_day or day, last_month or month, last_year)
        first = written_day(day, month, year or last_year)
    except ValueError:
        return None
    if first > last and year is None:  # "29.12.-02.01.2025": the year before
        first = first.replace(year=first.year - 1)
    if not 0 <= (last - first).days <= _MOST_SALES_DAYS:
        return None
    return first.toordinal(), last.toordinal()


def sold_on_other_days(payment: ExpectedPayment, purpose: str) -> bool:
    """Whether a payout's purpose states the days of the sales it pays („Umsatz
    26.03.2024“) and the payment's voucher is dated on none of them: its amount met the
    payout's by chance (the fee kept off other days' sales). Offered, never linked: the
    café's card sales of 28 March (449,19 €) were linked to the payout of 26 March's
    (453,45 € less 4,26 €), and 25 May's to 29–30 May's (held-out seeds 1141, 1161)."""
    days = sales_days(purpose)
    return days is not None and not days[0] <= payment.voucher_date.toordinal() <= days[1]


def teaches_payer(contact_name: str, name: str, purpose: str) -> bool:
    """Whether a line linked to a contact's voucher may teach its account and payer name
    as the contact's: not when its payer name or purpose names a payment provider — that
    account pays out (or collects) for everyone who pays that way — unless the contact
    itself is every provider the line names (Amazon as a supplier: its account is its
    own); nor when its purpose states a kept fee (a billing service paying out for
    many patients) unless the contact is the payer itself."""
    text = f"{name} {purpose}".upper()
    named = [p.marker for p in PROVIDERS if p.marker in text]
    if stated_fee(purpose) is not None and not same_payer(contact_name, name, _SAME_NAME):
        return False
    if not named:
        return True
    contact = contact_name.upper()
    return all(marker in contact for marker in named)


def _fee_fits(total: int, payout: int, count: int, provider: Provider) -> bool:
    fee = total - payout
    limit = total * provider.fee_permille_max // 1000 + provider.fee_fixed_max_cents * count
    return 0 < fee <= limit + 1


def _runs(
    pool: Sequence[PaymentState], payout: int, provider: Provider
) -> list[tuple[PaymentState, ...]]:
    """Runs from the oldest open sale on (providers pay out first in, first out) whose
    sum is the payout plus a plausible fee."""
    found: list[tuple[PaymentState, ...]] = []
    for start in range(min(1, len(pool))):
        total = 0
        for end in range(start, len(pool)):
            total += pool[end].payment.amount_cents
            if total - payout > total * provider.fee_permille_max // 1000 + 50_000:
                break
            if _fee_fits(total, payout, end - start + 1, provider):
                found.append(tuple(pool[start : end + 1]))
    return found


def _runs_to(pool: Sequence[PaymentState], total: int) -> list[tuple[PaymentState, ...]]:
    """The runs of consecutive open sales that sum to ``total`` exactly, from any sale
    on (a sale the provider paid out with an earlier, unlinked payout may still be
    open before them)."""
    found: list[tuple[PaymentState, ...]] = []
    for start in range(len(pool)):
        running = 0
        for end in range(start, len(pool)):
            running += pool[end].payment.amount_cents
            if running == total:
                found.append(tuple(pool[start : end + 1]))
            if running >= total:
                break
    return found


def _choose(
    runs: Sequence[tuple[PaymentState, ...]], payout: int, provider: Provider
) -> tuple[tuple[PaymentState, ...], bool]:
    """The run to link, and whether it is clear: the only one that fits, or the only
    one whose fee is the provider's standard fee (within 0.1 %)."""
    if len(runs) == 1:
        return runs[0], True
    ranked = sorted(runs, key=lambda run: (_off(run, payout, provider), len(run)))
    best = ranked[0]
    total = sum(s.payment.amount_cents for s in best)
    off = _off(best, payout, provider)
    clear = provider.typical_basis_points > 0 and off <= 1 + total // 1000
    return best, clear and _off(ranked[1], payout, provider) > 5 * off + 100


def _off(run: tuple[PaymentState, ...], payout: int, provider: Provider) -> int:
    """How far the fee a run leaves is from the provider's standard fee, in cents."""
    total = sum(s.payment.amount_cents for s in run)
    return abs(total - payout - provider.typical_fee(total, len(run)))


def payout_groups(
    states: Sequence[PaymentState],
    ctx: FeatureContext,
    rows: Iterable[int],
    open_payment: Callable[[int], bool],
    rejected: Collection[tuple[str, str]],
    params: MatchParams,
) -> list[CollectiveGroup]:
    """Payout lines and the one consecutive run of sales each pays, if unique."""
    index = ctx.index
    cols = index.cols
    sales: dict[int, list[PaymentState]] = {}
    for state in states:
        if open_payment(state.index) and state.part % 2 == 0:
            sales.setdefault(state.part, []).append(state)
    groups: list[CollectiveGroup] = []
    claimed: set[int] = set()
    broken: set[tuple[int, str]] = set()

    def read(row: int) -> _Reading | None:
        """What the payout on ``row`` reads of the open sales not claimed yet."""
        part = int(index.part[row])
        if part % 2 != 0:
            return None  # payouts are credits
        if not is_payout(cols.names[row], cols.remittances[row]):
            return None
        provider = provider_of(cols.names[row], cols.remittances[row])
        fee_stated = None if provider is not None else stated_fee(cols.remittances[row])
        if provider is None:
            provider = Provider(cols.names[row].replace(":", " "), "", 0, 0)
        day = int(index.day[row])
        txn_id = cols.ids[row]
        ident = cols.ibans[row] or cols.creditors[row]
        # a stated fee: the sales by their own date (the paid date entered in Lexware
        # may follow the payout)
        sold = attrgetter("anchor_day" if fee_stated is None else "voucher_day")
        # the days of the sales it pays, where the purpose states them: only sales
        # vouchers of those days (``sold_on_other_days``)
        days = sales_days(cols.remittances[row])
        candidates = [
            s
            for s in sales.get(part, ())
            if day - _LOOKBACK_DAYS <= sold(s) < day
            and (days is None or days[0] <= s.voucher_day <= days[1])
            and s.index not in claimed
            and (s.payment.id, txn_id) not in rejected
        ]
        by_account = [s for s in candidates if ident and ident in s.identifiers]
        if fee_stated is None:
            by_name = [
                s for s in candidates if provider.marker in normalise_name(s.payment.contact_name)
            ]
        else:  # the contact is the payer itself
            by_name = [
                s
                for s in candidates
                if same_payer(s.payment.contact_name, cols.names[row], _SAME_NAME)
            ]
        pool = by_account or by_name
        if not pool:
            return None
        pool.sort(key=lambda s: (sold(s), s.payment.id))
        payout = int(index.remaining[row])
        runs = (
            _runs(pool, payout, provider)
            if fee_stated is None
            else _runs_to(pool, payout + fee_stated)
        )
        chain = (part, ident or provider.marker)
        return _Reading(provider, fee_stated, bool(by_account), pool, payout, runs, chain)

    for row in _in_payout_order(rows, index, cols.ids, read):
        reading = read(row)
        if reading is None:
            continue
        provider, fee_stated, by_account, pool, payout, runs, chain = reading
        if not runs:
            broken.add(chain)  # later payouts may start from the wrong sale
            if fee_stated is not None:
                short = _short_of_days(ctx, row, pool, payout + fee_stated, fee_stated, provider)
                if short is not None:
                    groups.append(short)
            continue
        members, unique = _choose(runs, payout, provider)
        if not unique:
            broken.add(chain)
        fee = sum(s.payment.amount_cents for s in members) - payout
        suggestions = _suggestions(ctx, row, members, fee, provider)
        if suggestions is None:
            continue
        if unique:
            claimed.update(s.index for s in members)
        auto = (
            unique
            # the payer known by its account; or, the fee stated to the cent, named
            and (by_account or fee_stated is not None)
            and (chain not in broken or fee_stated is not None)
            and is_booked(index, row)
            and not params.shadow_mode
        )
        groups.append(
            CollectiveGroup(
                row=row,
                members=tuple(s.index for s in members),
                suggestions=tuple(suggestions),
                auto=auto,
            )
        )
    return groups


class _Reading(NamedTuple):
    """What a payout line reads of the open sales (``payout_groups``): the provider,
    the fee its purpose states, whether the pool is the payer's by account, the pool
    by date, the payout, the runs that fit, and the chain of the payer's payouts."""

    provider: Provider
    fee_stated: int | None
    by_account: bool
    pool: list[PaymentState]
    payout: int
    runs: list[tuple[PaymentState, ...]]
    chain: tuple[int, str]


def _in_payout_order(
    rows: Iterable[int],
    index: TxnIndex,
    ids: Sequence[str],
    read: Callable[[int], _Reading | None],
) -> Iterator[int]:
    """The payout lines by day; of one day's, first the one a run of the open sales
    fits best, as the sales were read when it is asked for (``read``): the run's fee
    nearest the provider's standard fee (``_off``); then the next. A provider paying
    out several times a day (weekend sales) pays them first in, first out, and the
    lines' ids (random in the store) say nothing of that order. Before, a day's later
    payout read first found no run from the oldest open sale, and every payout of the
    provider after it was only offered."""
    by_day: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        by_day[int(index.day[row])].append(row)
    for day in sorted(by_day):
        pending = sorted(by_day[day], key=ids.__getitem__)
        while pending:
            row = pending[0]
            if len(pending) > 1:
                fitting = [
                    (min(_off(run, found.payout, found.provider) for run in found.runs), k)
                    for k, r in enumerate(pending)
                    if (found := read(r)) is not None and found.runs
                ]
                row = pending[min(fitting)[1]] if fitting else row
            pending.remove(row)
            yield row


def _short_of_days(
    ctx: FeatureContext,
    row: int,
    pool: Sequence[PaymentState],
    covers: int,
    fee: int,
    provider: Provider,
) -> CollectiveGroup | None:
    """A payout stating the days of its sales ("Umsatz 02.03.-03.03.2024") that no run
    of open sales makes: the sales of those days, where they are less than it covers —
    a day's sales voucher is missing in Lexware. Offered, never linked, with what is
    missing (``payout_short``): the client writes the missing day's voucher."""
    days = sales_days(ctx.index.cols.remittances[row])
    if days is None:
        return None
    first, last = days
    members = [s for s in pool if first <= s.voucher_day <= last]
    present = sum(s.payment.amount_cents for s in members)
    if not members or present >= covers:
        return None
    # the stated fee as far as these sales bear it
    share = fee * present // covers
    suggestions = _suggestions(
        ctx, row, members, share, provider, (f"payout_short:{covers - present}",)
    )
    if suggestions is None:
        return None
    members_at = tuple(s.index for s in members)
    return CollectiveGroup(row=row, members=members_at, suggestions=tuple(suggestions), auto=False)


def _suggestions(
    ctx: FeatureContext,
    row: int,
    members: Sequence[PaymentState],
    fee: int,
    provider: Provider,
    more: tuple[str, ...] = (),
) -> list[Suggestion] | None:
    txn_id = ctx.index.cols.ids[row]
    out: list[Suggestion] = []
    codes = (f"payout:{provider.name}:{len(members)}", *more)
    for state, share in zip(members, fee_shares(members, fee), strict=True):
        base = ctx.suggestion(state, row, False, collective_amount=0.8)
        if base is None:
            return None
        features = base.features._replace(
            amount_kind=AmountKind.NET_OF_FEE,
            amount_delta_cents=-fee,
            extra=(*base.features.extra, *codes),
        )
        out.append(
            base._replace(
                txn_id=txn_id,
                allocated_cents=state.payment.amount_cents - share,
                difference_cents=share,
                difference_reason=DifferenceReason.PAYOUT_FEE,
                collective_group=txn_id,
                features=features,
            )
        )
    return out
