"""``belegsync import-statement``, ``import-advice`` and ``transactions``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from belegsync.banking import (
    ImportResult,
    StatementError,
    import_statement,
    list_transactions,
    mapping_from_json,
)
from belegsync.banking.advice_import import AdviceImportResult, import_advices
from belegsync.banking.csv_mapping import CsvMapping
from belegsync.banking.text import as_written, compact_iban
from belegsync.cli.output import counted, print_json
from belegsync.cli.wiring import wired
from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.matching.columns import line_keys_of
from belegsync.matching.service import matching_after_change
from belegsync.settings import Settings


def _read_mapping(path: str | None) -> CsvMapping | None:
    if path is None:
        return None
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(
            f"Die Spaltenzuordnung {path} ist nicht lesbar ({error}).",
            code="csv_mapping_invalid",
            message_en=f"The column mapping {path} cannot be read ({error}).",
        ) from None
    if not isinstance(document, dict):
        raise InvalidInput(
            "Die Spaltenzuordnung muss ein JSON-Objekt sein.",
            code="csv_mapping_invalid",
            message_en="The column mapping must be a JSON object.",
        )
    return mapping_from_json(document)


def _read(path: Path) -> bytes | None:
    """The file's bytes, or None (said on stderr) where it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        print(f"belegsync: Datei nicht lesbar: {path} ({error.strerror})", file=sys.stderr)
        return None


# the import stands, its matching waits for the next run (the database was busy)
_DEFERRED = (
    "Gespeichert, aber noch nicht abgeglichen: die Datenbank war mit einem anderen Vorgang "
    "beschäftigt; der nächste Abgleich ordnet die neuen Umsätze zu (oder: belegsync match). "
    "(Stored, not matched yet: the database was busy; the next run matches the new lines.)"
)


def _refused(error: InvalidInput) -> int:
    # Both languages: the file may come from anyone, the log reader may not read German.
    print(f"belegsync: {error.message}\n  ({error.message_en})", file=sys.stderr)
    return 1


def cmd_import_statement(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    path = Path(args.file)
    data = _read(path)
    if data is None:
        return 2
    mapping = _read_mapping(args.csv_mapping)

    async def run() -> tuple[ImportResult, bool]:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant)
            result = await import_statement(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                tenant_id=tenant_id,
                filename=path.name,
                data=data,
                account_iban=args.account,
                fmt=args.format,
                actor="cli",
                csv_mapping=mapping,
                line_keys=line_keys_of,
            )
            # New transactions may pay open vouchers (or replace external transactions).
            matched = await matching_after_change(w.uow_factory, w.deps.clock, tenant_id)
            return result, matched is None

    try:
        result, deferred = asyncio.run(run())
    except StatementError as error:
        return _refused(error)
    if args.json:
        print_json(
            {
                "added": result.added,
                "duplicates": result.duplicates,
                "accounts": list(result.accounts),
                "format": result.format,
                "import_id": result.import_id,
                "warnings": [
                    {"code": w.code, "message": w.message, "message_en": w.message_en}
                    for w in result.warnings
                ],
                "matching_deferred": deferred,
            }
        )
        return 0
    for warning in result.warnings:
        print(f"belegsync: Hinweis: {warning.message}", file=sys.stderr)
    if deferred:
        print(f"belegsync: Hinweis: {_DEFERRED}", file=sys.stderr)
    added = counted(result.added, "neuer Umsatz", "neue Umsätze")
    print(
        f"{result.format}: {added}, {result.duplicates} bereits vorhanden "
        f"(Konto {', '.join(result.accounts) or '–'})."
    )
    return 0


def cmd_import_advice(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    path = Path(args.file)
    data = _read(path)
    if data is None:
        return 2

    async def run() -> tuple[AdviceImportResult, bool]:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant)
            result = await import_advices(
                uow_factory=w.uow_factory,
                clock=w.deps.clock,
                tenant_id=tenant_id,
                filename=path.name,
                data=data,
                actor="cli",
            )
            if not result.attached:
                return result, False
            # the batch lines now name their invoices
            matched = await matching_after_change(w.uow_factory, w.deps.clock, tenant_id)
            return result, matched is None

    try:
        result, deferred = asyncio.run(run())
    except InvalidInput as error:
        return _refused(error)
    if args.json:
        print_json({**result.as_json(), "matching_deferred": deferred})
        return 0
    if deferred:
        print(f"belegsync: Hinweis: {_DEFERRED}", file=sys.stderr)
    for a in result.advices:
        where = (
            f"Buchung {a.txn_id}"
            if a.txn_id
            else ("mehrere Buchungen passen" if a.ambiguous else "wartet auf die Buchung")
        )
        print(f"{a.reference or 'ohne Nummer'}: {a.items} Posten, {where}")
    bookings = counted(len(result.advices), "Sammelbuchung", "Sammelbuchungen")
    print(f"{result.attached} von {bookings} aufgeschlüsselt.")
    return 0


def cmd_transactions(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    # An account whose identifier failed validation is listed as written.
    account = (compact_iban(args.account) or as_written(args.account)) if args.account else None
    if args.account and account is None:
        print(f"belegsync: „{args.account}“ ist keine gültige IBAN.", file=sys.stderr)
        return 2

    async def run() -> list[dict[str, Any]]:
        async with wired(settings, clock=clock) as w:
            tenant_id = await w.tenant_id(args.tenant)
            async with w.uow_factory.read_only() as uow:
                views = await list_transactions(uow, tenant_id, account_iban=account)
            return [view.as_json() for view in views]

    rows = asyncio.run(run())
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        name = r["counterparty"]["name"] or ""
        flags = (" vorgemerkt" if r["status"] == "pending" else "") + (
            " Storno" if r["is_reversal"] else ""
        )
        print(
            f"{r['booking_date']}  {r['account']['iban']}  {r['amount']:>12} {r['currency']}  "
            f"{name[:30]:<30}  {r['remittance'][:60]}  [{r['source']}]{flags}"
        )
    print(counted(len(rows), "Umsatz", "Umsätze"))
    return 0
