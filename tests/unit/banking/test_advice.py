"""Payment advice files: pain.008/pain.001 batches and CSV payout advices read into
:class:`Advice`, and every damaged or foreign file refused with an :class:`AdviceError`."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from belegsync.banking.advice import AdviceError, looks_like_advice, parse_advices
from belegsync.banking.errors import StatementError
from belegsync.domain.advice import Advice, AdviceItem, AdviceKind

PAIN_008_V02 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrDrctDbtInitn>
    <GrpHdr>
      <MsgId>MSG-2024-03-14-001</MsgId>
      <CreDtTm>2024-03-14T09:12:00</CreDtTm>
      <NbOfTxs>5</NbOfTxs>
      <CtrlSum>345.50</CtrlSum>
      <InitgPty><Nm>Hofladen Sonnenwiese GbR</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>SAMMLER-2024-03-A</PmtInfId>
      <PmtMtd>DD</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>3</NbOfTxs>
      <CtrlSum>245.50</CtrlSum>
      <PmtTpInf>
        <SvcLvl><Cd>SEPA</Cd></SvcLvl>
        <LclInstrm><Cd>CORE</Cd></LclInstrm>
        <SeqTp>RCUR</SeqTp>
      </PmtTpInf>
      <ReqdColltnDt>2024-03-15</ReqdColltnDt>
      <Cdtr><Nm>Hofladen Sonnenwiese GbR</Nm></Cdtr>
      <CdtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></CdtrAcct>
      <CdtrAgt><FinInstnId><BIC>BYLADEM1001</BIC></FinInstnId></CdtrAgt>
      <DrctDbtTxInf>
        <PmtId><EndToEndId>ABO-0101-2403</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">89.00</InstdAmt>
        <DrctDbtTx><MndtRltdInf><MndtId>M-0101</MndtId><DtOfSgntr>2023-01-10</DtOfSgntr>
        </MndtRltdInf></DrctDbtTx>
        <DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>
        <Dbtr><Nm>Jürgen Weiß</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
        <RmtInf><Ustrd>Rechnung RE-2024-0101 Gemüsekiste März</Ustrd></RmtInf>
      </DrctDbtTxInf>
      <DrctDbtTxInf>
        <PmtId><EndToEndId>ABO-0102-2403</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">120.50</InstdAmt>
        <DrctDbtTx><MndtRltdInf><MndtId>M-0102</MndtId><DtOfSgntr>2023-02-01</DtOfSgntr>
        </MndtRltdInf></DrctDbtTx>
        <DbtrAgt><FinInstnId><BIC>SOLADEST600</BIC></FinInstnId></DbtrAgt>
        <Dbtr><Nm>Sabine  Köhler</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>DE75512108001245126199</IBAN></Id></DbtrAcct>
        <RmtInf><Ustrd>RE-2024-0102   Kundennr. 4711</Ustrd></RmtInf>
      </DrctDbtTxInf>
      <DrctDbtTxInf>
        <PmtId><EndToEndId>NOTPROVIDED</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">36.00</InstdAmt>
        <DrctDbtTx><MndtRltdInf><MndtId>M-0107</MndtId><DtOfSgntr>2023-06-12</DtOfSgntr>
        </MndtRltdInf></DrctDbtTx>
        <DbtrAgt><FinInstnId><BIC>GENODEF1S02</BIC></FinInstnId></DbtrAgt>
        <Dbtr><Nm>Bäckerei Schön GmbH</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>DE12500105170648489890</IBAN></Id></DbtrAcct>
        <RmtInf><Ustrd>RE-2024-0107</Ustrd></RmtInf>
      </DrctDbtTxInf>
    </PmtInf>
    <PmtInf>
      <PmtInfId>SAMMLER-2024-03-B</PmtInfId>
      <PmtMtd>DD</PmtMtd>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>100.00</CtrlSum>
      <PmtTpInf>
        <SvcLvl><Cd>SEPA</Cd></SvcLvl>
        <LclInstrm><Cd>CORE</Cd></LclInstrm>
        <SeqTp>FRST</SeqTp>
      </PmtTpInf>
      <ReqdColltnDt>2024-03-18</ReqdColltnDt>
      <Cdtr><Nm>Hofladen Sonnenwiese GbR</Nm></Cdtr>
      <CdtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></CdtrAcct>
      <CdtrAgt><FinInstnId><BIC>BYLADEM1001</BIC></FinInstnId></CdtrAgt>
      <DrctDbtTxInf>
        <PmtId><EndToEndId>ABO-0131-2403</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">59.90</InstdAmt>
        <Dbtr><Nm>Familie Öztürk</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>DE44500105175407324931</IBAN></Id></DbtrAcct>
        <RmtInf><Ustrd>RE-2024-0131</Ustrd></RmtInf>
      </DrctDbtTxInf>
      <DrctDbtTxInf>
        <PmtId><EndToEndId>ABO-0132-2403</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">40.10</InstdAmt>
        <Dbtr><Nm>Kita Löwenzahn e.V.</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>DE91100000000123456789</IBAN></Id></DbtrAcct>
        <RmtInf><Ustrd>RE-2024-0132</Ustrd></RmtInf>
      </DrctDbtTxInf>
    </PmtInf>
  </CstmrDrctDbtInitn>
</Document>
"""

PAIN_008_V08 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">
  <CstmrDrctDbtInitn>
    <GrpHdr>
      <MsgId>PRAXIS-LS-0424</MsgId>
      <CreDtTm>2024-04-29T16:40:11</CreDtTm>
      <NbOfTxs>3</NbOfTxs>
      <InitgPty><Nm>Physiotherapie am Markt</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>LS-0424-PRIVAT</PmtInfId>
      <PmtMtd>DD</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>213.60</CtrlSum>
      <ReqdColltnDt>2024-05-02</ReqdColltnDt>
      <Cdtr><Nm>Physiotherapie am Markt</Nm></Cdtr>
      <DrctDbtTxInf>
        <PmtId><InstrId>1</InstrId><EndToEndId>PRV-2024-0412</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">142.40</InstdAmt>
        <Dbtr><Pty><Nm>Renate Müller-Lüdenscheidt</Nm></Pty></Dbtr>
        <RmtInf><Ustrd>Rechnung PRV-2024-0412</Ustrd><Ustrd>6x KG</Ustrd></RmtInf>
      </DrctDbtTxInf>
      <DrctDbtTxInf>
        <PmtId><EndToEndId>PRV-2024-0415</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">71.20</InstdAmt>
        <Dbtr><Pty><Nm>Oskar Dreßler</Nm></Pty></Dbtr>
        <RmtInf><Strd><CdtrRefInf><Ref>RF18PRV20240415</Ref></CdtrRefInf></Strd></RmtInf>
      </DrctDbtTxInf>
    </PmtInf>
    <PmtInf>
      <PmtInfId>LS-0424-EINZELN</PmtInfId>
      <PmtMtd>DD</PmtMtd>
      <BtchBookg>false</BtchBookg>
      <NbOfTxs>1</NbOfTxs>
      <ReqdColltnDt>2024-05-02</ReqdColltnDt>
      <Cdtr><Nm>Physiotherapie am Markt</Nm></Cdtr>
      <DrctDbtTxInf>
        <PmtId><EndToEndId>PRV-2024-0420</EndToEndId></PmtId>
        <InstdAmt Ccy="EUR">35.60</InstdAmt>
        <Dbtr><Pty><Nm>Hans Özdemir</Nm></Pty></Dbtr>
        <RmtInf><Ustrd>Rechnung PRV-2024-0420</Ustrd></RmtInf>
      </DrctDbtTxInf>
    </PmtInf>
  </CstmrDrctDbtInitn>
</Document>
"""

PAIN_001_V09 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>UEB-2024-04-02</MsgId>
      <CreDtTm>2024-04-01T18:03:00+02:00</CreDtTm>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>1845.00</CtrlSum>
      <InitgPty><Nm>Tischlerei Brandt</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>ZAHLLAUF-2024-04-02</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>1845.00</CtrlSum>
      <ReqdExctnDt><Dt>2024-04-02</Dt></ReqdExctnDt>
      <Dbtr><Nm>Tischlerei Brandt</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BICFI>BYLADEM1001</BICFI></FinInstnId></DbtrAgt>
      <CdtTrfTxInf>
        <PmtId><EndToEndId>ER-0815</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">1200.00</InstdAmt></Amt>
        <Cdtr><Nm>Holzhandel Nordwald GmbH</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>Rechnung 2024-3318 Eichenbohlen</Ustrd></RmtInf>
      </CdtTrfTxInf>
      <CdtTrfTxInf>
        <PmtId><EndToEndId>ER-0816</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">645.00</InstdAmt></Amt>
        <Cdtr><Nm>IT-Service Becker e.K.</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>DE75512108001245126199</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>RG 7781 Wartung Q2</Ustrd></RmtInf>
      </CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
"""

