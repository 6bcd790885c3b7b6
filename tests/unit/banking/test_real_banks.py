"""What the corpus files show about each layout, field by field."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from belegsync.banking import StatementError, parse_statement_file
from belegsync.banking.csv_format import detect_presets, parse_csv
from belegsync.banking.model import ParsedStatement, ParsedTransaction
from unit.banking.fixtures import fixture


def corpus(name: str) -> bytes:
    return fixture(f"corpus/{name}")


def parse(name: str) -> list[ParsedStatement]:
    return parse_statement_file(corpus(name), name)


def txns(name: str) -> list[ParsedTransaction]:
    return [t for s in parse(name) for t in s.transactions]


def test_identifiers_failing_validation_are_kept_as_written_and_marked() -> None:
    [statement] = parse("camt053_001_04_volksbank.xml")
    rent, bakery, power = statement.transactions
    assert rent.counterparty_iban == "DE00701500001000123456"
    assert rent.identifier_issues == ("counterparty_iban_invalid",)  # SSKMDEMM is a valid BIC
    assert bakery.identifier_issues == ("counterparty_iban_invalid", "counterparty_bic_invalid")
    assert power.identifier_issues == ()
    [anonymised] = parse("camt053_001_02_anonymised.xml")
    assert (anonymised.account_iban, anonymised.account_valid) == ("DE00123456789012345678", False)


def test_sparkasse_csv_camt_with_a_legacy_kontonummer_as_account() -> None:
    [statement] = parse("csv_sparkasse_camt_v2.csv")
    assert (statement.account_iban, statement.account_valid) == ("0123456789", False)
    assert [t.status for t in statement.transactions] == ["booked"] * 3 + ["pending"]
    telekom = statement.transactions[0]
    assert (telekom.mandate_reference, telekom.creditor_id) == ("M-TK-0815", "DE33ZZZ00000012345")


def test_sparkasse_csv_mt940_makes_the_iban_of_kontonummer_and_blz() -> None:
    rent = txns("csv_sparkasse_mt940.csv")[2]
    assert rent.counterparty_iban == "DE52701500001000123456"
    assert rent.identifier_issues == ()


def test_commerzbank_mt940_type_code_followed_by_a_reference() -> None:
    first, second, third = txns("mt940_commerzbank.sta")
    assert (first.amount_cents, first.bank_reference) == (-1250, "2016010412345678")
    assert second.bank_reference == "2016010412345679"
    assert third.amount_cents == -35000


def test_legacy_mt940_free_text_and_storno() -> None:
    out, storno, credit = txns("mt940_lbbw_legacy.sta")
    assert (storno.amount_cents, storno.is_reversal) == (-20000, True)
    assert credit.remittance == "GUTSCHRIFT KUNDE 4711 RE-2023-0199"
    assert out.counterparty_iban is None


def test_mt942_sums_must_match_the_entries() -> None:
    data = corpus("mt942_sparkasse.sta").replace(b":90D:2EUR64,99", b":90D:2EUR64,98")
    with pytest.raises(StatementError, match=":90D:") as caught:
        parse_statement_file(data, "mt942.sta")
    assert caught.value.code == "statement_incomplete"


def test_a_camt_statement_whose_balances_do_not_add_up_is_refused() -> None:
    data = corpus("camt053_001_08_dkb.xml").replace(b"<Id>DKB-2024-06-02</Id>", b"<Id>X</Id>", 1)
    parse_statement_file(data, "ok.xml")
    damaged = data.replace(b'<Amt Ccy="EUR">452.10</Amt>', b'<Amt Ccy="EUR">425.10</Amt>', 1)
    assert damaged != data
    with pytest.raises(StatementError, match="Endsaldo") as caught:
        parse_statement_file(damaged, "damaged.xml")
    assert "Auszug X" in caught.value.message


def test_qonto_days_are_berlin_days_and_declined_payments_are_left_out() -> None:
    card, transfer, parking = txns("csv_qonto.csv")
    assert transfer.booking_date == date(2024, 6, 5)  # 23:30 UTC on 4 June
    assert (card.amount_cents, parking.bank_reference) == (-5990, "tx-0004")


def test_paypal_fee_is_a_transaction_of_its_own_and_memos_are_left_out() -> None:
    payment, fee, debit, topup = txns("csv_paypal.csv")
    assert (payment.amount_cents, fee.amount_cents) == (11900, -271)
    assert fee.bank_reference == "0AB12345CD6789012-GEBUEHR"
    assert payment.remittance == "RE-2024-0073"
    assert (debit.amount_cents, topup.amount_cents) == (-4500, 4500)


def test_deutsche_bank_soll_haben_and_balance_footer() -> None:
    [statement] = parse("csv_deutsche_bank.csv")
    assert [t.amount_cents for t in statement.transactions] == [-99999, 471100, -3500]
    assert statement.account_iban is None


def test_dkb_new_layout_names_the_other_party_by_direction() -> None:
    lumber, customer, phone = txns("csv_dkb_new.csv")
    assert lumber.counterparty_name == "Holzhandel Berger GmbH"
    assert customer.counterparty_name == "Müller Immobilien KG"
    assert phone.status == "pending"


@pytest.mark.parametrize(
    ("name", "preset"),
    [
        ("csv_sparkasse_camt_v2.csv", "sparkasse"),
        ("csv_sparkasse_mt940.csv", "sparkasse-mt940"),
        ("csv_ing.csv", "ing"),
        ("csv_dkb_old.csv", "dkb-alt"),
        ("csv_dkb_new.csv", "dkb"),
        ("csv_commerzbank.csv", "commerzbank"),
        ("csv_deutsche_bank.csv", "deutsche-bank"),
        ("csv_postbank.csv", "postbank"),
        ("csv_volksbank.csv", "volksbank"),
        ("csv_n26.csv", "n26"),
        ("csv_qonto.csv", "qonto"),
        ("csv_paypal.csv", "paypal"),
    ],
)
def test_each_csv_header_fingerprint_names_one_layout(name: str, preset: str) -> None:
    from belegsync.banking.text import decode_text

    assert [m.name for m in detect_presets(decode_text(corpus(name)))] == [preset]


def test_a_matching_header_with_values_that_do_not_validate_imports_nothing() -> None:
    data = corpus("csv_volksbank.csv").replace(b"10.09.2024", b"2024-09-10")
    with pytest.raises(StatementError, match="kein Datum"):
        parse_csv(data, None, "x.csv")
    with pytest.raises(StatementError, match="kein gültiger Betrag"):
        parse_csv(corpus("csv_n26.csv").replace(b'"-980.00"', b'"-980,00"'), None, "n.csv")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF-Datei"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\x00\x01\x02\x03binary\x00\x00\x05" * 20, "Binärdatei"),
    ],
)
def test_files_that_are_no_statement_are_named(data: bytes, what: str) -> None:
    with pytest.raises(StatementError, match=what) as caught:
        parse_statement_file(data, "auszug.pdf")
    assert caught.value.code == "statement_not_a_statement"
    assert "CAMT (XML), MT940 oder CSV" in caught.value.message


def test_an_excel_workbook_is_named() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(StatementError, match="Excel"):
        parse_statement_file(buffer.getvalue(), "umsaetze.xlsx")


def test_utf16_camt_and_csv_are_read() -> None:
    [statement] = parse("camt053_001_03_utf16.xml")
    assert statement.transactions[0].remittance == "Abschlag Strom August für Werkstatt"
    wide = corpus("csv_volksbank.csv").decode("cp1252").encode("utf-16")
    assert len(parse_csv(wide, None, "v.csv").transactions) == 3
