"""Scoring and the decision policy of matching, pure functions (docs/matching.md).

A score is a capped weighted sum of explainable features in [0, 1]. A pair is
confirmed automatically only when *every* condition of :func:`auto_confirm_failures`
holds; otherwise it is at most a suggestion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from belegsync.domain.matching import AmountKind, DifferenceReason, ExpectedPayment, MatchFeatures
from belegsync.domain.money import round_to_cents

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "ScoringRules",
    "amount_feature",
    "auto_confirm_failures",
    "collective_auto_failures",
    "counterparty_feature",
    "date_feature",
    "expected_amounts",
    "names_another_payer",
    "score",
    "weighted_sum",
]

# one pair (floats) or many (numpy arrays, in the array paths of the engine)
Values = TypeVar("Values", float, "npt.NDArray[np.float64]")


@dataclass(frozen=True, slots=True)
class ScoringRules:
    """Weights and thresholds; per tenant once calibrated."""

    weight_amount: float = 0.35
    weight_reference: float = 0.25
    weight_counterparty: float = 0.25
    weight_date: float = 0.15
    early_payment_penalty: float = 0.2
    early_payment_days: int = 5
    auto_threshold: float = 0.85
    suggest_threshold: float = 0.45
    margin: float = 0.10
    fee_cents: int = 100
    # the most the banks keep from a foreign transfer whose instructed amount is exact
    # (``AmountKind.CHARGES``, ``charges_bound``): shared SWIFT charges are a few euros
    # to a few tens; a receiving bank's fee in per mille of the amount (commonly 1.5 ‰)
    # and the intermediaries' come to more on a large payment
    charges_cents: int = 5000
    charges_permille: int = 3
    rounding_cents: int = 2
    band_low_permille: int = 950
    band_high_permille: int = 1050
    name_strong: float = 95.0
    name_weak: float = 85.0
    date_scale_anchored_days: float = 4.0
    # Lexware's paid date is often entered days after the booking: bookings before it
    # decay slower than bookings after it.
    date_scale_early_days: float = 10.0
    # A pair that is the only plausible one for its payment and its transaction needs
    # less score (exact amount and an identifying payer, no competitor).
    sole_threshold: float = 0.55
    date_scale_voucher_days: float = 30.0
    skonto_rates_percent: tuple[int, ...] = (2, 3)


def expected_amounts(
    payment: ExpectedPayment, rules: ScoringRules
) -> tuple[tuple[int, AmountKind], ...]:
    """Bank amounts that pay this item exactly, with how they were derived.

    The item (already reduced when Lexware recorded a ``cashDiscount``) is exact.
    Without items and without a recorded Skonto, 2 % and 3 % Skonto of the gross are
    tried as well (rounded once, half up).
    """
    amounts: list[tuple[int, AmountKind]] = [(payment.amount_cents, AmountKind.EXACT)]
    if payment.has_items or payment.skonto_cents or payment.is_part_payment:
        return tuple(amounts)
    for rate in rules.skonto_rates_percent:
        reduced = payment.gross_cents - round_to_cents(
            Decimal(payment.gross_cents) * rate / Decimal(10_000)
        )
        if reduced > 0 and reduced != payment.amount_cents:
            amounts.append((reduced, AmountKind.SKONTO))
    return tuple(amounts)


def charges_bound(instructed: int, rules: ScoringRules) -> int:
    """The most the banks may keep from a transfer whose payer ``instructed`` that amount
    (cents): ``charges_cents``, or ``charges_permille`` of the amount where that is more
    (0.3 % of 100.000 € is 300 €: a receiving bank's 1.5 ‰ and the intermediaries')."""
    return max(rules.charges_cents, instructed * rules.charges_permille // 1000)


def amount_feature(
    bank_cents: int,
    amounts: tuple[tuple[int, AmountKind], ...],
    rules: ScoringRules,
    instructed: int = 0,
) -> tuple[float, AmountKind, int]:
    """(value, kind, delta) of an absolute bank amount against the expected amounts.

    1.0 exact (item, gross or Skonto), or the amount the payer ``instructed`` exact
    with at most ``charges_bound`` kept back by the banks (``instructed_cents``; 0:
    none); 0.8 a shortfall up to the fee or a rounding difference; 0.3 within
    95–105 %; else 0. ``delta`` is bank minus expected item.
    """
    item = amounts[0][0]
    for cents, kind in amounts:
        if bank_cents == cents:
            return 1.0, kind, bank_cents - item
    delta = bank_cents - item
    if 0 < instructed - bank_cents <= charges_bound(instructed, rules) and any(
        instructed == cents for cents, _ in amounts
    ):
        return 1.0, AmountKind.CHARGES, delta
    if abs(delta) <= rules.rounding_cents:
        return 0.8, AmountKind.ROUNDING, delta
    if -rules.fee_cents <= delta < 0:
        return 0.8, AmountKind.FEE, delta
    if item * rules.band_low_permille <= bank_cents * 1000 <= item * rules.band_high_permille:
        return 0.3, AmountKind.BAND, delta
    return 0.0, AmountKind.OTHER, delta


def difference_reason(kind: AmountKind, difference: int) -> DifferenceReason | None:
    """Why the allocated amount differs from the item, if it does."""
    if difference == 0:
        return None
    return _DIFFERENCE_REASONS.get(kind, DifferenceReason.PARTIAL)


_DIFFERENCE_REASONS = {
    AmountKind.SKONTO: DifferenceReason.SKONTO,
    AmountKind.FEE: DifferenceReason.FEE,
    AmountKind.CHARGES: DifferenceReason.FEE,
    AmountKind.ROUNDING: DifferenceReason.ROUNDING,
    AmountKind.BAND: DifferenceReason.TOLERANCE,
    AmountKind.COLLECTIVE: DifferenceReason.COLLECTIVE,
}


def counterparty_feature(
    *,
    identifier_known: bool,
    identifier_foreign: bool,
    name_similarity: float | None,
    rules: ScoringRules,
) -> tuple[float, str]:
    """(value, evidence): 1.0 known IBAN/creditor id; 0.7 name ≥ 95; 0.4 name ≥ 85;
    0.5 nothing to compare; 0 known but different (a foreign IBAN or another name)."""
    if identifier_known:
        return 1.0, "identifier_known"
    if identifier_foreign:
        return 0.0, "identifier_of_other_contact"
    if name_similarity is None:
        return 0.5, "unknown"
    if name_similarity >= rules.name_strong:
        return 0.7, f"name {name_similarity:.0f}"
    if name_similarity >= rules.name_weak:
        return 0.4, f"name {name_similarity:.0f}"
    return 0.0, f"name {name_similarity:.0f}{_ANOTHER_NAME}"


# what the evidence of a payer name below the weak bar ends with
_ANOTHER_NAME = " (different)"


def names_another_payer(evidence: str) -> bool:
    """Whether a counterparty's evidence (:func:`counterparty_feature`) says the line's
    payer name is another's than the contact's (below the weak bar)."""
    return evidence.endswith(_ANOTHER_NAME)


def date_feature(days_delta: int, *, anchored: bool, rules: ScoringRules) -> float:
    """Decay with the distance in days: to the posting/paid date exp(−d/4) after it and
    exp(−d/10) before it (people mark vouchers paid days after the money moved); to the
    voucher date exp(−|d|/30)."""
    if not anchored:
        scale = rules.date_scale_voucher_days
    elif days_delta < 0:
        scale = rules.date_scale_early_days
    else:
        scale = rules.date_scale_anchored_days
    return math.exp(-abs(days_delta) / scale)


def score(features: MatchFeatures, rules: ScoringRules) -> float:
    """Capped weighted sum in [0, 1]."""
    f = features
    raw = weighted_sum(f.amount, f.reference, f.counterparty, f.date, f.penalty, rules)
    return min(1.0, max(0.0, raw))


def weighted_sum(
    amount: Values,
    reference: Values,
    counterparty: Values | float,
    date: Values,
    penalty: Values | float,
    rules: ScoringRules,
) -> Values:
    """The score before the cap, added term by term in this order (so one pair and
    many pairs on arrays give the same floats)."""
    return (
        rules.weight_amount * amount
        + rules.weight_reference * reference
        + rules.weight_counterparty * counterparty
        + rules.weight_date * date
        - penalty
    )


def auto_confirm_failures(
    *,
    score_value: float,
    features: MatchFeatures,
    payment_runner_up: float,
    txn_runner_up: float,
    booked: bool,
    part_payment: bool,
    exact_cover: bool,
    rules: ScoringRules,
    sole: bool = False,
) -> tuple[str, ...]:
    """Conditions that block an automatic link; empty means it may be confirmed.

    All must hold: amount exact (item, gross or Skonto) and the transaction is fully
    explained; an identifying signal; booked, not pending; a part payment only with a
    reference hit or as the sole pair of a payer identified by its account; and either
    score ≥ threshold with a margin over the runner-up for this payment *and* for this
    transaction, or ``sole``: no other plausible pair for either side and score ≥
    ``sole_threshold``.
    """
    failures: list[str] = []
    if not (sole and score_value >= rules.sole_threshold):
        if score_value < rules.auto_threshold:
            failures.append("score")
        if score_value - payment_runner_up < rules.margin:
            failures.append("margin_payment")
        if score_value - txn_runner_up < rules.margin:
            failures.append("margin_transaction")
    if not features.amount_kind.is_exact or not exact_cover:
        failures.append("amount_not_exact")
    if not features.identifying:
        failures.append("no_identifying_signal")
    if not booked:
        failures.append("pending")
    # a part payment's amount may be another item's: it needs a reference — or to be
    # the only pair of its line and of itself, from an account known as the contact's
    # (the final payment after a deposit, a rate the bookkeeper entered late)
    known_payer = sole and features.counterparty_evidence == "identifier_known"
    if part_payment and features.reference < 1.0 and not known_payer:
        failures.append("part_payment_without_reference")
    return tuple(failures)


def collective_auto_failures(
    *,
    member_scores: tuple[float, ...],
    exact_sum: bool,
    all_referenced: bool,
    competing: bool,
    booked: bool,
    rules: ScoringRules,
    advised: bool = False,
) -> tuple[str, ...]:
    """Conditions that block confirming a collective transfer (1 bank → n vouchers).

    All must hold: the voucher numbers found in the purpose form the set and every
    member was hit; their signed sum equals the transaction exactly; no member has a
    competing referenced exact transaction of its own; every member scores at least
    the auto threshold — unless the numbers come from the payer's own advice
    (``advised``): a billing service's payout comes from no patient, and the advice
    states what it pays; booked, not pending.
    """
    failures: list[str] = []
    if len(member_scores) < (1 if advised else 2):
        failures.append("not_collective")
    if not exact_sum:
        failures.append("sum_not_exact")
    if not all_referenced:
        failures.append("member_without_reference")
    if competing:
        failures.append("competing_single_match")
    if not member_scores or (not advised and min(member_scores) < rules.auto_threshold):
        failures.append("score")
    if not booked:
        failures.append("pending")
    return tuple(failures)
