"""The Belege list's URL parameters → the store's filter and sort, and the amounts'
sign convention shared by every voucher page and export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from belegsync.domain.errors import DomainError
from belegsync.domain.vouchers import VoucherType
from belegsync.domain.vouchers import account_cents as signed_cents
from belegsync.store.access import MATCH_STATES, MatchState
from belegsync.store.voucher_list import (
    VOUCHER_SORTS,
    VoucherFilter,
    VoucherSort,
    VoucherSorting,
)
from belegsync.web.listing import (
    ListState,
    query_amount_cents,
    query_day,
    query_int,
    read_state,
)

FILTER_KEYS = ("q", "number", "contact", "amount", "from", "to", "year", "type", "flagged", "match")


def voucher_state(path: str, query: Mapping[str, str]) -> ListState:
    return read_state(
        path,
        query,
        keys=FILTER_KEYS,
        sorts=VOUCHER_SORTS,
        default_sort="date",
        default_descending=True,
    )


def voucher_filter(state: ListState) -> VoucherFilter:
    p = state.params
    match = p.get("match")
    return VoucherFilter(
        text=p.get("q") or None,
        number=p.get("number") or None,
        contact=p.get("contact") or None,
        amount_cents=query_amount_cents(p.get("amount")),
        date_from=query_day(p.get("from")),
        date_to=query_day(p.get("to")),
        year=query_int(p.get("year"), 2000, 2100),
        voucher_type=p.get("type") if p.get("type") in set(VoucherType) else None,
        flagged={"1": True, "0": False}.get(p.get("flagged", "")),
        match_state=cast("MatchState", match) if match in MATCH_STATES else None,
    )


def unread_filters(state: ListState) -> dict[str, str]:
    """The amount and the dates given but not read, as written (key → text): the list
    leaves them out and says so, instead of listing everything as if nothing were
    asked."""
    readers = {"amount": query_amount_cents, "from": query_day, "to": query_day}
    given = {key: (state.params.get(key) or "").strip() for key in readers}
    return {key: text[:40] for key, text in given.items() if text and readers[key](text) is None}


def voucher_sorting(state: ListState) -> VoucherSorting:
    return VoucherSorting(cast(VoucherSort, state.sort), state.descending)


def account_cents(voucher_type: str, cents: int | None) -> int | None:
    """:func:`belegsync.domain.vouchers.account_cents` for pages and exports: no amount
    stays none, and a voucher type this version does not know keeps its stored sign."""
    if cents is None:
        return None
    try:
        return signed_cents(voucher_type, cents)
    except DomainError:
        return cents
