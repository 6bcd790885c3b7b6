"""Belege as a list: filtered, searched, sorted and paged in the database.

Rows are plain tuples turned into small dataclasses (no ORM objects), with the match
state computed in the same query for the rows of the page only.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Final, Literal, get_args

from sqlalchemy import ColumnElement, case, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from belegsync.domain.vouchers import Direction, VoucherType, direction
from belegsync.store.access import (
    MATCH_STATES,
    MAX_PER_PAGE,
    MatchState,
    Page,
    TenantContext,
    match_state_expression,
)
from belegsync.store.listing import contains
from belegsync.store.models import Voucher

VoucherSort = Literal["date", "number", "contact", "type", "amount", "paid"]
VOUCHER_SORTS: Final[tuple[str, ...]] = get_args(VoucherSort)
_OUTGOING: Final = tuple(t.value for t in VoucherType if direction(t) is Direction.DEBIT)
# Amounts as the account sees them (money out negative), the sign the pages show.
_SIGNED_GROSS: Final = case(
    (Voucher.voucher_type.in_(_OUTGOING), -func.abs(Voucher.total_gross_cents)),
    else_=func.abs(Voucher.total_gross_cents),
)
# Built once: the expression is a tree of a dozen subqueries.
_match_state: Final = match_state_expression()
_SORT_COLUMNS: Final = {
    "date": Voucher.voucher_date,
    "number": Voucher.voucher_number,
    "contact": func.lower(Voucher.contact_name),
    "type": Voucher.voucher_type,
    "amount": _SIGNED_GROSS,
    "paid": Voucher.paid_date,
}


@dataclass(frozen=True, slots=True)
class VoucherFilter:
    """What the list shows. ``text`` searches number and contact; ``amount_cents``
    matches the gross amount whatever its sign."""

    text: str | None = None
    number: str | None = None
    contact: str | None = None
    amount_cents: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    year: int | None = None
    voucher_type: str | None = None
    flagged: bool | None = None
    match_state: MatchState | None = None


@dataclass(frozen=True, slots=True)
class VoucherSorting:
    key: VoucherSort = "date"
    descending: bool = True


@dataclass(frozen=True, slots=True)
class VoucherRow:
    id: str
    voucher_type: str
    voucher_status: str
    voucher_number: str | None
    voucher_date: date
    contact_name: str | None
    total_gross_cents: int
    currency: str
    paid_date: date | None
    review_reason: str | None
    match_state: MatchState | None


def _conditions(ctx: TenantContext, f: VoucherFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Voucher.tenant_id == ctx.tenant_id]
    if f.text:
        where.append(
            or_(contains(Voucher.voucher_number, f.text), contains(Voucher.contact_name, f.text))
        )
    if f.number:
        where.append(contains(Voucher.voucher_number, f.number))
    if f.contact:
        where.append(contains(Voucher.contact_name, f.contact))
    if f.amount_cents is not None:
        where.append(Voucher.total_gross_cents.in_({f.amount_cents, -f.amount_cents}))
    if f.date_from is not None:
        where.append(Voucher.voucher_date >= f.date_from)
    if f.date_to is not None:
        where.append(Voucher.voucher_date <= f.date_to)
    if f.year is not None:
        where.append(Voucher.voucher_date.between(date(f.year, 1, 1), date(f.year, 12, 31)))
    if f.voucher_type is not None:
        where.append(Voucher.voucher_type == f.voucher_type)
    if f.flagged is not None:
        flagged = Voucher.review_reason.is_not(None)
        where.append(flagged if f.flagged else ~flagged)
    if f.match_state is not None:
        if f.match_state not in MATCH_STATES:
            raise ValueError(f"unknown match state {f.match_state!r}")
        where.append(_match_state == f.match_state)
    return where


def _order(sorting: VoucherSorting) -> list[Any]:
    column = _SORT_COLUMNS[sorting.key]
    first = column.desc() if sorting.descending else column.asc()
    # Ties (and NULLs) in a stable order, so paging never repeats or skips a row.
    return [first.nulls_last(), Voucher.voucher_date.desc(), Voucher.id.asc()]


_COLUMNS: Final = (
    Voucher.id,
    Voucher.voucher_type,
    Voucher.voucher_status,
    Voucher.voucher_number,
    Voucher.voucher_date,
    Voucher.contact_name,
    Voucher.total_gross_cents,
    Voucher.currency,
    Voucher.paid_date,
    Voucher.review_reason,
)


def _select(ctx: TenantContext, f: VoucherFilter) -> Any:
    return select(*_COLUMNS, _match_state).where(*_conditions(ctx, f))


def _row(values: Sequence[Any]) -> VoucherRow:
    # The columns of _COLUMNS and the match state, in the order of VoucherRow's fields.
    return VoucherRow(*values[:11])


async def voucher_page(
    session: AsyncSession,
    ctx: TenantContext,
    f: VoucherFilter,
    sorting: VoucherSorting,
    *,
    page: int = 1,
    per_page: int = 50,
) -> Page[VoucherRow]:
    """One page of the tenant's vouchers and the total of the whole selection.

    The page's ids first (sorted and skipped on plain columns, in a subquery), then
    their rows with the match state, looked up by primary key: computing the state for
    every skipped or sorted row would cost seconds deep in a large list, and looking the
    page's rows up among all of the tenant's (``tenant_id = ? AND id IN (…)``, which
    SQLite answers through a tenant index) costs 15 ms on the first page of 20,000.

    On SQLite the total is counted again only when the database may have changed since
    it was last counted on this connection (see :class:`_SqliteTotals`)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError("page or per_page out of range")
    statements = _page_statements(ctx.tenant_id, f, sorting, page, per_page)
    if session.get_bind().dialect.name == "sqlite":
        return await _SQLITE_TOTALS.page(session, statements, ctx.tenant_id, f, page, per_page)
    rows = list(await session.execute(statements.query))
    # No rows: an empty selection, or a page past its end.
    total = int(rows[0][-1]) if rows else int(await session.scalar(statements.count) or 0)
    return Page(items=[_row(r) for r in rows], total=total, page=page, per_page=per_page)


