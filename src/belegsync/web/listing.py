"""A list page's state in its URL: filters, search, sort column and direction, page.

Bad values are dropped (the list shows everything rather than failing), and every link
the page builds (sort headers, pages, exports) carries the whole state along.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from belegsync.domain.errors import InvalidInput
from belegsync.domain.money import MAX_CENTS, Money

MAX_PAGE = 100_000


def query_int(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def query_day(value: str | None) -> date | None:
    """ISO (``<input type=date>``) or TT.MM.JJJJ; anything else → None."""
    text = (value or "").strip()
    try:
        if "." in text:
            day, month, year = text.split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def query_amount_cents(value: str | None) -> int | None:
    """A searched amount: "1.234,56", "1234.56", "-119,00 €" → cents without sign;
    anything else (and an amount beyond :data:`MAX_CENTS`) → None. A comma is the
    decimal separator when present."""
    text = (value or "").strip().replace(" ", "").replace("€", "").lstrip("+-")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    if not text or len(text) > 20:
        return None
    try:
        cents = abs(Money.parse(text).cents)
    except (InvalidInput, ArithmeticError, ValueError):
        return None
    return cents if cents < MAX_CENTS else None


@dataclass(frozen=True, slots=True)
class ListState:
    """The parameters of one list page as they appear in its URL."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    sort: str = ""
    descending: bool = False
    page: int = 1

    def url(self, **changes: str | int | None) -> str:
        """This list's URL with ``changes`` applied (``None`` removes a parameter)."""
        merged: dict[str, str] = {k: v for k, v in self.params.items() if v}
        current = {"sort": self.sort, "dir": "desc" if self.descending else "asc"}
        merged.update({k: v for k, v in current.items() if self.sort})
        if self.page > 1:
            merged["page"] = str(self.page)
        for key, value in changes.items():
            if value is None or value == "":
                merged.pop(key, None)
            else:
                merged[key] = str(value)
        return f"{self.path}?{urlencode(merged)}" if merged else self.path

    def sort_url(self, key: str) -> str:
        """Sort by ``key``; a second click on the same column turns the direction."""
        descending = not self.descending if key == self.sort else False
        return self.url(sort=key, dir="desc" if descending else "asc", page=None)

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"

    def page_url(self, page: int) -> str:
        return self.url(page=page if page > 1 else None)

    def with_path(self, path: str) -> str:
        """The same filters on another path (e.g. the CSV export of this selection)."""
        return ListState(path, self.params, self.sort, self.descending).url()


def read_state(
    path: str,
    query: Mapping[str, str],
    *,
    keys: Iterable[str],
    sorts: Iterable[str],
    default_sort: str,
    default_descending: bool,
) -> ListState:
    """The list state from a request's query parameters; only ``keys`` are kept."""
    params = {k: query[k].strip()[:200] for k in keys if query.get(k, "").strip()}
    sort = query.get("sort", "")
    if sort in set(sorts):
        descending = query.get("dir", "asc") == "desc"
    else:
        sort, descending = default_sort, default_descending
    page = query_int(query.get("page"), 1, MAX_PAGE) or 1
    return ListState(path, params, sort, descending, page)
