"""Use cases: import a statement file, accept pushed transactions.

Both parse and validate everything first, then write in one short transaction:
any error leaves the database as it was. Both are idempotent through the import hash.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog

from belegsync.banking.advice_import import attach_batch, attach_waiting
from belegsync.banking.batch_breakdown import (
    StoredLine,
    advice_of_items,
    batch_items,
    line_of,
)
from belegsync.banking.csv_mapping import CsvMapping, mapping_to_json
from belegsync.banking.detect import parse_statement_file
from belegsync.banking.hashing import import_hashes
from belegsync.banking.model import ParsedStatement, ParsedTransaction
from belegsync.banking.push import parse_pushed
from belegsync.banking.text import as_written, check_currency, compact_iban
from belegsync.domain.clock import Clock
from belegsync.domain.errors import InvalidInput
from belegsync.store.errors import NotFound
from belegsync.store.models import BankAccount
from belegsync.store.models.banking import TransactionSource
from belegsync.store.uow import UnitOfWork

# What matching keeps of new lines' texts, worked out as they are stored (per row of
# stored values, its ``line_keys``; the caller passes ``matching.columns.line_keys_of``):
# else the first matching run that reads them stores it, an UPDATE of every new line.
LineKeys = Callable[[Sequence[Mapping[str, Any]]], list[bytes]]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ImportWarning:
    code: str
    message: str
    message_en: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    duplicates: int
    # Compact IBANs of the accounts touched, in file order; ``account`` is the first.
    accounts: tuple[str, ...]
    format: str
    import_id: str | None = None
    warnings: tuple[ImportWarning, ...] = ()

    @property
    def account(self) -> str:
        return self.accounts[0] if self.accounts else ""


@dataclass(frozen=True, slots=True)
class _Batch:
    iban: str
    valid: bool
    statement: ParsedStatement
    hashes: list[str]


def _invalid_account(text: str) -> InvalidInput:
    return InvalidInput(
        f"„{text}“ ist keine gültige IBAN und kein bekanntes Konto dieses Mandanten. "
        "Bitte prüfen Sie die Eingabe oder wählen Sie ein vorhandenes Konto.",
        code="iban_invalid",
        message_en=f"'{text}' is neither a valid IBAN nor a known account of this client. "
        "Please check it or choose an existing account.",
    )


async def _account_override(
    uow: UnitOfWork, tenant_id: str, account_iban: str | None
) -> tuple[str, bool] | None:
    """The account the user named: a valid IBAN, or an account the tenant already has
    (also one whose identifier failed validation when it was first imported)."""
    if account_iban is None or not account_iban.strip():
        return None
    iban = compact_iban(account_iban)
    if iban is not None:
        return iban, True
    written = as_written(account_iban)
    known = await uow.banking.account_by_iban(tenant_id, written) if written else None
    if known is None:
        raise _invalid_account(account_iban.strip())
    return known.iban, known.identifier_valid


def _batches(
    statements: list[ParsedStatement], override: tuple[str, bool] | None
) -> tuple[list[_Batch], list[ImportWarning]]:
    """One batch per statement, on the user's account if they named one (it wins over
    the file, with a warning when the two differ)."""
    batches: list[_Batch] = []
    warnings: list[ImportWarning] = []
    for statement in statements:
        in_file = statement.account_iban
        if override is not None:
            if in_file is not None and in_file != override[0]:
                warnings.append(_mismatch(in_file, override[0]))
            iban, valid = override
        elif in_file is not None:
            iban, valid = in_file, statement.account_valid
        else:
            raise InvalidInput(
                "Die Datei nennt kein Konto. Bitte wählen Sie das Konto aus (beim Hochladen "
                "im Feld „Konto“, in der Kommandozeile mit --account IBAN).",
                code="statement_account_missing",
                message_en="The file names no account. Please choose the account (in the "
                "upload's field 'Account', on the command line with --account IBAN).",
            )
        batches.append(_Batch(iban, valid, statement, import_hashes(statement.transactions)))
    return batches, list(dict.fromkeys(warnings))


def _mismatch(in_file: str, chosen: str) -> ImportWarning:
    return ImportWarning(
        "statement_account_mismatch",
        f"Die Datei nennt das Konto {in_file}; importiert wurde wie gewählt auf {chosen}.",
        f"The file names the account {in_file}; imported into {chosen} as chosen.",
    )


def stored_row(
    txn: ParsedTransaction,
    *,
    tenant_id: str,
    account: BankAccount,
    import_hash: str,
    source: TransactionSource,
    import_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The column values of the stored ``BankTransaction`` for a parsed line."""
    return {
        "tenant_id": tenant_id,
        "account_id": account.id,
        "statement_import_id": import_id,
        "source": source,
        "booking_date": txn.booking_date,
        "value_date": txn.value_date,
        "amount_cents": txn.amount_cents,
        "currency": txn.currency,
        "counterparty_name": txn.counterparty_name,
        "counterparty_iban": txn.counterparty_iban,
        "counterparty_bic": txn.counterparty_bic,
        "remittance": txn.remittance,
        "remittance_lines": list(txn.remittance_lines),
        "end_to_end_id": txn.end_to_end_id,
        "mandate_reference": txn.mandate_reference,
        "creditor_id": txn.creditor_id,
        "bank_reference": txn.bank_reference,
        "batch_reference": txn.batch_reference,
        "status": txn.status,
        "original_amount_cents": txn.original_amount_cents,
        "original_currency": txn.original_currency,
        "is_reversal": txn.is_reversal,
        "purpose_code": txn.purpose_code,
        "booking_text": txn.booking_text,
        "identifier_issues": list(txn.identifier_issues) or None,
        "import_hash": import_hash,
        "created_at": now,
    }


