"""Expected payments, links and the IBAN → contact memory. Nothing here commits."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.sql import ColumnElement

from belegsync.domain.advice import matching_text, returnable_items
from belegsync.domain.matching import STALE_ACCOUNT_DAYS, AccountLines
from belegsync.store import matching_state  # keeps the match state with the links
from belegsync.store.banking_repository import advice_of
from belegsync.store.errors import NotFound
from belegsync.store.models import (
    BankAccount,
    BankTransaction,
    ContactPayer,
    ExpectedPayment,
    IbanContactMemory,
    PaymentAdvice,
    PaymentItem,
    PaymentLink,
    Tenant,
    Voucher,
    new_id,
)
from belegsync.store.models.banking import BankStatement
from belegsync.store.types import UTCDateTime

__all__ = [
    "TRANSACTION_COLUMNS",
    "ItemSource",
    "MatchingRepository",
    "SettledRange",
    "StoredPayment",
    "VoucherSource",
]

_CHUNK = 500
# from this many transactions on, ``links_touching`` reads the tenant's linked lines
# first (``_linked_of``)
_LINKED_READ_FROM = 5000
_VOUCHER_DOCUMENTS = (Voucher.raw_json, Voucher.raw_list_json, Voucher.raw_payments_json)
_ALLOCATING = ("auto_confirmed", "confirmed")


class VoucherSource(NamedTuple):
    """What deriving a voucher's expected payments reads of it."""

    id: str
    lexware_id: str
    voucher_date: date
    total_gross_cents: int
    currency: str
    paid_date: date | None
    payments_stale: str | None


def _in_voucher_order(
    rows: Iterable[tuple[ExpectedPayment, Voucher]],
) -> list[tuple[ExpectedPayment, Voucher]]:
    """Payments with their vouchers by voucher date, Lexware id and position."""
    return sorted(rows, key=lambda r: (r[1].voucher_date, r[1].lexware_id, r[0].position))


class SettledRange(NamedTuple):
    """Which settled payments a run reads besides the open ones
    (``MatchingRepository.settled_payments_in``)."""

    currency: str
    low_cents: int
    high_cents: int
    # Lexware's paid date between these days, or, where it holds none, the voucher date
    paid_from: date
    paid_to: date
    dated_from: date
    dated_to: date


class ItemSource(NamedTuple):
    """What deriving expected payments reads of a payment item."""

    position: int
    payment_item_type: str
    amount_cents: int
    currency: str
    posting_date: date | None


class StoredPayment(NamedTuple):
    """A stored expected payment as a rebuild compares it."""

    id: str
    voucher_id: str
    position: int
    item_type: str | None
    kind: str
    amount_cents: int
    currency: str
    paid_date: date | None
    skonto_cents: int
    settled_otherwise_cents: int
    has_items: bool
    active: bool


_VOUCHER_SOURCE = tuple(getattr(Voucher, name) for name in VoucherSource._fields)
_ITEM_SOURCE = tuple(getattr(PaymentItem, name) for name in ItemSource._fields)
_STORED_PAYMENT = tuple(getattr(ExpectedPayment, name) for name in StoredPayment._fields)
_KEYS_BATCH = 5000  # lines whose keys one statement stores
# lines read per part (``_transaction_columns``): the event loop answers between parts
_READ_PART = 5000
# The columns the matching engine reads, in the order of ``transaction_columns``.
TRANSACTION_COLUMNS = (
    "id",
    "currency",
    "amount_cents",
    "booking_date",
    "value_date",
    "status",
    "is_reversal",
    "counterparty_iban",
    "creditor_id",
    "counterparty_name",
    "remittance",
    "remittance_lines",
    "end_to_end_id",
    # the amount the payer instructed (``domain.matching.instructed_cents``)
    "original_amount_cents",
    "original_currency",
    # what matching reads of the texts, kept with the line (``matching.line_keys``):
    # NULL until the first run that reads the line stores it (``store_line_keys``)
    "line_keys",
)


class MatchingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def vouchers_with_items(self, tenant_id: str) -> list[Voucher]:
        """All the tenant's vouchers with their payment items, oldest first; Lexware's
        documents are not read (three JSON documents a voucher: most of the time of a
        full rebuild when they were decoded)."""
        query = (
            select(Voucher)
            .where(Voucher.tenant_id == tenant_id)
            .options(
                selectinload(Voucher.payment_items),
                *(defer(column, raiseload=True) for column in _VOUCHER_DOCUMENTS),
            )
            .order_by(Voucher.voucher_date, Voucher.lexware_id)
        )
        return list(await self._session.scalars(query))

    async def payment_sources(
        self, tenant_id: str, *, stale_only: bool
    ) -> list[tuple[VoucherSource, list[ItemSource]]]:
        """What deriving expected payments reads of the tenant's vouchers (all, or those
        marked ``payments_stale``), with their payment items by position, oldest voucher
        first: plain rows, no ORM objects (a full rebuild reads every voucher)."""
        scope = [Voucher.tenant_id == tenant_id]
        if stale_only:
            scope.append(Voucher.payments_stale.is_not(None))
        rows = await self._session.execute(select(*_VOUCHER_SOURCE).where(*scope))
        # sorted here: an ORDER BY on the voucher date made SQLite walk all of the
        # tenant's vouchers by that index instead of the few stale ones by theirs
        vouchers = sorted(
            map(VoucherSource._make, rows), key=attrgetter("voucher_date", "lexware_id")
        )
        items: dict[str, list[ItemSource]] = {}
        query = (
            select(PaymentItem.voucher_id, *_ITEM_SOURCE)
            .join(Voucher, Voucher.id == PaymentItem.voucher_id)
            .where(*scope)
        )
        for voucher_id, *item in await self._session.execute(query):
            items.setdefault(voucher_id, []).append(ItemSource(*item))
        return [
            (voucher, sorted(items.get(voucher.id, ()), key=attrgetter("position")))
            for voucher in vouchers
        ]

    async def stored_payments(
        self, tenant_id: str, voucher_ids: Sequence[str] | None = None
    ) -> list[StoredPayment]:
        """The tenant's expected payments (active or not) as plain rows: all, or those of
        these vouchers (chunked IN lists)."""
        scope = ExpectedPayment.tenant_id == tenant_id
        if voucher_ids is None:
            rows = await self._session.execute(select(*_STORED_PAYMENT).where(scope))
            return list(map(StoredPayment._make, rows))
        out: list[StoredPayment] = []
        ids = list(voucher_ids)
        for start in range(0, len(ids), _CHUNK):
            query = select(*_STORED_PAYMENT).where(
                scope, ExpectedPayment.voucher_id.in_(ids[start : start + _CHUNK])
            )
            out.extend(map(StoredPayment._make, await self._session.execute(query)))
        return out

    async def write_payments(
        self,
        tenant_id: str,
        new: Sequence[Mapping[str, Any]],
        changed: Sequence[Mapping[str, Any]],
        retired: Sequence[str],
        *,
        now: datetime,
    ) -> None:
        """Insert ``new`` expected payments of the tenant (column values; the id is made
        here), update ``changed`` ones (column values by ``id``) and make ``retired``
        ones inactive: a statement each, not a round trip per row. Payments already
        loaded as objects in this unit of work are not refreshed."""
        if new:
            rows = [{**values, "id": new_id(), "tenant_id": tenant_id} for values in new]
            await self._session.execute(insert(ExpectedPayment), rows)
        if changed:
            await self._session.execute(update(ExpectedPayment), list(changed))
        table = cast(Table, ExpectedPayment.__table__)
        for start in range(0, len(retired), _CHUNK):
            chunk = list(retired[start : start + _CHUNK])
            await self._session.execute(
                update(table)
                .where(table.c.tenant_id == tenant_id, table.c.id.in_(chunk))
                .values(active=False, updated_at=now)
            )

    async def clear_stale(self, tokens: Mapping[str, str]) -> None:
        """Mark the expected payments of these vouchers (id → the ``payments_stale``
        token read before the rebuild) as current. A voucher written since (another
        token) stays stale.

        On PostgreSQL a voucher row a sync is writing right now (locked) is skipped, not
        waited for: its token is about to change anyway, and a matching that waited on
        the sync's rows while the sync waits on rows the matching cleared would
        deadlock. (SQLite has one writer at a time: no row locks.)
        """
        table = cast(Table, Voucher.__table__)
        pairs = list(tokens.items())
        for start in range(0, len(pairs), _CHUNK):
            chunk = pairs[start : start + _CHUNK]
            unchanged = (
                select(table.c.id)
                .where(
                    table.c.id.in_([voucher_id for voucher_id, _ in chunk]),
                    tuple_(table.c.id, table.c.payments_stale).in_(chunk),
                )
                .with_for_update(skip_locked=True)
            )
            await self._session.execute(
                update(table).where(table.c.id.in_(unchanged)).values(payments_stale=None)
            )

    async def payments(
        self, tenant_id: str, *, active_only: bool = True
    ) -> list[tuple[ExpectedPayment, Voucher]]:
        """The tenant's expected payments with their vouchers, oldest voucher first."""
        query = (
            select(ExpectedPayment, Voucher)
            .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
            .where(ExpectedPayment.tenant_id == tenant_id, Voucher.tenant_id == tenant_id)
            .order_by(Voucher.voucher_date, Voucher.lexware_id, ExpectedPayment.position)
        )
        if active_only:
            query = query.where(ExpectedPayment.active.is_(True))
        result = await self._session.execute(query)
        return [(row[0], row[1]) for row in result]

    async def payment(self, tenant_id: str, payment_id: str) -> tuple[ExpectedPayment, Voucher]:
        """One payment of the tenant; ``NotFound`` if missing or another tenant's."""
        query = (
            select(ExpectedPayment, Voucher)
            .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
            .where(ExpectedPayment.tenant_id == tenant_id, ExpectedPayment.id == payment_id)
        )
        row = (await self._session.execute(query)).first()
        if row is None:
            raise NotFound("payment")
        return row[0], row[1]

    async def payments_of_voucher(self, voucher_id: str) -> list[ExpectedPayment]:
        query = select(ExpectedPayment).where(ExpectedPayment.voucher_id == voucher_id)
        return list(await self._session.scalars(query))

    def add(self, row: ExpectedPayment | PaymentLink | IbanContactMemory) -> None:
        self._session.add(row)

    async def insert_links(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert new links (column values, the ids given) in one statement, without an
        object each, and keep the match state with them in the same transaction, as a
        flush of new link objects does: a matching run writes hundreds, and the unit of
        work spent more on them than the database."""
        if not rows:
            return
        await self._session.execute(insert(cast(Table, PaymentLink.__table__)), list(rows))
        await self._session.run_sync(
            lambda session: matching_state.keep_for_inserted_links(session, rows)
        )

    async def flush(self) -> None:
        await self._session.flush()

    async def lock_links(self, tenant_id: str) -> int:
        """Take the tenant's links lock for this transaction and count its links
        version up; the version now (``NotFound`` for an unknown tenant).

        Every transaction that writes the tenant's links calls this first, before it
        reads the links it changes (``store.matching_state`` refuses a flush of links
        without it). On PostgreSQL the update holds the tenant's row until the
        transaction ends, so writers of one tenant's links take turns and each reads
        what the one before committed (an insert referring to the tenant does not
        wait for it); on SQLite a writing transaction holds the database's one write
        lock from its start anyway. A matching run that read version ``v`` outside
        this lock and finds ``v + 1`` here knows nobody wrote the links in between."""
        table = cast(Table, Tenant.__table__)
        version = await self._session.scalar(
            update(table)
            .where(table.c.id == tenant_id)
            .values(links_version=table.c.links_version + 1)
            .returning(table.c.links_version)
        )
        if version is None:
            raise NotFound("tenant")
        matching_state.mark_links_locked(self._session.sync_session, tenant_id)
        return int(version)

    async def links_version(self, tenant_id: str) -> int:
        """The tenant's links version as this transaction sees it (:meth:`lock_links`)."""
        version = await self._session.scalar(
            select(Tenant.links_version).where(Tenant.id == tenant_id)
        )
        if version is None:
            raise NotFound("tenant")
        return int(version)

    async def links(
        self, tenant_id: str, *, statuses: Iterable[str] | None = None
    ) -> list[PaymentLink]:
        query = select(PaymentLink).where(PaymentLink.tenant_id == tenant_id)
        if statuses is not None:
            query = query.where(PaymentLink.status.in_(list(statuses)))
        return list(await self._session.scalars(query.order_by(PaymentLink.created_at)))

    async def link(self, tenant_id: str, link_id: str) -> PaymentLink | None:
        return await self._session.scalar(
            select(PaymentLink).where(PaymentLink.tenant_id == tenant_id, PaymentLink.id == link_id)
        )

    async def links_by_id(self, tenant_id: str, link_ids: Sequence[str]) -> list[PaymentLink]:
        """The tenant's links of these ids (chunked IN lists; another tenant's are not
        found)."""
        found: list[PaymentLink] = []
        ids = list(dict.fromkeys(link_ids))
        for start in range(0, len(ids), _CHUNK):
            query = select(PaymentLink).where(
                PaymentLink.tenant_id == tenant_id, PaymentLink.id.in_(ids[start : start + _CHUNK])
            )
            found += await self._session.scalars(query)
        return found

    async def set_unmatched_reasons(
        self, tenant_id: str, reasons: Mapping[str, str | None]
    ) -> None:
        """Per payment id of the tenant, why the last run left it open (None: it did
        not), in one statement (another tenant's payments are left alone)."""
        if not reasons:
            return
        table = cast(Table, ExpectedPayment.__table__)
        await self._session.execute(
            update(table)
            .where(table.c.tenant_id == tenant_id, table.c.id == bindparam("payment_id"))
            .values(unmatched_reason=bindparam("reason")),
            [{"payment_id": k, "reason": v} for k, v in reasons.items()],
        )

    async def links_of_payment(self, payment_id: str) -> list[PaymentLink]:
        query = select(PaymentLink).where(PaymentLink.expected_payment_id == payment_id)
        return list(await self._session.scalars(query.order_by(PaymentLink.created_at)))

    async def transaction(
        self, tenant_id: str, txn_id: str
    ) -> tuple[BankTransaction, BankAccount] | None:
        query = (
            select(BankTransaction, BankAccount)
            .join(BankAccount, BankAccount.id == BankTransaction.account_id)
            .where(BankTransaction.tenant_id == tenant_id, BankTransaction.id == txn_id)
        )
        row = (await self._session.execute(query)).first()
        return None if row is None else (row[0], row[1])

    async def transactions(self, tenant_id: str) -> list[BankTransaction]:
        query = select(BankTransaction).where(BankTransaction.tenant_id == tenant_id)
        return list(await self._session.scalars(query))

    async def memory(self, tenant_id: str) -> list[IbanContactMemory]:
        query = select(IbanContactMemory).where(IbanContactMemory.tenant_id == tenant_id)
        return list(await self._session.scalars(query))

    async def memory_row(
        self, tenant_id: str, iban: str, contact_id: str, *, now: datetime
    ) -> IbanContactMemory:
        """The evidence row for (iban, contact); created with zero counts if missing."""
        row = await self._session.scalar(
            select(IbanContactMemory).where(
                IbanContactMemory.tenant_id == tenant_id,
                IbanContactMemory.iban == iban,
                IbanContactMemory.contact_id == contact_id,
            )
        )
        if row is None:
            row = IbanContactMemory(
                tenant_id=tenant_id,
                iban=iban,
                contact_id=contact_id,
                confirmations=0,
                rejections=0,
                updated_at=now,
            )
            self._session.add(row)
            await self._session.flush()
        return row

    async def linked_vouchers(
        self, tenant_id: str, txn_ids: Sequence[str], statuses: Iterable[str]
    ) -> dict[str, list[str]]:
        """Transaction id → voucher numbers (or Lexware ids) linked with these statuses."""
        wanted = list(dict.fromkeys(txn_ids))
        found: dict[str, list[str]] = {}
        for start in range(0, len(wanted), _CHUNK):
            query = (
                select(PaymentLink.bank_transaction_id, Voucher.voucher_number, Voucher.lexware_id)
                .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
                .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
                .where(
                    PaymentLink.tenant_id == tenant_id,
                    PaymentLink.status.in_(list(statuses)),
                    PaymentLink.bank_transaction_id.in_(wanted[start : start + _CHUNK]),
                )
                .order_by(Voucher.voucher_number)
            )
            for txn_id, number, lexware_id in await self._session.execute(query):
                found.setdefault(txn_id, []).append(number or lexware_id)
        return found

    # ---- column reads for the matching run (only what is still open) ---------------

    async def open_payments(self, tenant_id: str) -> list[tuple[ExpectedPayment, Voucher]]:
        """Active bank payments not yet settled by a link to a real transaction (links
        to external transactions do not settle: the real line may still arrive), read
        by the stored ``settled`` state (``store.matching_state``) from its index."""
        return _in_voucher_order(await self._bank_payments(tenant_id, settled=False))

    async def _bank_payments(
        self, tenant_id: str, *where: ColumnElement[bool], settled: bool
    ) -> list[tuple[ExpectedPayment, Voucher]]:
        """Active bank payments, settled or not, with their vouchers (``where``: more
        conditions)."""
        query = (
            select(ExpectedPayment, Voucher)
            .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
            .where(
                ExpectedPayment.tenant_id == tenant_id,
                ExpectedPayment.settled.is_(settled),
                ExpectedPayment.active.is_(True),
                ExpectedPayment.kind == "bank",
                Voucher.tenant_id == tenant_id,
                *where,
            )
            # matching reads none of Lexware's documents: not decoded (JSON)
            .options(*(defer(column, raiseload=True) for column in _VOUCHER_DOCUMENTS))
        )
        return [(row[0], row[1]) for row in await self._session.execute(query)]

    async def settled_payments_in(
        self, tenant_id: str, ranges: Sequence[SettledRange]
    ) -> list[tuple[ExpectedPayment, Voucher]]:
        """Active bank payments settled by a link, each in one of ``ranges`` (currency,
        amount and the day Lexware says it was paid — the voucher date where it says
        none), in the order of :meth:`open_payments`."""
        out: list[tuple[ExpectedPayment, Voucher]] = []
        for start in range(0, len(ranges), _CHUNK // 5):
            wanted = or_(
                *(
                    and_(
                        ExpectedPayment.currency == r.currency,
                        ExpectedPayment.amount_cents.between(r.low_cents, r.high_cents),
                        or_(
                            ExpectedPayment.paid_date.between(r.paid_from, r.paid_to),
                            and_(
                                ExpectedPayment.paid_date.is_(None),
                                Voucher.voucher_date.between(r.dated_from, r.dated_to),
                            ),
                        ),
                    )
                    for r in ranges[start : start + _CHUNK // 5]
                )
            )
            out += await self._bank_payments(tenant_id, wanted, settled=True)
        return _in_voucher_order({p.id: (p, v) for p, v in out}.values())

    async def transaction_columns(self, tenant_id: str) -> dict[str, list[Any]]:
        """Real (not external) transactions that still have money to allocate (by the
        stored ``used_up`` state, ``store.matching_state``), as columns
        (``TRANSACTION_COLUMNS``): no ORM objects for thousands of lines. Lines partly
        allocated come along; the engine subtracts what their links hold."""
        return await self._transaction_columns(tenant_id, BankTransaction.used_up.is_(False))

    async def store_line_keys(self, tenant_id: str, keys: Sequence[tuple[str, bytes]]) -> None:
        """Keep what a run worked out of lines' texts: per transaction id, its
        ``line_keys`` (the lines of other tenants are left alone)."""
        if not keys:
            return
        table = cast(Table, BankTransaction.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("line_id"), table.c.tenant_id == tenant_id)
            .values(line_keys=bindparam("keys"))
        )
        rows = [{"line_id": line_id, "keys": value} for line_id, value in keys]
        connection = await self._session.connection()
        for start in range(0, len(rows), _KEYS_BATCH):
            await connection.execute(statement, rows[start : start + _KEYS_BATCH])

    async def used_up_columns(
        self, tenant_id: str, spans: Sequence[tuple[date, date]]
    ) -> dict[str, list[Any]]:
        """The real transactions booked within one of ``spans`` (first and last day)
        whose whole amount links hold, as :meth:`transaction_columns` reads the others:
        the lines a return may undo."""
        return await self._transaction_columns(
            tenant_id,
            BankTransaction.used_up.is_(True),
            or_(
                *(
                    and_(
                        BankTransaction.booking_date >= first, BankTransaction.booking_date <= last
                    )
                    for first, last in spans
                )
            ),
        )

    async def _transaction_columns(
        self, tenant_id: str, *where: ColumnElement[bool]
    ) -> dict[str, list[Any]]:
        # the statement lines' JSON is read as text and decoded here in one call
        # (``_json_values``): SQLAlchemy's JSON processor, a Python call per row, took
        # 1.1 s of the 2.5 s that 160,000 lines took to read
        query = (
            select(
                *(
                    type_coerce(BankTransaction.remittance_lines, String)
                    if name == "remittance_lines"
                    else getattr(BankTransaction, name)
                    for name in TRANSACTION_COLUMNS
                )
            )
            .where(
                BankTransaction.tenant_id == tenant_id,
                BankTransaction.source != "external",
                *where,
            )
            .order_by(BankTransaction.booking_date, BankTransaction.id)
        )
        # plain columns, sent on the session's connection (after what the session
        # holds, as its own queries flush it): the ORM's loading of rows (a step per
        # row for columns that are no entities) took 0.4 s of 1.6 s at 120,000 lines
        await self._session.flush()
        connection = await self._session.connection()
        # read in parts, each turned into columns before the next is fetched: a process
        # serving pages answers between them (120,000 lines read at once held the event
        # loop for 0.3 s)
        columns: list[list[Any]] = [[] for _ in TRANSACTION_COLUMNS]
        result = await connection.stream(query)
        async for rows in result.partitions(_READ_PART):
            for column, values in zip(columns, zip(*rows, strict=True), strict=True):
                column.extend(values)
        out = dict(zip(TRANSACTION_COLUMNS, columns, strict=True))
        out["remittance_lines"] = _json_values(out["remittance_lines"])
        out["advice"], out["advice_items"] = await self._advices(tenant_id, out["id"])
        return out

    async def _advices(
        self, tenant_id: str, ids: list[str]
    ) -> tuple[list[str | None], list[tuple[tuple[str, str, int], ...] | None]]:
        """Per line, what matching reads of its payment advice (``matching_text``), and
        the advice's items a return may name by their end-to-end ids
        (``returnable_items``); None for a line without one. A tenant has few advices:
        all of them are read."""
        query = select(PaymentAdvice).where(
            PaymentAdvice.tenant_id == tenant_id, PaymentAdvice.bank_transaction_id.is_not(None)
        )
        advices = {
            str(row.bank_transaction_id): advice_of(row)
            for row in await self._session.scalars(query)
        }
        if not advices:
            return [None] * len(ids), [None] * len(ids)
        found = [advices.get(i) for i in ids]
        return (
            [None if a is None else matching_text(a) for a in found],
            [None if a is None else returnable_items(a) for a in found],
        )

    async def account_lines(self, tenant_id: str) -> dict[str, AccountLines]:
        """Per real account of the tenant (by id; not the external transactions'
        account) what says how far its lines reach (``domain.matching.lines_reach``);
        an account whose lines all lie before the last weeks is left out (stale)."""
        real = (BankTransaction.tenant_id == tenant_id, BankTransaction.source != "external")
        newest = (
            await self._session.execute(
                select(BankTransaction.booking_date, BankTransaction.created_at)
                .where(*real)
                .order_by(BankTransaction.booking_date.desc())
                .limit(1)
            )
        ).first()
        # the newest booking, or the day it was imported where it is dated ahead (a
        # line dated 2099 would leave every other line out)
        since = min(newest[0], newest[1].date()) if newest else date.max
        # only the lines booked since the newest less the days that leave an account
        # stale, and a month more, read from the index on tenant and booking date (all
        # of a tenant's 120,000 lines took 0.13–0.18 s on SQLite, these 0.014 s): an
        # account without one is stale
        pushed = case((BankTransaction.source == "connection", BankTransaction.created_at))
        lines = await self._session.execute(
            select(
                BankTransaction.account_id,
                func.max(BankTransaction.booking_date),
                func.max(pushed, type_=UTCDateTime()),
                func.max(BankTransaction.created_at, type_=UTCDateTime()),
            )
            .where(
                *real,
                BankTransaction.booking_date >= since - timedelta(days=STALE_ACCOUNT_DAYS + 31),
            )
            .group_by(BankTransaction.account_id)
        )
        statements = await self._session.execute(
            select(
                BankStatement.account_id,
                func.max(BankStatement.period_to),
                func.max(BankStatement.created_at, type_=UTCDateTime()),
            )
            .where(
                BankStatement.account_id.in_(
                    select(BankAccount.id).where(BankAccount.tenant_id == tenant_id)
                )
            )
            .group_by(BankStatement.account_id)
        )
        ends = {account: (end, at) for account, end, at in statements}
        found = {}
        for account, booked, last_push, imported in lines:
            end, stated = ends.pop(account, (None, None))
            found[account] = AccountLines(booked, end, last_push, max(imported, stated or imported))
        # the accounts whose statements brought no line of late (an empty month)
        for account, (end, at) in ends.items():
            found[account] = AccountLines(statement_end=end, last_import=at)
        return found

    async def external_transaction_ids(self, tenant_id: str) -> set[str]:
        query = select(BankTransaction.id).where(
            BankTransaction.tenant_id == tenant_id, BankTransaction.source == "external"
        )
        return set(await self._session.scalars(query))

    async def allocations_on(
        self, tenant_id: str, txn_ids: Sequence[str]
    ) -> list[tuple[PaymentLink, str | None, str, str]]:
        """The allocating links on these transactions, each with its voucher's contact
        (id, name) and number: what a return of one item of a line paying several is
        paired with."""
        found: list[tuple[PaymentLink, str | None, str, str]] = []
        ids = list(dict.fromkeys(txn_ids))
        for start in range(0, len(ids), _CHUNK):
            query = (
                select(
                    PaymentLink, Voucher.contact_id, Voucher.contact_name, Voucher.voucher_number
                )
                .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
                .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
                .where(
                    PaymentLink.tenant_id == tenant_id,
                    PaymentLink.bank_transaction_id.in_(ids[start : start + _CHUNK]),
                    PaymentLink.status.in_(_ALLOCATING),
                )
                .order_by(PaymentLink.created_at, PaymentLink.id)
            )
            for link, contact_id, name, number in (await self._session.execute(query)).all():
                found.append((link, contact_id, name or "", number or ""))
        return found

    async def links_touching(
        self, tenant_id: str, payment_ids: Sequence[str], txn_ids: Sequence[str]
    ) -> list[PaymentLink]:
        """Links of these payments or these transactions (chunked IN lists)."""
        found: dict[str, PaymentLink] = {}
        for column, ids in (
            (PaymentLink.expected_payment_id, list(dict.fromkeys(payment_ids))),
            (PaymentLink.bank_transaction_id, await self._linked_of(tenant_id, txn_ids)),
        ):
            for start in range(0, len(ids), _CHUNK):
                query = select(PaymentLink).where(
                    PaymentLink.tenant_id == tenant_id, column.in_(ids[start : start + _CHUNK])
                )
                for link in await self._session.scalars(query):
                    found[link.id] = link
        return sorted(found.values(), key=lambda k: (k.created_at, k.id))

    async def _linked_of(self, tenant_id: str, txn_ids: Sequence[str]) -> list[str]:
        """Of these transactions, those a link may hold. A run asks for every open line
        (120,000 on a busy account, each looked up among the links: 0.4 s); where they
        are many, the tenant's linked lines are read from the links' index alone, up to
        as many as asked, and only those asked for are kept. Where the tenant has more
        links than that, all are asked for."""
        ids = list(dict.fromkeys(txn_ids))
        if len(ids) < _LINKED_READ_FROM:
            return ids
        query = (
            select(PaymentLink.bank_transaction_id)
            .where(PaymentLink.tenant_id == tenant_id)
            .limit(len(ids) + 1)
        )
        linked = list(await self._session.scalars(query))
        if len(linked) > len(ids):
            return ids
        asked = set(ids)
        return sorted({txn_id for txn_id in linked if txn_id in asked})

    async def payer_history(
        self,
        tenant_id: str,
        contact_ids: Sequence[str],
        amounts: Collection[int],
        *,
        since: date | None = None,
    ) -> list[tuple[str, str, str, str, date, int]]:
        """What confirmed and automatic links to real transactions booked on or after
        ``since`` taught about these contacts, from the stored payer summary
        (``contact_payers``): (contact, IBAN, creditor id, payer name, last booking
        date, cents), one row per payer with cents 0 and one per payer and amount
        among ``amounts`` (absolute cents)."""
        columns = (
            ContactPayer.contact_id,
            ContactPayer.iban,
            ContactPayer.creditor_id,
            ContactPayer.payer_name,
            ContactPayer.last_booking_date,
            ContactPayer.amount_cents,
        )
        scope = [ContactPayer.tenant_id == tenant_id]
        if since is not None:
            scope.append(ContactPayer.last_booking_date >= since)
        wanted = list(dict.fromkeys(contact_ids))
        rows: list[Any] = []
        # Both read the unique index (tenant, amount, contact, ...): the payers of these
        # contacts (amount 0), then every payer's rows of these amounts.
        for start in range(0, len(wanted), _CHUNK):
            query = select(*columns).where(
                *scope,
                ContactPayer.amount_cents == 0,
                ContactPayer.contact_id.in_(wanted[start : start + _CHUNK]),
            )
            rows.extend(await self._session.execute(query))
        cents = sorted({abs(c) for c in amounts} - {0})
        contacts = set(wanted)
        for start in range(0, len(cents), _CHUNK):
            query = select(*columns).where(
                *scope, ContactPayer.amount_cents.in_(cents[start : start + _CHUNK])
            )
            rows.extend(r for r in await self._session.execute(query) if r[0] in contacts)
        return [(c, iban, creditor, name, day, int(n)) for c, iban, creditor, name, day, n in rows]


def _json_values(stored: list[Any]) -> list[Any]:
    """A JSON column's values read as text (``type_coerce(…, String)``), decoded: the
    texts joined into one JSON array, decoded by one call (a call per value took 0.25 s
    of 120,000 lines' 0.3 s); a driver that decodes JSON itself hands over the values."""
    if not all(isinstance(value, str) for value in stored):
        return [json.loads(v) if isinstance(v, str) else v for v in stored]
    values = json.loads(f"[{','.join(stored)}]")
    if len(values) != len(stored):  # a text holding more than one value
        raise ValueError("a stored JSON document holds more than one value")
    return cast("list[Any]", values)
