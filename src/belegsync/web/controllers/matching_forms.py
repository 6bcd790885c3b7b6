"""Parsing the Abgleich page's query and forms: German amounts and dates, the queue state.

The queue keeps its whole state in the URL (tab, page, filters), so a link or the
back button brings a person to the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from belegsync.domain.dates import parse_optional_day
from belegsync.domain.errors import InvalidInput
from belegsync.domain.money import MAX_CENTS, Money
from belegsync.store.matching_queries import QUEUE_TABS, QueueFilters, QueueTab
from belegsync.web.listing import MAX_PAGE, query_int

__all__ = [
    "QueueState",
    "amount_input",
    "parse_amount_cents",
    "parse_optional_day",
    "parse_queue",
    "unfiltered",
]

PER_PAGE = 50


def parse_amount_cents(text: str) -> int | None:
    """German or plain input → cents: "1.234,56", "-110,28", "240.74"; empty → None."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace("€", "")
    cleaned = cleaned.replace("\u2212", "-")
    if not cleaned:
        return None
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(
            f"„{text[:40]}“ ist kein Betrag. Bitte geben Sie ihn wie 1.234,56 an.",
            code="amount_invalid",
            message_en=f"'{text[:40]}' is not an amount. Please enter it like 1,234.56.",
        ) from None
    # Size first: quantize() fails on numbers longer than the decimal context.
    if not value.is_finite() or abs(value) >= MAX_CENTS // 100:
        raise InvalidInput(
            f"„{text[:40]}“ ist kein Betrag.",
            code="amount_invalid",
            message_en=f"'{text[:40]}' is not an amount.",
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"„{text[:40]}“ ist kein Betrag mit höchstens zwei Nachkommastellen.",
            code="amount_invalid",
            message_en=f"'{text[:40]}' is not an amount with at most two decimals.",
        )
    return int(value * 100)


def amount_input(cents: int, lang: str) -> str:
    """The value of an amount field: "-110,28" in German, "-110.28" in English."""
    plain = Money(cents, "EUR").to_decimal_string()
    return plain.replace(".", ",") if lang == "de" else plain


@dataclass(frozen=True, slots=True)
class QueueState:
    """What the URL says: tab, page and the raw filter fields (echoed into the form)."""

    tab: QueueTab
    page: int
    fields: dict[str, str]
    filters: QueueFilters

    def url(self, base: str, **changes: str | int) -> str:
        """This view's URL with ``changes`` (e.g. another page or tab)."""
        params: dict[str, str | int] = {"tab": self.tab, **self.fields, "page": self.page}
        params.update(changes)
        kept = {k: v for k, v in params.items() if v not in ("", None)}
        if kept.get("page") == 1:
            del kept["page"]
        return f"{base}?{urlencode(kept)}"


FILTER_FIELDS = ("number", "contact", "amount", "date_from", "date_to", "q")


def unfiltered(tab: str | None, page: str | None, fields: dict[str, str | None]) -> QueueState:
    """Tab, page and the raw fields, without filtering (unknown tabs, pages fall back
    to the first)."""
    chosen: QueueTab = tab if tab in QUEUE_TABS else "suggestions"
    # a page beyond what a list can hold (an OFFSET SQLite cannot take) is the first
    number = query_int(page, 1, MAX_PAGE) or 1
    raw = {name: (fields.get(name) or "").strip()[:200] for name in FILTER_FIELDS}
    return QueueState(chosen, number, raw, QueueFilters())


def parse_queue(tab: str | None, page: str | None, fields: dict[str, str | None]) -> QueueState:
    """The queue state from the query string; malformed filters raise
    :class:`InvalidInput` (the page shows it above the form, unfiltered)."""
    state = unfiltered(tab, page, fields)
    raw = state.fields
    date_from, date_to = parse_optional_day(raw["date_from"]), parse_optional_day(raw["date_to"])
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            "Das Datum „von“ liegt nach dem Datum „bis“.",
            code="date_range_invalid",
            message_en="The 'from' date is after the 'to' date.",
        )
    filters = QueueFilters(
        number=raw["number"],
        contact=raw["contact"],
        amount_cents=parse_amount_cents(raw["amount"]),
        date_from=date_from,
        date_to=date_to,
        text=raw["q"],
    )
    return QueueState(state.tab, state.page, raw, filters)
