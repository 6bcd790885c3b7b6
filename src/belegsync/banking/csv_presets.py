"""The CSV layouts of German banks and payment services, as their exports document them.

Adding a bank: one :class:`CsvMapping` here with a ``signature`` of header names no
other layout has all of, a sample file in ``tests/fixtures/banking/corpus/`` and its
line in the corpus table (``docs/banking.md``).
"""

from __future__ import annotations

from belegsync.banking.csv_mapping import CsvMapping

# Sparkasse "CSV-CAMT V2": own account in "Auftragskonto" (an IBAN, in old exports the
# Kontonummer), SEPA fields in their own columns, two-digit years.
SPARKASSE = CsvMapping(
    name="sparkasse",
    label="Sparkasse CSV-CAMT",
    account_iban="Auftragskonto",
    booking_date="Buchungstag",
    value_date="Valutadatum",
    booking_text="Buchungstext",
    remittance=("Verwendungszweck",),
    creditor_id="Glaeubiger ID",
    mandate_reference="Mandatsreferenz",
    end_to_end_id="Kundenreferenz (End-to-End)",
    batch_reference="Sammlerreferenz",
    original_amount="Lastschrift Ursprungsbetrag",
    counterparty_name="Beguenstigter/Zahlungspflichtiger",
    counterparty_iban="Kontonummer/IBAN",
    counterparty_bic="BIC (SWIFT-Code)",
    amount="Betrag",
    currency="Waehrung",
    status="Info",
    date_formats=("%d.%m.%y", "%d.%m.%Y"),
    signature=(
        "Auftragskonto",
        "Buchungstag",
        "Beguenstigter/Zahlungspflichtiger",
        "Glaeubiger ID",
    ),
)

# Sparkasse "CSV-MT940": fewer columns; "Kontonummer" and "BLZ" hold IBAN and BIC since SEPA.
SPARKASSE_MT940 = CsvMapping(
    name="sparkasse-mt940",
    label="Sparkasse CSV-MT940",
    account_iban="Auftragskonto",
    booking_date="Buchungstag",
    value_date="Valutadatum",
    booking_text="Buchungstext",
    remittance=("Verwendungszweck",),
    counterparty_name="Beguenstigter/Zahlungspflichtiger",
    counterparty_iban="Kontonummer",
    counterparty_bic="BLZ",
    amount="Betrag",
    currency="Waehrung",
    status="Info",
    date_formats=("%d.%m.%y", "%d.%m.%Y"),
    signature=("Auftragskonto", "Buchungstag", "Beguenstigter/Zahlungspflichtiger", "BLZ"),
)

# ING "Umsatzanzeige": account and balance above the table; the value date was renamed.
ING = CsvMapping(
    name="ing",
    label="ING",
    booking_date="Buchung",
    value_date="Valuta|Wertstellungsdatum",
    counterparty_name="Auftraggeber/Empfänger",
    booking_text="Buchungstext",
    remittance=("Verwendungszweck",),
    amount="Betrag",
    currency="Währung",
    preamble_account=True,
    signature=("Buchung", "Auftraggeber/Empfänger", "Buchungstext", "Betrag"),
)

# DKB until 2023 (Latin-1, trailing semicolons, account as "Kontonummer:" above the table).
DKB_OLD = CsvMapping(
    name="dkb-alt",
    label="DKB ≤ 2023",
    booking_date="Buchungstag",
    value_date="Wertstellung",
    booking_text="Buchungstext",
    counterparty_name="Auftraggeber / Begünstigter",
    remittance=("Verwendungszweck",),
    counterparty_iban="Kontonummer",
    counterparty_bic="BLZ",
    amount="Betrag (EUR)",
    creditor_id="Gläubiger-ID",
    mandate_reference="Mandatsreferenz",
    end_to_end_id="Kundenreferenz",
    preamble_account=True,
    signature=("Buchungstag", "Wertstellung", "Auftraggeber / Begünstigter", "Betrag (EUR)"),
)

# DKB since 2023: payer and payee in two columns, status Gebucht/Vorgemerkt.
DKB = CsvMapping(
    name="dkb",
    label="DKB",
    booking_date="Buchungsdatum",
    value_date="Wertstellung",
    status="Status",
    counterparty_name_in="Zahlungspflichtige*r",
    counterparty_name_out="Zahlungsempfänger*in",
    remittance=("Verwendungszweck",),
    booking_text="Umsatztyp",
    counterparty_iban="IBAN",
    amount="Betrag (€)",
    creditor_id="Gläubiger-ID",
    mandate_reference="Mandatsreferenz",
    end_to_end_id="Kundenreferenz",
    date_formats=("%d.%m.%y", "%d.%m.%Y"),
    preamble_account=True,
    signature=("Buchungsdatum", "Zahlungspflichtige*r", "Zahlungsempfänger*in", "Betrag (€)"),
)

# Commerzbank "Umsätze": name and purpose both in "Buchungstext"; own account as a column.
COMMERZBANK = CsvMapping(
    name="commerzbank",
    label="Commerzbank",
    booking_date="Buchungstag",
    value_date="Wertstellung",
    booking_text="Umsatzart",
    remittance=("Buchungstext",),
    amount="Betrag",
    currency="Währung",
    account_iban="IBAN Auftraggeberkonto|IBAN Kontoinhaber",
    signature=("Buchungstag", "Wertstellung", "Umsatzart", "Buchungstext", "Betrag"),
)

