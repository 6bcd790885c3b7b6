"""Exports: Belege and Umsätze as CSV for Excel, a period's files as a ZIP.

CSV for a German Excel: semicolons, decimal comma, dates as TT.MM.JJJJ, UTF-8 with BOM
(so umlauts open correctly), and texts that start like a formula are quoted with an
apostrophe. The ZIP is written while it is sent: one file in memory at a time.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from datetime import date

import anyio

from belegsync.store.banking_repository import TransactionRow
from belegsync.store.uow import UnitOfWork, UnitOfWorkFactory
from belegsync.store.voucher_detail import ExportFile
from belegsync.store.voucher_list import VoucherRow
from belegsync.web.filenames import unique, voucher_file_name
from belegsync.web.labels import show
from belegsync.web.voucher_query import account_cents

BOM = "\ufeff"
MISSING_NOTE = "FEHLENDE_DATEIEN.txt"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def decimal_comma(cents: int | None) -> str:
    """``-110,28``: no thousands separator, so Excel reads it as a number."""
    if cents is None:
        return ""
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units},{rest:02d}"


def csv_header(gettext: Callable[[str], str]) -> list[str]:
    return [
        gettext("Belegdatum"),
        gettext("Belegnummer"),
        gettext("Belegart"),
        gettext("Kontakt"),
        gettext("Betrag"),
        gettext("Währung"),
        gettext("Bezahlt am"),
        gettext("Status in Lexware"),
        gettext("Abgleich"),
        gettext("Prüfung"),
    ]


def csv_row(row: VoucherRow, gettext: Callable[[str], str]) -> list[str]:
    return [
        _day(row.voucher_date),
        _text(row.voucher_number),
        show(gettext, "voucher_type", row.voucher_type),
        _text(row.contact_name),
        decimal_comma(account_cents(row.voucher_type, row.total_gross_cents)),
        row.currency,
        _day(row.paid_date),
        show(gettext, "voucher_status", row.voucher_status),
        show(gettext, "match_state", row.match_state) if row.match_state else "",
        show(gettext, "review_reason", row.review_reason) if row.review_reason else "",
    ]


def read_while_sent(
    uow_factory: UnitOfWorkFactory, chunks: Callable[[UnitOfWork], AsyncGenerator[bytes, None]]
) -> AsyncIterator[bytes]:
    """The ``chunks`` of an export, made from what they read in a read-only unit of work
    (no write lock) held while they are sent.

    A client that leaves mid-download cancels the stream. Each chunk is made shielded
    from that, so the cancellation lands while a chunk is sent, never inside a database
    read (a driver call cancelled halfway leaves its connection to be torn down, and
    SQLAlchemy's clean-up of it logged "Task was destroyed but it is pending!"). The
    chunks and the unit are then closed, in that order, shielded too."""

    async def body() -> AsyncIterator[bytes]:
        uow = uow_factory.read_only()
        await uow.__aenter__()
        made = chunks(uow)
        try:
            while True:
                with anyio.CancelScope(shield=True):
                    chunk = await anext(made, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            with anyio.CancelScope(shield=True):
                await made.aclose()
                await uow.__aexit__(None, None, None)

    return body()


async def voucher_csv(
    rows: AsyncIterator[VoucherRow], gettext: Callable[[str], str], *, batch: int = 500
) -> AsyncGenerator[bytes, None]:
    """The Belege as CSV in chunks of ``batch`` lines, BOM first."""

    async def lines() -> AsyncIterator[list[str]]:
        async for row in rows:
            yield csv_row(row, gettext)

    async for chunk in excel_csv(csv_header(gettext), lines(), batch=batch):
        yield chunk


TRANSACTION_HEADER = (
    "Buchungstag",
    "Valuta",
    "Konto",
    "Betrag",
    "Währung",
    "Gegenpartei",
    "IBAN Gegenpartei",
    "Verwendungszweck",
    "Status",
    "Quelle",
    "Belege",
)
_STATUS = {"booked": "gebucht", "pending": "vorgemerkt"}
_SOURCE = {"file": "Kontoauszug", "connection": "Bankverbindung", "external": "extern"}


def transaction_row(row: TransactionRow, vouchers: Sequence[str]) -> list[str]:
    """One line of the Umsätze CSV, with the numbers of the vouchers linked to it."""
    return [
        _day(row.booking_date),
        _day(row.value_date),
        row.account_iban,
        decimal_comma(row.amount_cents),
        row.currency,
        _text(row.counterparty_name),
        _text(row.counterparty_iban),
        _text(row.remittance),
        _STATUS.get(row.status, row.status),
        _SOURCE.get(row.source, row.source),
        _text(", ".join(vouchers)),
    ]


async def transactions_csv(
    batches: AsyncIterator[list[tuple[TransactionRow, tuple[str, ...]]]],
) -> AsyncGenerator[bytes, None]:
    """The Umsätze as CSV (``banking.queries.transaction_batches``), as they are read."""

    async def lines() -> AsyncIterator[list[str]]:
        async for rows in batches:
            for row, vouchers in rows:
                yield transaction_row(row, vouchers)

    async for chunk in excel_csv(TRANSACTION_HEADER, lines()):
        yield chunk


async def excel_csv(
    header: Sequence[str], lines: AsyncIterator[Sequence[str]], *, batch: int = 500
) -> AsyncGenerator[bytes, None]:
    """CSV for a German Excel (semicolons, CRLF, UTF-8 with BOM) in chunks of ``batch``
    lines, the BOM and the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    count = 0
    async for line in lines:
        writer.writerow(line)
        count += 1
        if count % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


class _Chunks(io.RawIOBase):
    """A write-only, non-seekable sink: zipfile writes, the response takes the bytes."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


async def files_zip(
    files: AsyncIterator[ExportFile],
    read: Callable[[str], Awaitable[bytes | None]],
    missing_note: Callable[[list[str]], str],
) -> AsyncGenerator[bytes, None]:
    """A ZIP of ``files`` named ``Datum_Nummer_Kontakt.ext``; ``read(sha256)`` gives the
    bytes or ``None`` when the file store lacks them: those are listed in a note file
    in the ZIP (nothing left out silently). PDFs and images are stored, XML deflated."""
    sink = _Chunks()
    missing: list[str] = []
    taken: set[str] = set()
    per_voucher: dict[str, int] = {}
    with zipfile.ZipFile(sink, mode="w") as archive:
        async for f in files:
            index = per_voucher[f.voucher_id] = per_voucher.get(f.voucher_id, 0) + 1
            name = unique(
                voucher_file_name(
                    f.voucher_date,
                    f.voucher_number,
                    f.contact_name,
                    f.media_type,
                    f.filename,
                    index,
                ),
                taken,
            )
            data = await read(f.sha256)
            if data is None:
                missing.append(name)
                continue
            info = zipfile.ZipInfo(name, date_time=(*f.voucher_date.timetuple()[:3], 12, 0, 0))
            compress = f.media_type in ("application/xml", "text/xml")
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            archive.writestr(info, data)
            yield sink.take()
        if missing:
            archive.writestr(MISSING_NOTE, missing_note(missing).encode("utf-8"))
    yield sink.take()