async def _store(
    uow: UnitOfWork,
    batches: list[_Batch],
    *,
    tenant_id: str,
    source: TransactionSource,
    import_id: str | None,
    connected: bool,
    account_name: str | None,
    now: datetime,
    line_keys: LineKeys | None,
) -> tuple[int, int]:
    added = duplicates = 0
    seen: dict[str, set[str]] = {}  # per account, across the statements of this call
    for batch in batches:
        statement = batch.statement
        account = await uow.banking.get_or_create_account(
            tenant_id,
            batch.iban,
            now=now,
            name=account_name,
            bank_name=statement.bank_name,
            bic=statement.account_bic,
            currency=statement.currency,
            connected=connected,
            identifier_valid=batch.valid,
        )
        if source == "file":
            await uow.banking.add_statement(
                tenant_id=tenant_id,
                account_id=account.id,
                statement_import_id=import_id,
                format=statement.format[:64],
                reference=statement.statement_id,
                period_from=statement.period_from,
                period_to=statement.period_to,
                opening_balance_cents=statement.opening_balance_cents,
                closing_balance_cents=statement.closing_balance_cents,
                transaction_count=len(statement.transactions),
                created_at=now,
            )
        known = seen.setdefault(account.id, set())
        known |= await uow.banking.existing_hashes(account.id, batch.hashes)
        broken_down = await _broken_down(
            uow, tenant_id, account.id, statement.transactions, batch.hashes, known, now
        )
        rows = []
        for position, (txn, digest) in enumerate(
            zip(statement.transactions, batch.hashes, strict=True)
        ):
            if position in broken_down:  # there in another form: a batch or its items
                duplicates += 1
                continue
            if digest in known:
                duplicates += 1
                continue
            known.add(digest)
            rows.append(
                stored_row(
                    txn,
                    tenant_id=tenant_id,
                    account=account,
                    import_hash=digest,
                    source=source,
                    import_id=import_id,
                    now=now,
                )
            )
        if line_keys is not None:
            for row, keys in zip(rows, line_keys(rows), strict=True):
                row["line_keys"] = keys
        await uow.banking.insert_transactions(rows)
        added += len(rows)
    if added:
        # a payment advice uploaded before its line arrived is attached now
        await attach_waiting(uow, tenant_id)
    return added, duplicates


async def _broken_down(
    uow: UnitOfWork,
    tenant_id: str,
    account_id: str,
    transactions: Sequence[ParsedTransaction],
    hashes: Sequence[str],
    known: set[str],
    now: datetime,
) -> set[int]:
    """The positions of the file's transactions that are a batch the account holds in
    the other form (``batch_breakdown``): a batch's items whose line is stored become
    that line's advice; a batch line whose items are stored is left out. Returns the
    positions not to store as lines."""
    groups = {
        key: found
        for key, found in batch_items(transactions).items()
        if not any(hashes[i] in known for i in found)
    }
    grouped = {i for found in batch_items(transactions).values() for i in found}
    singles = [
        i
        for i, txn in enumerate(transactions)
        if i not in grouped
        and hashes[i] not in known
        and (txn.bank_reference or txn.batch_reference)
    ]
    if not groups and not singles:
        return set()
    days = {key.day for key in groups} | {transactions[i].booking_date for i in singles}
    stored = await uow.banking.lines_on_days(tenant_id, account_id, days)
    lines = [
        StoredLine(row[0], row[1], row[2], frozenset(r for r in row[3:5] if r), row[5])
        for row in stored
    ]
    skipped: set[int] = set()
    for key, found in groups.items():
        items = [transactions[i] for i in found]
        line = line_of(key, sum(t.amount_cents for t in items), lines)
        if line is None:
            continue
        skipped.update(found)
        if not line.has_advice:
            await attach_batch(uow, tenant_id, line.id, advice_of_items(key, items), now)
    # a batch line whose items the account holds: its bank reference names them
    stored_groups: dict[tuple[str, date], int] = defaultdict(int)
    counts: dict[tuple[str, date], int] = defaultdict(int)
    for row in stored:
        if row[3]:
            stored_groups[(row[3], row[2])] += row[1]
            counts[(row[3], row[2])] += 1
    for i in singles:
        txn = transactions[i]
        for reference in {txn.batch_reference, txn.bank_reference} - {None}:
            group = (str(reference), txn.booking_date)
            if counts.get(group, 0) >= 2 and stored_groups[group] == txn.amount_cents:
                skipped.add(i)
    return skipped


