"""The Umsätze CSV is written by the same writer as the Belege CSV: one guard against
cells Excel would run as a formula. The Umsätze had one of their own that let a text
starting with a tab or a carriage return through (Excel drops them and reads on)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

from belegsync.store.banking_repository import TransactionRow
from belegsync.web.exports import transaction_row, transactions_csv


def _row(name: str, purpose: str, cents: int = -11900) -> TransactionRow:
    return TransactionRow(
        "t1",
        date(2025, 3, 4),
        None,
        cents,
        "EUR",
        name,
        None,
        purpose,
        "booked",
        False,
        "file",
        (),
        "DE89370400440532013000",
        "Girokonto",
    )


def test_texts_that_excel_would_run_are_quoted_in_every_column() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        line = transaction_row(_row(f"{start}HYPERLINK(1)", f"{start}cmd"), [f"{start}RE-1"])
        assert line[5] == f"'{start}HYPERLINK(1)" and line[7] == f"'{start}cmd"
        assert line[10] == f"'{start}RE-1"
    plain = transaction_row(_row("Müller GmbH", "Rechnung RE-1"), ["RE-1", "RE-2"])
    assert plain == [
        "04.03.2025",
        "",
        "DE89370400440532013000",
        "-119,00",
        "EUR",
        "Müller GmbH",
        "",
        "Rechnung RE-1",
        "gebucht",
        "Kontoauszug",
        "RE-1, RE-2",
    ]


def test_the_csv_streams_bom_header_and_every_line() -> None:
    async def batches() -> AsyncIterator[list[tuple[TransactionRow, tuple[str, ...]]]]:
        for start in range(0, 1200, 400):
            yield [(_row(f"Zahler {i}", "Miete", -100 * i), ()) for i in range(start, start + 400)]

    async def read() -> list[bytes]:
        return [chunk async for chunk in transactions_csv(batches())]

    chunks = asyncio.run(read())
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeffBuchungstag;Valuta;Konto;Betrag;")
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert len(lines) == 1 + 1200 + 1 and lines[-1] == ""
    assert lines[2] == (
        "04.03.2025;;DE89370400440532013000;-1,00;EUR;Zahler 1;;Miete;gebucht;Kontoauszug;"
    )
    assert len(chunks) > 2  # sent while it is read, not at the end
