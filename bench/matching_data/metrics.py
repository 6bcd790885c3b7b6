"""Scoring a matching result against a generator's ground truth (shared by every generator).

A data set is payments, transactions and the truth: payment id → the transaction ids
that paid it. A payment without truth was paid from a bank the app does not know (or in
cash): matchable is a voucher with at least one payment in the truth.

Reported per data set and per scenario:

* ``auto_precision`` — automatic links that are right;
* ``auto_share`` — matchable vouchers whose every paid item was linked automatically
  and rightly;
* ``linked_or_top`` — matchable vouchers whose every paid item was linked rightly or
  has the right transaction as its top suggestion;
* ``wrongly_external`` — payments with a transaction in the statement that the engine
  nevertheless listed as needing an external transaction (no candidate at all);
* ``short_offers`` — payments offered a line for less from their payer (reason
  ``short_payment``): first offer right, the payment paid by another line, or paid from
  no imported statement.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from belegsync.domain.matching import (
    BankTxn,
    ExistingLink,
    ExpectedPayment,
    LinkStatus,
    UnmatchedReason,
)
from belegsync.matching.engine import MatchResult

__all__ = ["DataSet", "Metrics", "Outcome", "evaluate", "evaluate_outcome", "stored_links"]


class DataSet(Protocol):
    @property
    def expected(self) -> Sequence[ExpectedPayment]: ...
    @property
    def txns(self) -> Sequence[BankTxn]: ...
    @property
    def truth(self) -> Mapping[str, frozenset[str]]: ...
    @property
    def scenario(self) -> Mapping[str, str]: ...  # voucher id → scenario


@dataclass(frozen=True, slots=True)
class Tally:
    vouchers: int = 0
    auto_ok: int = 0
    linked_or_top: int = 0

    def add(self, auto_ok: bool, linked_or_top: bool) -> Tally:
        return Tally(
            self.vouchers + 1, self.auto_ok + int(auto_ok), self.linked_or_top + int(linked_or_top)
        )


@dataclass(frozen=True, slots=True)
class Metrics:
    auto_links: int
    auto_correct: int
    matchable: Tally
    unmatchable_vouchers: int
    unmatchable_auto_linked: int
    wrongly_external: int
    suggested_payments: int
    # payments paid from no imported statement, rightly listed as needing an external one
    external_unmatchable: int
    unmatchable_payments: int
    wrongly_external_ids: tuple[str, ...]
    by_scenario: dict[str, Tally]
    # payments offered a line for less from their payer: (first right, paid by
    # another line, paid from no imported statement)
    short_offers: tuple[int, int, int] = (0, 0, 0)
    # payments paid from no imported statement awaiting the next lines: paid after the
    # last statement (a data set ends), their line may still come
    awaiting_unmatchable: int = 0

    @property
    def auto_precision(self) -> float:
        return self.auto_correct / self.auto_links if self.auto_links else 1.0

    @property
    def auto_share(self) -> float:
        return self.matchable.auto_ok / self.matchable.vouchers if self.matchable.vouchers else 1.0

    @property
    def linked_or_top(self) -> float:
        m = self.matchable
        return m.linked_or_top / m.vouchers if m.vouchers else 1.0

    def lines(self, label: str) -> list[str]:
        """Human-readable lines with the targets next to the figures."""
        out = [
            f"[{label}] auto_precision={self.auto_precision:.4f} (target >= 0.995) "
            f"auto_links={self.auto_links} wrong={self.auto_links - self.auto_correct}",
            f"[{label}] auto_share={self.auto_share:.4f} (target >= 0.80) "
            f"linked_or_top={self.linked_or_top:.4f} (target >= 0.97) "
            f"matchable_vouchers={self.matchable.vouchers}",
            f"[{label}] wrongly_external={self.wrongly_external} (target 0) "
            f"rightly_external={self.external_unmatchable}/{self.unmatchable_payments} "
            f"awaiting_next_lines={self.awaiting_unmatchable} "
            f"unmatchable_vouchers={self.unmatchable_vouchers} "
            f"unmatchable_auto_linked={self.unmatchable_auto_linked} "
            f"payments_with_suggestions={self.suggested_payments}",
            f"[{label}] short_offers={sum(self.short_offers)} right={self.short_offers[0]} "
            f"paid_by_another_line={self.short_offers[1]} "
            f"paid_elsewhere={self.short_offers[2]} (a line for less from the payer offered)",
        ]
        for name, t in self.by_scenario.items():
            out.append(
                f"[{label}]   {name:<22} vouchers={t.vouchers:>6} "
                f"auto={t.auto_ok / t.vouchers:.3f} "
                f"linked_or_top={t.linked_or_top / t.vouchers:.3f}"
            )
        return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a client sees of a run, by the data set's ids: per payment the lines linked
    automatically, its first suggestion's line, whether it is listed as needing an
    external transaction, and whether its first suggestion is a line for less from its
    payer (``short_payment``)."""

    auto: Mapping[str, frozenset[str]]
    top: Mapping[str, str]
    external: frozenset[str]
    short: frozenset[str] = frozenset()
    # the lines a person confirmed per payment (a replay's review): linked, not by the
    # engine alone
    confirmed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # the payments awaiting the next lines (``awaiting_lines``: their date windows reach
    # past the client's lines)
    awaiting: frozenset[str] = frozenset()

    @classmethod
    def of(cls, result: MatchResult) -> Outcome:
        auto: dict[str, set[str]] = {}
        for decision in result.auto_links:
            s = decision.suggestion
            auto.setdefault(s.payment_id, set()).add(s.txn_id)
        return cls(
            {p: frozenset(t) for p, t in auto.items()},
            {p: offered[0].txn_id for p, offered in result.suggestions_by_payment.items()},
            frozenset(
                u.payment_id for u in result.unmatched if u.reason is UnmatchedReason.NO_CANDIDATE
            ),
            frozenset(
                p
                for p, offered in result.suggestions_by_payment.items()
                if "short_payment" in offered[0].features.extra
            ),
            awaiting=frozenset(
                u.payment_id for u in result.unmatched if u.reason is UnmatchedReason.AWAITING_LINES
            ),
        )


