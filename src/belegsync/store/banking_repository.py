"""Bank accounts, transactions and statement imports. Nothing here commits the caller's
work (``renew_statistics`` runs after a commit, in a transaction of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import structlog
from sqlalchemy import ColumnElement, Row, Select, delete, func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.domain.advice import Advice, AdviceItem, AdviceKind, AdviceLine
from belegsync.store.errors import NotFound
from belegsync.store.models import BankAccount, BankTransaction, PaymentAdvice, StatementImport
from belegsync.store.models.banking import BankStatement, BankUploadDraft
from belegsync.store.models.base import new_id

__all__ = ["AccountStats", "BankingRepository", "TransactionQuery", "TransactionRow"]

MAX_PAGE_SIZE = 200
SORTS = {
    "date": BankTransaction.booking_date,
    "amount": BankTransaction.amount_cents,
    "name": BankTransaction.counterparty_name,
    "account": BankAccount.iban,
}


@dataclass(frozen=True, kw_only=True, slots=True)
class TransactionQuery:
    """Filters, order and page of the Umsätze list (and its CSV export)."""

    account_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    # The amount either way round (119,00 finds +119,00 and -119,00).
    amount_cents: int | None = None
    text: str | None = None
    sort: str = "date"
    descending: bool = True
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class TransactionRow:
    """One line of the list, read as plain columns (no ORM objects)."""

    id: str
    booking_date: date
    value_date: date | None
    amount_cents: int
    currency: str
    counterparty_name: str | None
    counterparty_iban: str | None
    remittance: str
    status: str
    is_reversal: bool
    source: str
    identifier_issues: tuple[str, ...]
    account_iban: str
    account_name: str
    advice_items: int = 0  # the invoices its payment advice lists (0: none)


def _transaction_row(r: Row[*tuple[Any, ...]]) -> TransactionRow:
    return TransactionRow(
        r.id,
        r.booking_date,
        r.value_date,
        r.amount_cents,
        r.currency,
        r.counterparty_name,
        r.counterparty_iban,
        r.remittance,
        r.status,
        r.is_reversal,
        r.source,
        tuple(r.identifier_issues or ()),
        r.iban,
        r.name,
    )


@dataclass(frozen=True, slots=True)
class AccountStats:
    account: BankAccount
    transactions: int
    first_booking: date | None
    last_booking: date | None
    sources: tuple[str, ...]
    last_import: datetime | None
    statements: tuple[BankStatement, ...]


log = structlog.get_logger("belegsync.store")

_HASH_CHUNK = 500
# from this many lines committed at once, PostgreSQL's statistics of them are renewed
_ANALYZE_FROM = 2000


class BankingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # lines inserted since the last commit (``renew_statistics``)
        self._inserted = 0

    async def account_by_iban(self, tenant_id: str, iban: str) -> BankAccount | None:
        return await self._session.scalar(
            select(BankAccount).where(BankAccount.tenant_id == tenant_id, BankAccount.iban == iban)
        )

    async def get_or_create_account(
        self,
        tenant_id: str,
        iban: str,
        *,
        now: datetime,
        name: str | None = None,
        bank_name: str | None = None,
        bic: str | None = None,
        currency: str = "EUR",
        connected: bool = False,
        identifier_valid: bool = True,
    ) -> BankAccount:
        """The tenant's account with ``iban``; created if missing. ``connected=True``
        marks an existing account as fed by the bank connection (never the reverse)."""
        account = await self.account_by_iban(tenant_id, iban)
        if account is None:
            account = BankAccount(
                tenant_id=tenant_id,
                iban=iban,
                name=name or iban,
                bank_name=bank_name,
                bic=bic,
                currency=currency,
                connected=connected,
                identifier_valid=identifier_valid,
                created_at=now,
            )
            self._session.add(account)
        else:
            account.connected = account.connected or connected
            account.bank_name = account.bank_name or bank_name
            account.bic = account.bic or bic
        await self._session.flush()
        return account

    async def accounts(self, tenant_id: str) -> list[BankAccount]:
        query = (
            select(BankAccount).where(BankAccount.tenant_id == tenant_id).order_by(BankAccount.iban)
        )
        return list(await self._session.scalars(query))

    async def existing_hashes(self, account_id: str, hashes: Iterable[str]) -> set[str]:
        """Which of ``hashes`` the account already holds."""
        wanted = list(dict.fromkeys(hashes))
        found: set[str] = set()
        for start in range(0, len(wanted), _HASH_CHUNK):
            chunk = wanted[start : start + _HASH_CHUNK]
            query = select(BankTransaction.import_hash).where(
                BankTransaction.account_id == account_id, BankTransaction.import_hash.in_(chunk)
            )
            found.update(await self._session.scalars(query))
        return found

    async def add_import(
        self, *, tenant_id: str, file_name: str, sha256: str, fmt: str, actor: str, now: datetime
    ) -> StatementImport:
        row = StatementImport(
            tenant_id=tenant_id,
            file_name=file_name[:255],
            sha256=sha256,
            format=fmt[:64],
            added_count=0,
            duplicate_count=0,
            actor=actor[:255],
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row

    async def lines_on_days(
        self, tenant_id: str, account_id: str, days: Iterable[date]
    ) -> list[tuple[str, int, date, str | None, str | None, bool]]:
        """The account's lines booked on ``days``: (id, amount, booking day, batch
        reference, bank reference, whether an advice breaks it down)."""
        wanted = sorted(set(days))
        if not wanted:
            return []
        described = select(PaymentAdvice.bank_transaction_id).where(
            PaymentAdvice.tenant_id == tenant_id, PaymentAdvice.bank_transaction_id.is_not(None)
        )
        query = select(
            BankTransaction.id,
            BankTransaction.amount_cents,
            BankTransaction.booking_date,
            BankTransaction.batch_reference,
            BankTransaction.bank_reference,
            BankTransaction.id.in_(described.scalar_subquery()),
        ).where(
            BankTransaction.tenant_id == tenant_id,
            BankTransaction.account_id == account_id,
            BankTransaction.booking_date.in_(wanted),
        )
        return [
            (row[0], row[1], row[2], row[3], row[4], bool(row[5]))
            for row in await self._session.execute(query)
        ]

    async def insert_transactions(self, rows: Sequence[dict[str, Any]]) -> None:
        """Multi-row insert of new transactions (column name → value dicts)."""
        if not rows:
            return
        await self._session.execute(
            insert(BankTransaction).execution_options(render_nulls=True),
            [{"id": new_id(), **row} for row in rows],
        )
        self._inserted += len(rows)

    async def renew_statistics(self) -> None:
        """After a commit that stored many lines (``_ANALYZE_FROM``), PostgreSQL's
        statistics of the table renewed at once. PostgreSQL plans by what ANALYZE
        keeps, and autovacuum runs it a minute or more later: an import right after,
        its lines looked up by import hash in a table the planner took for empty, read
        every line of the account per 500 hashes (61 s for 40,000 lines after 40,000).
        In a transaction of its own: ANALYZE's lock, which another ANALYZE waits for,
        is held only for it. Best effort: a failure is logged, the commit stands."""
        inserted, self._inserted = self._inserted, 0
        if inserted < _ANALYZE_FROM or self._session.get_bind().dialect.name != "postgresql":
            return
        try:
            await self._session.execute(text(f"ANALYZE {BankTransaction.__tablename__}"))
            await self._session.commit()
        except SQLAlchemyError as error:
            await self._session.rollback()
            log.warning("statistics_not_renewed", table="bank_transactions", error=str(error))

    async def transactions(
        self,
        tenant_id: str,
        *,
        account_id: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int | None = None,
    ) -> list[tuple[BankTransaction, BankAccount]]:
        """The tenant's transactions with their accounts, newest booking first."""
        query = (
            select(BankTransaction, BankAccount)
            .join(BankAccount, BankAccount.id == BankTransaction.account_id)
            .where(BankTransaction.tenant_id == tenant_id, BankAccount.tenant_id == tenant_id)
        )
        if account_id is not None:
            query = query.where(BankTransaction.account_id == account_id)
        if date_from is not None:
            query = query.where(BankTransaction.booking_date >= date_from)
        if date_to is not None:
            query = query.where(BankTransaction.booking_date <= date_to)
        query = query.order_by(
            BankTransaction.booking_date.desc(), BankAccount.iban, BankTransaction.created_at
        )
        if limit is not None:
            query = query.limit(limit)
        result = await self._session.execute(query)
        return [(row[0], row[1]) for row in result]

    async def imports(self, tenant_id: str) -> list[StatementImport]:
        query = (
            select(StatementImport)
            .where(StatementImport.tenant_id == tenant_id)
            .order_by(StatementImport.created_at.desc())
        )
        return list(await self._session.scalars(query))

    async def add_statement(self, **values: Any) -> None:
        self._session.add(BankStatement(**values))
        await self._session.flush()

    async def set_csv_mapping(self, account: BankAccount, mapping: dict[str, Any]) -> None:
        account.csv_mapping = mapping
        await self._session.flush()

    async def add_draft(
        self, *, tenant_id: str, file_name: str, data: bytes, now: datetime, keep_since: datetime
    ) -> BankUploadDraft:
        """Store an upload waiting for the user's choices; drafts older than
        ``keep_since`` are dropped."""
        await self._session.execute(
            delete(BankUploadDraft).where(
                BankUploadDraft.tenant_id == tenant_id, BankUploadDraft.created_at < keep_since
            )
        )
        draft = BankUploadDraft(
            tenant_id=tenant_id, file_name=file_name[:255], data=data, created_at=now
        )
        self._session.add(draft)
        await self._session.flush()
        return draft

    async def draft(self, tenant_id: str, draft_id: str) -> BankUploadDraft | None:
        return await self._session.scalar(
            select(BankUploadDraft).where(
                BankUploadDraft.id == draft_id, BankUploadDraft.tenant_id == tenant_id
            )
        )

    async def delete_draft(self, tenant_id: str, draft_id: str) -> None:
        await self._session.execute(
            delete(BankUploadDraft).where(
                BankUploadDraft.id == draft_id, BankUploadDraft.tenant_id == tenant_id
            )
        )

    def _filters(self, tenant_id: str, q: TransactionQuery) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            BankTransaction.tenant_id == tenant_id,
            BankAccount.tenant_id == tenant_id,
        ]
        if q.account_id is not None:
            conditions.append(BankTransaction.account_id == q.account_id)
        if q.date_from is not None:
            conditions.append(BankTransaction.booking_date >= q.date_from)
        if q.date_to is not None:
            conditions.append(BankTransaction.booking_date <= q.date_to)
        if q.amount_cents is not None:
            conditions.append(BankTransaction.amount_cents.in_({q.amount_cents, -q.amount_cents}))
        if q.text:
            pattern = f"%{q.text}%"
            conditions.append(
                or_(
                    BankTransaction.counterparty_name.ilike(pattern),
                    BankTransaction.remittance.ilike(pattern),
                    BankTransaction.counterparty_iban.ilike(pattern),
                    BankTransaction.booking_text.ilike(pattern),
                )
            )
        return conditions

    def _rows_query(self, tenant_id: str, q: TransactionQuery) -> Select[*tuple[Any, ...]]:
        """The selection's lines as plain columns, in the list's order (no page)."""
        column = SORTS.get(q.sort, BankTransaction.booking_date)
        return (
            select(
                BankTransaction.id,
                BankTransaction.booking_date,
                BankTransaction.value_date,
                BankTransaction.amount_cents,
                BankTransaction.currency,
                BankTransaction.counterparty_name,
                BankTransaction.counterparty_iban,
                BankTransaction.remittance,
                BankTransaction.status,
                BankTransaction.is_reversal,
                BankTransaction.source,
                BankTransaction.identifier_issues,
                BankAccount.iban,
                BankAccount.name,
            )
            .join(BankAccount, BankAccount.id == BankTransaction.account_id)
            .where(*self._filters(tenant_id, q))
            .order_by(column.desc() if q.descending else column.asc(), BankTransaction.id)
        )

    async def transaction_page(
        self, tenant_id: str, q: TransactionQuery
    ) -> tuple[list[TransactionRow], int]:
        """One page of the tenant's transactions and the total matching the filters."""
        total = await self._session.scalar(
            select(func.count())
            .select_from(BankTransaction)
            .join(BankAccount, BankAccount.id == BankTransaction.account_id)
            .where(*self._filters(tenant_id, q))
        )
        per_page = max(1, min(q.per_page, MAX_PAGE_SIZE))
        query = (
            self._rows_query(tenant_id, q).limit(per_page).offset((max(q.page, 1) - 1) * per_page)
        )
        rows = [_transaction_row(r) for r in await self._session.execute(query)]
        if rows:
            advised = select(PaymentAdvice.bank_transaction_id, PaymentAdvice.items).where(
                PaymentAdvice.tenant_id == tenant_id,
                PaymentAdvice.bank_transaction_id.in_([r.id for r in rows]),
            )
            items = {r[0]: len(r[1]) for r in await self._session.execute(advised)}
            if items:
                rows = [replace(r, advice_items=items.get(r.id, 0)) for r in rows]
        return rows, int(total or 0)

    async def transaction_batches(
        self, tenant_id: str, q: TransactionQuery, *, batch: int = 1000
    ) -> AsyncIterator[list[TransactionRow]]:
        """Every line of the selection in the list's order, ``batch`` at a time (the
        export): one query read as it streams, not page after page (each page counted
        and skipped to: quadratic in the lines). The rows carry no advice counts."""
        query = self._rows_query(tenant_id, q).execution_options(yield_per=batch)
        result = await self._session.stream(query)
        async for part in result.partitions(batch):
            yield [_transaction_row(r) for r in part]

    async def account_stats(self, tenant_id: str) -> list[AccountStats]:
        """Each account with its coverage: transactions, first and last booking, sources,
        last import and statements (oldest first)."""
        accounts = await self.accounts(tenant_id)
        counts = {
            row[0]: row[1:]
            for row in await self._session.execute(
                select(
                    BankTransaction.account_id,
                    func.count(),
                    func.min(BankTransaction.booking_date),
                    func.max(BankTransaction.booking_date),
                    func.max(BankTransaction.created_at),
                )
                .where(BankTransaction.tenant_id == tenant_id)
                .group_by(BankTransaction.account_id)
            )
        }
        sources: dict[str, set[str]] = {}
        for account_id, source in await self._session.execute(
            select(BankTransaction.account_id, BankTransaction.source)
            .where(BankTransaction.tenant_id == tenant_id)
            .distinct()
        ):
            sources.setdefault(account_id, set()).add(source)
        statements: dict[str, list[BankStatement]] = {}
        for statement in await self._session.scalars(
            select(BankStatement)
            .where(BankStatement.tenant_id == tenant_id)
            .order_by(BankStatement.period_from, BankStatement.created_at)
        ):
            statements.setdefault(statement.account_id, []).append(statement)
        stats = []
        for account in accounts:
            count, first, last, imported = counts.get(account.id, (0, None, None, None))
            stats.append(
                AccountStats(
                    account,
                    int(count),
                    first,
                    last,
                    tuple(sorted(sources.get(account.id, ()))),
                    imported,
                    tuple(statements.get(account.id, ())),
                )
            )
        return stats


