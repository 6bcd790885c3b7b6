"""A killed scale-out worker's sync is resumed by another worker (Procrastinate's worker
heartbeats, the periodic retry of stalled jobs, and a retry strategy while the dead run's
lease holds). Intervals are shortened here; the defaults resume within about two minutes."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from belegsync.emulator import (
    MAIN_ORG_ID,
    EmulatorConfig,
    build_world,
    generate_vouchers,
    serve_in_background,
)
from belegsync.emulator import create_app as create_emulator
from belegsync.jobs.procrastinate_queue import (
    ProcrastinateSyncQueue,
    build_app,
    ensure_schema,
    retry_stalled_jobs,
    run_worker,
)
from belegsync.store.migrate import upgrade
from belegsync.sync.status import voucher_rows
from support.worker_kill import (
    connected_tenant,
    job_states,
    short_policy,
    start_worker,
    wait_for_progress,
    wait_for_success,
    worker_env,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SHORT = short_policy()


@dataclass(frozen=True)
class Emulator:
    url: str
    paid: set[str]


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    world = build_world(seed="empty")
    generate_vouchers(world, MAIN_ORG_ID, 40, seed=9, start=date(2025, 1, 1), end=date(2025, 12, 1))
    paid = {v.id for v in world.vouchers(MAIN_ORG_ID) if v.status in ("paid", "paidoff")}
    app = create_emulator(world, config=EmulatorConfig(rate_per_second=1000, burst=1000))
    async with serve_in_background(app) as base:
        # Slow files: the run lasts long enough to be killed in the middle.
        async with httpx.AsyncClient(base_url=base) as control:
            await control.post(
                "/_emulator/faults",
                json={"kind": "latency", "latencyMs": 150, "pathPrefix": "/v1/files"},
            )
        yield Emulator(base, paid)


async def test_a_killed_workers_sync_is_resumed_by_another_worker(
    database_url: str, tmp_path: Path, emulator: Emulator
) -> None:
    await asyncio.to_thread(upgrade, database_url)
    env = worker_env(database_url, tmp_path)
    async with connected_tenant(env, emulator.url, open_tax_years=(2025,)) as c:
        w, tenant_id = c.w, c.tenant_id
        app = build_app(database_url, w.deps, stalls=SHORT)
        async with app.open_async():
            await ensure_schema(app)
            run_id = await ProcrastinateSyncQueue(app, w.deps).enqueue(
                c.connection_id, trigger="manual"
            )
            assert run_id is not None
            doomed = await start_worker(env)
            try:
                done = await wait_for_progress(w, run_id, 3)
            finally:
                doomed.send_signal(signal.SIGKILL)
                await doomed.wait()
            assert done > 0, "the killed worker had started the run"
            assert ("belegsync.sync_run", "doing") in job_states(database_url)
            # Only now a second worker starts: it notices the stalled job and resumes.
            survivor = asyncio.create_task(run_worker(app, concurrency=2, signals=False))
            try:
                finished = await wait_for_success(w, c.connection_id, seconds=60)
            finally:
                survivor.cancel()
                await asyncio.gather(survivor, return_exceptions=True)
        rows = await voucher_rows(uow_factory=w.uow_factory, tenant_id=tenant_id)
        async with w.uow() as uow:
            killed = await uow.sync_runs.get(run_id)
    assert finished is not None, "another worker finished the sync"
    assert (killed.status, killed.error_code) == ("failed_transient", "sync_interrupted")
    assert len(rows) == len({r["id"] for r in rows}), "no voucher twice"
    assert {r["id"] for r in rows} == emulator.paid
    # The resumed run skipped what the killed one had stored.
    assert finished.new_count < len(emulator.paid)
    assert ("belegsync.sync_run", "doing") not in job_states(database_url)


async def test_retrying_stalled_jobs_finds_nothing_while_workers_live(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    app = build_app(database_url, None)  # type: ignore[arg-type]
    async with app.open_async():
        await ensure_schema(app)
        assert await retry_stalled_jobs(app, SHORT) == []