DENTAL_PAYOUT = """ZA Zahnärztliche Abrechnungsgesellschaft AG
Auszahlungsavis
Avis-Nr.: 884012
Auszahlungsdatum: 12.03.2024

Rechnungsnummer;Patient;Rechnungsbetrag;Gebühr;Auszahlung
2024-0311;Müller, Anna;1.250,00;37,50;1.212,50
2024-0312;Schmidt,  Peter;480,00;14,40;465,60
2024-0315;Weiß, Jürgen;89,90;2,70;87,20
Summe;;1.819,90;54,60;1.765,30
"""

SETTLEMENT_AVIS = """Belegnummer;Mitglied;Betrag;Skonto;Zahlbetrag;Avis-Nr;Zahlungsdatum
RE-10451;Elektro Krause GmbH;2.380,00;47,60;2.332,40;ZR-2024-14;05.04.2024
RE-10452;Elektro Krause GmbH;-119,00;;-119,00;ZR-2024-14;05.04.2024
RE-10460;Haustechnik Vogel KG;595,00;11,90;571,20;ZR-2024-15;12.04.24
"""

PHYSIO_LIST = """Abrechnungszentrum für Heilmittelerbringer
Abrechnung: 2024/0012
Datum: 2024-03-28
Re.-Nr.,Name,Betrag
HM-7781,Krankenkasse Südwest,312.40
HM-7782,"Jürgens, Lütfi",88.00
HM-7783,BKK Mühlental,1045.10
"""

# PayPal's activity export names invoices, gross, fee and net like an advice, yet it is
# a statement of the PayPal account.
PAYPAL_CSV = (
    '"Datum","Uhrzeit","Zeitzone","Name","Typ","Status","Währung","Brutto","Gebühr",'
    '"Netto","Transaktionscode","Rechnungsnummer","Guthaben"\n'
    '"01.07.2024","10:12:45","Europe/Berlin","Müller Immobilien KG","Website-Zahlung",'
    '"Abgeschlossen","EUR","119,00","-2,71","116,29","0AB12345CD6789012","RE-2024-0073",'
    '"116,29"\n'
)

BANK_STATEMENT_CSV = """Auftragskonto;Buchungstag;Valutadatum;Buchungstext;Verwendungszweck;\
Beguenstigter/Zahlungspflichtiger;Kontonummer/IBAN;BIC (SWIFT-Code);Betrag;Waehrung;Info
DE17100500000123456789;12.03.24;12.03.24;GUTSCHR. UEBERWEISUNG;Rechnung 2024-0311;\
ZA AG;DE89370400440532013000;COBADEFFXXX;1.765,30;EUR;Umsatz gebucht
"""

CAMT_053 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>S1</MsgId><CreDtTm>2024-03-13T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>S1-1</Id>
      <Acct><Id><IBAN>DE17100500000123456789</IBAN></Id></Acct>
      <Ntry>
        <Amt Ccy="EUR">1765.30</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2024-03-13</Dt></BookgDt>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _error(data: bytes) -> AdviceError:
    with pytest.raises(AdviceError) as caught:
        parse_advices(data, "avis")
    return caught.value


# ---------------------------------------------------------------------------- pain.008


def test_pain008_v02_two_batches_become_two_collection_advices() -> None:
    first, second = parse_advices(_utf8(PAIN_008_V02), "sammler.xml")

    assert (first.kind, first.credit, first.currency) == (AdviceKind.COLLECTION, True, "EUR")
    assert first.reference == "SAMMLER-2024-03-A"
    assert first.day == date(2024, 3, 15)
    assert first.items == (
        AdviceItem(
            reference="Rechnung RE-2024-0101 Gemüsekiste März",
            amount_cents=8900,
            paid_cents=8900,
            name="Jürgen Weiß",
            end_to_end_id="ABO-0101-2403",
        ),
        AdviceItem(
            reference="RE-2024-0102 Kundennr. 4711",
            amount_cents=12050,
            paid_cents=12050,
            name="Sabine Köhler",
            end_to_end_id="ABO-0102-2403",
        ),
        AdviceItem(
            reference="RE-2024-0107",
            amount_cents=3600,
            paid_cents=3600,
            name="Bäckerei Schön GmbH",
            end_to_end_id="",
        ),
    )
    assert (first.paid_cents, first.fee_cents) == (24550, 0)
    # No BtchBookg: the bank books the batch as one line.
    assert second.reference == "SAMMLER-2024-03-B"
    assert second.day == date(2024, 3, 18)
    assert [i.amount_cents for i in second.items] == [5990, 4010]
    assert [i.name for i in second.items] == ["Familie Öztürk", "Kita Löwenzahn e.V."]
    assert second.paid_cents == 10000


