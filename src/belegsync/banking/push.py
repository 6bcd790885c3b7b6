"""Transactions pushed by the firm's bank connections through the JSON API.

Each item is checked field by field; an error names the item and field
(``transactions[3].amount``) and the whole batch is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from belegsync.banking.errors import StatementError
from belegsync.banking.model import ParsedTransaction
from belegsync.banking.text import check_currency, clean, counterparty_identifiers
from belegsync.domain.money import MAX_CENTS

MAX_PUSH_ITEMS = 10_000
# A Verwendungszweck is at most 140 characters per SEPA item; a few lines of it are fine.
MAX_REMITTANCE_CHARS = 2_000
MAX_REMITTANCE_LINES = 40
_AMOUNT = re.compile(r"[+-]?\d{1,13}(?:\.\d{1,2})?")
_EARLIEST, _LATEST = date(1990, 1, 1), date(2100, 12, 31)
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
    """Signed cents from a decimal string (``"-12.30"``), ``Decimal`` or whole ``int``;
    zero, a doubled sign, more than two decimals and absurd sizes are refused."""
    if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
        raise _fail(
            where,
            'Beträge bitte als Dezimal-Text senden (z. B. "-12.30").',
            'send amounts as decimal strings (e.g. "-12.30").',
        )
    if isinstance(value, int):
        cents = value * 100 if abs(value) < MAX_CENTS else MAX_CENTS
    else:
        text = value.strip() if isinstance(value, str) else format(value, "f")
        if not _AMOUNT.fullmatch(text):
            raise _fail(
                where,
                f'„{text[:40]}“ ist kein Betrag (erwartet z. B. "-12.30": ein Vorzeichen, '
                "Punkt als Dezimaltrennzeichen, höchstens zwei Nachkommastellen).",
                f"'{text[:40]}' is not an amount (expected e.g. \"-12.30\": one sign, a "
                "decimal point, at most two decimals).",
            )
        cents = int(Decimal(text) * 100)
    if abs(cents) >= MAX_CENTS:
        raise _fail(where, "ist zu groß.", "is too large.")
    if cents == 0:
        raise _fail(
            where,
            "ist 0,00; ein Umsatz ohne Betrag bewegt kein Geld.",
            "is 0.00; a transaction without an amount moves no money.",
        )
    return cents


def _optional_date(value: Any, where: str) -> date | None:
    return None if value is None else _date(value, where)


def _date(value: Any, where: str) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise _fail(
            where,
            f"„{str(value)[:40]}“ ist kein Datum (JJJJ-MM-TT).",
            f"'{str(value)[:40]}' is not a date (YYYY-MM-DD).",
        ) from None
    if not _EARLIEST <= day <= _LATEST:
        raise _fail(
            where,
            f"{value} liegt nicht zwischen 1990 und 2100.",
            f"{value} is not between 1990 and 2100.",
        )
    return day


def _lines(item: Mapping[str, Any], where: str) -> tuple[str, ...]:
    lines = item.get("remittance_lines")
    field = "remittance_lines"
    if lines is None:
        field = "remittance"
        text = item.get("remittance") or ""
        if not isinstance(text, str):
            raise _fail(f"{where}.remittance", "muss Text sein.", "must be a string.")
        lines = [text] if text else []
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise _fail(
            f"{where}.remittance_lines",
            "muss eine Liste von Texten sein.",
            "must be a list of strings.",
        )
    if len(lines) > MAX_REMITTANCE_LINES or sum(len(line) for line in lines) > MAX_REMITTANCE_CHARS:
        raise _fail(
            f"{where}.{field}",
            f"ist zu lang (höchstens {MAX_REMITTANCE_CHARS} Zeichen in "
            f"{MAX_REMITTANCE_LINES} Zeilen).",
            f"is too long (at most {MAX_REMITTANCE_CHARS} characters in "
            f"{MAX_REMITTANCE_LINES} lines).",
        )
    return tuple(lines)


def _reversal(item: Mapping[str, Any], where: str) -> bool:
    value = item.get("is_reversal", False)
    if not isinstance(value, bool):
        raise _fail(f"{where}.is_reversal", "muss true oder false sein.", "must be true or false.")
    return value


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
        if value is not None and len(value) > limit:
            raise _fail(
                f"{where}.{name}",
                f"ist länger als {limit} Zeichen.",
                f"is longer than {limit} characters.",
            )
        texts[name] = clean(value, limit=limit)
    iban_text = item.get("counterparty_iban")
    if iban_text is not None and not isinstance(iban_text, str):
        raise _fail(f"{where}.counterparty_iban", "muss Text sein.", "must be a string.")
    # Identifiers that fail validation are kept as written and marked, as in files.
    iban, bic, issues = counterparty_identifiers(
        iban_text[:64] if iban_text else None, texts.pop("counterparty_bic")
    )
    original = item.get("original_amount")
    lines = _lines(item, where)
    return ParsedTransaction(
        booking_date=_date(item.get("booking_date"), f"{where}.booking_date"),
        value_date=_optional_date(item.get("value_date"), f"{where}.value_date"),
        amount_cents=_amount(item["amount"], f"{where}.amount"),
        currency=check_currency(item.get("currency") or account_currency, f"{where}.currency"),
        counterparty_iban=iban,
        counterparty_bic=bic,
        identifier_issues=issues,
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
        is_reversal=_reversal(item, where),
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
