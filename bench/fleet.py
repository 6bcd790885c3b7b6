"""A fleet on PostgreSQL: N connections, each with its own key and a few hundred vouchers,
synced by 1 and by 2 ``belegsync worker`` processes against the emulator (own process,
Lexware's bucket: 2 requests/s, burst 2, per key).

Prints, per worker count: the aggregate rate while every connection is busy as a fraction
of N × 2 requests/s (goal ≥ 0.9), the 429s, and the wall time of the morning run (every
connection's first sync), then of the next morning's run after a few vouchers changed.
Where the time goes: CPU seconds per request of the emulator, of the workers and of the
PostgreSQL backends serving this benchmark's database (all on this machine), the request
mix, and the load average before and after. The workers' CPU per request while every
connection is busy (``…_steady``, start-up left out) gives the connections one 2-core
machine's workers keep at 2 requests/s (``connections_per_2core_worker``).

    .venv/bin/python bench/fleet.py [--connections 200] [--vouchers 200] [--workers 1,2]
        [--pool-size 30] [--profile DIR]

Each worker gets ``BELEGSYNC_DB_POOL_SIZE`` = ``--pool-size``, lowered if the workers
would not fit PostgreSQL's ``max_connections`` next to the connections already open
(printed as ``…_worker_pool_size``). ``--profile DIR`` runs the workers under cProfile
(``DIR/worker-<n>w-<i>.prof``; timed by process CPU, all threads together).

Needs PostgreSQL (``BELEGSYNC_BENCH_POSTGRES_DSN``, default postgres@127.0.0.1:5432);
creates and drops its own database. Not part of the test suite, and slow: with the defaults
(200 connections × 200 generated vouchers, about 120 of them paid, some 400 requests per
connection) each worker count takes 6–10 minutes (seeding, connecting, a first morning of
at least 200 s at full rate, the next morning). ``--connections 50 --vouchers 30`` takes
about a minute per worker count, for profiling.
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
# Connections left to others on a shared server (other processes may open some meanwhile).
PG_HEADROOM = 20
# The benchmark's own process: SQLAlchemy 2 + Procrastinate 2, plus a polling connection.
BENCH_POOL_SIZE = 4


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


def pg_figures() -> tuple[int, int, int]:
    """``max_connections``, the reserved ones, and the connections open right now."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        row = admin.execute(
            "SELECT current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int,"
            " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def worker_pool_size(wanted: int, workers: int) -> tuple[int, dict[str, int]]:
    """The largest ``BELEGSYNC_DB_POOL_SIZE`` up to ``wanted`` with which the workers (each
    one more connection, to listen for jobs) and this process fit max_connections."""
    most, reserved, used = pg_figures()
    free = most - reserved - used - PG_HEADROOM - (BENCH_POOL_SIZE + 1)
    size = min(wanted, free // workers - 1)
    if size < 2:
        raise SystemExit(
            f"PostgreSQL has too few free connections for {workers} workers "
            f"(max_connections={most}, {used} in use)"
        )
    return size, {"pg_max_connections": most, "pg_connections_in_use_before": used}


class BackendCpu:
    """CPU time of the PostgreSQL backends connected to one database (the server runs on
    this machine): per-process CPU read from /proc, new backends counted from zero."""

    def __init__(self, dsn: str, name: str) -> None:
        self._admin = dsn.rsplit("/", 1)[0] + "/postgres"
        self._name = name
        self._start: dict[int, float] = {}
        self._last: dict[int, float] = {}

    async def sample(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._admin) as db:
            rows = await (
                await db.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self._name,)
                )
            ).fetchall()
        first = not self._start
        for (pid,) in rows:
            seconds = cpu_seconds(int(pid))
            # backends open at the first sample count from then, later ones from zero
            self._start.setdefault(int(pid), seconds if first else 0.0)
            self._last[int(pid)] = max(seconds, self._last.get(int(pid), 0.0))

    def seconds(self) -> float:
        return sum(self._last[pid] - self._start[pid] for pid in self._last)


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


