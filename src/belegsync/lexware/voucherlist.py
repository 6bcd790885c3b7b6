"""Voucher list queries, paging, and date slicing around the 10,000-entry window.

Lexware serves at most 10,000 entries per voucherlist query (``page * size >= 10000``
is refused, as a 400 or a 500 "Maximum search window size exceeded") and caps
``totalElements`` at 10,000. To walk a large account, the date range is cut into slices;
a slice whose first page reports ≥ 10,000 entries, or any of whose pages Lexware refuses
with the window error, is halved until it fits or is a single day.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, TypeVar
from urllib.parse import quote

import structlog

from belegsync.lexware.datetimes import format_filter_date
from belegsync.lexware.errors import LexwareSearchWindowError
from belegsync.lexware.models import LexwareModel, Page, VoucherListItem

logger = structlog.get_logger("belegsync.lexware")

SEARCH_WINDOW = 10_000
MAX_PAGE_SIZE = 250
ANY = "any"

SliceField = Literal["voucherDate", "updatedDate", "createdDate"]


def encode_search_string(value: str) -> str:
    """§1.2 search-string encoding: HTML-escape ``& < >`` first, then URL-encode."""
    escaped = html.escape(value, quote=False)
    return quote(escaped, safe="")


def _join(values: Sequence[str] | str) -> str:
    return values if isinstance(values, str) else ",".join(values)


@dataclass(frozen=True, slots=True)
class VoucherListFilter:
    """Filters of ``GET /v1/voucherlist``; dates are whole Europe/Berlin days, inclusive.

    ``voucher_types`` and ``voucher_statuses`` take a list of values or ``"any"``.
    """

    voucher_types: Sequence[str] | str = ANY
    voucher_statuses: Sequence[str] | str = ANY
    archived: bool | None = None
    contact_id: str | None = None
    voucher_date_from: date | None = None
    voucher_date_to: date | None = None
    created_date_from: date | None = None
    created_date_to: date | None = None
    updated_date_from: date | None = None
    updated_date_to: date | None = None
    voucher_number: str | None = None

    def query_string(self, *, page: int = 0, size: int = MAX_PAGE_SIZE) -> str:
        """The encoded query string for one page of this filter."""
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"size must be between 1 and {MAX_PAGE_SIZE}")
        if page < 0:
            raise ValueError("page must not be negative")
        parts = [
            f"voucherType={quote(_join(self.voucher_types), safe=',')}",
            f"voucherStatus={quote(_join(self.voucher_statuses), safe=',')}",
        ]
        if self.archived is not None:
            parts.append(f"archived={'true' if self.archived else 'false'}")
        if self.contact_id is not None:
            parts.append(f"contactId={quote(self.contact_id, safe='')}")
        for name, day in (
            ("voucherDateFrom", self.voucher_date_from),
            ("voucherDateTo", self.voucher_date_to),
            ("createdDateFrom", self.created_date_from),
            ("createdDateTo", self.created_date_to),
            ("updatedDateFrom", self.updated_date_from),
            ("updatedDateTo", self.updated_date_to),
        ):
            if day is not None:
                parts.append(f"{name}={format_filter_date(day)}")
        if self.voucher_number is not None:
            parts.append(f"voucherNumber={encode_search_string(self.voucher_number)}")
        parts.append(f"page={page}")
        parts.append(f"size={size}")
        return "&".join(parts)

    def with_range(self, field: SliceField, start: date, end: date) -> VoucherListFilter:
        """This filter restricted to ``start..end`` (inclusive) on ``field``."""
        if field == "voucherDate":
            return replace(self, voucher_date_from=start, voucher_date_to=end)
        if field == "updatedDate":
            return replace(self, updated_date_from=start, updated_date_to=end)
        return replace(self, created_date_from=start, created_date_to=end)


FetchPage = Callable[[VoucherListFilter, int, int], Awaitable[Page[VoucherListItem]]]
QueryT = TypeVar("QueryT")
ItemT = TypeVar("ItemT", bound=LexwareModel)


async def iter_pages(
    fetch_page: Callable[[QueryT, int, int], Awaitable[Page[ItemT]]],
    query: QueryT,
    *,
    size: int = MAX_PAGE_SIZE,
    first_page: Page[ItemT] | None = None,
) -> AsyncIterator[Page[ItemT]]:
    """Yield pages from page 0 until one says ``last == true`` (or comes back empty):
    of the voucher list, or of any other paged endpoint (contacts)."""
    page = first_page if first_page is not None else await fetch_page(query, 0, size)
    number = 0
    while True:
        yield page
        # An empty page without ``last`` would otherwise loop forever.
        if page.last is not False or not page.content:
            return
        number += 1
        page = await fetch_page(query, number, size)


def _halves(start: date, end: date) -> tuple[tuple[date, date], tuple[date, date]]:
    middle = start + timedelta(days=(end - start).days // 2)
    return (start, middle), (middle + timedelta(days=1), end)


async def iter_sliced(
    fetch_page: FetchPage,
    query: VoucherListFilter,
    *,
    field: SliceField,
    start: date,
    end: date,
    slice_days: int | None = None,
    size: int = MAX_PAGE_SIZE,
) -> AsyncIterator[VoucherListItem]:
    """Yield every item in ``start..end`` on ``field`` once, slicing below the window.

    ``slice_days`` sets the initial slice length (default: the whole range, halved only
    where needed). Items are de-duplicated by id across slices: a voucher changed while
    the walk runs may show up in two ``updatedDate`` slices.
    """
    if end < start:
        return
    step = slice_days or (end - start).days + 1
    pending: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        slice_end = min(end, cursor + timedelta(days=step - 1))
        pending.append((cursor, slice_end))
        cursor = slice_end + timedelta(days=1)
    pending.reverse()  # a stack; pop() walks the range in order
    seen: set[str] = set()
    while pending:
        slice_start, slice_end = pending.pop()
        sliced = query.with_range(field, slice_start, slice_end)
        try:
            first = await fetch_page(sliced, 0, size)
            if (first.total_elements or 0) >= SEARCH_WINDOW:
                raise LexwareSearchWindowError(method="GET", path="/v1/voucherlist")
            async for page in iter_pages(fetch_page, sliced, size=size, first_page=first):
                for item in page.content:
                    if item.id not in seen:
                        seen.add(item.id)
                        yield item
        except LexwareSearchWindowError:
            # Seen as a full first page, or answered by Lexware itself (400 or 500
            # "Maximum search window size exceeded") on a later page: halve the slice;
            # what was already yielded is skipped by id.
            if slice_start == slice_end:
                raise
            left, right = _halves(slice_start, slice_end)
            logger.info(
                "lexware_voucherlist_slice_split",
                field=field,
                slice_from=slice_start.isoformat(),
                slice_to=slice_end.isoformat(),
            )
            pending.extend((right, left))
