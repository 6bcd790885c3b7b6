"""Achieved request rate of a first sync against the emulator over real HTTP.

Two runs: ≥ 200 paid vouchers at Lexware's real 2 requests/s, and 2,000 paid vouchers
with the emulator's (and client's) limit raised to 20 requests/s. Target for both: the
achieved rate ≥ 0.95 of the allowed rate, and zero 429 answers.

    .venv/bin/python bench/sync_rate.py [--small 200] [--large 2000] [--only small|large]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

import httpx

from _stack import connected_tenant, emulator_with, paid_count, sync_once
from belegsync.emulator import serve_in_background
from belegsync.logs import configure_logging

PAID_SHARE = 0.55  # the generator pays a little more than half of its vouchers


async def measure(paid_target: int, rate: float, label: str) -> None:
    app = emulator_with(int(paid_target / PAID_SHARE) + 20, rate=rate)
    async with (
        serve_in_background(app) as url,
        httpx.AsyncClient(base_url=url) as control,
        connected_tenant(base_url=url, client_rate=rate) as (w, tenant_id),
    ):
        await control.delete("/_emulator/counters")
        started = time.perf_counter()
        outcome = await sync_once(w, tenant_id)
        seconds = time.perf_counter() - started
        counters = (await control.get("/_emulator/counters")).json()
    requests = counters["requests"]
    achieved = requests / seconds
    print(
        f"{label}: paid_in_emulator={paid_count(app)} synced={outcome.counts.new} "
        f"status={outcome.status} requests={requests} seconds={seconds:.1f} "
        f"achieved_rate={achieved:.3f} allowed_rate={rate} "
        f"rate_fraction={achieved / rate:.3f} http_429={counters['throttled']}",
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    if args.only in (None, "small"):
        await measure(args.small, 2.0, "real_limit_2_req_s")
    if args.only in (None, "large"):
        await measure(args.large, 20.0, "raised_limit_20_req_s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=200, help="paid vouchers at 2 req/s")
    parser.add_argument("--large", type=int, default=2000, help="paid vouchers at 20 req/s")
    parser.add_argument("--only", choices=("small", "large"))
    configure_logging(level="error")
    logging.getLogger().setLevel(logging.ERROR)
    asyncio.run(main(parser.parse_args()))
