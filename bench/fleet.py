"""A fleet on PostgreSQL: N connections, each with its own key and a few hundred vouchers,
synced by 1 and by 2 ``belegsync worker`` processes against the emulator (own process,
Lexware's bucket: 2 requests/s, burst 2, per key).

Prints, per worker count: the aggregate rate while every connection is busy as a fraction
of N × 2 requests/s (goal ≥ 0.9), the 429s, and the wall time of the morning run (every
connection's first sync), then of the next morning's run after a few vouchers changed.

    .venv/bin/python bench/fleet.py [--connections 200] [--vouchers 200] [--workers 1,2]

Needs PostgreSQL (``BELEGSYNC_BENCH_POSTGRES_DSN``, default postgres@127.0.0.1:5432);
creates and drops its own database. Takes several minutes; not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import psycopg

from belegsync.cli.wiring import Wiring, migrate_database, wired
from belegsync.jobs.procrastinate_queue import ProcrastinateSyncQueue, build_app, ensure_schema
from belegsync.logs import configure_logging
from belegsync.settings import Settings
from belegsync.sync.connect import connect_lexware
from belegsync.tenants.clients import create_tenant

ADMIN_DSN = os.environ.get(
    "BELEGSYNC_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RATE = 2.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def database() -> AsyncIterator[str]:
    name = f"belegsync_fleet_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def emulator_process() -> AsyncIterator[tuple[str, int]]:
    port = free_port()
    cli = [sys.executable, "-m", "belegsync.cli", "emulator", "--port", str(port)]
    proc = await asyncio.create_subprocess_exec(
        *cli, "--seed", "empty", "--rate", str(RATE), stdout=asyncio.subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as probe:
            for _ in range(200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await probe.get("/_emulator/keys")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        await proc.wait()


async def seed_organizations(
    control: httpx.AsyncClient, n: int, vouchers: int
) -> list[tuple[str, str]]:
    """One organisation and key per connection, each with generated vouchers."""
    keys = []
    for i in range(n):
        org = (await control.post("/_emulator/organizations", json={"name": f"Firma {i}"})).json()
        key = f"fleet-key-{i:05d}-{uuid.uuid4().hex}"
        await control.post("/_emulator/keys", json={"organizationId": org["id"], "key": key})
        await control.post(
            f"/_emulator/organizations/{org['id']}/generate",
            json={"count": vouchers, "seed": i, "start": "2025-01-01", "end": "2025-12-31"},
        )
        keys.append((org["id"], key))
    return keys


async def connect_all(w: Wiring, base_url: str, keys: list[str]) -> list[str]:
    limit = asyncio.Semaphore(50)

    async def one(i: int, key: str) -> str:
        async with limit:
            tenant_id = await create_tenant(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                name=f"Mandant {i}",
                open_tax_years=[2025],
            )
            result = await connect_lexware(
                uow_factory=w.uow_factory,
                lexware=w.apis.client,
                cipher=w.keyring,
                clock=w.deps.clock,
                queue=None,
                tenant_id=tenant_id,
                api_key=key,
                base_url=base_url,
            )
            assert result.state.value == "active", result
            async with w.uow() as uow:
                row = await uow.connections.for_tenant(tenant_id)
                assert row is not None
                return row.id

    return list(await asyncio.gather(*(one(i, k) for i, k in enumerate(keys))))


async def finished_runs(dsn: str, since: float) -> tuple[int, int]:
    query = (
        "SELECT count(*) FILTER (WHERE status IN ('succeeded','failed','failed_transient')),"
        " count(*) FILTER (WHERE status = 'succeeded') FROM sync_runs"
        " WHERE queued_at >= to_timestamp(%s)"
    )
    async with await psycopg.AsyncConnection.connect(dsn) as db:
        row = await (await db.execute(query, (since,))).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


async def counters(control: httpx.AsyncClient) -> tuple[int, int]:
    snapshot = (await control.get("/_emulator/counters")).json()
    return int(snapshot["requests"]), int(snapshot["throttled"])


async def morning(
    w: Wiring,
    control: httpx.AsyncClient,
    connections: list[str],
    workers: int,
    env: dict[str, str],
    time_limit: float,
) -> dict[str, float]:
    """Enqueue every connection, start the workers, wait until every run ended (or the
    time limit passed)."""
    dsn = w.settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    app = build_app(w.settings.database_url, w.deps)
    began = time.time()
    async with app.open_async():
        await ensure_schema(app)
        queue = ProcrastinateSyncQueue(app, w.deps)
        for connection_id in connections:
            await queue.enqueue(connection_id, trigger="schedule")
    concurrency = str(math.ceil(len(connections) / workers) + 2)
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "belegsync.cli",
            "worker",
            "--concurrency",
            concurrency,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    samples: list[tuple[float, int, int, int]] = []  # (t, requests, throttled, finished)
    worker_cpu = 0.0
    try:
        while True:
            requests, throttled = await counters(control)
            done, ok = await finished_runs(dsn, began - 1)
            samples.append((time.time() - began, requests, throttled, done))
            worker_cpu = sum(cpu_seconds(p.pid) for p in procs)
            if done >= len(connections) or samples[-1][0] > time_limit:
                break
            await asyncio.sleep(2.0)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            # A worker waits for its running syncs on SIGTERM; past the limit, stop it.
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    figures = summarize(samples, len(connections), ok)
    figures["finished_runs"] = done
    figures["worker_cpu_seconds"] = round(worker_cpu, 1)
    figures["requests_per_worker_cpu_second"] = round(figures["requests"] / max(worker_cpu, 0.01))
    return figures


def summarize(samples: list[tuple[float, int, int, int]], n: int, ok: int) -> dict[str, float]:
    """The rate over the window in which every connection was still busy (after the
    workers' start-up), and the run's wall time."""
    busy = [s for s in samples if s[3] == 0 and s[0] >= 8.0]
    window = busy if len(busy) >= 2 else samples
    (t0, r0, _, _), (t1, r1, _, _) = window[0], window[-1]
    rate = (r1 - r0) / max(t1 - t0, 1e-9)
    return {
        "wall_seconds": round(samples[-1][0], 1),
        "steady_window_seconds": round(t1 - t0, 1),
        "aggregate_rate": round(rate, 1),
        "rate_fraction": round(rate / (n * RATE), 3),
        "throttled_429": samples[-1][2] - samples[0][2],
        "requests": samples[-1][1] - samples[0][1],
        "succeeded": ok,
    }


async def change_some(control: httpx.AsyncClient, orgs: list[str], per_org: int) -> None:
    """A day's work: a few new vouchers paid in each organisation."""
    for org in orgs:
        for _ in range(per_org):
            created = await control.post(
                f"/_emulator/organizations/{org}/vouchers",
                json={"type": "purchaseinvoice", "status": "open", "voucherDate": "2025-11-03"},
            )
            await control.post(f"/_emulator/vouchers/{created.json()['id']}/pay", json={})


async def one_configuration(args: argparse.Namespace, workers: int) -> None:
    async with database() as url, emulator_process() as (emulator_url, emulator_pid):
        with tempfile.TemporaryDirectory(prefix="belegsync-fleet-") as tmp:
            env = {
                **os.environ,
                "BELEGSYNC_DATABASE_URL": url,
                "BELEGSYNC_DATA_DIR": tmp,
                "BELEGSYNC_LOG_LEVEL": "error",
            }
            settings = replace(Settings.from_env(env), log_level="error")
            await migrate_database(settings)
            async with (
                httpx.AsyncClient(base_url=emulator_url, timeout=60) as control,
                wired(settings) as w,
            ):
                seeded = await seed_organizations(control, args.connections, args.vouchers)
                connections = await connect_all(w, emulator_url, [key for _, key in seeded])
                await control.delete("/_emulator/counters")
                emulator_cpu = cpu_seconds(emulator_pid)
                first = await morning(w, control, connections, workers, env, args.time_limit)
                first["emulator_cpu_seconds"] = round(cpu_seconds(emulator_pid) - emulator_cpu, 1)
                report(workers, "first", first, args.connections)
                if first["finished_runs"] < len(connections):
                    return  # the time limit cut the morning short: no next day
                await change_some(control, [org for org, _ in seeded], 3)
                daily = await morning(w, control, connections, workers, env, args.time_limit)
                # Few requests per connection: only the wall time says something here.
                for name in ("aggregate_rate", "rate_fraction", "steady_window_seconds"):
                    daily.pop(name)
                report(workers, "daily", daily, args.connections)


def report(workers: int, kind: str, figures: dict[str, Any], n: int) -> None:
    prefix = f"fleet_{n}conn_{workers}workers_{kind}"
    # On a shared machine the rate says as much about the neighbours as about belegsync.
    print(f"{prefix}_load_average_1min={os.getloadavg()[0]:.1f}", flush=True)
    for name, value in figures.items():
        print(f"{prefix}_{name}={value}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--vouchers", type=int, default=200, help="generated per organisation")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2")
    parser.add_argument(
        "--time-limit", type=float, default=900.0, help="seconds a morning may take at most"
    )
    args = parser.parse_args()
    configure_logging(level="error")
    for workers in (int(w) for w in args.workers.split(",")):
        asyncio.run(one_configuration(args, workers))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
