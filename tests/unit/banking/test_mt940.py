from __future__ import annotations

from datetime import date

import pytest

from belegsync.banking import StatementError
from belegsync.banking.mt940_format import parse_mt940
from unit.banking.fixtures import fixture


def test_sparkasse_mt940_with_sepa_subfields() -> None:
    [statement] = parse_mt940(fixture("mt940_sparkasse.sta"))

    # :25: holds BLZ/Kontonummer; the IBAN is derived from it.
    assert statement.account_iban == "DE17100500000123456789"
    assert statement.currency == "EUR"
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (1234567, 1465477)
    assert statement.statement_id == "STARTUMSE"
    debit, credit, card, returned, fee_1, fee_2 = statement.transactions
    assert debit.amount_cents == -11900
    assert debit.booking_date == date(2024, 3, 4)
    assert debit.end_to_end_id == "RE-2024-0042"
    assert debit.mandate_reference == "M-778-2019"
    assert debit.creditor_id == "DE98ZZZ09999999999"
    assert debit.remittance == "Rechnung RE-2024-0042 vom 01.03.2024 Kd-Nr. 4711"
    # The raw ?20..?29 fields are kept, cut at 27 characters as the bank sent them.
    assert debit.remittance_lines[0] == "EREF+RE-2024-0042MREF+M-778"
    assert debit.counterparty_name == "Bürobedarf Müller GmbH"
    assert debit.counterparty_iban == "DE89370400440532013000"
    assert debit.counterparty_bic == "COBADEFFXXX"
    assert debit.booking_text == "FOLGELASTSCHRIFT"
    assert debit.purpose_code == "105"
    assert debit.bank_reference == "2403040912345"
    assert credit.amount_cents == 238000
    # ?32 and ?33 joined: the name was cut mid-word at 27 characters.
    assert credit.counterparty_name == "Schäfer & Söhne Bau Kommanditgesellschaft"
    assert credit.remittance == "AR-2024-0107 und AR-2024-0108 Danke"
    assert card.remittance == "GIROCARD 2024-03-05T12:14 TANKSTELLE NORD BERLIN"
    assert card.counterparty_iban is None
    assert returned.is_reversal and returned.amount_cents == 11900
    assert fee_1 == fee_2  # identical twins stay two transactions
    assert fee_1.location != fee_2.location
    total = sum(t.amount_cents for t in statement.transactions)
    assert statement.opening_balance_cents + total == statement.closing_balance_cents  # type: ignore[operator]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "cp1252"])
def test_encodings(encoding: str) -> None:
    data = fixture("mt940_sparkasse.sta").decode("cp1252").encode(encoding)
    [statement] = parse_mt940(data)
    assert statement.transactions[0].counterparty_name == "Bürobedarf Müller GmbH"


def test_unstructured_details_and_iban_in_25() -> None:
    data = (
        b":20:DEUTDEFF\r\n:25:DE89370400440532013000\r\n:28C:1/1\r\n:60F:C240101EUR0,00\r\n"
        b":61:2401020102C10,50NTRFKREF1//B1\r\n:86:Freitext ohne Felder\r\nzweite Zeile\r\n"
        b":62F:C240102EUR10,50\r\n"
    )
    [statement] = parse_mt940(data)
    assert statement.account_iban == "DE89370400440532013000"
    [txn] = statement.transactions
    assert txn.remittance_lines == ("Freitext ohne Felder", "zweite Zeile")
    assert txn.remittance == "Freitext ohne Felder zweite Zeile"


def _with_line(number: int, replacement: str) -> bytes:
    lines = fixture("mt940_sparkasse.sta").decode("cp1252").split("\r\n")
    lines[number - 1] = replacement
    return "\r\n".join(lines).encode("cp1252")


