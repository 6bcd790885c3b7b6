"""Features of a (payment, transaction) pair; rapidfuzz runs only on the few candidates."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from belegsync.domain.matching import AmountKind, MatchFeatures, Suggestion
from belegsync.domain.matching_score import (
    amount_feature,
    counterparty_feature,
    date_feature,
    difference_reason,
    score,
)
from belegsync.domain.matching_text import (
    normalise_name,
    normalise_text,
    text_short_numbers,
)
from belegsync.matching.candidates import PaymentState, TxnIndex
from belegsync.matching.params import MatchParams

__all__ = ["PERIOD_HINT", "FeatureContext", "cadence", "name_similarity", "period_in_text"]

_PERIOD_RE = re.compile(r"(?<![0-9])(0?[1-9]|1[0-2]) ?[/.-] ?(20[0-9]{2})(?![0-9])")
_QUARTER_RE = re.compile(
    r"(?<![0-9A-Z])(?:Q([1-4]) ?/? ?|([1-4])\. ?QUARTAL ?)(20[0-9]{2})(?![0-9])", re.IGNORECASE
)
# cheap checks on the raw text before the exact rules run
PERIOD_HINT = re.compile(r"[0-9] ?[/.-] ?20[0-9]{2}|QUARTAL|Q[1-4]", re.IGNORECASE)
_RECOLLECTION_HINT = re.compile(r"lastschrift|einzug|wiedervorlage", re.IGNORECASE)
_RECOLLECTION_RE = re.compile(
    r"NACH (?:DER )?R(?:UE|U)CKLASTSCHRIFT|WIEDERVORLAGE|ERNEUTE[RN]? EINZUG"
)


def cadence(gap_days: int) -> str | None:
    """monthly / quarterly / yearly for the distance of two equal payments."""
    if 26 <= gap_days <= 35:
        return "monthly"
    if 84 <= gap_days <= 96:
        return "quarterly"
    if 358 <= gap_days <= 372:
        return "yearly"
    return None


def period_in_text(text: str, voucher_day: int) -> str | None:
    """The period the purpose names (``Miete 02/2026``, ``Q1/2026``, ``1. Quartal
    2026``) if it is the month or quarter of the voucher date."""
    month_date = date.fromordinal(voucher_day)
    for m in _PERIOD_RE.finditer(text):
        month, year = int(m.group(1)), int(m.group(2))
        if (year, month) == (month_date.year, month_date.month):
            return f"{month:02d}/{year}"
    quarter = (month_date.month - 1) // 3 + 1
    for m in _QUARTER_RE.finditer(text):
        q, year = int(m.group(1) or m.group(2)), int(m.group(3))
        if (year, q) == (month_date.year, quarter):
            return f"Q{q}/{year}"
    return None


def name_similarity(a: str, b: str) -> float:
    """0–100 for two normalised names: token sets, then partial matches for cut names."""
    best = fuzz.token_set_ratio(a, b)
    if best < 95 and min(len(a), len(b)) >= 6:
        best = max(best, fuzz.partial_ratio(a, b))
    return float(best)


@dataclass(slots=True)
class FeatureContext:
    """Caches per run: normalised texts and names of the transactions that were needed."""

    index: TxnIndex
    params: MatchParams
    # (tenant-currency id, identifier) → contacts that own it (Lexware or learned)
    identifier_owners: Mapping[tuple[int, str], frozenset[str]]
    _texts: dict[int, tuple[str, str]] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    _similar: dict[tuple[str, str], float] = field(default_factory=dict)
    _counterparty_values: dict[tuple[bool, float | None], tuple[float, str]] = field(
        default_factory=dict
    )
    # date feature per (days, anchored); a payment's tokens longest first
    _dates: dict[tuple[int, bool], float] = field(default_factory=dict)
    _longest_first: dict[int, list[str]] = field(default_factory=dict)  # per state index
    _floor: float = field(init=False)
    _hopeless: bool = field(init=False)

    def __post_init__(self) -> None:
        rules = self.params.rules
        self._floor = self.floor
        # a pair without amount and without a voucher number always stays below the
        # floor (a weak reference counts only next to the amount)
        self._hopeless = rules.weight_counterparty + rules.weight_date < self._floor

    def text(self, row: int) -> tuple[str, str]:
        """The remittance normalised, read with spaces and glued."""
        found = self._texts.get(row)
        if found is None:
            spaced = normalise_text(self.index.cols.remittances[row])
            found = self._texts[row] = (spaced, "".join(spaced.split()))
        return found

    def _name(self, raw: str) -> str:
        found = self._names.get(raw)
        if found is None:
            found = self._names[raw] = normalise_name(raw)
        return found

    def _reference(self, state: PaymentState, row: int, strong: bool) -> tuple[float, str | None]:
        cols = self.index.cols
        if strong:
            e2e = cols.end_to_end_ids[row]
            if e2e and e2e in state.payment.references:
                return 1.0, f"E2E {e2e}"
            spaced, glued = self.text(row)
            ordered = self._longest_first.get(state.index)
            if ordered is None:
                ordered = self._longest_first[state.index] = sorted(
                    state.strong_tokens, key=len, reverse=True
                )
            for token in ordered:
                if token in spaced or token in glued:
                    return 1.0, token
            return 1.0, min(state.strong_tokens, key=len)
        raw = cols.remittances[row]
        customer = state.customer_number
        if (
            customer
            and len(customer) >= 4
            and customer in raw
            and normalise_text(customer) in self.text(row)[0]
        ):
            return 0.5, f"customer {customer}"
        short = state.short_number
        if short and short in raw and short in text_short_numbers(raw):
            return 0.5, f"number {short}"
        return 0.0, None

    def _counterparty(self, state: PaymentState, row: int) -> tuple[float, str, bool]:
        rules = self.params.rules
        cols = self.index.cols
        foreign = False
        for ident in (cols.ibans[row], cols.creditors[row]):
            if not ident:
                continue
            if ident in state.identifiers:
                return 1.0, "identifier_known", True
            owners = self.identifier_owners.get((state.tenant_currency, ident))
            contact = state.payment.contact_id
            if owners and (contact is None or contact not in owners):
                foreign = True
        raw_name = cols.names[row]
        if (
            not foreign
            and raw_name
            and state.payer_names
            and self._name(raw_name) in state.payer_names
        ):
            return 1.0, "payer_known", True
        similarity: float | None = None
        if not foreign and raw_name and state.name:
            # a contact's payments meet the same payers: each pair of names once
            key = (state.name, self._name(raw_name))
            similarity = self._similar.get(key)
            if similarity is None:
                similarity = self._similar[key] = name_similarity(*key)
        found = self._counterparty_values.get((foreign, similarity))
        if found is None:
            found = self._counterparty_values[(foreign, similarity)] = counterparty_feature(
                identifier_known=False,
                identifier_foreign=foreign,
                name_similarity=similarity,
                rules=rules,
            )
        strong = similarity is not None and similarity >= rules.name_strong
        return found[0], found[1], strong

    def _extra(
        self, state: PaymentState, row: int, day: int, bank: int, known_payer: bool
    ) -> list[str]:
        """Reason codes beyond the features: recurring payment, period, re-collection
        (``day``: the row's booking day)."""
        out: list[str] = []
        if known_payer and state.past:
            gaps = [abs(day - d) for d, cents in state.past if cents == bank and d != day]
            found = cadence(min(gaps)) if gaps else None
            if found is not None:
                out.append(f"recurring:{found}")
        raw = self.index.cols.remittances[row]
        if PERIOD_HINT.search(raw):
            period = period_in_text(raw, state.voucher_day)
            if period is not None:
                out.append(f"period:{period}")
        if row in self.index.recollections or (
            _RECOLLECTION_HINT.search(raw) and _RECOLLECTION_RE.search(self.text(row)[0])
        ):
            out.append("recollection")
        return out

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
            amount, kind, delta = amount_feature(bank, state.amounts, rules)
            if amount == 0.0 and not strong_ref and self._hopeless:
                return None  # nothing but the payer and the date left: below every threshold
        else:
            amount, kind, delta = collective_amount, AmountKind.COLLECTIVE, 0
        reference, hit = self._reference(state, row, strong_ref)
        if reference < 1.0 and amount == 0.0:
            hit, reference = None, 0.0  # weak references count only next to the amount
        booking = int(index.day[row])
        anchor = state.anchor_day
        days = booking - anchor
        value_days = int(index.cols.value_day[row]) - anchor
        if abs(value_days) < abs(days):
            days = value_days
        date_value = self._dates.get((days, state.anchored))
        if date_value is None:
            date_value = self._dates[(days, state.anchored)] = date_feature(
                days, anchored=state.anchored, rules=rules
            )
        penalty = (
            rules.early_payment_penalty
            if booking < state.voucher_day - rules.early_payment_days
            else 0.0
        )
        if collective_amount is None:
            best_case = (
                rules.weight_amount * amount
                + rules.weight_reference * reference
                + rules.weight_counterparty
                + rules.weight_date * date_value
                - penalty
            )
            if best_case < self._floor:
                return None  # neither a suggestion nor a runner-up that blocks an auto link
        cp_value, cp_evidence, name_strong = self._counterparty(state, row)
        if (
            collective_amount is None
            and kind is not AmountKind.EXACT
            and kind is not AmountKind.SKONTO  # not kind.is_exact
            and reference < 1.0
            and cp_value < 0.4
        ):
            return None  # tolerance channel: payer must be known
        extra: Sequence[str] = ()
        if amount >= 0.8:
            extra = self._extra(state, row, booking, bank, cp_value >= 1.0)
            if extra:
                if reference == 0.0 and any(code.startswith("period:") for code in extra):
                    reference = 0.5  # the voucher's month named in the purpose
                if any(code.startswith("recurring:") for code in extra):
                    name_strong = True
        features = MatchFeatures(
            amount,
            reference,
            cp_value,
            date_value,
            penalty,
            kind,
            delta,
            days,
            hit,
            cp_evidence,
            reference >= 1.0 or cp_value >= 1.0 or name_strong,
            state.anchored,
            tuple(extra),
        )
        item = state.payment.amount_cents
        allocated = min(bank, item)
        return Suggestion(
            state.payment.id,
            index.cols.ids[row],
            score(features, rules),
            allocated,
            item - allocated,
            difference_reason(kind, item - allocated),
            features,
        )

    @property
    def floor(self) -> float:
        """Pairs whose best case stays below this can be dropped safely."""
        rules = self.params.rules
        return min(rules.suggest_threshold, rules.auto_threshold - rules.margin)