# Runs ``python -m MODULE ARGS`` under cProfile timed by process CPU (not wall clock, which
# on a loaded machine would inflate every wait): ``-c PROFILED OUT MODULE ARGS…``.
PROFILED = """
import cProfile, runpy, sys, time
out, module = sys.argv[1], sys.argv[2]
sys.argv = [module, *sys.argv[3:]]
profiler = cProfile.Profile(time.process_time)
profiler.enable()
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    profiler.disable()
    profiler.dump_stats(out)
"""


def python(module: str, profile: Path | None) -> list[str]:
    """``python -m module``, under cProfile writing to ``profile`` if given."""
    if profile is None:
        return [sys.executable, "-m", module]
    return [sys.executable, "-c", PROFILED, str(profile), module]


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


async def request_mix(control: httpx.AsyncClient) -> str:
    """Requests per /v1 resource so far, e.g. ``files:410,payments:200,…``."""
    by_resource = (await control.get("/_emulator/counters")).json()["byResource"]
    ordered = sorted(by_resource.items(), key=lambda item: -int(item[1]))
    return ",".join(f"{name or '-'}:{count}" for name, count in ordered)


async def morning(
    w: Wiring,
    control: httpx.AsyncClient,
    connections: list[str],
    workers: int,
    env: dict[str, str],
    args: argparse.Namespace,
    label: str,
) -> dict[str, Any]:
    """Enqueue every connection, start the workers, wait until every run ended (or the
    time limit passed)."""
    dsn = w.settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    backends = BackendCpu(dsn, dsn.rsplit("/", 1)[1])
    await backends.sample()
    app = build_app(w.settings.database_url, w.deps)
    load_before = os.getloadavg()[0]
    began = time.time()
    async with app.open_async():
        await ensure_schema(app)
        queue = ProcrastinateSyncQueue(app, w.deps)
        for connection_id in connections:
            await queue.enqueue(connection_id, trigger="schedule")
    concurrency = str(math.ceil(len(connections) / workers) + 2)
    profiles: list[Path | None] = [
        None if args.profile is None else args.profile / f"worker-{label}-{i}.prof"
        for i in range(workers)
    ]
    procs = [
        await asyncio.create_subprocess_exec(
            *python("belegsync.cli", profile),
            "worker",
            "--concurrency",
            concurrency,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
        )
        for profile in profiles
    ]
    samples: list[tuple[float, int, int, int]] = []  # (t, requests, throttled, finished)
    worker_cpus: list[float] = []  # the workers' CPU seconds at each sample
    worker_cpu = 0.0
    try:
        while True:
            requests, throttled = await counters(control)
            done, ok = await finished_runs(dsn, began - 1)
            samples.append((time.time() - began, requests, throttled, done))
            worker_cpu = sum(cpu_seconds(p.pid) for p in procs)
            worker_cpus.append(worker_cpu)
            await backends.sample()
            if done >= len(connections) or samples[-1][0] > args.time_limit:
                break
            await asyncio.sleep(2.0)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            # A worker waits for its running syncs on SIGTERM; past the limit, stop it.
            try:
                await asyncio.wait_for(proc.wait(), 15 if args.profile is None else 120)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    figures: dict[str, Any] = summarize(samples, len(connections), ok)
    figures["finished_runs"] = done
    requests = max(int(figures["requests"]), 1)
    figures["worker_cpu_seconds"] = round(worker_cpu, 1)
    figures["worker_cpu_ms_per_request"] = round(worker_cpu / requests * 1000, 2)
    steady = steady_cpu_ms_per_request(samples, worker_cpus)
    if steady is not None:
        # start-up and the last stragglers left out: what one more connection costs
        figures["worker_cpu_ms_per_request_steady"] = round(steady, 2)
        # a 2-core machine, one worker process per core, each request 2/s per connection
        figures["connections_per_2core_worker"] = int(2 * 1000 / (steady * RATE))
    figures["postgres_cpu_seconds"] = round(backends.seconds(), 1)
    figures["postgres_cpu_ms_per_request"] = round(backends.seconds() / requests * 1000, 2)
    figures["load_average_before"] = round(load_before, 1)
    return figures


def steady_window(samples: list[tuple[float, int, int, int]]) -> list[int]:
    """Indices of the samples while every connection was still busy (after the workers'
    start-up), or of all samples if there are too few such."""
    busy = [i for i, s in enumerate(samples) if s[3] == 0 and s[0] >= 8.0]
    return busy if len(busy) >= 2 else list(range(len(samples)))


