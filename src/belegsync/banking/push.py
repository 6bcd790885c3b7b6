"""Transactions pushed by the firm's bank connections through the JSON API.

Each item is checked field by field; an error names the item and field
(``transactions[3].amount``) and the whole batch is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from belegsync.banking.errors import StatementError
from belegsync.banking.model import ParsedTransaction
from belegsync.banking.text import check_currency, clean, compact_iban, parse_plain_decimal

MAX_PUSH_ITEMS = 10_000
_TEXT_FIELDS = {
    "counterparty_name": 255,
    "counterparty_bic": 11,
    "end_to_end_id": 140,
    "mandate_reference": 140,
    "creditor_id": 64,
    "bank_reference": 140,
    "batch_reference": 140,
    "purpose_code": 16,
    "booking_text": 255,
}
_KNOWN = {
    "booking_date",
    "value_date",
    "amount",
    "currency",
    "counterparty_iban",
    "remittance",
    "remittance_lines",
    "status",
    "original_amount",
    "original_currency",
    "is_reversal",
    *_TEXT_FIELDS,
}


def _fail(where: str, de: str, en: str) -> StatementError:
    return StatementError(where, de, en, code="transaction_push_invalid")


def _amount(value: Any, where: str) -> int:
    """Signed cents from a decimal string (``"-12.30"``), ``Decimal`` or whole ``int``."""
    if isinstance(value, bool | float):
        raise _fail(
            where,
            'Beträge bitte als Dezimal-Text senden (z. B. "-12.30"), nicht als Gleitkommazahl.',
            'send amounts as decimal strings (e.g. "-12.30"), not as floats.',
        )
    if isinstance(value, int):
        return value * 100
    text = str(value).strip() if isinstance(value, str | Decimal) else ""
    negative = text.startswith("-")
    cents = parse_plain_decimal(text.lstrip("+-"), where)
    return -cents if negative else cents


def _optional_date(value: Any, where: str) -> date | None:
    return None if value is None else _date(value, where)


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(
            where,
            f"„{value}“ ist kein Datum (JJJJ-MM-TT).",
            f"'{value}' is not a date (YYYY-MM-DD).",
        ) from None


def _lines(item: Mapping[str, Any], where: str) -> tuple[str, ...]:
    lines = item.get("remittance_lines")
    if lines is None:
        text = item.get("remittance") or ""
        if not isinstance(text, str):
            raise _fail(f"{where}.remittance", "muss Text sein.", "must be a string.")
        return (text,) if text else ()
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise _fail(
            f"{where}.remittance_lines",
            "muss eine Liste von Texten sein.",
            "must be a list of strings.",
        )
    return tuple(lines)


def _one(item: Any, where: str, account_currency: str) -> ParsedTransaction:
    if not isinstance(item, Mapping):
        raise _fail(where, "ist kein Objekt.", "is not an object.")
    unknown = sorted(set(item) - _KNOWN)
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", "ist kein bekanntes Feld.", "is not a known field.")
    if "amount" not in item:
        raise _fail(f"{where}.amount", "fehlt.", "is missing.")
    status = item.get("status", "booked")
    if status not in ("booked", "pending"):
        raise _fail(
            f"{where}.status", "muss booked oder pending sein.", "must be booked or pending."
        )
    texts: dict[str, str | None] = {}
    for name, limit in _TEXT_FIELDS.items():
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise _fail(f"{where}.{name}", "muss Text sein.", "must be a string.")
        texts[name] = clean(value, limit=limit)
    iban_text = item.get("counterparty_iban")
    iban = compact_iban(iban_text) if isinstance(iban_text, str) else None
    if iban_text and iban is None:
        raise _fail(f"{where}.counterparty_iban", "ist keine gültige IBAN.", "is not a valid IBAN.")
    original = item.get("original_amount")
    lines = _lines(item, where)
    return ParsedTransaction(
        booking_date=_date(item.get("booking_date"), f"{where}.booking_date"),
        value_date=_optional_date(item.get("value_date"), f"{where}.value_date"),
        amount_cents=_amount(item["amount"], f"{where}.amount"),
        currency=check_currency(item.get("currency") or account_currency, f"{where}.currency"),
        counterparty_iban=iban,
        remittance=" ".join(" ".join(lines).split()),
        remittance_lines=lines,
        status=status,
        original_amount_cents=abs(_amount(original, f"{where}.original_amount"))
        if original is not None
        else None,
        original_currency=check_currency(
            item.get("original_currency"), f"{where}.original_currency"
        )
        if original is not None
        else None,
        is_reversal=item.get("is_reversal") is True,
        location=where,
        **texts,
    )


def parse_pushed(items: Sequence[Any], account_currency: str = "EUR") -> list[ParsedTransaction]:
    """Validate a pushed batch; :class:`StatementError` for the first bad field."""
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise _fail("transactions", "muss eine Liste sein.", "must be a list.")
    if len(items) > MAX_PUSH_ITEMS:
        raise _fail(
            "transactions",
            f"höchstens {MAX_PUSH_ITEMS} Umsätze pro Aufruf.",
            f"at most {MAX_PUSH_ITEMS} transactions per call.",
        )
    return [_one(item, f"transactions[{n}]", account_currency) for n, item in enumerate(items)]
