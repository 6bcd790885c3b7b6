"""The synthetic benchmark at small scale: the quality bars must hold."""

from __future__ import annotations

from belegsync.matching import match
from matching_data.metrics import evaluate
from matching_data.synthetic import generate


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
    assert metrics.auto_precision >= 0.995
    assert metrics.linked_or_top >= 0.90
    assert metrics.unmatchable_auto_linked == 0
