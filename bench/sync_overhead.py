"""Engine CPU time per voucher against an in-process fake transport, and what it means.

The Lexware answers are first recorded from the emulator, then replayed by a transport
that only looks them up (its own CPU is subtracted), so the measured CPU is the
engine's: client, parsing, mapping, SQLite writes, file store. It is the process CPU
(user + system, all threads): the event loop's thread, SQLite's driver thread and the
file store's thread (hashing, writing, fsync), which are also printed apart. The
matching that runs after a sync is measured apart (``matching_cpu_per_voucher_ms``): it
is not the engine's. At full rate one connection makes 2 requests/s; from the CPU per
voucher follows how many connections one core (and a 2-core worker with one process per
core) keeps busy. Targets: ≤ 2 ms per voucher, ≥ 1,500 connections per 2-core worker.

The file store of the measured run is set up like one in service: its 65,536
directories (``ab/cd/``) exist, as they all do once a store holds about a million
files. Creating them costs a brand-new store ~0.5 ms more per file; ``--new-file-store``
measures that case.

    .venv/bin/python bench/sync_overhead.py [--vouchers 1000] [--new-file-store]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Sequence

import httpx

from _stack import connected_tenant, emulator_with, sync_once
from belegsync.logs import configure_logging
from belegsync.store.files import LocalFileStore

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


class TimedFileStore(LocalFileStore):
    """The local file store, counting the CPU time of its writing thread."""

    cpu = 0.0

    def put_all_blocking(self, data: Sequence[bytes]) -> list[str]:
        started = time.thread_time()
        try:
            return super().put_all_blocking(data)
        finally:
            TimedFileStore.cpu += time.thread_time() - started


def existing_directories(root: str) -> None:
    for first in range(256):
        for second in range(256):
            os.makedirs(os.path.join(root, f"{first:02x}", f"{second:02x}"), exist_ok=True)


async def main(vouchers: int, new_file_store: bool) -> None:
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
        files = TimedFileStore(w.settings.files_dir)
        if not new_file_store:
            existing_directories(str(files.root))
        w.deps = dataclasses.replace(w.deps, after_sync=None, files=files)
        replay.cpu, replay.requests = 0.0, 0
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        loop_started = time.thread_time()
        outcome = await sync_once(w, tenant_id)
        loop_cpu = time.thread_time() - loop_started - replay.cpu
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
    file_cpu = TimedFileStore.cpu
    print(f"load_average={' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"vouchers={synced} requests={outcome.counts.api_calls} "
        f"requests_per_voucher={calls_per_voucher:.2f} wall_seconds={wall:.2f} "
        f"file_store={'new' if new_file_store else 'in service'}"
    )
    print(
        f"engine_cpu_per_voucher_ms={per_voucher * 1000:.2f} target=2.0 "
        f"ok={per_voucher * 1000 <= 2.0}"
    )
    print(
        f"  of which event_loop_thread_ms={loop_cpu / synced * 1000:.2f} "
        f"file_store_thread_ms={file_cpu / synced * 1000:.2f} "
        f"sqlite_and_other_threads_ms={(cpu - loop_cpu - file_cpu) / synced * 1000:.2f}"
    )
    print(f"engine_cpu_per_request_ms={cpu / outcome.counts.api_calls * 1000:.3f}")
    print(f"matching_cpu_per_voucher_ms={matching_cpu / synced * 1000:.2f}")
    print(f"connections_per_core_at_2_req_s={per_core:.0f}")
    print(f"connections_per_2core_worker={2 * per_core:.0f} target=1500 ok={2 * per_core >= 1500}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--vouchers", type=int, default=1000)
    parser.add_argument(
        "--new-file-store",
        action="store_true",
        help="measure with a brand-new file store (its directories created on the way)",
    )
    args = parser.parse_args()
    configure_logging(level="error")
    logging.getLogger().setLevel(logging.ERROR)
    asyncio.run(main(args.vouchers, args.new_file_store))
