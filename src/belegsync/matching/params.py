"""Tunable parameters of the matching engine (candidate windows and scoring rules)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

from belegsync.domain.matching_score import ScoringRules

__all__ = ["ENGINE_VERSION", "WIDER_DAYS", "MatchParams"]

_Days = npt.NDArray[np.int64]
# one day ordinal or many
_Day = TypeVar("_Day", int, _Days)

ENGINE_VERSION = "1"
# A free line of a payment's exact amount this many days from its anchor keeps it from
# "Externe Transaktion erforderlich" (a person searches instead), and the manual search
# looks this far when the paid date's days hold no line of the amount.
WIDER_DAYS = 60


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Windows of the candidate channels plus the scoring rules.

    ``shadow_mode`` turns every automatic link into a suggestion (new tenants until
    about 50 confirmations).
    """

    rules: ScoringRules = field(default_factory=ScoringRules)
    exact_days_before: int = 14  # booked up to two weeks before Lexware's paid date
    exact_days_after: int = 10
    # a bookkeeper enters Lexware's paid date up to a month after the bank booked it: a
    # line booked after the voucher date counts up to this long before it
    late_entry_days: int = 31
    unanchored_days_before: int = 7
    unanchored_days_after: int = 120
    reference_lookback_days: int = 548  # 18 months
    # a line naming only a period this many months or more from the voucher's month
    # and from its own booking month pays that period („Miete 02/2024“ booked in
    # October: arrears), not the voucher: offered, never linked without its number
    far_period_months: int = 3
    tolerance_low_permille: int = 965
    max_tolerance_candidates: int = 12
    max_suggestions: int = 3
    collective_max_items: int = 5
    collective_max_pool: int = 14
    prefer_assigned: bool = True  # rank the greedily assigned transaction first
    shadow_mode: bool = False
    # Decide the clear sole pairs with numpy first (same policy; off: all pairs scored).
    fast_path: bool = True

    def reach(self, anchored: bool) -> tuple[int, int]:
        """How many days before and after its anchor a payment's date window reaches at
        most: Lexware's paid date (``anchored``; back to ``late_entry_days`` for a paid
        date entered late), else the voucher date."""
        if anchored:
            return self.late_entry_days, self.exact_days_after
        return self.unanchored_days_before, self.unanchored_days_after

    def paid_before_written(self, voucher_day: _Day, anchor: _Day) -> bool | npt.NDArray[np.bool_]:
        """Whether Lexware's paid date (``anchor``) lies more than ``early_payment_days``
        before the voucher date: a deposit the bookkeeper entered as paid before the
        final invoice was written (a day or two before is how dates are entered)."""
        return anchor < voucher_day - self.rules.early_payment_days

    def early_before(self, voucher_day: _Day, anchor: _Day) -> _Day:
        """The day (ordinal) a booking before which is an early payment, penalised as
        booked clearly before the voucher date: ``early_payment_days`` before the
        voucher date, or before Lexware's paid date where that is earlier (``anchor``:
        the voucher date where none is held); where the paid date is a deposit's
        (:meth:`paid_before_written`), the start of its window (``exact_days_before``)
        — a deposit the bookkeeper entered as paid weeks before the final invoice was
        written is paid when Lexware says, and its line comes days before that paid
        date as every other's does (a caterer's „Anzahlung“ booked 11 days before the
        paid date, itself 10 days before the invoice, was penalised as early: held-out
        seed 1430)."""
        early = self.rules.early_payment_days
        if type(voucher_day) is int and type(anchor) is int:  # one pair: no array call
            if self.paid_before_written(voucher_day, anchor):
                return anchor - self.exact_days_before
            return min(voucher_day, anchor) - early
        return cast(
            "_Day",
            np.where(
                self.paid_before_written(voucher_day, anchor),
                anchor - self.exact_days_before,
                np.minimum(voucher_day, anchor) - early,
            ),
        )

    def windows(
        self, anchor: _Days, voucher_day: _Days, anchored: npt.NDArray[np.bool_]
    ) -> tuple[_Days, _Days]:
        """Per payment, the first and last day of its date window: around Lexware's
        paid date (``anchored``), else from a week before the voucher date on. A line
        booked after the voucher date counts up to ``late_entry_days`` before the paid
        date (a standing order the bookkeeper marked paid weeks later; such a line
        counts only from an identified payer: ``FeatureContext``); :meth:`reach` gives
        the outer bounds."""
        (late_days, after), (before, unanchored_after) = self.reach(True), self.reach(False)
        first = np.where(anchored, anchor - self.exact_days_before, anchor - before)
        last = np.where(anchored, anchor + after, anchor + unanchored_after)
        late = np.maximum(voucher_day, anchor - late_days)
        return np.where(anchored, np.minimum(first, late), first), last
