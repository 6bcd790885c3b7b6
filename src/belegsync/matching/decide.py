"""Conflicts and decisions: greedy assignment by score, margins, the auto policy.

Greedy by score (ties broken by ids, so the result does not depend on input order)
gives each transaction at most its remaining amount. Only a greedily assigned pair
can be confirmed automatically, and only if :func:`auto_confirm_failures` is empty;
every other pair above the suggestion threshold is a suggestion.

The order, the runner-ups and the sole pairs are computed on arrays over the edges
(:class:`EdgeColumns`); only the greedy walk and the policy of the assigned pairs that
pass the score test run per edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from belegsync.domain.matching import LinkDecision, LinkStatus, MatchFeatures, Suggestion
from belegsync.domain.matching_score import auto_confirm_failures
from belegsync.matching.columns import BoolArray, IntArray
from belegsync.matching.params import MatchParams

__all__ = ["Edge", "EdgeColumns", "assign_greedy", "auto_decisions", "runner_ups", "sole_pairs"]

FloatArray = npt.NDArray[np.float64]


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


class EdgeColumns(NamedTuple):
    """The edges as arrays, one entry per edge in the edges' order."""

    payment: IntArray
    row: IntArray
    score: FloatArray
    allocated: IntArray
    bank_cents: IntArray
    plausible: BoolArray

    @classmethod
    def of(cls, edges: Sequence[Edge]) -> EdgeColumns:
        n = len(edges)
        suggestions = list(map(itemgetter(2), edges))
        return cls(
            np.fromiter(map(itemgetter(0), edges), np.int64, n),
            np.fromiter(map(itemgetter(1), edges), np.int64, n),
            np.fromiter(map(itemgetter(2), suggestions), np.float64, n),
            np.fromiter(map(itemgetter(3), suggestions), np.int64, n),
            np.fromiter(map(itemgetter(5), edges), np.int64, n),
            _plausible(list(map(itemgetter(6), suggestions))),
        )


def _plausible(features: list[MatchFeatures]) -> BoolArray:
    """Per pair, whether a person would look at it twice: the amount fits (or a
    reference hits) and nothing says the payer is someone else."""
    n = len(features)
    amount = np.fromiter(map(itemgetter(0), features), np.float64, n)
    referenced = np.fromiter(map(itemgetter(1), features), np.float64, n) >= 0.5
    counterparty = np.fromiter(map(itemgetter(2), features), np.float64, n)
    plausible: BoolArray = ((amount >= 0.8) | referenced) & ((counterparty >= 0.4) | referenced)
    return plausible


def _ranks(labels: list[str]) -> IntArray:
    """Per label, its rank among the distinct labels in string order."""
    rank = {value: i for i, value in enumerate(sorted(set(labels)))}
    return np.fromiter(map(rank.__getitem__, labels), np.int64, len(labels))


def _greedy_order(edges: Sequence[Edge], columns: EdgeColumns) -> IntArray:
    """Edge positions by score (best first), then payment id, then transaction id
    (read only where score and payment id are equal); equal keys keep the edges'
    order, as a stable sort of the edges by their ids did."""
    n = len(edges)
    _, by_score = np.unique(-columns.score, return_inverse=True)
    _, first, by_payment = np.unique(columns.payment, return_index=True, return_inverse=True)
    payment_ids = map(attrgetter("suggestion.payment_id"), map(edges.__getitem__, first.tolist()))
    key = by_score * n + _ranks(list(payment_ids))[by_payment]  # each rank < n: no overflow
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    same = ordered[1:] == ordered[:-1]
    tied = np.zeros(n, dtype=np.bool_)
    tied[1:] = same
    tied[:-1] |= same
    if tied.any():
        # the tied runs lie in place: sorting their positions by (key, transaction id)
        # leaves every run in its slots
        at = order[tied]
        txn_ids = map(attrgetter("suggestion.txn_id"), map(edges.__getitem__, at.tolist()))
        order[tied] = at[np.lexsort((_ranks(list(txn_ids)), key[at]))]
    return order


