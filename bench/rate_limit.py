"""Sustained request rate of the Lexware client against the emulator's token bucket.

Run: .venv/bin/python bench/rate_limit.py [--requests 300] [--rate 2.0] [--tasks 4]

Starts the emulator (demo world, a real uvicorn server on 127.0.0.1 and a random port,
bucket of ``--rate`` requests/s with burst 2) and lets several tasks share one API key
the way a sync does: each fetches voucherlist pages and, per voucher, the detail, the
payments and a file. With ``--requests 300`` at 2/s it runs about 150 s. The 429 count
comes from the emulator's own counters, not from the client. ``--client-rate`` paces
the client differently from the bucket (e.g. 3.0 to see 429s and retries).

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


async def run(*, requests: int, rate: float, client_rate: float, tasks: int) -> None:
    app = create_app(
        build_world(seed="demo"), config=EmulatorConfig(rate_per_second=rate, burst=2.0)
    )
    budget = Budget(requests)
    pages = Pages()
    # Stop by ourselves even if something stalls: twice the planned time, plus a margin.
    deadline = 2 * requests / min(rate, client_rate) + 30
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
    # Throttled calls were not executed (and are retried): only served ones count.
    served = counters["requestsByKey"].get(MAIN_KEY, 0) - counters["throttled"]
    achieved = (served - 1) / seconds
    print(
        f"requests={served} seconds={seconds:.1f} achieved_rate={achieved:.3f} "
        f"allowed_rate={rate} rate_fraction={achieved / rate:.3f} "
        f"http_429={counters['throttled']}"
    )
    mix = ",".join(f"{kind}:{n}" for kind, n in sorted(budget.calls.items()))
    retries = sum(c.stats.retries for c in clients)
    errors = ",".join(f"{k}:{n}" for k, n in sorted(budget.errors.items())) or "none"
    print(f"mix={mix} tasks={tasks} client_rate={client_rate} retries={retries} errors={errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="API calls to make")
    parser.add_argument("--rate", type=float, default=2.0, help="emulator bucket, requests/s")
    parser.add_argument("--client-rate", type=float, help="client pacing (default: --rate)")
    parser.add_argument("--tasks", type=int, default=4, help="concurrent tasks sharing the key")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    asyncio.run(
        run(
            requests=args.requests,
            rate=args.rate,
            client_rate=args.client_rate or args.rate,
            tasks=args.tasks,
        )
    )


if __name__ == "__main__":
    main()
