"""Small parsing helpers shared by the statement parsers: amounts, IBANs, SEPA keywords."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from belegsync.banking.errors import StatementError
from belegsync.domain.money import MAX_CENTS

_GERMAN_AMOUNT = re.compile(
    r"(?P<sign>[+-])?\s*(?P<units>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<frac>\d{1,2}))?"
    r"(?:\s*(?P<sh>[SH]))?"
)
_DOT_AMOUNT = re.compile(
    r"(?P<sign>[+-])?\s*(?P<units>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?"
    r"(?:\s*(?P<sh>[SH]))?"
)
_PLAIN_DECIMAL = re.compile(r"\d{1,15}(?:\.\d{1,5})?")
_CURRENCY = re.compile(r"[A-Z]{3}")

# SEPA keywords in German purpose texts (DFÜ-Abkommen, Anlage 3).
SEPA_KEYWORDS = ("EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "COAM", "OAMT")
_KEYWORD_RE = re.compile(r"(?<![A-Z])(" + "|".join(SEPA_KEYWORDS) + r")\+")


def parse_amount(text: str, location: str, *, decimal_comma: bool = True) -> int:
    """``"-1.234,56"``, ``"1234,56 S"``, ``"+12"`` (or with ``decimal_comma=False``
    ``"-1,234.56"``) to signed cents. ``S`` (Soll) makes the amount negative, ``H``
    (Haben) positive."""
    cleaned = text.strip().replace("\u00a0", "").replace("€", "").replace("EUR", "").strip()
    match = (_GERMAN_AMOUNT if decimal_comma else _DOT_AMOUNT).fullmatch(cleaned)
    if match is None:
        raise StatementError(
            location,
            f"„{text.strip()}“ ist kein gültiger Betrag.",
            f"'{text.strip()}' is not a valid amount.",
        )
    units = match["units"].replace("." if decimal_comma else ",", "")
    frac = (match["frac"] or "").ljust(2, "0")
    cents = within_bounds(int(units) * 100 + int(frac), text, location)
    negative = match["sign"] == "-"
    if match["sh"] == "S":
        negative = not negative
    return -cents if negative else cents


def parse_plain_decimal(text: str | None, location: str) -> int:
    """An XML or JSON decimal (``"1234.5"``) to cents; no sign, at most two places."""
    raw = (text or "").strip()
    if not _PLAIN_DECIMAL.fullmatch(raw):
        raise StatementError(
            location, f"„{raw}“ ist kein gültiger Betrag.", f"'{raw}' is not a valid amount."
        )
    try:
        scaled = Decimal(raw) * 100
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise StatementError(location, "Ungültiger Betrag.", "Invalid amount.") from None
    if scaled != scaled.to_integral_value():
        raise StatementError(
            location,
            f"Der Betrag „{raw}“ hat mehr als zwei Nachkommastellen.",
            f"The amount '{raw}' has more than two decimal places.",
        )
    return within_bounds(int(scaled), raw, location)


def within_bounds(cents: int, text: str, location: str) -> int:
    """``cents`` (of the amount written ``text``), or a :class:`StatementError` where
    its size reaches :data:`MAX_CENTS` (no account moves that much; far larger ones
    do not fit the store's 64-bit cents)."""
    if abs(cents) >= MAX_CENTS:
        raise StatementError(
            location,
            f"„{text.strip()[:40]}“ ist als Betrag zu groß.",
            f"'{text.strip()[:40]}' is too large for an amount.",
        )
    return cents


def check_currency(text: str | None, location: str) -> str:
    value = (text or "").strip().upper()
    if not _CURRENCY.fullmatch(value):
        raise StatementError(
            location,
            f"„{value}“ ist kein Währungscode.",
            f"'{value}' is not a currency code.",
        )
    return value


@lru_cache(maxsize=8192)
def compact_iban(text: str | None) -> str | None:
    """The compact IBAN if ``text`` is a valid one, else ``None`` (cached: statements
    repeat the same few IBANs, and validating one costs a registry lookup)."""
    if not text or not text.strip():
        return None
    try:
        return str(IBAN(text.strip()).compact)
    except (SchwiftyException, ValueError):
        return None


_AS_WRITTEN = re.compile(r"[A-Z0-9/.\-]{3,34}")


def as_written(text: str | None) -> str | None:
    """An account identifier as the bank wrote it: spaces dropped, upper case, at most
    34 characters; ``None`` for empty text or anything that is no identifier at all."""
    if not text:
        return None
    value = "".join(text.split()).upper()
    return value if _AS_WRITTEN.fullmatch(value) else None


def account_identifier(text: str | None) -> tuple[str | None, bool]:
    """(compact IBAN, ``True``) for a valid IBAN; otherwise the identifier as written and
    ``False`` (a checksum that fails, an anonymised sample, a legacy Kontonummer).
    Identifiers that fail validation are kept and marked, never a reason to refuse."""
    iban = compact_iban(text)
    if iban is not None:
        return iban, True
    return as_written(text), False


@lru_cache(maxsize=4096)
def bic_is_valid(text: str | None) -> bool:
    if not text:
        return True
    try:
        BIC(text.strip())
    except (SchwiftyException, ValueError):
        return False
    return True


def counterparty_identifiers(
    iban_text: str | None, bic_text: str | None
) -> tuple[str | None, str | None, tuple[str, ...]]:
    """The counterparty's IBAN and BIC, each kept as written when it fails validation,
    and the issue codes that mark the transaction."""
    issues: list[str] = []
    iban, valid = account_identifier(iban_text)
    if iban is not None and not valid:
        issues.append("counterparty_iban_invalid")
    bic = clean(bic_text, limit=11)
    if bic is not None and not bic_is_valid(bic):
        issues.append("counterparty_bic_invalid")
    return iban, bic, tuple(issues)


def german_iban(bank_code: str, account_number: str) -> str | None:
    """The IBAN for a German BLZ and Kontonummer (MT940 ``:25:`` often holds these);
    None unless both are ASCII digits (``str.isdigit`` takes „²“, on which schwifty's
    checksum raised a KeyError)."""
    if not all(part.isascii() and part.isdigit() for part in (bank_code, account_number)):
        return None
    try:
        return str(IBAN.generate("DE", bank_code=bank_code, account_code=account_number).compact)
    except (SchwiftyException, ValueError):
        return None


# Booking texts of a movement that undoes an earlier one (a returned direct debit or
# transfer, a cancellation), as German banks write them in CSV and MT940 ?00.
REVERSAL_WORDS = ("RUECKLASTSCHRIFT", "RÜCKLASTSCHRIFT", "RUECKBEL", "STORNO", "RUECKUEBERWEISUNG")


def reads_as_reversal(booking_text: str | None) -> bool:
    """Whether a booking text names a return or cancellation (:data:`REVERSAL_WORDS`)."""
    text = (booking_text or "").upper()
    return any(word in text for word in REVERSAL_WORDS)


def clean(text: str | None, *, limit: int = 255) -> str | None:
    """Whitespace collapsed, NFC, cut to ``limit``; ``None`` for empty or ``NOTPROVIDED``."""
    if text is None:
        return None
    value = " ".join(unicodedata.normalize("NFC", text).split())
    if not value or value.upper() in ("NOTPROVIDED", "NONREF", "NOT PROVIDED"):
        return None
    return value[:limit]


def split_sepa_keywords(purpose: str) -> tuple[dict[str, str], str]:
    """Extract ``EREF+ … SVWZ+ …`` fields; returns (fields, text without keywords).

    The free text is the ``SVWZ`` value when present, else whatever is not inside a
    keyword field.
    """
    fields: dict[str, str] = {}
    matches = list(_KEYWORD_RE.finditer(purpose))
    if not matches:
        return fields, purpose.strip()
    leading = purpose[: matches[0].start()].strip()
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(purpose)
        value = purpose[match.end() : end].strip()
        fields.setdefault(match[1], value)
    text = fields.get("SVWZ")
    if text is None:
        text = leading
    return fields, text.strip()


def join_chunks(lines: list[str] | tuple[str, ...], width: int) -> str:
    """Join fixed-width text chunks: no space after a full chunk (the bank cut the text
    there, often mid-word), one space after a shorter one."""
    out = ""
    for index, line in enumerate(lines):
        if index and len(lines[index - 1]) < width:
            out += " "
        out += line
    return " ".join(out.split())


def utf16_encoding(data: bytes) -> str | None:
    """ "utf-16" when ``data`` is UTF-16 text (with a byte order mark, or ASCII-heavy
    text with every other byte NUL), else ``None``."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:512]
    if len(head) >= 8:
        if head[1::2].count(0) > len(head) * 0.4:
            return "utf-16-le"
        if head[0::2].count(0) > len(head) * 0.4:
            return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """UTF-16 (by byte order mark or NUL pattern), UTF-8 (with or without BOM), else
    Windows-1252, else Latin-1 (never fails)."""
    wide = utf16_encoding(data)
    if wide is not None:
        try:
            return data.decode(wide).lstrip("\ufeff")
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