_DEUTSCHE_BANK_COMMON = {
    "booking_date": "Buchungstag",
    "value_date": "Wert",
    "booking_text": "Umsatzart",
    "counterparty_name": "Begünstigter / Auftraggeber",
    "remittance": ("Verwendungszweck",),
    "counterparty_bic": "BIC",
    "end_to_end_id": "Kundenreferenz",
    "mandate_reference": "Mandatsreferenz",
    "creditor_id": "Gläubiger ID",
    "debit": "Soll",
    "credit": "Haben",
    "currency": "Währung",
}

# Deutsche Bank: Soll and Haben columns, account only in the file name, balance footer.
DEUTSCHE_BANK = CsvMapping(
    name="deutsche-bank",
    label="Deutsche Bank",
    counterparty_iban="IBAN",
    signature=("Buchungstag", "Wert", "Umsatzart", "Begünstigter / Auftraggeber", "IBAN", "Soll"),
    **_DEUTSCHE_BANK_COMMON,  # type: ignore[arg-type]
)

# Postbank (Deutsche Bank's layout, "IBAN / Kontonummer", IBAN of the account above).
POSTBANK = CsvMapping(
    name="postbank",
    label="Postbank",
    counterparty_iban="IBAN / Kontonummer",
    preamble_account=True,
    signature=(
        "Buchungstag",
        "Wert",
        "Umsatzart",
        "Begünstigter / Auftraggeber",
        "IBAN / Kontonummer",
        "Soll",
    ),
    **_DEUTSCHE_BANK_COMMON,  # type: ignore[arg-type]
)

# Volksbanken und Raiffeisenbanken (Atruvia "VR Banking", since 2022).
VOLKSBANK = CsvMapping(
    name="volksbank",
    label="Volksbank/Raiffeisenbank",
    account_iban="IBAN Auftragskonto",
    booking_date="Buchungstag",
    value_date="Valutadatum",
    counterparty_name="Name Zahlungsbeteiligter",
    counterparty_iban="IBAN Zahlungsbeteiligter",
    counterparty_bic="BIC (SWIFT-Code) Zahlungsbeteiligter",
    booking_text="Buchungstext",
    remittance=("Verwendungszweck",),
    amount="Betrag",
    currency="Waehrung",
    creditor_id="Glaeubiger ID",
    mandate_reference="Mandatsreferenz",
    signature=("IBAN Auftragskonto", "Name Zahlungsbeteiligter", "Buchungstag", "Betrag"),
)

# N26 (since 2023; the older export had Date/Payee/Account number).
N26 = CsvMapping(
    name="n26",
    label="N26",
    booking_date="Booking Date|Date",
    value_date="Value Date",
    counterparty_name="Partner Name|Payee",
    counterparty_iban="Partner Iban|Account number",
    booking_text="Type|Transaction type",
    remittance=("Payment Reference|Payment reference",),
    amount="Amount (EUR)",
    original_amount="Original Amount|Amount (Foreign Currency)",
    delimiter=",",
    decimal_comma=False,
    date_formats=("%Y-%m-%d",),
    signature=("Amount (EUR)", "Partner Name|Payee", "Booking Date|Date"),
)

# Qonto: timestamps in UTC, amounts with a decimal point, declined payments listed too.
QONTO = CsvMapping(
    name="qonto",
    label="Qonto",
    booking_date="Settlement date (UTC)",
    value_date="Operation date (UTC)",
    amount="Total amount (incl. VAT)",
    currency="Currency",
    counterparty_name="Counterparty name",
    booking_text="Payment method",
    bank_reference="Transaction ID",
    account_iban="IBAN",
    remittance=("Reference",),
    status="Status",
    skip_column="Status",
    skip_values=("declined", "canceled", "cancelled", "reversed"),
    delimiter=",",
    decimal_comma=False,
    date_formats=("%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y"),
    dates_in_utc=True,
    signature=("Settlement date (UTC)", "Total amount (incl. VAT)", "Counterparty name"),
)

# PayPal "Aktivitäten" download (German): gross amount and fee, memo lines move nothing.
PAYPAL = CsvMapping(
    name="paypal",
    label="PayPal",
    booking_date="Datum",
    counterparty_name="Name",
    booking_text="Typ",
    status="Status",
    currency="Währung",
    amount="Brutto",
    fee="Gebühr",
    bank_reference="Transaktionscode",
    remittance=("Rechnungsnummer", "Betreff", "Artikelbezeichnung", "Hinweis"),
    skip_column="Auswirkung auf Guthaben",
    skip_values=("Memo",),
    delimiter=",",
    date_formats=("%d.%m.%Y",),
    signature=("Datum", "Uhrzeit", "Zeitzone", "Brutto", "Gebühr", "Netto", "Transaktionscode"),
)

PRESETS: dict[str, CsvMapping] = {
    m.name: m
    for m in (
        SPARKASSE,
        SPARKASSE_MT940,
        ING,
        DKB_OLD,
        DKB,
        COMMERZBANK,
        DEUTSCHE_BANK,
        POSTBANK,
        VOLKSBANK,
        N26,
        QONTO,
        PAYPAL,
    )
}
