"""CPU time the Lexware client spends per request, against in-process transports.

Run: .venv/bin/python bench/client_overhead.py [--requests N]
First figure: a MockTransport answers instantly with realistic payloads (a bookkeeping
voucher and a payments object), so it is the client's own cost: pacing, retry wrapper (stamina is
entered only after a retryable failure), building the httpx request for the transport,
JSON decoding with Decimal, pydantic validation.
Second figure: the same calls against the emulator through ``httpx.ASGITransport``
(no sockets). It includes the emulator's CPU (gateway, Litestar routing, rendering the
JSON), so it is an upper bound for the client and a rough cost of a test request.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from pathlib import Path

import httpx

from belegsync.emulator import MAIN_KEY, MAIN_ORG_ID, EmulatorConfig, build_world, create_app
from belegsync.lexware import LexwareApi, RetryPolicy

SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "lexware"
VOUCHER = (SAMPLES / "voucher_response.json").read_bytes()
PAYMENTS = (SAMPLES / "payments_sample_paid_invoice_cashdiscount.json").read_bytes()


def handler(request: httpx.Request) -> httpx.Response:
    body = PAYMENTS if request.url.path.startswith("/v1/payments/") else VOUCHER
    return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})


async def run(requests: int) -> float:
    async with LexwareApi(
        transport=httpx.MockTransport(handler),
        rate_per_second=1e9,
        retry_policy=RetryPolicy(attempts=1),
    ) as api:
        client = api.for_key("bench-key-0000000000000000")
        await client.payments("warm-up")
        started = time.process_time()
        for n in range(requests // 2):
            await client.bookkeeping_voucher(f"v-{n}")
            await client.payments(f"v-{n}")
        elapsed = time.process_time() - started
        assert client.stats.requests_sent == 1 + 2 * (requests // 2)
    return elapsed


async def run_with_emulator(requests: int) -> float:
    world = build_world(seed="demo", voucher_count=200)
    app = create_app(world, config=EmulatorConfig(rate_per_second=1e9, burst=1e9))
    ids = [
        v.id
        for v in world.vouchers(MAIN_ORG_ID)
        if v.is_bookkeeping and v.status not in ("draft", "unchecked")
    ]
    async with LexwareApi(
        base_url="http://emulator",
        transport=httpx.ASGITransport(app=app),
        rate_per_second=1e9,
        retry_policy=RetryPolicy(attempts=1),
    ) as api:
        client = api.for_key(MAIN_KEY)
        await client.payments(ids[0])
        started = time.process_time()
        for n in range(requests // 2):
            voucher_id = ids[n % len(ids)]
            await client.bookkeeping_voucher(voucher_id)
            await client.payments(voucher_id)
        elapsed = time.process_time() - started
        assert client.stats.requests_sent == 1 + 2 * (requests // 2)
        assert client.stats.retries == 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    requests = args.requests - args.requests % 2
    # Creating the emulator's Litestar app turns on INFO logging; a line per request
    # would be measured as well.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    print(f"load_average={' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cpu = asyncio.run(run(requests))
    print(f"client_cpu_per_request_ms={cpu / requests * 1000:.3f} requests={requests}")
    both = asyncio.run(run_with_emulator(requests))
    print(
        f"client_plus_emulator_cpu_per_request_ms={both / requests * 1000:.3f} "
        f"requests={requests} (in-process emulator via ASGITransport; includes its CPU)"
    )


if __name__ == "__main__":
    main()
