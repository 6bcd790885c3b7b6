"""Scale-out mode: PostgreSQL, Procrastinate jobs, several workers, one run per connection."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from belegsync.cli.wiring import LexwareApis
from belegsync.emulator import (
    MAIN_KEY,
    MAIN_ORG_ID,
    Clock,
    EmulatorConfig,
    build_world,
    generate_vouchers,
)
from belegsync.emulator import create_app as create_emulator
from belegsync.jobs.procrastinate_queue import (
    ProcrastinateSyncQueue,
    build_app,
    ensure_schema,
    run_worker,
)
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.files import LocalFileStore
from belegsync.store.migrate import upgrade
from belegsync.store.secrets import KeyRing
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.sync.connect import connect_lexware
from belegsync.sync.engine import SyncDeps
from belegsync.sync.status import voucher_rows
from belegsync.tenants.clients import create_tenant
from fakes.clock import FixedClock
from support.sync_harness import EMULATOR_URL, FAST_RETRIES, NOW

pytestmark = pytest.mark.postgres


@dataclass
class Stack:
    deps: SyncDeps
    uow_factory: UnitOfWorkFactory
    connection_id: str
    tenant_id: str
    expected: set[str]


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    await asyncio.to_thread(upgrade, database_url)
    clock = FixedClock(NOW)
    world = build_world(seed="empty", clock=Clock(now=clock.now))
    generate_vouchers(world, MAIN_ORG_ID, 40, seed=5, start=date(2025, 1, 1), end=date(2026, 6, 1))
    emulator = create_emulator(world, config=EmulatorConfig(rate_per_second=10_000, burst=10_000))
    engine = create_engine(database_url)
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    apis = LexwareApis(10_000.0, httpx.ASGITransport(app=emulator), retry_policy=FAST_RETRIES)
    keyring = KeyRing.load_or_create(tmp_path / "secrets.key", allow_create=True)
    deps = SyncDeps(
        uow_factory=uow_factory,
        files=LocalFileStore(tmp_path / "files"),
        lexware=apis.client,
        cipher=keyring,
        clock=clock,
    )
    tenant_id = await create_tenant(
        uow_factory=uow_factory, clock=clock, name="Scale GmbH", open_tax_years=[2025, 2026]
    )
    await connect_lexware(
        uow_factory=uow_factory,
        lexware=apis.client,
        cipher=keyring,
        clock=clock,
        queue=None,
        tenant_id=tenant_id,
        api_key=MAIN_KEY,
        base_url=EMULATOR_URL,
    )
    async with uow_factory() as uow:
        row = await uow.connections.for_tenant(tenant_id)
        assert row is not None
    expected = {v.id for v in world.vouchers(MAIN_ORG_ID) if v.status in ("paid", "paidoff")}
    yield Stack(deps, uow_factory, row.id, tenant_id, expected)
    await apis.aclose()
    await engine.dispose()


async def test_a_worker_runs_the_deferred_sync(stack: Stack, database_url: str) -> None:
    app = build_app(database_url, stack.deps)
    async with app.open_async():
        assert await ensure_schema(app) is True
        assert await ensure_schema(app) is False
        queue = ProcrastinateSyncQueue(app, stack.deps)
        run_id = await queue.enqueue(stack.connection_id, trigger="manual")
        assert run_id is not None
        # Queued already: the database refuses a second run for the connection.
        assert await queue.enqueue(stack.connection_id, trigger="schedule") is None
        await run_worker(app, concurrency=2, wait=False)

    async with stack.uow_factory() as uow:
        run = await uow.sync_runs.get(run_id)
    assert run.status == "succeeded"
    rows = await voucher_rows(uow_factory=stack.uow_factory, tenant_id=stack.tenant_id)
    assert {r["id"] for r in rows} == stack.expected
    assert run.new_count == len(stack.expected) > 5


async def test_competing_workers_process_each_job_once(stack: Stack, database_url: str) -> None:
    producer = build_app(database_url, stack.deps)
    workers = [build_app(database_url, stack.deps) for _ in range(2)]
    async with producer.open_async():
        await ensure_schema(producer)
        run_id = await ProcrastinateSyncQueue(producer, stack.deps).enqueue(
            stack.connection_id, trigger="manual"
        )
    assert run_id is not None
    for worker in workers:
        await worker.open_async()
    try:
        await asyncio.gather(*(run_worker(w, concurrency=2, wait=False) for w in workers))
    finally:
        for worker in workers:
            await worker.close_async()
    async with stack.uow_factory() as uow:
        runs = await uow.sync_runs.latest(stack.connection_id, limit=10)
    assert [r.status for r in runs] == ["succeeded"]
    rows = await voucher_rows(uow_factory=stack.uow_factory, tenant_id=stack.tenant_id)
    assert len(rows) == len({r["id"] for r in rows}) == len(stack.expected)


def test_worker_command_runs_against_postgresql(database_url: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {
        **os.environ,
        "BELEGSYNC_DATABASE_URL": database_url,
        "BELEGSYNC_DATA_DIR": str(tmp_path),
        "BELEGSYNC_LOG_LEVEL": "error",
    }
    cli = [sys.executable, "-m", "belegsync.cli"]
    migrated = subprocess.run([*cli, "migrate"], env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    worker = subprocess.run(
        [*cli, "worker", "--once", "--concurrency", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr
    assert "Syncs gleichzeitig" in worker.stdout
