"""The sync through the real stack: emulator (in-process ASGI), client, SQLite, file store.

Used by the sync and scheduler tests (fixtures in their conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from belegsync.cli.wiring import LexwareApis
from belegsync.emulator import (
    MAIN_KEY,
    MAIN_ORG_ID,
    Clock,
    EmulatorConfig,
    build_world,
    create_app,
    generate_vouchers,
)
from belegsync.emulator.app import EmulatorApp
from belegsync.jobs.embedded import claim_run
from belegsync.lexware import RetryPolicy
from belegsync.store.db import create_engine, create_session_factory
from belegsync.store.files import LocalFileStore
from belegsync.store.migrate import upgrade
from belegsync.store.secrets import KeyRing
from belegsync.store.uow import UnitOfWorkFactory
from belegsync.sync.connect import ConnectResult, connect_lexware
from belegsync.sync.engine import RunOutcome, SyncDeps, execute_run
from belegsync.sync.status import voucher_rows
from belegsync.sync.tenants import create_tenant
from fakes.clock import FixedClock

NOW = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
EMULATOR_URL = "http://lexware.test"
FAST_RETRIES = RetryPolicy(attempts=4, timeout=5.0, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "belegsync.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@dataclass
class Harness:
    clock: FixedClock
    app: EmulatorApp
    control: httpx.AsyncClient
    apis: LexwareApis
    deps: SyncDeps
    uow_factory: UnitOfWorkFactory
    files: LocalFileStore
    keyring: KeyRing
    data_dir: Path
    tenant_id: str = ""

    async def add_tenant(self, name: str = "Test GmbH", **kwargs: Any) -> str:
        self.tenant_id = await create_tenant(
            uow_factory=self.uow_factory, clock=self.clock, name=name, **kwargs
        )
        return self.tenant_id

    async def connect(self, key: str = MAIN_KEY, **kwargs: Any) -> ConnectResult:
        return await connect_lexware(
            uow_factory=self.uow_factory,
            lexware=self.apis.client,
            cipher=self.keyring,
            clock=self.clock,
            queue=None,
            tenant_id=self.tenant_id,
            api_key=key,
            base_url=EMULATOR_URL,
            **kwargs,
        )

    async def connection_id(self) -> str:
        async with self.uow_factory() as uow:
            row = await uow.connections.for_tenant(self.tenant_id)
            assert row is not None
            return row.id

    async def sync(self, *, full: bool = False) -> RunOutcome:
        run_id = await claim_run(
            self.uow_factory, self.clock, await self.connection_id(), trigger="cli", full=full
        )
        assert run_id is not None
        return await execute_run(self.deps, run_id)

    async def vouchers(self) -> dict[str, dict[str, Any]]:
        rows = await voucher_rows(uow_factory=self.uow_factory, tenant_id=self.tenant_id)
        return {row["id"]: row for row in rows}

    async def emulator(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.control.request(method, f"/_emulator{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def paid_ids(self, since: date) -> set[str]:
        """What a clean sync must hold: the world's paid vouchers dated from ``since``."""
        world = self.app.world
        return {
            v.id
            for v in world.vouchers(MAIN_ORG_ID)
            if v.status in ("paid", "paidoff") and v.voucher_date >= since
        }


@pytest.fixture
async def harness(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Harness]:
    clock = FixedClock(NOW)
    world = build_world(seed="empty", clock=Clock(now=clock.now))
    generate_vouchers(
        world, MAIN_ORG_ID, 60, seed=11, start=date(2024, 6, 1), end=date(2026, 6, 10)
    )
    app = create_app(world, config=EmulatorConfig(rate_per_second=10_000, burst=10_000))
    transport = httpx.ASGITransport(app=app)
    db_path = tmp_path / "belegsync.sqlite3"
    shutil.copy(migrated_template, db_path)
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    uow_factory = UnitOfWorkFactory(create_session_factory(engine))
    apis = LexwareApis(10_000.0, transport, retry_policy=FAST_RETRIES)
    keyring = KeyRing.load_or_create(tmp_path / "secrets.key", allow_create=True)
    files = LocalFileStore(tmp_path / "files")
    deps = SyncDeps(
        uow_factory=uow_factory, files=files, lexware=apis.client, cipher=keyring, clock=clock
    )
    async with httpx.AsyncClient(transport=transport, base_url=EMULATOR_URL) as control:
        yield Harness(clock, app, control, apis, deps, uow_factory, files, keyring, tmp_path)
    await apis.aclose()
    await engine.dispose()