def evaluate(data: DataSet, result: MatchResult, settled: Collection[str] = ()) -> Metrics:
    """Score ``result`` against the truth of ``data`` (per voucher: all its paid items).

    ``settled`` payments were linked before the run (history) and are not scored.
    """
    return evaluate_outcome(data, Outcome.of(result), settled)


def evaluate_outcome(data: DataSet, outcome: Outcome, settled: Collection[str] = ()) -> Metrics:
    """:func:`evaluate` of what a client sees (a run's result, or the store after a
    replay: ``replay.py``)."""
    skip = frozenset(settled)
    auto = outcome.auto
    truth = data.truth
    correct = sum(1 for p, ts in auto.items() for t in ts if t in truth.get(p, frozenset()))
    auto_count = sum(len(ts) for ts in auto.values())
    external = outcome.external
    per_voucher: dict[str, tuple[bool, bool]] = {}
    vouchers: set[str] = set()
    wrongly: list[str] = []
    external_unmatchable = unmatchable = awaiting = 0
    for payment in data.expected:
        if payment.id in skip:
            continue
        vouchers.add(payment.voucher_id)
        paid_by = truth.get(payment.id)
        if paid_by is None:
            unmatchable += 1
            external_unmatchable += payment.id in external
            awaiting += payment.id in outcome.awaiting
            continue
        linked = auto.get(payment.id, frozenset())
        auto_ok = bool(linked) and linked <= paid_by
        top = outcome.top.get(payment.id)
        confirmed = outcome.confirmed.get(payment.id, frozenset())
        top_ok = (top is not None and top in paid_by) or (bool(confirmed) and confirmed <= paid_by)
        if payment.id in external:
            wrongly.append(payment.id)
        a, b = per_voucher.get(payment.voucher_id, (True, True))
        per_voucher[payment.voucher_id] = (a and auto_ok, b and (auto_ok or top_ok))
    short = [0, 0, 0]
    for payment_id in outcome.short - skip:
        paid_by = truth.get(payment_id)
        short[0 if paid_by and outcome.top[payment_id] in paid_by else 1 if paid_by else 2] += 1
    total = Tally()
    by_scenario: dict[str, Tally] = {}
    for voucher, (auto_ok, ok) in per_voucher.items():
        total = total.add(auto_ok, ok)
        name = data.scenario.get(voucher, "?")
        by_scenario[name] = by_scenario.get(name, Tally()).add(auto_ok, ok)
    return Metrics(
        auto_links=auto_count,
        auto_correct=correct,
        matchable=total,
        unmatchable_vouchers=len(vouchers) - len(per_voucher),
        unmatchable_auto_linked=sum(1 for p in auto if p not in truth),
        wrongly_external=len(wrongly),
        suggested_payments=len(set(outcome.top) - skip),
        external_unmatchable=external_unmatchable,
        unmatchable_payments=unmatchable,
        wrongly_external_ids=tuple(sorted(wrongly)),
        by_scenario=dict(sorted(by_scenario.items())),
        short_offers=(short[0], short[1], short[2]),
        awaiting_unmatchable=awaiting,
    )


def stored_links(result: MatchResult) -> list[ExistingLink]:
    """A run's automatic links as the next run reads them from the store."""
    return [
        ExistingLink(
            d.suggestion.payment_id,
            d.suggestion.txn_id,
            d.suggestion.allocated_cents,
            LinkStatus.AUTO_CONFIRMED,
        )
        for d in result.auto_links
    ]