def test_pain008_v08_party_wrapper_structured_reference_and_single_bookings() -> None:
    # The second block asks for single bookings: nothing to break down, no advice.
    [advice] = parse_advices(_utf8(PAIN_008_V08))

    assert advice.reference == "LS-0424-PRIVAT"
    assert advice.day == date(2024, 5, 2)
    assert advice.paid_cents == 21360
    repeated, structured = advice.items
    assert repeated.name == "Renate Müller-Lüdenscheidt"
    assert repeated.reference == "Rechnung PRV-2024-0412 6x KG"
    assert repeated.end_to_end_id == "PRV-2024-0412"
    assert structured.name == "Oskar Dreßler"
    assert structured.reference == "RF18PRV20240415"
    assert structured.amount_cents == structured.paid_cents == 7120


def test_pain008_only_single_bookings_gives_no_advice() -> None:
    data = PAIN_008_V08.replace("<BtchBookg>true</BtchBookg>", "<BtchBookg>false</BtchBookg>")
    assert parse_advices(_utf8(data)) == []


def test_pain008_date_inside_dt_and_german_dk_namespace() -> None:
    data = PAIN_008_V02.replace("pain.008.001.02", "pain.008.003.02").replace(
        "<ReqdColltnDt>2024-03-18</ReqdColltnDt>",
        "<ReqdColltnDt><Dt>2024-03-19</Dt></ReqdColltnDt>",
    )
    first, second = parse_advices(_utf8(data))
    assert (first.day, second.day) == (date(2024, 3, 15), date(2024, 3, 19))


# ---------------------------------------------------------------------------- pain.001


def test_pain001_v09_transfers_are_one_debit_advice() -> None:
    [advice] = parse_advices(_utf8(PAIN_001_V09), "zahllauf.xml")

    assert advice == Advice(
        kind=AdviceKind.TRANSFERS,
        reference="ZAHLLAUF-2024-04-02",
        day=date(2024, 4, 2),
        credit=False,
        items=(
            AdviceItem(
                reference="Rechnung 2024-3318 Eichenbohlen",
                amount_cents=120000,
                paid_cents=120000,
                name="Holzhandel Nordwald GmbH",
                end_to_end_id="ER-0815",
            ),
            AdviceItem(
                reference="RG 7781 Wartung Q2",
                amount_cents=64500,
                paid_cents=64500,
                name="IT-Service Becker e.K.",
                end_to_end_id="ER-0816",
            ),
        ),
        currency="EUR",
    )


# ---------------------------------------------------------------------------- CSV


def test_dental_factoring_payout_with_preamble_fee_and_total_row() -> None:
    [advice] = parse_advices(b"\xef\xbb\xbf" + _utf8(DENTAL_PAYOUT), "avis.csv")

    assert (advice.kind, advice.credit, advice.currency) == (AdviceKind.PAYOUT, True, "EUR")
    assert advice.reference == "884012"
    assert advice.day == date(2024, 3, 12)
    assert [i.reference for i in advice.items] == ["2024-0311", "2024-0312", "2024-0315"]
    assert [i.name for i in advice.items] == ["Müller, Anna", "Schmidt, Peter", "Weiß, Jürgen"]
    assert [i.amount_cents for i in advice.items] == [125000, 48000, 8990]
    assert [i.paid_cents for i in advice.items] == [121250, 46560, 8720]
    assert [i.fee_cents for i in advice.items] == [3750, 1440, 270]
    assert (advice.paid_cents, advice.fee_cents) == (176530, 5460)


def test_payout_without_paid_column_pays_amount_less_fee() -> None:
    text = DENTAL_PAYOUT.replace(";Auszahlung", "").replace(";1.212,50", "")
    text = text.replace(";465,60", "").replace(";87,20", "").replace(";1.765,30", "")
    [advice] = parse_advices(_utf8(text))
    assert [i.paid_cents for i in advice.items] == [121250, 46560, 8720]


