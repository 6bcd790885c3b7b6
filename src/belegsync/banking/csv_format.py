"""Bank CSV exports: the layouts in :mod:`csv_presets` or the user's column mapping.

The header row is found by the mapping's column names, so lines above the table (ING
and DKB print the IBAN and the balance there) are skipped and can name the account;
lines below it (Deutsche Bank's "Kontostand") end the table. Every date and amount must
validate, so a wrong guess of the layout imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from belegsync.banking.csv_mapping import CsvMapping
from belegsync.banking.csv_presets import PRESETS
from belegsync.banking.errors import StatementError, at_line
from belegsync.banking.model import ParsedStatement, ParsedTransaction
from belegsync.banking.text import (
    account_identifier,
    check_currency,
    clean,
    counterparty_identifiers,
    decode_text,
    german_iban,
    parse_amount,
    reads_as_reversal,
    split_sepa_keywords,
)
from belegsync.domain.dates import BERLIN

MAX_CSV_BYTES = 20 * 1024 * 1024
HEADER_SCAN_LINES = 40
_IBAN_LIKE = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?)\b")
_DELIMITERS = (";", ",", "\t")


class CsvLayoutUnknown(StatementError):
    """No known layout fits and no mapping was given: the user maps the columns."""

    code = "csv_layout_unknown"

    def __init__(self, source: str) -> None:
        super().__init__(
            source,
            "das CSV-Layout ist unbekannt.",
            "the CSV layout is unknown.",
            code=self.code,
        )
        # Not a damaged file: a step the user takes, so the message says just that.
        self.message = (
            f"Das CSV-Layout von {source} ist keiner Bank bekannt. Bitte ordnen Sie die "
            "Spalten zu (beim Hochladen im Schritt „Spalten zuordnen“, in der "
            "Kommandozeile mit --csv-mapping)."
        )
        self.message_en = (
            f"The CSV layout of {source} is not one of the known banks'. Please map the "
            "columns (in the upload's step 'Map columns', on the command line with "
            "--csv-mapping)."
        )
        self.args = (self.message,)


def split_rows(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    """The first ``limit`` rows (all if ``None``), tolerant of broken quoting (for the
    preview and for detection; parsing proper is strict)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            rows.append(cells)
            if limit is not None and len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the widest of the first lines."""
    best, width = ";", 0
    for delimiter in _DELIMITERS:
        rows = split_rows(text, delimiter, HEADER_SCAN_LINES)
        widest = max((len(r) for r in rows), default=0)
        if widest > width:
            best, width = delimiter, widest
    return best


def _names(cells: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    seen: dict[str, int] = {}
    for position, name in enumerate(cells):
        key = name.strip().lstrip("\ufeff").strip()
        seen[key] = seen.get(key, 0) + 1
        index.setdefault(key, position)
        index[f"{key}#{seen[key]}"] = position
    return index


def _resolve(index: dict[str, int], column: str) -> str | None:
    for name in column.split("|"):
        if name in index:
            return name
    return None


def _has_all(index: dict[str, int], columns: list[str] | tuple[str, ...]) -> bool:
    return all(_resolve(index, c) is not None for c in columns)


def detect_presets(text: str) -> list[CsvMapping]:
    """Layouts whose signature appears in a header line, most specific first."""
    found: list[CsvMapping] = []
    for mapping in PRESETS.values():
        rows = split_rows(text, mapping.delimiter, HEADER_SCAN_LINES)
        if any(_has_all(_names(cells), mapping.signature) for cells in rows):
            found.append(mapping)
    return sorted(found, key=lambda m: -len(m.signature))


@dataclass
class _Row:
    line: int
    cells: list[str]
    # The mapping's column names (as written, with alternatives) → position in the row.
    positions: dict[str, int]

    def get(self, column: str | None) -> str | None:
        position = self.positions.get(column) if column is not None else None
        if position is None:
            return None
        value = self.cells[position].strip()
        return value or None


def _positions(index: dict[str, int], mapping: CsvMapping) -> dict[str, int]:
    positions: dict[str, int] = {}
    for column in mapping.columns():
        name = _resolve(index, column)
        if name is not None:
            positions[column] = index[name]
    return positions


def parse_csv(
    data: bytes, mapping: CsvMapping | None = None, source: str = "CSV"
) -> ParsedStatement:
    """The transactions of one CSV export (one account)."""
    if len(data) > MAX_CSV_BYTES:
        raise StatementError(source, "Die Datei ist zu groß.", "The file is too large.")
    text = decode_text(data)
    if mapping is not None:
        return _parse(text, mapping, source)
    candidates = detect_presets(text)
    if not candidates:
        raise CsvLayoutUnknown(source)
    first_error: StatementError | None = None
    for candidate in candidates:
        try:
            return _parse(text, candidate, source)
        except StatementError as error:
            first_error = first_error or error
    assert first_error is not None
    raise first_error


def _preamble_account(cells: list[str]) -> str | None:
    for cell in cells:
        match = _IBAN_LIKE.search(cell.upper())
        if match:
            return match[1]
    return None


def _is_date(value: str, mapping: CsvMapping) -> bool:
    try:
        _date(value, mapping, "", "")
    except StatementError:
        return False
    return True


def _parse(text: str, mapping: CsvMapping, source: str) -> ParsedStatement:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    preamble: str | None = None
    index: dict[str, int] | None = None
    positions: dict[str, int] = {}
    width = 0
    footer_line: int | None = None
    transactions: list[ParsedTransaction] = []
    account: tuple[str | None, bool] = (None, True)
    try:
        for cells in reader:
            line = reader.line_num
            if index is None:
                names = _names(cells)
                if _has_all(names, mapping.signature or mapping.columns()):
                    index, width = names, len(cells)
                    positions = _positions(index, mapping)
                elif mapping.preamble_account and preamble is None:
                    preamble = _preamble_account(cells)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != width:
                if cells and not _is_date(cells[0], mapping):
                    footer_line = footer_line or line  # "Kontostand" lines below the table
                    continue
                raise _width_error(line, len(cells), width)
            if footer_line is not None:
                raise _width_error(footer_line, -1, width)
            row = _Row(line, cells, positions)
            account = _row_account(row, mapping, account)
            transactions.extend(_transactions(row, mapping))
    except csv.Error as error:
        raise StatementError(
            at_line(reader.line_num),
            f"CSV nicht lesbar ({error}); die Datei endet vermutlich mitten in einem Feld.",
            f"CSV not readable ({error}); the file probably ends inside a field.",
        ) from None
    if index is None:
        raise StatementError(
            source,
            f"keine Kopfzeile mit den Spalten {', '.join(mapping.columns()[:4])} … gefunden.",
            f"no header row with the columns {', '.join(mapping.columns()[:4])} … found.",
            advice_de="Bitte prüfen Sie das gewählte Format oder ordnen Sie die Spalten zu.",
            advice_en="Please check the chosen format or map the columns.",
        )
    _check_last_line(text, reader.line_num)
    identifier, valid = account if account[0] else account_identifier(preamble)
    currency = transactions[0].currency if transactions else mapping.default_currency
    days = [t.booking_date for t in transactions]
    return ParsedStatement(
        account_iban=identifier,
        account_valid=valid,
        currency=currency,
        transactions=tuple(transactions),
        format=f"csv:{mapping.name}",
        period_from=min(days) if days else None,
        period_to=max(days) if days else None,
    )


def _width_error(line: int, found: int, width: int) -> StatementError:
    found_de = f"{found} Spalten" if found >= 0 else "eine Zeile unter der Tabelle"
    found_en = f"{found} columns" if found >= 0 else "a line below the table"
    return StatementError(
        at_line(line),
        f"{found_de} statt {width} wie in der Kopfzeile.",
        f"{found_en} instead of {width} as in the header.",
    )


def _check_last_line(text: str, lines: int) -> None:
    """Exports end every line with a line break; a last line without one was cut off."""
    body = text.rstrip("\x1a")  # some exports end with a DOS end-of-file mark
    if body and not body.endswith(("\n", "\r")) and "\n" in body:
        raise StatementError(
            at_line(lines),
            "die letzte Zeile endet ohne Zeilenumbruch; die Datei ist vermutlich abgeschnitten.",
            "the last line ends without a line break; the file was probably cut off.",
            code="statement_incomplete",
        )


def _row_account(
    row: _Row, mapping: CsvMapping, known: tuple[str | None, bool]
) -> tuple[str | None, bool]:
    identifier, valid = account_identifier(row.get(mapping.account_iban))
    if identifier is None:
        return known
    if known[0] is not None and identifier != known[0]:
        raise StatementError(
            at_line(row.line),
            f"die Datei enthält Umsätze mehrerer Konten ({known[0]}, {identifier}).",
            f"the file holds transactions of several accounts ({known[0]}, {identifier}).",
            advice_de="Bitte exportieren Sie jedes Konto in eine eigene Datei.",
            advice_en="Please export each account into a file of its own.",
        )
    return identifier, valid


@lru_cache(maxsize=4096)
def _day_of(text: str, formats: tuple[str, ...], in_utc: bool) -> date | None:
    """The calendar day ``text`` names in one of ``formats`` (cached: a statement has
    few distinct days), or ``None``."""
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - zone handled below
        except ValueError:
            continue
        if in_utc and "%H" in fmt:
            return parsed.replace(tzinfo=UTC).astimezone(BERLIN).date()
        return parsed.date()
    return None


def _date(value: str | None, mapping: CsvMapping, where: str, column: str) -> date:
    text = (value or "").strip()
    day = _day_of(text, mapping.date_formats, mapping.dates_in_utc)
    if day is not None:
        return day
    raise StatementError(
        where,
        f"„{text}“ in Spalte „{column}“ ist kein Datum (erwartet {mapping.date_formats[0]}).",
        f"'{text}' in column '{column}' is not a date (expected {mapping.date_formats[0]}).",
        advice_de="Stimmt das gewählte Format bzw. die Spaltenzuordnung?",
        advice_en="Are the chosen format and the column mapping right?",
    )


def _amount(row: _Row, m: CsvMapping, where: str) -> int:
    def parse(text: str, column: str) -> int:
        return parse_amount(text, f"{where}, Spalte „{column}“", decimal_comma=m.decimal_comma)

    if m.amount is not None:
        text = row.get(m.amount) or ""
        marker = (row.get(m.debit_credit) or "").upper()
        if marker in ("S", "H"):
            text = f"{text.lstrip('+-')} {marker}"
        return parse(text, m.amount)
    debit, credit = row.get(m.debit), row.get(m.credit)
    if (debit is None) == (credit is None):
        raise StatementError(
            where,
            f"genau eine der Spalten „{m.debit}“ und „{m.credit}“ muss einen Betrag haben.",
            f"exactly one of the columns '{m.debit}' and '{m.credit}' must hold an amount.",
        )
    if debit is not None:
        return -abs(parse(debit, m.debit or ""))
    return abs(parse(credit or "", m.credit or ""))


def _counterparty(row: _Row, m: CsvMapping, cents: int) -> tuple[str | None, str | None]:
    """(name, IBAN text) of the other party."""
    name = row.get(m.counterparty_name) or row.get(
        m.counterparty_name_in if cents >= 0 else m.counterparty_name_out
    )
    iban_text = row.get(m.counterparty_iban)
    bank_code = row.get(m.counterparty_bic)
    if iban_text and bank_code and iban_text.isdigit() and bank_code.isdigit():
        iban_text = german_iban(bank_code, iban_text) or f"{bank_code}/{iban_text}"
    return clean(name), iban_text


def _transactions(row: _Row, m: CsvMapping) -> list[ParsedTransaction]:
    if m.skip_column and (row.get(m.skip_column) or "") in m.skip_values:
        return []
    where = at_line(row.line)
    cents = _amount(row, m, where)
    name, iban_text = _counterparty(row, m, cents)
    bic_text = row.get(m.counterparty_bic)
    iban, bic, issues = counterparty_identifiers(
        iban_text, None if (bic_text or "").isdigit() else bic_text
    )
    value_text = row.get(m.value_date)
    lines = tuple(v for col in m.remittance if (v := row.get(col)))
    keywords, free = split_sepa_keywords(" ".join(lines))
    booking_text = clean(row.get(m.booking_text))
    original = row.get(m.original_amount)
    currency = check_currency(row.get(m.currency) or m.default_currency, where)
    status_text = row.get(m.status) or ""
    booking_date = _date(row.get(m.booking_date), m, where, m.booking_date)
    main = ParsedTransaction(
        booking_date=booking_date,
        value_date=_date(value_text, m, where, m.value_date or "") if value_text else None,
        amount_cents=cents,
        currency=currency,
        counterparty_name=name,
        counterparty_iban=iban,
        counterparty_bic=bic,
        remittance=free if keywords else " ".join(" ".join(lines).split()),
        remittance_lines=lines,
        end_to_end_id=clean(row.get(m.end_to_end_id), limit=140)
        or clean(keywords.get("EREF"), limit=140),
        mandate_reference=clean(row.get(m.mandate_reference), limit=140)
        or clean(keywords.get("MREF"), limit=140),
        creditor_id=clean(row.get(m.creditor_id), limit=64)
        or clean(keywords.get("CRED"), limit=64),
        bank_reference=clean(row.get(m.bank_reference), limit=140),
        batch_reference=clean(row.get(m.batch_reference), limit=140),
        status="pending" if status_text in m.pending_values else "booked",
        original_amount_cents=abs(parse_amount(original, where, decimal_comma=m.decimal_comma))
        if original
        else None,
        original_currency=currency if original else None,
        is_reversal=reads_as_reversal(booking_text),
        booking_text=booking_text,
        identifier_issues=issues,
        location=where,
    )
    fee_text = row.get(m.fee)
    fee = parse_amount(fee_text, where, decimal_comma=m.decimal_comma) if fee_text else 0
    if not fee:
        return [main]
    return [main, _fee(main, fee)]


def _fee(main: ParsedTransaction, cents: int) -> ParsedTransaction:
    reference = f"{main.bank_reference}-GEBUEHR" if main.bank_reference else None
    return ParsedTransaction(
        booking_date=main.booking_date,
        value_date=main.value_date,
        amount_cents=cents,
        currency=main.currency,
        counterparty_name=main.counterparty_name,
        remittance=f"Gebühr {main.remittance}".strip(),
        remittance_lines=("Gebühr",),
        bank_reference=reference,
        status=main.status,
        booking_text="Gebühr",
        location=main.location,
    )
