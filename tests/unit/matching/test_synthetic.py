"""The synthetic benchmark at small scale: the quality bars of SPEC §8 must hold."""

from __future__ import annotations

from belegsync.matching import MatchParams, match
from belegsync.matching.synthetic import evaluate, generate


def test_generator_is_reproducible_and_has_truth() -> None:
    a = generate(300, 3000, seed=5, tenants=3)
    b = generate(300, 3000, seed=5, tenants=3)
    assert [t.id for t in a.txns] == [t.id for t in b.txns]
    assert a.truth == b.truth
    assert len(a.txns) >= 3000
    scenarios = set(a.scenario.values())
    assert {"normal", "unconnected_bank", "card", "skonto", "part"} <= scenarios
    assert any(p.id not in a.truth for p in a.expected)  # paid from an unknown bank


def test_small_benchmark_meets_the_bars() -> None:
    data = generate(2000, 20000, seed=99, tenants=2)
    metrics = evaluate(data, match(data.expected, data.txns))
    assert metrics.auto_links > 1000
    assert metrics.precision_auto_links >= 0.995
    assert metrics.matchable_linked_or_top_suggestion >= 0.90
    assert metrics.unmatchable_auto_linked == 0


def test_workers_split_tenants_without_changing_the_result() -> None:
    data = generate(600, 6000, seed=3, tenants=4)
    single = match(data.expected, data.txns)
    assert match(data.expected, data.txns, params=MatchParams(workers=2)) == single