def test_central_settlement_avis_with_skonto_credit_note_and_two_advices() -> None:
    first, second = parse_advices(_utf8(SETTLEMENT_AVIS))

    assert (first.reference, first.day) == ("ZR-2024-14", date(2024, 4, 5))
    krause, credit_note = first.items
    # Skonto comes off what the item settles; no fee column, so no fee.
    assert (krause.reference, krause.name) == ("RE-10451", "Elektro Krause GmbH")
    assert (krause.amount_cents, krause.paid_cents, krause.fee_cents) == (233240, 233240, 0)
    assert (credit_note.amount_cents, credit_note.paid_cents) == (-11900, -11900)
    assert first.paid_cents == 221340
    assert (second.reference, second.day) == ("ZR-2024-15", date(2024, 4, 12))
    [vogel] = second.items
    # The paid column says less than Betrag - Skonto: the office kept a fee.
    assert (vogel.amount_cents, vogel.paid_cents, vogel.fee_cents) == (58310, 57120, 1190)


def test_physio_billing_list_cp1252_comma_delimiter_decimal_point() -> None:
    data = PHYSIO_LIST.encode("cp1252")
    assert b"\xfc" in data  # ü as Windows-1252 writes it

    [advice] = parse_advices(data, "abrechnung.csv")

    assert advice.reference == "2024/0012"
    assert advice.day == date(2024, 3, 28)
    assert [i.reference for i in advice.items] == ["HM-7781", "HM-7782", "HM-7783"]
    assert [i.name for i in advice.items] == [
        "Krankenkasse Südwest",
        "Jürgens, Lütfi",
        "BKK Mühlental",
    ]
    assert [i.amount_cents for i in advice.items] == [31240, 8800, 104510]
    assert advice.paid_cents == 144550


def test_label_and_value_in_neighbouring_cells_and_member_name_column() -> None:
    text = (
        "Regulierungsavis Nr.;884017\n"
        "Zahlungsdatum;19.04.2024\n"
        "Mitglied;Mitgliedsname;Belegnummer;Belegdatum;Betrag;Skonto;Zahlbetrag\n"
        "417223;Sanitär Jäger OHG;GH-24-0815;02.04.2024;1190,00;23,80;1166,20\n"
        "Gesamt;;;;1190,00;23,80;1166,20\n"
    )
    [advice] = parse_advices(text.encode("cp1252"))

    assert (advice.reference, advice.day) == ("884017", date(2024, 4, 19))
    [item] = advice.items
    # "Mitglied" holds the member number here; the "…name" column names the payer.
    assert (item.reference, item.name) == ("GH-24-0815", "Sanitär Jäger OHG")
    assert (item.amount_cents, item.paid_cents) == (116620, 116620)


def test_bare_datum_column_with_differing_values_is_the_invoice_date() -> None:
    text = "Avis-Nr.: 77\nRechnung;Datum;Betrag\nA-1;01.02.2024;10,00\nA-2;05.02.2024;20,00\n"
    [advice] = parse_advices(_utf8(text))
    assert (advice.reference, advice.day, advice.paid_cents) == ("77", None, 3000)


def test_looks_like_advice() -> None:
    for sample in (PAIN_008_V02, PAIN_008_V08, PAIN_001_V09, DENTAL_PAYOUT, SETTLEMENT_AVIS):
        assert looks_like_advice(_utf8(sample))
    assert looks_like_advice(PHYSIO_LIST.encode("cp1252"))
    assert looks_like_advice(PAIN_001_V09.encode("utf-16"))
    for other in (BANK_STATEMENT_CSV, PAYPAL_CSV, CAMT_053, "", "Hallo Welt\n"):
        assert not looks_like_advice(_utf8(other))
    assert not looks_like_advice(random.Random(7).randbytes(3000))


# ---------------------------------------------------------------------------- errors


def test_error_frame_code_and_default_advice() -> None:
    error = _error(b"")

    assert isinstance(error, StatementError)
    assert error.code == "advice_invalid"
    assert error.location == "avis"
    assert str(error).startswith("Die Avis-Datei ist fehlerhaft – avis: die Datei ist leer.")
    assert "Es wurde nichts zugeordnet." in str(error)
    assert "erneut" in error.advice_de and "unverändert" in error.advice_de
    assert error.message_en.startswith("The advice file is malformed – avis: the file is empty.")
    assert "Nothing was attached." in error.message_en


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(3000),
        _utf8(BANK_STATEMENT_CSV),
        _utf8(PAYPAL_CSV),
        _utf8(CAMT_053),
        b"Sehr geehrte Damen und Herren,\nanbei die Unterlagen.\n",
    ],
    ids=["random", "bank-statement-csv", "paypal-csv", "camt053", "letter"],
)
def test_files_that_are_no_advice(data: bytes) -> None:
    error = _error(data)
    assert error.code == "advice_not_an_advice"
    assert error.message.startswith("Die Avis-Datei ist fehlerhaft")


