"""Reason codes read as plain German and English, never as scores or deltas."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegsync.domain.matching_reasons import describe, describe_all, format_cents_de


@pytest.mark.parametrize(
    ("code", "german", "english"),
    [
        ("amount:exact:+0", "Betrag stimmt auf den Cent", "Amount matches to the cent"),
        (
            "days:paid:-4",
            "4 Tage vor dem Zahldatum in Lexware",
            "4 days before the paid date in Lexware",
        ),
        (
            "days:paid:+1",
            "1 Tag nach dem Zahldatum in Lexware",
            "1 day after the paid date in Lexware",
        ),
        ("days:voucher:+0", "Gebucht am Belegdatum", "Booked on the voucher date"),
        (
            "reference:RE-2024-0042",
            "Rechnungsnummer RE-2024-0042 im Verwendungszweck",
            "Invoice number RE-2024-0042 in the purpose",
        ),
        (
            "reference:customer 10051",
            "Kundennummer 10051 im Verwendungszweck",
            "Customer number 10051 in the purpose",
        ),
        (
            "amount:skonto:-300",
            "Betrag nach Skonto (3,00 € weniger)",
            "Amount after cash discount (€3.00 less)",
        ),
        (
            "amount:fee:-150",
            "1,50 € weniger als erwartet (Bankgebühr)",
            "€1.50 less than expected (bank fee)",
        ),
        (
            "counterparty:identifier_known",
            "IBAN bzw. Gläubiger-ID des Kontakts bekannt",
            "IBAN or creditor id of the contact known",
        ),
        (
            "recurring:monthly",
            "Wiederkehrende Zahlung (monatlich), gleicher Betrag wie bisher",
            "Recurring payment (monthly), same amount as before",
        ),
        ("period:02/2026", "Zeitraum 02/2026 im Verwendungszweck", "Period 02/2026 in the purpose"),
        (
            "period_other:04/2024",
            "Verwendungszweck nennt einen anderen Zeitraum (04/2024)",
            "The purpose names another period (04/2024)",
        ),
        ("payout:SumUp:5", "Auszahlung von SumUp für 5 Verkäufe", "Payout from SumUp for 5 sales"),
        (
            "payout:Terminalpay Europe GmbH:1",
            "Auszahlung von Terminalpay Europe GmbH für 1 Verkauf",
            "Payout from Terminalpay Europe GmbH for 1 sale",
        ),
        (
            "counted:3",
            "Sammelbuchung über 3 Posten: nur diese ergeben den Betrag",
            "Batch of 3 items: only these make the amount",
        ),
        (
            "counted:12:first",
            "Sammelbuchung über 12 Posten: die ältesten offenen Rechnungen ergeben den Betrag",
            "Batch of 12 items: the oldest open invoices make the amount",
        ),
        (
            "counted:4:oldest",
            "Sammelbuchung über 4 Posten: diese Beträge ergeben den Betrag, "
            "von gleich hohen Rechnungen die ältesten",
            "Batch of 4 items: these amounts make the amount, "
            "of invoices of equal amount the oldest",
        ),
        (
            "family:Böhm",
            "Sammelzahlung für mehrere Personen namens Böhm: nur diese ergeben den Betrag",
            "One transfer for several persons named Böhm: only these make the amount",
        ),
        (
            "collected_before_voucher",
            "Kurz vor dem Belegdatum gebucht (etwa eine Lastschrift vor der Rechnung): "
            "bitte prüfen",
            "Booked shortly before the voucher date (a direct debit before the invoice, "
            "say): please check",
        ),
        (
            "family_name:Krämer",
            "Kontoinhaber mit dem Familiennamen des Kontakts (Krämer): bitte prüfen",
            "An account holder with the contact's family name (Krämer): please check",
        ),
        (
            "number_mistyped:RE-2024-00026",
            "RE-2024-00026 im Verwendungszweck: Belegnummer mit Zahlendreher oder "
            "Tippfehler? Bitte prüfen",
            "RE-2024-00026 in the purpose: the voucher number with digits swapped or "
            "mistyped? Please check",
        ),
        (
            "reference:date 2024-10-14",
            "Belegdatum 14.10.2024 im Verwendungszweck (Tag des Kaufs)",
            "Voucher date 2024-10-14 in the purpose (day of purchase)",
        ),
        (
            "instalment:1",
            "1. Rate laut Verwendungszweck, der Kontakt genannt, weniger als der Beleg: "
            "bitte prüfen",
            "Instalment 1 by the purpose, naming the contact, less than the voucher: please check",
        ),
        (
            "name_abbreviated:LZK BW",
            "Kontoinhaber „LZK BW“: der Name des Kontakts abgekürzt? Bitte prüfen",
            "Account holder “LZK BW”: the contact's name abbreviated? Please check",
        ),
        (
            "amount:net_of_fee:-123456",
            "Summe der Verkäufe abzüglich 1.234,56 € Gebühren",
            "Sum of the sales minus €1,234.56 fees",
        ),
    ],
)
def test_codes_read_as_plain_sentences(code: str, german: str, english: str) -> None:
    assert describe(code) == (german, english)


def test_older_day_codes_still_render() -> None:
    assert describe("days:+3") == (
        "3 Tage nach dem erwarteten Datum",
        "3 days after the expected date",
    )


def test_collective_group_ids_are_not_shown_and_duplicates_collapse() -> None:
    texts = describe_all(["amount:collective:+0", "difference:collective", "collective:txn-1"])
    assert [de for de, _ in texts] == [
        "Summe mehrerer Belege stimmt mit dem Betrag überein",
        "Teil einer Sammelzahlung",
    ]


def test_german_money_format() -> None:
    assert format_cents_de(100_000_000) == "1.000.000,00 €"
    assert format_cents_de(-5) == "0,05 €"


@given(st.text(max_size=40))
def test_any_code_gets_text_without_scores_or_deltas(code: str) -> None:
    german, english = describe(code)
    assert german and english
    for text in (german, english):
        assert "Δ" not in text
        assert "score" not in text.lower() and "Bewertung" not in text
