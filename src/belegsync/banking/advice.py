"""Payment advice files: the breakdown of one bank line, read into :class:`Advice`.

A bank line that pays many invoices at once names none of them; the breakdown comes
apart from the statement, in one of two shapes:

* the client's own SEPA file (pain.008 direct debit collection, pain.001 credit
  transfers), which the bank books as one line per ``PmtInf`` block unless the block
  asks for single bookings (``BtchBookg`` false) — then there is nothing to break down;
* a payer's CSV payout or settlement advice (a dental factoring company, a central
  settlement office, a billing service), exported by whatever software the payer runs:
  a few lines about the advice, then a table of invoices, often a total row below it.

CAMT-style strictness applies: sums the file states (``CtrlSum``, ``NbOfTxs``, a total
row, a paid column next to a fee column) must agree with its items, and every amount and
date must read, because an advice attached wrongly would settle the wrong invoices. Any
failure is an :class:`AdviceError`; nothing of the file is used then.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from belegsync.banking import xmlsafe as x
from belegsync.banking.csv_format import (
    HEADER_SCAN_LINES,
    MAX_CSV_BYTES,
    detect_presets,
    split_rows,
)
from belegsync.banking.errors import StatementError, at_line
from belegsync.banking.sniff import to_utf8
from belegsync.banking.text import (
    check_currency,
    clean,
    decode_text,
    parse_amount,
    parse_plain_decimal,
)
from belegsync.banking.xmlsafe import Element
from belegsync.domain.advice import Advice, AdviceItem, AdviceKind

__all__ = ["AdviceError", "looks_like_advice", "parse_advices"]

ADVICE_DE = (
    "Bitte exportieren bzw. laden Sie das Avis erneut herunter und laden Sie die Datei "
    "unverändert hoch."
)
ADVICE_EN = "Please export or download the advice again and upload the file unchanged."
_NOT_AN_ADVICE_DE = (
    "Bitte laden Sie hier die SEPA-Datei (pain.008/pain.001) oder das Zahlungsavis des "
    "Zahlers als CSV hoch; Kontoauszüge gehören in den Kontoauszug-Import."
)
_NOT_AN_ADVICE_EN = (
    "Please upload the SEPA file (pain.008/pain.001) or the payer's payment advice as CSV "
    "here; statements belong in the statement import."
)
NOT_AN_ADVICE = "advice_not_an_advice"
_SNIFF_BYTES = 16 * 1024
_DELIMITERS = (";", ",", "\t")


class AdviceError(StatementError):
    """An advice file is malformed or is no advice; nothing of it is attached."""

    code = "advice_invalid"
    frame_de = "Die Avis-Datei ist fehlerhaft"
    frame_en = "The advice file is malformed"
    outcome_de = "Es wurde nichts zugeordnet."
    outcome_en = "Nothing was attached."
    default_advice_de = ADVICE_DE
    default_advice_en = ADVICE_EN


def _not_an_advice(location: str, what_de: str, what_en: str) -> AdviceError:
    return AdviceError(
        location,
        what_de,
        what_en,
        code=NOT_AN_ADVICE,
        advice_de=_NOT_AN_ADVICE_DE,
        advice_en=_NOT_AN_ADVICE_EN,
    )


# ---------------------------------------------------------------------------- sniffing

_PAIN_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:CstmrDrctDbtInitn|CstmrCdtTrfInitn)[\s/>]")


def looks_like_advice(data: bytes) -> bool:
    """Whether ``data`` reads as an advice from its first kilobytes: a pain.008/pain.001
    document, or a CSV with an invoice reference and an amount column that is not a
    bank statement. Cheap and never raising, for routing an upload; parsing decides."""
    head = to_utf8(data[:_SNIFF_BYTES])
    if _is_xml(head):
        return _PAIN_ROOT.search(head) is not None
    text = decode_text(head)
    if _is_statement(text):
        return False
    return any(_header(split_rows(text, d, HEADER_SCAN_LINES)) is not None for d in _DELIMITERS)


def _is_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


# ---------------------------------------------------------------------------- parsing


def parse_advices(data: bytes, source: str = "") -> list[Advice]:
    """The advices of one file, in file order: one per batched ``PmtInf`` block of a
    pain file, one per distinct (advice number, date) of a CSV advice. A pain file whose
    blocks all ask for single bookings has none."""
    try:
        return _parse(data, source)
    except AdviceError:
        raise
    except StatementError as error:  # from the shared helpers: same facts, advice frame
        raise AdviceError(error.location, error.problem_de, error.problem_en) from None
    except (ValueError, IndexError, UnicodeError, csv.Error) as error:
        # Not expected from the code above; a damaged file must still say what it is.
        raise AdviceError(
            source,
            f"die Datei ist nicht lesbar ({type(error).__name__}).",
            f"the file cannot be read ({type(error).__name__}).",
        ) from None


def _parse(data: bytes, source: str) -> list[Advice]:
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise AdviceError(source, "die Datei ist leer.", "the file is empty.")
    data = to_utf8(data)
    if _is_xml(data):
        return _parse_pain(data, source)
    return _parse_csv(data, source)


# ---------------------------------------------------------------------------- pain


@dataclass(frozen=True, slots=True)
class _Flavour:
    """Where pain.008 and pain.001 differ: the item element, the date, the other party."""

    kind: AdviceKind
    credit: bool
    item: str
    day: str
    amount: str
    party: str


_FLAVOURS = {
    "CstmrDrctDbtInitn": _Flavour(
        AdviceKind.COLLECTION, True, "DrctDbtTxInf", "ReqdColltnDt", "InstdAmt", "Dbtr"
    ),
    "CstmrCdtTrfInitn": _Flavour(
        AdviceKind.TRANSFERS, False, "CdtTrfTxInf", "ReqdExctnDt", "Amt/InstdAmt", "Cdtr"
    ),
}
_STATEMENT_ROOTS = ("BkToCstmrStmt", "BkToCstmrAcctRpt", "BkToCstmrDbtCdtNtfctn")


def _parse_pain(data: bytes, source: str) -> list[Advice]:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise AdviceError(
            source,
            "die XML-Datei enthält eine DTD; das ist bei SEPA-Dateien nicht erlaubt.",
            "the XML file contains a DTD, which SEPA files do not allow.",
        )
    root = x.load_xml(data, source)  # its StatementErrors are reframed by the caller
    initiation, flavour = _initiation(root)
    blocks = list(x.kids(initiation, "PmtInf"))
    if not blocks:
        raise AdviceError(
            x.path_of(initiation),
            "die Datei enthält keinen Auftrag (PmtInf).",
            "the file holds no payment block (PmtInf).",
        )
    advices: list[Advice] = []
    every: list[AdviceItem] = []
    for block in blocks:
        items = _block_items(block, flavour)
        every.extend(items)
        if _books_singly(block):
            continue  # the bank books each item as a line of its own
        advices.append(_block_advice(block, flavour, items))
    header = x.find(initiation, "GrpHdr")
    if header is not None:
        _check_totals(header, every)
    return advices


def _initiation(root: Element) -> tuple[Element, _Flavour]:
    candidates = [root, *root] if x.local(root) == "Document" else [root]
    for element in candidates:
        flavour = _FLAVOURS.get(x.local(element))
        if flavour is not None:
            return element, flavour
    if any(x.local(e) in _STATEMENT_ROOTS for e in candidates):
        raise _not_an_advice(
            x.path_of(root),
            "das ist ein Kontoauszug (CAMT), keine SEPA-Datei und kein Zahlungsavis.",
            "this is a bank statement (CAMT), not a SEPA file or a payment advice.",
        )
    raise _not_an_advice(
        x.path_of(root),
        "kein SEPA-Lastschrift- (pain.008) oder Überweisungsauftrag (pain.001).",
        "not a SEPA direct debit (pain.008) or credit transfer (pain.001) initiation.",
    )


def _books_singly(block: Element) -> bool:
    return (x.text(block, "BtchBookg") or "").lower() in ("false", "0")


def _block_advice(block: Element, flavour: _Flavour, items: list[AdviceItem]) -> Advice:
    return Advice(
        kind=flavour.kind,
        reference=clean(x.text(block, "PmtInfId"), limit=140) or "",
        day=_pain_day(block, flavour.day),
        credit=flavour.credit,
        items=tuple(items),
        currency=_block_currency(block, flavour),
    )


def _block_items(block: Element, flavour: _Flavour) -> list[AdviceItem]:
    items = [_pain_item(each, flavour) for each in x.kids(block, flavour.item)]
    if not items:
        raise AdviceError(
            x.path_of(block),
            f"der Auftrag enthält keine Posten ({flavour.item}).",
            f"the payment block holds no items ({flavour.item}).",
        )
    _check_totals(block, items)
    return items


def _pain_item(element: Element, flavour: _Flavour) -> AdviceItem:
    amount = _pain_amount(element, flavour)
    cents = parse_plain_decimal(amount.text, x.path_of(amount))
    party = x.find(element, flavour.party)
    wrapped = x.find(party, "Pty")  # .08 and later may wrap the party in Pty
    return AdviceItem(
        reference=_remittance(element),
        amount_cents=cents,
        paid_cents=cents,
        name=clean(x.text(party, "Nm") or x.text(wrapped, "Nm")) or "",
        end_to_end_id=clean(x.text(element, "PmtId/EndToEndId"), limit=140) or "",
    )


def _pain_amount(element: Element, flavour: _Flavour) -> Element:
    amount = x.find(element, flavour.amount)
    if amount is None:
        raise AdviceError(
            x.path_of(element),
            f"der Betrag ({flavour.amount}) fehlt.",
            f"the amount ({flavour.amount}) is missing.",
        )
    return amount


def _remittance(element: Element) -> str:
    """Unstructured lines joined, else the structured creditor references: the text
    that names the invoice."""
    lines = [e.text for e in x.findall(element, "RmtInf/Ustrd") if e.text and e.text.strip()]
    if not lines:
        for structured in x.findall(element, "RmtInf/Strd"):
            reference = x.text(structured, "CdtrRefInf/Ref")
            if reference is not None:
                lines.append(reference)
    return clean(" ".join(lines)) or ""


def _block_currency(block: Element, flavour: _Flavour) -> str:
    found: str | None = None
    for each in x.kids(block, flavour.item):
        amount = _pain_amount(each, flavour)
        where = x.path_of(amount)
        currency = check_currency(amount.get("Ccy"), where)
        if found is not None and currency != found:
            raise AdviceError(
                where,
                f"der Auftrag mischt die Währungen {found} und {currency}.",
                f"the payment block mixes the currencies {found} and {currency}.",
            )
        found = currency
    return found or "EUR"


def _check_totals(holder: Element, items: list[AdviceItem]) -> None:
    """``NbOfTxs`` and ``CtrlSum`` where the file states them: a file that disagrees
    with itself was damaged or edited by hand."""
    count = x.find(holder, "NbOfTxs")
    if count is not None and (x.text(count) or "") != str(len(items)):
        raise AdviceError(
            x.path_of(count),
            f"die Anzahl {x.text(count) or ''} passt nicht zu {len(items)} Posten.",
            f"the count {x.text(count) or ''} does not match {len(items)} items.",
        )
    total = x.find(holder, "CtrlSum")
    if total is None:
        return
    stated = parse_plain_decimal(total.text, x.path_of(total))
    summed = sum(item.amount_cents for item in items)
    if stated != summed:
        stated_de, stated_en = _money(stated)
        summed_de, summed_en = _money(summed)
        raise AdviceError(
            x.path_of(total),
            f"die Kontrollsumme {stated_de} passt nicht zur Summe der Posten {summed_de}.",
            f"the control sum {stated_en} does not match the items' sum {summed_en}.",
        )


def _pain_day(block: Element, name: str) -> date:
    """The requested date: a plain date up to .07 (and in every pain.008), ``Dt`` or
    ``DtTm`` inside it in pain.001 from .08."""
    element = x.find(block, name)
    value = x.text(element) or x.first_text(element, "Dt", "DtTm")
    if element is None or value is None:
        raise AdviceError(
            x.path_of(block),
            f"das Ausführungsdatum ({name}) fehlt.",
            f"the requested date ({name}) is missing.",
        )
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise AdviceError(
            x.path_of(element),
            f"„{value}“ ist kein gültiges Datum.",
            f"'{value}' is not a valid date.",
        ) from None


# ---------------------------------------------------------------------------- CSV

# Header words by role, compared after _key() folds case, umlauts and punctuation.
_REFERENCE = frozenset(
    {
        "rechnungsnummer",
        "rechnungsnr",
        "renr",
        "rechnung",
        "belegnummer",
        "belegnr",
        "referenz",
        "invoice",
        "invoicenumber",
        "invoiceno",
    }
)
_AMOUNT = frozenset(
    {"rechnungsbetrag", "betrag", "brutto", "bruttobetrag", "forderung", "forderungsbetrag"}
    | {"amount"}
)
_FEE = frozenset(
    {"gebuehr", "gebuehren", "entgelt", "provision", "factoringgebuehr", "abzug", "fee"}
)
_PAID = frozenset(
    {"auszahlung", "auszahlungsbetrag", "zahlbetrag", "ueberweisung", "netto", "paid"}
)
# A person's word ("Mitglied" may hold the member's number); a "…name" column wins.
_NAME = frozenset({"name", "patient", "kunde", "mitglied", "schuldner", "debitor"})
_SKONTO = frozenset({"skonto", "skontobetrag"})
# "Avis-Nr.", "Auszahlungsavis Nr.", "Regulierungsavis", "Abrechnungsnummer", …
_NUMBER = re.compile(
    r"(?:auszahlungs|regulierungs|zahlungs)?avis(?:nr|nummer)?"
    r"|abrechnung(?:snr|snummer)?|auszahlungs(?:nr|nummer)"
)
# Most specific first: a preamble naming several dates gives the payout date.
_DAY_WORDS = ("auszahlungsdatum", "zahlungsdatum", "valuta", "wertstellung")
_GENERIC_DAY = "datum"
_CURRENCY_WORDS = frozenset({"waehrung", "currency", "whg"})
_STATEMENT_DAY = frozenset({"buchungstag", "buchungsdatum", "valutadatum"})
_STATEMENT_PURPOSE = frozenset({"verwendungszweck", "buchungstext"})
_ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("reference", _REFERENCE),
    ("amount", _AMOUNT),
    ("fee", _FEE),
    ("paid", _PAID),
    ("skonto", _SKONTO),
    ("day", frozenset(_DAY_WORDS)),
    ("generic_day", frozenset({_GENERIC_DAY})),
    ("currency", _CURRENCY_WORDS),
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOISE_WORDS = frozenset({"eur", "euro", "in"})
_TOTAL = re.compile(r"(?:summe|gesamt|total|endsumme)", re.IGNORECASE)
_DAY = re.compile(r"\s*(?:(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})|(\d{4})-(\d{2})-(\d{2}))(?!\d)")


def _key(cell: str) -> str:
    """``"Re.-Nr."`` → ``"renr"``, ``"Gebühr (EUR)"`` → ``"gebuehr"``: exports spell the
    same header many ways. A percentage column (``"Skonto %"``) has no role."""
    if "%" in cell:
        return ""
    folded = unicodedata.normalize("NFC", cell).lower().translate(_UMLAUTS)
    folded = re.sub(r"\(.*?\)|\[.*?\]", " ", folded)
    words = re.findall(r"[a-z0-9]+", folded)
    return "".join(word for word in words if word not in _NOISE_WORDS)


@dataclass(frozen=True, slots=True)
class _Columns:
    """The table's columns by role (position in the row); ``names`` as written."""

    names: tuple[str, ...]
    reference: int
    amount: int
    fee: int | None = None
    paid: int | None = None
    name: int | None = None
    skonto: int | None = None
    number: int | None = None
    day: int | None = None
    generic_day: int | None = None
    currency: int | None = None


