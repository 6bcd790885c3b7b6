"""The ``belegsync`` subcommands. Each returns the process exit code."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from belegsync.cli.output import counted, print_json
from belegsync.cli.webapp import unsubscriber
from belegsync.cli.wiring import Wiring, migrate_database, wired
from belegsync.domain.clock import Clock
from belegsync.domain.dates import parse_day
from belegsync.jobs.embedded import claim_run
from belegsync.settings import Settings
from belegsync.store.enums import SyncTrigger
from belegsync.sync.connect import connect_lexware, disconnect_lexware
from belegsync.sync.engine import RunOutcome, execute_run
from belegsync.sync.status import connection_status, voucher_rows
from belegsync.tenants.clients import create_tenant, record_vat_return, set_tax_year_closed


def cmd_migrate(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    asyncio.run(migrate_database(settings))
    print("Datenbankschema ist aktuell.")
    return 0


def cmd_tenant_add(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> str:
        async with wired(settings, clock=clock) as w:
            return await create_tenant(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                name=args.name,
                open_tax_years=args.open_tax_year or [],
                closed_tax_years=args.closed_tax_year or [],
                bookkeeping_service=args.bookkeeping_service,
                last_vat_return=args.last_vat_return,
            )

    print(asyncio.run(run()))
    return 0


def cmd_tax_year(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> None:
        async with wired(settings, clock=clock) as w:
            await set_tax_year_closed(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                tenant_id=await w.tenant_id(args.tenant),
                year=args.year,
                closed=args.action == "close",
            )

    asyncio.run(run())
    print(f"Steuerjahr {args.year}: {'abgeschlossen' if args.action == 'close' else 'offen'}")
    return 0


def cmd_vat_return(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> str:
        async with wired(settings, clock=clock) as w:
            period = await record_vat_return(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                tenant_id=await w.tenant_id(args.tenant),
                period_text=args.period,
            )
            return str(period)

    print(f"Umsatzsteuervoranmeldung {asyncio.run(run())} erfasst.")
    return 0


def _read_key() -> str:
    # Never from argv: it would end up in shell history and the process list.
    key = os.environ.get("BELEGSYNC_API_KEY", "")
    if not key and not sys.stdin.isatty():
        key = sys.stdin.readline()
    if not key and sys.stdin.isatty():
        import getpass

        key = getpass.getpass("Lexware API-Schlüssel: ")
    return key.strip()


def cmd_connect(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    expires = parse_day(args.key_expires) if args.key_expires else None
    api_key = _read_key()

    async def run() -> tuple[int, RunOutcome | None]:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant)
            result = await connect_lexware(
                uow_factory=w.uow_factory,
                lexware=w.apis.client,
                cipher=w.keyring,
                clock=w.deps.clock,
                queue=None,
                tenant_id=tenant_id,
                api_key=api_key,
                base_url=(args.base_url or settings.lexware_base_url).rstrip("/"),
                key_expires_on=expires,
                actor="cli",
                allow_shared_organization=args.allow_shared_organization,
            )
            if result.explanation is not None:
                e = result.explanation
                kept = " (unverändert)" if result.kept else ""
                print(
                    f"{result.state.label_de}{kept}: {e.message_de}\n{e.advice_de}", file=sys.stderr
                )
                return 1, None
            print(f"Aktiv: verbunden mit „{result.company_name}“.")
            if result.expiry_notice is not None:
                notice = result.expiry_notice
                print(f"{notice.message_de}\n{notice.advice_de}", file=sys.stderr)
            if args.no_sync:
                return 0, None
            outcome = await _sync_now(w, tenant_id, full=False, trigger="connect")
            return (0 if outcome and outcome.status == "succeeded" else 1), outcome

    code, outcome = asyncio.run(run())
    if outcome is not None:
        _print_outcome(outcome)
    return code


def cmd_disconnect(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> None:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant)
            before = unsubscriber(w)
            if before is not None:
                await before(tenant_id)
            await disconnect_lexware(
                uow_factory=w.uow_factory, clock=w.deps.clock, tenant_id=tenant_id, actor="cli"
            )

    asyncio.run(run())
    print("Keine Verbindung: der Schlüssel ist gelöscht, synchronisierte Belege bleiben.")
    return 0


async def _sync_now(
    w: Wiring, tenant_id: str, *, full: bool, trigger: SyncTrigger
) -> RunOutcome | None:
    async with w.uow() as uow:
        row = await uow.connections.get_or_create(tenant_id, now=w.deps.clock.now())
        await uow.commit()
    run_id = await claim_run(
        w.uow_factory,
        w.deps.clock,
        row.id,
        trigger=trigger,
        full=full,
    )
    if run_id is None:
        print("Für diese Verbindung läuft bereits eine Synchronisation.", file=sys.stderr)
        return None
    return await execute_run(w.deps, run_id)


def _print_outcome(outcome: RunOutcome) -> None:
    c = outcome.counts
    print(
        f"Synchronisation {outcome.status}: neu {c.new}, geändert {c.changed}, "
        f"unverändert {c.unchanged}, markiert {c.flagged}, fehlgeschlagen {c.failed}, "
        f"API-Aufrufe {c.api_calls} (Lauf {outcome.run_id})"
    )
    if outcome.error_message:
        print(f"Grund: {outcome.error_message} [{outcome.error_code}]", file=sys.stderr)


def cmd_sync(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> RunOutcome | None:
        async with wired(settings, clock=clock) as w:
            return await _sync_now(w, await w.tenant_id(args.tenant), full=args.full, trigger="cli")

    outcome = asyncio.run(run())
    if outcome is None:
        return 1
    if args.json:
        print_json(
            {
                "run_id": outcome.run_id,
                "status": outcome.status,
                "counts": outcome.counts.__dict__ if hasattr(outcome.counts, "__dict__") else None,
                "error_code": outcome.error_code,
                "error_message": outcome.error_message,
            }
        )
    else:
        _print_outcome(outcome)
    return 0 if outcome.status == "succeeded" else 1


def cmd_status(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> dict[str, Any]:
        async with wired(settings, clock=clock) as w:
            status = await connection_status(
                uow_factory=w.uow_factory, clock=w.deps.clock, tenant_id=args.tenant
            )
            return status.as_json()

    data = asyncio.run(run())
    if args.json:
        print_json(data)
        return 0
    print(f"{data['tenant']}: {data['label']}")
    if data["message"]:
        print(f"  Grund: {data['message']}\n  Was tun: {data['advice']}")
    if data["company_name"]:
        print(f"  Lexware-Konto: {data['company_name']}")
    if data["key_last4"]:
        warn = f" ({data['expiry_warning']})" if data["expiry_warning"] else ""
        print(f"  Schlüssel …{data['key_last4']}, gültig bis {data['key_expires_on']}{warn}")
    print(
        f"  Belege: {data['vouchers']}, letzte erfolgreiche Synchronisation: "
        f"{data['last_success_at'] or '–'}"
    )
    for run_ in data["runs"]:
        counts = ", ".join(f"{k} {v}" for k, v in run_["counts"].items())
        print(
            f"  {run_['queued_at']} {run_['trigger']} {run_['status']}: {counts}"
            + (f" – {run_['error_message']}" if run_["error_message"] else "")
        )
    return 0


def cmd_vouchers(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> list[dict[str, Any]]:
        async with wired(settings, clock=clock) as w:
            return await voucher_rows(uow_factory=w.uow_factory, tenant_id=args.tenant)

    rows = asyncio.run(run())
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        flag = f"  ⚑ {r['review']['reason']}" if r["review"] else ""
        print(
            f"{r['voucher_date']}  {r['type']:<18} {r['number'] or '':<14} "
            f"{r['total_gross']:>12} {r['currency']}  bezahlt {r['paid_date'] or '–'}  "
            f"{len(r['files'])} Datei(en){flag}"
        )
    print(counted(len(rows), "Beleg", "Belege"))
    return 0


def cmd_rotate_keys(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    async def run() -> int:
        async with wired(settings, clock=clock) as w:
            w.keyring.rotate_keyfile()
            count = 0
            async with w.uow() as uow:
                for row in await uow.connections.with_encrypted_keys():
                    assert row.encrypted_api_key is not None
                    row.encrypted_api_key = w.keyring.reencrypt(row.encrypted_api_key)
                    count += 1
                await uow.commit()
            return count

    count = asyncio.run(run())
    print(f"Neuer Schlüssel in {settings.keyfile_path}; {count} API-Schlüssel neu verschlüsselt.")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """The web app (``BELEGSYNC_WEB_WORKERS`` processes) with the embedded scheduler,
    workers and notices."""
    from belegsync.cli.webapp import serve_with_workers

    serve_with_workers(settings, clock)
    return 0
