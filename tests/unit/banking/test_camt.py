from __future__ import annotations

from datetime import date

import pytest

from belegsync.banking import StatementError, parse_statement_file
from belegsync.banking.camt import parse_camt
from unit.banking.fixtures import fixture


def test_camt053_v02_fields_batch_split_and_reversal() -> None:
    [statement] = parse_camt(fixture("camt053_v02_sparkasse.xml"))

    assert statement.format == "camt.053.001.02"
    assert statement.account_iban == "DE17100500000123456789"
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (
        1234567,
        1288067,
    )
    assert statement.bank_name == "Berliner Sparkasse"
    debit, credit, rent, service, returned = statement.transactions
    assert debit.amount_cents == -11900
    assert debit.booking_date == date(2024, 3, 4)
    assert debit.counterparty_name == "Bürobedarf Müller GmbH"
    assert debit.counterparty_iban == "DE89370400440532013000"
    assert debit.counterparty_bic == "COBADEFFXXX"
    assert debit.end_to_end_id == "RE-2024-0042"
    assert debit.mandate_reference == "M-778-2019"
    assert debit.creditor_id == "DE98ZZZ09999999999"
    assert debit.remittance_lines == ("Rechnung RE-2024-0042 vom 01.03.2024", "Kd-Nr. 4711")
    assert debit.remittance == "Rechnung RE-2024-0042 vom 01.03.2024 Kd-Nr. 4711"
    assert debit.bank_reference == "2024030409123456"
    assert debit.booking_text == "FOLGELASTSCHRIFT"
    assert credit.amount_cents == 238000
    assert (credit.original_amount_cents, credit.original_currency) == (229055, "CHF")
    assert credit.counterparty_name == "Schäfer & Söhne Bau KG"
    # One booking of 1,845.00 with two TxDtls becomes two transactions.
    assert (rent.amount_cents, service.amount_cents) == (-120000, -64500)
    assert rent.batch_reference == service.batch_reference == "SAMMLER-2024-03-04-01"
    assert (rent.end_to_end_id, service.end_to_end_id) == ("ER-0815", "ER-0816")
    assert service.counterparty_name == "IT-Service Becker e.K."
    assert returned.is_reversal
    assert returned.amount_cents == 11900
    # The reversal names the creditor of the debit it undoes.
    assert returned.counterparty_iban == "DE89370400440532013000"
    assert all(t.status == "booked" for t in statement.transactions)


def test_camt053_v08_party_wrappers_datetimes_and_unsplit_batch() -> None:
    [statement] = parse_camt(fixture("camt053_v08_dkb.xml"))

    assert statement.format == "camt.053.001.08"
    assert statement.account_bic == "BYLADEM1001"
    incoming, foreign, payroll, fee = statement.transactions
    # 2024-03-31T23:30Z is 1 April in Berlin.
    assert incoming.booking_date == date(2024, 4, 1)
    assert incoming.counterparty_name == "Gärtnerei Grünfeld GbR"
    assert incoming.counterparty_iban == "DE75512108001245126199"
    assert incoming.counterparty_bic == "SOLADEST600"
    assert incoming.remittance == "RF18539007547034"
    assert incoming.purpose_code == "GDDS"
    assert foreign.end_to_end_id is None  # NOTPROVIDED
    assert (foreign.original_amount_cents, foreign.original_currency) == (109900, "USD")
    # No amounts per TxDtls: one transaction, the batch reference kept for 1:n matching.
    assert payroll.amount_cents == -104600
    assert payroll.batch_reference == "LOHN-2024-04"
    assert fee.amount_cents == -20
    assert fee.remittance == "Entgelt Auslandsueberweisung"
    total = sum(t.amount_cents for t in statement.transactions)
    assert statement.opening_balance_cents + total == statement.closing_balance_cents  # type: ignore[operator]


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("camt052_v02_intraday.xml", "camt.052.001.02"),
        ("camt052_v08_intraday.xml", "camt.052.001.08"),
    ],
)
def test_camt052_pending_entries(name: str, version: str) -> None:
    [statement] = parse_camt(fixture(name))

    assert statement.format == version
    statuses = [t.status for t in statement.transactions]
    assert sorted(statuses) == ["booked", "pending"]


def test_camt052_v08_creditor_id_inside_pty() -> None:
    [statement] = parse_camt(fixture("camt052_v08_intraday.xml"))
    leasing = statement.transactions[0]
    assert leasing.creditor_id == "DE43ZZZ00000012345"
    assert leasing.mandate_reference == "KD-55410-01"
    assert leasing.counterparty_bic == "HELADEF1822"


def test_pending_line_without_booking_date_uses_value_date() -> None:
    [statement] = parse_camt(fixture("camt052_v02_intraday.xml"))
    pending = statement.transactions[1]
    assert pending.status == "pending"
    assert pending.booking_date == date(2024, 3, 7)


@pytest.mark.parametrize("version", ["03", "04", "05", "06", "07"])
def test_every_namespace_version_is_accepted(version: str) -> None:
    data = fixture("camt053_v08_dkb.xml").replace(
        b"camt.053.001.08", f"camt.053.001.{version}".encode()
    )
    [statement] = parse_camt(data)
    assert statement.format == f"camt.053.001.{version}"
    assert len(statement.transactions) == 4


