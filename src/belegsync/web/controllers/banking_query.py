"""The Umsätze list's state in the URL: filters, order and page, parsed and checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from belegsync.banking.errors import StatementError
from belegsync.banking.text import parse_amount
from belegsync.domain.dates import parse_optional_day
from belegsync.domain.errors import InvalidInput
from belegsync.store.banking_repository import MAX_PAGE_SIZE, SORTS, TransactionQuery
from belegsync.store.models import BankAccount

DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000


def _amount(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if len(value) <= 20:
        for comma in (True, False):
            try:
                return abs(parse_amount(value, "", decimal_comma=comma))
            except StatementError:
                continue
    raise InvalidInput(
        f"„{value[:20]}“ ist kein Betrag; bitte z. B. 119,00 angeben.",
        code="amount_invalid",
        message_en=f"'{value[:20]}' is not an amount; please enter e.g. 119.00.",
    )


def _int(text: str | None, default: int, upper: int) -> int:
    try:
        value = int((text or "").strip()[:12])
    except ValueError:
        return default
    return min(max(value, 1), upper)


def query_from_params(
    params: Mapping[str, str], accounts: Sequence[BankAccount], *, per_page: int | None = None
) -> TransactionQuery:
    """The query the URL asks for; unknown sorts and accounts fall back to defaults,
    malformed dates and amounts raise :class:`InvalidInput`."""
    by_iban = {a.iban: a.id for a in accounts}
    account = "".join((params.get("account") or "").split()).upper()
    sort = params.get("sort") or "date"
    return TransactionQuery(
        account_id=by_iban.get(account),
        date_from=parse_optional_day(params.get("from") or ""),
        date_to=parse_optional_day(params.get("to") or ""),
        amount_cents=_amount(params.get("amount") or ""),
        text=(params.get("q") or "").strip()[:100] or None,
        sort=sort if sort in SORTS else "date",
        descending=(params.get("dir") or "desc") != "asc",
        page=_int(params.get("page"), 1, MAX_PAGE),
        per_page=per_page or _int(params.get("per_page"), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )
