from __future__ import annotations

import json
from datetime import date

import pytest

from belegsync.banking import StatementError, mapping_from_json
from belegsync.banking.csv_format import parse_csv
from belegsync.banking.csv_presets import ING, SPARKASSE
from belegsync.banking.text import parse_amount
from belegsync.domain.errors import InvalidInput
from unit.banking.fixtures import fixture


@pytest.mark.parametrize(
    "name", ["csv_sparkasse_camt_v2_cp1252.csv", "csv_sparkasse_camt_v2_utf8bom.csv"]
)
def test_sparkasse_csv_camt_v2(name: str) -> None:
    statement = parse_csv(fixture(name))

    assert statement.format == "csv:sparkasse"
    assert statement.account_iban == "DE17100500000123456789"
    pending, fee, card, credit, debit, rent = statement.transactions
    assert card.counterparty_name == "TANKSTELLE NORD"
    assert pending.status == "pending"  # "Umsatz vorgemerkt"
    assert fee.status == "booked"
    assert credit.amount_cents == 238000  # "2.380,00"
    assert credit.counterparty_name == "Schäfer & Söhne Bau KG"
    assert debit.booking_date == date(2024, 3, 4)  # "04.03.24"
    assert debit.creditor_id == "DE98ZZZ09999999999"
    assert debit.mandate_reference == "M-778-2019"
    assert debit.end_to_end_id == "RE-2024-0042"
    assert debit.counterparty_bic == "COBADEFFXXX"
    assert rent.batch_reference == "SAMMLER-2024-03-04-01"
    assert rent.amount_cents == -120000


@pytest.mark.parametrize("name", ["csv_ing_cp1252.csv", "csv_ing_utf8bom.csv"])
def test_ing_csv_with_preamble(name: str) -> None:
    statement = parse_csv(fixture(name))

    assert statement.format == "csv:ing"
    assert statement.account_iban == "DE12500105170648489890"  # from the preamble
    amounts = [t.amount_cents for t in statement.transactions]
    assert amounts == [-8900, 154700, -231844, 11900, -95000]
    assert (
        statement.transactions[1].counterparty_name == "Café Sonnenschein UG (haftungsbeschränkt)"
    )
    assert statement.transactions[3].is_reversal  # "Rücklastschrift"
    assert statement.transactions[0].currency == "EUR"


def test_generic_mapping_with_soll_haben_column() -> None:
    mapping = mapping_from_json(json.loads(fixture("csv_generic_volksbank.mapping.json")))
    statement = parse_csv(fixture("csv_generic_volksbank.csv"), mapping)

    assert statement.account_iban is None
    assert [t.amount_cents for t in statement.transactions] == [-11900, 119000, -4590]
    assert statement.transactions[0].booking_date == date(2024, 3, 4)
    assert statement.transactions[1].counterparty_iban == "DE02120300000000202051"


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("-1.234,56", -123456),
        ("1234,56", 123456),
        ("1.234,56 S", -123456),
        ("1.234,56 H", 123456),
        ("+12", 1200),
        ("0,5", 50),
        ("-0,01", -1),
    ],
)
def test_german_amounts(text: str, cents: int) -> None:
    assert parse_amount(text, "x") == cents


@pytest.mark.parametrize(
    "text",
    [
        "1,234.56",
        "12,345",
        "abc",
        "1.23,45",
        "",
        "1e3",
        # beyond what a bank books (and beyond a 64-bit column: a 500 on storing)
        "92233720368547758,08",
        "100.000.000.000,00",
    ],
)
def test_bad_german_amounts(text: str) -> None:
    with pytest.raises(StatementError):
        parse_amount(text, "x")


def test_broken_row_names_line_and_column() -> None:
    text = fixture("csv_sparkasse_camt_v2_utf8bom.csv").decode("utf-8-sig")
    lines = text.split("\r\n")
    lines[5] = lines[5].replace('"-119,00"', '"-119,0O"')
    with pytest.raises(StatementError) as caught:
        parse_csv("\r\n".join(lines).encode(), SPARKASSE)
    assert caught.value.location.startswith("Zeile 6 (line 6), Spalte „Betrag“")
    assert "-119,0O" in caught.value.message


def test_wrong_column_count_and_date() -> None:
    data = fixture("csv_ing_utf8bom.csv").decode("utf-8-sig")
    short = data.replace(";-89,00;EUR", "", 1).encode()
    with pytest.raises(StatementError) as caught:
        parse_csv(short, ING)
    assert caught.value.location == "Zeile 16 (line 16)"
    assert "Spalten" in caught.value.message
    bad_date = data.replace("07.03.2024;07.03.2024", "31.02.2024;07.03.2024", 1).encode()
    with pytest.raises(StatementError, match="kein Datum"):
        parse_csv(bad_date, ING)


def test_unknown_layout_asks_for_a_mapping() -> None:
    with pytest.raises(StatementError, match="ordnen Sie die Spalten zu") as caught:
        parse_csv(b"a;b;c\n1;2;3\n")
    assert caught.value.code == "csv_layout_unknown"


def test_mapping_needs_date_and_amount() -> None:
    with pytest.raises(InvalidInput):
        mapping_from_json({"date": "Datum"})
    with pytest.raises(InvalidInput):
        mapping_from_json({"date": "Datum", "amount": "Betrag", "colour": "blau"})