def test_fifth_transaction_broken_names_its_line() -> None:
    lines = fixture("mt940_sparkasse.sta").decode("cp1252").split("\r\n")
    fifth = [n for n, line in enumerate(lines, start=1) if line.startswith(":61:")][4]
    with pytest.raises(StatementError) as caught:
        parse_mt940(_with_line(fifth, ":61:2403060306DR12.50NMSCNONREF"))
    assert caught.value.location == f"Zeile {fifth} (line {fifth})"
    assert ":61:" in caught.value.message


@pytest.mark.parametrize(
    ("line", "text", "what"),
    [
        (4, ":60F:C240301EUR12345.67", "Saldo"),
        (5, ":61:2413040304DR119,00NDDTNONREF", ":61:"),
        (2, "hallo welt", "unerwartete Zeile"),
    ],
)
def test_broken_lines_are_named(line: int, text: str, what: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_mt940(_with_line(line, text))
    assert caught.value.location == f"Zeile {line} (line {line})"
    assert what in caught.value.message


def test_a_statement_without_account_line_leaves_the_account_to_the_user() -> None:
    data = fixture("mt940_sparkasse.sta").replace(b":25:10050000/0123456789\r\n", b"")

    statements = parse_mt940(data)

    assert {s.account_iban for s in statements} == {None}
    assert sum(len(s.transactions) for s in statements) == 6


def test_a_statement_cut_before_its_closing_balance_is_refused() -> None:
    data = fixture("mt940_sparkasse.sta")
    cut = data[: data.rindex(b":62F:")]

    with pytest.raises(StatementError, match=":62F:") as caught:
        parse_mt940(cut)
    assert caught.value.code == "statement_incomplete"


def _one_entry(mark: str, details: list[str]) -> bytes:
    """A statement of one :61: entry of 12,34 EUR with ``details`` as the :86: lines
    (wrapped at 65 characters as a bank writes them)."""
    amount, closing = ("12,34", "C240102EUR12,34") if mark == "C" else ("12,34", "D240102EUR12,34")
    lines = [
        ":20:STARTUMSE",
        ":25:10050000/0123456789",
        ":28C:1/1",
        ":60F:C240101EUR0,00",
        f":61:2401020102{mark}{amount}NDDTNONREF",
        ":86:" + details[0],
        *details[1:],
        f":62F:{closing}",
    ]
    return "\r\n".join(lines).encode("cp1252")


def test_a_space_where_the_first_details_line_wraps_is_kept() -> None:
    # the bank wraps :86: at 65 characters, here right after the space between
    # "RECHNUNG" and the number; a wrap inside a word joins without one
    first = "166?00SEPA-UEBERWEISUNG?20EREF+NOTPROVIDED?21SVWZ+RECHNUNG "
    assert len(":86:" + first) <= 65 and first.endswith(" ")
    data = _one_entry(
        "C", [first, "RE-2025-00170?22 SKONTO 11,41 EUR?32SCHAEFER UND SOEH", "NE GMBH"]
    )
    [statement] = parse_mt940(data)
    [txn] = statement.transactions
    assert txn.remittance == "RECHNUNG RE-2025-00170 SKONTO 11,41 EUR"
    assert txn.counterparty_name == "SCHAEFER UND SOEHNE GMBH"


@pytest.mark.parametrize(
    ("code", "booking_text"),
    [("109", "SEPA-DD SOLL RUECKBEL. CORE"), ("105", "RUECKLASTSCHRIFT"), ("159", "RETOURE")],
)
def test_a_returned_debit_booked_with_mark_c_or_d_is_a_reversal(
    code: str, booking_text: str
) -> None:
    # the :61: mark of a return is an ordinary C (money back) or D, not RD/RC: its
    # code and booking text say what it is, as a CSV's booking text does
    details = [f"{code}?00{booking_text}?20EREF+E2E-4711?21SVWZ+ORG BT 12,34 ENTG. 3,00"]
    [statement] = parse_mt940(_one_entry("C", details))
    [txn] = statement.transactions
    assert txn.is_reversal
    [ordinary] = (
        parse_mt940(_one_entry("C", ["166?00GUTSCHRIFT?20SVWZ+RE 4711"])).pop().transactions
    )
    assert not ordinary.is_reversal


def test_an_absurd_amount_is_refused_with_its_line() -> None:
    """100 billion euros or more (``MAX_CENTS``): no account moves it; before, it was
    imported as written."""
    with pytest.raises(StatementError) as caught:
        parse_mt940(_with_line(5, ":61:2403040304DR100000000000,00NDDTNONREF//2403040912345"))
    assert caught.value.location == "Zeile 5 (line 5)"
    assert "„100000000000,00“ ist als Betrag zu groß" in caught.value.message


_FOREIGN = """:20:STARTUMSE
:25:10050000/0123456789
:28C:00031/001
:60F:C240501EUR1000,00
:61:2405060506CR2487,50NTRFNONREF//2405060800001
/OCMT/EUR2500,00//CHGS/EUR12,50/
:86:202?00AUSLANDSUEBERWEISUNG?20/RFB/RE-2024-0117 INVOICE 0?21117?32ALPENHOLZ AG
:61:2405060506CR1512,40NTRFNONREF//2405060800002
/OCMT/CHF1450,00/
:86:202?00AUSLANDSUEBERWEISUNG?20INVOICE RE-2024-0120?32ALPENHOLZ AG
:61:2405070507D613,50NRTINONREF//2405070900001
/OCMT/EUR595,00//CHGS/EUR18,50/
:86:109?00RUECKLASTSCHRIFT?20EREF+RE-2024-0099?32MUELLER BAU GMBH
:61:2405070507CR100,00NTRFNONREF
GUTSCHRIFT
:86:166?00GUTSCHRIFT?20RE-2024-0101?32KUNDE
:62F:C240507EUR4486,40
-
"""


def test_the_amount_as_ordered_is_read_from_the_supplementary_details() -> None:
    """DFÜ-Abkommen, Anlage 3: :61:'s supplementary details carry the amount as ordered
    (``/OCMT/``) and the charges (``/CHGS/``) of a foreign transfer or a return."""
    [statement] = parse_mt940(_FOREIGN.encode("latin-1"))
    charged, exchanged, returned, plain = statement.transactions

    assert (charged.amount_cents, charged.original_amount_cents) == (248750, 250000)
    assert charged.original_currency == "EUR"
    assert (exchanged.original_amount_cents, exchanged.original_currency) == (145000, "CHF")
    # a return holds the charges on top of what was collected
    assert (returned.amount_cents, returned.original_amount_cents) == (-61350, 59500)
    assert returned.is_reversal
    assert (plain.original_amount_cents, plain.original_currency) == (None, None)


def test_an_absurd_amount_as_ordered_is_refused_with_its_line() -> None:
    data = _FOREIGN.replace("/OCMT/EUR2500,00/", "/OCMT/EUR100000000000,00/")
    with pytest.raises(StatementError) as caught:
        parse_mt940(data.encode("latin-1"))
    assert caught.value.location.startswith("Zeile 5")
    assert "als Betrag zu groß" in caught.value.message


@pytest.mark.parametrize("account", ["\u00b20050000/0123456789", "\uff110050000/0123456789"])
def test_an_account_field_with_digits_of_other_scripts_is_kept_as_written(account: str) -> None:
    """Found by the damage test (Hypothesis): „²0050000/0123456789“ in ``:25:`` passed
    ``str.isdigit`` and reached schwifty, whose checksum raised a KeyError — a 500
    instead of the account kept as written and marked."""
    data = fixture("corpus/mt940_sparkasse.sta").decode("latin-1")
    original = data.split(":25:", 1)[1].split("\r\n", 1)[0]
    damaged = data.replace(f":25:{original}", f":25:{account}", 1).encode("utf-8")
    statements = parse_mt940(damaged)
    assert statements and all(not s.account_valid for s in statements[:1])