def assign_greedy(edges: Sequence[Edge], columns: EdgeColumns) -> dict[int, int]:
    """Best pairs first; a payment gets one edge, a transaction at most its amount.
    Payment → position of its edge."""
    order = _greedy_order(edges, columns)
    taken: dict[int, int] = {}
    left: dict[int, int] = {}
    for i, payment, row, allocated, bank_cents in zip(
        order.tolist(),
        columns.payment[order].tolist(),
        columns.row[order].tolist(),
        columns.allocated[order].tolist(),
        columns.bank_cents[order].tolist(),
        strict=True,
    ):
        if payment in taken:
            continue
        have = left.get(row, bank_cents)
        if allocated > have:
            continue
        left[row] = have - allocated
        taken[payment] = i
    return taken


def _runner_up(keys: IntArray, score: FloatArray) -> FloatArray:
    """Per edge, the best score of the other edges with the same key (0.0 for none)."""
    n = keys.size
    order = np.lexsort((-score, keys))  # per key, best first
    k, s = keys[order], score[order]
    first = np.ones(n, dtype=np.bool_)
    first[1:] = k[1:] != k[:-1]
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    # the second best of a key, 0.0 if it has one edge
    second = np.zeros(starts.size)
    paired = starts + 1 < n
    paired[paired] = ~first[starts[paired] + 1]
    second[paired] = s[starts[paired] + 1]
    out = np.empty(n)
    out[order] = np.where(first, np.maximum(second[group], 0.0), s[starts][group])
    return out


def runner_ups(columns: EdgeColumns) -> tuple[FloatArray, FloatArray]:
    """Per edge, the best other score of its payment and of its transaction."""
    return _runner_up(columns.payment, columns.score), _runner_up(columns.row, columns.score)


def sole_pairs(columns: EdgeColumns) -> BoolArray:
    """Per edge, whether it is the only plausible pair of both its payment and its
    transaction."""
    plausible = columns.plausible
    if plausible.size == 0:
        return plausible
    per_payment = np.bincount(columns.payment[plausible], minlength=int(columns.payment.max()) + 1)
    per_row = np.bincount(columns.row[plausible], minlength=int(columns.row.max()) + 1)
    sole: BoolArray = plausible & (per_payment[columns.payment] == 1)
    sole &= per_row[columns.row] == 1
    return sole


def auto_decisions(
    assigned: Mapping[int, int],
    edges: Sequence[Edge],
    columns: EdgeColumns,
    params: MatchParams,
) -> dict[int, LinkDecision]:
    """Assigned pairs (payment → edge position) that satisfy every condition of the
    auto policy."""
    if not assigned:
        return {}
    rules = params.rules
    at = np.fromiter(assigned.values(), np.int64, len(assigned))
    payment_ru, txn_ru = (ru[at] for ru in runner_ups(columns))
    sole = sole_pairs(columns)[at]
    score = columns.score[at]
    # the score test of the policy on arrays: who fails it fails the policy
    passes = (sole & (score >= rules.sole_threshold)) | (
        (score >= rules.auto_threshold)
        & (score - payment_ru >= rules.margin)
        & (score - txn_ru >= rules.margin)
    )
    payments, positions = list(assigned), at.tolist()
    decisions: dict[int, LinkDecision] = {}
    auto = LinkStatus.AUTO_CONFIRMED
    for j, p_ru, t_ru, alone in zip(
        np.flatnonzero(passes).tolist(),
        payment_ru[passes].tolist(),
        txn_ru[passes].tolist(),
        sole[passes].tolist(),
        strict=True,
    ):
        edge = edges[positions[j]]
        suggestion = edge.suggestion
        failures = auto_confirm_failures(
            score_value=suggestion.score,
            features=suggestion.features,
            payment_runner_up=p_ru,
            txn_runner_up=t_ru,
            booked=edge.booked,
            part_payment=edge.part_payment,
            exact_cover=suggestion.allocated_cents == edge.bank_cents,
            rules=rules,
            sole=alone,
        )
        if not failures:
            decisions[payments[j]] = LinkDecision(suggestion, auto, p_ru, t_ru, alone)
    return decisions
