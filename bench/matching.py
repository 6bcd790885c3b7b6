"""Matching benchmark: 100,000 vouchers × 1,000,000 transactions, synthetic with ground truth.

Targets (SPEC §8): automatic links ≥ 99.5 % correct; ≥ 90 % of matchable vouchers
linked automatically or offered as the top suggestion; ≤ 10 s for the run.

The data comes from ``belegsync.matching.synthetic`` (German remittance variants, split
and cut references, name variants, Skonto, fees, part and collective payments, credit
notes, returned debits, pending lines, same-amount decoys, unrelated lines, vouchers
paid from unconnected banks), spread over ``--tenants`` clients. Generation time is
excluded from ``match_seconds`` and printed separately.

Weights and thresholds were developed and tuned on seeds 7 and 11 only; the reported
figures use seed 2024, which was not looked at while tuning (to avoid overfitting the
reported number). ``--workers 2`` splits tenants over two forked processes (this is a
2-core machine); ``match_cpu_seconds`` is the CPU time of this process plus children.

    .venv/bin/python bench/matching.py [--scale 0.1] [--seed 2024] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import time

from belegsync.matching import MatchParams, match
from belegsync.matching.synthetic import evaluate, generate


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main(scale: float, seed: int, tenants: int, workers: int) -> None:
    vouchers = int(100_000 * scale)
    transactions = int(1_000_000 * scale)
    started = time.perf_counter()
    data = generate(vouchers, transactions, seed=seed, tenants=max(1, int(tenants * scale)))
    print(f"generation_seconds={time.perf_counter() - started:.2f}")
    print(
        f"vouchers={len(set(data.voucher_of.values()))} payments={len(data.expected)} "
        f"transactions={len(data.txns)} tenants={max(1, int(tenants * scale))} seed={seed}"
    )
    cpu = _cpu()
    started = time.perf_counter()
    result = match(data.expected, data.txns, params=MatchParams(workers=workers))
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu
    metrics = evaluate(data, result)
    print(f"precision_auto_links={metrics.precision_auto_links:.4f}")
    print(f"matchable_linked_or_top_suggestion={metrics.matchable_linked_or_top_suggestion:.4f}")
    print(f"unmatchable_wrongly_auto_linked={metrics.unmatchable_auto_linked}")
    print(f"match_seconds={seconds:.2f}")
    print(f"match_cpu_seconds={cpu:.2f} workers={workers}")
    print(
        f"auto_links={metrics.auto_links} auto_correct={metrics.auto_correct} "
        f"matchable_vouchers={metrics.matchable_vouchers} matchable_ok={metrics.matchable_ok} "
        f"unmatchable_vouchers={metrics.unmatchable_vouchers} "
        f"payments_with_suggestions={metrics.suggested_payments} "
        f"payments_unmatched={metrics.unmatched_payments}"
    )
    for scenario, (good, total) in metrics.ok_by_scenario.items():
        print(f"  scenario {scenario}: {good}/{total} = {good / total:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    main(args.scale, args.seed, args.tenants, args.workers)
