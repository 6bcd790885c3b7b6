"""Server time of the overviews at volume: the client's start page, the staff page of that
client and the staff portfolio, for a client with 20,000 vouchers (~17,600 bank
transactions, ~16,500 links after the real matching run) among 50 clients.

The data is built the way the tests build it (``tests/support/volume.py``: the sync's
batch insert, the banking service, the real matching). Measured in process: the read
models alone (the overview's counts through ``uow.overview``), then the pages through the
whole app (Litestar test client, templates included). Prints ``name=value`` lines: wall
and CPU p50/p95 in ms, and the load average (the machine may be busy: CPU time is the
figure to compare). The CPU is this process's: with SQLite it includes the queries, with
PostgreSQL the server's share is not in it (compare wall times on a quiet machine). The
target: every page well under 150 ms.

    .venv/bin/python bench/overview_latency.py [--postgres] [--vouchers 20000] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from belegsync.accounts.users import create_user
from belegsync.logs import configure_logging
from belegsync.store.access import TenantContext
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.files import LocalFileStore
from belegsync.store.migrate import upgrade
from belegsync.store.secrets import KeyRing
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.tenants.clients import create_tenant
from belegsync.web.app import create_app
from belegsync.web.deps import WebConfig, WebDeps
from support.volume import generate_volume
from web_latency import NOW, FixedClock

PASSWORD = "bench-password"
CLIENT, STAFF = "client@bench.test", "staff@bench.test"
END = date(2026, 6, 14)
PG_ADMIN = os.environ.get(
    "BELEGSYNC_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


class _NoQueue:
    async def enqueue(self, connection_id: str, *, trigger: str, full: bool = False) -> None:
        return None


@dataclass
class Timings:
    wall_ms: list[float]
    cpu_ms: list[float]

    def lines(self, name: str) -> list[str]:
        out = []
        for kind, values in (("wall", self.wall_ms), ("cpu", self.cpu_ms)):
            ordered = sorted(values)
            p95 = ordered[round(0.95 * (len(ordered) - 1))]
            out.append(f"{name}_{kind}_p50_ms={statistics.median(ordered):.1f}")
            out.append(f"{name}_{kind}_p95_ms={p95:.1f}")
        return out


async def timed(call: Callable[[], Awaitable[Any]], rounds: int) -> Timings:
    for _ in range(2):
        await call()
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        await call()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return Timings(wall, cpu)


def analyze(url: str) -> None:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("ANALYZE")


def report(lines: list[str]) -> None:
    """Figures as they come, each group with the machine's load while it was measured."""
    print("\n".join([*lines, f"load_average={load()}"]), flush=True)


def load() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


async def build(
    uow_factory: UnitOfWorkFactory, files: Path, vouchers: int, clients: int
) -> list[str]:
    """``clients`` clients, the first with ``vouchers`` vouchers, the others 200 each;
    a login for the first and one for staff. Returns the tenant ids, the big one first."""
    clock = FixedClock(NOW)
    store = LocalFileStore(files)
    ids: list[str] = []
    for n in range(clients):
        tenant = await create_tenant(
            uow_factory=uow_factory,
            clock=clock,
            name=f"Mandant {n:02d} GmbH",
            open_tax_years=[2025, 2026],
        )
        await generate_volume(
            uow_factory=uow_factory,
            files=store,
            clock=clock,
            tenant_id=tenant,
            count=vouchers if n == 0 else 200,
            end=END,
            seed=13 + n,
        )
        ids.append(tenant)
    await create_user(
        uow_factory=uow_factory,
        clock=clock,
        email=CLIENT,
        password=PASSWORD,
        role="client",
        tenant_id=ids[0],
    )
    await create_user(
        uow_factory=uow_factory, clock=clock, email=STAFF, password=PASSWORD, role="staff"
    )
    return ids


def app_for(uow_factory: UnitOfWorkFactory, tmp: Path) -> Litestar:
    deps = WebDeps(
        config=WebConfig(session_secret=b"bench-secret-0123456789abcdefghij"),
        uow_factory=uow_factory,
        files=LocalFileStore(tmp / "files"),
        clock=FixedClock(NOW),
        queue=_NoQueue(),
        lexware=lambda key, base: None,  # type: ignore[arg-type,return-value]
        cipher=KeyRing.load_or_create(tmp / "secrets.key", allow_create=True),
        verify_webhook=lambda body, sig: None,  # type: ignore[arg-type,return-value]
    )
    return create_app(deps)


async def login(client: AsyncTestClient[Litestar], email: str) -> None:
    await client.get("/login")
    token = client.cookies.get("belegsync_csrf")
    r = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf_token": token}
    )
    assert r.status_code == 200, r.status_code


async def page_timings(app: Litestar, email: str, url: str, rounds: int) -> Timings:
    async with AsyncTestClient(app) as client:
        await login(client, email)

        async def get() -> None:
            response = await client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return await timed(get, rounds)


async def measure(url: str, tmp: Path, args: argparse.Namespace) -> None:
    engine = create_engine(url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    started = time.perf_counter()
    ids = await build(uow_factory, tmp / "files", args.vouchers, args.clients)
    big = ids[0]
    print(f"backend={url.split(':', 1)[0]}")
    print(f"vouchers={args.vouchers}")
    print(f"clients={args.clients}")
    print(f"build_s={time.perf_counter() - started:.1f}", flush=True)
    if url.startswith("postgresql"):
        # What autovacuum does after a bulk load (the test server runs without it):
        # without statistics the planner takes 20,000 vouchers for a handful.
        await asyncio.to_thread(analyze, url)
    ctx = TenantContext(big, "bench")

    async def client_counts() -> None:
        async with uow_factory() as uow:
            await uow.overview.client_counts(ctx, last_month=END)

    async def portfolio_counts() -> None:
        async with uow_factory() as uow:
            await uow.overview.yearly_counts(ids)

    report((await timed(client_counts, args.rounds)).lines("read_client_counts"))
    report((await timed(portfolio_counts, args.rounds)).lines("read_portfolio_counts"))
    app = app_for(uow_factory, tmp)
    pages = (
        ("page_client_overview", CLIENT, f"/clients/{big}/overview"),
        ("page_staff_client", STAFF, f"/staff/clients/{big}"),
        ("page_portfolio", STAFF, "/staff/portfolio"),
    )
    for name, email, path in pages:
        report((await page_timings(app, email, path, args.rounds)).lines(name))
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--vouchers", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    configure_logging(level="warning")
    print(f"load_average_start={load()}")
    with tempfile.TemporaryDirectory(prefix="belegsync-overview-") as name:
        tmp = Path(name)
        if not args.postgres:
            url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
            await asyncio.to_thread(upgrade, url)
            await measure(url, tmp, args)
            return
        import psycopg

        database = f"belegsync_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
            try:
                base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
                url = f"{base}/{database}"
                await asyncio.to_thread(upgrade, url)
                await measure(url, tmp, args)
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
