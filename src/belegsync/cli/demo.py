"""``belegsync demo``: the emulator with German demo data, demo clients, the scheduler."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace

import uvicorn

from belegsync.cli.commands import run_scheduler
from belegsync.cli.wiring import Wiring, wired
from belegsync.emulator import MAIN_KEY, EmulatorConfig, build_world, create_app
from belegsync.jobs.embedded import claim_run
from belegsync.settings import Settings
from belegsync.sync.connect import connect_lexware
from belegsync.sync.engine import execute_run
from belegsync.sync.tenants import create_tenant

DEMO_CLIENT = "Musterbau Schreinerei GmbH"
# The demo's emulator allows more than Lexware's 2 requests/s so that the first sync of
# a few hundred vouchers takes seconds, not minutes; the client is paced to match.
DEMO_RATE = 50.0
DEMO_CLIENT_UNCONNECTED = "Café Sonnenschein"


@contextlib.asynccontextmanager
async def _emulator(port: int) -> AsyncIterator[str]:
    app = create_app(
        build_world(seed="demo"), config=EmulatorConfig(rate_per_second=DEMO_RATE, burst=DEMO_RATE)
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"Der Emulator konnte Port {port} nicht öffnen.")
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _demo_clients(w: Wiring, emulator_url: str) -> None:
    async with w.uow() as uow:
        existing = await uow.tenants.get_by_name(DEMO_CLIENT)
    if existing is None:
        tenant_id = await create_tenant(
            uow_factory=w.uow_factory,
            clock=w.deps.clock,
            name=DEMO_CLIENT,
            open_tax_years=[2024, 2025, 2026],
            closed_tax_years=[2023],
        )
        await create_tenant(
            uow_factory=w.uow_factory,
            clock=w.deps.clock,
            name=DEMO_CLIENT_UNCONNECTED,
            open_tax_years=[2025, 2026],
        )
    else:
        tenant_id = existing.id
    # The emulator starts with fresh data each time: connect again and sync.
    await connect_lexware(
        uow_factory=w.uow_factory,
        lexware=w.apis.client,
        cipher=w.keyring,
        clock=w.deps.clock,
        queue=None,
        tenant_id=tenant_id,
        api_key=MAIN_KEY,
        base_url=emulator_url,
        actor="demo",
    )
    async with w.uow() as uow:
        row = await uow.connections.for_tenant(tenant_id)
    assert row is not None
    run_id = await claim_run(w.uow_factory, w.deps.clock, row.id, trigger="connect", full=True)
    if run_id is not None:
        print("Erste Synchronisation läuft …", flush=True)
        outcome = await execute_run(w.deps, run_id)
        c = outcome.counts
        print(f"  {outcome.status}: {c.new} neue Belege, {c.api_calls} API-Aufrufe", flush=True)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> None:
        async with (
            _emulator(args.emulator_port) as emulator_url,
            wired(replace(settings, lexware_rate=DEMO_RATE)) as w,
        ):
            print(f"Lexware-Emulator: {emulator_url} (Schlüssel: {emulator_url}/_emulator/keys)")
            print(
                f"Daten: {settings.data_dir} — Schlüsseldatei {settings.keyfile_path} "
                "bitte getrennt von der Datenbank sichern."
            )
            await _demo_clients(w, emulator_url)
            print(
                f"Mandant „{DEMO_CLIENT}“: verbunden; „{DEMO_CLIENT_UNCONNECTED}“: "
                "keine Verbindung."
            )
            print(f'  belegsync status "{DEMO_CLIENT}"  ·  belegsync vouchers "{DEMO_CLIENT}"')
            print("Scheduler läuft; Strg+C beendet die Demo.", flush=True)
            await run_scheduler(w)

    asyncio.run(run())
    return 0
