"""Bank CSV exports: presets for common German layouts plus a generic column mapping.

A mapping names the columns by their header text (``"Währung#2"`` is the second column
of that name); the header row is found by those names, so preambles (ING prints the
IBAN and balance above the table) are skipped and can supply the account IBAN.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from belegsync.banking.errors import StatementError, at_line
from belegsync.banking.model import ParsedStatement, ParsedTransaction
from belegsync.banking.text import (
    check_currency,
    clean,
    compact_iban,
    decode_text,
    parse_amount,
    require_iban,
    split_sepa_keywords,
)
from belegsync.domain.errors import InvalidInput

MAX_CSV_BYTES = 20 * 1024 * 1024
_REVERSAL_WORDS = ("RUECKLASTSCHRIFT", "RÜCKLASTSCHRIFT", "STORNO", "RUECKUEBERWEISUNG")


@dataclass(frozen=True, kw_only=True, slots=True)
class CsvMapping:
    """Which column holds what, and how values are written."""

    name: str = "generic"
    booking_date: str
    amount: str
    value_date: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    remittance: tuple[str, ...] = ()
    currency: str | None = None
    booking_text: str | None = None
    end_to_end_id: str | None = None
    mandate_reference: str | None = None
    creditor_id: str | None = None
    batch_reference: str | None = None
    original_amount: str | None = None
    account_iban: str | None = None
    status: str | None = None
    pending_values: tuple[str, ...] = ("Umsatz vorgemerkt", "vorgemerkt", "pending", "Vorgemerkt")
    # A separate Soll/Haben column ("S"/"H"), as some Volksbank exports have.
    debit_credit: str | None = None
    delimiter: str = ";"
    decimal_comma: bool = True
    date_formats: tuple[str, ...] = ("%d.%m.%Y", "%d.%m.%y")
    preamble_iban_label: str | None = None
    default_currency: str = "EUR"
    signature: tuple[str, ...] = field(default=())

    def columns(self) -> list[str]:
        single = (
            self.booking_date,
            self.amount,
            self.value_date,
            self.counterparty_name,
            self.counterparty_iban,
            self.counterparty_bic,
            self.currency,
            self.booking_text,
            self.end_to_end_id,
            self.mandate_reference,
            self.creditor_id,
            self.batch_reference,
            self.original_amount,
            self.account_iban,
            self.status,
            self.debit_credit,
        )
        return [c for c in (*single, *self.remittance) if c]


_JSON_KEYS = {
    "date": "booking_date",
    "booking_date": "booking_date",
    "value_date": "value_date",
    "amount": "amount",
    "name": "counterparty_name",
    "iban": "counterparty_iban",
    "bic": "counterparty_bic",
    "text": "remittance",
    "currency": "currency",
    "booking_text": "booking_text",
    "end_to_end_id": "end_to_end_id",
    "mandate_reference": "mandate_reference",
    "creditor_id": "creditor_id",
    "account_iban": "account_iban",
    "status": "status",
    "debit_credit": "debit_credit",
    "delimiter": "delimiter",
    "decimal": "decimal_comma",
    "date_format": "date_formats",
}


def mapping_from_json(document: Mapping[str, Any]) -> CsvMapping:
    """A generic mapping from ``{"date": "Buchungstag", "amount": "Betrag", "text":
    ["Verwendungszweck"], "delimiter": ";", "decimal": "comma", "date_format":
    "%d.%m.%Y"}``."""
    values: dict[str, Any] = {}
    for key, value in document.items():
        target = _JSON_KEYS.get(key)
        if target is None:
            raise InvalidInput(
                f"Unbekannter Schlüssel „{key}“ in der CSV-Zuordnung.",
                code="csv_mapping_invalid",
                message_en=f"Unknown key '{key}' in the CSV mapping.",
            )
        if target == "remittance":
            value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
        elif target == "decimal_comma":
            value = str(value).lower() in ("comma", ",", "true")
        elif target == "date_formats":
            value = (str(value),)
        elif not isinstance(value, str):
            raise InvalidInput(
                f"„{key}“ muss ein Text sein.",
                code="csv_mapping_invalid",
                message_en=f"'{key}' must be a string.",
            )
        values[target] = value
    if "booking_date" not in values or "amount" not in values:
        raise InvalidInput(
            "Die CSV-Zuordnung braucht mindestens „date“ und „amount“.",
            code="csv_mapping_invalid",
            message_en="The CSV mapping needs at least 'date' and 'amount'.",
        )
    if len(values.get("delimiter", ";")) != 1:
        raise InvalidInput(
            "Das Trennzeichen muss genau ein Zeichen sein.",
            code="csv_mapping_invalid",
            message_en="The delimiter must be exactly one character.",
        )
    return CsvMapping(**values)


SPARKASSE = CsvMapping(
    name="sparkasse",
    account_iban="Auftragskonto",
    booking_date="Buchungstag",
    value_date="Valutadatum",
    booking_text="Buchungstext",
    remittance=("Verwendungszweck",),
    creditor_id="Glaeubiger ID",
    mandate_reference="Mandatsreferenz",
    end_to_end_id="Kundenreferenz (End-to-End)",
    batch_reference="Sammlerreferenz",
    original_amount="Lastschrift Ursprungsbetrag",
    counterparty_name="Beguenstigter/Zahlungspflichtiger",
    counterparty_iban="Kontonummer/IBAN",
    counterparty_bic="BIC (SWIFT-Code)",
    amount="Betrag",
    currency="Waehrung",
    status="Info",
    date_formats=("%d.%m.%y", "%d.%m.%Y"),
    signature=("Auftragskonto", "Buchungstag", "Beguenstigter/Zahlungspflichtiger"),
)

ING = CsvMapping(
    name="ing",
    booking_date="Buchung",
    value_date="Valuta",
    counterparty_name="Auftraggeber/Empfänger",
    booking_text="Buchungstext",
    remittance=("Verwendungszweck",),
    amount="Betrag",
    currency="Währung#2",
    preamble_iban_label="IBAN",
    signature=("Buchung", "Valuta", "Auftraggeber/Empfänger", "Betrag"),
)

PRESETS: dict[str, CsvMapping] = {m.name: m for m in (SPARKASSE, ING)}


def detect_preset(text: str) -> CsvMapping | None:
    head = text[:20_000]
    for mapping in PRESETS.values():
        if all(
            f'"{col}"' in head or f"{col};" in head or f";{col}" in head
            for col in mapping.signature
        ):
            return mapping
    return None


def _header_index(header: Sequence[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    seen: dict[str, int] = {}
    for position, name in enumerate(header):
        key = name.strip().lstrip("\ufeff")
        seen[key] = seen.get(key, 0) + 1
        index.setdefault(key, position)
        index[f"{key}#{seen[key]}"] = position
    return index


@dataclass
class _Row:
    line: int
    cells: list[str]
    index: dict[str, int]

    def get(self, column: str | None) -> str | None:
        if column is None:
            return None
        value = self.cells[self.index[column]].strip()
        return value or None


def parse_csv(
    data: bytes, mapping: CsvMapping | None = None, source: str = "CSV"
) -> ParsedStatement:
    """The transactions of one CSV export (one account)."""
    if len(data) > MAX_CSV_BYTES:
        raise StatementError(source, "Die Datei ist zu groß.", "The file is too large.")
    text = decode_text(data)
    mapping = mapping or detect_preset(text)
    if mapping is None:
        raise StatementError(
            source,
            "unbekanntes CSV-Layout; bitte ein Format (z. B. csv:sparkasse) oder eine "
            "Spaltenzuordnung angeben.",
            "unknown CSV layout; please give a format (e.g. csv:sparkasse) or a column mapping.",
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    preamble_iban: str | None = None
    index: dict[str, int] | None = None
    width = 0
    transactions: list[ParsedTransaction] = []
    account: str | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if index is None:
                if _is_header(cells, mapping):
                    index, width = _header_index(cells), len(cells)
                elif (
                    mapping.preamble_iban_label
                    and cells
                    and cells[0].strip() == mapping.preamble_iban_label
                ):
                    preamble_iban = require_iban(cells[1] if len(cells) > 1 else "", at_line(line))
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != width:
                raise StatementError(
                    at_line(line),
                    f"{len(cells)} Spalten statt {width} wie in der Kopfzeile.",
                    f"{len(cells)} columns instead of {width} as in the header.",
                )
            row = _Row(line, cells, index)
            account = _row_account(row, mapping, account)
            transactions.append(_transaction(row, mapping))
    except csv.Error as error:
        raise StatementError(
            at_line(reader.line_num), f"CSV nicht lesbar ({error}).", f"CSV not readable ({error})."
        ) from None
    if index is None:
        raise StatementError(
            source,
            f"keine Kopfzeile mit den Spalten {', '.join(mapping.columns()[:4])} … gefunden.",
            f"no header row with the columns {', '.join(mapping.columns()[:4])} … found.",
        )
    currency = transactions[0].currency if transactions else mapping.default_currency
    return ParsedStatement(
        account_iban=account or preamble_iban,
        currency=currency,
        transactions=tuple(transactions),
        format=f"csv:{mapping.name}",
    )


def _is_header(cells: list[str], mapping: CsvMapping) -> bool:
    names = set(_header_index(cells))
    return all(column in names for column in mapping.columns())


def _row_account(row: _Row, mapping: CsvMapping, known: str | None) -> str | None:
    raw = row.get(mapping.account_iban)
    if raw is None:
        return known
    iban = require_iban(raw, at_line(row.line))
    if known is not None and iban != known:
        raise StatementError(
            at_line(row.line),
            f"die Datei enthält Umsätze mehrerer Konten ({known}, {iban}).",
            f"the file holds transactions of several accounts ({known}, {iban}).",
        )
    return iban


def _date(value: str | None, formats: tuple[str, ...], where: str, column: str) -> date:
    for fmt in formats:
        try:
            return datetime.strptime((value or "").strip(), fmt).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise StatementError(
        where,
        f"„{value or ''}“ in Spalte „{column}“ ist kein Datum (erwartet {formats[0]}).",
        f"'{value or ''}' in column '{column}' is not a date (expected {formats[0]}).",
    )


def _transaction(row: _Row, m: CsvMapping) -> ParsedTransaction:
    where = at_line(row.line)
    amount_text = row.get(m.amount) or ""
    marker = (row.get(m.debit_credit) or "").upper()
    if marker in ("S", "H"):
        amount_text = f"{amount_text.lstrip('+-')} {marker}"
    cents = parse_amount(
        amount_text, f"{where}, Spalte „{m.amount}“", decimal_comma=m.decimal_comma
    )
    value_text = row.get(m.value_date)
    lines = tuple(v for col in m.remittance if (v := row.get(col)))
    keywords, free = split_sepa_keywords(" ".join(lines))
    booking_text = clean(row.get(m.booking_text))
    original = row.get(m.original_amount)
    currency = check_currency(row.get(m.currency) or m.default_currency, where)
    status_text = row.get(m.status) or ""
    return ParsedTransaction(
        booking_date=_date(row.get(m.booking_date), m.date_formats, where, m.booking_date),
        value_date=_date(value_text, m.date_formats, where, m.value_date or "")
        if value_text
        else None,
        amount_cents=cents,
        currency=currency,
        counterparty_name=clean(row.get(m.counterparty_name)),
        counterparty_iban=compact_iban(row.get(m.counterparty_iban)),
        counterparty_bic=clean(row.get(m.counterparty_bic), limit=11),
        remittance=free if keywords else " ".join(" ".join(lines).split()),
        remittance_lines=lines,
        end_to_end_id=clean(row.get(m.end_to_end_id), limit=140)
        or clean(keywords.get("EREF"), limit=140),
        mandate_reference=clean(row.get(m.mandate_reference), limit=140)
        or clean(keywords.get("MREF"), limit=140),
        creditor_id=clean(row.get(m.creditor_id), limit=64)
        or clean(keywords.get("CRED"), limit=64),
        batch_reference=clean(row.get(m.batch_reference), limit=140),
        status="pending" if status_text in m.pending_values else "booked",
        original_amount_cents=abs(parse_amount(original, where)) if original else None,
        original_currency=currency if original else None,
        is_reversal=any(w in (booking_text or "").upper() for w in _REVERSAL_WORDS),
        booking_text=booking_text,
        location=where,
    )