def test_zip_of_several_statements() -> None:
    statements = parse_statement_file(fixture("camt_daily_statements.zip"), "auszuege.zip")

    assert [s.format for s in statements] == [
        "camt.053.001.02",
        "camt.052.001.02",
        "camt.053.001.08",
    ]
    assert [s.account_iban for s in statements] == [
        "DE17100500000123456789",
        "DE17100500000123456789",
        "DE02120300000000202051",
    ]


def _fifth_entry_broken() -> bytes:
    text = fixture("camt053_v02_sparkasse.xml").decode()
    # Entry 4 (the reversal) gets an amount no bank writes.
    head, tail = text.rsplit('<Amt Ccy="EUR">119.00</Amt>\n        <CdtDbtInd>CRDT', 1)
    return (head + '<Amt Ccy="EUR">11,900.00</Amt>\n        <CdtDbtInd>CRDT' + tail).encode()


def test_broken_amount_names_the_element_path() -> None:
    with pytest.raises(StatementError) as caught:
        parse_camt(_fifth_entry_broken())

    assert caught.value.location.startswith("/Document/BkToCstmrStmt/Stmt/Ntry[4]/Amt (Zeile ")
    assert "11,900.00" in caught.value.message
    assert "Es wurde nichts importiert" in caught.value.message
    assert "is not a valid amount" in caught.value.message_en


@pytest.mark.parametrize(
    ("old", "new", "where", "what"),
    [
        ("<CdtDbtInd>DBIT</CdtDbtInd>", "<CdtDbtInd>DEBIT</CdtDbtInd>", "Ntry[1]", "CdtDbtInd"),
        ("<Sts>BOOK</Sts>", "<Sts>DONE</Sts>", "Ntry[1]/Sts", "DONE"),
        (
            "<Dt>2024-03-04</Dt>\n        </BookgDt>",
            "<Dt>2024-02-30</Dt>\n        </BookgDt>",
            "Ntry[1]/BookgDt",
            "2024-02-30",
        ),
        (
            '<Amt Ccy="EUR">1200.00</Amt>',
            '<Amt Ccy="EUR">1100.00</Amt>',
            "Ntry[3]",
            "Sammelbuchung",
        ),
    ],
)
def test_broken_elements_are_named(old: str, new: str, where: str, what: str) -> None:
    data = fixture("camt053_v02_sparkasse.xml").decode().replace(old, new, 1).encode()
    with pytest.raises(StatementError) as caught:
        parse_camt(data)
    assert where in caught.value.location
    assert what in caught.value.message


def test_not_well_formed_names_the_line() -> None:
    data = fixture("camt053_v02_sparkasse.xml").replace(b"</Ntry>", b"</Ntri>", 1)
    with pytest.raises(StatementError) as caught:
        parse_camt(data)
    assert "Zeile" in caught.value.location
    assert "wohlgeformt" in caught.value.message


def test_entities_and_dtds_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&b;</Document>'
    )
    with pytest.raises(StatementError, match="DTD"):
        parse_camt(bomb)


def test_other_xml_is_refused() -> None:
    data = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>'
    )
    with pytest.raises(StatementError, match="kein CAMT"):
        parse_camt(data)


def test_an_account_iban_failing_its_checksum_is_kept_and_marked() -> None:
    data = fixture("camt053_v02_sparkasse.xml").replace(
        b"<IBAN>DE17100500000123456789</IBAN>", b"<IBAN>DE17 1005 0000 0123 4567 80</IBAN>", 1
    )

    [statement] = parse_camt(data)

    assert statement.account_iban == "DE17100500000123456780"
    assert not statement.account_valid
    assert len(statement.transactions) == 5


def test_an_absurd_amount_is_refused_with_its_element() -> None:
    """100 billion euros or more (``MAX_CENTS``): the format takes 15 digits, no
    account moves that much; before, it was imported as written."""
    text = fixture("camt053_v02_sparkasse.xml").decode()
    first = text.index('<Amt Ccy="EUR">', text.index("<Ntry>"))
    end = text.index("</Amt>", first)
    data = (text[:first] + '<Amt Ccy="EUR">100000000000.00' + text[end:]).encode()
    with pytest.raises(StatementError) as caught:
        parse_camt(data)
    assert caught.value.location.startswith("/Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt (Zeile ")
    assert "„100000000000.00“ ist als Betrag zu groß" in caught.value.message


def test_the_amount_as_ordered_at_the_entry_is_read_for_its_one_transaction() -> None:
    """Some banks write ``AmtDtls`` (the amount as ordered, before the banks' charges)
    at the entry instead of in its transaction's details."""
    text = fixture("camt053_v08_dkb.xml").decode()
    first = text.index("</BkTxCd>", text.index("<Ntry>")) + len("</BkTxCd>")
    ordered = '<AmtDtls><InstdAmt><Amt Ccy="EUR">869.30</Amt></InstdAmt></AmtDtls>'
    [statement] = parse_camt((text[:first] + ordered + text[first:]).encode())

    charged, *others = statement.transactions
    assert (charged.amount_cents, charged.original_amount_cents) == (85680, 86930)
    assert charged.original_currency == "EUR"
    [plain] = parse_camt(fixture("camt053_v08_dkb.xml"))
    assert [t.original_amount_cents for t in others] == [
        t.original_amount_cents for t in plain.transactions[1:]
    ]