def steady_cpu_ms_per_request(
    samples: list[tuple[float, int, int, int]], worker_cpus: list[float]
) -> float | None:
    """The workers' CPU per request over the steady window."""
    window = steady_window(samples)
    first, last = window[0], window[-1]
    requests = samples[last][1] - samples[first][1]
    if requests <= 0:
        return None
    return (worker_cpus[last] - worker_cpus[first]) / requests * 1000


def summarize(samples: list[tuple[float, int, int, int]], n: int, ok: int) -> dict[str, float]:
    """The rate over the window in which every connection was still busy (after the
    workers' start-up), and the run's wall time."""
    window = steady_window(samples)
    (t0, r0, _, _), (t1, r1, _, _) = samples[window[0]], samples[window[-1]]
    rate = (r1 - r0) / max(t1 - t0, 1e-9)
    return {
        "wall_seconds": round(samples[-1][0], 1),
        "steady_window_seconds": round(t1 - t0, 1),
        "aggregate_rate": round(rate, 1),
        "rate_fraction": round(rate / (n * RATE), 3),
        # over the whole morning, start-up and the last stragglers included
        "morning_average_rate": round((samples[-1][1] - samples[0][1]) / samples[-1][0], 1),
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
    pool_size, pg = worker_pool_size(args.pool_size, workers)
    async with (
        database() as url,
        emulator_process() as (emulator_url, emulator_pid),
    ):
        with tempfile.TemporaryDirectory(prefix="belegsync-fleet-") as tmp:
            env = {
                **os.environ,
                "BELEGSYNC_DATABASE_URL": url,
                "BELEGSYNC_DATA_DIR": tmp,
                "BELEGSYNC_LOG_LEVEL": "error",
                "BELEGSYNC_DB_POOL_SIZE": str(pool_size),
            }
            settings = replace(
                Settings.from_env(env), log_level="error", db_pool_size=BENCH_POOL_SIZE
            )
            await migrate_database(settings)
            async with (
                httpx.AsyncClient(base_url=emulator_url, timeout=60) as control,
                wired(settings) as w,
            ):
                seeded = await seed_organizations(control, args.connections, args.vouchers)
                connections = await connect_all(w, emulator_url, [key for _, key in seeded])
                await control.delete("/_emulator/counters")
                emulator_cpu = cpu_seconds(emulator_pid)
                first = await morning(w, control, connections, workers, env, args, f"{workers}w")
                first["emulator_cpu_seconds"] = round(cpu_seconds(emulator_pid) - emulator_cpu, 1)
                first["emulator_cpu_ms_per_request"] = round(
                    first["emulator_cpu_seconds"] / max(first["requests"], 1) * 1000, 2
                )
                first["request_mix"] = await request_mix(control)
                first["worker_pool_size"] = pool_size
                first.update(pg)
                report(workers, "first", first, args.connections)
                if first["finished_runs"] < len(connections):
                    return  # the time limit cut the morning short: no next day
                await change_some(control, [org for org, _ in seeded], 3)
                emulator_cpu = cpu_seconds(emulator_pid)
                daily = await morning(
                    w, control, connections, workers, env, args, f"{workers}w-daily"
                )
                daily["emulator_cpu_seconds"] = round(cpu_seconds(emulator_pid) - emulator_cpu, 1)
                # Few requests per connection: only the wall time says something here.
                for name in (
                    "aggregate_rate",
                    "rate_fraction",
                    "steady_window_seconds",
                    "morning_average_rate",
                    "worker_cpu_ms_per_request_steady",
                    "connections_per_2core_worker",
                ):
                    daily.pop(name, None)
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
    parser.add_argument(
        "--pool-size", type=int, default=30, help="BELEGSYNC_DB_POOL_SIZE of each worker (30)"
    )
    parser.add_argument("--profile", type=Path, default=None, help="cProfile the workers into DIR")
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    configure_logging(level="error")
    for workers in (int(w) for w in args.workers.split(",")):
        asyncio.run(one_configuration(args, workers))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
