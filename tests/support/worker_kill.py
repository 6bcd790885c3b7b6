"""Killing scale-out workers in tests: a PostgreSQL database per test, the worker process
(``worker_process.py``, short stall intervals), and waiting for runs."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest

from belegsync.cli.wiring import Wiring, wired
from belegsync.emulator import MAIN_KEY
from belegsync.jobs.procrastinate_queue import StallPolicy
from belegsync.settings import Settings
from belegsync.store.models import SyncRun
from belegsync.sync.connect import connect_lexware
from belegsync.tenants.clients import create_tenant

WORKER = Path(__file__).with_name("worker_process.py")

ADMIN_DSN = os.environ.get(
    "BELEGSYNC_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def database_url() -> Iterator[str]:
    name = f"belegsync_scaleout_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {ADMIN_DSN}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def short_policy() -> StallPolicy:
    """The worker script's short intervals (the same for every worker of a test)."""
    spec = importlib.util.spec_from_file_location("worker_process", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    policy: StallPolicy = module.SHORT
    return policy


def worker_env(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BELEGSYNC_DATABASE_URL": database_url,
        "BELEGSYNC_DATA_DIR": str(data_dir),
        "BELEGSYNC_LOG_LEVEL": "warning",
        "BELEGSYNC_LEXWARE_RATE": "1000",
    }


async def start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, str(WORKER), env=env)


def job_states(database_url: str) -> list[tuple[str, str]]:
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as db:
        rows = db.execute("SELECT task_name, status::text FROM procrastinate_jobs ORDER BY id")
        return [(str(a), str(b)) for a, b in rows.fetchall()]


async def wait_for_progress(w: Wiring, run_id: str, done: int, seconds: float = 60) -> int:
    """How far the run got once it stored at least ``done`` vouchers (0: it did not)."""
    for _ in range(int(seconds / 0.05)):
        async with w.uow() as uow:
            run = await uow.sync_runs.get(run_id)
        if run.status == "running" and run.done >= done:
            return int(run.done)
        if run.status not in ("queued", "running"):
            return 0
        await asyncio.sleep(0.05)
    return 0


async def wait_for_success(w: Wiring, connection_id: str, *, seconds: float) -> SyncRun | None:
    for _ in range(int(seconds / 0.2)):
        async with w.uow() as uow:
            runs = await uow.sync_runs.latest(connection_id, limit=5)
        done = [r for r in runs if r.status == "succeeded"]
        if done:
            return done[0]
        await asyncio.sleep(0.2)
    return None


@dataclass(frozen=True)
class Connected:
    w: Wiring
    tenant_id: str
    connection_id: str


@contextlib.asynccontextmanager
async def connected_tenant(
    env: dict[str, str], base_url: str, *, open_tax_years: tuple[int, ...]
) -> AsyncIterator[Connected]:
    """The app wired from ``env`` with one tenant connected to the emulator's main key."""
    async with wired(replace(Settings.from_env(env), log_level="error")) as w:
        tenant_id = await create_tenant(
            uow_factory=w.uow_factory,
            clock=w.deps.clock,
            name="Kill GmbH",
            open_tax_years=list(open_tax_years),
        )
        result = await connect_lexware(
            uow_factory=w.uow_factory,
            lexware=w.apis.client,
            cipher=w.keyring,
            clock=w.deps.clock,
            queue=None,
            tenant_id=tenant_id,
            api_key=MAIN_KEY,
            base_url=base_url,
        )
        assert result.state.value == "active"
        async with w.uow() as uow:
            row = await uow.connections.for_tenant(tenant_id)
            assert row is not None
        yield Connected(w, tenant_id, row.id)