@dataclass(frozen=True, slots=True)
class _PageStatements:
    count: Any  # the selection's total
    query: Any  # the page's rows and the total
    # SQLite: the page's rows, the total, and the connection's data version (below) ...
    counted: Any
    # ... and the same without the total.
    uncounted: Any


# Building the statement and its cache key costs more than running it (2 ms on a busy
# 2-core machine); a statement is immutable, so the same page's statement is reused.
@lru_cache(maxsize=512)
def _page_statements(
    tenant_id: str, f: VoucherFilter, sorting: VoucherSorting, page: int, per_page: int
) -> _PageStatements:
    ctx = TenantContext(tenant_id=tenant_id, actor="")
    conditions = _conditions(ctx, f)
    count = select(func.count()).select_from(Voucher).where(*conditions)
    ids = (
        select(Voucher.id)
        .where(*conditions)
        .order_by(*_order(sorting))
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page")
    )
    rows = (
        select(*_COLUMNS, _match_state)
        .join_from(ids, Voucher, Voucher.id == ids.c.id)
        .where(Voucher.tenant_id == tenant_id)
        .order_by(*_order(sorting))
    )
    # The total rides along as an uncorrelated subquery (computed once): one statement.
    query = rows.add_columns(count.scalar_subquery())
    return _PageStatements(
        count=count,
        query=query,
        counted=query.add_columns(*_sqlite_version()),
        uncounted=rows.add_columns(*_sqlite_version()),
    )


def _sqlite_version() -> tuple[Any, Any]:
    """SQLite's data version of the connection (it changes when another connection has
    committed a change to the database; during a read transaction it stays as of the
    transaction's snapshot) and the rows the connection itself has changed since it was
    opened: together they change whenever the database may have."""
    return (
        literal_column("(SELECT data_version FROM pragma_data_version)"),
        func.total_changes(),
    )


_connection_serials = itertools.count(1)


class _SqliteTotals:
    """The last total of each selection per connection, with the database version it
    was counted at: reused while the connection reads the same version, so a page
    costs its 50 rows and not a count over every voucher of the selection.

    Whatever was committed since, by this process or another, through this connection
    or another, changes the version, so a total is never stale: it is counted anew, in
    the same snapshot as the rows."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._totals: OrderedDict[tuple[int, str, VoucherFilter], tuple[Any, int]] = OrderedDict()

    async def page(
        self,
        session: AsyncSession,
        statements: _PageStatements,
        tenant_id: str,
        f: VoucherFilter,
        page: int,
        per_page: int,
    ) -> Page[VoucherRow]:
        # Plain rows, straight from the connection (the ORM adds nothing to them).
        connection = await session.connection()
        info = connection.info
        serial = info.get(_SERIAL)
        if serial is None:  # the pool's connections live on; a new one gets a new serial
            serial = info[_SERIAL] = next(_connection_serials)
        key = (serial, tenant_id, f)
        known = self._totals.get(key)
        statement = statements.counted if known is None else statements.uncounted
        rows = list(await connection.execute(statement))
        if not rows:  # an empty selection, or a page past its end: nothing carries a version
            total = int(await connection.scalar(statements.count) or 0)
            return Page(items=[], total=total, page=page, per_page=per_page)
        version = tuple(rows[0][-2:])
        if known is None:
            total = int(rows[0][-3])
            self._store(key, version, total)
        elif known[0] == version:
            total = known[1]
            self._totals.move_to_end(key)
        else:
            total = int(await connection.scalar(statements.count) or 0)
            self._store(key, version, total)
        return Page(items=[_row(r) for r in rows], total=total, page=page, per_page=per_page)

    def _store(self, key: tuple[int, str, VoucherFilter], version: Any, total: int) -> None:
        self._totals[key] = (version, total)
        self._totals.move_to_end(key)
        if len(self._totals) > self.size:
            self._totals.popitem(last=False)


_SERIAL: Final = "belegsync_voucher_totals_serial"
_SQLITE_TOTALS: Final = _SqliteTotals(4096)


async def iter_vouchers(
    session: AsyncSession,
    ctx: TenantContext,
    f: VoucherFilter,
    sorting: VoucherSorting,
    *,
    batch: int = 1000,
) -> AsyncIterator[VoucherRow]:
    """Every voucher of the selection in list order (exports), read in batches."""
    query = _select(ctx, f).order_by(*_order(sorting)).execution_options(yield_per=batch)
    result = await session.stream(query)
    async for values in result:
        yield _row(values)
