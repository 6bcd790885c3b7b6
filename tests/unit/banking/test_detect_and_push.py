from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from belegsync.banking import StatementError, detect_format, import_hashes, parse_statement_file
from belegsync.banking.push import parse_pushed
from belegsync.domain.errors import InvalidInput
from unit.banking.fixtures import fixture


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("camt053_v02_sparkasse.xml", "camt"),
        ("camt_daily_statements.zip", "zip"),
        ("mt940_sparkasse.sta", "mt940"),
        ("csv_sparkasse_camt_v2_cp1252.csv", "csv"),
        ("csv_ing_utf8bom.csv", "csv"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(fixture(name)) == fmt


def test_explicit_format_overrides_detection() -> None:
    # Read as MT940, a CAMT file is refused (with the line), not silently accepted.
    with pytest.raises(StatementError, match="Zeile"):
        parse_statement_file(fixture("camt053_v02_sparkasse.xml"), "a.xml", "mt940")
    [statement] = parse_statement_file(
        fixture("csv_sparkasse_camt_v2_cp1252.csv"), "a.csv", "csv:sparkasse"
    )
    assert statement.format == "csv:sparkasse"


def test_unknown_format_and_missing_mapping() -> None:
    with pytest.raises(InvalidInput, match="Unbekanntes Format"):
        parse_statement_file(b"x", "a", "qif")
    with pytest.raises(InvalidInput, match="Spaltenzuordnung"):
        parse_statement_file(b"x", "a", "csv:generic")


def test_empty_file() -> None:
    with pytest.raises(StatementError, match="leer"):
        parse_statement_file(b"  \n", "leer.csv")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_broken_member_of_a_zip_names_member_and_element() -> None:
    broken = fixture("camt053_v08_dkb.xml").replace(b"<Cd>BOOK</Cd>", b"<Cd>BOKK</Cd>", 1)
    data = _zip({"a.xml": fixture("camt052_v08_intraday.xml"), "b.xml": broken})
    with pytest.raises(StatementError) as caught:
        parse_statement_file(data, "auszug.zip")
    assert caught.value.location.startswith("auszug.zip → /Document/BkToCstmrStmt/Stmt/Ntry[1]/Sts")
    assert "BOKK" in caught.value.message


def test_nested_and_empty_zips_are_refused() -> None:
    with pytest.raises(StatementError, match="ZIP"):
        parse_statement_file(_zip({"inner.zip": _zip({"a.xml": b"<a/>"})}), "outer.zip")
    with pytest.raises(StatementError, match="leer"):
        parse_statement_file(_zip({"__MACOSX/._a.xml": b"x"}), "mac.zip")


def test_import_hash_is_stable_and_counts_twins() -> None:
    [statement] = parse_statement_file(fixture("mt940_sparkasse.sta"), "a.sta")
    hashes = import_hashes(statement.transactions)
    assert len(set(hashes)) == len(hashes)  # the two identical fees differ by index
    assert import_hashes(statement.transactions) == hashes
    # A later file holding only the second fee would call it occurrence 0 of that day.
    assert import_hashes(statement.transactions[4:5]) == [hashes[4]]


def test_pushed_transactions_are_validated() -> None:
    [txn] = parse_pushed(
        [
            {
                "booking_date": "2024-03-04",
                "amount": "-119.00",
                "counterparty_iban": "DE89 3704 0044 0532 0130 00",
                "remittance_lines": ["Rechnung RE-2024-", "0042"],
                "end_to_end_id": "RE-2024-0042",
                "bank_reference": "bank-tx-1",
            }
        ]
    )
    assert txn.amount_cents == -11900
    assert txn.booking_date == date(2024, 3, 4)
    assert txn.counterparty_iban == "DE89370400440532013000"
    assert (
        parse_pushed([{"booking_date": "2024-03-04", "amount": Decimal("5.5")}])[0].amount_cents
        == 550
    )


@pytest.mark.parametrize(
    ("item", "where"),
    [
        ({"booking_date": "2024-03-04", "amount": 1.5}, "transactions[1].amount"),
        ({"booking_date": "04.03.2024", "amount": "1.00"}, "transactions[1].booking_date"),
        ({"booking_date": "2024-03-04"}, "transactions[1].amount"),
        ({"booking_date": "2024-03-04", "amount": "1", "status": "x"}, "transactions[1].status"),
        ({"booking_date": "2024-03-04", "amount": "1", "iban": "x"}, "transactions[1].iban"),
        ({"booking_date": "2024-03-04", "amount": "1.001"}, "transactions[1].amount"),
        ({"booking_date": "2024-03-04", "amount": "0.00"}, "transactions[1].amount"),
        ({"booking_date": "2024-03-04", "amount": "--10"}, "transactions[1].amount"),
        ({"booking_date": "2024-03-04", "amount": "+-10"}, "transactions[1].amount"),
        ({"booking_date": "2024-03-04", "amount": 10**20}, "transactions[1].amount"),
        ({"booking_date": "2024-03-04", "amount": Decimal("1e400")}, "transactions[1].amount"),
        ({"booking_date": "2024-03-04", "amount": "NaN"}, "transactions[1].amount"),
        (
            {"booking_date": "2024-03-04", "amount": "1", "is_reversal": "yes"},
            "transactions[1].is_reversal",
        ),
        (
            {"booking_date": "2024-03-04", "amount": "1", "remittance": "x" * 1_000_000},
            "transactions[1].remittance",
        ),
        ({"booking_date": "99999-03-04", "amount": "1"}, "transactions[1].booking_date"),
        ({"booking_date": "1900-03-04", "amount": "1"}, "transactions[1].booking_date"),
    ],
)
def test_bad_pushed_item_names_index_and_field(item: dict[str, object], where: str) -> None:
    good = {"booking_date": "2024-03-04", "amount": "1.00"}
    with pytest.raises(StatementError) as caught:
        parse_pushed([good, item])
    assert caught.value.location == where


def test_a_pushed_counterparty_iban_failing_its_checksum_is_kept_and_marked() -> None:
    [txn] = parse_pushed(
        [{"booking_date": "2024-03-04", "amount": "-5", "counterparty_iban": "DE00 1234"}]
    )

    assert txn.counterparty_iban == "DE001234"
    assert txn.identifier_issues == ("counterparty_iban_invalid",)