async def _require_tenant(uow: UnitOfWork, tenant_id: str) -> None:
    if await uow.tenants.get(tenant_id) is None:
        raise NotFound("tenant")


async def import_statement(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    filename: str,
    data: bytes,
    account_iban: str | None = None,
    fmt: str | None = None,
    actor: str,
    csv_mapping: CsvMapping | None = None,
    remember_mapping: bool = False,
    line_keys: LineKeys | None = None,
) -> ImportResult:
    """Import a CAMT.052/053 (XML or zip), MT940 or CSV statement file.

    ``fmt`` overrides detection ("camt", "mt940", "csv", "csv:sparkasse", …);
    ``account_iban`` names the account for files that do not (and must agree with those
    that do). Accounts first seen here are created as not connected. Atomic: a
    malformed file raises :class:`StatementError` and nothing is written. Idempotent:
    transactions already stored for the account are counted as duplicates.
    ``line_keys``: what matching keeps of the new lines, stored with them (:data:`LineKeys`).
    ``remember_mapping``: ``csv_mapping`` is saved for the file's account in the
    import's own transaction (the next file of its layout is read with it).
    """
    # Parsing a large file takes seconds of CPU: off the event loop, so the web app
    # keeps answering meanwhile.
    statements = await asyncio.to_thread(
        parse_statement_file, data, filename, fmt, csv_mapping=csv_mapping
    )
    fmt_label = "+".join(dict.fromkeys(s.format for s in statements))
    now = clock.now()
    async with uow_factory() as uow:
        await _require_tenant(uow, tenant_id)
        override = await _account_override(uow, tenant_id, account_iban)
        batches, warnings = _batches(statements, override)
        record = await uow.banking.add_import(
            tenant_id=tenant_id,
            file_name=filename,
            sha256=hashlib.sha256(data).hexdigest(),
            fmt=fmt_label,
            actor=actor,
            now=now,
        )
        added, duplicates = await _store(
            uow,
            batches,
            tenant_id=tenant_id,
            source="file",
            import_id=record.id,
            connected=False,
            account_name=None,
            now=now,
            line_keys=line_keys,
        )
        record.added_count, record.duplicate_count = added, duplicates
        accounts = tuple(dict.fromkeys(b.iban for b in batches))
        if remember_mapping and csv_mapping is not None:
            for iban in accounts:
                known = await uow.banking.account_by_iban(tenant_id, iban)
                if known is not None:
                    await uow.banking.set_csv_mapping(known, mapping_to_json(csv_mapping))
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="statement_imported",
            subject_type="statement_import",
            subject_id=record.id,
            now=now,
            detail={
                "file_name": filename[:255],
                "format": fmt_label,
                "added": added,
                "duplicates": duplicates,
                "accounts": list(accounts),
                "warnings": [w.code for w in warnings],
            },
        )
        await uow.commit()
    log.info(
        "statement_imported",
        tenant_id=tenant_id,
        import_id=record.id,
        format=fmt_label,
        added=added,
        duplicates=duplicates,
    )
    return ImportResult(added, duplicates, accounts, fmt_label, record.id, tuple(warnings))


async def push_transactions(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    account_iban: str,
    transactions: Sequence[Mapping[str, Any]],
    account_name: str | None = None,
    currency: str = "EUR",
    actor: str,
    line_keys: LineKeys | None = None,
) -> ImportResult:
    """Store transactions pushed by a bank connection (JSON, amounts as decimal strings).

    The account is created if needed and marked connected. All items are validated
    before anything is written; items already stored count as duplicates.
    ``line_keys``: what matching keeps of the new lines, stored with them (:data:`LineKeys`).
    """
    if not account_iban.strip():
        raise InvalidInput(
            "Die IBAN des Kontos fehlt.",
            code="iban_missing",
            message_en="The account IBAN is missing.",
        )
    iban = compact_iban(account_iban)
    if iban is None:
        raise InvalidInput(
            f"„{account_iban[:40]}“ ist keine gültige IBAN.",
            code="iban_invalid",
            message_en=f"'{account_iban[:40]}' is not a valid IBAN.",
        )
    account_currency = check_currency(currency, "currency")
    parsed = parse_pushed(transactions, account_currency)
    statement = ParsedStatement(
        account_iban=iban, currency=account_currency, transactions=tuple(parsed), format="push"
    )
    batches = [_Batch(iban, True, statement, import_hashes(statement.transactions))]
    now = clock.now()
    async with uow_factory() as uow:
        await _require_tenant(uow, tenant_id)
        added, duplicates = await _store(
            uow,
            batches,
            tenant_id=tenant_id,
            source="connection",
            import_id=None,
            connected=True,
            account_name=account_name,
            now=now,
            line_keys=line_keys,
        )
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="transactions_pushed",
            subject_type="bank_account",
            subject_id=iban,
            now=now,
            detail={"added": added, "duplicates": duplicates},
        )
        await uow.commit()
    log.info("transactions_pushed", tenant_id=tenant_id, added=added, duplicates=duplicates)
    return ImportResult(added, duplicates, (iban,), "push")
