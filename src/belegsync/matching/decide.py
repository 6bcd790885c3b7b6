"""Conflicts and decisions: greedy assignment by score, margins, the auto policy.

Greedy by score (ties broken by ids, so the result does not depend on input order)
gives each transaction at most its remaining amount. Only a greedily assigned pair
can be confirmed automatically, and only if :func:`auto_confirm_failures` is empty;
every other pair above the suggestion threshold is a suggestion.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from belegsync.domain.matching import LinkDecision, LinkStatus, Suggestion
from belegsync.domain.matching_score import auto_confirm_failures
from belegsync.matching.params import MatchParams

__all__ = ["Edge", "assign_greedy", "auto_decisions", "is_plausible", "runner_ups", "sole_pairs"]


class Edge(NamedTuple):
    """A scored pair with the engine's row numbers."""

    payment: int
    row: int
    suggestion: Suggestion
    booked: bool
    part_payment: bool
    bank_cents: int

    @property
    def score(self) -> float:
        return self.suggestion.score

    def sort_key(self) -> tuple[float, str, str]:
        return (-self.suggestion.score, self.suggestion.payment_id, self.suggestion.txn_id)


def assign_greedy(edges: Sequence[Edge], remaining: dict[int, int]) -> dict[int, Edge]:
    """Best pairs first; a payment gets one edge, a transaction at most its amount."""
    taken: dict[int, Edge] = {}
    for edge in sorted(edges, key=Edge.sort_key):
        if edge.payment in taken:
            continue
        left = remaining.get(edge.row, edge.bank_cents)
        allocated = edge.suggestion.allocated_cents
        if allocated > left:
            continue
        remaining[edge.row] = left - allocated
        taken[edge.payment] = edge
    return taken


def _top_two(triples: Iterable[tuple[int, float, int]]) -> dict[int, tuple[float, int, float]]:
    """key → (best score, id of the best, second best score)."""
    out: dict[int, tuple[float, int, float]] = {}
    for key, value, other in triples:
        found = out.get(key)
        if found is None:
            out[key] = (value, other, 0.0)
        elif value > found[0]:
            out[key] = (value, other, found[0])
        elif value > found[2]:
            out[key] = (found[0], found[1], value)
    return out


def runner_ups(
    edges: Sequence[Edge], wanted: Sequence[Edge]
) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """For each wanted edge, the best other score of its payment and of its transaction."""
    by_payment = _top_two((e.payment, e.score, e.row) for e in edges)
    by_txn = _top_two((e.row, e.score, e.payment) for e in edges)
    payment_ru: dict[tuple[int, int], float] = {}
    txn_ru: dict[tuple[int, int], float] = {}
    for edge in wanted:
        best, best_row, second = by_payment[edge.payment]
        payment_ru[(edge.payment, edge.row)] = second if best_row == edge.row else best
        best, best_payment, second = by_txn[edge.row]
        txn_ru[(edge.payment, edge.row)] = second if best_payment == edge.payment else best
    return payment_ru, txn_ru


def is_plausible(edge: Edge) -> bool:
    """A pair a person would look at twice: the amount fits (or a reference hits) and
    nothing says the payer is someone else."""
    f = edge.suggestion.features
    referenced = f.reference >= 0.5
    return (f.amount >= 0.8 or referenced) and (f.counterparty >= 0.4 or referenced)


def sole_pairs(edges: Sequence[Edge]) -> set[tuple[int, int]]:
    """(payment, row) pairs that are the only plausible pair of both their payment and
    their transaction."""
    per_payment: Counter[int] = Counter()
    per_row: Counter[int] = Counter()
    plausible = [e for e in edges if is_plausible(e)]
    for edge in plausible:
        per_payment[edge.payment] += 1
        per_row[edge.row] += 1
    return {
        (e.payment, e.row) for e in plausible if per_payment[e.payment] == 1 and per_row[e.row] == 1
    }


def auto_decisions(
    assigned: dict[int, Edge],
    edges: Sequence[Edge],
    params: MatchParams,
) -> dict[int, LinkDecision]:
    """Assigned pairs that satisfy every condition of the auto policy."""
    if not assigned:
        return {}
    payment_ru, txn_ru = runner_ups(edges, list(assigned.values()))
    sole = sole_pairs(edges)
    decisions: dict[int, LinkDecision] = {}
    for payment, edge in assigned.items():
        key = (edge.payment, edge.row)
        suggestion = edge.suggestion
        failures = auto_confirm_failures(
            score_value=suggestion.score,
            features=suggestion.features,
            payment_runner_up=payment_ru[key],
            txn_runner_up=txn_ru[key],
            booked=edge.booked,
            part_payment=edge.part_payment,
            exact_cover=suggestion.allocated_cents == edge.bank_cents,
            rules=params.rules,
            sole=key in sole,
        )
        if failures:
            continue
        decisions[payment] = LinkDecision(
            suggestion=suggestion,
            status=LinkStatus.AUTO_CONFIRMED,
            payment_runner_up=payment_ru[key],
            txn_runner_up=txn_ru[key],
            sole=key in sole,
        )
    return decisions
