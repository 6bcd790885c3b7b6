"""Sustained request rate of the Lexware client against the emulator's token bucket.

Run: .venv/bin/python bench/rate_limit.py [--scenario both] [--requests 300] [--tasks 4]

Starts the emulator (demo world, a real uvicorn server on 127.0.0.1 and a random port)
and lets several tasks share one API key the way a sync does: each fetches voucherlist
pages and, per voucher, the detail, the payments and a file. Two buckets:

* ``documented``: ``--rate`` requests/s with burst 2, as Lexware documents it.
  Target: rate_fraction ≥ 0.95, zero 429.
* ``jittered``: the same rate with capacity 1 and a random 0–200 ms network delay before
  each request reaches the bucket (seeded), where zero 429 is only possible at ≤ 0.71 of
  the rate. Target: rate_fraction ≥ 0.65, at most 1 % of the answers 429.

With ``--requests 300`` at 2/s each scenario runs about 150–220 s. The 429 count comes
from the emulator's own counters, not from the client. ``--client-rate`` paces the
client differently from the bucket (e.g. 3.0 to see 429s and the pacer adapting).

``achieved_rate`` is (requests - 1) / seconds: N requests paced at the allowed rate span
N - 1 intervals, so a perfect pacer scores a ``rate_fraction`` just below 1.0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import structlog

from belegsync.emulator import MAIN_KEY, EmulatorConfig, build_world, create_app
from belegsync.emulator import serve_in_background as serve_emulator
from belegsync.lexware import (
    BookkeepingVoucher,
    LexwareApi,
    LexwareClient,
    LexwareError,
    VoucherListFilter,
    is_bookkeeping_type,
)
from belegsync.lexware.ratelimit import key_fingerprint

PAGE_SIZE = 25
NO_SALES_FILE = frozenset({"draft"})
NO_PAYMENTS = frozenset({"draft", "unchecked"})
T = TypeVar("T")


@dataclass
class Budget:
    """Hands out exactly ``remaining`` request permits across all tasks."""

    remaining: int
    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def take(self, kind: str) -> bool:
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        self.calls[kind] += 1
        return True


@dataclass
class Pages:
    """The next voucherlist page to fetch, shared by the tasks; wraps around at the end."""

    total_pages: int | None = None
    _next: int = 0

    def take(self) -> int:
        page = self._next
        self._next += 1
        return page % self.total_pages if self.total_pages else page


async def _call(budget: Budget, kind: str, call: Awaitable[T]) -> T | None:
    try:
        return await call
    except LexwareError as error:
        budget.errors[f"{kind}:{error.code}"] += 1
        return None


async def sync_like_task(client: LexwareClient, budget: Budget, pages: Pages) -> None:
    """List a page, then fetch detail, payments and a file for each of its vouchers."""
    while budget.take("voucherlist"):
        page = await client.voucherlist(VoucherListFilter(), page=pages.take(), size=PAGE_SIZE)
        pages.total_pages = page.total_pages
        for item in page.content:
            if not budget.take("detail"):
                return
            detail = await _call(
                budget, "detail", client.voucher_detail(item.voucher_type, item.id)
            )
            if item.voucher_status not in NO_PAYMENTS:
                if not budget.take("payments"):
                    return
                await _call(budget, "payments", client.payments(item.id))
            files = detail.files if isinstance(detail, BookkeepingVoucher) else []
            if is_bookkeeping_type(item.voucher_type) and files:
                if not budget.take("file"):
                    return
                await _call(budget, "file", client.download_file(files[0]))
            elif not is_bookkeeping_type(item.voucher_type):
                if item.voucher_status in NO_SALES_FILE:
                    continue
                if not budget.take("file"):
                    return
                await _call(
                    budget,
                    "file",
                    client.download_sales_voucher_file(item.voucher_type, item.id),
                )


SCENARIOS = {
    "documented": {"burst": 2.0, "arrival_jitter_ms": 0},
    "jittered": {"burst": 1.0, "arrival_jitter_ms": 200},
}


async def run(
    *, scenario: str, requests: int, rate: float, client_rate: float, tasks: int, seed: int
) -> None:
    bucket = SCENARIOS[scenario]
    config = EmulatorConfig(
        rate_per_second=rate,
        burst=float(bucket["burst"]),
        arrival_jitter_ms=int(bucket["arrival_jitter_ms"]),
        jitter_seed=seed,
    )
    app = create_app(build_world(seed="demo"), config=config)
    budget = Budget(requests)
    pages = Pages()
    # Stop by ourselves even if something stalls: twice the planned time, plus a margin.
    deadline = 2 * requests / min(rate, client_rate) + 60
    async with (
        serve_emulator(app) as url,
        httpx.AsyncClient(base_url=url) as control,
        LexwareApi(base_url=url, rate_per_second=client_rate) as api,
    ):
        clients = [api.for_key(MAIN_KEY) for _ in range(tasks)]
        started = time.perf_counter()
        async with asyncio.timeout(deadline), asyncio.TaskGroup() as group:
            for client in clients:
                group.create_task(sync_like_task(client, budget, pages))
        seconds = time.perf_counter() - started
        counters = (await control.get("/_emulator/counters")).json()
        slowdown = api.pacers.for_fingerprint(key_fingerprint(MAIN_KEY)).slowdown
    # Throttled calls were not executed (and are retried): only served ones count.
    answers = counters["requestsByKey"].get(MAIN_KEY, 0)
    served = answers - counters["throttled"]
    achieved = (served - 1) / seconds
    share = counters["throttled"] / answers if answers else 0.0
    print(
        f"scenario={scenario} burst={bucket['burst']} jitter_ms=0-{bucket['arrival_jitter_ms']} "
        f"requests={served} seconds={seconds:.1f} achieved_rate={achieved:.3f} "
        f"allowed_rate={rate} rate_fraction={achieved / rate:.3f} "
        f"http_429={counters['throttled']} share_429={share:.4f} final_slowdown={slowdown:.2f}"
    )
    mix = ",".join(f"{kind}:{n}" for kind, n in sorted(budget.calls.items()))
    retries = sum(c.stats.retries for c in clients)
    errors = ",".join(f"{k}:{n}" for k, n in sorted(budget.errors.items())) or "none"
    print(f"  mix={mix} tasks={tasks} client_rate={client_rate} retries={retries} errors={errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=[*SCENARIOS, "both"], default="both")
    parser.add_argument("--requests", type=int, default=300, help="API calls to make")
    parser.add_argument("--rate", type=float, default=2.0, help="emulator bucket, requests/s")
    parser.add_argument("--client-rate", type=float, help="client pacing (default: --rate)")
    parser.add_argument("--tasks", type=int, default=4, help="concurrent tasks sharing the key")
    parser.add_argument("--seed", type=int, default=7, help="seed of the network jitter")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    scenarios = list(SCENARIOS) if args.scenario == "both" else [args.scenario]
    for scenario in scenarios:
        asyncio.run(
            run(
                scenario=scenario,
                requests=args.requests,
                rate=args.rate,
                client_rate=args.client_rate or args.rate,
                tasks=args.tasks,
                seed=args.seed,
            )
        )


if __name__ == "__main__":
    main()
