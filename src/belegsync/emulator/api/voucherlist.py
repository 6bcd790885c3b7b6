"""GET /v1/voucherlist: filters, whole Berlin days, paging, the 10,000-entry window."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Response, get

from belegsync.emulator.api.common import (
    Answer,
    AnyRequest,
    Call,
    call_of,
    error_answer,
    json_answer,
    spring_page,
    to_response,
)
from belegsync.emulator.clock import berlin_date
from belegsync.emulator.model import LISTABLE_TYPES, STATUSES, Voucher
from belegsync.emulator.views import list_item

MAX_SIZE = 250
DEFAULT_SIZE = 25
WINDOW = 10_000
_SORT_KEYS: dict[str, Callable[[Voucher], Any]] = {
    "voucherdate": lambda v: (v.voucher_date, v.id),
    "vouchernumber": lambda v: (v.number, v.id),
    "createddate": lambda v: (v.created, v.id),
    "updateddate": lambda v: (v.updated, v.id),
}


class QueryError(ValueError):
    pass


class WindowExceeded(QueryError):
    """page * size reaches past the 10,000-entry search window."""


@dataclass
class ListQuery:
    types: frozenset[str]
    statuses: frozenset[str]
    archived: bool | None
    contact_id: str | None
    voucher_number: str | None
    dates: dict[str, tuple[date | None, date | None]]
    page: int
    size: int
    sort_property: str
    descending: bool


def _values(raw: str, allowed: frozenset[str], name: str) -> frozenset[str]:
    values = frozenset(v.strip() for v in raw.split(",") if v.strip())
    if "any" in values:
        return allowed
    unknown = values - allowed
    if unknown or not values:
        raise QueryError(f"parameter '{name}' is invalid")
    return values


def _day(params: dict[str, str], name: str) -> date | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name: str) -> date:
    raise QueryError(f"parameter '{name}' is invalid")


def _int(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"parameter '{name}' is invalid") from None


def parse_query(params: dict[str, str], allowed_sorts: frozenset[str]) -> ListQuery:
    if not params.get("voucherType") or not params.get("voucherStatus"):
        raise QueryError("Missing required request parameters")
    statuses = _values(params["voucherStatus"], STATUSES, "voucherStatus")
    if "overdue" in statuses and len(statuses) > 1 and statuses != STATUSES:
        raise QueryError(
            "The status overdue can not be filtered in combination with other status filters"
        )
    size = _int(params, "size", DEFAULT_SIZE)
    page = _int(params, "page", 0)
    if size > MAX_SIZE:
        raise QueryError(f"parameter 'size' must be equal or lower than {MAX_SIZE}")
    if size < 1 or page < 0:
        raise QueryError("parameter 'size' or 'page' is invalid")
    if page * size >= WINDOW:
        raise WindowExceeded("Maximum search window size exceeded")
    prop, _, direction = params.get("sort", "voucherDate,DESC").partition(",")
    if prop.strip().lower() not in allowed_sorts or direction.strip().upper() not in (
        "",
        "ASC",
        "DESC",
    ):
        raise QueryError("parameter 'sort' is invalid")
    archived_raw = params.get("archived")
    if archived_raw not in (None, "", "true", "false"):
        raise QueryError("parameter 'archived' is invalid")
    return ListQuery(
        types=_values(params["voucherType"], LISTABLE_TYPES, "voucherType"),
        statuses=statuses,
        archived=None if not archived_raw else archived_raw == "true",
        contact_id=params.get("contactId") or None,
        voucher_number=html.unescape(params["voucherNumber"])
        if params.get("voucherNumber")
        else None,
        dates={
            name: (_day(params, f"{name}From"), _day(params, f"{name}To"))
            for name in ("voucherDate", "createdDate", "updatedDate")
        },
        page=page,
        size=size,
        sort_property=prop.strip().lower(),
        descending=direction.strip().upper() != "ASC",
    )


def _within(day: date, bounds: tuple[date | None, date | None]) -> bool:
    low, high = bounds
    return (low is None or day >= low) and (high is None or day <= high)


def matches(voucher: Voucher, query: ListQuery, today: date) -> bool:
    if voucher.voucher_type not in query.types:
        return False
    status = voucher.effective_status(today)
    # overdue is transient: filtering open/sepadebit still returns overdue vouchers
    if status not in query.statuses and voucher.status not in query.statuses:
        return False
    if query.statuses == frozenset({"overdue"}) and status != "overdue":
        return False
    if query.archived is not None and voucher.archived != query.archived:
        return False
    if query.contact_id is not None and voucher.contact_id != query.contact_id:
        return False
    if query.voucher_number is not None and voucher.number != query.voucher_number:
        return False
    if not _within(voucher.voucher_date, query.dates["voucherDate"]):
        return False
    if query.dates["createdDate"] != (None, None) and not _within(
        berlin_date(voucher.created), query.dates["createdDate"]
    ):
        return False
    return query.dates["updatedDate"] == (None, None) or _within(
        berlin_date(voucher.updated), query.dates["updatedDate"]
    )


def page_envelope(items: list[dict[str, Any]], total: int, query: ListQuery) -> dict[str, Any]:
    return spring_page(
        items,
        min(total, WINDOW),
        page=query.page,
        size=query.size,
        sort_property=query.sort_property,
        descending=query.descending,
    )


def voucherlist_answer(call: Call) -> Answer:
    runtime = call.runtime
    try:
        query = parse_query(dict(call.query or {}), runtime.config.voucherlist_sorts)
    except WindowExceeded as exc:
        # reported both as 400 and as 500 (regular body) by users of the API
        status = 500 if runtime.config.search_window_as_500 else 400
        return error_answer(call, status, str(exc))
    except QueryError as exc:
        return error_answer(call, 400, str(exc))
    world = runtime.world
    today = world.due_today()
    found = [v for v in world.vouchers(call.api_key.organization_id) if matches(v, query, today)]
    found.sort(key=_SORT_KEYS[query.sort_property], reverse=query.descending)
    start = query.page * query.size
    seconds = runtime.config.list_dates_to_seconds
    page = found[start : min(start + query.size, WINDOW)]
    items = [list_item(v, today, dates_to_seconds=seconds) for v in page]
    return json_answer(page_envelope(items, len(found), query))


@get("/v1/voucherlist")
async def get_voucherlist(request: AnyRequest) -> Response[bytes]:
    return to_response(voucherlist_answer(call_of(request, query=True)))
