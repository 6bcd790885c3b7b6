"""One entry point for statement files: detect the format (or take the caller's), unpack
zips safely, hand each file to its parser and check what it returns."""

from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO

import structlog

from belegsync.banking.camt import parse_camt
from belegsync.banking.checks import check_balances
from belegsync.banking.csv_format import parse_csv
from belegsync.banking.csv_mapping import CsvMapping
from belegsync.banking.csv_presets import PRESETS
from belegsync.banking.errors import StatementError
from belegsync.banking.model import ParsedStatement
from belegsync.banking.mt940_format import looks_like_mt940, parse_mt940
from belegsync.banking.sniff import refuse_non_statement, to_utf8
from belegsync.banking.text import decode_text
from belegsync.domain.errors import InvalidInput

log = structlog.get_logger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
MAX_ZIP_TOTAL_BYTES = 200 * 1024 * 1024
FORMATS = (
    "auto",
    "zip",
    "camt",
    "mt940",
    "csv",
    *(f"csv:{name}" for name in PRESETS),
    "csv:generic",
)
# For the upload form's format choice.
FORMAT_LABELS: dict[str, str] = {
    "auto": "automatisch erkennen",
    "camt": "CAMT.052/053/054 (XML)",
    "zip": "ZIP (CAMT)",
    "mt940": "MT940/MT942",
    **{f"csv:{name}": f"CSV {m.label}" for name, m in PRESETS.items()},
}
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
)


def normalise_format(fmt: str | None) -> str:
    """``None``/"auto" or one of :data:`FORMATS` (aliases: xml, camt.053, camt.052, sta)."""
    value = (fmt or "auto").strip().lower()
    aliases = {
        "xml": "camt",
        "camt.053": "camt",
        "camt.052": "camt",
        "camt.054": "camt",
        "sta": "mt940",
        "mt942": "mt940",
    }
    value = aliases.get(value, value)
    if value not in FORMATS:
        raise InvalidInput(
            f"Unbekanntes Format „{fmt}“; möglich sind {', '.join(FORMATS)}.",
            code="statement_format_unknown",
            message_en=f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.",
        )
    return value


def detect_format(data: bytes) -> str:
    """ "zip", "camt", "mt940" or "csv" from the content (UTF-8 or a legacy 8-bit
    encoding; :func:`to_utf8` has turned UTF-16 into UTF-8)."""
    if data[:4] == b"PK\x03\x04":
        return "zip"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "camt"
    if looks_like_mt940(decode_text(data[:65536])):
        return "mt940"
    return "csv"


def parse_statement_file(
    data: bytes, filename: str, fmt: str | None = None, *, csv_mapping: CsvMapping | None = None
) -> list[ParsedStatement]:
    """Every statement in the file; :class:`StatementError` (naming the line or element)
    for anything malformed, never a partial result."""
    if not data.strip():
        raise StatementError(filename, "Die Datei ist leer.", "The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise StatementError(
            filename, "Die Datei ist größer als 50 MB.", "The file is larger than 50 MB."
        )
    chosen = normalise_format(fmt)
    statements = _parse_any(data, filename, chosen, csv_mapping)
    for statement in statements:
        check_balances(statement, filename)
    return statements


def _parse_any(
    data: bytes, filename: str, chosen: str, csv_mapping: CsvMapping | None
) -> list[ParsedStatement]:
    if chosen == "csv:generic" and csv_mapping is None:
        raise InvalidInput(
            "Für csv:generic fehlt die Spaltenzuordnung.",
            code="csv_mapping_missing",
            message_en="csv:generic needs a column mapping.",
        )
    if data[:4] != b"PK\x03\x04":
        data = to_utf8(data)
    try:
        refuse_non_statement(data, filename)
        if chosen == "zip" or (chosen in ("auto", "camt") and data[:4] == b"PK\x03\x04"):
            return _parse_zip(data, filename, "camt" if chosen == "camt" else "auto")
        return _parse_single(data, filename, chosen, csv_mapping)
    except StatementError:
        raise
    except Exception:
        # A parser bug must still not leave a traceback for the user or half an import.
        log.exception("statement_parser_failed", filename=filename, format=chosen)
        raise StatementError(
            filename,
            "die Datei konnte nicht gelesen werden (interner Fehler, protokolliert).",
            "the file could not be read (internal error, logged).",
        ) from None


def _parse_single(
    data: bytes, source: str, fmt: str, csv_mapping: CsvMapping | None
) -> list[ParsedStatement]:
    if fmt in ("auto", "csv") and csv_mapping is not None:
        fmt = "csv:generic"
    if data[:4] != b"PK\x03\x04":
        data = to_utf8(data)
    refuse_non_statement(data, source)
    if fmt == "auto":
        fmt = detect_format(data)
        if fmt == "zip":
            raise StatementError(
                source,
                "ZIP-Dateien in ZIP-Dateien werden nicht gelesen.",
                "Nested ZIPs are refused.",
            )
    if fmt == "camt":
        return parse_camt(data, source)
    if fmt == "mt940":
        return parse_mt940(data, source)
    if fmt == "csv":
        return [parse_csv(data, None, source)]
    mapping = csv_mapping if fmt == "csv:generic" else PRESETS[fmt.split(":", 1)[1]]
    return [parse_csv(data, mapping, source)]


def _parse_zip(data: bytes, source: str, fmt_inside: str) -> list[ParsedStatement]:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not re.search(r"(^|/)\.", info.filename)
        ]
    except _ZIP_ERRORS as error:
        raise StatementError(
            source, f"ZIP-Datei nicht lesbar ({error}).", f"ZIP file not readable ({error})."
        ) from None
    if not members:
        raise StatementError(source, "Die ZIP-Datei ist leer.", "The ZIP file is empty.")
    if len(members) > MAX_ZIP_MEMBERS:
        raise StatementError(
            source, "Die ZIP-Datei enthält zu viele Dateien.", "The ZIP file holds too many files."
        )
    statements: list[ParsedStatement] = []
    total = 0
    for info in sorted(members, key=lambda i: i.filename):
        where = f"{source}/{info.filename}"
        content = _read_member(archive, info, where)
        total += len(content)
        if total > MAX_ZIP_TOTAL_BYTES:
            raise StatementError(
                source, "Der ZIP-Inhalt ist zu groß.", "The ZIP content is too large."
            )
        try:
            statements.extend(_parse_single(content, info.filename, fmt_inside, None))
        except StatementError as error:
            raise StatementError(
                f"{source} → {error.location}", error.problem_de, error.problem_en
            ) from None
    return statements


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    if info.file_size > MAX_FILE_BYTES:
        raise StatementError(where, "Die Datei ist zu groß.", "The file is too large.")
    try:
        with archive.open(info) as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    except _ZIP_ERRORS as error:
        raise StatementError(
            where, f"Datei im ZIP nicht lesbar ({error}).", f"file in ZIP not readable ({error})."
        ) from None
    if len(content) > MAX_FILE_BYTES:
        raise StatementError(where, "Die Datei ist zu groß.", "The file is too large.")
    return content