def test_xml_with_doctype_is_refused() -> None:
    data = PAIN_008_V02.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x "y">]>',
    )
    error = _error(_utf8(data))
    assert "DTD" in error.problem_de


def test_broken_xml_names_the_line() -> None:
    error = _error(_utf8(PAIN_008_V02[:1500]))
    assert error.code == "advice_invalid"
    assert "Zeile" in error.location
    assert "Avis-Datei" in error.message


def test_control_sum_mismatch_names_the_path() -> None:
    data = PAIN_008_V02.replace("<CtrlSum>100.00</CtrlSum>", "<CtrlSum>110.00</CtrlSum>")
    error = _error(_utf8(data))
    assert error.location.startswith("/Document/CstmrDrctDbtInitn/PmtInf[2]/CtrlSum (Zeile ")
    assert "110,00" in error.problem_de and "100,00" in error.problem_de


def test_count_mismatch_and_mixed_currencies() -> None:
    wrong_count = PAIN_001_V09.replace(
        "<NbOfTxs>2</NbOfTxs>\n      <CtrlSum>1845", "<NbOfTxs>3</NbOfTxs>\n      <CtrlSum>1845"
    )
    assert "PmtInf/NbOfTxs" in _error(_utf8(wrong_count)).location
    mixed = PAIN_001_V09.replace('<InstdAmt Ccy="EUR">645.00', '<InstdAmt Ccy="CHF">645.00')
    error = _error(_utf8(mixed))
    assert "CdtTrfTxInf[2]/Amt/InstdAmt" in error.location
    assert "EUR und CHF" in error.problem_de


def test_unreadable_amount_names_line_and_column() -> None:
    text = DENTAL_PAYOUT.replace("480,00", "480,OO")
    error = _error(_utf8(text))
    assert error.location.startswith("Zeile 8")
    assert error.problem_de == "Betrag „480,OO“ in Spalte „Rechnungsbetrag“ ist keine Zahl."


def test_missing_amount_is_an_error() -> None:
    error = _error(_utf8("Rechnung;Betrag\nA-1;10,00\nA-2;\n"))
    assert error.location.startswith("Zeile 3")


def test_paid_that_disagrees_with_amount_less_fee() -> None:
    text = DENTAL_PAYOUT.replace("1.212,50", "1.213,50").replace("1.765,30", "1.766,30")
    error = _error(_utf8(text))
    assert error.location.startswith("Zeile 7")
    assert "1.213,50" in error.problem_de and "1.212,50" in error.problem_de


def test_total_row_mismatch() -> None:
    text = DENTAL_PAYOUT.replace("Summe;;1.819,90", "Summe;;1.829,90")
    error = _error(_utf8(text))
    assert error.location.startswith("Zeile 10")
    assert "1.829,90" in error.problem_de and "1.819,90" in error.problem_de


def test_footer_after_total_row_ends_the_table() -> None:
    text = DENTAL_PAYOUT + "Bankverbindung: DE89 3704 0044 0532 0130 00\nSeite 1 von 1\n"
    [advice] = parse_advices(_utf8(text))
    assert advice.paid_cents == 176530


def test_header_without_items_and_advice_paying_nothing() -> None:
    assert _error(_utf8("Rechnungsnummer;Betrag\n\n")).location.startswith("Zeile 1")
    error = _error(_utf8("Rechnungsnummer;Betrag\nGS-1;-20,00\n"))
    assert "zahlt nichts aus" in error.problem_de


@settings(max_examples=200)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.text(alphabet="Rechnung;Betrag:0123456789,.-\n\"'<>/ ä", max_size=400).map(
            lambda text: ("Rechnung;Betrag\n" + text).encode()
        ),
    )
)
def test_arbitrary_bytes_give_advices_or_advice_error(data: bytes) -> None:
    try:
        result = parse_advices(data, "x")
    except AdviceError as error:
        assert error.message and error.message_en
        return
    assert isinstance(result, list)
    assert all(isinstance(advice, Advice) for advice in result)
