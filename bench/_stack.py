"""Shared set-up of the benchmarks: a fresh data dir, the wired app, one connected tenant."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx

from belegsync.cli.wiring import Wiring, wired
from belegsync.emulator import (
    MAIN_KEY,
    MAIN_ORG_ID,
    EmulatorConfig,
    World,
    build_world,
    generate_vouchers,
)
from belegsync.emulator import create_app as create_emulator
from belegsync.emulator.app import EmulatorApp
from belegsync.jobs.embedded import claim_run
from belegsync.settings import Settings
from belegsync.sync.connect import connect_lexware
from belegsync.sync.engine import RunOutcome, execute_run
from belegsync.tenants.clients import create_tenant


def emulator_with(vouchers: int, *, rate: float, seed: int = 42) -> EmulatorApp:
    """An emulator whose main organisation holds ``vouchers`` generated vouchers."""
    world: World = build_world(seed="empty")
    today = world.clock.today_berlin()
    generate_vouchers(
        world, MAIN_ORG_ID, vouchers, seed=seed, start=date(today.year - 1, 1, 1), end=today
    )
    return create_emulator(world, config=EmulatorConfig(rate_per_second=rate, burst=max(2.0, rate)))


def paid_count(app: EmulatorApp) -> int:
    return sum(1 for v in app.world.vouchers(MAIN_ORG_ID) if v.status in ("paid", "paidoff"))


@contextlib.asynccontextmanager
async def connected_tenant(
    *,
    base_url: str,
    client_rate: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[tuple[Wiring, str]]:
    """A throw-away data dir with one tenant connected to the emulator at ``base_url``."""
    with tempfile.TemporaryDirectory(prefix="belegsync-bench-") as tmp:
        settings = replace(
            Settings.from_env({"BELEGSYNC_DATA_DIR": tmp}),
            lexware_rate=client_rate,
            log_level="error",
        )
        async with wired(settings, transport=transport) as w:
            today = w.deps.clock.now().date()
            tenant_id = await create_tenant(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                name="Bench GmbH",
                open_tax_years=[today.year - 1, today.year],
            )
            await connect_lexware(
                uow_factory=w.uow_factory,
                lexware=w.apis.client,
                cipher=w.keyring,
                clock=w.deps.clock,
                queue=None,
                tenant_id=tenant_id,
                api_key=MAIN_KEY,
                base_url=base_url,
            )
            yield w, tenant_id


async def sync_once(w: Wiring, tenant_id: str, *, full: bool = False) -> RunOutcome:
    async with w.uow() as uow:
        row = await uow.connections.for_tenant(tenant_id)
    assert row is not None
    run_id = await claim_run(w.uow_factory, w.deps.clock, row.id, trigger="cli", full=full)
    assert run_id is not None
    return await execute_run(w.deps, run_id)


def data_dir_of(w: Wiring) -> Path:
    return w.settings.data_dir
