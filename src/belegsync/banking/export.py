"""Umsätze as CSV for Excel: semicolons, decimal comma, German dates, UTF-8 with BOM."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from belegsync.store.banking_repository import TransactionRow

HEADER = (
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


def excel_amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole},{part:02d}"


def _cell(text: str | None) -> str:
    # A leading =, +, - or @ would make Excel evaluate the cell as a formula.
    value = text or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


async def transactions_csv(
    batches: AsyncIterator[list[tuple[TransactionRow, tuple[str, ...]]]],
) -> AsyncIterator[bytes]:
    """The CSV as it is read: the BOM and the header first, then a chunk per batch of
    lines (each with the numbers of its linked vouchers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    yield _taken(buffer)
    async for rows in batches:
        writer.writerows(
            (
                row.booking_date.strftime("%d.%m.%Y"),
                row.value_date.strftime("%d.%m.%Y") if row.value_date else "",
                row.account_iban,
                excel_amount(row.amount_cents),
                row.currency,
                _cell(row.counterparty_name),
                _cell(row.counterparty_iban),
                _cell(row.remittance),
                _STATUS.get(row.status, row.status),
                _SOURCE.get(row.source, row.source),
                _cell(", ".join(vouchers)),
            )
            for row, vouchers in rows
        )
        yield _taken(buffer)


def _taken(buffer: io.StringIO) -> bytes:
    """What the buffer holds, encoded; the buffer emptied."""
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
