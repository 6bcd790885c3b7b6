"""Matching benchmark: quality on two independent data sets, and speed at full scale.

Quality (per data set and per scenario; see ``matching_data/metrics.py``):
automatic links ≥ 99.5 % correct, ≥ 80 % of matchable vouchers linked automatically,
≥ 97 % linked or the right top suggestion, no voucher paid from the imported statement
listed as needing an external transaction.

* ``synthetic`` (``matching_data/synthetic.py``): noisy German remittances over many
  clients; weights were developed on seeds 7 and 11, the figures use seed 2024.
* ``scenarios_de`` (``matching_data/scenarios_de.py``): businesses modelled month by
  month from German banking conventions, written apart from the synthetic generator.

Speed: 100,000 vouchers × 1,000,000 transactions on one core (generation excluded),
next to a plain vectorised candidate generation (numpy) on the same data, with the
ratio and the peak memory.

    .venv/bin/python bench/matching.py [--scale 1.0] [--seed 2024] [--only quality|speed]
"""

from __future__ import annotations

import argparse
import time

from belegsync.matching import IbanContactMemory, match
from matching_data import scenarios_de
from matching_data.metrics import evaluate
from matching_data.synthetic import generate


def quality_synthetic(scale: float, seed: int) -> None:
    vouchers = max(2000, int(20_000 * scale))
    data = generate(vouchers, vouchers * 10, seed=seed, tenants=max(2, vouchers // 1000))
    started = time.perf_counter()
    result = match(data.expected, data.txns)
    seconds = time.perf_counter() - started
    for line in evaluate(data, result).lines(f"synthetic seed={seed}"):
        print(line)
    print(f"[synthetic seed={seed}] match_seconds={seconds:.2f}")


def quality_scenarios(seed: int) -> None:
    data = scenarios_de.generate(seed)
    settled = {link.payment_id for link in data.history_links}
    memory = IbanContactMemory(data.history_memory)
    for business in sorted(set(data.business_of.values())):
        vouchers = {v for v, b in data.business_of.items() if b == business}
        part = scenarios_de.ScenarioSet(
            expected=[p for p in data.expected if p.voucher_id in vouchers],
            txns=[t for t in data.txns if t.tenant_id == data.tenant_of[business]],
            truth=data.truth,
            scenario=data.scenario,
        )
        result = match(part.expected, part.txns, existing_links=data.history_links, memory=memory)
        label = f"scenarios_de {business}"
        metrics = evaluate(part, result, settled)
        for line in metrics.lines(label):
            print(line)


def main(scale: float, seed: int, only: str | None) -> None:
    if only in (None, "quality"):
        quality_synthetic(scale, seed)
        quality_scenarios(seed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--only", choices=("quality", "speed"))
    args = parser.parse_args()
    main(args.scale, args.seed, args.only)
