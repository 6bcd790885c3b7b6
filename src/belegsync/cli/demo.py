"""``belegsync demo``: the emulator with German demo data, demo clients and logins, the web
app, the scheduler and the workers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import uvicorn

from belegsync.cli.webapp import serve_everything
from belegsync.cli.wiring import wired
from belegsync.demo.bank import fill_demo_bank_after_first_sync
from belegsync.demo.seed import (
    DEMO_CLIENT,
    DEMO_CLIENT_UNCONNECTED,
    seed_demo_logins,
    seed_demo_tenants,
)
from belegsync.domain.clock import Clock
from belegsync.emulator import (
    EXPIRED_KEY,
    LIMITED_KEY,
    MAIN_KEY,
    NO_XL_KEY,
    EmulatorConfig,
    build_world,
    create_app,
)
from belegsync.settings import Settings
from belegsync.sync.connect import connect_lexware
from belegsync.sync.ports import SyncQueue

# The demo's emulator allows more than Lexware's 2 requests/s so that the first sync of
# a few hundred vouchers takes seconds, not minutes; the client is paced to match.
DEMO_RATE = 50.0


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


def _collection_dir(settings: Settings) -> Path:
    """Where the demo writes the firm's SEPA collection files (pain.008)."""
    return settings.data_dir / "demo-sepa-sammler"


def _print_welcome(url: str, emulator_url: str, settings: Settings, demo_tenant: str) -> None:
    print(f"\nbelegsync läuft: {url}\n")
    print("Logins (Passwort jeweils demo1234):")
    print(f"  mandant@demo.test  – {DEMO_CLIENT}: verbunden, erste Synchronisation läuft")
    print(f"  neu@demo.test      – {DEMO_CLIENT_UNCONNECTED}: noch keine Verbindung")
    print("  kanzlei@demo.test  – Kanzlei: alle Mandanten")
    print(
        f"\nAbgleich mit Bankumsätzen (kommen nach der ersten Synchronisation, als "
        f"mandant@demo.test): {url}/clients/{demo_tenant}/matching"
    )
    print(
        "SEPA-Sammeldateien der Lastschrift-Sammler zum Ausprobieren (nach der ersten "
        f"Synchronisation; unter „Kontoauszug hochladen“ hochladen): {_collection_dir(settings)}"
    )
    print(f"\nLexware-Emulator: {emulator_url}  Schlüssel zum Ausprobieren:")
    print(f"  {MAIN_KEY}  (gültig)")
    print(f"  {EXPIRED_KEY}  (abgelaufen)")
    print(f"  {LIMITED_KEY}  (ohne Zahlungen und Dateien)")
    print(f"  {NO_XL_KEY}  (ohne XL)")
    print(
        f"\nDaten: {settings.data_dir} — die Schlüsseldatei {settings.keyfile_path} bitte "
        "getrennt von der Datenbank sichern."
    )
    print("Scheduler und Worker laufen; Strg+C beendet die Demo.", flush=True)


def cmd_demo(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> None:
        async with _emulator(args.emulator_port) as emulator_url:
            demo_settings = replace(
                settings,
                lexware_rate=DEMO_RATE,
                lexware_base_url=emulator_url,
                firm_name="Steuerkanzlei Demo"
                if settings.firm_name == "Kanzlei"
                else (settings.firm_name),
            )
            async with wired(demo_settings, clock=clock) as w:
                tenants = await seed_demo_tenants(w.uow_factory, w.deps.clock)
                await seed_demo_logins(w.uow_factory, w.deps.clock, tenants)
                background: set[asyncio.Task[object]] = set()

                async def ready(url: str, queue: SyncQueue) -> None:
                    # The emulator starts with fresh data each time: connect again; the
                    # first sync runs in the background and the page shows its progress.
                    # When it has finished, the demo account's transactions arrive.
                    connected = await connect_lexware(
                        uow_factory=w.uow_factory,
                        lexware=w.apis.client,
                        cipher=w.keyring,
                        clock=w.deps.clock,
                        queue=queue,
                        tenant_id=tenants[DEMO_CLIENT],
                        api_key=MAIN_KEY,
                        base_url=emulator_url,
                        actor="demo",
                    )
                    background.add(
                        asyncio.create_task(
                            fill_demo_bank_after_first_sync(
                                w.uow_factory,
                                w.deps.clock,
                                tenants[DEMO_CLIENT],
                                connected.run_id,
                                files_dir=_collection_dir(demo_settings),
                            )
                        )
                    )
                    _print_welcome(url, emulator_url, demo_settings, tenants[DEMO_CLIENT])

                try:
                    await serve_everything(w, on_ready=ready)
                finally:
                    for task in background:
                        task.cancel()

    asyncio.run(run())
    return 0
