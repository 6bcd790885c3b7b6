"""CPU time the Lexware client spends per request, against an in-process transport.

Run: .venv/bin/python bench/client_overhead.py [--requests N]
The transport answers instantly with realistic payloads (a bookkeeping voucher and a
payments object), so the figure is the client's own cost: pacing, retry wrapper,
httpx request building, JSON parsing with Decimal, pydantic validation.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import httpx

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    requests = args.requests - args.requests % 2
    cpu = asyncio.run(run(requests))
    print(f"client_cpu_per_request_ms={cpu / requests * 1000:.3f} requests={requests}")


if __name__ == "__main__":
    main()
