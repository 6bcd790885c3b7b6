"""What a file is when it is not a statement, and UTF-16 text turned into UTF-8."""

from __future__ import annotations

import re

from belegsync.banking.errors import StatementError
from belegsync.banking.text import utf16_encoding

_EXPORT_ADVICE_DE = (
    "Bitte laden Sie im Online-Banking den Kontoauszug als CAMT (XML), MT940 oder CSV herunter "
    "und diese Datei hoch."
)
_EXPORT_ADVICE_EN = (
    "Please download the statement from online banking as CAMT (XML), MT940 or CSV and "
    "upload that file."
)
_MAGIC = (
    (b"%PDF-", "eine PDF-Datei", "a PDF file"),
    (b"\x89PNG", "ein Bild (PNG)", "an image (PNG)"),
    (b"\xff\xd8\xff", "ein Bild (JPEG)", "an image (JPEG)"),
    (b"GIF8", "ein Bild (GIF)", "an image (GIF)"),
    (b"\xd0\xcf\x11\xe0", "eine alte Excel- oder Word-Datei", "an old Excel or Word file"),
    (b"{\\rtf", "ein RTF-Dokument", "an RTF document"),
)
_XML_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding=)([\"'])[Uu][Tt][Ff]-?16[^\"']*\2")


def to_utf8(data: bytes) -> bytes:
    """UTF-16 text (a CAMT file saved by Windows tools, a CSV from Excel) as UTF-8, with
    the XML declaration's encoding changed to match; other bytes unchanged."""
    encoding = utf16_encoding(data)
    if encoding is None:
        return data
    try:
        text = data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        return data
    converted = text.encode("utf-8")
    return _XML_ENCODING.sub(rb"\1\2UTF-8\2", converted, count=1)


def refuse_non_statement(data: bytes, source: str) -> None:
    """A :class:`StatementError` naming what the file is when it cannot be a statement."""
    head = data[:8].lstrip()
    for magic, what_de, what_en in _MAGIC:
        if head.startswith(magic):
            _refuse(source, what_de, what_en)
    if data[:4] == b"PK\x03\x04":
        if b"xl/" in data[:2000] or b"word/" in data[:2000]:
            _refuse(source, "eine Excel- oder Word-Datei", "an Excel or Word file")
        return  # a ZIP: its members are checked one by one
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if sample and (b"\x00" in sample or controls > len(sample) // 50):
        _refuse(source, "eine Binärdatei", "a binary file")


def _refuse(source: str, what_de: str, what_en: str) -> None:
    raise StatementError(
        source,
        f"das ist {what_de}, kein Kontoauszug in einem lesbaren Format.",
        f"this is {what_en}, not a statement in a readable format.",
        code="statement_not_a_statement",
        advice_de=_EXPORT_ADVICE_DE,
        advice_en=_EXPORT_ADVICE_EN,
    )