def _header(rows: list[list[str]]) -> tuple[int, _Columns] | None:
    """The first row naming a reference and an amount column, with its position."""
    for position, cells in enumerate(rows[:HEADER_SCAN_LINES]):
        columns = _columns(cells)
        if columns is not None:
            return position, columns
    return None


def _role(key: str) -> str | None:
    for role, words in _ROLES:
        if key in words:
            return role
    if _is_number_key(key):
        return "number"
    if key.endswith("name") and key != "dateiname":
        return "named"
    return "name" if key in _NAME else None


def _is_number_key(key: str) -> bool:
    return _NUMBER.fullmatch(key) is not None


def _columns(cells: list[str]) -> _Columns | None:
    """The roles of a header row's columns (the first column of each role), or ``None``
    where the row names no reference or no amount column."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        role = _role(_key(cell))
        if role is not None:
            found.setdefault(role, index)
    if "reference" not in found or "amount" not in found:
        return None
    if "named" in found:
        found["name"] = found.pop("named")
    names = tuple(cell.strip().lstrip("\ufeff") for cell in cells)
    return _Columns(names=names, **found)


def _is_statement(text: str) -> bool:
    """A bank's export: a known layout's header (PayPal's has Rechnungsnummer, Brutto,
    Gebühr and Netto like an advice), or a booking date next to a purpose column."""
    if detect_presets(text):
        return True
    for delimiter in _DELIMITERS:
        for cells in split_rows(text, delimiter, HEADER_SCAN_LINES):
            keys = {_key(cell) for cell in cells}
            if keys & _STATEMENT_DAY and keys & _STATEMENT_PURPOSE:
                return True
    return False


def _parse_csv(data: bytes, source: str) -> list[Advice]:
    if len(data) > MAX_CSV_BYTES:
        raise AdviceError(source, "die Datei ist zu groß.", "the file is too large.")
    text = decode_text(data)
    delimiter, position, columns = _locate_table(text, source)
    rows = _read_rows(text, delimiter)
    number, day = _preamble(rows[:position])
    body = rows[position + 1 :]
    posted = _items(body, columns, _decimal_comma(body, columns))
    if not posted:
        raise AdviceError(
            at_line(rows[position][0]),
            "unter der Kopfzeile steht kein Posten.",
            "there is no item below the header row.",
        )
    return _advices(posted, columns, number, day)


def _locate_table(text: str, source: str) -> tuple[str, int, _Columns]:
    """The delimiter, the header's row index and columns: the first delimiter under
    which a header appears (a preamble line may split wider under another one)."""
    if _is_statement(text):
        raise _not_an_advice(
            source,
            "das ist ein Kontoauszug (Umsätze mit Buchungstag), kein Zahlungsavis.",
            "this is a bank statement (transactions with a booking date), not a payment advice.",
        )
    for delimiter in _DELIMITERS:
        found = _header(split_rows(text, delimiter, HEADER_SCAN_LINES))
        if found is not None:
            return delimiter, found[0], found[1]
    raise _not_an_advice(
        source,
        "weder eine SEPA-Datei (pain.008/pain.001) noch ein Zahlungsavis als CSV: keine "
        "Kopfzeile mit Rechnungsnummer- und Betragsspalte gefunden.",
        "neither a SEPA file (pain.008/pain.001) nor a payment advice as CSV: no header row "
        "with an invoice number and an amount column found.",
    )


def _read_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Every row with the number of its (last) line; broken quoting is an error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise AdviceError(
            at_line(reader.line_num),
            f"CSV nicht lesbar ({error}); die Datei endet vermutlich mitten in einem Feld.",
            f"CSV not readable ({error}); the file probably ends inside a field.",
        ) from None
    return rows


def _preamble(rows: Iterable[tuple[int, list[str]]]) -> tuple[str, date | None]:
    """The advice number and payout date the lines above the table name
    (``"Avis-Nr.: 884012"``, or the label in one cell and the value in the next)."""
    number = ""
    days: dict[str, date] = {}
    for line, cells in rows:
        for index, cell in enumerate(cells):
            label, _, value = cell.partition(":")
            key = _key(label)
            number_key = _is_number_key(key)
            if not number_key and key not in _DAY_WORDS and key != _GENERIC_DAY:
                continue
            value = value.strip() or next((c.strip() for c in cells[index + 1 :] if c.strip()), "")
            if not value:
                continue
            if number_key:
                number = number or clean(value, limit=140) or ""
            else:
                days.setdefault(key, _day(value, at_line(line)))
    for key in (*_DAY_WORDS, _GENERIC_DAY):
        if key in days:
            return number, days[key]
    return number, None


def _day(text: str, where: str) -> date:
    match = _DAY.match(text)
    try:
        if match is not None and match[1]:
            year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
            return date(year, int(match[2]), int(match[1]))
        if match is not None:
            return date(int(match[4]), int(match[5]), int(match[6]))
    except ValueError:
        pass
    raise AdviceError(
        where,
        f"„{text.strip()}“ ist kein Datum (erwartet TT.MM.JJJJ, TT.MM.JJ oder JJJJ-MM-TT).",
        f"'{text.strip()}' is not a date (expected DD.MM.YYYY, DD.MM.YY or YYYY-MM-DD).",
    )


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def _money_cells(columns: _Columns) -> list[int]:
    candidates = (columns.amount, columns.fee, columns.paid, columns.skonto)
    return [index for index in candidates if index is not None]


def _decimal_comma(body: list[tuple[int, list[str]]], columns: _Columns) -> bool:
    """Whether amounts use a decimal comma: any ``,50`` says so, else any ``.50`` says
    point, else (whole amounts, ``1.234``) comma, as German exports write."""
    comma = point = False
    for _, cells in body:
        for index in _money_cells(columns):
            value = re.sub(r"\s|€|EUR", "", _cell(cells, index))
            comma = comma or re.search(r",\d{1,2}[SH]?$", value) is not None
            point = point or re.search(r"\.\d{1,2}[SH]?$", value) is not None
    return comma or not point


@dataclass(frozen=True, slots=True)
class _Posted:
    """An item row as read, with what grouping and the total row need of it."""

    line: int
    item: AdviceItem
    written_amount: int  # the amount column as written (before Skonto)
    number: str
    day_text: str
    currency: str


def _items(body: list[tuple[int, list[str]]], columns: _Columns, comma: bool) -> list[_Posted]:
    """The item rows. A total row checks the items above it; after one, the first row
    that is no item (a footer line) ends the table."""
    posted: list[_Posted] = []
    since_total = 0
    closed = False
    for line, cells in body:
        reference = _cell(cells, columns.reference)
        if not reference and not _cell(cells, columns.amount):
            continue
        if not reference or _TOTAL.match(reference):
            _check_total(line, cells, columns, comma, posted, since_total)
            since_total, closed = len(posted), True
            continue
        try:
            posted.append(_posted(line, cells, columns, comma))
        except AdviceError:
            if closed:
                break
            raise
    return posted


def _number(
    cells: list[str], index: int | None, columns: _Columns, comma: bool, where: str
) -> int | None:
    """The amount in column ``index`` in cents; ``None`` for an empty or absent cell."""
    text = _cell(cells, index)
    if index is None or not text:
        return None
    try:
        return parse_amount(text, where, decimal_comma=comma)
    except StatementError:
        column = columns.names[index]
        raise AdviceError(
            where,
            f"Betrag „{text}“ in Spalte „{column}“ ist keine Zahl.",
            f"amount '{text}' in column '{column}' is not a number.",
        ) from None


def _deduction(cents: int | None, amount: int) -> int:
    """A fee or Skonto as written (``3,50`` or ``-3,50``: exports differ) turned into
    what it takes off ``amount``."""
    if cents is None:
        return 0
    return abs(cents) if amount >= 0 else -abs(cents)


def _posted(line: int, cells: list[str], columns: _Columns, comma: bool) -> _Posted:
    where = at_line(line)
    amount = _number(cells, columns.amount, columns, comma, where)
    if amount is None:
        column = columns.names[columns.amount]
        raise AdviceError(
            where,
            f"der Betrag in Spalte „{column}“ fehlt.",
            f"the amount in column '{column}' is missing.",
        )
    settled = amount - _deduction(_number(cells, columns.skonto, columns, comma, where), amount)
    fee = _number(cells, columns.fee, columns, comma, where)
    computed = settled - _deduction(fee, amount)
    paid = _number(cells, columns.paid, columns, comma, where)
    if paid is not None and fee is not None and paid != computed:
        raise _paid_mismatch(where, paid, computed)
    return _Posted(
        line=line,
        item=AdviceItem(
            reference=clean(_cell(cells, columns.reference)) or _cell(cells, columns.reference),
            amount_cents=settled,
            paid_cents=computed if paid is None else paid,
            name=clean(_cell(cells, columns.name)) or "",
        ),
        written_amount=amount,
        number=clean(_cell(cells, columns.number), limit=140) or "",
        day_text=_cell(cells, columns.day if columns.day is not None else columns.generic_day),
        currency=check_currency(_cell(cells, columns.currency) or "EUR", where),
    )


def _paid_mismatch(where: str, paid: int, computed: int) -> AdviceError:
    paid_de, paid_en = _money(paid)
    computed_de, computed_en = _money(computed)
    return AdviceError(
        where,
        f"die Auszahlung {paid_de} passt nicht zu Betrag abzüglich Skonto und Gebühr "
        f"({computed_de}).",
        f"the paid amount {paid_en} does not match the amount less discount and fee "
        f"({computed_en}).",
    )


def _check_total(
    line: int,
    cells: list[str],
    columns: _Columns,
    comma: bool,
    posted: list[_Posted],
    since_total: int,
) -> None:
    """A total row must equal the items above it: all of them (a grand total) or those
    since the previous total row (a subtotal per advice)."""
    where = at_line(line)
    checks = (
        (columns.amount, [p.written_amount for p in posted]),
        (columns.paid, [p.item.paid_cents for p in posted]),
    )
    for index, values in checks:
        stated = _number(cells, index, columns, comma, where)
        if stated is None or index is None:
            continue
        sums = [sum(values), sum(values[since_total:])]
        if stated not in sums:
            stated_de, stated_en = _money(stated)
            summed_de, summed_en = _money(sums[1])
            column = columns.names[index]
            raise AdviceError(
                where,
                f"die Summenzeile nennt in Spalte „{column}“ {stated_de}, die Posten "
                f"ergeben {summed_de}.",
                f"the total row states {stated_en} in column '{column}', the items add up "
                f"to {summed_en}.",
            )


def _advices(
    posted: list[_Posted], columns: _Columns, number: str, day: date | None
) -> list[Advice]:
    """One advice per distinct (advice number, payout date), in file order. A bare
    ``Datum`` column whose rows differ holds invoice dates, not the payout's: ignored."""
    generic = columns.day is None and columns.generic_day is not None
    ignore_days = generic and len({p.day_text for p in posted if p.day_text}) > 1
    groups: dict[tuple[str, date | None], list[_Posted]] = {}
    for each in posted:
        text = "" if ignore_days else each.day_text
        key = (each.number or number, _day(text, at_line(each.line)) if text else day)
        groups.setdefault(key, []).append(each)
    return [_advice(reference, when, members) for (reference, when), members in groups.items()]


def _advice(reference: str, day: date | None, members: list[_Posted]) -> Advice:
    currency = members[0].currency
    for each in members:
        if each.currency != currency:
            raise AdviceError(
                at_line(each.line),
                f"das Avis mischt die Währungen {currency} und {each.currency}.",
                f"the advice mixes the currencies {currency} and {each.currency}.",
            )
    advice = Advice(
        kind=AdviceKind.PAYOUT,
        reference=reference,
        day=day,
        credit=True,
        items=tuple(each.item for each in members),
        currency=currency,
    )
    if advice.paid_cents <= 0:
        paid_de, paid_en = _money(advice.paid_cents)
        raise AdviceError(
            at_line(members[0].line),
            f"das Avis zahlt nichts aus (Summe der Auszahlungen {paid_de}).",
            f"the advice pays nothing out (sum of the paid amounts {paid_en}).",
        )
    return advice


def _money(cents: int) -> tuple[str, str]:
    """``("1.234,56", "1,234.56")``: an amount for the German and the English message."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    english = f"{sign}{units:,}.{rest:02d}"
    german = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    return german, english
