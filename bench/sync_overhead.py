"""Engine CPU time per voucher against an in-process fake transport, and what it means.

The Lexware answers are first recorded from the emulator, then replayed by a transport
that only looks them up, so the measured CPU is the engine's: client, parsing, mapping,
SQLite writes, file store (its writes run in a worker thread; process CPU counts them).
The matching that runs after a sync is measured apart (``matching_cpu_per_voucher_ms``):
it is not the engine's. At full rate one connection makes 2 requests/s; from the CPU
per voucher follows how many connections one core (and a 2-core worker with one
process per core) keeps busy. Targets: ≤ 2 ms per voucher, ≥ 1,500 connections per
2-core worker.

    .venv/bin/python bench/sync_overhead.py [--vouchers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import time

import httpx

from _stack import connected_tenant, emulator_with, sync_once
from belegsync.logs import configure_logging

BASE_URL = "http://lexware.bench"
Key = tuple[str, str, str]


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: dict[Key, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        key = (request.method, str(request.url), request.headers.get("accept", ""))
        self.answers[key] = (response.status_code, response.headers.raw, body)
        return httpx.Response(response.status_code, headers=response.headers.raw, content=body)


class Replay(httpx.AsyncBaseTransport):
    def __init__(self, answers: dict[Key, tuple[int, list[tuple[bytes, bytes]], bytes]]) -> None:
        self.answers = answers
        self.cpu = 0.0
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.process_time()
        status, headers, body = self.answers[
            (request.method, str(request.url), request.headers.get("accept", ""))
        ]
        response = httpx.Response(status, headers=headers, content=body)
        self.requests += 1
        self.cpu += time.process_time() - started
        return response


async def main(vouchers: int) -> None:
    recorder = Recorder(httpx.ASGITransport(app=emulator_with(vouchers, rate=1_000_000)))
    async with connected_tenant(base_url=BASE_URL, client_rate=1_000_000, transport=recorder) as (
        w,
        tenant_id,
    ):
        recorded = await sync_once(w, tenant_id)
    replay = Replay(recorder.answers)
    async with connected_tenant(base_url=BASE_URL, client_rate=1_000_000, transport=replay) as (
        w,
        tenant_id,
    ):
        matching = w.deps.after_sync
        w.deps = dataclasses.replace(w.deps, after_sync=None)
        replay.cpu, replay.requests = 0.0, 0
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        outcome = await sync_once(w, tenant_id)
        cpu = time.process_time() - cpu_started - replay.cpu
        wall = time.perf_counter() - wall_started
        matching_started = time.process_time()
        if matching is not None:
            await matching(tenant_id)
        matching_cpu = time.process_time() - matching_started
    synced = outcome.counts.new
    assert synced == recorded.counts.new > 0, (synced, recorded.counts.new)
    per_voucher = cpu / synced
    calls_per_voucher = outcome.counts.api_calls / synced
    vouchers_per_second_at_full_rate = 2.0 / calls_per_voucher
    per_core = 1.0 / (per_voucher * vouchers_per_second_at_full_rate)
    print(f"vouchers={synced} requests={outcome.counts.api_calls} wall_seconds={wall:.2f}")
    print(
        f"engine_cpu_per_voucher_ms={per_voucher * 1000:.2f} target=2.0 "
        f"ok={per_voucher * 1000 <= 2.0}"
    )
    print(f"engine_cpu_per_request_ms={cpu / outcome.counts.api_calls * 1000:.3f}")
    print(f"matching_cpu_per_voucher_ms={matching_cpu / synced * 1000:.2f}")
    print(f"connections_per_core_at_2_req_s={per_core:.0f}")
    print(f"connections_per_2core_worker={2 * per_core:.0f} target=1500 ok={2 * per_core >= 1500}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--vouchers", type=int, default=1000)
    configure_logging(level="error")
    logging.getLogger().setLevel(logging.ERROR)
    asyncio.run(main(parser.parse_args().vouchers))