def advice_of(row: PaymentAdvice) -> Advice:
    """The stored advice as the domain reads it."""
    return Advice(
        kind=AdviceKind(row.kind),
        reference=row.reference,
        day=row.advice_date,
        credit=row.credit,
        currency=row.currency,
        items=tuple(
            AdviceItem(
                reference=str(item["reference"]),
                amount_cents=int(item["amount_cents"]),
                paid_cents=int(item["paid_cents"]),
                name=str(item.get("name") or ""),
                end_to_end_id=str(item.get("end_to_end_id") or ""),
            )
            for item in row.items
        ),
    )


class AdviceRepository:
    """Payment advices (``PaymentAdvice``): stored, found for their lines, read."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def known(self, tenant_id: str, fingerprint: str) -> PaymentAdvice | None:
        query = select(PaymentAdvice).where(
            PaymentAdvice.tenant_id == tenant_id, PaymentAdvice.fingerprint == fingerprint
        )
        return (await self._session.scalars(query)).first()

    async def add(
        self,
        *,
        tenant_id: str,
        advice: Advice,
        fingerprint: str,
        file_name: str,
        actor: str,
        now: datetime,
    ) -> PaymentAdvice:
        row = PaymentAdvice(
            tenant_id=tenant_id,
            bank_transaction_id=None,
            kind=advice.kind.value,
            reference=advice.reference[:140],
            advice_date=advice.day,
            credit=advice.credit,
            currency=advice.currency,
            paid_cents=advice.paid_cents,
            items=[
                {
                    "reference": item.reference,
                    "amount_cents": item.amount_cents,
                    "paid_cents": item.paid_cents,
                    "name": item.name,
                    "end_to_end_id": item.end_to_end_id,
                }
                for item in advice.items
            ],
            fingerprint=fingerprint,
            file_name=file_name[:255],
            actor=actor[:255],
            created_at=now,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError:
            # the same advice stored meanwhile by another upload (a double click)
            stored = await self.known(tenant_id, fingerprint)
            if stored is None:
                raise
            return stored
        return row

    async def pending(self, tenant_id: str) -> list[PaymentAdvice]:
        """The tenant's advices still waiting for their line, oldest first."""
        query = (
            select(PaymentAdvice)
            .where(
                PaymentAdvice.tenant_id == tenant_id,
                PaymentAdvice.bank_transaction_id.is_(None),
            )
            .order_by(PaymentAdvice.created_at, PaymentAdvice.id)
        )
        return list(await self._session.scalars(query))

    async def lines_for(self, tenant_id: str, advices: Sequence[Advice]) -> list[AdviceLine]:
        """The tenant's real lines one of ``advices`` may describe: of its signed amount,
        or carrying its batch reference."""
        amounts = {a.paid_cents if a.credit else -a.paid_cents for a in advices}
        references = {a.reference for a in advices if a.reference}
        described = (
            select(PaymentAdvice.bank_transaction_id)
            .where(
                PaymentAdvice.tenant_id == tenant_id,
                PaymentAdvice.bank_transaction_id.is_not(None),
            )
            .scalar_subquery()
        )
        wanted: list[ColumnElement[bool]] = [BankTransaction.amount_cents.in_(sorted(amounts))]
        if references:
            wanted.append(BankTransaction.batch_reference.in_(sorted(references)))
        query = (
            select(
                BankTransaction.id,
                BankTransaction.amount_cents,
                BankTransaction.booking_date,
                BankTransaction.currency,
                BankTransaction.batch_reference,
                BankTransaction.remittance,
                BankTransaction.id.in_(described),
            )
            .where(
                BankTransaction.tenant_id == tenant_id,
                BankTransaction.source != "external",
                or_(*wanted),
            )
            .order_by(BankTransaction.booking_date, BankTransaction.id)
        )
        return [
            AdviceLine(
                id=row[0],
                amount_cents=row[1],
                booking_date=row[2],
                currency=row[3],
                batch_reference=row[4] or "",
                remittance=row[5] or "",
                has_advice=bool(row[6]),
            )
            for row in await self._session.execute(query)
        ]

    async def get(self, tenant_id: str, advice_id: str) -> PaymentAdvice:
        """One of the tenant's advices (``NotFound`` for another tenant's too)."""
        row = await self._session.scalar(
            select(PaymentAdvice).where(
                PaymentAdvice.tenant_id == tenant_id, PaymentAdvice.id == advice_id
            )
        )
        if row is None:
            raise NotFound("advice")
        return row

    async def listed(self, tenant_id: str, limit: int = 50) -> list[PaymentAdvice]:
        """The tenant's latest advices, newest first."""
        query = (
            select(PaymentAdvice)
            .where(PaymentAdvice.tenant_id == tenant_id)
            .order_by(PaymentAdvice.created_at.desc(), PaymentAdvice.id)
            .limit(limit)
        )
        return list(await self._session.scalars(query))

    async def delete(self, row: PaymentAdvice) -> None:
        await self._session.delete(row)
        await self._session.flush()

    async def attach(self, row: PaymentAdvice, txn_id: str) -> bool:
        """Attach the advice to the line; False (it keeps waiting) where another advice
        took the line meanwhile."""
        try:
            async with self._session.begin_nested():
                row.bank_transaction_id = txn_id
        except IntegrityError:
            await self._session.refresh(row)
            return False
        return True

    async def of_lines(self, tenant_id: str, txn_ids: Iterable[str]) -> dict[str, PaymentAdvice]:
        """The advices of these lines (line id → advice)."""
        wanted = sorted(set(txn_ids))
        found: dict[str, PaymentAdvice] = {}
        for start in range(0, len(wanted), _HASH_CHUNK):
            query = select(PaymentAdvice).where(
                PaymentAdvice.tenant_id == tenant_id,
                PaymentAdvice.bank_transaction_id.in_(wanted[start : start + _HASH_CHUNK]),
            )
            for row in await self._session.scalars(query):
                found[str(row.bank_transaction_id)] = row
        return found

    async def attached(self, tenant_id: str) -> list[PaymentAdvice]:
        """All the tenant's advices that found their line (matching reads them)."""
        query = select(PaymentAdvice).where(
            PaymentAdvice.tenant_id == tenant_id,
            PaymentAdvice.bank_transaction_id.is_not(None),
        )
        return list(await self._session.scalars(query))
