"""Tunable parameters of the matching engine (candidate windows and scoring rules)."""

from __future__ import annotations

from dataclasses import dataclass, field

from belegsync.domain.matching_score import ScoringRules

__all__ = ["ENGINE_VERSION", "MatchParams"]

ENGINE_VERSION = "1"


@dataclass(frozen=True, slots=True)
class MatchParams:
    """Windows of the candidate channels plus the scoring rules.

    ``shadow_mode`` turns every automatic link into a suggestion (new tenants until
    about 50 confirmations).
    """

    rules: ScoringRules = field(default_factory=ScoringRules)
    exact_days_before: int = 14  # booked up to two weeks before Lexware's paid date
    exact_days_after: int = 10
    unanchored_days_before: int = 7
    unanchored_days_after: int = 120
    reference_lookback_days: int = 548  # 18 months
    tolerance_low_permille: int = 965
    max_tolerance_candidates: int = 12
    max_suggestions: int = 3
    collective_max_items: int = 5
    collective_max_pool: int = 14
    prefer_assigned: bool = True  # rank the greedily assigned transaction first
    shadow_mode: bool = False
    # Decide the clear sole pairs with numpy first (same policy; off: all pairs scored).
    fast_path: bool = True
